// `evidence export`: a bundle for prosecutors (DESIGN.md section 6, issue 13). The selected items'
// stored copies are streamed into files/ (one read of each store object: the three hashes are
// computed over the bytes as they are written, and must match the catalogue), then the documents
// that describe and protect them are written, and the exporting officer signs the lot.
//
// Order of work, and why:
// 1. files/ — each copy hashed as written (memory bounded by one 1 MiB chunk, whatever the size).
// 2. SHA256SUMS, hashdeep.txt, README.txt — from the hashes of step 1.
// 3. The custody event bundle.exported (its details fix the bundle id, the items and the SHA-256
//    of SHA256SUMS), then a signed checkpoint whose head is that event, with its receipts.
// 4. manifest.json (naming the checkpoint), custody.jsonl (the chain from the first event up to
//    that head: see custodyExcerpt), receipts.jsonl, the rendered documents.
// 5. checkpoint.json: the statement that fixes every document by SHA-256 and carries the custody
//    checkpoint; checkpoint.sig (Ed25519, raw 64 bytes) and signer.pub (PEM).
// Everything is written under a temporary name beside the destination and renamed into place at
// the end, so a bundle that exists is a finished one.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import type { Case } from '../case.ts';
import { canonicalJson } from '../custody/canonical.ts';
import { makeCheckpoint } from '../custody/checkpoint.ts';
import { collectReceipts, receiptCode, receiptLine } from '../custody/receipts.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { TripleHash } from '../hashes.ts';
import { keyFingerprint, publicKeyPem } from '../officers/crypto.ts';
import { requirePermission, type SignedIn } from '../officers/accounts.ts';
import { searchItemIds } from '../search/search.ts';
import { stamp } from '../time.ts';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_STATEMENT_TYPE,
  type BundleExhibit,
  type BundleItem,
  type BundleOfficer,
  type BundleSelection,
  type BundleStatement,
  type CustodyLine,
  type Language,
  type Manifest,
  manifestSchema,
} from './manifest.ts';
import { readmeText } from './readme.ts';
import { loadModule, RENDERERS } from './renderers.ts';
import { SafeNamer } from './safeNames.ts';
import { ZipWriter } from './zipWriter.ts';
import type { ExportProgress, ExportResult } from '../../shared/outputs.ts';

const CHUNK = 1024 * 1024;

export interface ExportSelection {
  tags?: string[];
  exhibits?: string[];
  search?: string | null;
  ids?: number[];
  all?: boolean;
}

export interface ExportOptions {
  selection: ExportSelection;
  /** The bundle folder to create, or with `zip` the ZIP file (".zip" added when missing). */
  out: string;
  zip?: boolean;
  lang?: Language;
  /** The signer's session began here (their checkpoint vouches for their events from there). */
  fromSeq?: number;
  receiptsDir?: string | null;
  appVersion?: string;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** Tests: force ZIP64 records on a small ZIP. */
  forceZip64?: boolean;
}

// The progress and the result are the contract's (src/shared/outputs.ts): the export runs as a job.
export type { ExportProgress, ExportResult };

// ---------------------------------------------------------------------------------------------
// Where the bytes go: a folder or a ZIP. Names are bundle paths with '/'.

interface Sink {
  begin(name: string, size: number): Promise<{ write(chunk: Uint8Array): Promise<void>; end(): Promise<void> }>;
  add(name: string, data: string | Uint8Array): Promise<void>;
  /** Makes the finished bundle appear at its final path. */
  finish(): Promise<void>;
  abandon(): Promise<void>;
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) done += (await fh.write(chunk, done, chunk.byteLength - done)).bytesWritten;
}

/** How many written files are fsynced at once when a folder bundle is finished. */
const SYNC_AT_ONCE = 16;

class FolderSink implements Sink {
  private readonly tmp: string;
  private readonly final: string;
  /** Files written and closed, not yet synced: all are synced before the bundle appears. */
  private readonly unsynced: string[] = [];
  constructor(tmp: string, final: string) {
    this.tmp = tmp;
    this.final = final;
  }
  static async create(final: string): Promise<FolderSink> {
    const tmp = join(dirname(final), `.${basename(final)}.partial-${process.pid}-${Date.now()}`);
    await mkdir(join(tmp, 'files'), { recursive: true });
    return new FolderSink(tmp, final);
  }
  async begin(name: string, size: number) {
    const path = join(this.tmp, ...name.split('/'));
    const fh = await open(path, 'wx', 0o644);
    let written = 0;
    return {
      write: async (chunk: Uint8Array) => {
        written += chunk.byteLength;
        await writeAll(fh, chunk);
      },
      end: async () => {
        try {
          if (written !== size) throw new Error(`${name}: ${written} bytes written, ${size} expected`);
        } finally {
          await fh.close();
        }
        this.unsynced.push(path);
      },
    };
  }
  async add(name: string, data: string | Uint8Array): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const w = await this.begin(name, buf.byteLength);
    await w.write(buf);
    await w.end();
  }
  async finish(): Promise<void> {
    // One fsync per file, many at once rather than one after another as each file ends: the
    // disk (and the file system's journal) then commits them together, which is most of an export
    // of many small files. The bundle still appears at its name only once every byte is durable.
    const paths = this.unsynced.splice(0);
    let next = 0;
    const syncer = async () => {
      while (next < paths.length) await syncFile(paths[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(SYNC_AT_ONCE, paths.length) }, syncer));
    await syncDir(join(this.tmp, 'files'));
    await syncDir(this.tmp);
    await rename(this.tmp, this.final);
    await syncDir(dirname(this.final));
  }
  async abandon(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
  }
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

class ZipSink implements Sink {
  private readonly zip: ZipWriter;
  private readonly tmp: string;
  private readonly final: string;
  private readonly prefix: string;
  constructor(zip: ZipWriter, tmp: string, final: string) {
    this.zip = zip;
    this.tmp = tmp;
    this.final = final;
    // Everything inside one folder named like the ZIP, so unzipping never spills files around.
    this.prefix = `${basename(final).replace(/\.zip$/i, '')}/`;
  }
  static async create(final: string, forceZip64: boolean): Promise<ZipSink> {
    const tmp = join(dirname(final), `.${basename(final)}.partial-${process.pid}-${Date.now()}`);
    return new ZipSink(await ZipWriter.create(tmp, { forceZip64 }), tmp, final);
  }
  begin(name: string, size: number) {
    return this.zip.begin(this.prefix + name, size);
  }
  add(name: string, data: string | Uint8Array): Promise<void> {
    return this.zip.add(this.prefix + name, data);
  }
  async finish(): Promise<void> {
    await this.zip.close();
    await rename(this.tmp, this.final);
    await syncDir(dirname(this.final));
  }
  async abandon(): Promise<void> {
    await this.zip.abandon();
    await rm(this.tmp, { force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    /* some file systems refuse fsync on a folder; the files themselves were synced */
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Selection

function describeSelection(s: ExportSelection): string {
  const parts: string[] = [];
  if (s.all) parts.push('every file in the case');
  if (s.tags?.length) parts.push(`tag${s.tags.length > 1 ? 's' : ''} ${s.tags.join(', ')}`);
  if (s.exhibits?.length) parts.push(`exhibit${s.exhibits.length > 1 ? 's' : ''} ${s.exhibits.join(', ')}`);
  if (s.search) parts.push(`search "${s.search}"`);
  if (s.ids?.length) parts.push(`item${s.ids.length > 1 ? 's' : ''} ${s.ids.length > 20 ? `${s.ids.slice(0, 20).join(', ')}, …` : s.ids.join(', ')}`);
  return parts.join('; ');
}

/** The ids of the items selected (the union of the criteria), in id order. */
export function selectItems(kase: Case, s: ExportSelection): number[] {
  const db = kase.db;
  const ids = new Set<number>();
  if (!s.all && !s.tags?.length && !s.exhibits?.length && !s.search && !s.ids?.length) {
    throw new EvidenceError('USAGE', 'Say what to export: --tag, --exhibit, --search, --ids or --all.');
  }
  if (s.all) for (const r of db.prepare("SELECT id FROM items WHERE kind = 'file'").iterate() as IterableIterator<{ id: number }>) ids.add(r.id);
  for (const t of s.tags ?? []) {
    if (!db.prepare('SELECT 1 FROM tags WHERE id = ?').get(t)) throw new EvidenceError('NOT_FOUND', `There is no tag "${t}" in this case. List the tags with: evidence tags <case>`);
    for (const r of db.prepare('SELECT item_id AS id FROM item_tags WHERE tag_id = ?').iterate(t) as IterableIterator<{ id: number }>) ids.add(r.id);
  }
  for (const x of s.exhibits ?? []) {
    if (!db.prepare('SELECT 1 FROM exhibits WHERE number = ?').get(x)) throw new EvidenceError('NOT_FOUND', `There is no exhibit "${x}" in this case. List them with: evidence exhibit list <case>`);
    for (const r of db
      .prepare("SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id JOIN exhibits e ON e.id = s.exhibit_id WHERE e.number = ? AND i.kind = 'file'")
      .iterate(x) as IterableIterator<{ id: number }>) {
      ids.add(r.id);
    }
  }
  if (s.search) for (const id of searchItemIds(db, s.search)) ids.add(id);
  for (const id of s.ids ?? []) {
    if (!db.prepare('SELECT 1 FROM items WHERE id = ?').get(id)) throw new EvidenceError('NOT_FOUND', `There is no item ${id} in this case. List items with: evidence ls <case>`);
    ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Reading the case

interface ItemRow {
  id: number;
  source_id: number;
  path: string;
  path_raw: Buffer | null;
  name: string;
  kind: string;
  size: number | null;
  mode: number | null;
  mtime: string | null;
  ctime: string | null;
  atime: string | null;
  birthtime: string | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  mime: string | null;
  detected_ext: string | null;
  ext_mismatch: number;
  error: string | null;
  parent_id: number | null;
  extra: string | null;
  exhibit: string | null;
  source_kind: string;
}

function parseJson(s: string | null): Record<string, unknown> | null {
  if (!s) return null;
  try {
    const v = JSON.parse(s) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function raw(b: Uint8Array): { hex: string; base64: string } {
  const buf = Buffer.from(b);
  return { hex: buf.toString('hex'), base64: buf.toString('base64') };
}

/** The last '/'-separated part of a path's bytes (the name as the device stored it). */
function lastSegment(b: Buffer): Buffer {
  const i = b.lastIndexOf(0x2f);
  return i < 0 ? b : b.subarray(i + 1);
}

function timesFrom(r: ItemRow, extra: Record<string, unknown> | null): string {
  if (typeof extra?.['timesFrom'] === 'string') return extra['timesFrom'];
  if (r.parent_id !== null) return 'archive entry (as the container recorded it)';
  if (r.source_kind === 'folder') return 'file system of the export (as read at ingest)';
  return `${r.source_kind} entry (as the container recorded it)`;
}

function itemEntry(kase: Case, r: ItemRow, file: string): Omit<BundleItem, 'md5' | 'sha1' | 'sha256' | 'size'> {
  const db = kase.db;
  const extra = parseJson(r.extra);
  const pathBytes = r.path_raw ? Buffer.from(r.path_raw) : Buffer.from(r.path, 'utf8');
  const md = db.prepare('SELECT * FROM metadata WHERE item_id = ?').get(r.id) as
    | { taken_at: string | null; lat: number | null; lon: number | null; alt: number | null; make: string | null; model: string | null; orientation: number | null; json: string | null; error: string | null }
    | undefined;
  const text = db.prepare('SELECT kind, encoding, chars FROM item_text WHERE item_id = ?').get(r.id) as { kind: string; encoding: string | null; chars: number } | undefined;
  const container = extra && typeof extra['containerTimes'] === 'object' && extra['containerTimes'] !== null ? (extra['containerTimes'] as Record<string, unknown>) : null;
  const reported = extra && typeof extra['reportedHashes'] === 'object' && extra['reportedHashes'] !== null ? (extra['reportedHashes'] as Record<string, string>) : null;
  return {
    id: r.id,
    file,
    name: r.name,
    nameBytes: raw(r.path_raw ? lastSegment(Buffer.from(r.path_raw)) : Buffer.from(r.name, 'utf8')),
    devicePath: r.path,
    devicePathBytes: raw(pathBytes),
    foundAt: typeof extra?.['foundAt'] === 'string' ? extra['foundAt'] : null,
    exhibit: r.exhibit,
    sourceId: r.source_id,
    mime: r.mime,
    detectedExt: r.detected_ext,
    extMismatch: r.ext_mismatch === 1,
    mode: r.mode,
    times: { modified: r.mtime, changed: r.ctime, accessed: r.atime, created: r.birthtime, from: timesFrom(r, extra), container },
    metadata: md
      ? {
          takenAt: md.taken_at,
          gps: md.lat !== null && md.lon !== null ? { lat: md.lat, lon: md.lon, alt: md.alt } : null,
          make: md.make,
          model: md.model,
          orientation: md.orientation,
          fields: parseJson(md.json),
          error: md.error,
        }
      : null,
    tags: (db.prepare('SELECT tag_id, officer, at_utc, comment FROM item_tags WHERE item_id = ? ORDER BY at_utc, tag_id').all(r.id) as { tag_id: string; officer: string; at_utc: string; comment: string | null }[]).map(
      (t) => ({ tag: t.tag_id, officer: t.officer, at: t.at_utc, comment: t.comment }),
    ),
    notes: (
      db.prepare('SELECT * FROM notes WHERE item_id = ? ORDER BY id').all(r.id) as {
        id: number;
        officer: string;
        text: string;
        at_utc: string;
        deleted_at: string | null;
        deleted_by: string | null;
        deleted_reason: string | null;
      }[]
    ).map((n) => ({
      id: n.id,
      officer: n.officer,
      text: n.text,
      at: n.at_utc,
      removed: n.deleted_at ? { at: n.deleted_at, by: n.deleted_by ?? '', reason: n.deleted_reason } : null,
    })),
    acceptedSuggestions: (
      db.prepare("SELECT * FROM suggestions WHERE item_id = ? AND status = 'accepted' ORDER BY id").all(r.id) as {
        id: number;
        tag_id: string;
        rule_id: string;
        score: number;
        evidence: string;
        decided_by: string | null;
        decided_at: string | null;
        comment: string | null;
      }[]
    ).map((s) => ({
      id: s.id,
      tag: s.tag_id,
      rule: s.rule_id,
      score: s.score,
      evidence: parseJson(s.evidence) ?? s.evidence,
      decidedBy: s.decided_by,
      decidedAt: s.decided_at,
      comment: s.comment,
    })),
    hashMatches: (
      db.prepare('SELECT h.name, h.kind, m.algo FROM hashset_matches m JOIN hashsets h ON h.id = m.set_id WHERE m.item_id = ? ORDER BY h.name').all(r.id) as {
        name: string;
        kind: 'good' | 'bad';
        algo: string;
      }[]
    ).map((m) => ({ set: m.name, kind: m.kind, algo: m.algo })),
    text: text ? { kind: text.kind, encoding: text.encoding, chars: text.chars } : null,
    reportedHashes: reported,
  };
}

function officersOf(kase: Case): BundleOfficer[] {
  const db = kase.db;
  const keys = db.prepare('SELECT public_key, officer, created_at FROM officer_keys ORDER BY created_at, rowid').all() as { public_key: string; officer: string; created_at: string }[];
  return (
    db.prepare('SELECT name, role, status, badge, unit, secrets FROM officers ORDER BY name').all() as {
      name: string;
      role: BundleOfficer['role'];
      status: BundleOfficer['status'];
      badge: string | null;
      unit: string | null;
      secrets: string | null;
    }[]
  ).map((o) => {
    let current: string | null = null;
    try {
      current = o.secrets ? keyFingerprint((JSON.parse(o.secrets) as { publicKey: string }).publicKey) : null;
    } catch {
      current = null;
    }
    return {
      name: o.name,
      role: o.role,
      status: o.status,
      badge: o.badge,
      unit: o.unit,
      keyFingerprint: current,
      keys: keys.filter((k) => k.officer === o.name).map((k) => ({ fingerprint: keyFingerprint(k.public_key), since: k.created_at })),
    };
  });
}

function exhibitsOf(kase: Case, numbers: Set<string>): BundleExhibit[] {
  const db = kase.db;
  const out: BundleExhibit[] = [];
  for (const e of db.prepare('SELECT * FROM exhibits ORDER BY number').all() as Record<string, unknown>[]) {
    if (!numbers.has(e.number as string)) continue;
    const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    out.push({
      id: e.id as number,
      number: e.number as string,
      description: s(e.description),
      seal: { number: s(e.seal_number), sealed: e.sealed === 1 },
      device: { make: s(e.device_make), model: s(e.device_model), serial: s(e.serial), imei: s(e.imei) },
      condition: s(e.condition),
      seizedBy: s(e.seized_by),
      seizedAt: s(e.seized_at),
      seizedWhere: s(e.seized_where),
      custodian: s(e.custodian),
      createdAt: e.created_at as string,
      createdBy: e.created_by as string,
      sources: (
        db.prepare('SELECT id, kind, root_path, officer, started_at, finished_at, status FROM sources WHERE exhibit_id = ? ORDER BY id').all(e.id) as {
          id: number;
          kind: string;
          root_path: string;
          officer: string;
          started_at: string;
          finished_at: string | null;
          status: string;
        }[]
      ).map((x) => ({ id: x.id, kind: x.kind, rootPath: x.root_path, officer: x.officer, startedAt: x.started_at, finishedAt: x.finished_at, status: x.status })),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The custody excerpt

/**
 * Whether an event is given in full in the bundle: everything about the case, its officers, keys,
 * checkpoints and witnesses, and about the exported items, their sources and exhibits; events that
 * concern only other items, sources or exhibits are withheld (seq, prev_hash and hash only), so a
 * bundle discloses nothing of evidence it does not contain while every link of the chain is there.
 */
function relevantTo(ids: Set<number>, sources: Set<number>, exhibits: Set<string>) {
  return (target: string | null, details: string): boolean => {
    if (details.includes('"items":[')) {
      const list = parseJson(details)?.['items'];
      if (Array.isArray(list)) return list.some((x) => typeof x === 'number' && ids.has(x));
    }
    if (!target) return true;
    const m = /^(item|source|exhibit):(.*)$/s.exec(target);
    if (!m) return true;
    if (m[1] === 'item') return ids.has(Number(m[2]));
    if (m[1] === 'source') return sources.has(Number(m[2]));
    return exhibits.has(m[2]!);
  };
}

// ---------------------------------------------------------------------------------------------

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function destination(out: string, zip: boolean): string {
  let p = resolve(out);
  if (zip && !/\.zip$/i.test(p)) p += '.zip';
  return p;
}

function isInside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** Exports the selected items as a signed bundle. The caller has checked the session. */
export async function exportBundle(kase: Case, who: SignedIn, opts: ExportOptions): Promise<ExportResult> {
  const started = Date.now();
  requirePermission(who, 'export', 'export evidence');
  const db = kase.db;
  const zip = opts.zip === true;
  const lang: Language = opts.lang ?? 'en';
  const dest = destination(opts.out, zip);
  if (isInside(dest, kase.layout.root)) {
    throw new EvidenceError('USAGE', `${dest} is inside the case folder. Choose a folder outside the case (a USB stick, a folder for the prosecutor).`);
  }
  if (existsSync(dest) && (zip || readdirSync(dest).length > 0)) {
    throw new EvidenceError('CONFLICT', `${dest} already exists${zip ? '' : ' and is not empty'}. A bundle is never written over anything: choose a new ${zip ? 'file name' : 'folder'}.`);
  }
  if (!existsSync(dirname(dest))) throw new EvidenceError('NOT_FOUND', `The folder ${dirname(dest)} does not exist. Create it first, or choose another place.`);
  if (!zip && existsSync(dest)) rmSync(dest, { recursive: false }); // an empty folder: replaced by the finished bundle

  const ids = selectItems(kase, opts.selection);
  const rowStmt = db.prepare(
    `SELECT i.*, e.number AS exhibit, s.kind AS source_kind FROM items i JOIN sources s ON s.id = i.source_id
     LEFT JOIN exhibits e ON e.id = s.exhibit_id WHERE i.id = ?`,
  );
  const rows: ItemRow[] = [];
  const skipped: ExportResult['skipped'] = [];
  for (const id of ids) {
    const r = rowStmt.get(id) as ItemRow;
    if (r.kind !== 'file') skipped.push({ id, path: r.path, reason: `a ${r.kind}, not a file: nothing to copy` });
    else if (!r.sha256 || !r.md5 || !r.sha1 || r.size === null) skipped.push({ id, path: r.path, reason: `not stored (${r.error ?? 'unreadable at ingest'})` });
    else if (!kase.store.bytesOf(r.sha256)) skipped.push({ id, path: r.path, reason: 'its stored copy is missing from the case store: run evidence verify' });
    else rows.push(r);
  }
  if (rows.length === 0) {
    throw new EvidenceError('USAGE', `Nothing to export: the selection (${describeSelection(opts.selection)}) holds no stored file.`);
  }

  const bytesTotal = rows.reduce((n, r) => n + (r.size ?? 0), 0);
  const progress: ExportProgress = { phase: 'copying', filesDone: 0, filesTotal: rows.length, bytesDone: 0, bytesTotal };
  opts.onProgress?.({ ...progress });
  let recorded: number | null = null;
  const sink: Sink = zip ? await ZipSink.create(dest, opts.forceZip64 === true) : await FolderSink.create(dest);
  try {
    // 1. files/
    const namer = new SafeNamer();
    const items: BundleItem[] = [];
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (const r of rows) {
      if (opts.signal?.aborted) throw new EvidenceError('CANCELLED', 'The export was stopped; nothing was left behind. Run the same command again to export.');
      const file = `files/${namer.name(r.name, r.id)}`;
      const stored = kase.store.bytesOf(r.sha256!)!;
      const size = stored.type === 'bytes' ? stored.data.byteLength : stored.size;
      if (size !== r.size) {
        throw new EvidenceError('CASE_DAMAGED', `The stored copy of item ${r.id} (${r.path}) is ${size} bytes, the catalogue says ${r.size}: it was damaged. Nothing was exported. Run evidence verify on the case.`);
      }
      const w = await sink.begin(file, size);
      const t = new TripleHash();
      if (stored.type === 'bytes') {
        t.update(stored.data);
        await w.write(stored.data);
        progress.bytesDone += size;
      } else {
        const fh = await open(stored.path, 'r');
        try {
          let pos = 0;
          for (;;) {
            const { bytesRead } = await fh.read(chunk, 0, CHUNK, pos);
            if (bytesRead === 0) break;
            const part = chunk.subarray(0, bytesRead);
            t.update(part);
            await w.write(part);
            pos += bytesRead;
            progress.bytesDone += bytesRead;
            opts.onProgress?.({ ...progress });
          }
        } finally {
          await fh.close();
        }
      }
      await w.end();
      const d = t.digest();
      if (d.sha256 !== r.sha256 || d.sha1 !== r.sha1 || d.md5 !== r.md5) {
        throw new EvidenceError(
          'CASE_DAMAGED',
          `The stored copy of item ${r.id} (${r.path}) no longer matches the hashes recorded at ingest: it was damaged or altered. Nothing was exported. Run evidence verify on the case.`,
        );
      }
      items.push({ ...itemEntry(kase, r, file), size, md5: d.md5, sha1: d.sha1, sha256: d.sha256 } as BundleItem);
      progress.filesDone++;
      opts.onProgress?.({ ...progress });
    }

    // 2. the hash lists, in the formats the standard tools read
    progress.phase = 'documents';
    opts.onProgress?.({ ...progress });
    const sha256sums = items.map((i) => `${i.sha256}  ${i.file}\n`).join('');
    const hashdeep =
      '%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,sha256,filename\n## Written by evidence export. Check from inside the bundle folder with:\n## $ hashdeep -l -a -k hashdeep.txt -r files\n##\n' +
      items.map((i) => `${i.size},${i.md5},${i.sha1},${i.sha256},${i.file}\n`).join('');
    const documents: Record<string, string> = {};
    const addDoc = async (name: string, data: string | Uint8Array): Promise<void> => {
      documents[name] = sha256Hex(data);
      await sink.add(name, data);
    };
    await addDoc('SHA256SUMS', sha256sums);
    await addDoc('hashdeep.txt', hashdeep);
    await addDoc('README.txt', readmeText());

    // 3. the custody event and the checkpoint whose head it is
    progress.phase = 'signing';
    opts.onProgress?.({ ...progress });
    const bundleId = randomUUID();
    const selection: BundleSelection = {
      all: opts.selection.all === true,
      tags: opts.selection.tags ?? [],
      exhibits: opts.selection.exhibits ?? [],
      search: opts.selection.search ?? null,
      ids: opts.selection.ids ?? [],
      description: describeSelection(opts.selection),
    };
    const ev = kase.custody.append({
      officer: who.name,
      action: 'bundle.exported',
      target: `bundle:${bundleId}`,
      reason: `export of ${selection.description}`,
      details: {
        bundle: bundleId,
        destination: dest,
        zip,
        format_version: BUNDLE_FORMAT_VERSION,
        files: items.length,
        bytes: progress.bytesDone,
        sha256sums_sha256: documents['SHA256SUMS'],
        selection: { all: selection.all, tags: selection.tags, exhibits: selection.exhibits, search: selection.search, ids: selection.ids },
        items: items.map((i) => i.id),
        skipped: skipped.map((s) => s.id),
      },
    });
    recorded = ev.seq;
    const cp = makeCheckpoint(kase, who, `bundle ${bundleId} exported`, { fromSeq: opts.fromSeq, receiptsDir: opts.receiptsDir ?? null });
    if (cp.seq !== ev.seq) throw new EvidenceError('INTERNAL', 'Internal error: another event was recorded between the export and its checkpoint. Export again.');

    // 4. custody excerpt, receipts, manifest
    const exportedIds = new Set(items.map((i) => i.id));
    const sourceIds = new Set(items.map((i) => i.sourceId));
    const exhibitNumbers = new Set<string>([...items.map((i) => i.exhibit).filter((x): x is string => x !== null), ...(opts.selection.exhibits ?? [])]);
    const isRelevant = relevantTo(exportedIds, sourceIds, exhibitNumbers);
    const custodyLines: CustodyLine[] = [];
    let full = 0;
    let withheld = 0;
    const custodyParts: string[] = [];
    for (const e of db.prepare('SELECT * FROM custody_events WHERE seq <= ? ORDER BY seq').iterate(cp.seq) as IterableIterator<Record<string, unknown> & { details: string; target: string | null }>) {
      let line: CustodyLine;
      if (isRelevant(e.target, e.details)) {
        line = {
          seq: e.seq as number,
          at_utc: e.at_utc as string,
          tz_offset: e.tz_offset as string,
          tz_name: e.tz_name as string,
          officer: e.officer as string,
          host: e.host as string,
          action: e.action as string,
          target: e.target,
          reason: e.reason as string | null,
          details: JSON.parse(e.details) as Record<string, unknown>,
          prev_hash: e.prev_hash as string,
          hash: e.hash as string,
        };
        full++;
      } else {
        line = { seq: e.seq as number, withheld: true, prev_hash: e.prev_hash as string, hash: e.hash as string };
        withheld++;
      }
      custodyLines.push(line);
      // The same canonical JSON the event's hash is computed over (plus the hash): jq -cS gives it too.
      custodyParts.push(`${canonicalJson(line)}\n`);
    }
    const custodyText = custodyParts.join('');
    custodyParts.length = 0;

    const receipts = collectReceipts(db, kase.info().uuid, { appDir: opts.receiptsDir ?? null });
    const receiptLines = receipts.found
      .filter((f) => f.receipt.seq <= cp.seq)
      .sort((a, b) => a.receipt.seq - b.receipt.seq)
      .map((f) => {
        const { signature, ...statement } = f.receipt;
        return `${receiptLine(canonicalJson(statement), signature)}\n`;
      });

    const info = kase.info();
    const summary = { items: items.length, bytes: progress.bytesDone, byTag: {} as Record<string, number>, byMime: {} as Record<string, number>, byExhibit: {} as Record<string, number> };
    for (const i of items) {
      for (const t of i.tags) summary.byTag[t.tag] = (summary.byTag[t.tag] ?? 0) + 1;
      const m = i.mime ?? 'unknown';
      summary.byMime[m] = (summary.byMime[m] ?? 0) + 1;
      const x = i.exhibit ?? '(none)';
      summary.byExhibit[x] = (summary.byExhibit[x] ?? 0) + 1;
    }
    const usedTags = new Set(items.flatMap((i) => i.tags.map((t) => t.tag)));
    const officerRow = db.prepare('SELECT badge, unit FROM officers WHERE name = ?').get(who.name) as { badge: string | null; unit: string | null } | undefined;
    const manifest: Manifest = manifestSchema.parse({
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      bundleId,
      createdAt: stamp(kase.clock),
      app: { name: 'evidence-catalogue', version: opts.appVersion ?? 'unknown' },
      language: lang,
      case: { uuid: info.uuid, number: info.number, name: info.name, createdAt: info.created_at, createdBy: info.created_by },
      exportedBy: { name: who.name, role: who.role, badge: officerRow?.badge ?? null, unit: officerRow?.unit ?? null, keyFingerprint: keyFingerprint(who.publicKey), publicKey: who.publicKey },
      officers: officersOf(kase),
      exhibits: exhibitsOf(kase, exhibitNumbers),
      tags: (db.prepare('SELECT id, label_en, label_ja, colour FROM tags ORDER BY id').all() as { id: string; label_en: string; label_ja: string | null; colour: string }[])
        .filter((t) => usedTags.has(t.id))
        .map((t) => ({ id: t.id, labelEn: t.label_en, labelJa: t.label_ja, colour: t.colour })),
      selection,
      items,
      skipped,
      summary,
      custody: { file: 'custody.jsonl', lines: full + withheld, fullEvents: full, withheldEvents: withheld },
      checkpoint: {
        id: cp.id,
        seq: cp.seq,
        headHash: cp.head_hash,
        atUtc: cp.at_utc,
        officer: cp.officer,
        keyFingerprint: keyFingerprint(cp.public_key),
        receiptCode: receiptCode(cp.seq, cp.head_hash),
      },
      receipts: receiptLines.length ? { file: 'receipts.jsonl', count: receiptLines.length } : null,
    });
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await addDoc('custody.jsonl', custodyText);
    if (receiptLines.length) await addDoc('receipts.jsonl', receiptLines.join(''));
    const manifestSha = sha256Hex(manifestText);
    await sink.add('manifest.json', manifestText);

    // Rendered documents, where their renderers are part of this build.
    const notRendered: string[] = [];
    for (const r of RENDERERS) {
      const mod = await loadModule(r.module);
      const text = mod ? await r.run(mod, { kase, manifest, custody: custodyLines, lang }) : null;
      if (text === null) notRendered.push(r.file);
      else await addDoc(r.file, text);
    }

    // 5. the signed statement
    const statement: BundleStatement = {
      type: BUNDLE_STATEMENT_TYPE,
      version: 1,
      bundle: bundleId,
      case: info.uuid,
      created_at: manifest.createdAt.utc,
      officer: who.name,
      key_fingerprint: keyFingerprint(who.publicKey),
      public_key: who.publicKey,
      manifest_sha256: manifestSha,
      documents,
      custody_checkpoint: { id: cp.id, seq: cp.seq, head_hash: cp.head_hash, statement: cp.statement, signature: cp.signature },
    };
    const statementText = canonicalJson(statement);
    const { sign } = await import('node:crypto');
    const signature = sign(null, Buffer.from(statementText, 'utf8'), who.privateKey);
    await sink.add('checkpoint.json', statementText);
    await sink.add('checkpoint.sig', signature);
    await sink.add('signer.pub', publicKeyPem(who.publicKey));
    await sink.finish();
    progress.phase = 'done';
    opts.onProgress?.({ ...progress });
    return {
      bundleId,
      path: dest,
      zip,
      files: items.length,
      bytes: progress.bytesDone,
      skipped,
      notRendered,
      checkpoint: { id: cp.id, seq: cp.seq, headHash: cp.head_hash, receiptCode: receiptCode(cp.seq, cp.head_hash) },
      custodyEventSeq: ev.seq,
      keyFingerprint: keyFingerprint(who.publicKey),
      elapsedMs: Date.now() - started,
    };
  } catch (err) {
    await sink.abandon().catch(() => undefined);
    // The log already says the bundle was made: it must also say that it was not finished.
    if (recorded !== null) {
      try {
        kase.custody.append({ officer: who.name, action: 'bundle.failed', target: null, reason: errorMessage(err), details: { after_seq: recorded, destination: dest } });
      } catch {
        /* the case cannot be written either: the error below is the one to report */
      }
    }
    if (err instanceof EvidenceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EIO' || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'EDQUOT') {
      throw new EvidenceError('USAGE', `The bundle could not be written to ${dest} (${errorMessage(err)}). Nothing was left there: free space or choose another place, then export again.`);
    }
    throw err;
  }
}
