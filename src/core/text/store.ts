// The text of items in the case: item_text (what extraction gave: format, encoding, size,
// problems) and text_index (FTS5 with the trigram tokenizer, rowid = item id, holding the text
// itself). Search, the detectors and reindexing all read and write through here.
import type { ItemTextInfo } from '../../shared/outputs.ts';
import type Database from 'better-sqlite3';
import type { DB } from '../db/open.ts';
import type { ItemText, TextKind } from './extract.ts';

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { ItemTextInfo };

/** Prepared statements per database, so a commit of thousands of items prepares once. */
const statements = new WeakMap<DB, { delIndex: Database.Statement; insIndex: Database.Statement; upsert: Database.Statement }>();

function stmts(db: DB) {
  let s = statements.get(db);
  if (!s) {
    s = {
      delIndex: db.prepare('DELETE FROM text_index WHERE rowid = ?'),
      insIndex: db.prepare('INSERT INTO text_index (rowid, text) VALUES (?, ?)'),
      upsert: db.prepare(
        `INSERT INTO item_text (item_id, kind, encoding, chars, truncated, error) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (item_id) DO UPDATE SET kind = excluded.kind, encoding = excluded.encoding, chars = excluded.chars,
           truncated = excluded.truncated, error = excluded.error`,
      ),
    };
    statements.set(db, s);
  }
  return s;
}

/**
 * Appended to every text in the index (and stripped when it is read back): with two characters
 * after every real one, each character of the text starts at least one trigram, so a 1- or
 * 2-character search term is found through the index's vocabulary (the trigrams that begin with
 * it) instead of a scan of every text. See src/core/search/search.ts.
 */
export const INDEX_SENTINEL = '\n\n';

/**
 * Records an item's extracted text (replacing what an earlier extraction gave). Call inside the
 * transaction that writes the item row, so the two commit together.
 */
export function writeItemText(db: DB, itemId: number | bigint, t: ItemText, replace = false): void {
  const s = stmts(db);
  if (replace) s.delIndex.run(itemId);
  s.upsert.run(itemId, t.kind, t.encoding, t.text.length, t.truncated ? 1 : 0, t.error);
  if (t.text.length > 0) s.insIndex.run(itemId, t.text + INDEX_SENTINEL);
}

/** The indexed text of an item (normalised as indexed), or null when it has none. */
export function itemText(db: DB, itemId: number): string | null {
  const r = db.prepare('SELECT text FROM text_index WHERE rowid = ?').get(itemId) as { text: string } | undefined;
  return r ? stripSentinel(r.text) : null;
}

export function stripSentinel(s: string): string {
  return s.endsWith(INDEX_SENTINEL) ? s.slice(0, -INDEX_SENTINEL.length) : s;
}

/** What extraction recorded for an item, or null when it was not read for text. */
export function itemTextInfo(db: DB, itemId: number): ItemTextInfo | null {
  const r = db.prepare('SELECT kind, encoding, chars, truncated, error FROM item_text WHERE item_id = ?').get(itemId) as
    | { kind: TextKind; encoding: string | null; chars: number; truncated: number; error: string | null }
    | undefined;
  return r ? { kind: r.kind, encoding: r.encoding, chars: r.chars, truncated: r.truncated === 1, error: r.error } : null;
}

/**
 * Items that have indexed text, in id order, optionally of one source (ingest) only. Iterated
 * lazily: a million items never sit in memory at once.
 */
export function* itemsWithText(db: DB, sourceId?: number): Iterable<{ id: number; kind: TextKind }> {
  // Read in pages: an open iterator would hold a read statement across the caller's writes.
  const stmt =
    sourceId === undefined
      ? db.prepare('SELECT item_id AS id, kind FROM item_text WHERE chars > 0 AND item_id > ? ORDER BY item_id LIMIT 1000')
      : db.prepare(
          'SELECT t.item_id AS id, t.kind FROM item_text t JOIN items i ON i.id = t.item_id WHERE t.chars > 0 AND i.source_id = ? AND t.item_id > ? ORDER BY t.item_id LIMIT 1000',
        );
  let after = 0;
  for (;;) {
    const page = (sourceId === undefined ? stmt.all(after) : stmt.all(sourceId, after)) as { id: number; kind: TextKind }[];
    if (page.length === 0) return;
    yield* page;
    after = page[page.length - 1]!.id;
  }
}

/** Counts by format, and how many items had a problem, for summaries. */
export function textSummary(db: DB): { items: number; chars: number; truncated: number; errors: number; byKind: Record<string, number> } {
  const total = db
    .prepare('SELECT COUNT(*) AS items, COALESCE(SUM(chars), 0) AS chars, COALESCE(SUM(truncated), 0) AS truncated, COUNT(error) AS errors FROM item_text')
    .get() as { items: number; chars: number; truncated: number; errors: number };
  const byKind: Record<string, number> = {};
  for (const r of db.prepare('SELECT kind, COUNT(*) AS n FROM item_text GROUP BY kind ORDER BY kind').all() as { kind: string; n: number }[]) byKind[r.kind] = r.n;
  return { ...total, byKind };
}
