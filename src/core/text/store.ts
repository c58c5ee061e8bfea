// The text of items in the case: item_text (what extraction gave: format, encoding, size,
// problems, whether it is indexed yet), text_content (the text itself, once) and text_index (an
// external-content FTS5 index over text_content with the trigram tokenizer, rowid = item id).
// Search, the detectors and reindexing all read and write through here.
import type { ItemTextInfo } from '../../shared/outputs.ts';
import type { DB } from '../db/open.ts';
import type { ItemText, TextKind } from './extract.ts';

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { ItemTextInfo };

/** Prepared statements per database, so a commit of thousands of items prepares once. */
const statements = new WeakMap<DB, ReturnType<typeof prepare>>();

function prepare(db: DB) {
  return {
    oldIndexed: db.prepare('SELECT c.text FROM item_text t JOIN text_content c ON c.item_id = t.item_id WHERE t.item_id = ? AND t.indexed = 1'),
    // External content: the index is told the old text to forget, before the content changes.
    unindex: db.prepare("INSERT INTO text_index (text_index, rowid, text) VALUES ('delete', ?, ?)"),
    index: db.prepare('INSERT INTO text_index (rowid, text) VALUES (?, ?)'),
    delContent: db.prepare('DELETE FROM text_content WHERE item_id = ?'),
    putContent: db.prepare('INSERT INTO text_content (item_id, text) VALUES (?, ?) ON CONFLICT (item_id) DO UPDATE SET text = excluded.text'),
    delInfo: db.prepare('DELETE FROM item_text WHERE item_id = ?'),
    upsert: db.prepare(
      `INSERT INTO item_text (item_id, kind, encoding, chars, truncated, error, indexed) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (item_id) DO UPDATE SET kind = excluded.kind, encoding = excluded.encoding, chars = excluded.chars,
         truncated = excluded.truncated, error = excluded.error, indexed = excluded.indexed`,
    ),
    markIndexed: db.prepare('UPDATE item_text SET indexed = 1 WHERE item_id = ?'),
    pendingText: db.prepare('SELECT text FROM text_content WHERE item_id = ?'),
  };
}

function stmts(db: DB) {
  let s = statements.get(db);
  if (!s) {
    s = prepare(db);
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

export interface WriteTextOptions {
  /** The item may have text already (reindexing): take it out of the index first. */
  replace?: boolean;
  /**
   * Index the text now (default), or leave it to the index stage (src/core/stages/fts/fts.ts), which
   * indexes every item whose item_text says indexed = 0.
   */
  index?: boolean;
}

/**
 * Records an item's extracted text (replacing what an earlier extraction gave). Call inside the
 * transaction that writes the item row, so the two commit together.
 */
export function writeItemText(db: DB, itemId: number | bigint, t: ItemText, opts: boolean | WriteTextOptions = {}): void {
  const o = typeof opts === 'boolean' ? { replace: opts } : opts;
  const s = stmts(db);
  if (o.replace) forgetIndexed(db, itemId);
  const hasText = t.text.length > 0;
  const indexNow = hasText && o.index !== false;
  s.upsert.run(itemId, t.kind, t.encoding, t.text.length, t.truncated ? 1 : 0, t.error, hasText && !indexNow ? 0 : 1);
  if (hasText) {
    const text = t.text + INDEX_SENTINEL;
    s.putContent.run(itemId, text);
    if (indexNow) s.index.run(itemId, text);
  } else if (o.replace) s.delContent.run(itemId);
}

/** Takes an item's text out of the index (when it is there), leaving its text and record. */
function forgetIndexed(db: DB, itemId: number | bigint): void {
  const s = stmts(db);
  const old = s.oldIndexed.get(itemId) as { text: string } | undefined;
  if (old) s.unindex.run(itemId, old.text);
}

/** Removes an item's text, its record and its index entry (reindex --all, when it holds no text any more). */
export function dropItemText(db: DB, itemId: number | bigint): void {
  const s = stmts(db);
  forgetIndexed(db, itemId);
  s.delContent.run(itemId);
  s.delInfo.run(itemId);
}

/** Indexes items whose text is recorded but not yet in the index (the index stage); returns the characters indexed. */
export function indexItemTexts(db: DB, itemIds: readonly number[]): number {
  const s = stmts(db);
  let chars = 0;
  for (const id of itemIds) {
    const r = s.pendingText.get(id) as { text: string } | undefined;
    if (r) {
      s.index.run(id, r.text);
      chars += r.text.length;
    }
    s.markIndexed.run(id);
  }
  return chars;
}

/** The text of an item (normalised as indexed; in the index once the index stage has run), or null when it has none. */
export function itemText(db: DB, itemId: number): string | null {
  const r = db.prepare('SELECT text FROM text_content WHERE item_id = ?').get(itemId) as { text: string } | undefined;
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
