// evidence text: an item's extracted text, as the app's "Extracted text" view shows it (what the
// engine indexed: a document's words, a spreadsheet's rows, a chat's speaker lines), with a
// search query's hits marked, a page or all of it.
import type { Command } from 'commander';
import type { ItemTextPage } from '../../shared/contract.ts';
import { countArg, parseId } from '../args.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { visible } from '../format.ts';

/**
 * The page's lines with the hits marked (reverse video on a terminal, «guillemets» otherwise).
 * Each line's text is made visible piece by piece, so the only escape codes printed are ours; a
 * tab between spreadsheet cells stays a tab (it moves the cursor, nothing more).
 */
export function markedLines(page: Pick<ItemTextPage, 'text' | 'offset' | 'hits'>, tty: boolean): string[] {
  const [open, close] = tty ? ['\x1b[7m', '\x1b[27m'] : ['«', '»'];
  const show = (s: string): string => s.split('\t').map(visible).join('\t');
  const out: string[] = [];
  let lineStart = page.offset;
  for (const line of page.text.split('\n')) {
    const lineEnd = lineStart + line.length;
    let s = '';
    let pos = 0;
    for (const [a, b] of page.hits) {
      if (b <= lineStart || a >= lineEnd) continue;
      const from = Math.max(a - lineStart, pos);
      const to = Math.min(b, lineEnd) - lineStart;
      if (to <= from) continue;
      s += show(line.slice(pos, from)) + open + show(line.slice(from, to)) + close;
      pos = to;
    }
    out.push(s + show(line.slice(pos)));
    lineStart = lineEnd + 1;
  }
  return out;
}

export function registerText(program: Command, ctx: Ctx): void {
  withAuthOptions(
    program
      .command('text <case> <item>')
      .description('the text the engine extracted from an item and indexed for search (words, rows, chat lines; never the raw bytes), with --query hits marked')
      .option('--query <words>', 'mark where these words occur (as evidence search finds them)')
      .option('--offset <n>', 'start at this character', countArg('offset'))
      .option('--limit <n>', 'at most this many characters (default: all of it)', countArg('limit'))
      .option('--json', 'print the pages as JSON (the exact text)'),
  ).action(async (casePath: string, id: string, o: { officer?: string; passwordFile?: string; query?: string; offset?: number; limit?: number; json?: boolean }) => {
    const n = parseId(id);
    await ctx.withSession(casePath, o, (session) => {
      const tty = process.stdout.isTTY === true;
      let offset: number | null = o.offset ?? 0;
      let left = o.limit ?? Infinity;
      let first: ItemTextPage | null = null;
      while (offset !== null && left > 0) {
        const page = ctx.service.getItemText({ session, id: n, offset, query: o.query, ...(Number.isFinite(left) ? { limit: Math.min(left, 200_000) } : {}) });
        first ??= page;
        if (o.json) ctx.io.out(JSON.stringify(page));
        else if (page.text.length > 0) ctx.io.out(markedLines(page, tty).join('\n'));
        left -= page.text.length;
        offset = page.next;
      }
      if (o.json || !first) return;
      const facts = [
        `${first.chars.toLocaleString('en')} characters (${first.format}${first.encoding ? `, ${first.encoding}` : ''})`,
        first.truncated ? 'extraction stopped at its limit: the file holds more' : null,
        o.query ? `${first.hitsTotal}${first.hitsTotal >= 1000 ? '+' : ''} hit(s) of "${o.query}"` : null,
        first.error ? `problem: ${first.error}` : null,
      ].filter(Boolean);
      ctx.io.err(visible(`-- item ${n}: ${facts.join('; ')}`));
    });
  });
}
