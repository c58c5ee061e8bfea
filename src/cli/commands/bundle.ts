// evidence export | bundle verify (issue 13): bundles for prosecutors.
import { type Command, Option } from 'commander';
import { EvidenceError } from '../../core/index.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { EXIT } from '../exitCodes.ts';
import { formatBytes, safeLines } from '../format.ts';
import { parseItemIds } from './tags.ts';
import { followJob } from '../jobs.ts';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerBundle(program: Command, ctx: Ctx): void {
  withAuthOptions(
    program
      .command('export <case>')
      .description('export items as a signed bundle for prosecutors (files, hashes, custody excerpt, report); verify it with: evidence bundle verify')
      .option('--tag <tag-id>', 'items carrying this tag (repeat for several)', collect)
      .option('--exhibit <number>', 'every file of this exhibit (repeat for several)', collect)
      .option('--search <query>', 'items the full-text search finds')
      .option('--ids <ids>', 'item ids: 12,14,20-25', collect)
      .option('--all', 'every file of the case')
      .requiredOption('--out <path>', 'the bundle folder to create (or the .zip file, with --zip)')
      .option('--zip', 'write one ZIP file instead of a folder')
      .addOption(new Option('--lang <lang>', 'language of the report').choices(['en', 'ja']).default('en'))
      .option('--json', 'print the result as JSON'),
  ).action(
    async (
      casePath: string,
      o: { tag?: string[]; exhibit?: string[]; search?: string; ids?: string[]; all?: boolean; out: string; zip?: boolean; lang: 'en' | 'ja'; json?: boolean; officer?: string; passwordFile?: string },
    ) => {
      const selection = { tags: o.tag ?? [], exhibits: o.exhibit ?? [], search: o.search ?? null, ids: o.ids ? parseItemIds(o.ids) : [], all: o.all === true };
      if (!selection.all && !selection.tags.length && !selection.exhibits.length && !selection.search && !selection.ids.length) {
        throw new EvidenceError('USAGE', 'Say what to export: --tag, --exhibit, --search, --ids or --all (several may be combined).');
      }
      await ctx.withSession(casePath, o, async (session) => {
        // A job, as the app runs it (startExport), followed by its events.
        const tty = process.stderr.isTTY === true;
        let lastPlain = 0;
        const job = followJob<'export'>(
          ctx,
          session,
          () => ctx.service.startExport({ session, selection, destination: o.out, zip: o.zip === true, lang: o.lang }),
          (p) => {
            const line = `export: ${p.phase} ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}`;
            if (tty) process.stderr.write(`\r\x1b[2K${line}`);
            else if (Date.now() - lastPlain > 5000) {
              lastPlain = Date.now();
              process.stderr.write(`${line}\n`);
            }
          },
        );
        const onSignal = (): void => {
          ctx.io.err('\nStopping the export (nothing is left behind)…');
          job.cancel();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const r = await job.result;
          if (tty) process.stderr.write('\r\x1b[2K');
          if (o.json) {
            ctx.io.out(JSON.stringify(r, null, 2));
            return;
          }
          const lines = [
            `Bundle written: ${r.path}${r.zip ? ' (ZIP)' : ''}`,
            `  ${r.files} file(s), ${formatBytes(r.bytes)}, bundle ${r.bundleId}`,
            `  signed by key ${r.keyFingerprint}; custody event ${r.custodyEventSeq}, checkpoint ${r.checkpoint.id}, receipt ${r.checkpoint.receiptCode}`,
            `  check it with: evidence bundle verify ${r.path}`,
          ];
          for (const s of r.skipped) lines.push(`  not exported: item ${s.id} ${s.path}: ${s.reason}`);
          if (r.notRendered.length) lines.push(`  not in this bundle (their renderers are not part of this build): ${r.notRendered.join(', ')}`);
          ctx.io.out(safeLines(lines));
        } finally {
          if (tty) process.stderr.write('\r\x1b[2K');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    },
  );

  const bundle = program.command('bundle').description('bundles for prosecutors: verify one (no case or sign-in needed)');
  bundle
    .command('verify <bundle>')
    .description('check a bundle folder or .zip: signature, every file\'s hashes, files added or removed, the custody excerpt, receipts (exit 0 only when all is intact)')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, o: { json?: boolean }) => {
      const r = await ctx.service.verifyBundle({ path });
      if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
      else {
        const lines: string[] = [];
        lines.push(`Bundle ${r.path} (${r.kind})`);
        if (r.case) lines.push(`  case ${r.case.number} "${r.case.name}"`);
        if (r.signer) lines.push(`  signed by ${r.signer.name}, key fingerprint ${r.signer.keyFingerprint}${r.createdAt ? `, at ${r.createdAt}` : ''}`);
        lines.push(`  checked: ${r.checked.files} files (${formatBytes(r.checked.bytes)}), ${r.checked.documents} documents, ${r.checked.custodyLines} custody events, ${r.checked.receipts} receipts`);
        for (const s of r.intact) lines.push(`  OK  ${s}`);
        for (const f of r.findings) lines.push(`  NOT INTACT  ${f.message}`);
        lines.push(
          r.ok
            ? 'INTACT: the bundle is exactly as the officer signed it.'
            : `NOT INTACT: ${r.findings.length} problem(s) found. Do not rely on this bundle as it is: ask the sender for a new copy, and keep this one as it is.`,
        );
        ctx.io.out(safeLines(lines));
      }
      if (!r.ok) ctx.setExit(EXIT.VERIFY_FAILED);
    });
  bundle.exitOverride();
}
