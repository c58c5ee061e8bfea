// evidence log | custody transfer | custody checkpoint | custody verify (custody receipts and witness: receipts.ts)
import type { Command } from 'commander';
import type { CustodyEvent, CustodyFinding, CustodyReport } from '../../shared/contract.ts';
import { idArg } from '../args.ts';
import { credentials } from '../auth.ts';
import { type Ctx, printReceipt, withAuthOptions } from '../context.ts';
import { EXIT } from '../exitCodes.ts';
import { safeLines, tableLine, visible, widenColumns } from '../format.ts';
import { attributionLines, registerReceipts } from './receipts.ts';

/**
 * One finding as a line: a table that differs from the log names its row first ("officer Rev C:
 * role is admin, the log says reviewer (event 12)"); a problem of the log itself, its event.
 */
export function findingLine(f: CustodyFinding): string {
  if (f.what === 'catalogue') return f.message; // names its ingest event itself
  if (f.what === 'state') return `${f.message}${f.seq > 0 ? ` (event ${f.seq})` : ''}`;
  return `${f.seq > 0 ? `event ${f.seq}` : f.what.startsWith('receipt') ? 'receipts' : 'officer keys'}: ${f.message}`;
}

function printCustodyReport(r: CustodyReport, ctx: Ctx): void {
  const lines = [
    `Custody chain: ${r.chain.events} events, ${r.chain.ok ? 'every hash links' : `BROKEN at event ${r.chain.firstBad?.seq} (${r.chain.problems.length} broken link${r.chain.problems.length === 1 ? '' : 's'}, each listed below)`}`,
    `Checkpoints:   ${r.checkpoints.verified} of ${r.checkpoints.total} verify${r.checkpoints.latest ? ` (latest: #${r.checkpoints.latest.id} at event ${r.checkpoints.latest.seq}, signed by ${r.checkpoints.latest.officer} ${r.checkpoints.latest.at_utc})` : ''}`,
    `Transfers:     ${r.transfers.verified} of ${r.transfers.total} carry both signatures`,
    ...attributionLines(r),
  ];
  // Every finding, in log order: one bad row must not hide later tampering.
  for (const f of r.findings) lines.push(`  ! ${findingLine(f)}`);
  lines.push(r.ok ? 'Custody verification PASSED' : 'Custody verification FAILED');
  ctx.io.out(safeLines(lines));
}

/** Events per page when the CLI prints the log (the engine's largest page). */
const LOG_PAGE = 1000;

export function registerCustody(program: Command, ctx: Ctx): void {
  program
    .command('log <case>')
    .description('the custody log, oldest first, or the chain-of-custody form of one exhibit')
    .option('--exhibit <number>', "only this exhibit's events (its record, ingests, transfers, seals)")
    .option('--item <id>', "only this item's events (and its ingest)", idArg('item id'))
    .option('--officer <name>', 'only this officer')
    .option('--action <action>', 'only this action (ingest.finished) or family (ingest)')
    .option('--since <time>', 'from this time (ISO 8601 with offset, e.g. 2026-11-20T00:00:00+07:00)')
    .option('--until <time>', 'up to this time')
    .option('--form <exhibit>', 'print the chain-of-custody form of this exhibit')
    .option('--json', 'print JSON (one array; each event with its chain hashes)')
    .action(
      (
        casePath: string,
        o: { exhibit?: string; item?: number; officer?: string; action?: string; since?: string; until?: string; form?: string; json?: boolean },
      ) => {
        if (o.form) {
          ctx.io.out(ctx.service.custodyForm({ casePath, exhibit: o.form }));
          return;
        }
        // The log a page at a time through the same engine query the window reads (custodyPage),
        // so a long log is never held whole; the output is what one listing of it would print.
        const filter = { casePath, exhibit: o.exhibit, item: o.item, officer: o.officer, action: o.action, since: o.since, until: o.until };
        const eachPage = (onPage: (events: CustodyEvent[], last: boolean) => void): void => {
          let page = ctx.service.custodyPage({ ...filter, limit: LOG_PAGE });
          // Events recorded while it prints come after these: the listing is the log as it stood.
          const total = page.total;
          let printed = 0;
          for (;;) {
            const events = page.events.slice(0, total - printed);
            printed += events.length;
            const last = printed >= total || events.length === 0;
            onPage(events, last);
            if (last) return;
            page = ctx.service.custodyPage({ ...filter, after: events.at(-1)!.seq, limit: LOG_PAGE });
          }
        };
        if (o.json) {
          let any = false;
          eachPage((events, last) => {
            if (!events.length && !any) return ctx.io.out('[]');
            const body = events.map((e) => JSON.stringify(e, null, 2).replace(/^/gm, '  ')).join(',\n');
            ctx.io.out(`${any ? '' : '[\n'}${body}${last ? '\n]' : ','}`);
            any = true;
          });
          return;
        }
        const headers = ['SEQ', 'TIME (UTC)', 'ZONE', 'OFFICER', 'ACTION', 'TARGET', 'REASON', 'HASH'];
        const cells = (e: CustodyEvent): string[] =>
          [String(e.seq), e.at_utc, `${e.tz_offset} ${e.tz_name}`, e.officer, e.action, e.target ?? '', e.reason ?? '', `${e.hash.slice(0, 12)}…`].map(visible);
        // Two passes: the columns' widths over the whole log, then its lines.
        let widths = headers.map((h) => h.length);
        let upTo = 0;
        eachPage((events) => {
          widths = widenColumns(widths, events.map(cells), 40);
          upTo = events.at(-1)?.seq ?? upTo;
        });
        ctx.io.out(tableLine(headers, widths));
        let after: number | undefined;
        while (after === undefined || after < upTo) {
          const page = ctx.service.custodyPage({ ...filter, after: after ?? 0, limit: LOG_PAGE });
          const events = page.events.filter((e) => e.seq <= upTo);
          if (!events.length) break;
          ctx.io.out(events.map((e) => tableLine(cells(e), widths)).join('\n'));
          after = events.at(-1)!.seq;
        }
      },
    );

  const custody = program.command('custody').description('transfer custody, sign checkpoints, verify the custody log');
  withAuthOptions(
    custody
      .command('transfer <case>')
      .description('hand an exhibit to another officer; both sign (both passwords are asked)')
      .requiredOption('--exhibit <number>', 'the exhibit handed over')
      .requiredOption('--to <officer>', 'the officer receiving it')
      .requiredOption('--reason <text>', 'why, e.g. "to the forensic lab for examination"')
      .option('--to-password-file <file>', "file with the receiving officer's password (default: $EVIDENCE_TO_PASSWORD, else a prompt)"),
  ).action(
    async (casePath: string, o: { exhibit: string; to: string; reason: string; officer?: string; passwordFile?: string; toPasswordFile?: string }) => {
      await ctx.withSession(casePath, o, async (session) => {
        const to = await credentials({ officer: o.to, passwordFile: o.toPasswordFile }, 'EVIDENCE_TO_PASSWORD', `${o.to} (receiving)`);
        const s2 = ctx.service.signIn({ casePath, officer: to.officer, password: to.password, location: process.env.EVIDENCE_LOCATION ?? null });
        try {
          const e = ctx.service.transferCustody({ session, toSession: s2.session, exhibit: o.exhibit, reason: o.reason });
          ctx.io.out(visible(`Exhibit ${o.exhibit} transferred from ${String(e.details.from)} to ${String(e.details.to)} (custody event ${e.seq}, signed by both).`));
        } finally {
          printReceipt(ctx.service.signOut({ session: s2.session }), ctx.io);
        }
      });
    },
  );
  withAuthOptions(custody.command('checkpoint <case>').description('sign the current head of the custody chain'))
    .option('--reason <text>', 'why (default: on request)')
    .option('--json', 'print JSON')
    .action(async (casePath: string, o: { reason?: string; officer?: string; passwordFile?: string; json?: boolean }) => {
      await ctx.withSession(casePath, o, (session) => {
        const cp = ctx.service.checkpoint({ session, reason: o.reason });
        ctx.io.out(o.json ? JSON.stringify(cp, null, 2) : visible(`Checkpoint ${cp.id}: events 1-${cp.seq}, head ${cp.head_hash}, signed by ${cp.officer}.`));
      });
    });
  custody
    .command('verify <case>')
    .description('check the hash chain, every checkpoint signature and key, and every transfer signature')
    .option('--receipts <file...>', 'receipts files to check too (besides the app-data and witness folders)')
    .option('--code <code...>', 'receipt codes copied from paper, e.g. 212-5f3a9c0d1e2b3c4d')
    .option('--json', 'print JSON')
    .action(async (casePath: string, o: { json?: boolean; receipts?: string[]; code?: string[] }) => {
      const r = await ctx.service.verifyCustody({ casePath, receipts: o.receipts, codes: o.code });
      if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
      else printCustodyReport(r, ctx);
      if (!r.ok) ctx.setExit(EXIT.VERIFY_FAILED);
    });
  registerReceipts(custody, ctx);
}
