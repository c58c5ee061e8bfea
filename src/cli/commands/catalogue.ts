// evidence ls | show
import { type Command, Option } from 'commander';
import { formatLocal } from '../../core/index.ts';
import { countArg, parseId } from '../args.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { safeLines, table } from '../format.ts';
import { metadataLines } from '../metadataLines.ts';
import { typeWithCharset } from '../../shared/textTypes.ts';
import { FORMATS } from './tags.ts';

export function registerCatalogue(program: Command, ctx: Ctx): void {
  program
    .command('ls <case>')
    .description('list catalogued items')
    .option('--type <mime>', 'MIME type (image/jpeg) or family (image)')
    .option('--exhibit <number>', 'only items of this exhibit')
    .option('--tag <tag-id>', 'only items carrying this tag')
    .addOption(new Option('--format <format>', 'only items whose text was read as this format').choices(FORMATS))
    .option('--since <date>', 'modified on or after (2024-01-31, or a date-time with offset)')
    .option('--until <date>', 'modified on or before (a date alone includes that day)')
    .addOption(new Option('--kind <kind>', 'only this kind of item').choices(['file', 'dir', 'symlink', 'fifo', 'socket', 'device', 'other']))
    .option('--mismatch', 'only files whose extension disagrees with their content')
    .option('--gps', 'only items with GPS coordinates')
    .option('--errors', 'only items with a recorded problem')
    .option('--path <text>', 'path contains this text')
    .option('--source <id>', 'only items of this source (evidence tree lists them)', (v) => parseId(v))
    .option('--folder <path>', "only items directly in this folder or container of the tree ('' the source's root)")
    .option('--deep', 'with --folder: everything under it, not only its direct children')
    .option('--known-bad', 'only items found in a known-bad hash set')
    .option('--hide-known-good', 'hide items found in a known-good hash set (e.g. NSRL)')
    .addOption(new Option('--sort <column>', 'sort by').choices(['id', 'path', 'size', 'mime', 'mtime', 'taken_at']).default('id'))
    .option('--desc', 'descending order')
    .option('--limit <n>', 'at most this many rows', countArg('limit'), 1000)
    .option('--offset <n>', 'skip this many rows', countArg('offset'), 0)
    .option('--json', 'print JSON')
    .action((casePath: string, o: Record<string, unknown>) => {
      const r = ctx.service.listItems({
        casePath,
        type: o.type as string | undefined,
        exhibit: o.exhibit as string | undefined,
        tag: o.tag as string | undefined,
        format: o.format as (typeof FORMATS)[number] | undefined,
        since: o.since as string | undefined,
        until: o.until as string | undefined,
        kind: o.kind as 'file' | undefined,
        mismatch: o.mismatch === true || undefined,
        hasGps: o.gps === true || undefined,
        errors: o.errors === true || undefined,
        pathContains: o.path as string | undefined,
        source: o.source as number | undefined,
        folder: o.folder as string | undefined,
        folderDeep: o.deep === true || undefined,
        knownBad: o.knownBad === true || undefined,
        knownGood: o.hideKnownGood === true ? false : undefined,
        sort: o.sort as 'id',
        desc: o.desc === true || undefined,
        limit: o.limit as number,
        offset: o.offset as number,
      });
      if (o.json) {
        ctx.io.out(JSON.stringify(r, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['ID', 'SIZE', 'TYPE', 'SHA-256', 'PATH'],
          r.items.map((it) => [
            String(it.id),
            it.kind === 'file' ? String(it.size ?? '') : it.kind,
            `${it.mime ?? '-'}${it.ext_mismatch ? ' (ext mismatch)' : ''}${it.error ? ' (problem)' : ''}`,
            it.sha256 ? `${it.sha256.slice(0, 16)}…` : '-',
            it.path,
          ]),
          80,
        ),
      );
      ctx.io.out(`${r.items.length} of ${r.total} items`);
    });

  program
    .command('tree <case> [path]')
    .description("the folder tree, one level: the sources (no --source), or the folders and containers in path of a source, with their item counts")
    .option('--source <id>', 'the source whose folders to list', (v) => parseId(v))
    .option('--json', 'print JSON')
    .action((casePath: string, path: string | undefined, o: { source?: number; json?: boolean }) => {
      const r = ctx.service.folderChildren({ casePath, source: o.source, path: o.source === undefined ? undefined : (path ?? '') });
      if (o.json) {
        ctx.io.out(JSON.stringify(r, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['SOURCE', 'EXHIBIT', 'KIND', 'ITEMS', 'PATH'],
          r.nodes.map((n) => [String(n.source), n.exhibit ?? '-', n.container ? `${n.kind} (${n.container})` : n.kind, String(n.items), n.kind === 'source' ? n.name : n.path]),
          80,
        ),
      );
      if (o.source !== undefined) ctx.io.out(`${r.nodes.length} folders and containers, ${r.files} files directly here${r.truncated ? ' (listing stopped early: too many entries)' : ''}; list them with: evidence ls <case> --source ${o.source} --folder '${path ?? ''}'`);
    });

  withAuthOptions(program.command('show <case> <item>').description('one item in full: hashes, type, times, metadata, custody (recorded as viewed)'))
    .option('--json', 'print JSON')
    .action(async (casePath: string, id: string, o: { officer?: string; passwordFile?: string; json?: boolean }) => {
      const n = parseId(id);
      await ctx.withSession(casePath, o, (session) => {
        const it = ctx.service.getItem({ session, id: n });
        if (o.json) {
          ctx.io.out(JSON.stringify(it, null, 2));
          return;
        }
        const t = (v: string | null): string => (v ? `${v}  (${formatLocal(v)})` : '-');
        const lines = [
          `Item ${it.id}: ${it.path}`,
          `  exhibit:   ${it.exhibit ?? '-'}   source: ${it.source_path} (${it.source_kind})`,
          `  kind:      ${it.kind}${it.link_target ? ` -> ${it.link_target}` : ''}`,
          `  size:      ${it.size ?? '-'} bytes`,
          `  type:      ${typeWithCharset(it.mime, it.textIndex?.encoding) ?? 'unknown'}${it.detected_ext ? ` (.${it.detected_ext})` : ''}${it.ext_mismatch ? `  EXTENSION MISMATCH: named .${it.ext ?? ''}` : ''}`,
          `  MD5:       ${it.md5 ?? '-'}`,
          `  SHA-1:     ${it.sha1 ?? '-'}`,
          `  SHA-256:   ${it.sha256 ?? '-'}${it.sha256 && !/^[0-9a-f]{64}$/.test(it.sha256) ? '  NOT A SHA-256 DIGEST: this catalogue row was altered or damaged (run evidence verify)' : ''}`,
          `  modified:  ${t(it.mtime)}`,
          `  changed:   ${t(it.ctime)}`,
          `  accessed:  ${t(it.atime)}`,
          `  born:      ${t(it.birthtime)}`,
          // Container readers that know better times than the container's own (UFDR report.xml) say so.
          ...(typeof it.extra?.['timesFrom'] === 'string' ? [`  times from: ${it.extra['timesFrom']}`] : []),
          ...(typeof it.extra?.['foundAt'] === 'string' ? [`  found at:  ${it.extra['foundAt']} (member of the container)`] : []),
          ...(typeof it.extra?.['deviceDeletedState'] === 'string' ? [`  on device: ${it.extra['deviceDeletedState'].toLowerCase() === 'deleted' ? 'DELETED' : it.extra['deviceDeletedState']} (deleted state per the extraction report)`] : []),
          `  mode:      ${it.mode === null ? '-' : (it.mode & 0o7777).toString(8)}  uid ${it.uid ?? '-'} gid ${it.gid ?? '-'} inode ${it.inode ?? '-'}`,
          ...(it.path_raw_hex ? [`  raw name:  ${it.path_raw_hex} (bytes of a name that is not UTF-8)`] : []),
          ...(it.container ? [`  container: ${it.container} (its members are items under ${it.path}!/)`] : []),
          ...(it.extra ? [`  recorded:  ${JSON.stringify(it.extra)}`] : []),
          // Problems (failures) and notices (facts to know, not failures) apart: catalogue/issues.ts.
          ...(it.issues.some((i) => i.severity === 'problem')
            ? it.issues.filter((i) => i.severity === 'problem').map((i) => `  PROBLEM:   ${i.message} [${i.code}]`)
            : it.error ? [`  PROBLEM:   ${it.error}`] : []),
          ...it.issues.filter((i) => i.severity === 'notice').map((i) => `  notice:    ${i.message} [${i.code}]`),
          ...it.hashsetMatches.map((h) => `  ${h.kind === 'bad' ? 'KNOWN-BAD' : 'known-good'}: in hash set "${h.set}" (by ${h.algo.toUpperCase()})`),
        ];
        const m = it.metadata;
        if (m) lines.push(...metadataLines(m));
        if (it.textIndex) {
          const x = it.textIndex;
          lines.push(`  text:      ${x.chars} characters indexed (${x.kind}${x.encoding ? `, ${x.encoding}` : ''})${x.truncated ? ', cut at the limit' : ''}${x.error ? `; ${x.error}` : ''}${x.chars > 0 ? `; read it with: evidence text <case> ${it.id}` : ''}`);
        }
        if (it.tags.length) {
          lines.push('  tags:');
          for (const t of it.tags) lines.push(`    ${t.tag} (${t.labelEn}) by ${t.officer} ${formatLocal(t.at)}${t.comment ? `: ${t.comment}` : ''}`);
        }
        if (it.notes.length) {
          lines.push('  notes:');
          for (const n of it.notes) {
            const removed = n.removed ? `  [REMOVED by ${n.removed.by} ${formatLocal(n.removed.at)}: ${n.removed.reason}]` : '';
            lines.push(`    #${n.id} ${n.officer} ${formatLocal(n.at)}: ${n.text}${removed}`);
          }
        }
        lines.push('  custody:');
        for (const e of it.custody) lines.push(`    #${e.seq} ${formatLocal(e.at_utc, e.tz_name)} ${e.officer}: ${e.action}`);
        ctx.io.out(safeLines(lines));
      });
    });
}
