// Read side of the catalogue: listing items with filters and paging, and one item in full.
// Everything is paged in SQL so a 1,000,000-item case never crosses a boundary whole.
import { type ItemRow, type ItemDetail, type CaseOverview, FAMILY_NAMES } from '../../shared/outputs.ts';
import type { DB } from '../db/open.ts';

export interface ItemFilter {
  type?: string;
  exhibit?: string;
  kind?: string;
  mismatch?: boolean;
  hasGps?: boolean;
  errors?: boolean;
  pathContains?: string;
  family?: Family;
  /** Date range on mtime (default) or taken_at; ISO dates or date-times, both ends inclusive. */
  dateField?: 'mtime' | 'taken_at';
  dateFrom?: string;
  dateTo?: string;
  /** true: only items in a known-bad hash set; false: none of them. */
  knownBad?: boolean;
  /** true: only items in a known-good hash set; false: hide them (review). */
  knownGood?: boolean;
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

/** Families of types, as the navigation shows them. Every file is in exactly one. */
export const FAMILIES = FAMILY_NAMES;
export type Family = (typeof FAMILIES)[number];

const CHAT_NAMES = [
  'msgstore.db', 'wa.db', 'sms.db', 'chatstorage.sqlite', 'mmssms.db', 'cache4.db', 'line.db', 'naver_line',
  'viber_messages', 'threads_db2', 'kakaotalk.db', 'telegram.db', 'signal.db', 'signal.sqlite',
];
const q = (xs: string[]): string => xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ');
const SPREADSHEETS = [
  'text/csv', 'text/tab-separated-values', 'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.apple.numbers', 'application/x-iwork-numbers-sffnumbers',
];
const DOCUMENTS = [
  'application/pdf', 'application/msword', 'application/rtf', 'application/vnd.ms-powerpoint', 'application/epub+zip',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.presentation', 'application/x-cfb',
  // Text formats typed by sniffing (text/* is matched as a range below); plists stay "other".
  'application/json', 'application/x-ndjson', 'application/xml', 'message/rfc822',
];
const ARCHIVES = [
  'application/zip', 'application/x-tar', 'application/gzip', 'application/x-gzip', 'application/x-7z-compressed', 'application/vnd.rar',
  'application/x-rar-compressed', 'application/x-bzip2', 'application/x-xz', 'application/zstd', 'application/x-cpio',
  'application/x-apple-diskimage', 'application/x-android-backup',
];
const DATABASES = ['application/x-sqlite3', 'application/vnd.sqlite3', 'application/x-msaccess', 'application/x-realm'];

/** SQL for the family of item `i` (a file): chats first (by name), then by MIME type. */
export const FAMILY_SQL = `CASE
  WHEN lower(i.name) IN (${q(CHAT_NAMES)}) OR i.name LIKE 'WhatsApp Chat%' OR i.name LIKE '_chat.txt' THEN 'chats'
  WHEN i.mime LIKE 'image/%' THEN 'images'
  WHEN i.mime LIKE 'video/%' THEN 'videos'
  WHEN i.mime LIKE 'audio/%' THEN 'audio'
  WHEN i.mime IN (${q(SPREADSHEETS)}) THEN 'spreadsheets'
  WHEN i.mime IN (${q(DOCUMENTS)}) OR i.mime LIKE 'text/%' THEN 'documents'
  WHEN i.container IS NOT NULL OR i.mime IN (${q(ARCHIVES)}) THEN 'archives'
  WHEN i.mime IN (${q(DATABASES)}) THEN 'databases'
  WHEN i.mime IS NULL AND lower(i.ext) IN ('csv', 'tsv') THEN 'spreadsheets'
  WHEN i.mime IS NULL AND lower(i.ext) IN ('txt', 'text', 'md', 'log', 'json', 'xml', 'html', 'htm', 'rtf', 'vcf', 'ics') THEN 'documents'
  ELSE 'other' END`;

function whereOf(f: ItemFilter): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.type) {
    // "image/jpeg" exactly, or "image/" / "image" for a whole family.
    if (f.type.includes('/') && !f.type.endsWith('/')) {
      where.push('i.mime = @type');
      params.type = f.type;
    } else {
      where.push("i.mime LIKE @type || '%'");
      params.type = f.type.endsWith('/') ? f.type : `${f.type}/`;
    }
  }
  if (f.exhibit) {
    where.push('e.number = @exhibit');
    params.exhibit = f.exhibit;
  }
  if (f.kind) {
    where.push('i.kind = @kind');
    params.kind = f.kind;
  }
  if (f.mismatch) where.push('i.ext_mismatch = 1');
  if (f.hasGps) where.push('m.lat IS NOT NULL');
  if (f.errors) where.push('(i.error IS NOT NULL OR m.error IS NOT NULL)');
  if (f.pathContains) {
    where.push("instr(i.path, @pathContains) > 0");
    params.pathContains = f.pathContains;
  }
  if (f.family) {
    // Images, videos and audio are MIME ranges: name the range so SQLite walks the mime index
    // instead of the whole table (the CASE still decides, e.g. a chat database stays a chat).
    const range = ({ images: 'image', videos: 'video', audio: 'audio' } as Record<string, string>)[f.family];
    if (range) {
      where.push(`i.mime >= '${range}/' AND i.mime < '${range}0'`);
    }
    where.push(`i.kind = 'file' AND (${FAMILY_SQL}) = @family`);
    params.family = f.family;
  }
  const dateCol = f.dateField === 'taken_at' ? 'm.taken_at' : 'i.mtime';
  if (f.dateFrom) {
    where.push(`${dateCol} >= @dateFrom`);
    params.dateFrom = f.dateFrom;
  }
  if (f.dateTo) {
    // Inclusive: '2024-03-31' keeps everything on that day.
    where.push(`substr(${dateCol}, 1, length(@dateTo)) <= @dateTo`);
    params.dateTo = f.dateTo;
  }
  for (const [flag, kind] of [[f.knownBad, 'bad'], [f.knownGood, 'good']] as const) {
    if (flag === undefined) continue;
    where.push(`${flag ? '' : 'NOT '}EXISTS (SELECT 1 FROM hashset_matches hm JOIN hashsets hs ON hs.id = hm.set_id WHERE hm.item_id = i.id AND hs.kind = '${kind}')`);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

const FROM = `FROM items i
  JOIN sources s ON s.id = i.source_id
  LEFT JOIN exhibits e ON e.id = s.exhibit_id
  LEFT JOIN metadata m ON m.item_id = i.id`;

/** True when the filter and sort need only the items table (no exhibit or metadata columns). */
function itemsOnly(f: ItemFilter): boolean {
  const sort = f.sort ?? 'id';
  return (
    !f.exhibit && !f.hasGps && !f.errors && !(f.dateField === 'taken_at' && (f.dateFrom || f.dateTo)) &&
    !['exhibit', 'taken_at', 'gps', 'error'].includes(sort)
  );
}

export function listItems(db: DB, f: ItemFilter = {}): ItemRow[] {
  const { sql, params } = whereOf(f);
  const order = `${SORTS[f.sort ?? 'id']} ${f.desc ? 'DESC' : 'ASC'}, i.id ${f.desc ? 'DESC' : 'ASC'}`;
  const limit = Math.min(Math.max(1, Math.floor(f.limit ?? 1000)), 100_000);
  const offset = Math.max(0, Math.floor(f.offset ?? 0));
  const columns = `i.id, i.source_id, e.number AS exhibit, i.path, i.name, i.kind, i.size, i.mime, i.detected_ext, i.ext_mismatch,
        i.sha256, i.mtime, m.taken_at, m.lat, m.lon, COALESCE(i.error, m.error) AS error`;
  if (itemsOnly(f)) {
    // Page the ids on the items table alone (an index walk, even deep into a 1,000,000-row case),
    // then join the page's rows only.
    return db
      .prepare(
        `WITH page AS (SELECT i.id FROM items i ${sql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset})
         SELECT ${columns} FROM page JOIN items i ON i.id = page.id
           JOIN sources s ON s.id = i.source_id LEFT JOIN exhibits e ON e.id = s.exhibit_id LEFT JOIN metadata m ON m.item_id = i.id
         ORDER BY ${order}`,
      )
      .all(params) as ItemRow[];
  }
  return db.prepare(`SELECT ${columns} ${FROM} ${sql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`).all(params) as ItemRow[];
}

export function countItems(db: DB, f: ItemFilter = {}): number {
  const { sql, params } = whereOf(f);
  const from = itemsOnly(f) ? 'FROM items i' : FROM;
  return (db.prepare(`SELECT COUNT(*) AS n ${from} ${sql}`).get(params) as { n: number }).n;
}

/** The navigation's counts, each one SQL aggregate. */
export function caseOverview(db: DB): CaseOverview {
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
        (SELECT COUNT(*) FROM items WHERE error IS NOT NULL)
          + (SELECT COUNT(*) FROM metadata m JOIN items i ON i.id = m.item_id WHERE m.error IS NOT NULL AND i.error IS NULL) AS errors,
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
    error: (row.error as string | null) ?? metadata?.error ?? null,
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
