// The one item filter: the contract's filter object (src/shared/contract.ts, itemFilter) turned
// into a parameterised SQL condition on the items table `i`. The catalogue's listing and counts,
// the full-text search and tagging by search or filter all use it, so a filter means the same
// thing in `evidence ls`, `evidence search`, `evidence tag` and the app.
//
// Every condition is on `i`'s own columns or a subquery keyed by the item id (metadata, tags,
// text, hash sets, exhibits): a caller needs no join to filter, so it can page on the items table
// alone and join only the page's rows, whatever the filter (a 1,000,000-item case stays fast).
import type { ItemFilterInput } from '../../shared/contract.ts';
import { FAMILY_NAMES } from '../../shared/outputs.ts';
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';

export type ItemFilter = ItemFilterInput;

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

/** The type a file without a detected type has by the format its text was read as (item_text `t`). */
const TEXT_TYPE_SQL = `CASE t.kind WHEN 'text' THEN 'text/plain' WHEN 'whatsapp' THEN 'text/plain' WHEN 'line' THEN 'text/plain'
  WHEN 'csv' THEN 'text/csv' WHEN 'html' THEN 'text/html' WHEN 'json' THEN 'application/json' WHEN 'telegram' THEN 'application/json'
  WHEN 'eml' THEN 'message/rfc822' END`;
const TEXT_TYPES = ['text/plain', 'text/csv', 'text/html', 'application/json', 'message/rfc822'];

/**
 * An mtime bound as stored (UTC, nine fractional digits), so it compares as a string: a date
 * alone is that whole day (from its first to its last instant), a date-time is read with its
 * offset (or as local time without one).
 */
export function mtimeBound(v: string, end: boolean): string {
  const s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return end ? `${s}T23:59:59.999999999Z` : `${s}T00:00:00.000000000Z`;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new EvidenceError('USAGE', `"${v}" is not a date: give 2024-01-31 or 2024-01-31T18:00:00+07:00.`);
  return d.toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${end ? '999999' : '000000'}Z`);
}

export interface FilterSql {
  /** Conditions on `i`, to AND together (empty: every item). */
  conditions: string[];
  /** Named parameters of the conditions (each name starts with f_, clear of the caller's own). */
  params: Record<string, unknown>;
}

/** The two forms of a folder filter's paths: under a folder ('a/b/…') or in a container ('a/b.zip!/…'). */
export type FolderForm = 'folder' | 'container';

/**
 * Which forms of a folder filter hold rows in the case (a node of the tree is a folder or a
 * container, never both, so usually one): a seek on the (source_id, path) index for each. The
 * filter then names that one range and SQLite walks it alone, instead of an OR of two ranges
 * whose row ids it must gather and deduplicate (120-180 ms at 1,000,000 items to count a folder
 * holding them all). Without a source, or when both hold rows, both forms stay (always exact).
 */
export function folderFormsIn(db: DB, f: ItemFilter): FolderForm[] {
  const both: FolderForm[] = ['folder', 'container'];
  if (f.folder === undefined || f.folder === '' || f.source === undefined) return both;
  const holds = (prefix: string): boolean =>
    db.prepare('SELECT EXISTS (SELECT 1 FROM items WHERE source_id = ? AND path > ? AND path < ?)').pluck().get(f.source, prefix, `${prefix.slice(0, -1)}0`) === 1;
  const forms = both.filter((form) => holds(form === 'folder' ? `${f.folder}/` : `${f.folder}!/`));
  return forms.length ? forms : ['folder'];
}

/**
 * The conditions and parameters of a filter, on the items table aliased `i`. `folderForms`
 * (from folderFormsIn) leaves out a form of the folder filter that holds no rows; `tagProbed`
 * asks for the tag as a probe per item (see below).
 */
export function itemFilterSql(f: ItemFilter, opts: { folderForms?: FolderForm[]; tagProbed?: boolean } = {}): FilterSql {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.type) {
    // "image/jpeg" exactly, or "image/" / "image" for a whole family. A file with no detected
    // type counts as the type its text format implies (a chat export read as text is text/plain).
    const exact = f.type.includes('/') && !f.type.endsWith('/');
    params.f_type = exact ? f.type : f.type.endsWith('/') ? f.type : `${f.type}/`;
    const type = params.f_type as string;
    const test = (col: string): string => (exact ? `${col} = @f_type` : `${col} LIKE @f_type || '%'`);
    // Only a type some text format implies needs the text table: "image/jpeg" stays one index
    // lookup, in id order (no sort of every match for each page).
    const textTyped = TEXT_TYPES.some((t) => (exact ? t === type : t.toLowerCase().startsWith(type.toLowerCase())));
    conditions.push(textTyped ? `(${test('i.mime')} OR (i.mime IS NULL AND i.id IN (SELECT t.item_id FROM item_text t WHERE ${test(TEXT_TYPE_SQL)})))` : test('i.mime'));
  }
  if (f.exhibit) {
    conditions.push('i.source_id IN (SELECT s.id FROM sources s JOIN exhibits e ON e.id = s.exhibit_id WHERE e.number = @f_exhibit)');
    params.f_exhibit = f.exhibit;
  }
  if (f.kind) {
    conditions.push('i.kind = @f_kind');
    params.f_kind = f.kind;
  }
  if (f.tag) {
    // The same rows either way: the list of the tag's items (best when it is short), or a probe
    // of each item in the order's walk (tagProbed: best for a page of a tag on many items, as
    // the walk stops after the page; 0.3 ms against 25-125 ms for a tag on 100,000 of 1,000,000).
    conditions.push(
      opts.tagProbed
        ? 'EXISTS (SELECT 1 FROM item_tags it WHERE it.item_id = i.id AND it.tag_id = @f_tag)'
        : 'i.id IN (SELECT it.item_id FROM item_tags it WHERE it.tag_id = @f_tag)',
    );
    params.f_tag = f.tag;
  }
  if (f.format) {
    conditions.push('i.id IN (SELECT t.item_id FROM item_text t WHERE t.kind = @f_format)');
    params.f_format = f.format;
  }
  if (f.mismatch) conditions.push('i.ext_mismatch = 1');
  if (f.hasGps) conditions.push('i.id IN (SELECT m.item_id FROM metadata m WHERE m.lat IS NOT NULL)');
  // Problems only: an item whose text holds notices alone is not an error (catalogue/issues.ts).
  if (f.errors) conditions.push('((i.error IS NOT NULL AND item_has_problem(i.error)) OR i.id IN (SELECT m.item_id FROM metadata m WHERE m.error IS NOT NULL))');
  if (f.source !== undefined) {
    conditions.push('i.source_id = @f_source');
    params.f_source = f.source;
  }
  if (f.folder !== undefined) folderConditions(f.folder, f.folderDeep === true, conditions, params, opts.folderForms);
  if (f.pathContains) {
    conditions.push('instr(i.path, @f_path) > 0');
    params.f_path = f.pathContains;
  }
  if (f.family) {
    // Images, videos and audio are MIME ranges: name the range so SQLite walks the mime index
    // instead of the whole table (the CASE still decides, e.g. a chat database stays a chat).
    const range = ({ images: 'image', videos: 'video', audio: 'audio' } as Record<string, string>)[f.family];
    if (range) conditions.push(`i.mime >= '${range}/' AND i.mime < '${range}0'`);
    conditions.push(`i.kind = 'file' AND (${FAMILY_SQL}) = @f_family`);
    params.f_family = f.family;
  }
  // Dates: the file's modification time (since/until, or dateFrom/dateTo on mtime), both ends
  // inclusive, compared as the stored UTC strings.
  const mtimeFrom = [f.since, f.dateField !== 'taken_at' ? f.dateFrom : undefined].filter((v): v is string => !!v);
  const mtimeTo = [f.until, f.dateField !== 'taken_at' ? f.dateTo : undefined].filter((v): v is string => !!v);
  mtimeFrom.forEach((v, k) => {
    conditions.push(`i.mtime >= @f_since${k}`);
    params[`f_since${k}`] = mtimeBound(v, false);
  });
  mtimeTo.forEach((v, k) => {
    conditions.push(`i.mtime <= @f_until${k}`);
    params[`f_until${k}`] = mtimeBound(v, true);
  });
  // A photo's taken_at is the camera's wall clock with no zone: compared as written; an end
  // bound includes everything it is a prefix of ('2024-03-31' keeps that whole day).
  if (f.dateField === 'taken_at' && (f.dateFrom || f.dateTo)) {
    const m: string[] = [];
    if (f.dateFrom) {
      m.push('m.taken_at >= @f_takenFrom');
      params.f_takenFrom = f.dateFrom;
    }
    if (f.dateTo) {
      m.push('substr(m.taken_at, 1, length(@f_takenTo)) <= @f_takenTo');
      params.f_takenTo = f.dateTo;
    }
    conditions.push(`i.id IN (SELECT m.item_id FROM metadata m WHERE ${m.join(' AND ')})`);
  }
  for (const [flag, kind] of [[f.knownBad, 'bad'], [f.knownGood, 'good']] as const) {
    if (flag === undefined) continue;
    conditions.push(`${flag ? '' : 'NOT '}EXISTS (SELECT 1 FROM hashset_matches hm JOIN hashsets hs ON hs.id = hm.set_id WHERE hm.item_id = i.id AND hs.kind = '${kind}')`);
  }
  return { conditions, params };
}

/**
 * The items in a folder or container of the tree (catalogue/tree.ts), by path: its direct
 * children (a path with no further '/' after the folder's 'a/b/' or the container's 'a/b.zip!/'),
 * or with `deep` everything under it. Both forms are ranges on the (source_id, path) index; a
 * node is a folder or a container, never both, so at most one range holds rows.
 */
function folderConditions(
  folder: string,
  deep: boolean,
  conditions: string[],
  params: Record<string, unknown>,
  only: FolderForm[] = ['folder', 'container'],
): void {
  if (folder === '') {
    // A source's root: everything (with the source), or the paths with no '/' at all.
    if (!deep) conditions.push("instr(i.path, '/') = 0");
    return;
  }
  const prefixes = [
    ['folder', `${folder}/`],
    ['container', `${folder}!/`],
  ] as const;
  const forms = prefixes.filter(([form]) => only.includes(form)).map(([, prefix], k) => {
    params[`f_folderLo${k}`] = prefix;
    params[`f_folderHi${k}`] = `${prefix.slice(0, -1)}0`;
    const range = `(i.path > @f_folderLo${k} AND i.path < @f_folderHi${k}`;
    // length() and substr() count characters alike, whatever the path's script.
    return deep ? `${range})` : `${range} AND instr(substr(i.path, length(@f_folderLo${k}) + 1), '/') = 0)`;
  });
  conditions.push(forms.length === 1 ? forms[0]! : `(${forms.join(' OR ')})`);
}

/** `WHERE a AND b ...`, or nothing. */
export function whereSql(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}
