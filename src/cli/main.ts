// The `evidence` command: a thin adapter from arguments to the service, and from results to
// text or JSON. It decides nothing about evidence itself.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { EvidenceService } from '../core/service.ts';
import { EvidenceError, errorMessage } from '../core/errors.ts';
import { formatLocal } from '../core/time.ts';
import { InputError } from '../shared/contract.ts';
import { EXIT, exitCodeFor } from './exitCodes.ts';
import { formatBytes, formatDuration, table } from './format.ts';
import { ingestProgressView } from './progress.ts';
import type { IngestSummary } from '../core/ingest/progress.ts';
import type { VerifyReport } from '../core/verify/verifyCase.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function officerFrom(opt: string | undefined, service: EvidenceService, casePath: string): string {
  if (opt) return opt;
  if (process.env.EVIDENCE_OFFICER) return process.env.EVIDENCE_OFFICER;
  // Until officer accounts exist, work is recorded under the case's creating officer.
  return service.caseInfo({ casePath }).createdBy;
}

function printIngestSummary(s: IngestSummary, io: Io): void {
  const lines = [
    `${s.status === 'finished' ? 'Ingest finished' : 'Ingest interrupted'}${s.resumed ? ' (resumed)' : ''}: ${s.sourcePath}${s.exhibit ? ` -> exhibit ${s.exhibit}` : ''}`,
    `  files:        ${s.files} (${formatBytes(s.bytes)})`,
    `  folders:      ${s.folders}`,
    `  links:        ${s.links}${s.special ? `   special files: ${s.special}` : ''}`,
    `  duplicates:   ${s.duplicates} (content already in the store, stored once)`,
    ...(s.alreadyDone ? [`  already done: ${s.alreadyDone} (recorded by the earlier, interrupted run)`] : []),
    `  problems:     ${s.errorCount}`,
    `  time:         ${formatDuration(s.elapsedMs)}`,
  ];
  for (const p of s.problems.slice(0, 20)) lines.push(`    ! ${p.path}: ${p.error}`);
  if (s.errorCount > 20) lines.push(`    … and ${s.errorCount - 20} more: evidence ls <case> --errors`);
  if (s.status === 'interrupted') lines.push('Run the same command again to resume where it stopped.');
  io.out(lines.join('\n'));
}

function printVerify(r: VerifyReport, io: Io): void {
  const lines: string[] = [];
  for (const p of r.problems) {
    for (const it of p.items.length ? p.items : [{ id: 0, source: 0, path: '(no item)' }]) {
      lines.push(`${p.status === 'missing' ? 'MISSING' : 'CHANGED'}  item ${it.id}  ${it.path}  sha256 ${p.sha256}: ${p.detail}`);
    }
  }
  lines.push(
    `Stored objects: ${r.objects.total} (for ${r.items.hashed} hashed items of ${r.items.total})`,
    `  Files matched: ${r.objects.matched}`,
    `  Files changed: ${r.objects.changed}`,
    `  Files missing: ${r.objects.missing}`,
    `Custody log: ${r.chain.events} events, ${r.chain.ok ? `chain intact (head ${r.chain.headSeq} ${r.chain.headHash.slice(0, 16)}…)` : `BROKEN at event ${r.chain.firstBad?.seq}: ${r.chain.firstBad?.message}`}`,
    r.ok ? 'Verification PASSED' : 'Verification FAILED',
  );
  io.out(lines.join('\n'));
}

export function buildProgram(service: EvidenceService, io: Io, setExit: (n: number) => void): Command {
  const program = new Command('evidence')
    .description('Offline evidence catalogue: hash, type and catalogue device exports, with a tamper-evident custody log.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 verification failed, 2 bad usage, 3 not found, 4 case refused
(exists, locked, network share), 5 internal error, 130 interrupted (run again to resume).
The officer defaults to $EVIDENCE_OFFICER, then the officer who created the case.`,
    );

  const kase = program.command('case').description('create or describe a case');
  kase
    .command('init <folder>')
    .description('create a new case in an empty folder')
    .requiredOption('--name <name>', 'case name, e.g. "Operation Sakura"')
    .requiredOption('--number <number>', 'case number, e.g. KH-2026-0142')
    .requiredOption('--officer <name>', 'officer creating the case')
    .option('--json', 'print JSON')
    .action((folder: string, o: { name: string; number: string; officer: string; json?: boolean }) => {
      const s = service.createCase({ casePath: folder, name: o.name, number: o.number, officer: o.officer });
      io.out(o.json ? JSON.stringify(s, null, 2) : `Created case ${s.number} "${s.name}" in ${s.path}`);
    });
  kase
    .command('info <case>')
    .description('case number, name and counts')
    .option('--json', 'print JSON')
    .action((folder: string, o: { json?: boolean }) => {
      const s = service.caseInfo({ casePath: folder });
      io.out(
        o.json
          ? JSON.stringify(s, null, 2)
          : [
              `Case ${s.number}: ${s.name}`,
              `  folder:   ${s.path}`,
              `  created:  ${formatLocal(s.createdAt)} by ${s.createdBy}`,
              `  exhibits: ${s.exhibits}`,
              `  items:    ${s.items} (${s.files} files, ${formatBytes(s.bytes)})`,
              `  custody:  ${s.custodyEvents} events`,
            ].join('\n'),
      );
    });

  program
    .command('ingest <case> <export>')
    .description(
      'hash, type and catalogue every file of an export: a folder, an iPhone backup folder, a ZIP, TAR, .tar.gz, Cellebrite UFDR or Android .ab; archives found inside are opened too. Ctrl-C stops; running again resumes',
    )
    .option('--exhibit <number>', 'exhibit the export comes from, e.g. EXH-001')
    .option('--officer <name>', 'officer doing the ingest')
    .addOption(
      new Option('--kind <kind>', 'force the kind of export instead of detecting it').choices([
        'folder',
        'ios-backup',
        'file',
        'zip',
        'tar',
        'tar.gz',
        'ab',
        'ufdr',
      ]),
    )
    .option('--no-expand', 'do not open archives and backups found inside a folder (they are still hashed)')
    .option('--workers <n>', 'hashing threads (default: one per core)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        casePath: string,
        source: string,
        o: { exhibit?: string; officer?: string; kind?: 'folder'; expand: boolean; workers?: number; json?: boolean },
      ) => {
      const officer = officerFrom(o.officer, service, casePath);
      const controller = new AbortController();
      let stops = 0;
      const onSigint = (): void => {
        stops++;
        if (stops === 1) {
          io.err('\nStopping after the files in progress (Ctrl-C again to quit at once; the next run resumes either way)…');
          controller.abort();
        } else {
          process.exit(EXIT.INTERRUPTED);
        }
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const view = ingestProgressView(process.stderr);
      try {
        const s = await service.ingest(
          { casePath, sourcePath: source, exhibit: o.exhibit ?? null, officer, kind: o.kind, expand: o.expand, workers: o.workers },
          { signal: controller.signal, onProgress: (p) => view.update(p) },
        );
        view.done();
        if (o.json) io.out(JSON.stringify(s, null, 2));
        else printIngestSummary(s, io);
        if (s.status === 'interrupted') setExit(EXIT.INTERRUPTED);
      } finally {
        view.done();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
      },
    );

  program
    .command('ls <case>')
    .description('list catalogued items')
    .option('--type <mime>', 'MIME type (image/jpeg) or family (image)')
    .option('--exhibit <number>', 'only items of this exhibit')
    .addOption(new Option('--kind <kind>', 'only this kind of item').choices(['file', 'dir', 'symlink', 'fifo', 'socket', 'device', 'other']))
    .option('--mismatch', 'only files whose extension disagrees with their content')
    .option('--gps', 'only items with GPS coordinates')
    .option('--errors', 'only items with a recorded problem')
    .option('--path <text>', 'path contains this text')
    .addOption(new Option('--sort <column>', 'sort by').choices(['id', 'path', 'size', 'mime', 'mtime', 'taken_at']).default('id'))
    .option('--desc', 'descending order')
    .option('--limit <n>', 'at most this many rows', (v) => Number.parseInt(v, 10), 1000)
    .option('--offset <n>', 'skip this many rows', (v) => Number.parseInt(v, 10), 0)
    .option('--json', 'print JSON')
    .action((casePath: string, o: Record<string, unknown>) => {
      const r = service.listItems({
        casePath,
        type: o.type as string | undefined,
        exhibit: o.exhibit as string | undefined,
        kind: o.kind as 'file' | undefined,
        mismatch: o.mismatch === true || undefined,
        hasGps: o.gps === true || undefined,
        errors: o.errors === true || undefined,
        pathContains: o.path as string | undefined,
        sort: o.sort as 'id',
        desc: o.desc === true || undefined,
        limit: o.limit as number,
        offset: o.offset as number,
      });
      if (o.json) {
        io.out(JSON.stringify(r, null, 2));
        return;
      }
      io.out(
        table(
          ['ID', 'SIZE', 'TYPE', 'SHA-256', 'PATH'],
          r.items.map((it) => [
            String(it.id),
            it.kind === 'file' ? String(it.size ?? '') : it.kind,
            `${it.mime ?? '-'}${it.ext_mismatch ? ' (ext mismatch)' : ''}${it.error ? ' (error)' : ''}`,
            it.sha256 ? `${it.sha256.slice(0, 16)}…` : '-',
            it.path,
          ]),
          80,
        ),
      );
      io.out(`${r.items.length} of ${r.total} items`);
    });

  program
    .command('show <case> <item>')
    .description('one item in full: hashes, type, times, metadata, custody')
    .option('--json', 'print JSON')
    .action((casePath: string, id: string, o: { json?: boolean }) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0) throw new InputError(`"${id}" is not an item id: give the number shown by evidence ls`);
      const it = service.getItem({ casePath, id: n });
      if (o.json) {
        io.out(JSON.stringify(it, null, 2));
        return;
      }
      const t = (v: string | null): string => (v ? `${v}  (${formatLocal(v)})` : '-');
      const lines = [
        `Item ${it.id}: ${it.path}`,
        `  exhibit:   ${it.exhibit ?? '-'}   source: ${it.source_path} (${it.source_kind})`,
        `  kind:      ${it.kind}${it.link_target ? ` -> ${it.link_target}` : ''}`,
        `  size:      ${it.size ?? '-'} bytes`,
        `  type:      ${it.mime ?? 'unknown'}${it.detected_ext ? ` (.${it.detected_ext})` : ''}${it.ext_mismatch ? `  EXTENSION MISMATCH: named .${it.ext ?? ''}` : ''}`,
        `  MD5:       ${it.md5 ?? '-'}`,
        `  SHA-1:     ${it.sha1 ?? '-'}`,
        `  SHA-256:   ${it.sha256 ?? '-'}`,
        `  modified:  ${t(it.mtime)}`,
        `  changed:   ${t(it.ctime)}`,
        `  accessed:  ${t(it.atime)}`,
        `  born:      ${t(it.birthtime)}`,
        `  mode:      ${it.mode === null ? '-' : (it.mode & 0o7777).toString(8)}  uid ${it.uid ?? '-'} gid ${it.gid ?? '-'} inode ${it.inode ?? '-'}`,
        ...(it.path_raw_hex ? [`  raw name:  ${it.path_raw_hex} (bytes of a name that is not UTF-8)`] : []),
        ...(it.error ? [`  PROBLEM:   ${it.error}`] : []),
      ];
      const m = it.metadata;
      if (m) {
        lines.push(
          '  metadata:',
          `    taken:       ${m.taken_at ?? '-'}`,
          `    GPS:         ${m.lat !== null && m.lon !== null ? `${m.lat.toFixed(7)}, ${m.lon.toFixed(7)}${m.alt !== null ? `, ${m.alt} m` : ''}` : '-'}`,
          `    camera:      ${[m.make, m.model].filter(Boolean).join(' ') || '-'}`,
          `    orientation: ${m.orientation ?? '-'}`,
        );
        if (m.fields) lines.push(`    fields:      ${Object.keys(m.fields).length} (see --json)`);
      }
      lines.push('  custody:');
      for (const e of it.custody) lines.push(`    #${e.seq} ${formatLocal(e.at_utc)} ${e.officer}: ${e.action}`);
      io.out(lines.join('\n'));
    });

  program
    .command('log <case>')
    .description('the custody log, oldest first')
    .option('--action <action>', 'only this action, e.g. ingest.finished')
    .option('--officer <name>', 'only this officer')
    .option('--target <target>', 'only this target, e.g. source:1')
    .option('--json', 'print JSON (one array; each event with its chain hashes)')
    .action((casePath: string, o: { action?: string; officer?: string; target?: string; json?: boolean }) => {
      const events = service.custodyLog({ casePath, action: o.action, officer: o.officer, target: o.target });
      if (o.json) {
        io.out(JSON.stringify(events, null, 2));
        return;
      }
      io.out(
        table(
          ['SEQ', 'TIME (UTC)', 'LOCAL', 'OFFICER', 'ACTION', 'TARGET', 'HASH'],
          events.map((e) => [
            String(e.seq),
            e.at_utc,
            `${e.tz_offset} ${e.tz_name}`,
            e.officer,
            e.action,
            e.target ?? '',
            `${e.hash.slice(0, 12)}…`,
          ]),
        ),
      );
    });

  program
    .command('verify <case>')
    .description('re-hash every stored file against the catalogue and check the custody chain')
    .option('--officer <name>', 'officer running the verification')
    .option('--workers <n>', 'hashing threads (default: one per core)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the report as JSON')
    .action(async (casePath: string, o: { officer?: string; workers?: number; json?: boolean }) => {
      const officer = officerFrom(o.officer, service, casePath);
      const tty = process.stderr.isTTY === true;
      const r = await service.verify(
        { casePath, officer, workers: o.workers },
        {
          onProgress: (p) => {
            if (tty) process.stderr.write(`\r\x1b[2Kverifying ${p.objectsDone}/${p.objectsTotal} objects, ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}`);
          },
        },
      );
      if (tty) process.stderr.write('\r\x1b[2K');
      if (o.json) io.out(JSON.stringify(r, null, 2));
      else printVerify(r, io);
      if (!r.ok) setExit(EXIT.VERIFY_FAILED);
    });

  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  const service = new EvidenceService();
  let code: number = EXIT.OK;
  const program = buildProgram(service, io, (n) => {
    code = n;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; everything else commander rejects is a usage error.
      code = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else if (err instanceof EvidenceError || err instanceof InputError) {
      io.err(`evidence: ${err.message}`);
      code = err instanceof InputError ? EXIT.USAGE : exitCodeFor(err.code);
    } else {
      io.err(`evidence: unexpected error: ${errorMessage(err)}`);
      if (process.env.EVIDENCE_DEBUG) io.err(String((err as Error).stack));
      code = EXIT.INTERNAL;
    }
  } finally {
    service.close();
  }
  return code;
}
