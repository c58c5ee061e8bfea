// evidence officer add|ls|disable|enable|unlock, evidence exhibit add|ls|show|seal
import { type Command, Option } from 'commander';
import { formatLocal } from '../../core/index.ts';
import { InputError } from '../../shared/contract.ts';
import { credentials, newPassword, passwordFromFile, promptHidden } from '../auth.ts';
import { type Ctx, printReceipt, withAuthOptions } from '../context.ts';
import { safeLines, table, visible } from '../format.ts';

export function registerOfficers(program: Command, ctx: Ctx): void {
  const officer = program.command('officer').description('officer accounts of a case');
  withAuthOptions(
    officer
      .command('add <case>')
      .description('add an officer (examiners and admins only); the new officer chooses a password')
      .requiredOption('--name <name>', "the new officer's name")
      .addOption(new Option('--role <role>', 'what they may do').choices(['officer', 'examiner', 'reviewer', 'admin']).makeOptionMandatory())
      .option('--badge <id>', 'badge or ID number')
      .option('--unit <unit>', 'unit')
      .option('--new-password-file <file>', "file with the new officer's password (default: $EVIDENCE_NEW_PASSWORD, else a prompt)"),
  ).action(
    async (
      casePath: string,
      o: { name: string; role: 'officer'; badge?: string; unit?: string; newPasswordFile?: string; officer?: string; passwordFile?: string },
    ) => {
      await ctx.withSession(casePath, o, async (session) => {
        const password = await newPassword({ passwordFile: o.newPasswordFile }, 'EVIDENCE_NEW_PASSWORD', o.name);
        const added = ctx.service.addOfficer({ session, name: o.name, role: o.role, badge: o.badge, unit: o.unit, password });
        ctx.io.out(visible(`Added ${added.name} (${added.role}); signing key ${added.keyFingerprint}.`));
      });
    },
  );
  officer
    .command('ls <case>')
    .description('list officers')
    .option('--json', 'print JSON')
    .action((casePath: string, o: { json?: boolean }) => {
      const list = ctx.service.listOfficers({ casePath });
      if (o.json) {
        ctx.io.out(JSON.stringify(list, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['NAME', 'BADGE', 'UNIT', 'ROLE', 'STATUS', 'KEY'],
          list.map((x) => [x.name, x.badge ?? '', x.unit ?? '', x.role, x.hasPassword ? x.status : 'no account', x.keyFingerprint ?? '']),
        ),
      );
    });
  for (const [verb, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    withAuthOptions(
      officer
        .command(`${verb} <case> <name>`)
        .description(verb === 'disable' ? 'disable an account' : 'enable or unlock an account')
        .requiredOption('--reason <text>', 'why'),
    ).action(async (casePath: string, name: string, o: { reason: string; officer?: string; passwordFile?: string }) => {
      await ctx.withSession(casePath, o, (session) => {
        const r = ctx.service.setOfficerStatus({ session, name, status, reason: o.reason });
        ctx.io.out(visible(`${r.name} is now ${r.status}.`));
      });
    });
  }
  officer
    .command('unlock <case>')
    .description("unlock your own locked account with the case's recovery code (shown once when the case was created) and your password")
    .requiredOption('--name <name>', 'the officer whose account is locked (you)')
    .option('--recovery-code-file <file>', 'file whose first line is the recovery code (default: $EVIDENCE_RECOVERY_CODE, else a prompt)')
    .option('--password-file <file>', 'file whose first line is your password (default: $EVIDENCE_PASSWORD, else a prompt)')
    .option('--reason <text>', 'why (default: unlocked with the case recovery code)')
    .action(async (casePath: string, o: { name: string; recoveryCodeFile?: string; passwordFile?: string; reason?: string }) => {
      const code = o.recoveryCodeFile
        ? passwordFromFile(o.recoveryCodeFile)
        : process.env.EVIDENCE_RECOVERY_CODE || (await promptHidden('Recovery code: ', 'set EVIDENCE_RECOVERY_CODE or use --recovery-code-file'));
      const c = await credentials({ officer: o.name, passwordFile: o.passwordFile });
      const { session, officer: who } = ctx.service.unlockWithRecoveryCode({
        casePath,
        officer: c.officer,
        password: c.password,
        recoveryCode: code,
        reason: o.reason,
        location: process.env.EVIDENCE_LOCATION ?? null,
      });
      ctx.io.out(visible(`${who} is unlocked (recovery code) and may sign in again.`));
      printReceipt(ctx.service.signOut({ session }), ctx.io);
    });
}

interface ExhibitOptions {
  number: string;
  seal?: string;
  description?: string;
  make?: string;
  model?: string;
  serial?: string;
  imei?: string;
  condition?: string;
  seizedBy?: string;
  seizedAt?: string;
  seizedWhere?: string;
  officer?: string;
  passwordFile?: string;
  json?: boolean;
}

export function registerExhibits(program: Command, ctx: Ctx): void {
  const exhibit = program.command('exhibit').description('seized devices: record, list, show, seals');
  withAuthOptions(
    exhibit
      .command('add <case>')
      .description('record a seized device as on its exhibit label')
      .requiredOption('--number <number>', 'exhibit number, e.g. EXH-001')
      .option('--seal <number>', 'seal number')
      .option('--description <text>', 'what it is')
      .option('--make <make>', 'device make')
      .option('--model <model>', 'device model')
      .option('--serial <serial>', 'serial number')
      .option('--imei <imei>', 'IMEI (15 digits)')
      .option('--condition <text>', 'condition when seized')
      .option('--seized-by <officer>', 'who seized it')
      .option('--seized-at <time>', 'when, with offset: 2026-11-20T14:05:00+07:00')
      .option('--seized-where <place>', 'where'),
  )
    .option('--json', 'print JSON')
    .action(async (casePath: string, o: ExhibitOptions) => {
      await ctx.withSession(casePath, o, (session) => {
        const e = ctx.service.addExhibit({
          session,
          number: o.number,
          sealNumber: o.seal,
          description: o.description,
          deviceMake: o.make,
          deviceModel: o.model,
          serial: o.serial,
          imei: o.imei,
          condition: o.condition,
          seizedBy: o.seizedBy,
          seizedAt: o.seizedAt,
          seizedWhere: o.seizedWhere,
        });
        ctx.io.out(o.json ? JSON.stringify(e, null, 2) : visible(`Recorded exhibit ${e.number}${e.seal_number ? ` (seal ${e.seal_number})` : ''}; custodian ${e.custodian}.`));
      });
    });
  exhibit
    .command('ls <case>')
    .description('list exhibits')
    .option('--json', 'print JSON')
    .action((casePath: string, o: { json?: boolean }) => {
      const list = ctx.service.listExhibits({ casePath });
      if (o.json) {
        ctx.io.out(JSON.stringify(list, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['NUMBER', 'SEAL', 'DEVICE', 'IMEI', 'SEIZED', 'CUSTODIAN', 'ITEMS'],
          list.map((e) => [
            e.number,
            `${e.seal_number ?? ''}${e.seal_number !== null && !e.sealed ? ' (broken)' : ''}`,
            [e.device_make, e.device_model].filter(Boolean).join(' '),
            // An IMEI (or other field) an extraction report contradicts is marked: exhibit show says which.
            `${e.imei ?? ''}${e.device_problems.length ? ` (! ${e.device_problems.length} disagree with the extraction report)` : ''}`,
            e.seized_at ?? '',
            e.custodian ?? '',
            String(e.items),
          ]),
        ),
      );
    });
  exhibit
    .command('show <case> <number>')
    .description('one exhibit and its custody history')
    .option('--json', 'print JSON')
    .action((casePath: string, number: string, o: { json?: boolean }) => {
      const e = ctx.service.getExhibit({ casePath, number });
      if (o.json) {
        ctx.io.out(JSON.stringify(e, null, 2));
        return;
      }
      const lines = [
        `Exhibit ${e.number}  seal ${e.seal_number ?? '-'} (${e.seal_number === null ? 'no seal on record' : e.sealed ? 'sealed' : 'seal broken'})`,
        `  device:    ${[e.device_make, e.device_model].filter(Boolean).join(' ') || '-'}  serial ${e.serial ?? '-'}  IMEI ${e.imei ?? '-'}`,
        `  seized:    ${e.seized_at ?? '-'} by ${e.seized_by ?? '-'} at ${e.seized_where ?? '-'}`,
        `  condition: ${e.condition ?? '-'}`,
        `  custodian: ${e.custodian ?? '-'}   items: ${e.items}`,
        ...(e.extraction_type || e.extraction_tool
          ? [`  extracted: ${e.extraction_type ?? '-'} with ${[e.extraction_tool, e.extraction_tool_version].filter(Boolean).join(' ') || '-'} (from the extraction report)`]
          : []),
        // What an extraction report contradicts: the officer's entry stays, a person decides.
        ...e.device_problems.map((m) => `  PROBLEM:   ${m.message} (event #${m.seq})`),
        '  history:',
        ...e.history.map((h) => `    #${h.seq} ${formatLocal(h.at_utc, h.tz_name)} ${h.officer}: ${h.action}${h.reason ? ` (${h.reason})` : ''}`),
      ];
      ctx.io.out(safeLines(lines));
    });
  withAuthOptions(
    exhibit
      .command('seal <case> <number>')
      .description('record a seal broken (--break) or a new seal applied (--reseal <seal>)')
      .option('--break', 'the seal is broken, e.g. to examine the device')
      .option('--reseal <seal>', 'the new seal number')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (casePath: string, number: string, o: { break?: boolean; reseal?: string; reason: string; officer?: string; passwordFile?: string }) => {
    if (!o.break === !o.reseal) throw new InputError('Give either --break or --reseal <seal>.');
    await ctx.withSession(casePath, o, (session) => {
      const e = ctx.service.recordSeal({ session, exhibit: number, action: o.break ? 'broken' : 'resealed', reason: o.reason, newSeal: o.reseal ?? null });
      ctx.io.out(visible(`Recorded: ${e.action} on exhibit ${number} (custody event ${e.seq}).`));
    });
  });
}
