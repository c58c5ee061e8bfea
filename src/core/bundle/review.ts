// Review mode (issue 13): a bundle opened read-only, as a prosecutor or a defence expert opens
// what they were given. It is verified first (bundle/verify.ts) and the answer says plainly
// whether it is intact; then the same catalogue, item view, previews, search and filters as a
// case, answered from the bundle alone:
// - The catalogue is the manifest's, loaded into an in-memory SQLite database with the case's
//   schema (db/migrations.ts), so listing, filters, families and the name/path/hash search are the
//   case's own code (catalogue/query.ts, search/search.ts) and mean exactly the same here. Nothing
//   is written anywhere: not into the bundle, not beside it, not to a temporary file.
// - Previews read the bytes from files/ in the bundle. Opening the bundle hashed every file
//   against the manifest; a file named by a finding is refused, and a file whose size or times
//   changed since (fs.stat: size, mtime, ctime, inode) is hashed again before a byte is served.
// - A bundle carries no extracted text (the manifest says which items had text, not the text),
//   so a search finds names, device paths and hashes, and its note says so.
// Nothing can be ingested, tagged or exported here (service.ts refuses it); review notes go to a
// signed file beside the bundle (bundle/reviewNotes.ts), never into it.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { CaseOverview, CaseSummary, CustodyEvent, Exhibit, ItemFull, ItemRow, Officer, SearchResult, Tag } from '../../shared/outputs.ts';
import { migrate, type DB } from '../db/open.ts';
import { caseOverview, countItems, getItem, listItems, type ListOptions } from '../catalogue/query.ts';
import { registerIssueFunctions } from '../catalogue/issues.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { itemHashsetMatches } from '../hashsets/hashsets.ts';
import { type ByteRange, type OpenedContent, servedType } from '../preview/content.ts';
import { imageToResize, loadSharp, THUMB_MAX_BYTES, THUMB_PX, type Thumbnail } from '../preview/thumbs.ts';
import { search, type SearchOptions } from '../search/search.ts';
import { ensureVocabulary, itemNotes, itemTags, listTags } from '../tags/tags.ts';
import { type BundleItem, type CustodyLine, type Manifest, manifestSchema } from './manifest.ts';
import { type BundleReport, openBundleSource, type Source, verifyBundle } from './verify.ts';

/** Whether a path is a bundle rather than a case: a .zip file, or a folder with manifest.json and checkpoint.json and no case.db. */
export function looksLikeBundle(path: string): boolean {
  try {
    const st = statSync(path);
    if (st.isFile()) return /\.zip$/i.test(path);
    return st.isDirectory() && existsSync(resolve(path, 'manifest.json')) && existsSync(resolve(path, 'checkpoint.json')) && !existsSync(resolve(path, 'case.db'));
  } catch {
    return false;
  }
}

/** The verification in one plain sentence, for the first line a reviewer sees. */
export function verdict(r: BundleReport): string {
  if (r.ok) return `INTACT: the bundle is exactly as ${r.signer?.name ?? 'the officer'} signed it (key ${r.signer?.keyFingerprint ?? '?'}); every file, document and custody event checks.`;
  return `NOT INTACT: ${r.findings.length} problem(s) found. Do not rely on this bundle as it is: ask the sender for a new copy, and keep this one as it is. First: ${r.findings[0]?.message ?? 'unknown problem'}`;
}

interface Stamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

function stampOf(file: string): Stamp | null {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  } catch {
    return null;
  }
}

const sameStamp = (a: Stamp | null, b: Stamp | null): boolean =>
  a !== null && b !== null && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;

export class ReviewSession {
  readonly path: string;
  readonly report: BundleReport;
  readonly manifest: Manifest;
  readonly db: DB;
  private readonly src: Source;
  private readonly custody: CustodyEvent[];
  private readonly items = new Map<number, BundleItem>();
  /** Bundle files hashed and found as the manifest says, with the file system's stamp at the time. */
  private readonly checked = new Map<string, Stamp>();
  private readonly bad = new Map<string, string>();

  private constructor(path: string, report: BundleReport, manifest: Manifest, src: Source, custody: CustodyEvent[]) {
    this.path = path;
    this.report = report;
    this.manifest = manifest;
    this.src = src;
    this.custody = custody;
    for (const i of manifest.items) this.items.set(i.id, i);
    this.db = new Database(':memory:');
    migrate(this.db);
    // The case's SQL functions, so the catalogue's queries run here unchanged.
    registerIssueFunctions(this.db);
    this.load();
  }

  /**
   * Verifies the bundle, then opens it for review. `review` is null when the bundle cannot be
   * browsed at all (its manifest is missing, unreadable or not a bundle's): `problem` says why.
   * A bundle that is not intact but has a readable manifest opens, with the report saying so.
   */
  static async open(path: string): Promise<{ report: BundleReport; review: ReviewSession | null; problem: string | null }> {
    const root = resolve(path);
    if (!existsSync(root)) throw new EvidenceError('NOT_FOUND', `${root} does not exist. Give the bundle's folder or its .zip file.`);
    const before = stampsOf(root);
    const report = await verifyBundle(root);
    const after = stampsOf(root);
    let src: Source | null = null;
    try {
      src = openBundleSource(root);
      if (!src.entries.has('manifest.json')) return { report, review: null, problem: 'The bundle has no manifest.json: there is no list of its items to browse.' };
      const parsed = manifestSchema.safeParse(JSON.parse((await src.read('manifest.json')).toString('utf8')));
      if (!parsed.success) return { report, review: null, problem: "manifest.json is not a bundle manifest this app can read: there is no list of its items to browse." };
      let custody: CustodyEvent[] = [];
      if (src.entries.has('custody.jsonl')) custody = parseCustody((await src.read('custody.jsonl')).toString('utf8'));
      const review = new ReviewSession(root, report, parsed.data, src, custody);
      review.markChecked(before, after);
      src = null; // kept by the session
      return { report, review, problem: null };
    } catch (err) {
      return { report, review: null, problem: `The bundle cannot be browsed: ${errorMessage(err)}.` };
    } finally {
      src?.close();
    }
  }

  /** Files the verification hashed and found intact, and not touched while it ran, need no second hashing. */
  private markChecked(before: Map<string, Stamp | null>, after: Map<string, Stamp | null>): void {
    const named = new Map<string, string>();
    for (const f of this.report.findings) if (f.file) named.set(f.file, f.message);
    const zipDamaged = this.report.findings.some((f) => f.what === 'zip-damaged' && f.file === null);
    for (const item of this.manifest.items) {
      const why = named.get(item.file) ?? (zipDamaged ? 'the ZIP file is damaged' : null);
      if (why) {
        this.bad.set(item.file, why);
        continue;
      }
      const key = this.stampKey(item.file);
      const a = before.get(key) ?? null;
      if (sameStamp(a, after.get(key) ?? null)) this.checked.set(item.file, a!);
    }
  }

  /** The file whose stamp guards a member: the member's own file (folder) or the ZIP. */
  private stampKey(member: string): string {
    return this.src.kind === 'zip' ? this.path : resolve(this.path, ...member.split('/'));
  }

  // -------------------------------------------------------------------------------------------
  // The catalogue, from the manifest

  private load(): void {
    const db = this.db;
    const m = this.manifest;
    const at = m.createdAt.utc;
    db.transaction(() => {
      ensureVocabulary(db);
      const exhibit = db.prepare(
        `INSERT INTO exhibits (id, number, seal_number, description, created_at, created_by, device_make, device_model, serial, imei, condition,
           seized_by, seized_at, seized_where, custodian, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const source = db.prepare('INSERT OR IGNORE INTO sources (id, exhibit_id, kind, root_path, status, officer, host, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const e of m.exhibits) {
        exhibit.run(e.id, e.number, e.seal.number, e.description, e.createdAt, e.createdBy, e.device.make, e.device.model, e.device.serial, e.device.imei, e.condition,
          e.seizedBy, e.seizedAt, e.seizedWhere, e.custodian, e.seal.sealed ? 1 : 0);
        for (const s of e.sources) {
          const status = ['running', 'interrupted', 'finished', 'failed'].includes(s.status) ? s.status : 'finished';
          source.run(s.id, e.id, s.kind, s.rootPath, status, s.officer, '', s.startedAt, s.finishedAt);
        }
      }
      // An item whose source the manifest does not describe (no exhibit) still needs one row.
      for (const i of m.items) source.run(i.sourceId, null, 'unknown', '(not described in the bundle)', 'finished', '', '', at, null);
      const tag = db.prepare('INSERT OR REPLACE INTO tags (id, label_en, label_ja, colour, builtin) VALUES (?, ?, ?, ?, 0)');
      for (const t of m.tags) tag.run(t.id, t.labelEn, t.labelJa, t.colour);
      const item = db.prepare(
        `INSERT INTO items (id, source_id, path, path_raw, name, ext, kind, size, mode, mtime, ctime, atime, birthtime, md5, sha1, sha256, mime, detected_ext,
           ext_mismatch, error, added_at, extra) VALUES (?, ?, ?, ?, ?, ?, 'file', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      );
      const meta = db.prepare('INSERT INTO metadata (item_id, taken_at, lat, lon, alt, make, model, orientation, json, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const itemTag = db.prepare('INSERT OR IGNORE INTO item_tags (item_id, tag_id, officer, comment, at_utc) VALUES (?, ?, ?, ?, ?)');
      const tagIfMissing = db.prepare("INSERT OR IGNORE INTO tags (id, label_en, label_ja, colour, builtin) VALUES (?, ?, NULL, '#888888', 0)");
      const note = db.prepare('INSERT INTO notes (id, item_id, officer, text, at_utc, deleted_at, deleted_by, deleted_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const set = db.prepare(
        "INSERT OR IGNORE INTO hashsets (name, kind, format, source_file, file_sha256, file_size, imported_at, officer) VALUES (?, ?, 'bundle', '', '', 0, ?, '')",
      );
      const setId = db.prepare('SELECT id FROM hashsets WHERE name = ?');
      const match = db.prepare('INSERT OR IGNORE INTO hashset_matches (item_id, set_id, algo) VALUES (?, ?, ?)');
      for (const i of m.items) {
        const raw = Buffer.from(i.devicePathBytes.hex, 'hex');
        const extra = {
          bundleFile: i.file,
          ...(i.foundAt ? { foundAt: i.foundAt } : {}),
          timesFrom: i.times.from,
          ...(i.times.container ? { containerTimes: i.times.container } : {}),
          ...(i.reportedHashes ? { reportedHashes: i.reportedHashes } : {}),
        };
        const values = [i.sourceId, i.devicePath, raw.equals(Buffer.from(i.devicePath, 'utf8')) ? null : raw, i.name, extname(i.name).slice(1).toLowerCase() || null,
          i.size, i.mode, i.times.modified, i.times.changed, i.times.accessed, i.times.created, i.md5, i.sha1, i.sha256, i.mime, i.detectedExt,
          i.extMismatch ? 1 : 0, at, JSON.stringify(extra)];
        try {
          item.run(i.id, ...values);
        } catch {
          // The same device path twice in one source (kept apart in the case): told apart by id.
          values[1] = `${i.devicePath}#${i.id}`;
          item.run(i.id, ...values);
        }
        if (i.metadata) {
          const md = i.metadata;
          meta.run(i.id, md.takenAt, md.gps?.lat ?? null, md.gps?.lon ?? null, md.gps?.alt ?? null, md.make, md.model, md.orientation, md.fields ? JSON.stringify(md.fields) : null, md.error);
        }
        for (const t of i.tags) {
          tagIfMissing.run(t.tag, t.tag);
          itemTag.run(i.id, t.tag, t.officer, t.comment, t.at);
        }
        for (const n of i.notes) note.run(n.id, i.id, n.officer, n.text, n.at, n.removed?.at ?? null, n.removed?.by ?? null, n.removed?.reason ?? null);
        for (const h of i.hashMatches) {
          set.run(h.set, h.kind, at);
          match.run(i.id, (setId.get(h.set) as { id: number }).id, h.algo);
        }
      }
    })();
  }

  caseSummary(): CaseSummary {
    const m = this.manifest;
    return {
      path: this.path,
      uuid: m.case.uuid,
      number: m.case.number,
      name: m.case.name,
      createdAt: m.case.createdAt,
      createdBy: m.case.createdBy,
      exhibits: m.exhibits.length,
      items: m.items.length,
      files: m.items.length,
      bytes: m.items.reduce((n, i) => n + i.size, 0),
      custodyEvents: this.custody.length,
    };
  }

  listItems(f: ListOptions): { total: number; items: ItemRow[] } {
    return { total: countItems(this.db, f), items: listItems(this.db, f) };
  }

  overview(): CaseOverview {
    return { ...caseOverview(this.db), exhibits: this.manifest.exhibits.length };
  }

  exhibits(): Exhibit[] {
    return this.manifest.exhibits.map((e) => ({
      id: e.id,
      number: e.number,
      seal_number: e.seal.number,
      description: e.description,
      device_make: e.device.make,
      device_model: e.device.model,
      serial: e.device.serial,
      imei: e.device.imei,
      condition: e.condition,
      seized_by: e.seizedBy,
      seized_at: e.seizedAt,
      seized_where: e.seizedWhere,
      custodian: e.custodian,
      sealed: e.seal.sealed ? 1 : 0,
      created_at: e.createdAt,
      created_by: e.createdBy,
      items: this.manifest.items.filter((i) => i.exhibit === e.number).length,
      extraction_type: null,
      extraction_tool: null,
      extraction_tool_version: null,
      device_problems: [],
    }));
  }

  exhibit(number: string): Exhibit & { history: CustodyEvent[] } {
    const e = this.exhibits().find((x) => x.number === number);
    if (!e) throw new EvidenceError('NOT_FOUND', `There is no exhibit "${number}" in this bundle.`);
    return { ...e, history: this.custody.filter((c) => c.target === `exhibit:${number}`) };
  }

  officers(): Officer[] {
    return this.manifest.officers.map((o) => ({
      name: o.name,
      badge: o.badge,
      unit: o.unit,
      role: o.role,
      status: o.status,
      // No account here: a bundle carries keys' fingerprints, never passwords.
      hasPassword: false,
      keyFingerprint: o.keyFingerprint,
      createdAt: o.keys[0]?.since ?? '',
      createdBy: null,
    }));
  }

  custodyLog(f: { exhibit?: string; item?: number; action?: string; target?: string; officer?: string; since?: string; until?: string; limit?: number }): CustodyEvent[] {
    const out = this.custody.filter(
      (e) =>
        (f.exhibit === undefined || e.target === `exhibit:${f.exhibit}`) &&
        (f.item === undefined || concernsItem(e, f.item)) &&
        (f.action === undefined || e.action === f.action) &&
        (f.target === undefined || (e.target ?? '').includes(f.target)) &&
        (f.officer === undefined || e.officer === f.officer) &&
        (f.since === undefined || Date.parse(e.at_utc) >= Date.parse(f.since)) &&
        (f.until === undefined || Date.parse(e.at_utc) <= Date.parse(f.until)),
    );
    return f.limit ? out.slice(-f.limit) : out;
  }

  tags(): Tag[] {
    const ids = new Set(this.manifest.tags.map((t) => t.id));
    for (const i of this.manifest.items) for (const t of i.tags) ids.add(t.tag);
    return listTags(this.db).filter((t) => ids.has(t.id));
  }

  getItem(id: number): ItemFull {
    const item = getItem(this.db, id);
    const b = this.items.get(id);
    if (!item || !b) throw new EvidenceError('NOT_FOUND', `There is no item ${id} in this bundle. List its items with: evidence ls <bundle>`);
    const kinds = ['text', 'csv', 'html', 'json', 'docx', 'xlsx', 'pptx', 'odf', 'pdf', 'eml', 'whatsapp', 'line', 'telegram'] as const;
    const kind = kinds.find((k) => k === b.text?.kind);
    return {
      ...item,
      hashsetMatches: itemHashsetMatches(this.db, id),
      tags: itemTags(this.db, id),
      notes: itemNotes(this.db, id),
      textIndex: b.text && kind ? { kind, encoding: b.text.encoding, chars: b.text.chars, truncated: false, error: null } : null,
      custody: this.custody.filter((e) => concernsItem(e, id)),
    };
  }

  search(query: string, opts: SearchOptions): SearchResult {
    const r = search(this.db, query, opts);
    const why = 'This bundle carries no extracted text: only the names, device paths and hashes of its items were searched.';
    return { ...r, note: r.note ? `${why} ${r.note}` : why };
  }

  // -------------------------------------------------------------------------------------------
  // Previews: the bundle's bytes, checked against the manifest

  private bundleItem(id: number): BundleItem {
    const b = this.items.get(id);
    if (!b) throw new EvidenceError('NOT_FOUND', `There is no item ${id} in this bundle.`);
    const why = this.bad.get(b.file);
    if (why) {
      throw new EvidenceError('CASE_DAMAGED', `Item ${id} (${b.file}) is not shown: it does not match the bundle's manifest (${why}). Ask the sender for a new copy of the bundle.`);
    }
    if (!this.src.entries.has(b.file)) throw new EvidenceError('NOT_FOUND', `Item ${id}'s file (${b.file}) is missing from the bundle.`);
    return b;
  }

  /** Whether the member still is what the verification at open hashed (nothing about it changed since). */
  private stillChecked(b: BundleItem): boolean {
    const was = this.checked.get(b.file);
    return was !== undefined && sameStamp(was, stampOf(this.stampKey(b.file)));
  }

  /** Hashes a member again; refuses it (and remembers so) unless it is the manifest's. */
  private async recheck(b: BundleItem): Promise<void> {
    const h = createHash('sha256');
    let size = 0;
    const key = this.stampKey(b.file);
    const stamp = stampOf(key);
    for await (const chunk of this.src.stream(b.file)) {
      h.update(chunk);
      size += chunk.byteLength;
    }
    if (size !== b.size || h.digest('hex') !== b.sha256) {
      const why = 'its bytes changed after the bundle was opened: the SHA-256 is not the manifest\'s';
      this.bad.set(b.file, why);
      this.checked.delete(b.file);
      throw new EvidenceError('CASE_DAMAGED', `Item ${b.id} (${b.file}) is not shown: ${why}. Open the bundle again to verify it, and ask the sender for a new copy.`);
    }
    if (stamp) this.checked.set(b.file, stamp);
  }

  contentSize(id: number): number {
    return this.bundleItem(id).size;
  }

  content(id: number, range: ByteRange | null): OpenedContent {
    const b = this.bundleItem(id);
    const size = b.size;
    const r = range && range.start < size ? { start: range.start, end: Math.min(range.end, size - 1) } : null;
    const at = this.src.locate(b.file);
    const fresh = this.stillChecked(b);
    const recheck = (): Promise<void> => this.recheck(b);
    const member = (): AsyncIterable<Buffer> => this.src.stream(b.file);
    // Unchecked bytes are hashed first, in the stream: nothing is sent unless the whole file is the manifest's.
    async function* bytes(): AsyncGenerator<Buffer> {
      if (!fresh) await recheck();
      if (at) {
        if (size === 0) return;
        yield* createReadStream(at.file, { start: at.start + (r?.start ?? 0), end: at.start + (r ? r.end : size - 1), highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
        return;
      }
      // A compressed ZIP member (not how export writes them): inflated, the range cut out.
      let pos = 0;
      const start = r?.start ?? 0;
      const end = r ? r.end : size - 1;
      for await (const chunk of member()) {
        const from = Math.max(start - pos, 0);
        const to = Math.min(end - pos + 1, chunk.byteLength);
        if (to > from) yield chunk.subarray(from, to);
        pos += chunk.byteLength;
        if (pos > end) break;
      }
    }
    return {
      item: { id: b.id, path: b.devicePath, name: b.name, sha256: b.sha256, size, mime: b.mime, location: 'file' },
      contentType: servedType(b.mime),
      size,
      range: r,
      stream: Readable.from(bytes()),
    };
  }

  async thumbnail(id: number, px = THUMB_PX): Promise<Thumbnail> {
    const b = this.bundleItem(id);
    if (!b.mime?.startsWith('image/') || b.mime === 'image/svg+xml') throw new EvidenceError('USAGE', `Item ${id} is not an image (${b.mime ?? 'unknown type'}): no thumbnail.`);
    if (b.size > THUMB_MAX_BYTES) throw new EvidenceError('USAGE', `Item ${id} is too large for a thumbnail: open its preview instead.`);
    const sharp = await loadSharp();
    if (!sharp) throw new EvidenceError('USAGE', 'Thumbnails are not available: the image library (sharp) is not installed.');
    if (!this.stillChecked(b)) await this.recheck(b);
    const parts: Buffer[] = [];
    for await (const chunk of this.src.stream(b.file)) parts.push(chunk);
    const data = Buffer.concat(parts);
    // Hashed as read too: the bytes decoded are the manifest's, whatever happened meanwhile.
    if (createHash('sha256').update(data).digest('hex') !== b.sha256) {
      this.bad.set(b.file, 'its bytes changed after the bundle was opened');
      throw new EvidenceError('CASE_DAMAGED', `Item ${id} (${b.file}) is not shown: its bytes changed after the bundle was opened.`);
    }
    try {
      const out = await (await imageToResize(sharp, data, b.mime))
        .resize(px, px, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
      return { data: out, mime: 'image/webp', cached: false };
    } catch (err) {
      throw new EvidenceError('USAGE', `No thumbnail for item ${id}: the image could not be decoded (${errorMessage(err).split('\n')[0]})`);
    }
  }

  /** The item as the notes file names it: its id, bundle file and SHA-256. */
  noteTarget(id: number): { id: number; file: string; sha256: string } {
    const b = this.items.get(id);
    if (!b) throw new EvidenceError('NOT_FOUND', `There is no item ${id} in this bundle. List its items with: evidence ls <bundle>`);
    return { id: b.id, file: b.file, sha256: b.sha256 };
  }

  close(): void {
    this.db.close();
    this.src.close();
  }
}

/** The stamps guarding a bundle's files (each file of a folder, or the ZIP). */
function stampsOf(root: string): Map<string, Stamp | null> {
  const out = new Map<string, Stamp | null>();
  if (statSync(root).isFile()) {
    out.set(root, stampOf(root));
    return out;
  }
  let src: Source | null = null;
  try {
    src = openBundleSource(root);
    for (const name of src.entries.keys()) if (name.startsWith('files/')) out.set(resolve(root, ...name.split('/')), stampOf(resolve(root, ...name.split('/'))));
  } catch {
    /* an unreadable bundle: nothing is marked checked */
  } finally {
    src?.close();
  }
  return out;
}

/** The full events of the custody excerpt (withheld links carry nothing to show). */
function parseCustody(text: string): CustodyEvent[] {
  const out: CustodyEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const l = JSON.parse(line) as CustodyLine;
      if (!('withheld' in l) && typeof l.seq === 'number' && typeof l.action === 'string') out.push(l as CustodyEvent);
    } catch {
      /* named by the verification */
    }
  }
  return out;
}

function concernsItem(e: CustodyEvent, id: number): boolean {
  if (e.target === `item:${id}`) return true;
  const items = e.details['items'];
  return Array.isArray(items) && items.includes(id);
}

export const bundleName = (path: string): string => basename(resolve(path)).replace(/\.zip$/i, '');

/**
 * A bundle's manifest read on its own, without the verification (a review note names an item's
 * file and SHA-256 as the manifest gives them, whatever state the files are in).
 */
export function readBundleManifest(path: string): Manifest {
  if (!existsSync(path)) throw new EvidenceError('NOT_FOUND', `${path} does not exist. Give the bundle's folder or its .zip file.`);
  const src = openBundleSource(resolve(path));
  try {
    if (!src.entries.has('manifest.json')) throw new EvidenceError('USAGE', `${path} is not a bundle: it has no manifest.json.`);
    const text = readSyncMember(src, 'manifest.json');
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new EvidenceError('USAGE', `${path}: manifest.json is not a bundle manifest this app can read. Check the bundle with: evidence bundle verify ${path}`);
    return parsed.data;
  } catch (err) {
    if (err instanceof EvidenceError) throw err;
    throw new EvidenceError('USAGE', `${path}: the bundle's manifest cannot be read (${errorMessage(err)}). Check it with: evidence bundle verify ${path}`);
  } finally {
    src.close();
  }
}

/** A stored member's bytes read synchronously (manifest.json of a folder, or a stored ZIP member). */
function readSyncMember(src: Source, name: string): string {
  const at = src.locate(name);
  if (!at) throw new Error(`${name} is compressed in the ZIP`);
  const fd = openSync(at.file, 'r');
  try {
    const buf = Buffer.alloc(at.size);
    let done = 0;
    while (done < at.size) {
      const n = readSync(fd, buf, done, at.size - done, at.start + done);
      if (n === 0) throw new Error(`${name} is cut short`);
      done += n;
    }
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
