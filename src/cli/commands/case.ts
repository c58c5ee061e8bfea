// evidence case init | info | timezone
import type { Command } from 'commander';
import { formatLocal } from '../../core/index.ts';
import { newPassword } from '../auth.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { formatBytes, safeLines, visible } from '../format.ts';

export function registerCase(program: Command, ctx: Ctx): void {
  const kase = program.command('case').description('create or describe a case');
  kase
    .command('init <folder>')
    .description('create a new case in an empty folder; you become its admin')
    .requiredOption('--name <name>', 'case name, e.g. "Operation Sakura"')
    .requiredOption('--number <number>', 'case number, e.g. KH-2026-0142')
    .requiredOption('--officer <name>', 'officer creating the case (its first admin)')
    .option('--badge <id>', 'badge or ID number')
    .option('--unit <unit>', 'unit')
    .option('--password-file <file>', 'file whose first line is your new password (default: $EVIDENCE_PASSWORD, else a prompt)')
    .option('--json', 'print JSON')
    .action(async (folder: string, o: { name: string; number: string; officer: string; badge?: string; unit?: string; passwordFile?: string; json?: boolean }) => {
      const password = await newPassword(o, 'EVIDENCE_PASSWORD', o.officer);
      const s = ctx.service.createCase({ casePath: folder, name: o.name, number: o.number, officer: o.officer, badge: o.badge, unit: o.unit, password });
      ctx.io.out(o.json ? JSON.stringify(s, null, 2) : visible(`Created case ${s.number} "${s.name}" in ${s.path}; ${o.officer} is its admin.`));
      if (!o.json) {
        // The fingerprint to write down: a key swapped later no longer matches it.
        const key = ctx.service.listOfficers({ casePath: folder }).find((x) => x.createdBy === x.name && x.role === 'admin')?.keyFingerprint;
        if (key) ctx.io.out(visible(`Signing key of ${o.officer}: ${key} (note it with the case papers).`));
        // Shown this once and never stored in clear: the only way back if this account is locked
        // (five wrong passwords, by anyone) while no other examiner or admin can unlock it.
        ctx.io.out(
          safeLines([
            `Recovery code of ${s.createdBy}: ${s.recoveryCode}`,
            '  Write it down now and keep it sealed with the case papers: it is shown only this once.',
            '  If your account is ever locked, unlock it with: evidence officer unlock <case> --name <you> --recovery-code-file <file>',
          ]),
        );
      }
    });
  kase
    .command('info <case>')
    .description('case number, name and counts')
    .option('--json', 'print JSON')
    .action((folder: string, o: { json?: boolean }) => {
      const s = ctx.service.caseInfo({ casePath: folder });
      ctx.io.out(
        o.json
          ? JSON.stringify(s, null, 2)
          : safeLines([
              `Case ${s.number}: ${s.name}`,
              `  folder:   ${s.path}`,
              `  created:  ${formatLocal(s.createdAt)} by ${s.createdBy}`,
              `  exhibits: ${s.exhibits}`,
              `  items:    ${s.items} (${s.files} files, ${formatBytes(s.bytes)})`,
              `  custody:  ${s.custodyEvents} events`,
              `  time zone: ${s.timeZone ?? '(not set: times shown in this computer\'s zone)'}`,
            ]),
      );
    });
  withAuthOptions(
    kase
      .command('timezone <case> [zone]')
      .description("set the zone the case's times are shown in (IANA name, e.g. Asia/Phnom_Penh); --clear removes it")
      .option('--clear', 'remove the setting (each computer then shows its own zone)'),
  ).action(async (folder: string, zone: string | undefined, o: { clear?: boolean; officer?: string; passwordFile?: string }) => {
    if (!zone && !o.clear) {
      ctx.io.out(visible(`Time zone of the case: ${ctx.service.caseInfo({ casePath: folder }).timeZone ?? '(not set)'}`));
      return;
    }
    await ctx.withSession(folder, o, (session) => {
      const r = ctx.service.setCaseTimeZone({ session, zone: o.clear ? null : (zone ?? null) });
      ctx.io.out(visible(r.timeZone ? `The case's times are shown in ${r.timeZone}.` : "The case's time zone is cleared."));
    });
  });
}
