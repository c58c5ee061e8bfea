// Read side of the catalogue: listing items with filters and paging, and one item in full.
// Everything is paged in SQL so a 1,000,000-item case never crosses a boundary whole.
import type { ItemRow, ItemDetail, CaseOverview } from '../../shared/outputs.ts';
import type { DB } from '../db/open.ts';
import { HAS_PROBLEM_SQL, ISSUE_COLUMNS_SQL, itemIssues, problemText, rowWithIssues } from './issues.ts';
import { type CounterName, hasCounters, readCounter, readCounters } from './counts.ts';
import { FAMILIES, FAMILY_SQL, type Family, type ItemFilter, folderFormsIn, itemFilterSql, whereSql } from './filter.ts';

export { FAMILIES, type Family, type ItemFilter };

/** The one item filter (catalogue/filter.ts) plus the listing's order and page. */
export interface ListOptions extends ItemFilter {
  sort?: SortKey;
  desc?: boolean;
  limit?: number;
  offset?: number;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { ItemRow, ItemDetail, CaseOverview };

export type SortKey =
  | 'id' | 'path' | 'name' | 'exhibit' | 'size' | 'mime' | 'detected_ext' | 'ext_mismatch' | 'sha256' | 'mtime' | 'taken_at' | 'gps' | 'error';

const SORTS: Record<SortKey, string> = {
  id: 'i.id',
  path: 'i.path',
  name: 'i.name',
  exhibit: 'e.number',
  size: 'i.size',
  mime: 'i.mime',
  detected_ext: 'i.detected_ext',
  ext_mismatch: 'i.ext_mismatch',
  sha256: 'i.sha256',
  mtime: 'i.mtime',
  taken_at: 'm.taken_at',
  gps: 'm.lat',
  error: 'COALESCE(i.error, m.error)',
};

const FROM = `FROM items i
  JOIN sources s ON s.id = i.source_id
  LEFT JOIN exhibits e ON e.id = s.exhibit_id
  LEFT JOIN metadata m ON m.item_id = i.id`;

/** True when the order needs only the items table (no exhibit or metadata columns): filters never
 * need more (catalogue/filter.ts), so the page's ids come from an index walk on items alone. */
function itemsOnly(sort: SortKey): boolean {
  return !['exhibit', 'taken_at', 'gps', 'error'].includes(sort);
}

export function listItems(db: DB, f: ListOptions = {}): ItemRow[] {
  return withKnownBad(db, withTagIds(db, listItemRows(db, f)));
}

/** The known-bad sets each row is in (the alert on a row). */
function withKnownBad(db: DB, rows: ItemRow[]): ItemRow[] {
  return withKnownBadSets(db, rows);
}

/**
 * Sets `knownBad` (the names of the known-bad hash sets an item is in) on rows or search hits:
 * one indexed lookup per row, none on a case without a known-bad set.
 */
export function withKnownBadSets<T extends { id: number; knownBad?: string[] }>(db: DB, rows: T[]): T[] {
  if (rows.length === 0 || !db.prepare("SELECT 1 FROM hashsets WHERE kind = 'bad' LIMIT 1").get()) return rows;
  const setsOf = db
    .prepare("SELECT DISTINCT h.name FROM hashset_matches m JOIN hashsets h ON h.id = m.set_id WHERE m.item_id = ? AND h.kind = 'bad' ORDER BY h.name")
    .pluck();
  for (const r of rows) {
    const names = setsOf.all(r.id) as string[];
    if (names.length) r.knownBad = names;
  }
  return rows;
}

/** The rows' tag ids (the chips on a row): one query for the page (a seek per row), none on a case with no tags. */
function withTagIds(db: DB, rows: ItemRow[]): ItemRow[] {
  if (rows.length === 0 || !db.prepare('SELECT 1 FROM item_tags LIMIT 1').get()) return rows;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const found = db
    .prepare('SELECT it.item_id AS id, it.tag_id AS tag FROM json_each(?) j JOIN item_tags it ON it.item_id = j.value ORDER BY it.item_id, it.tag_id')
    .all(JSON.stringify([...byId.keys()])) as { id: number; tag: string }[];
  for (const { id, tag } of found) {
    const r = byId.get(id)!;
    (r.tagIds ??= []).push(tag);
  }
  return rows;
}

/**
 * True when a page of the tag's items is found sooner by walking the order and probing each
 * item than by listing all the tag's items first: when the tag is on many items (the walk meets
 * one every items/tagged rows, against reading all `tagged` ids each page).
 */
function tagIsCommon(db: DB, tag: string | undefined): boolean {
  if (!tag || !hasCounters(db)) return false;
  const known = listingOf(db, JSON.stringify(['tagged', tag]));
  known.total ??= db.prepare('SELECT COUNT(*) FROM item_tags WHERE tag_id = ?').pluck().get(tag) as number;
  return known.total * known.total > readCounter(db, 'items') * 1000;
}

function listItemRows(db: DB, f: ListOptions): ItemRow[] {
  const { conditions, params } = itemFilterSql(f, { folderForms: folderFormsIn(db, f), tagProbed: tagIsCommon(db, f.tag) });
  const where = whereSql(conditions);
  const sort = f.sort ?? 'id';
  const order = `${SORTS[sort]} ${f.desc ? 'DESC' : 'ASC'}, i.id ${f.desc ? 'DESC' : 'ASC'}`;
  const limit = Math.min(Math.max(1, Math.floor(f.limit ?? 1000)), 100_000);
  const offset = Math.max(0, Math.floor(f.offset ?? 0));
  const columns = `i.id, i.source_id, e.number AS exhibit, i.path, i.name, i.kind, i.size, i.mime, i.detected_ext, i.ext_mismatch,
        i.sha256, i.mtime, m.taken_at, m.lat, m.lon, COALESCE(i.error, m.error) AS error, ${ISSUE_COLUMNS_SQL}`;
  if (itemsOnly(sort)) {
    // Page the ids on the items table alone (an index walk), then join the page's rows only.
    // Deep in a 1,000,000-row case an OFFSET walks every row before the page (200 ms at the
    // end in id order): the page is read instead from the nearest row already listed (a seek on
    // its sort value and id, see keysetFrom), the OFFSET only as the last resort.
    const listing = listingOf(db, JSON.stringify([where, params, sort, !!f.desc]));
    const ids = keysetPage(db, listing, { where, conditions, params, sort, desc: !!f.desc, order, limit, offset });
    if (ids.length === 0) return [];
    const rows = db
      .prepare(
        `SELECT ${columns}, ${SORTS[sort]} AS sort_value FROM items i
           JOIN sources s ON s.id = i.source_id LEFT JOIN exhibits e ON e.id = s.exhibit_id LEFT JOIN metadata m ON m.item_id = i.id
         WHERE i.id IN (SELECT value FROM json_each(@ids))`,
      )
      .all({ ids: JSON.stringify(ids) }) as (ItemRow & { sort_value: unknown })[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const page = ids.map((id) => byId.get(id)).filter((r): r is ItemRow & { sort_value: unknown } => r !== undefined);
    // The page's first and last rows are where the next pages start from.
    if (page.length) {
      remember(listing, offset, page[0]!.sort_value, page[0]!.id);
      remember(listing, offset + page.length - 1, page[page.length - 1]!.sort_value, page[page.length - 1]!.id);
    }
    return page.map(({ sort_value: _v, ...r }) => rowWithIssues(r as ItemRow));
  }
  // Problems and notices apart (catalogue/issues.ts): error keeps the problems only.
  return db.prepare(`SELECT ${columns} ${FROM} ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`).all(params).map((r) => rowWithIssues(r as ItemRow));
}

/** Sort columns that can hold NULL (first in ascending order, last in descending). */
const NULLABLE: ReadonlySet<SortKey> = new Set(['size', 'mime', 'detected_ext', 'sha256', 'mtime']);

/**
 * What is known of one listing (a filter and an order) while the case does not change: rows'
 * positions with their sort value and id (the ends of the pages served), and its count. Kept
 * per connection, dropped as soon as anything is written to the case (by this connection or
 * another: total_changes() and PRAGMA data_version), so it never answers for other data.
 */
interface Listing {
  anchors: Map<number, { value: unknown; id: number }>;
  total?: number;
}
const listings = new WeakMap<DB, { stamp: string; byKey: Map<string, Listing> }>();

/** The case's state as this connection sees it: changes when anything is committed to it. */
function caseStamp(db: DB): string {
  return `${db.pragma('data_version', { simple: true }) as number}:${db.prepare('SELECT total_changes()').pluck().get() as number}`;
}

function listingOf(db: DB, key: string): Listing {
  const stamp = caseStamp(db);
  let known = listings.get(db);
  if (!known || known.stamp !== stamp) {
    known = { stamp, byKey: new Map() };
    listings.set(db, known);
  }
  let listing = known.byKey.get(key);
  if (!listing) {
    // A few listings (filters and orders) at a time; the oldest goes first.
    if (known.byKey.size >= 16) known.byKey.delete(known.byKey.keys().next().value!);
    listing = { anchors: new Map() };
    known.byKey.set(key, listing);
  }
  return listing;
}

function remember(listing: Listing, index: number, value: unknown, id: number): void {
  // A NULL sort value cannot be sought past (the NULL rows are a block at one end): not kept.
  if (value === null || value === undefined) return;
  // Two per page: 20,000 is a whole 1,000,000-row listing read by pages of 100 (a few MiB at most).
  if (listing.anchors.size >= 20_000) listing.anchors.clear();
  listing.anchors.set(index, { value, id });
}

/**
 * The ids of a page, in the listing's order. From the nearest remembered row before the page
 * (forward: the rows after it) or after it (backward: the rows before it, read in reverse), with
 * the OFFSET of the rows between; a plain OFFSET from the start when that is shorter or when no
 * row is known. Where a seek cannot see the NULL block of a nullable column (it lies past the
 * rows read), a short answer is read again the plain way, so every page is exactly the plain one.
 */
function keysetPage(
  db: DB,
  listing: Listing,
  q: { where: string; conditions: string[]; params: Record<string, unknown>; sort: SortKey; desc: boolean; order: string; limit: number; offset: number },
): number[] {
  const plain = (): number[] =>
    db.prepare(`SELECT i.id FROM items i ${q.where} ORDER BY ${q.order} LIMIT ${q.limit} OFFSET ${q.offset}`).pluck().all(q.params) as number[];
  const end = q.offset + q.limit; // the first position after the page
  let below: number | null = null;
  let above: number | null = null;
  for (const k of listing.anchors.keys()) {
    if (k < q.offset && (below === null || k > below)) below = k;
    if (k >= end && (above === null || k < above)) above = k;
  }
  const fromBelow = below === null ? Infinity : q.offset - below - 1;
  const fromAbove = above === null ? Infinity : above - end;
  if (Math.min(fromBelow, fromAbove) >= q.offset) return plain();
  const forward = fromBelow <= fromAbove;
  const anchor = listing.anchors.get(forward ? below! : above!)!;
  // Forward in an ascending listing is "greater than the anchor"; backward, or descending, the other way.
  const greater = forward !== q.desc;
  const col = SORTS[q.sort];
  const seek = q.sort === 'id' ? `i.id ${greater ? '>' : '<'} @k_id` : `(${col}, i.id) ${greater ? '>' : '<'} (@k_value, @k_id)`;
  const dir = greater ? 'ASC' : 'DESC';
  const order = q.sort === 'id' ? `i.id ${dir}` : `${col} ${dir}, i.id ${dir}`;
  const ids = db
    .prepare(`SELECT i.id FROM items i ${whereSql([...q.conditions, seek])} ORDER BY ${order} LIMIT ${q.limit} OFFSET ${forward ? fromBelow : fromAbove}`)
    .pluck()
    .all({ ...q.params, k_value: anchor.value, k_id: anchor.id }) as number[];
  if (ids.length < q.limit && NULLABLE.has(q.sort)) return plain();
  return forward ? ids : ids.reverse();
}

export function countItems(db: DB, f: ItemFilter = {}): number {
  const { conditions, params } = itemFilterSql(f);
  // The whole catalogue, a family, the mismatches, the files, GPS: kept as counters (counts.ts).
  const counter = counterFor(conditions, params, f);
  if (counter && hasCounters(db)) return readCounter(db, counter);
  // Any other filter is counted once while the case does not change (the catalogue asks for the
  // count with every page it reads: 0.6 s each for a tag on 100,000 items at 1,000,000).
  const forms = folderFormsIn(db, f);
  const listing = listingOf(db, JSON.stringify(['count', forms, conditions, params]));
  if (listing.total !== undefined) return listing.total;
  // A folder filter counted a range at a time (the forms' ranges are disjoint: '…/' against '…!/').
  const parts = f.folder ? forms.map((form) => itemFilterSql(f, { folderForms: [form] })) : [{ conditions, params }];
  let total = 0;
  for (const x of parts) total += (db.prepare(`SELECT COUNT(*) AS n FROM items i ${whereSql(x.conditions)}`).get(x.params) as { n: number }).n;
  listing.total = total;
  return total;
}

/** The counter that is this filter's count, when the filter means exactly what a counter counts. */
function counterFor(conditions: string[], params: Record<string, unknown>, f: ItemFilter): CounterName | null {
  if (conditions.length === 0) return 'items';
  const same = (g: ItemFilter): boolean => {
    const x = itemFilterSql(g);
    return JSON.stringify(x.conditions) === JSON.stringify(conditions) && JSON.stringify(x.params) === JSON.stringify(params);
  };
  if (f.family && same({ family: f.family })) return `family:${f.family}`;
  if (same({ mismatch: true })) return 'mismatches';
  if (same({ kind: 'file' })) return 'files';
  if (same({ hasGps: true })) return 'gps';
  return null;
}

/**
 * The navigation's counts: the counters the writer keeps (counts.ts), and the problems counted
 * over the rows that carry an error (partial indexes), so no count scans the items table.
 */
export function caseOverview(db: DB): CaseOverview {
  if (!hasCounters(db)) return scannedOverview(db);
  const c = readCounters(db);
  const families = Object.fromEntries(FAMILIES.map((k) => [k, c[`family:${k}`]])) as Record<Family, number>;
  return {
    exhibits: (db.prepare('SELECT COUNT(*) AS n FROM exhibits').get() as { n: number }).n,
    items: c.items,
    files: c.files,
    errors: problemCount(db),
    mismatches: c.mismatches,
    gps: c.gps,
    families,
  };
}

/** Items, files and the files' bytes (the case summary). */
export function catalogueTotals(db: DB): { items: number; files: number; bytes: number } {
  if (hasCounters(db)) {
    const c = readCounters(db);
    return { items: c.items, files: c.files, bytes: c.bytes };
  }
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM items) AS items, (SELECT COUNT(*) FROM items WHERE kind = 'file') AS files,
        (SELECT COALESCE(SUM(size), 0) FROM items WHERE kind = 'file') AS bytes`,
    )
    .get() as { items: number; files: number; bytes: number };
}

/** Items with a problem: their own error, else their metadata's (the Errors view's rows). */
function problemCount(db: DB): number {
  return (
    db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM items WHERE error IS NOT NULL AND ${HAS_PROBLEM_SQL}(error))
          + (SELECT COUNT(*) FROM metadata m JOIN items i ON i.id = m.item_id WHERE m.error IS NOT NULL AND NOT ${HAS_PROBLEM_SQL}(i.error)) AS n`,
      )
      .get() as { n: number }
  ).n;
}

/** The same counts by scanning (a case.db without counters), and the check of the counters in tests. */
export function scannedOverview(db: DB): CaseOverview {
  const families = Object.fromEntries(FAMILIES.map((k) => [k, 0])) as Record<Family, number>;
  for (const r of db.prepare(`SELECT ${FAMILY_SQL} AS family, COUNT(*) AS n FROM items i WHERE i.kind = 'file' GROUP BY 1`).all() as {
    family: Family;
    n: number;
  }[]) {
    families[r.family] = r.n;
  }
  const n = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM exhibits) AS exhibits, (SELECT COUNT(*) FROM items) AS items,
        (SELECT COUNT(*) FROM items WHERE kind = 'file') AS files,
        (SELECT COUNT(*) FROM items WHERE error IS NOT NULL AND ${HAS_PROBLEM_SQL}(error))
          + (SELECT COUNT(*) FROM metadata m JOIN items i ON i.id = m.item_id WHERE m.error IS NOT NULL AND NOT ${HAS_PROBLEM_SQL}(i.error)) AS errors,
        (SELECT COUNT(*) FROM items WHERE ext_mismatch = 1) AS mismatches,
        (SELECT COUNT(*) FROM metadata WHERE lat IS NOT NULL) AS gps`,
    )
    .get() as Omit<CaseOverview, 'families'>;
  return { ...n, families };
}

export function getItem(db: DB, id: number): ItemDetail | null {
  const row = db
    .prepare(
      `SELECT i.*, hex(i.path_raw) AS path_raw_hex, e.number AS exhibit, s.root_path AS source_path, s.kind AS source_kind,
         m.taken_at AS m_taken_at, m.lat AS m_lat, m.lon AS m_lon, m.alt AS m_alt, m.make AS m_make, m.model AS m_model,
         m.orientation AS m_orientation, m.json AS m_json, m.error AS m_error, m.item_id AS m_item
       ${FROM} WHERE i.id = ?`,
    )
    .get(id) as Record<string, unknown> | undefined;
  if (!row) return null;
  const metadata =
    row.m_item == null
      ? null
      : {
          taken_at: row.m_taken_at as string | null,
          lat: row.m_lat as number | null,
          lon: row.m_lon as number | null,
          alt: row.m_alt as number | null,
          make: row.m_make as string | null,
          model: row.m_model as string | null,
          orientation: row.m_orientation as number | null,
          error: row.m_error as string | null,
          fields: row.m_json ? (JSON.parse(row.m_json as string) as Record<string, unknown>) : null,
        };
  return {
    id: row.id as number,
    source_id: row.source_id as number,
    exhibit: row.exhibit as string | null,
    path: row.path as string,
    path_raw_hex: (row.path_raw_hex as string) || null,
    name: row.name as string,
    ext: row.ext as string | null,
    kind: row.kind as string,
    size: row.size as number | null,
    mode: row.mode as number | null,
    uid: row.uid as number | null,
    gid: row.gid as number | null,
    inode: row.inode as string | null,
    mtime: row.mtime as string | null,
    ctime: row.ctime as string | null,
    atime: row.atime as string | null,
    birthtime: row.birthtime as string | null,
    link_target: row.link_target as string | null,
    md5: row.md5 as string | null,
    sha1: row.sha1 as string | null,
    sha256: row.sha256 as string | null,
    mime: row.mime as string | null,
    detected_ext: row.detected_ext as string | null,
    ext_mismatch: row.ext_mismatch as number,
    error: problemText(row.error as string | null) ?? metadata?.error ?? null,
    issues: itemIssues(row.error as string | null, row.extra ? (JSON.parse(row.extra as string) as Record<string, unknown>) : null, metadata?.error),
    added_at: row.added_at as string,
    source_path: row.source_path as string,
    source_kind: row.source_kind as string,
    parent_id: (row.parent_id as number | null) ?? null,
    depth: (row.depth as number) ?? 0,
    container: (row.container as string | null) ?? null,
    extra: row.extra ? (JSON.parse(row.extra as string) as Record<string, unknown>) : null,
    taken_at: metadata?.taken_at ?? null,
    lat: metadata?.lat ?? null,
    lon: metadata?.lon ?? null,
    metadata,
  };
}
