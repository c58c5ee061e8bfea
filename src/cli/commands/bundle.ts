// evidence export | bundle verify (issue 13): bundles for prosecutors.
import { type Command, Option } from 'commander';
import { EvidenceError } from '../../core/index.ts';
import { type Ctx, verdictLines, withAuthOptions } from '../context.ts';
import { credentials, officerName } from '../auth.ts';
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

  bundle
    .command('open <bundle>')
    .description('open a bundle for review (read-only): its verification first, then what it holds and what a review can do; browse it with evidence ls/show/search <bundle>')
    .option('--json', 'print the answer (verification, bundle, review methods) as JSON')
    .action(async (path: string, o: { json?: boolean }) => {
      const r = await ctx.service.openBundle({ path });
      if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
      else {
        const lines = verdictLines(r);
        if (r.bundle) {
          const b = r.bundle;
          lines.push(`  case ${b.case.number} "${b.case.name}", ${b.items} item(s), ${formatBytes(b.bytes)}, exported by ${b.exportedBy.name} (key ${b.exportedBy.keyFingerprint}) at ${b.createdAt}`);
          lines.push('  browse it read-only with: evidence ls <bundle>, evidence show <bundle> <item>, evidence search <bundle> <words>');
          lines.push('  the bundle carries no extracted text: search finds names, device paths and hashes');
          lines.push(`  review notes go beside it: evidence bundle note <bundle> --item N --text "..."; list them with: evidence bundle notes <bundle>`);
        } else if (r.problem) lines.push(`  cannot be browsed: ${r.problem}`);
        ctx.io.out(safeLines(lines));
      }
      if (r.session) ctx.service.closeBundle({ session: r.session });
      if (!r.intact) ctx.setExit(EXIT.VERIFY_FAILED);
    });

  bundle
    .command('notes <bundle>')
    .description("list the review notes beside a bundle, checking each file's hash chain and the reviewer's signatures (names any broken line; exit 1 then)")
    .option('--json', 'print the notes and the checks as JSON')
    .action((path: string, o: { json?: boolean }) => {
      const r = ctx.service.listReviewNotes({ path });
      if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
      else {
        const lines: string[] = [];
        if (r.files.length === 0) lines.push(`No review notes beside ${r.bundle}.`);
        for (const f of r.files) {
          lines.push(`${f.file}: notes by ${f.officer ?? '(unknown reviewer)'}, key fingerprint ${f.keyFingerprint ?? '?'} (compare it with the one the reviewer gives)`);
          for (const n of f.notes) lines.push(`  ${n.ok ? 'ok    ' : 'BROKEN'} line ${n.line}  ${n.at}  item ${n.item} (${n.file})  ${n.text}`);
          for (const p of f.problems) lines.push(`  NOT INTACT  ${p.message}`);
          lines.push(f.ok ? `  INTACT: ${f.notes.length} note(s), each chained to the one before and signed by the reviewer's key.` : `  NOT INTACT: ${f.problems.length} problem(s) in this file.`);
        }
        ctx.io.out(safeLines(lines));
      }
      if (!r.ok) ctx.setExit(EXIT.VERIFY_FAILED);
    });

  bundle
    .command('note <bundle>')
    .description("add a review note on one item, signed with your reviewer key (made on your first note, protected by your password) and chained to your earlier notes; written beside the bundle, never into it")
    .requiredOption('--item <id>', 'the item the note is about (its id, as evidence ls <bundle> shows)', (v: string) => {
      if (!/^[1-9]\d*$/.test(v)) throw new EvidenceError('USAGE', `--item takes an item number, not "${v}".`);
      return Number(v);
    })
    .requiredOption('--text <text>', 'the note')
    .option('--officer <name>', 'the reviewer writing it (default: $EVIDENCE_OFFICER)')
    .option('--password-file <file>', "file whose first line is the reviewer key's password (default: $EVIDENCE_PASSWORD, else a prompt)")
    .option('--json', 'print the note as JSON')
    .action(async (path: string, o: { item: number; text: string; officer?: string; passwordFile?: string; json?: boolean }) => {
      const c = await credentials({ officer: officerName(o, 'reviewer'), passwordFile: o.passwordFile }, 'EVIDENCE_PASSWORD', `${officerName(o, 'reviewer')}'s reviewer key`);
      const r = ctx.service.addReviewNote({ path, item: o.item, text: o.text, officer: c.officer, password: c.password });
      if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
      else {
        const lines = [`Note ${r.note.seq} on item ${r.note.item} (${r.note.file}) added to ${r.file}, signed by ${r.note.officer} with key ${r.keyFingerprint}.`];
        if (r.keyCreated) lines.push(`  Your reviewer key was made now (beside the notes, protected by your password). Its fingerprint is ${r.keyFingerprint}: write it down with your signature, so others can check your notes are yours.`);
        ctx.io.out(safeLines(lines));
      }
    });
  bundle.exitOverride();
}
