// evidence suggest run | ls | accept | reject, evidence rules add | ls
import { type Command, Option } from 'commander';
import { countArg, idArg, parseId } from '../args.ts';
import { type Ctx, withAuthOptions } from '../context.ts';
import { table, visible } from '../format.ts';

function ids(values: string[]): number[] {
  return values.map((v) => parseId(v, 'suggestion id', 'give the numbers shown by evidence suggest ls'));
}

export function registerSuggest(program: Command, ctx: Ctx): void {
  const suggest = program
    .command('suggest')
    .description('suggestions from the detectors and rule packs (target lists, scam manuals, wallets...): nothing is tagged until an officer accepts');

  withAuthOptions(suggest.command('run <case>').description('run the detectors and rule packs over every item with text (ingest runs them on its own items)'))
    .option('--source <id>', 'only the items of this ingest (source id)', idArg('source id', 'the ingest summary and evidence log show it'))
    .option('--json', 'print JSON')
    .action(async (casePath: string, o: { source?: number; officer?: string; passwordFile?: string; json?: boolean }) => {
      await ctx.withSession(casePath, o, (session) => {
        const r = ctx.service.runSuggestions({ session, sourceId: o.source });
        if (o.json) {
          ctx.io.out(JSON.stringify(r, null, 2));
          return;
        }
        const tags = Object.entries(r.byTag).map(([t, n]) => `${t} ${n}`).join(', ');
        ctx.io.out(visible(`Read ${r.items} items with text: ${r.suggestions} new suggestions${tags ? ` (${tags})` : ''}. Review them with: evidence suggest ls ${casePath}`));
        for (const p of r.problems.slice(0, 20)) ctx.io.out(visible(`  ! item ${p.itemId}: ${p.error}`));
      });
    });

  suggest
    .command('ls <case>')
    .description('list suggestions, strongest first, with their evidence')
    .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'accepted', 'rejected']))
    .option('--tag <id>', 'only suggestions of this tag')
    .option('--item <id>', 'only suggestions for this item', idArg('item id'))
    .option('--limit <n>', 'at most this many', countArg('limit'), 1000)
    .option('--json', 'print JSON')
    .action((casePath: string, o: { status?: 'pending'; tag?: string; item?: number; limit: number; json?: boolean }) => {
      const r = ctx.service.listSuggestions({ casePath, status: o.status, tag: o.tag, item: o.item, limit: o.limit });
      if (o.json) {
        ctx.io.out(JSON.stringify(r, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['ID', 'STATUS', 'TAG', 'SCORE', 'ITEM', 'PATH', 'EVIDENCE'],
          r.suggestions.map((s) => [
            String(s.id),
            s.status === 'pending' ? 'pending' : `${s.status} (${s.decidedBy})`,
            s.tag,
            s.score.toFixed(2),
            String(s.itemId),
            s.path,
            s.evidence.summary,
          ]),
          70,
        ),
      );
      ctx.io.out(`${r.suggestions.length} of ${r.total} suggestions`);
    });

  for (const [verb, decision] of [
    ['accept', 'accepted'],
    ['reject', 'rejected'],
  ] as const) {
    withAuthOptions(
      suggest
        .command(`${verb} <case> <suggestion...>`)
        .description(verb === 'accept' ? 'accept suggestions: tags each item (a custody event each)' : 'reject suggestions (a custody event each); they are not raised again'),
    )
      .option('--comment <text>', 'why (recorded with the decision)')
      .option('--json', 'print JSON')
      .action(async (casePath: string, values: string[], o: { comment?: string; officer?: string; passwordFile?: string; json?: boolean }) => {
        const list = ids(values);
        await ctx.withSession(casePath, o, (session) => {
          const done = ctx.service.decideSuggestions({ session, ids: list, decision, comment: o.comment ?? null });
          if (o.json) ctx.io.out(JSON.stringify(done, null, 2));
          else for (const s of done) ctx.io.out(visible(`Suggestion ${s.id} ${decision}: item ${s.itemId} ${decision === 'accepted' ? `tagged ${s.tag}` : `not tagged ${s.tag}`} (${s.path})`));
        });
      });
  }

  const rules = program.command('rules').description('rule packs: the keyword and threshold rules behind suggestions');
  withAuthOptions(rules.command('add <case> <file>').description("add a case rule pack (JSON, validated; recorded in the custody log with its SHA-256)"))
    .option('--json', 'print JSON')
    .action(async (casePath: string, file: string, o: { officer?: string; passwordFile?: string; json?: boolean }) => {
      await ctx.withSession(casePath, o, (session) => {
        const p = ctx.service.addRulePack({ session, file });
        ctx.io.out(o.json ? JSON.stringify(p, null, 2) : visible(`Rule pack ${p.id} v${p.version} (${p.rules} rules) added to the case; sha256 ${p.sha256}. Run: evidence suggest run ${casePath}`));
      });
    });
  rules
    .command('ls <case>')
    .description('the rule packs in force: shipped ones and the case’s own')
    .option('--json', 'print JSON')
    .action((casePath: string, o: { json?: boolean }) => {
      const packs = ctx.service.listRulePacks({ casePath });
      if (o.json) {
        ctx.io.out(JSON.stringify(packs, null, 2));
        return;
      }
      ctx.io.out(
        table(
          ['ID', 'VERSION', 'RULES', 'ORIGIN', 'NAME'],
          packs.map((p) => [p.id, String(p.version), String(p.rules), p.origin === 'case' ? `case (${p.addedBy})` : 'shipped', p.name]),
        ),
      );
    });
}
