// evidence tag | untag | note | unnote | tags [add]
import { type Command, Option } from 'commander';
import type { TagChange } from '../../shared/contract.ts';
import { InputError } from '../../shared/contract.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { parseId } from '../args.ts';
import { safeLines, table, visible } from '../format.ts';

export const FORMATS = ['text', 'csv', 'html', 'json', 'docx', 'xlsx', 'pptx', 'odf', 'pdf', 'eml', 'whatsapp', 'line', 'telegram'] as const;

/** Item ids as typed: "12", "12-15" (a range), or several separated by commas or spaces. */
export function parseItemIds(args: string[]): number[] {
  const ids: number[] = [];
  for (const a of args.flatMap((x) => x.split(','))) {
    const s = a.trim();
    if (!s) continue;
    const range = /^(\d+)-(\d+)$/.exec(s);
    if (range) {
      const from = parseId(range[1]!, 'item id', 'a range is two item ids, e.g. 12-15');
      const to = parseId(range[2]!, 'item id', 'a range is two item ids, e.g. 12-15');
      if (to < from || to - from > 1_000_000) throw new InputError(`"${visible(s)}" is not a usable range of item ids (e.g. 12-15)`);
      for (let i = from; i <= to; i++) ids.push(i);
      continue;
    }
    ids.push(parseId(s, 'item id', 'give the numbers shown by evidence ls or evidence search'));
  }
  return ids;
}

/** The filter options shared by search and tagging by search. */
export function withFilterOptions(cmd: Command): Command {
  return cmd
    .option('--type <mime>', 'MIME type (text/plain) or family (text, image); text files count as the type of their text')
    .option('--tag <tag-id>', 'only items carrying this tag')
    .option('--exhibit <number>', 'only items of this exhibit')
    .addOption(new Option('--format <format>', 'only items whose text was read as this format').choices(FORMATS))
    .option('--since <date>', 'modified on or after (2024-01-31, or a date-time with offset)')
    .option('--until <date>', 'modified on or before (a date alone includes that day)')
    .option('--gps', 'only items with GPS coordinates')
    .option('--known-bad', 'only items in a known-bad hash set');
}

export interface FilterOpts {
  type?: string;
  tag?: string;
  exhibit?: string;
  format?: (typeof FORMATS)[number];
  since?: string;
  until?: string;
  gps?: boolean;
  knownBad?: boolean;
}

export function filterOf(o: FilterOpts) {
  return {
    type: o.type,
    tag: o.tag,
    exhibit: o.exhibit,
    format: o.format,
    since: o.since,
    until: o.until,
    hasGps: o.gps === true || undefined,
    knownBad: o.knownBad === true || undefined,
  };
}

function hasFilter(o: FilterOpts): boolean {
  return Boolean(o.type || o.tag || o.exhibit || o.format || o.since || o.until || o.gps || o.knownBad);
}

function printChange(ctx: Ctx, verb: 'tagged' | 'untagged', c: TagChange): void {
  const ids = (xs: number[]): string => (xs.length > 20 ? `${xs.slice(0, 20).join(', ')}, … (${xs.length})` : xs.join(', '));
  const lines = [`${verb === 'tagged' ? 'Tagged' : 'Untagged'} ${c.changed.length} item(s) ${verb === 'tagged' ? 'with' : 'from'} ${c.tag}${c.changed.length ? `: ${ids(c.changed)}` : ''}`];
  if (c.unchanged.length) lines.push(`  ${c.unchanged.length} left as they were (${verb === 'tagged' ? 'already tagged' : 'not tagged'}): ${ids(c.unchanged)}`);
  if (c.custody === 'per-item') lines.push(`  custody: one event per item (item.${verb})`);
  else if (c.custody === 'summary') lines.push(`  custody: one event listing all ${c.changed.length} items (items.${verb})`);
  ctx.io.out(safeLines(lines));
}

export function registerTags(program: Command, ctx: Ctx): void {
  for (const verb of ['tag', 'untag'] as const) {
    withAuthOptions(
      withFilterOptions(
        program
          .command(`${verb} <case> <tag-id> [items...]`)
          .description(
            verb === 'tag'
              ? 'tag items: by id (12 13 20-25), or every item a search finds (--where-search "未払い"), or every item of a filter'
              : 'remove a tag from items: by id, by search, or by filter',
          )
          .option('--where-search <query>', 'every item whose text matches this search (with the filters below, if any)')
          .option('--comment <text>', verb === 'tag' ? 'why (kept with the tag and in the custody log)' : 'why the tag is removed'),
      ),
    )
      .option('--json', 'print JSON')
      .action(async (casePath: string, tag: string, items: string[], o: FilterOpts & { whereSearch?: string; comment?: string; json?: boolean; officer?: string; passwordFile?: string }) => {
        const ids = parseItemIds(items);
        const where = o.whereSearch !== undefined || hasFilter(o) ? { query: o.whereSearch, ...filterOf(o) } : undefined;
        if (!ids.length && !where) throw new InputError(`Say which items to ${verb}: item ids, --where-search "<text>", or a filter such as --exhibit EXH-001.`);
        await ctx.withSession(casePath, o, (session) => {
          const input = { session, tag, ids: ids.length ? ids : undefined, where, comment: o.comment ?? null };
          const r = verb === 'tag' ? ctx.service.tagItems(input) : ctx.service.untagItems(input);
          if (o.json) ctx.io.out(JSON.stringify(r, null, 2));
          else printChange(ctx, verb === 'tag' ? 'tagged' : 'untagged', r);
        });
      });
  }

  withAuthOptions(program.command('note <case> <item> <text>').description('add a note to an item (notes are never erased; see unnote)'))
    .option('--json', 'print JSON')
    .action(async (casePath: string, item: string, text: string, o: { json?: boolean; officer?: string; passwordFile?: string }) => {
      const [id] = parseItemIds([item]);
      if (id === undefined) throw new InputError('Give the item id.');
      await ctx.withSession(casePath, o, (session) => {
        const n = ctx.service.addNote({ session, item: id, text });
        ctx.io.out(o.json ? JSON.stringify(n, null, 2) : visible(`Note ${n.id} added to item ${n.itemId} by ${n.officer}.`));
      });
    });

  withAuthOptions(
    program
      .command('unnote <case> <note-id>')
      .description('mark a note removed: it stays in the case and the custody log, shown as removed')
      .requiredOption('--reason <text>', 'why it is removed'),
  ).action(async (casePath: string, note: string, o: { reason: string; officer?: string; passwordFile?: string }) => {
    const n = parseId(note, 'note id', "evidence show <case> <item> lists an item's notes");
    await ctx.withSession(casePath, o, (session) => {
      const r = ctx.service.removeNote({ session, note: n, reason: o.reason });
      ctx.io.out(visible(`Note ${r.id} on item ${r.itemId} marked removed by ${r.removed?.by} (${r.removed?.reason}); it is kept, as the law requires.`));
    });
  });

  const tags = withAuthOptions(
    program
      .command('tags')
      .argument('<case>')
      .description('the tag vocabulary with how many items carry each tag; `tags add` adds a case-specific tag')
      .addOption(new Option('--lang <lang>', 'label language').choices(['en', 'ja']).default('en'))
      .option('--json', 'print JSON'),
  ).action(async (casePath: string, o: { lang: 'en' | 'ja'; json?: boolean; officer?: string; passwordFile?: string }) => {
    await ctx.withSession(casePath, o, (session) => {
      const list = ctx.service.listTags({ session });
      if (o.json) {
        ctx.io.out(JSON.stringify(list, null, 2));
        return;
      }
      ctx.io.out(
        table(
          [o.lang === 'ja' ? 'ID' : 'ID', o.lang === 'ja' ? 'ラベル' : 'LABEL', o.lang === 'ja' ? '件数' : 'ITEMS', o.lang === 'ja' ? '色' : 'COLOUR', ''],
          list.map((t) => [
            t.id,
            o.lang === 'ja' ? (t.labelJa ?? t.labelEn) : t.labelEn,
            String(t.count),
            t.colour,
            t.builtin ? '' : o.lang === 'ja' ? `事件固有 (${t.createdBy ?? ''})` : `case tag (${t.createdBy ?? ''})`,
          ]),
        ),
      );
    });
  });
  withAuthOptions(
    tags
      .command('add <case>')
      .description('add a case-specific tag')
      .requiredOption('--id <id>', 'stable id: lower-case letters, digits and dashes (e.g. burner-phone)')
      .requiredOption('--en <label>', 'English label')
      .option('--ja <label>', 'Japanese label')
      .requiredOption('--colour <#rrggbb>', 'colour, e.g. #1e88e5'),
  ).action(async (casePath: string, o: { id: string; en: string; ja?: string; colour: string; officer?: string; passwordFile?: string }) => {
    await ctx.withSession(casePath, o, (session) => {
      const t = ctx.service.addTag({ session, id: o.id, labelEn: o.en, labelJa: o.ja ?? null, colour: o.colour });
      ctx.io.out(visible(`Added tag ${t.id} "${t.labelEn}"${t.labelJa ? ` / "${t.labelJa}"` : ''} (${t.colour}).`));
    });
  });
}
