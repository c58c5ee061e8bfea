// The catalogue inside the chain of custody (issue 10, part 2). Each ingest event that ends a run
// (ingest.finished, ingest.interrupted) commits a digest of every item row of its source, so an
// item row deleted, edited or added afterwards by editing case.db is caught by verify, which
// recomputes the digest from the rows and names the item and the field that differ.
//
// Design (documented in the README, reproducible with sqlite3 and Python):
// - An item's canonical row is the JSON object (keys sorted, no whitespace, as for custody events)
//   of the values CANONICAL_SQL selects: the item's columns (id, source, path and its raw bytes,
//   size, times, mode, hashes, type, error, nesting, reader facts) and its metadata (time taken,
//   GPS, camera, the metadata JSON). A GPS value (REAL) is written as the 16 hex digits of its
//   IEEE-754 double, big-endian: decimal forms differ between languages (35 or 35.0, 1e-05 or
//   0.00001) and between SQLite versions' printf. leaf = SHA-256(canonical row).
// - A check byte per field: FNV-1a (32-bit, over the code points of the field's JSON text), low
//   8 bits. They are not a security measure (the leaf is): they only tell which fields changed.
// - entry = leaf (32 bytes) + one check byte per field, in FIELDS order.
// - Items are grouped in chunks of CHUNK ids (chunk k holds ids k*CHUNK+1 .. (k+1)*CHUNK);
//   chunk hash = SHA-256 of the entries of the source's items in that chunk, in id order.
// - root = SHA-256 of, for each non-empty chunk in order, its number (4 bytes, big-endian)
//   followed by its hash.
// The event's details carry { items, firstId, lastId, root, chunkSize, chunks: [[k, first 16 hex
// of the chunk hash], ...] }. Detection rests on the root alone (a full SHA-256 over every row).
// Naming needs more than a root: the entries are also written to catalogue_leaves. Verify
// recomputes each chunk from the rows; where one differs from the event, it hashes the stored
// entries of that chunk: if they give the chunk hash the event committed, they are exactly what
// the ingest recorded, and comparing them with the recomputed entries names every item deleted,
// added or changed, and the changed fields (by their check bytes). If the stored entries were
// altered too, verify can only say which range of 1,024 ids holds the change. Cost: one entry of
// about 75 bytes per item in case.db, and one pass over the rows at the end of an ingest and in
// verify (a few seconds per million items); the event grows by ~25 bytes per 1,024 items.
import { createHash } from 'node:crypto';
import type { DB } from '../db/open.ts';

export const CHUNK = 1024;
export const DIGEST_VERSION = 1;

/** The canonical fields, with the SQL that reads each and how verify names it. */
const FIELD_DEFS: readonly (readonly [name: string, sql: string, label: string])[] = [
  ['id', 'i.id', 'id'],
  ['source', 'i.source_id', 'source'],
  ['path', 'i.path', 'path'],
  ['path_raw', 'CASE WHEN i.path_raw IS NULL THEN NULL ELSE lower(hex(i.path_raw)) END', 'path bytes'],
  ['name', 'i.name', 'name'],
  ['ext', 'i.ext', 'extension'],
  ['kind', 'i.kind', 'kind'],
  ['size', 'i.size', 'size'],
  ['mode', 'i.mode', 'mode'],
  ['uid', 'i.uid', 'owner (uid)'],
  ['gid', 'i.gid', 'group (gid)'],
  ['inode', 'i.inode', 'inode'],
  ['mtime', 'i.mtime', 'modified time'],
  ['ctime', 'i.ctime', 'changed time'],
  ['atime', 'i.atime', 'accessed time'],
  ['birthtime', 'i.birthtime', 'created time'],
  ['link_target', 'i.link_target', 'link target'],
  ['md5', 'i.md5', 'MD5'],
  ['sha1', 'i.sha1', 'SHA-1'],
  ['sha256', 'i.sha256', 'SHA-256'],
  ['mime', 'i.mime', 'type'],
  ['detected_ext', 'i.detected_ext', 'detected extension'],
  ['ext_mismatch', 'i.ext_mismatch', 'extension mismatch'],
  ['error', 'i.error', 'error'],
  ['parent_id', 'i.parent_id', 'parent item'],
  ['depth', 'i.depth', 'nesting depth'],
  ['container', 'i.container', 'container kind'],
  ['extra', 'i.extra', 'reader facts'],
  ['has_metadata', 'CASE WHEN m.item_id IS NULL THEN 0 ELSE 1 END', 'metadata record'],
  ['taken_at', 'm.taken_at', 'time taken'],
  ['lat', 'm.lat', 'GPS latitude'],
  ['lon', 'm.lon', 'GPS longitude'],
  ['alt', 'm.alt', 'GPS altitude'],
  ['make', 'm.make', 'camera make'],
  ['model', 'm.model', 'camera model'],
  ['orientation', 'm.orientation', 'orientation'],
  ['metadata', 'm.json', 'metadata'],
  ['metadata_error', 'm.error', 'metadata error'],
];

/** Field names in canonical (code point) order: the order of the JSON keys and of the check bytes. */
export const FIELDS: readonly string[] = FIELD_DEFS.map((f) => f[0]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const LABEL = new Map(FIELD_DEFS.map((f) => [f[0], f[2]]));
const SQL_OF = new Map(FIELD_DEFS.map((f) => [f[0], f[1]]));
export const ENTRY_BYTES = 32 + FIELDS.length;

/**
 * The canonical values of a page of a source's items, oldest id first (exported for the README
 * recipe and tests). `+i.source_id` keeps SQLite on the rowid range: the (source_id, path) index
 * would make every page a sort of the whole source.
 */
export const CANONICAL_SQL = `SELECT ${FIELDS.map((f) => `${SQL_OF.get(f)!} AS "${f}"`).join(', ')}
  FROM items i LEFT JOIN metadata m ON m.item_id = i.id WHERE +i.source_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`;

const KEY_PREFIX = FIELDS.map((f) => `${JSON.stringify(f)}:`);
/** Fields read as REAL (GPS): canonical as the hex of the double. */
const REAL = new Set(['lat', 'lon', 'alt']);
const IS_REAL = FIELDS.map((f) => REAL.has(f));
const f64 = Buffer.alloc(8);

/** FNV-1a, 32-bit, over the code points of s. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
      }
    }
    h = Math.imul(h ^ c, 0x01000193) >>> 0;
  }
  return h;
}

function jsonValue(v: unknown, real = false): string {
  if (v === null || v === undefined) return 'null';
  if (real && typeof v === 'number') {
    f64.writeDoubleBE(v);
    return `"${f64.toString('hex')}"`;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return JSON.stringify(`x'${v.toString('hex')}'`); // a BLOB where text was expected: only ever by tampering
  return JSON.stringify(v);
}

export interface ItemEntry {
  id: number;
  entry: Buffer;
}

/** The canonical JSON of one row as CANONICAL_SQL returned it. */
export function canonicalRow(row: Record<string, unknown>): string {
  const parts: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) parts.push(KEY_PREFIX[i]! + jsonValue(row[FIELDS[i]!], IS_REAL[i]));
  return `{${parts.join(',')}}`;
}

/** An item's entry: its leaf and one check byte per field. */
export function entryOf(row: Record<string, unknown>): Buffer {
  const out = Buffer.allocUnsafe(ENTRY_BYTES);
  const parts: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const text = jsonValue(row[FIELDS[i]!], IS_REAL[i]);
    parts.push(KEY_PREFIX[i]! + text);
    out[32 + i] = fnv1a(text) & 0xff;
  }
  createHash('sha256').update(`{${parts.join(',')}}`, 'utf8').digest().copy(out, 0);
  return out;
}

export const chunkOf = (id: number): number => Math.floor((id - 1) / CHUNK);
export const chunkRange = (k: number): [number, number] => [k * CHUNK + 1, (k + 1) * CHUNK];

export function chunkHash(entries: readonly Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const e of entries) h.update(e);
  return h.digest();
}

function rootOf(chunks: readonly [number, Buffer][]): string {
  const h = createHash('sha256');
  const k4 = Buffer.alloc(4);
  for (const [k, c] of chunks) {
    k4.writeUInt32BE(k);
    h.update(k4);
    h.update(c);
  }
  return h.digest('hex');
}

/** What an ingest event commits about its source's rows. */
export interface CatalogueDigest {
  version: number;
  items: number;
  firstId: number | null;
  lastId: number | null;
  chunkSize: number;
  root: string;
  /** [chunk number, first 16 hex of its hash] for every non-empty chunk. */
  chunks: [number, string][];
}

const PAGE = 4096;

/**
 * Reads the source's rows (ids up to `upTo`) a page at a time, calling `each` with the id and
 * entry of every row in id order. Each page is read whole (no statement stays open), so `each`
 * may write to the database.
 */
export function forEachEntry(db: DB, sourceId: number, each: (id: number, entry: Buffer) => void, upTo = Number.MAX_SAFE_INTEGER, from = 0): void {
  const page = db.prepare(CANONICAL_SQL);
  let after = from > 0 ? from : ((db.prepare('SELECT MIN(id) AS m FROM items WHERE source_id = ?').get(sourceId) as { m: number | null }).m ?? 1) - 1;
  for (;;) {
    const rows = page.all(sourceId, after, PAGE) as Record<string, unknown>[];
    for (const r of rows) {
      const id = Number(r.id);
      if (id > upTo) return;
      each(id, entryOf(r));
    }
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** Folds entries (in id order) into chunk hashes and the root. */
export class DigestBuilder {
  private readonly chunks: [number, Buffer][] = [];
  private current = -1;
  private pending: Buffer[] = [];
  items = 0;
  firstId: number | null = null;
  lastId: number | null = null;
  /** Called with each finished chunk (its number, entries by id and hash). */
  onChunk: ((k: number, entries: ItemEntry[], hash: Buffer) => void) | null = null;
  private pendingIds: number[] = [];

  add(id: number, entry: Buffer): void {
    const k = chunkOf(id);
    if (k !== this.current) this.flush(k);
    this.pending.push(entry);
    this.pendingIds.push(id);
    this.items++;
    this.firstId ??= id;
    this.lastId = id;
  }

  private flush(next: number): void {
    if (this.pending.length) {
      const h = chunkHash(this.pending);
      this.chunks.push([this.current, h]);
      this.onChunk?.(
        this.current,
        this.pendingIds.map((id, i) => ({ id, entry: this.pending[i]! })),
        h,
      );
    }
    this.current = next;
    this.pending = [];
    this.pendingIds = [];
  }

  finish(): CatalogueDigest {
    this.flush(-1);
    return this.digest(this.chunks);
  }

  /** The digest of what was added so far, leaving the builder as it was (more may be added). */
  snapshot(): CatalogueDigest {
    return this.digest(this.pending.length ? [...this.chunks, [this.current, chunkHash(this.pending)]] : this.chunks);
  }

  private digest(chunks: readonly [number, Buffer][]): CatalogueDigest {
    return {
      version: DIGEST_VERSION,
      items: this.items,
      firstId: this.firstId,
      lastId: this.lastId,
      chunkSize: CHUNK,
      root: rootOf(chunks),
      chunks: chunks.map(([k, h]) => [k, h.toString('hex').slice(0, 16)]),
    };
  }
}

/**
 * Computes the digest of every row of a source, writes its entries to catalogue_leaves, and
 * returns what the ending ingest event carries. Call inside the transaction that appends that
 * event, so the entries and the event are written together or not at all.
 */
export function commitCatalogue(db: DB, sourceId: number, running?: RunningDigest | null): CatalogueDigest {
  const kept = running?.current();
  if (kept) return kept;
  const put = db.prepare('INSERT OR REPLACE INTO catalogue_leaves (item_id, source_id, entry) VALUES (?, ?, ?)');
  const b = new DigestBuilder();
  forEachEntry(db, sourceId, (id, entry) => {
    b.add(id, entry);
    put.run(id, sourceId, entry);
  });
  return b.finish();
}

/**
 * The same digest, kept as the ingest commits its rows (issue 11): a pass over every row at the
 * end of a run held the main thread there for seconds per hundred thousand items. The rows of
 * each batch are read back (CANONICAL_SQL, from the last id folded) inside the transaction that
 * wrote them, their entries written to catalogue_leaves and folded in id order, so the ending
 * event takes the digest as it stands. The definition is unchanged: the entries are computed from
 * the rows as stored, exactly as commitCatalogue computes them. On a resume the first fold takes
 * the interrupted run's rows too. Anything that could leave it behind the rows (a batch's
 * transaction that failed, a row changed after it was written) marks it stale, and the end then
 * makes the full pass, as does any difference between the rows' count and id range and its own.
 */
export class RunningDigest {
  private readonly db: DB;
  private readonly sourceId: number;
  private readonly builder = new DigestBuilder();
  private folded = 0;
  private stale = false;
  private readonly put;

  constructor(db: DB, sourceId: number) {
    this.db = db;
    this.sourceId = sourceId;
    this.put = db.prepare('INSERT OR REPLACE INTO catalogue_leaves (item_id, source_id, entry) VALUES (?, ?, ?)');
  }

  /** Folds the source's rows written since the last fold; call inside the transaction that wrote them. */
  fold(): void {
    if (this.stale) return;
    forEachEntry(
      this.db,
      this.sourceId,
      (id, entry) => {
        this.builder.add(id, entry);
        this.put.run(id, this.sourceId, entry);
        this.folded = id;
      },
      Number.MAX_SAFE_INTEGER,
      this.folded,
    );
  }

  /** The rows may no longer be what was folded (a failed transaction, a row updated): the end makes the full pass. */
  invalidate(): void {
    this.stale = true;
  }

  /** The digest of the rows as they stand, or null when the full pass must make it. */
  current(): CatalogueDigest | null {
    if (this.stale) return null;
    const rows = this.db.prepare('SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi FROM items WHERE source_id = ?').get(this.sourceId) as {
      n: number;
      lo: number | null;
      hi: number | null;
    };
    const b = this.builder;
    if (rows.n !== b.items || rows.lo !== b.firstId || rows.hi !== b.lastId) return null;
    return b.snapshot();
  }
}

/** Names of the fields whose check bytes differ between two entries. */
export function changedFields(recorded: Buffer, now: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    if (recorded[32 + i] !== now[32 + i]) out.push(LABEL.get(FIELDS[i]!) ?? FIELDS[i]!);
  }
  return out;
}

/** A digest as found in an event's details, or null if it is not one. */
export function parseDigest(v: unknown): CatalogueDigest | null {
  if (v === null || typeof v !== 'object') return null;
  const d = v as Partial<CatalogueDigest>;
  if (typeof d.root !== 'string' || typeof d.items !== 'number' || !Array.isArray(d.chunks)) return null;
  return {
    version: Number(d.version ?? 1),
    items: d.items,
    firstId: typeof d.firstId === 'number' ? d.firstId : null,
    lastId: typeof d.lastId === 'number' ? d.lastId : null,
    chunkSize: Number(d.chunkSize ?? CHUNK),
    root: d.root,
    chunks: d.chunks.filter((c): c is [number, string] => Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'string'),
  };
}

/** An ingest event that committed a digest of its source's rows. */
export interface Commitment {
  seq: number;
  action: string;
  digest: CatalogueDigest;
}

export interface CatalogueProblem {
  /** The committing event the rows were compared with. */
  seq: number;
  message: string;
}

/** At most this many items named per source; the rest are counted. */
const MAX_NAMED = 100;

function listIds(ids: number[]): string {
  return ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${ids.length - 10} more`;
}

function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Compares a source's rows with what its ingest events committed. `commitments` are in log
 * order; the last one covers every row the source had when it was made, earlier ones (an
 * interrupted run) the rows of their time. `open` is true when a later ingest.started or
 * ingest.resumed has not been committed yet (a run under way, or stopped by a crash): rows after
 * the last commitment are then not yet in the chain, and not a problem.
 */
export function checkSource(db: DB, sourceId: number, commitments: readonly Commitment[], open: boolean): { problems: CatalogueProblem[]; uncommitted: number } {
  const latest = commitments[commitments.length - 1]!;
  const older = commitments.slice(0, -1);
  const d = latest.digest;
  const lastId = d.lastId ?? 0;
  const recordedChunks = new Map(d.chunks.map(([k, h]) => [k, h]));
  const by = `the ingest of source ${sourceId} recorded (event ${latest.seq})`;
  const ev = `(event ${latest.seq})`;
  const problems: CatalogueProblem[] = [];
  let named = 0;
  let unnamed = 0;
  const name = (message: string): void => {
    if (named < MAX_NAMED) {
      problems.push({ seq: latest.seq, message });
      named++;
    } else unnamed++;
  };

  // One pass over the rows: the latest commitment's chunks (keeping the entries of any chunk that
  // differs, to name its items), each older commitment's chunks over the rows of its time, and
  // the rows after the latest commitment.
  const builder = new DigestBuilder();
  const differing = new Map<number, ItemEntry[]>();
  builder.onChunk = (k, entries, hash) => {
    if (recordedChunks.get(k) !== hash.toString('hex').slice(0, 16)) differing.set(k, entries);
  };
  const olderBuilders = older.map((c) => {
    const b = new DigestBuilder();
    const bad = new Set<number>();
    const rec = new Map(c.digest.chunks.map(([k, h]) => [k, h]));
    b.onChunk = (k, _e, hash) => {
      if (rec.get(k) !== hash.toString('hex').slice(0, 16)) bad.add(k);
    };
    return { c, b, bad, rec };
  });
  const beyond: number[] = [];
  forEachEntry(db, sourceId, (id, entry) => {
    if (id > lastId) {
      beyond.push(id);
      return;
    }
    builder.add(id, entry);
    for (const o of olderBuilders) if (id <= (o.c.digest.lastId ?? 0)) o.b.add(id, entry);
  });
  const now = builder.finish();
  const nowChunks = new Set(now.chunks.map(([j]) => j));
  for (const [k] of d.chunks) if (!nowChunks.has(k)) differing.set(k, []);

  const itemSource = db.prepare('SELECT source_id FROM items WHERE id = ?');
  const stored = db.prepare('SELECT item_id, entry FROM catalogue_leaves WHERE source_id = ? AND item_id BETWEEN ? AND ? ORDER BY item_id');
  for (const k of [...differing.keys()].sort((a, b) => a - b)) {
    const current = differing.get(k)!;
    const [lo, hi] = chunkRange(k);
    const top = Math.min(hi, lastId);
    // What the ingest recorded for this chunk: nothing, if the event has no such chunk; else the
    // stored entries, if they still hash to what the event committed.
    let recorded: ItemEntry[] | null;
    if (!recordedChunks.has(k)) recorded = [];
    else {
      const rows = (stored.all(sourceId, lo, top) as { item_id: number; entry: Buffer }[]).map((r) => ({ id: r.item_id, entry: r.entry }));
      recorded = chunkHash(rows.map((r) => r.entry)).toString('hex').slice(0, 16) === recordedChunks.get(k) ? rows : null;
    }
    if (recorded === null) {
      name(
        `an item among ids ${lo}-${top} of source ${sourceId} was deleted, added or changed since the ingest of source ${sourceId} recorded them ${ev}; the record of those ids in catalogue_leaves was altered too, so which one cannot be said`,
      );
      continue;
    }
    const was = new Map(recorded.map((r) => [r.id, r.entry]));
    const is = new Map(current.map((r) => [r.id, r.entry]));
    for (const id of [...new Set([...was.keys(), ...is.keys()])].sort((a, b) => a - b)) {
      const w = was.get(id);
      const n = is.get(id);
      if (w && !n) {
        const moved = itemSource.get(id) as { source_id: number } | undefined;
        name(
          moved
            ? `item ${id}: moved to source ${moved.source_id}, though the ingest of source ${sourceId} recorded it there ${ev}`
            : `item ${id}: deleted from the catalogue, though the ingest of source ${sourceId} recorded it ${ev}`,
        );
      } else if (n && !w) {
        name(`item ${id}: added to source ${sourceId} after its ingest recorded the source's rows ${ev}`);
      } else if (w && n && !w.subarray(0, 32).equals(n.subarray(0, 32))) {
        const fields = changedFields(w, n);
        name(
          fields.length
            ? `item ${id}: ${joinWords(fields)} ${fields.length === 1 ? 'differs' : 'differ'} from what ${by}`
            : `item ${id}: its catalogue row differs from what ${by}`,
        );
      }
    }
  }
  if (now.root !== d.root && differing.size === 0) {
    name(`the rows of source ${sourceId} differ from what ${by} (${now.items} items now, ${d.items} recorded), in no one range of ids that can be named`);
  }

  // Older commitments (an interrupted run, later resumed): rows of their time changed before the
  // latest commitment, where the latest one did not already name the change.
  for (const o of olderBuilders) {
    const got = o.b.finish();
    const gotChunks = new Set(got.chunks.map(([j]) => j));
    for (const [k] of o.c.digest.chunks) if (!gotChunks.has(k)) o.bad.add(k);
    const fresh = [...o.bad].filter((k) => !differing.has(k)).sort((a, b) => a - b);
    for (const k of fresh) {
      const [lo, hi] = chunkRange(k);
      name(
        `an item among ids ${lo}-${Math.min(hi, o.c.digest.lastId ?? hi)} of source ${sourceId} was deleted, added or changed after the interrupted ingest recorded it (event ${o.c.seq}) and before event ${latest.seq}`,
      );
    }
    if (got.root !== o.c.digest.root && o.bad.size === 0) {
      name(`the rows of source ${sourceId} differ from what the interrupted ingest recorded (event ${o.c.seq})`);
    }
  }

  if (beyond.length && !open) {
    name(`item ${listIds(beyond)}: added to source ${sourceId} after its ingest recorded the source's ${d.items} rows ${ev}`);
  }
  if (unnamed) problems.push({ seq: latest.seq, message: `… and ${unnamed} more items of source ${sourceId} differ from what its ingest recorded` });
  return { problems, uncommitted: open ? beyond.length : 0 };
}
