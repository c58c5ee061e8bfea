// Full-text search over the items' extracted text (text_index, FTS5 with the trigram tokenizer),
// combined in SQL with the one item filter (catalogue/filter.ts: type, tag, exhibit, dates, GPS,
// known-bad), ranked by BM25, with snippets around each hit.
//
// Query: words separated by spaces, all of which must occur ("quoted phrases" keep their
// spaces). Matching is by substring, so "未払い" finds "サイト利用料の未払いがあります" with no
// word segmentation, and case-insensitively. Query and text are both NFKC-normalised (full-width
// and half-width forms match each other).
//
// The trigram index answers terms of 3 characters or more directly. A 1- or 2-character term (a
// Japanese or Chinese word like "詐欺" or "钱") has no trigram of its own, but every occurrence
// of it starts some trigram (the index appends two characters to every text, see
// INDEX_SENTINEL): the index's vocabulary lists those trigrams ("詐欺師", "詐欺の", ...) and the
// term becomes their OR, still answered by the index. Only when a term starts thousands of
// distinct trigrams (a single common letter) is it checked with instr() over the stored text of
// the rows the other terms matched, or of every item when no term could use the index: correct,
// but a scan (seconds on a million items), and the result says so (`mode`, `note`).
import type { Snippet, SearchHit, SearchResult } from '../../shared/outputs.ts';
import type { Statement } from 'better-sqlite3';
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';
import { type ItemFilter, itemFilterSql, whereSql } from '../catalogue/filter.ts';
import type { TextKind } from '../text/extract.ts';
import { stripSentinel } from '../text/store.ts';

/** What a search is narrowed by: the one item filter (catalogue/filter.ts), as `evidence ls` takes it. */
export type SearchFilter = ItemFilter;

export interface SearchOptions extends SearchFilter {
  limit?: number;
  offset?: number;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Snippet, SearchHit, SearchResult };

/** Above this many matches, hits are listed in item order rather than ranked (see search()). */
export const RANK_MAX = 50_000;
/** The shortest term the trigram index can answer. */
export const TRIGRAM_MIN = 3;
const SNIPPETS_PER_HIT = 3;
const SNIPPET_CONTEXT = 40;
const MAX_OCCURRENCES = 1000;

/** Splits a query into terms: spaces separate, "double quotes" keep a phrase; NFKC-normalised. */
export function parseQuery(q: string): string[] {
  const terms: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of q.normalize('NFKC').matchAll(re)) {
    const t = (m[1] ?? m[2] ?? '').trim();
    if (t) terms.push(t);
  }
  return [...new Set(terms)];
}

function ftsPhrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

interface Plan {
  from: string;
  /** The item id column of `from`. */
  idCol: string;
  where: string[];
  params: Record<string, unknown>;
  mode: SearchResult['mode'];
  terms: string[];
  ranked: boolean;
  /** A term that occurs nowhere: nothing can match. */
  impossible: boolean;
  /** Terms checked by scanning the text. */
  scanned: string[];
}

/** Above this many trigrams a short term is scanned for rather than OR-ed (a single common
 * letter). A setting so tests can reach the scan path on a small case. */
export const searchTuning = { maxExpansion: 2000 };

const vocabReady = new WeakSet<DB>();

/** The trigrams of the index that begin with a (case-folded) 1- or 2-character term. */
function trigramsStartingWith(db: DB, term: string): string[] {
  if (!vocabReady.has(db)) {
    db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_index_vocab USING fts5vocab(main, 'text_index', 'row')");
    vocabReady.add(db);
  }
  const folded = term.toLowerCase();
  return (
    db.prepare(`SELECT term FROM temp.text_index_vocab WHERE term >= ? AND term < ? LIMIT ${searchTuning.maxExpansion + 1}`).all(folded, `${folded}\u{10FFFF}`) as {
      term: string;
    }[]
  ).map((r) => r.term);
}

function plan(db: DB, query: string | null, f: SearchFilter): Plan {
  const terms = query ? parseQuery(query) : [];
  const filters = itemFilterSql(f);
  const params = { ...filters.params };
  const where = [...filters.conditions];
  if (terms.length === 0) {
    // No text query: a filter over all items (tagging "everything of this exhibit").
    return { from: 'items i', idCol: 'i.id', where, params, mode: 'index', terms, ranked: false, impossible: false, scanned: [] };
  }
  const groups: string[] = [];
  const scanned: string[] = [];
  let impossible = false;
  for (const t of terms) {
    if ([...t].length >= TRIGRAM_MIN) {
      groups.push(ftsPhrase(t));
      continue;
    }
    const grams = trigramsStartingWith(db, t);
    if (grams.length === 0) impossible = true;
    else if (grams.length <= searchTuning.maxExpansion) groups.push(`(${grams.map(ftsPhrase).join(' OR ')})`);
    else scanned.push(t);
  }
  scanned.forEach((t, k) => {
    where.push(`instr(lower(text_index.text), lower(@short${k})) > 0`);
    params[`short${k}`] = t;
  });
  // The items table only when a filter needs it: joining 100,000 matches to their items costs
  // more than finding them.
  const from = where.length ? 'text_index JOIN items i ON i.id = text_index.rowid' : 'text_index';
  if (groups.length) {
    where.unshift('text_index MATCH @match');
    params.match = groups.join(' AND ');
  }
  const mode: SearchResult['mode'] = groups.length === 0 ? 'scan' : scanned.length ? 'index+scan' : 'index';
  return { from, idCol: 'text_index.rowid', where, params, mode, terms, ranked: groups.length > 0, impossible, scanned };
}

/** Every item matching a query and filters (for tagging by search), in id order. */
export function searchItemIds(db: DB, query: string | null, filter: SearchFilter = {}): number[] {
  const p = plan(db, query, filter);
  if (p.impossible) return [];
  return (db.prepare(`SELECT ${p.idCol} AS id FROM ${p.from} ${whereSql(p.where)} ORDER BY ${p.idCol}`).all(p.params) as { id: number }[]).map((r) => r.id);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How the terms are found in a text (longest first, case-insensitively): the snippets and the text view mark the same hits. */
export function termPattern(terms: string[]): RegExp {
  return new RegExp(terms.map(escapeRegExp).sort((a, b) => b.length - a.length).join('|'), 'giu');
}

/** Snippets around the first hits of the terms, and how often they occur. */
export function snippetsOf(text: string, terms: string[], max = SNIPPETS_PER_HIT, context = SNIPPET_CONTEXT): { snippets: Snippet[]; occurrences: number } {
  if (terms.length === 0) return { snippets: [], occurrences: 0 };
  const re = termPattern(terms);
  const found: [number, number][] = [];
  let occurrences = 0;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    occurrences++;
    if (found.length < 200) found.push([m.index, m.index + m[0].length]);
    if (occurrences >= MAX_OCCURRENCES) break;
  }
  const snippets: Snippet[] = [];
  let k = 0;
  while (k < found.length && snippets.length < max) {
    const [s0] = found[k]!;
    const start = Math.max(0, s0 - context);
    let end = Math.min(text.length, found[k]![1] + context);
    const hits: [number, number][] = [];
    // Hits close together share one snippet.
    while (k < found.length && found[k]![0] < end) {
      end = Math.min(text.length, Math.max(end, found[k]![1] + context));
      hits.push(found[k]!);
      k++;
      if (end - start > context * 6) break;
    }
    const lead = start > 0 ? '…' : '';
    const tail = end < text.length ? '…' : '';
    const body = text.slice(start, end).replace(/[\n\r\t]/g, ' ');
    snippets.push({ text: `${lead}${body}${tail}`, hits: hits.map(([a, b]) => [a - start + lead.length, b - start + lead.length]) });
  }
  return { snippets, occurrences };
}

/** How many name, path and hash matches a search lists (its first page only). */
export const NAMED_MAX = 50;
const HEX_HASH = /^[0-9a-f]{8,64}$/;

/**
 * Items the query names rather than contains (issue 14): every term in the item's device path
 * (its name included), case-insensitively for Latin letters, or the one term a hash of it (the
 * whole MD5, SHA-1 or SHA-256, or a SHA-256 prefix of 8+ hex digits as the catalogue shows).
 * With the same item filter as the text search. Snippets are the path with the terms marked, or
 * the hash with the part typed marked: the same marks as text hits, never HTML.
 */
export function searchNames(db: DB, query: string, f: SearchFilter = {}, limit = NAMED_MAX): { total: number; hits: SearchHit[] } {
  const terms = parseQuery(query);
  if (terms.length === 0) return { total: 0, hits: [] };
  const filters = itemFilterSql(f);
  const params: Record<string, unknown> = { ...filters.params };
  const conditions = [...filters.conditions];
  const hex = terms.length === 1 && HEX_HASH.test(terms[0]!.toLowerCase()) ? terms[0]!.toLowerCase() : null;
  const pathTerms = terms.map((t, k) => {
    params[`n_term${k}`] = t.toLowerCase();
    return `instr(lower(i.path), @n_term${k}) > 0`;
  });
  let named = `(${pathTerms.join(' AND ')})`;
  if (hex) {
    params.n_hash = hex;
    params.n_hash_end = `${hex}g`;
    // The SHA-256 prefix is a range on its index; whole MD5/SHA-1 values are compared as typed.
    named = `(${named} OR (i.sha256 >= @n_hash AND i.sha256 < @n_hash_end)${hex.length === 32 ? ' OR i.md5 = @n_hash' : ''}${hex.length === 40 ? ' OR i.sha1 = @n_hash' : ''})`;
  }
  conditions.push(named);
  const where = whereSql(conditions);
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM items i ${where}`).get(params) as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.name, i.mime, i.size, i.mtime, i.md5, i.sha1, i.sha256, t.kind AS format,
         (SELECT e.number FROM sources s JOIN exhibits e ON e.id = s.exhibit_id WHERE s.id = i.source_id) AS exhibit
       FROM items i LEFT JOIN item_text t ON t.item_id = i.id ${where} ORDER BY i.id LIMIT ${Math.max(1, Math.floor(limit))}`,
    )
    .all(params) as {
    id: number;
    path: string;
    name: string;
    mime: string | null;
    size: number | null;
    mtime: string | null;
    md5: string | null;
    sha1: string | null;
    sha256: string | null;
    format: TextKind | null;
    exhibit: string | null;
  }[];
  const tagsOf = db.prepare('SELECT tag_id FROM item_tags WHERE item_id = ? ORDER BY tag_id');
  const hits = rows.map((r): SearchHit => {
    const hash = hex ? ([r.sha256, r.md5, r.sha1].find((h) => h && h.startsWith(hex)) ?? null) : null;
    const inPath = snippetsOf(r.path, terms, 1, 10_000);
    const snippets: Snippet[] = inPath.occurrences > 0 ? inPath.snippets : hash ? [{ text: hash, hits: [[0, hex!.length]] }] : [];
    return { ...hitFacts(r, tagsOf), score: 0, occurrences: inPath.occurrences, snippets, field: inPath.occurrences > 0 ? 'path' : 'hash' };
  });
  return { total, hits };
}

/** The item's own facts a hit shows, the same for a text hit and a name/path/hash hit. */
function hitFacts(
  r: { id: number; path: string; name: string; exhibit: string | null; mime: string | null; format: TextKind | null; size: number | null; mtime: string | null },
  tagsOf: Statement,
): Pick<SearchHit, 'id' | 'path' | 'name' | 'exhibit' | 'mime' | 'format' | 'size' | 'mtime' | 'tags'> {
  const tags = (tagsOf.all(r.id) as { tag_id: string }[]).map((x) => x.tag_id);
  return { id: r.id, path: r.path, name: r.name, exhibit: r.exhibit, mime: r.mime, format: r.format, size: r.size, mtime: r.mtime, tags };
}

/** A search: the ranked page of hits with snippets, and how many items match in all. */
export function search(db: DB, query: string, opts: SearchOptions = {}): SearchResult {
  const started = performance.now();
  const p = plan(db, query, opts);
  if (p.terms.length === 0) throw new EvidenceError('USAGE', 'Give something to search for.');
  const limit = Math.min(Math.max(1, Math.floor(opts.limit ?? 50)), 10_000);
  const offset = Math.max(0, Math.floor(opts.offset ?? 0));
  const where = whereSql(p.where);
  let page: { id: number; score: number }[] = [];
  let total = 0;
  let ranked = p.ranked;
  if (!p.impossible) {
    total = (db.prepare(`SELECT COUNT(*) AS n FROM ${p.from} ${where}`).get(p.params) as { n: number }).n;
    // BM25 needs every match scored before the first page is known; past RANK_MAX matches
    // (a query as common as "password") the page is in item order instead, and says so.
    ranked = p.ranked && total <= RANK_MAX;
    if (total > offset) {
      page = db
        .prepare(
          `SELECT ${p.idCol} AS id, ${ranked ? 'bm25(text_index)' : '0'} AS score FROM ${p.from} ${where}
           ORDER BY ${ranked ? 'score, id' : 'id'} LIMIT ${limit} OFFSET ${offset}`,
        )
        .all(p.params) as { id: number; score: number }[];
    }
  }
  const detail = db.prepare(
    `SELECT i.id, i.path, i.name, i.mime, i.size, i.mtime, t.kind AS format, text_index.text AS text,
       (SELECT e.number FROM sources s JOIN exhibits e ON e.id = s.exhibit_id WHERE s.id = i.source_id) AS exhibit
     FROM items i JOIN text_index ON text_index.rowid = i.id LEFT JOIN item_text t ON t.item_id = i.id WHERE i.id = ?`,
  );
  const tagsOf = db.prepare('SELECT tag_id FROM item_tags WHERE item_id = ? ORDER BY tag_id');
  const hits: SearchHit[] = page.map((row) => {
    const r = detail.get(row.id) as {
      id: number;
      path: string;
      name: string;
      mime: string | null;
      size: number | null;
      mtime: string | null;
      format: TextKind | null;
      text: string;
      exhibit: string | null;
    };
    const s = snippetsOf(stripSentinel(r.text), p.terms);
    return { ...hitFacts(r, tagsOf), score: row.score, occurrences: s.occurrences, snippets: s.snippets };
  });
  const unranked = p.ranked && !ranked ? `${total.toLocaleString('en')} items match: too many to rank, so they are in item order. Add words or filters to narrow the search.` : null;
  const note =
    p.mode === 'scan'
      ? `${p.scanned.map((t) => `"${t}"`).join(', ')} ${p.scanned.length > 1 ? 'are' : 'is'} too common a prefix for the index: every item's text was scanned (slower on large cases). Add a longer word to narrow it.`
      : p.mode === 'index+scan'
        ? `${p.scanned.map((t) => `"${t}"`).join(', ')} ${p.scanned.length > 1 ? 'were' : 'was'} checked in the text of the items the other terms matched.`
        : null;
  // Names, device paths and hashes with the first page (issue 14): one search box finds both.
  const named = offset === 0 ? searchNames(db, query, opts) : undefined;
  return {
    query,
    terms: p.terms,
    total,
    hits,
    ...(named ? { named } : {}),
    mode: p.mode,
    note: [note, unranked].filter(Boolean).join(' ') || null,
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
