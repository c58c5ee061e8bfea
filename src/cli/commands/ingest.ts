// evidence ingest | verify
import { type Command, Option } from 'commander';
import type { IngestSummary, VerifyReport } from '../../shared/contract.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { EvidenceError, requireExhibitNamed } from '../../core/index.ts';
import { EXIT } from '../exitCodes.ts';
import { countArg } from '../args.ts';
import { formatBytes, formatDuration, safeLines } from '../format.ts';
import { ingestProgressView } from '../progress.ts';
import { findingLine } from './custody.ts';
import { followJob } from '../jobs.ts';
import { attributionLines } from './receipts.ts';

const KINDS = ['folder', 'ios-backup', 'file', 'zip', 'tar', 'tar.gz', 'ab', 'ufdr'] as const;

function printIngestSummary(s: IngestSummary, ctx: Ctx): void {
  const lines = [
    `${s.status === 'finished' ? 'Ingest finished' : 'Ingest interrupted'}${s.resumed ? ' (resumed)' : ''}: ${s.sourcePath}${s.exhibit ? ` -> exhibit ${s.exhibit}` : ''}`,
    `  files:        ${s.files} (${formatBytes(s.bytes)})`,
    `  folders:      ${s.folders}`,
    `  links:        ${s.links}${s.special ? `   special files: ${s.special}` : ''}`,
    `  duplicates:   ${s.duplicates} (content already in the store, stored once)`,
    ...(s.alreadyDone ? [`  already done: ${s.alreadyDone} (recorded by the earlier, interrupted run)`] : []),
    `  problems:     ${s.errorCount}`,
    ...(s.noticeCount ? [`  notices:      ${s.noticeCount} (facts to know, not problems: listed below and on each item)`] : []),
    ...(s.exhibitDevice && Object.keys(s.exhibitDevice.filled).length
      ? [`  exhibit ${s.exhibitDevice.exhibit}: filled from the extraction report: ${Object.entries(s.exhibitDevice.filled).map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join(', ')}`]
      : []),
    ...(s.exhibitDevice?.mismatches ?? []).map(
      (m) =>
        `  EXHIBIT ${s.exhibitDevice!.exhibit} MISMATCH: ${m.label} recorded by the officer is ${m.recorded}, the extraction report says ${m.reported.join(' / ')}: check which is right (the exhibit record is not changed; evidence exhibit show <case> ${s.exhibitDevice!.exhibit})`,
    ),
    ...(s.analysis
      ? [
          `  suggestions:  ${s.analysis.suggestions} new (evidence suggest ls <case> --status pending)`,
          ...(s.analysis.knownBad ? [`  KNOWN-BAD:    ${s.analysis.knownBad} items match a known-bad hash set (evidence ls <case> --known-bad)`] : []),
          ...(s.analysis.knownGood ? [`  known-good:   ${s.analysis.knownGood} items (evidence ls <case> --hide-known-good hides them)`] : []),
        ]
      : []),
    `  time:         ${formatDuration(s.elapsedMs)}`,
  ];
  for (const p of s.problems.slice(0, 20)) lines.push(`    ! ${p.path}: ${p.error}`);
  if (s.errorCount > 20) lines.push(`    … and ${s.errorCount - 20} more: evidence ls <case> --errors`);
  for (const p of (s.notices ?? []).slice(0, 10)) lines.push(`    notice: ${p.path}: ${p.error}`);
  if ((s.noticeCount ?? 0) > 10) lines.push(`    … and ${(s.noticeCount ?? 0) - 10} more notices (on the items: evidence show <case> <id>)`);
  if (s.status === 'interrupted') lines.push('Run the same command again to resume where it stopped.');
  ctx.io.out(safeLines(lines));
}

function printVerify(r: VerifyReport, ctx: Ctx): void {
  const lines: string[] = [];
  const first = r.chain.firstBad;
  for (const p of r.problems) {
    for (const it of p.items.length ? p.items : [{ id: 0, source: 0, path: '(no item)' }]) {
      lines.push(`${p.status === 'missing' ? 'MISSING' : 'CHANGED'}  item ${it.id}  ${it.path}  sha256 ${p.sha256}: ${p.detail}`);
    }
  }
  for (const u of r.unstored) {
    lines.push(`NOT STORED  item ${u.id}  ${u.path}: catalogued without a copy because the case could not be written (${u.error}); to store it, ingest the export again as a new source (--again --reason "...")`);
  }
  for (const u of r.unfinished) {
    lines.push(`Ingest not finished: source ${u.source} ${u.path} (${u.status}): run the same ingest command to resume it`);
  }
  lines.push(
    `Stored objects: ${r.objects.total} (for ${r.items.hashed} hashed items of ${r.items.total})`,
    `  Files matched: ${r.objects.matched}`,
    `  Files changed: ${r.objects.changed}`,
    `  Files missing: ${r.objects.missing}`,
    `Custody log: ${r.chain.events} events, ${r.chain.ok ? `chain intact (head ${r.chain.headSeq} ${r.chain.headHash.slice(0, 16)}…)` : `BROKEN at event ${first?.seq}: ${first?.message}`}`,
    ...(r.chain.problems.length > 1 ? [`  ${r.chain.problems.length} problems in the chain, each listed below`] : []),
    `  checkpoints: ${r.custody.checkpoints.verified} of ${r.custody.checkpoints.total} verify; transfers: ${r.custody.transfers.verified} of ${r.custody.transfers.total}`,
    // Who signed what, and the receipts kept outside the case (custody/attribution.ts, receipts.ts).
    ...attributionLines(r.custody).map((l) => `  ${l}`),
    // Every problem the log has, not only the first: one bad row must not hide later tampering.
    ...r.custody.findings
      .filter((f) => !(f.what === 'chain-broken' && f.seq === first?.seq && f.message === first.message))
      .map((f) => `  ! ${findingLine(f)}`),
    r.ok ? 'Verification PASSED' : 'Verification FAILED',
  );
  ctx.io.out(safeLines(lines));
}

export function registerIngest(program: Command, ctx: Ctx): void {
  withAuthOptions(
    program
      .command('ingest <case> <export>')
      .description(
        'hash, type and catalogue every file of an export: a folder, an iPhone backup folder, a ZIP, TAR, .tar.gz, Cellebrite UFDR or Android .ab; archives found inside are opened too. Ctrl-C stops; running again resumes',
      )
      .option('--exhibit <number>', 'required: the exhibit the export comes from, recorded first with evidence exhibit add (e.g. EXH-001); every file must trace to a seized device'),
  )
    .addOption(new Option('--kind <kind>', 'force the kind of export instead of detecting it').choices(KINDS))
    .option('--no-expand', 'do not open archives and backups found inside a folder (they are still hashed)')
    .option('--no-text', 'do not extract text for search now (faster on exports of mostly text files); run evidence reindex later')
    .option('--workers <n>', 'hashing threads (default: one per core)', countArg('number of threads'))
    .option('--again', 'ingest an export this case already holds again, as a new source (needs --reason; without it, such an ingest is refused)')
    .option('--reason <text>', 'with --again: why the export is ingested a second time (recorded in the custody log)')
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        casePath: string,
        source: string,
        o: { exhibit?: string; officer?: string; passwordFile?: string; kind?: (typeof KINDS)[number]; expand: boolean; text: boolean; workers?: number; json?: boolean; again?: boolean; reason?: string },
      ) => {
        // Checked before signing in: the password prompt should not come before a usage error.
        const exhibit = requireExhibitNamed(o.exhibit);
        if (o.again && !o.reason?.trim()) {
          throw new EvidenceError('USAGE', '--again needs --reason "...": say why this export is ingested a second time (it goes into the custody log).');
        }
        if (o.reason !== undefined && !o.again) {
          throw new EvidenceError('USAGE', '--reason is for --again (ingesting an export this case already holds as a new source); leave it out otherwise.');
        }
        await ctx.withSession(casePath, o, async (session) => {
          // Run as a job, as the app runs it (startIngest), following its events.
          const view = ingestProgressView(process.stderr, { text: o.text });
          let warned = 0;
          const job = followJob<'ingest'>(
            ctx,
            session,
            () =>
              ctx.service.startIngest({
                session,
                sourcePath: source,
                exhibit,
                kind: o.kind,
                expand: o.expand,
                text: o.text,
                workers: o.workers,
                again: o.again === true,
                reason: o.reason ?? null,
              }),
            (p) => {
              // A warning (e.g. the export will likely not fit): on stderr, above the bar, once.
              const ws = p.warnings ?? [];
              if (ws.length > warned) {
                view.done();
                ctx.io.err(safeLines(ws.slice(warned).map((m) => `evidence: warning: ${m}`)));
                warned = ws.length;
              }
              view.update(p);
            },
          );
          let stops = 0;
          const onSignal = (): void => {
            stops++;
            if (stops === 1) {
              ctx.io.err('\nStopping after the files in progress (Ctrl-C again to quit at once; the next run resumes either way)…');
              job.cancel();
            } else {
              process.exit(EXIT.INTERRUPTED);
            }
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
          try {
            const s = await job.result;
            view.done();
            // Told before the work started but not yet shown (none lost to the progress rate).
            const ws = s.warnings ?? [];
            if (ws.length > warned) ctx.io.err(safeLines(ws.slice(warned).map((m) => `evidence: warning: ${m}`)));
            if (o.json) ctx.io.out(JSON.stringify(s, null, 2));
            else printIngestSummary(s, ctx);
            if (s.status === 'interrupted') ctx.setExit(EXIT.INTERRUPTED);
          } catch (err) {
            // The engine names the earlier source; how to go ahead anyway is this front door's to say.
            if (err instanceof EvidenceError && err.code === 'ALREADY_INGESTED') {
              throw new EvidenceError(err.code, `${err.message} To ingest it again as a new source, run the same command with --again --reason "why".`);
            }
            throw err;
          } finally {
            view.done();
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
        });
      },
    );

  withAuthOptions(program.command('verify <case>').description('re-hash every stored file against the catalogue and check the custody chain'))
    .option('--workers <n>', 'hashing threads (default: one per core)', countArg('number of threads'))
    .option('--json', 'print the report as JSON')
    .action(async (casePath: string, o: { officer?: string; passwordFile?: string; workers?: number; json?: boolean }) => {
      await ctx.withSession(casePath, o, async (session) => {
        const tty = process.stderr.isTTY === true;
        // A job, as the app runs it (startVerify), followed by its events.
        const job = followJob<'verify'>(ctx, session, () => ctx.service.startVerify({ session, workers: o.workers }), (p) => {
          if (tty) process.stderr.write(`\r\x1b[2Kverifying ${p.objectsDone}/${p.objectsTotal} objects, ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}`);
        });
        const r = await job.result;
        if (tty) process.stderr.write('\r\x1b[2K');
        if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
        else printVerify(r, ctx);
        if (!r.ok) ctx.setExit(EXIT.VERIFY_FAILED);
      });
    });
}
