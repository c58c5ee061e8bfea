// evidence custody receipts | custody witness add; and the "who signed what" and receipts lines
// of custody verify (issue 10, parts 1, 3 and 4).
import type { Command } from 'commander';
import type { CustodyReport } from '../../shared/contract.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { EXIT } from '../exitCodes.ts';
import { safeLines, table, visible } from '../format.ts';

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Who signed what, and what the receipts outside the case say: lines for custody verify. */
export function attributionLines(r: CustodyReport): string[] {
  const a = r.attribution;
  const lines: string[] = [];
  const signed = a.officers
    .filter((o) => o.events > 0)
    .map((o) => `${o.officer} (key ${o.keyFingerprint ?? 'none announced'}): ${o.events - o.unattributed} of ${plural(o.events, 'event')}`);
  lines.push(`Signed by:     ${signed.length ? signed.join('; ') : '-'}`);
  if (a.keyless) lines.push(`               (${plural(a.keyless, 'refused or failed sign-in')}, recorded without a key: a wrong password proves nobody)`);
  if (a.unattributed) lines.push(`Unattributed:  ${plural(a.unattributed, 'event')} no officer's key signed (each run named below)`);
  for (const s of a.openSessions) {
    lines.push(`Open session:  ${s.officer}, events ${s.fromSeq} to ${s.seq}: never signed out (a crash, or still open); its running record, signed by ${s.officer}'s key, proves them`);
  }
  const rc = r.receipts;
  lines.push(
    `Receipts:      ${rc.found ? `${rc.agree} of ${plural(rc.found, 'receipt')} outside the case agree with this log` : 'none found outside the case'}` +
      (rc.searched.length ? ` (looked in ${rc.searched.join(', ')})` : ' (no receipts folder: give --receipts <file>)'),
  );
  for (const c of rc.codes) lines.push(`Receipt code:  ${c.code} ${c.ok ? 'agrees with this log' : 'DOES NOT match this log'}`);
  return lines;
}

export function registerReceipts(custody: Command, ctx: Ctx): void {
  custody
    .command('receipts <case>')
    .description("the case's receipts kept outside it (app data, witness folders), each checked against the log")
    .option('--receipts <file...>', 'receipts files to list too (e.g. from a USB stick or a bundle)')
    .option('--json', 'print JSON')
    .action((casePath: string, o: { receipts?: string[]; json?: boolean }) => {
      const r = ctx.service.listReceipts({ casePath, receipts: o.receipts });
      if (o.json) {
        ctx.io.out(JSON.stringify(r, null, 2));
      } else {
        const state = { agrees: 'agrees', 'beyond-log': 'BEYOND THE LOG', different: 'DIFFERENT EVENT', invalid: 'BAD SIGNATURE' } as const;
        ctx.io.out(
          table(
            ['CODE', 'SIGNED (UTC)', 'BY', 'KEY', 'CHECK', 'WHERE'],
            r.receipts.map((c) => [c.code, String(c.receipt.at_utc), String(c.receipt.officer), String(c.receipt.key_fingerprint), state[c.status], c.where.join(', ')]),
            60,
          ),
        );
        ctx.io.out(safeLines([`${plural(r.found, 'receipt')} found; looked in ${r.searched.length ? r.searched.join(', ') : '(no folder)'}`, ...r.problems.map((p) => `  ! ${p}`)]));
      }
      if (r.problems.length) ctx.setExit(EXIT.VERIFY_FAILED);
    });

  const witness = custody.command('witness').description('folders outside the case that keep a copy of every receipt');
  withAuthOptions(
    witness
      .command('add <case> <folder>')
      .description('name a witness folder (another disk, a USB stick, a shared folder of the unit): every later checkpoint leaves its receipt there too'),
  ).action(async (casePath: string, folder: string, o: { officer?: string; passwordFile?: string }) => {
    await ctx.withSession(casePath, o, (session) => {
      const e = ctx.service.addWitness({ session, folder });
      ctx.io.out(visible(`Witness folder ${String(e.details.folder)} added (custody event ${e.seq}); the receipt of this sign-out is the first kept there.`));
    });
  });
}
