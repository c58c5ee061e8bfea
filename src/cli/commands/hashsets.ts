// evidence hashset import | ls
import { type Command, Option } from 'commander';
import { InputError } from '../../shared/contract.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { formatBytes, formatDuration, safeLines, table } from '../format.ts';
import { followJob } from '../jobs.ts';

const FORMATS = ['auto', 'nsrl-rds', 'nsrl-legacy', 'hashdeep', 'md5sum', 'sha1sum', 'sha256sum', 'plain', 'csv'] as const;

export function registerHashsets(program: Command, ctx: Ctx): void {
  const hs = program.command('hashset').description('known-hash sets (NSRL, hashdeep, *sum, lists, CSV): known-good hides, known-bad alerts');

  withAuthOptions(
    hs
      .command('import <case> <file>')
      .description('import a hash set (streamed, any size) and match every item of the case against it')
      .requiredOption('--name <name>', 'a name for the set, e.g. "NSRL 2024.12 modern" or "lab known-bad 2026-03"'),
  )
    .option('--known-bad', 'items in this set are alerts')
    .option('--known-good', 'items in this set are hidden from review (e.g. NSRL)')
    .addOption(new Option('--format <format>', 'the file format').choices(FORMATS).default('auto'))
    .option('--json', 'print JSON')
    .action(
      async (
        casePath: string,
        file: string,
        o: { name: string; knownBad?: boolean; knownGood?: boolean; format: (typeof FORMATS)[number]; officer?: string; passwordFile?: string; json?: boolean },
      ) => {
        if (!!o.knownBad === !!o.knownGood) throw new InputError('Say what the set is: --known-bad or --known-good (one of them).');
        await ctx.withSession(casePath, o, async (session) => {
          // A job, as the app runs it (startHashsetImport), followed by its events; Ctrl-C records nothing.
          const tty = process.stderr.isTTY === true;
          let lastLine = 0;
          const job = followJob<'hashset'>(
            ctx,
            session,
            () => ctx.service.startHashsetImport({ session, file, name: o.name, kind: o.knownBad ? 'bad' : 'good', format: o.format }),
            (p) => {
              const line = `${p.phase}: ${p.records.toLocaleString('en-US')} hashes, ${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesTotal)}`;
              if (tty) process.stderr.write(`\r\x1b[2K${line}`);
              else if (Date.now() - lastLine > 5000) {
                lastLine = Date.now();
                process.stderr.write(`${line}\n`);
              }
            },
          );
          const onSignal = (): void => {
            ctx.io.err('\nStopping the import (nothing is recorded)…');
            job.cancel();
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
          let r: Awaited<typeof job.result>;
          try {
            r = await job.result;
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
          if (tty) process.stderr.write('\r\x1b[2K');
          if (o.json) {
            ctx.io.out(JSON.stringify(r, null, 2));
            return;
          }
          const s = r.set;
          ctx.io.out(
            safeLines([
              `Hash set ${s.id} "${s.name}" imported as ${s.kind === 'bad' ? 'KNOWN-BAD' : 'known-good'} (${s.format})`,
              `  file:     ${s.sourceFile} (${formatBytes(s.fileSize)}, sha256 ${s.fileSha256})`,
              `  entries:  ${s.entries.toLocaleString('en-US')} (SHA-256 ${s.sha256}, SHA-1 ${s.sha1}, MD5 ${s.md5}) from ${r.records.toLocaleString('en-US')} records; ${r.skipped} lines skipped`,
              `  matched:  ${r.matched} items of this case${s.kind === 'bad' && r.matched ? `: evidence ls ${casePath} --known-bad` : ''}`,
              `  time:     read ${formatDuration(r.timings.readMs)}, store ${formatDuration(r.timings.storeMs)}, match ${formatDuration(r.timings.matchMs)}`,
            ]),
          );
        });
      },
    );

  hs.command('ls <case>')
    .description('the hash sets of the case, with how many items each matched')
    .option('--json', 'print JSON')
    .action((casePath: string, o: { json?: boolean }) => {
      const sets = ctx.service.listHashsets({ casePath });
      if (o.json) {
        ctx.io.out(JSON.stringify(sets, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['ID', 'NAME', 'KIND', 'FORMAT', 'ENTRIES', 'MATCHES', 'IMPORTED', 'BY', 'FILE SHA-256'],
          sets.map((s) => [
            String(s.id),
            s.name,
            s.kind === 'bad' ? 'KNOWN-BAD' : 'known-good',
            s.format,
            s.entries.toLocaleString('en-US'),
            String(s.matches),
            s.importedAt,
            s.officer,
            `${s.fileSha256.slice(0, 16)}…`,
          ]),
        ),
      );
    });
}
