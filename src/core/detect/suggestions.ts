// Suggestions: detector and rule hits that wait for an officer's yes or no. Detection runs at
// the end of every ingest (over the items of that source that have text) and on demand; it never
// tags anything. Accepting tags the item through the tag service, in the same transaction as
// the suggestion's new status; accepting and rejecting are custody events.
import type { SuggestionStatus, Suggestion, DetectionRun, RulePackInfo } from '../../shared/outputs.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { requirePermission, type SignedIn } from '../officers/accounts.ts';
import { getTag, listTags, tagItems } from '../tags/tags.ts';
import { itemsWithText, itemText } from '../text/store.ts';
import { detect } from './detect.ts';
import { type Evidence, evaluateRules, parseRulePack, type RulePack, shippedRulePacks } from './rules.ts';

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { SuggestionStatus, Suggestion, DetectionRun, RulePackInfo };

interface RulePackRow {
  id: string;
  name: string;
  json: string;
  sha256: string;
  added_at: string;
  added_by: string;
}

let shippedCache: RulePack[] | null = null;
function shipped(): RulePack[] {
  shippedCache ??= shippedRulePacks();
  return shippedCache;
}

/** The packs in force for a case: the shipped ones, then the case's own (a case pack with a shipped pack's id replaces it). */
export function activeRulePacks(db: DB): RulePack[] {
  const own = (db.prepare('SELECT * FROM rule_packs ORDER BY added_at, id').all() as RulePackRow[]).map((r) => parseRulePack(r.json, `rule pack ${r.id}`));
  const ownIds = new Set(own.map((p) => p.id));
  return [...shipped().filter((p) => !ownIds.has(p.id)), ...own];
}

export function listRulePacks(db: DB): RulePackInfo[] {
  const rows = db.prepare('SELECT * FROM rule_packs ORDER BY added_at, id').all() as RulePackRow[];
  const own = new Set(rows.map((r) => r.id));
  return [
    ...shipped()
      .filter((p) => !own.has(p.id))
      .map((p): RulePackInfo => ({ id: p.id, name: p.name, version: p.version, rules: p.rules.length, origin: 'shipped', sha256: null, addedAt: null, addedBy: null })),
    ...rows.map((r): RulePackInfo => {
      const p = parseRulePack(r.json, `rule pack ${r.id}`);
      return { id: p.id, name: p.name, version: p.version, rules: p.rules.length, origin: 'case', sha256: r.sha256, addedAt: r.added_at, addedBy: r.added_by };
    }),
  ];
}

/**
 * Adds (or replaces, with a higher version) a case rule pack: validated, stored in the case, and
 * recorded as a custody event with the pack's SHA-256.
 */
export function addRulePack(kase: Case, who: SignedIn, json: string, fileName: string): RulePackInfo {
  requirePermission(who, 'tag', 'add rule packs');
  const pack = parseRulePack(json, fileName);
  const db = kase.db;
  // A suggestion must be acceptable: every tag a rule names must be in the case's vocabulary.
  const missing = [...new Set(pack.rules.map((r) => r.tag))].filter((t) => !getTag(db, t));
  if (missing.length) {
    throw new EvidenceError(
      'USAGE',
      `${fileName} names tags this case does not have: ${missing.join(', ')}. Add them first (evidence tags add <case> --id ... --en ...) or use one of: ${listTags(db)
        .map((t) => t.id)
        .join(', ')}.`,
    );
  }
  const sha256 = createHash('sha256').update(json, 'utf8').digest('hex');
  const at = kase.clock.now().toISOString();
  db.transaction(() => {
    const prior = db.prepare('SELECT json, sha256 FROM rule_packs WHERE id = ?').get(pack.id) as { json: string; sha256: string } | undefined;
    if (prior) {
      const old = parseRulePack(prior.json, `rule pack ${pack.id}`);
      if (prior.sha256 === sha256) throw new EvidenceError('CONFLICT', `Rule pack "${pack.id}" is already in this case, unchanged.`);
      if (pack.version <= old.version) {
        throw new EvidenceError('CONFLICT', `Rule pack "${pack.id}" version ${old.version} is already in this case: give the new one a higher "version".`);
      }
      db.prepare('DELETE FROM rule_packs WHERE id = ?').run(pack.id);
    }
    db.prepare('INSERT INTO rule_packs (id, name, json, sha256, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)').run(pack.id, pack.name, json, sha256, at, who.name);
    kase.custody.append({
      officer: who.name,
      action: prior ? 'rules.replaced' : 'rules.added',
      target: `rules:${pack.id}`,
      details: { id: pack.id, name: pack.name, version: pack.version, rules: pack.rules.map((r) => `${r.id} -> ${r.tag}`), file: fileName, sha256 },
    });
  })();
  return listRulePacks(db).find((p) => p.id === pack.id && p.origin === 'case')!;
}

/** addRulePack() for a file. */
export function addRulePackFile(kase: Case, who: SignedIn, file: string): RulePackInfo {
  let json: string;
  try {
    json = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EvidenceError('SOURCE_UNREADABLE', `Cannot read the rule pack ${file}: ${errorMessage(err)}`);
  }
  return addRulePack(kase, who, json, basename(file));
}

/**
 * Runs the detectors and rules over the items with text (of one source, or the whole case) and
 * records new suggestions. Reads first, then writes every suggestion and one custody event in
 * one transaction.
 */
export function runDetectors(kase: Case, sourceId: number | null, officer: string, opts: { automatic?: boolean } = {}): DetectionRun {
  // An automatic run (the end of an ingest) is recorded in that ingest's ingest.finished event;
  // a run on demand is a custody event of its own.
  const started = Date.now();
  const db = kase.db;
  const packs = activeRulePacks(db);
  const found: { itemId: number; hits: ReturnType<typeof evaluateRules> }[] = [];
  const problems: DetectionRun['problems'] = [];
  let items = 0;
  for (const { id: itemId } of itemsWithText(db, sourceId ?? undefined)) {
    items++;
    try {
      const text = itemText(db, itemId);
      if (!text) continue;
      const hits = evaluateRules(packs, detect(text), text);
      if (hits.length) found.push({ itemId, hits });
    } catch (err) {
      problems.push({ itemId, error: errorMessage(err) });
    }
  }
  const at = kase.clock.now().toISOString();
  const byTag: Record<string, number> = {};
  let created = 0;
  const insert = db.prepare(
    `INSERT OR IGNORE INTO suggestions (item_id, tag_id, rule_id, score, evidence, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  );
  db.transaction(() => {
    for (const { itemId, hits } of found) {
      // The best-scoring rule per tag: one suggestion per item and tag.
      const best = new Map<string, (typeof hits)[number]>();
      for (const h of hits) if (!best.has(h.tag) || best.get(h.tag)!.score < h.score) best.set(h.tag, h);
      for (const h of best.values()) {
        if (insert.run(itemId, h.tag, h.ruleId, h.score, JSON.stringify(h.evidence), at).changes > 0) {
          created++;
          byTag[h.tag] = (byTag[h.tag] ?? 0) + 1;
        }
      }
    }
    if (opts.automatic) return;
    kase.custody.append({
      officer,
      action: 'detect.ran',
      target: sourceId == null ? 'case' : `source:${sourceId}`,
      details: {
        items,
        suggestions: created,
        byTag,
        rulePacks: packs.map((p) => `${p.id}@${p.version}`),
        problems: problems.length,
      },
    });
  })();
  return { items, suggestions: created, byTag, problems, elapsedMs: Date.now() - started };
}

interface SuggestionRow {
  id: number;
  item_id: number;
  path: string;
  tag_id: string;
  rule_id: string;
  score: number;
  evidence: string;
  status: SuggestionStatus;
  created_at: string;
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
}

function toSuggestion(r: SuggestionRow): Suggestion {
  return {
    id: r.id,
    itemId: r.item_id,
    path: r.path,
    tag: r.tag_id,
    rule: r.rule_id,
    score: r.score,
    evidence: JSON.parse(r.evidence) as Evidence,
    status: r.status,
    createdAt: r.created_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    comment: r.comment,
  };
}

export interface SuggestionFilter {
  status?: SuggestionStatus;
  tag?: string;
  item?: number;
  limit?: number;
  offset?: number;
}

/** Suggestions, strongest first. */
export function listSuggestions(db: DB, f: SuggestionFilter = {}): { total: number; suggestions: Suggestion[] } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.status) {
    where.push('s.status = @status');
    params.status = f.status;
  }
  if (f.tag) {
    where.push('s.tag_id = @tag');
    params.tag = f.tag;
  }
  if (f.item) {
    where.push('s.item_id = @item');
    params.item = f.item;
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = Math.min(Math.max(1, Math.floor(f.limit ?? 1000)), 100_000);
  const offset = Math.max(0, Math.floor(f.offset ?? 0));
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM suggestions s ${w}`).get(params) as { n: number }).n;
  const rows = db
    .prepare(`SELECT s.*, i.path FROM suggestions s JOIN items i ON i.id = s.item_id ${w} ORDER BY s.score DESC, s.id LIMIT ${limit} OFFSET ${offset}`)
    .all(params) as SuggestionRow[];
  return { total, suggestions: rows.map(toSuggestion) };
}

/**
 * Accepts or rejects suggestions. Only pending ones can be decided; all or nothing. Accepting
 * tags the item (the tag service records its own custody event); each decision is a custody
 * event of its own (suggestion.accepted / suggestion.rejected) with the rule and its evidence.
 */
export function decideSuggestions(
  kase: Case,
  who: SignedIn,
  ids: readonly number[],
  decision: 'accepted' | 'rejected',
  comment?: string | null,
): Suggestion[] {
  requirePermission(who, 'tag', decision === 'accepted' ? 'accept suggestions (that tags evidence)' : 'reject suggestions');
  const db = kase.db;
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new EvidenceError('USAGE', 'Give at least one suggestion id (evidence suggest ls <case> lists them).');
  const note = comment?.trim() || null;
  const get = db.prepare('SELECT s.*, i.path FROM suggestions s JOIN items i ON i.id = s.item_id WHERE s.id = ?');
  const at = kase.clock.now().toISOString();
  return db.transaction((): Suggestion[] => {
    const rows = unique.map((id) => {
      const r = get.get(id) as SuggestionRow | undefined;
      if (!r) throw new EvidenceError('NOT_FOUND', `There is no suggestion ${id} in this case: nothing was changed. List them with: evidence suggest ls <case>`);
      if (r.status !== 'pending') {
        throw new EvidenceError('CONFLICT', `Suggestion ${id} was already ${r.status} by ${r.decided_by ?? 'someone'} at ${r.decided_at ?? '?'}: nothing was changed.`);
      }
      return r;
    });
    for (const r of rows) {
      if (decision === 'accepted') tagItems(kase, who, r.tag_id, [r.item_id], note ?? `accepted suggestion ${r.id} (${r.rule_id})`);
      db.prepare('UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, comment = ? WHERE id = ?').run(decision, who.name, at, note, r.id);
      const ev = JSON.parse(r.evidence) as Evidence;
      kase.custody.append({
        officer: who.name,
        action: decision === 'accepted' ? 'suggestion.accepted' : 'suggestion.rejected',
        target: `item:${r.item_id}`,
        reason: note,
        details: { suggestion: r.id, tag: r.tag_id, rule: r.rule_id, score: r.score, evidence: ev.summary },
      });
    }
    return unique.map((id) => toSuggestion(get.get(id) as SuggestionRow));
  })();
}
