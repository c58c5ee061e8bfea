// evidence search | reindex
import type { Command } from 'commander';
import type { SearchResult, Snippet } from '../../shared/contract.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { EXIT } from '../exitCodes.ts';
import { countArg } from '../args.ts';
import { followJob } from '../jobs.ts';
import { formatBytes, formatDuration, safeLines, visible } from '../format.ts';
import { type FilterOpts, filterOf, withFilterOptions } from './tags.ts';

/**
 * A snippet with its hits marked: reverse video on a terminal, «guillemets» otherwise. The
 * evidence's own text is made visible piece by piece, so the only escape codes printed are ours.
 */
export function markSnippet(s: Snippet, tty: boolean): string {
  const [open, close] = tty ? ['\x1b[7m', '\x1b[27m'] : ['«', '»'];
  let out = '';
  let pos = 0;
  for (const [a, b] of s.hits) {
    if (a < pos) continue;
    out += visible(s.text.slice(pos, a)) + open + visible(s.text.slice(a, b)) + close;
    pos = b;
  }
  return out + visible(s.text.slice(pos));
}

function printResult(r: SearchResult, ctx: Ctx, offset: number): void {
  const tty = process.stdout.isTTY === true;
  const lines: string[] = [];
  for (const h of r.hits) {
    const facts = [h.format ?? h.mime ?? '?', h.exhibit, h.size !== null ? formatBytes(h.size) : null, `${h.occurrences}${h.occurrences >= 1000 ? '+' : ''} hit(s)`]
      .filter(Boolean)
      .join(', ');
    lines.push(visible(`${h.id}  ${h.path}  (${facts})${h.tags.length ? `  [${h.tags.join(', ')}]` : ''}`));
    for (const s of h.snippets) lines.push(`    ${markSnippet(s, tty)}`);
  }
  if (r.total === 0) lines.push(visible(`No item's text contains ${r.terms.map((t) => `"${t}"`).join(' and ')} (with these filters).`));
  else lines.push(`${offset + 1}-${offset + r.hits.length} of ${r.total} items (${r.elapsedMs} ms)`);
  if (r.note) lines.push(visible(`note: ${r.note}`));
  // Items the query names (device path, name) or whose hash it is: the same list the app shows.
  if (r.named && r.named.total > 0) {
    lines.push(`In names, paths and hashes: ${r.named.total} item(s)${r.named.total > r.named.hits.length ? ` (first ${r.named.hits.length})` : ''}`);
    for (const h of r.named.hits) {
      lines.push(visible(`${h.id}  ${h.path}${h.exhibit ? `  (${h.exhibit})` : ''}${h.tags.length ? `  [${h.tags.join(', ')}]` : ''}`));
      if (h.field === 'hash') for (const s of h.snippets) lines.push(`    hash ${markSnippet(s, tty)}`);
    }
  }
  // Lines are made visible one by one above: the snippets carry our own highlighting codes.
  ctx.io.out(lines.join('\n'));
}

export function registerSearch(program: Command, ctx: Ctx): void {
  withAuthOptions(
    withFilterOptions(
      program
        .command('search <case> <query>')
        .description(
          'full-text search of the items\' text (documents, spreadsheets, PDFs, mail, chats), substrings in any language: evidence search <case> "未払い" --type text/plain',
        ),
    ),
  )
    .option('--limit <n>', 'at most this many items', countArg('limit'), 20)
    .option('--offset <n>', 'skip this many items', countArg('offset'), 0)
    .option('--json', 'print JSON')
    .action(async (casePath: string, query: string, o: FilterOpts & { limit: number; offset: number; json?: boolean; officer?: string; passwordFile?: string }) => {
      await ctx.withSession(casePath, o, (session) => {
        const r = ctx.service.search({ session, query, ...filterOf(o), limit: o.limit, offset: o.offset });
        if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
        else printResult(r, ctx, o.offset);
      });
    });

  withAuthOptions(
    program
      .command('reindex <case>')
      .description('extract text for search from items read before text search existed (from the store copies); --all re-reads every item'),
  )
    .option('--all', 'extract again for every item, not only those never read for text')
    .option('--workers <n>', 'threads (default: one per core)', countArg('number of threads'))
    .option('--json', 'print the summary as JSON')
    .action(async (casePath: string, o: { all?: boolean; workers?: number; json?: boolean; officer?: string; passwordFile?: string }) => {
      await ctx.withSession(casePath, o, async (session) => {
        const tty = process.stderr.isTTY === true;
        let lastPlain = 0;
        // A job, as the app runs it (startReindex), followed by its events.
        const job = followJob<'reindex'>(
          ctx,
          session,
          () => ctx.service.startReindex({ session, all: o.all, workers: o.workers }),
          (p) => {
            const line =
              p.stage === 'text'
                ? `reindex: text ${p.done}/${p.total} items, ${p.indexed} with text, ${p.errors} problems · then index`
                : `reindex: index ${p.done}/${p.total} items (${p.indexed} with text read)`;
            if (tty) process.stderr.write(`\r\x1b[2K${line}`);
            else if (Date.now() - lastPlain > 5000) {
              lastPlain = Date.now();
              process.stderr.write(`${line}\n`);
            }
          },
        );
        let stops = 0;
        const onSignal = (): void => {
          stops++;
          if (stops === 1) {
            ctx.io.err('\nStopping after the items in progress (Ctrl-C again to quit at once; the next run does what is left either way)…');
            job.cancel();
          } else {
            process.exit(EXIT.INTERRUPTED);
          }
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const s = await job.result;
          if (tty) process.stderr.write('\r\x1b[2K');
          if (o.json) {
            ctx.io.out(JSON.stringify(s, null, 2));
          } else {
            const lines = [
              `Text ${s.status === 'finished' ? 'indexed' : 'indexing interrupted'}: ${s.indexed} of ${s.candidates} items that may hold text (${s.chars.toLocaleString('en')} characters)`,
              `  no text in them: ${s.empty}`,
              `  problems:        ${s.errors}`,
              `  time:            ${formatDuration(s.elapsedMs)}`,
              ...s.problems.slice(0, 20).map((p) => `    ! item ${p.id} ${p.path}: ${p.error}`),
            ];
            ctx.io.out(safeLines(lines));
          }
          if (s.status === 'interrupted') ctx.setExit(EXIT.INTERRUPTED);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}
