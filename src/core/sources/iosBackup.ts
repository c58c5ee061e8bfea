// iPhone backups (iTunes / Finder / libimobiledevice folders). Manifest.db lists every file
// with its domain, its path on the phone and an NSKeyedArchiver `file` blob (size, mode, times);
// the file itself sits in the folder under its hashed name, fileID = SHA-1(domain-relativePath),
// at <fileID[0:2]>/<fileID>. Each file is presented under its real `domain/relativePath` with the
// hashed name kept beside it.
//
// Everything in the backup is untrusted: a relativePath is only ever text (never joined onto a
// file-system path), a fileID is used on disk only when it is exactly 40 hex digits, and nothing
// on disk is followed through a link. Manifest.db is read from its bytes into memory, so SQLite
// never creates a -wal/-shm file or takes a lock beside the evidence, and nothing is written
// anywhere. Current iPhones write it in WAL journal mode, which SQLite cannot open from memory:
// the committed frames of a Manifest.db-wal beside it are applied to the bytes in memory (as
// SQLite itself would on opening) and the copy is marked as a rollback-journal database.
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { nsToIso } from '../time.ts';
import { errorMessage } from '../errors.ts';
import { kindOf, walkFolder } from './folder.ts';
import { isPlainDict, parsePlist, type PlistValue, unarchive } from './plist.ts';
import { blankEntry, type ContainerLimits, type EntryKind, type SourceEntry } from './types.ts';

/**
 * The backup's own files, listed under their own names (as they are in the export) rather than
 * as unlisted files; SQLite's -wal/-shm/-journal files of Manifest.db belong to it too.
 */
export const IOS_METADATA_FILES = [
  'Manifest.db',
  'Manifest.db-wal',
  'Manifest.db-shm',
  'Manifest.db-journal',
  'Manifest.plist',
  'Info.plist',
  'Status.plist',
  'Manifest.mbdb',
] as const;

export const ENCRYPTED_NOTICE = 'encrypted backup: Manifest.db is encrypted, files catalogued by hashed name only';
export const MISSING_ERROR = 'listed in Manifest.db but missing from the backup';
export const UNLISTED_NOTICE = 'present in the backup folder but not listed in Manifest.db';
export const FILEID_ERROR = 'fileID does not match SHA-1(domain-relativePath): Manifest.db altered?';

/** Largest plist read whole into memory (Info.plist can carry app icons and iTunes files). */
const MAX_PLIST_BYTES = 64 * 1024 * 1024;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEX40 = /^[0-9a-f]{40}$/;

function join(root: string, ...parts: string[]): string {
  return [root.endsWith('/') ? root.slice(0, -1) : root, ...parts].join('/');
}

function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** A folder is an iPhone backup when it holds Manifest.db (iOS 10+) or Manifest.mbdb (older). */
export function isIosBackup(dir: string): boolean {
  return isRegularFile(join(dir, 'Manifest.db')) || isRegularFile(join(dir, 'Manifest.mbdb'));
}

/** Reads a small file without following a link and without growing past `max` bytes. */
function readSmallFile(path: string, max: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const size = fstatSync(fd).size;
    if (size > max) throw new Error(`larger than ${max} bytes, not read`);
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function readPlistFile(path: string): { value: PlistValue | null; error: string | null; present: boolean } {
  let bytes: Buffer;
  try {
    bytes = readSmallFile(path, MAX_PLIST_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: null, error: null, present: false };
    return { value: null, error: errorMessage(err), present: true };
  }
  try {
    return { value: parsePlist(bytes), error: null, present: true };
  } catch (err) {
    return { value: null, error: errorMessage(err), present: true };
  }
}

function str(v: PlistValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

function dateStr(v: PlistValue | undefined): string | null {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
  if (typeof v === 'string') return v;
  return null;
}

export interface IosBackupInfo {
  /** 'manifest.db' (iOS 10+), 'manifest.mbdb' (older, not parsed) or null when neither. */
  format: 'manifest.db' | 'manifest.mbdb' | null;
  /** From Manifest.plist IsEncrypted, or true when Manifest.db is not a readable SQLite file. */
  encrypted: boolean;
  deviceName: string | null;
  displayName: string | null;
  productType: string | null;
  productVersion: string | null;
  buildVersion: string | null;
  serialNumber: string | null;
  imei: string | null;
  meid: string | null;
  phoneNumber: string | null;
  iccid: string | null;
  uniqueIdentifier: string | null;
  lastBackupDate: string | null;
  /** Manifest.plist facts: Version, Date, WasPasscodeSet, IsEncrypted. */
  manifestVersion: string | null;
  manifestDate: string | null;
  wasPasscodeSet: boolean | null;
  /** Problems reading Info.plist / Manifest.plist (absent, unreadable, malformed). */
  problems: string[];
}

function manifestDbIsSqlite(root: string): boolean | null {
  try {
    const fd = openSync(join(root, 'Manifest.db'), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      const head = Buffer.alloc(16);
      const n = readSync(fd, head, 0, 16, 0);
      return n === 16 && head.equals(SQLITE_MAGIC);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Device and backup facts for the exhibit record, from Info.plist and Manifest.plist. */
export function iosBackupInfo(root: string): IosBackupInfo {
  const problems: string[] = [];
  const info = readPlistFile(join(root, 'Info.plist'));
  const manifest = readPlistFile(join(root, 'Manifest.plist'));
  if (!info.present) problems.push('Info.plist is absent');
  else if (info.error) problems.push(`Info.plist could not be read: ${info.error}`);
  if (!manifest.present) problems.push('Manifest.plist is absent');
  else if (manifest.error) problems.push(`Manifest.plist could not be read: ${manifest.error}`);
  const i = isPlainDict(info.value ?? undefined) ? (info.value as { [k: string]: PlistValue }) : {};
  const m = isPlainDict(manifest.value ?? undefined) ? (manifest.value as { [k: string]: PlistValue }) : {};
  const lockdown = isPlainDict(m['Lockdown']) ? m['Lockdown'] : {};
  const format = isRegularFile(join(root, 'Manifest.db'))
    ? 'manifest.db'
    : isRegularFile(join(root, 'Manifest.mbdb'))
      ? 'manifest.mbdb'
      : null;
  let encrypted = m['IsEncrypted'] === true || m['IsEncrypted'] === 1;
  if (!encrypted && format === 'manifest.db' && manifestDbIsSqlite(root) === false) {
    encrypted = true;
    problems.push('Manifest.db is not an SQLite database (encrypted?) although Manifest.plist does not say so');
  }
  const pick = (...vals: (PlistValue | undefined)[]): string | null => {
    for (const v of vals) {
      const s = str(v);
      if (s !== null && s !== '') return s;
    }
    return null;
  };
  return {
    format,
    encrypted,
    deviceName: pick(i['Device Name'], lockdown['DeviceName']),
    displayName: pick(i['Display Name']),
    productType: pick(i['Product Type'], lockdown['ProductType']),
    productVersion: pick(i['Product Version'], lockdown['ProductVersion']),
    buildVersion: pick(i['Build Version'], lockdown['BuildVersion']),
    serialNumber: pick(i['Serial Number'], lockdown['SerialNumber']),
    imei: pick(i['IMEI']),
    meid: pick(i['MEID']),
    phoneNumber: pick(i['Phone Number']),
    iccid: pick(i['ICCID']),
    uniqueIdentifier: pick(i['Unique Identifier'], i['Target Identifier'], lockdown['UniqueDeviceID']),
    lastBackupDate: dateStr(i['Last Backup Date']),
    manifestVersion: pick(m['Version']),
    manifestDate: dateStr(m['Date']),
    wasPasscodeSet: typeof m['WasPasscodeSet'] === 'boolean' ? m['WasPasscodeSet'] : null,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------

/** Unix seconds (as the MBFile blob records them) to ISO 8601 UTC; null when absent or absurd. */
function unixToIso(v: PlistValue | undefined): string | null {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  else return null;
  if (!Number.isFinite(n) || Math.abs(n) > 8.64e12) return null;
  const d = new Date(n * 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function num(v: PlistValue | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return null;
}

export interface MbFile {
  size: number | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  inode: string | null;
  mtime: string | null;
  ctime: string | null;
  birthtime: string | null;
  target: string | null;
  relativePath: string | null;
  protectionClass: number | null;
}

/** Decodes Manifest.db's `file` blob (an NSKeyedArchiver-ed MBFile); throws on a bad blob. */
export function decodeMbFile(blob: Uint8Array): MbFile {
  const o = unarchive(parsePlist(blob));
  if (!isPlainDict(o)) throw new Error('the archived root object is not an MBFile');
  const inode = num(o['InodeNumber']);
  return {
    size: num(o['Size']),
    mode: num(o['Mode']),
    uid: num(o['UserID']),
    gid: num(o['GroupID']),
    inode: inode === null ? null : String(inode),
    mtime: unixToIso(o['LastModified']),
    ctime: unixToIso(o['LastStatusChange']),
    birthtime: unixToIso(o['Birth']),
    target: typeof o['Target'] === 'string' ? o['Target'] : null,
    relativePath: typeof o['RelativePath'] === 'string' ? o['RelativePath'] : null,
    protectionClass: num(o['ProtectionClass']),
  };
}

function kindFromFlags(flags: number | null, mode: number | null): EntryKind {
  if (flags === 1) return 'file';
  if (flags === 2) return 'dir';
  if (flags === 4) return 'symlink';
  if (mode !== null) {
    const t = mode & 0o170000;
    if (t === 0o100000) return 'file';
    if (t === 0o040000) return 'dir';
    if (t === 0o120000) return 'symlink';
  }
  return 'other';
}

function addError(e: SourceEntry, msg: string): void {
  e.error = e.error ? `${e.error}; ${msg}` : msg;
}

function baseEntry(path: string): SourceEntry {
  return blankEntry(path, 'file');
}

function statTimes(e: SourceEntry, st: BigIntStats): void {
  e.size = Number(st.size);
  e.mode = Number(st.mode);
  e.uid = Number(st.uid);
  e.gid = Number(st.gid);
  e.inode = st.ino.toString();
  e.mtime = nsToIso(st.mtimeNs);
  e.ctime = nsToIso(st.ctimeNs);
  e.atime = nsToIso(st.atimeNs);
  e.birthtime = st.birthtimeNs > 0n ? nsToIso(st.birthtimeNs) : null;
}


/** Entry for one of the backup's own metadata files, as it is on disk. */
async function metadataEntry(root: string, name: string): Promise<SourceEntry | null> {
  const fsPath = join(root, name);
  let st: BigIntStats;
  try {
    st = await lstat(fsPath, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    const e = baseEntry(name);
    e.kind = 'other';
    e.error = `could not read its attributes: ${errorMessage(err)}`;
    return e;
  }
  const e = baseEntry(name);
  e.kind = kindOf(st);
  statTimes(e, st);
  e.extra = { iosBackupFile: name };
  if (e.kind === 'file') e.content = { type: 'file', fsPath: Buffer.from(fsPath) };
  else e.error = `a ${e.kind} where the backup keeps ${name}: recorded, not followed`;
  return e;
}

class EntryBudget {
  private n = 0;
  private readonly max: number;
  constructor(limits: ContainerLimits) {
    this.max = limits.maxEntries;
  }
  /** True while another entry may be yielded. */
  take(): boolean {
    this.n++;
    return this.n <= this.max;
  }
  overEntry(): SourceEntry {
    const e = baseEntry('!entry-limit');
    e.kind = 'other';
    e.error = `entry limit reached (${this.max}): the rest of the backup was not catalogued`;
    return e;
  }
}

const isMetadataName = (n: string): boolean => (IOS_METADATA_FILES as readonly string[]).includes(n);

/**
 * Every file of the backup folder under its hashed path (encrypted backups, Manifest.mbdb
 * backups, and a Manifest.db that cannot be read): nothing is interpreted.
 */
async function* hashedOnly(
  root: string,
  budget: EntryBudget,
  notice: string,
  extra: Record<string, unknown>,
  info: IosBackupInfo,
): AsyncGenerator<SourceEntry> {
  let noticed = false;
  for (const name of IOS_METADATA_FILES) {
    const e = await metadataEntry(root, name);
    if (!e) continue;
    e.extra = { ...e.extra, ...extra };
    if (!noticed && (name === 'Manifest.db' || name === 'Manifest.mbdb')) {
      addError(e, notice);
      e.extra['deviceInfo'] = info;
      noticed = true;
    }
    if (!budget.take()) return yield budget.overEntry();
    yield e;
  }
  if (!noticed) {
    const e = baseEntry('Manifest.db');
    e.kind = 'other';
    e.error = notice;
    e.extra = { ...extra };
    if (!budget.take()) return yield budget.overEntry();
    yield e;
  }
  for await (const f of walkFolder(root)) {
    if (!f.path.includes('/') && isMetadataName(f.path)) continue;
    const e: SourceEntry = { ...f, extra: { ...extra, hashedPath: f.path } };
    if (!budget.take()) return yield budget.overEntry();
    yield e;
  }
}

interface FileRow {
  fileID: unknown;
  domain: unknown;
  relativePath: unknown;
  flags: unknown;
  file: unknown;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

/** Manifest.db's page size from its header (bytes 16-17; 1 means 65536), or null when absurd. */
function dbPageSize(db: Uint8Array): number | null {
  if (db.length < 100) return null;
  const v = (db[16]! << 8) | db[17]!;
  const size = v === 1 ? 65536 : v;
  return size >= 512 && (size & (size - 1)) === 0 ? size : null;
}

/**
 * SQLite's WAL checksum (https://www.sqlite.org/fileformat2.html#walformat): 32-bit words in
 * the byte order the WAL magic names, summed in pairs, continuing from `s`.
 */
function walChecksum(b: Uint8Array, bigEndian: boolean, s: [number, number]): [number, number] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let [s0, s1] = s;
  for (let i = 0; i + 8 <= b.length; i += 8) {
    s0 = (s0 + v.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + v.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

const MAX_DB_BYTES = 2 ** 31 - 1;

/**
 * Applies the committed frames of a -wal file to the database image, as SQLite would when it
 * opens the database: frames are read in order while their salts match the WAL header and their
 * cumulative checksums hold; those up to the last commit frame are applied (later frames win),
 * and the database takes the size that commit records. Frames after the last commit (a
 * transaction not finished) are not applied. Returns the new image and the frames applied.
 */
export function applyWal(db: Uint8Array, wal: Uint8Array): { image: Uint8Array; frames: number } {
  if (wal.length < 32) throw new Error('shorter than a WAL header');
  const h = Buffer.from(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = h.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) throw new Error('not a WAL file (bad magic)');
  const bigEndian = magic === 0x377f0683;
  const pageSize = h.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new Error(`bad page size ${pageSize}`);
  // (SQLite deletes a WAL found beside an empty database file: nothing of it is read.)
  if (db.length === 0) throw new Error('Manifest.db is empty, and SQLite ignores a WAL beside an empty database');
  const dbPage = dbPageSize(db);
  if (dbPage !== pageSize) throw new Error(`page size ${pageSize} differs from the database's (${dbPage ?? 'unreadable'})`);
  let sum = walChecksum(wal.subarray(0, 24), bigEndian, [0, 0]);
  if (sum[0] !== h.readUInt32BE(24) || sum[1] !== h.readUInt32BE(28)) throw new Error('WAL header checksum does not hold');
  const salt1 = h.readUInt32BE(16);
  const salt2 = h.readUInt32BE(20);

  // First pass: how far the valid, committed frames go.
  const frameSize = 24 + pageSize;
  let committedEnd = 32;
  let committedPages = 0;
  for (let off = 32; off + frameSize <= wal.length; off += frameSize) {
    if (h.readUInt32BE(off + 8) !== salt1 || h.readUInt32BE(off + 12) !== salt2) break;
    sum = walChecksum(wal.subarray(off, off + 8), bigEndian, sum);
    sum = walChecksum(wal.subarray(off + 24, off + frameSize), bigEndian, sum);
    if (sum[0] !== h.readUInt32BE(off + 16) || sum[1] !== h.readUInt32BE(off + 20)) break;
    if (h.readUInt32BE(off) === 0) break;
    const commit = h.readUInt32BE(off + 4);
    if (commit !== 0) {
      committedEnd = off + frameSize;
      committedPages = commit;
    }
  }
  if (committedEnd === 32) return { image: db, frames: 0 };
  if (committedPages * pageSize > MAX_DB_BYTES) throw new Error(`the WAL makes the database ${committedPages} pages long, more than is read`);
  const image = Buffer.alloc(committedPages * pageSize);
  Buffer.from(db.buffer, db.byteOffset, Math.min(db.byteLength, image.length)).copy(image);
  let frames = 0;
  for (let off = 32; off < committedEnd; off += frameSize) {
    const page = h.readUInt32BE(off);
    frames++;
    if (page > committedPages) continue; // a page past the end the commit records
    h.copy(image, (page - 1) * pageSize, off + 24, off + frameSize);
  }
  return { image, frames };
}

interface OpenedManifest {
  db: Database.Database;
  /** Header bytes 18-19: 2 = WAL (current iPhones), 1 = rollback journal. */
  journal: 'wal' | 'rollback';
  /** Bytes of Manifest.db-wal read with it, or null when the backup has none. */
  walBytes: number | null;
  /** Committed WAL frames applied. */
  walFrames: number;
  /** Why Manifest.db-wal, present, was not read. */
  walProblem: string | null;
}

/**
 * Manifest.db opened from memory: its bytes, with the committed frames of a Manifest.db-wal
 * beside it applied (they are part of the database), marked as a rollback-journal database
 * (header bytes 18-19 = 1) because SQLite opens no WAL database from memory. Nothing is written
 * anywhere, and SQLite never sees the export's files.
 */
function openManifest(root: string): OpenedManifest {
  let image: Uint8Array = readSmallFile(join(root, 'Manifest.db'), MAX_DB_BYTES);
  const journal = image.length >= 20 && image[18] === 2 && image[19] === 2 ? 'wal' : 'rollback';
  let walBytes: number | null = null;
  let walFrames = 0;
  let walProblem: string | null = null;
  const walPath = join(root, 'Manifest.db-wal');
  let walStat: BigIntStats | null = null;
  try {
    walStat = lstatSync(walPath, { bigint: true });
  } catch {
    walStat = null;
  }
  if (walStat && !walStat.isFile()) {
    walProblem = `Manifest.db-wal is a ${kindOf(walStat)}, not a file: not followed, its changes not read`;
  } else if (walStat && walStat.size > 0n) {
    try {
      const wal = readSmallFile(walPath, MAX_DB_BYTES);
      const applied = applyWal(image, wal);
      image = applied.image;
      walBytes = wal.length;
      walFrames = applied.frames;
    } catch (err) {
      walProblem = `Manifest.db-wal could not be applied (${errorMessage(err)}): its changes are not in this listing`;
    }
  } else if (walStat) {
    walBytes = 0;
  }
  if (image.length >= 20 && (image[18] === 2 || image[19] === 2)) {
    // Bytes in memory, never the file: the export is only read.
    image[18] = 1;
    image[19] = 1;
  }
  const db = new Database(Buffer.from(image.buffer, image.byteOffset, image.byteLength), { readonly: true });
  return { db, journal, walBytes, walFrames, walProblem };
}

/**
 * The files of an iPhone backup, each under `domain/relativePath`, then the files in the folder
 * that Manifest.db does not list (under `unlisted/<hashed path>`), with the backup's own files
 * under their own names (`Manifest.db`, `Info.plist`...). Encrypted and pre-iOS 10 backups are
 * catalogued by hashed name only.
 */
export async function* iosBackupEntries(root: string, ctx: { limits: ContainerLimits }): AsyncGenerator<SourceEntry> {
  const budget = new EntryBudget(ctx.limits);
  const info = iosBackupInfo(root);

  if (info.format === 'manifest.mbdb') {
    yield* hashedOnly(
      root,
      budget,
      'Manifest.mbdb backup (iOS 9 or earlier): manifest not parsed, files catalogued by hashed name only',
      { iosBackupFormat: 'manifest.mbdb' },
      info,
    );
    return;
  }
  if (info.encrypted) {
    yield* hashedOnly(root, budget, ENCRYPTED_NOTICE, { encryptedBackup: true }, info);
    return;
  }

  let manifest: OpenedManifest | null = null;
  try {
    manifest = openManifest(root);
    manifest.db.prepare('SELECT fileID, domain, relativePath, flags, file FROM Files LIMIT 1').all();
  } catch (err) {
    manifest?.db.close();
    yield* hashedOnly(
      root,
      budget,
      `Manifest.db could not be read (${errorMessage(err)}): files catalogued by hashed name only`,
      { manifestUnreadable: true },
      info,
    );
    return;
  }

  const db = manifest.db;
  try {
    for (const name of IOS_METADATA_FILES) {
      const e = await metadataEntry(root, name);
      if (!e) continue;
      if (name === 'Manifest.db') {
        e.extra = { ...e.extra, deviceInfo: info, journalMode: manifest.journal, walBytesRead: manifest.walBytes, walFramesApplied: manifest.walFrames };
        if (manifest.walProblem) addError(e, manifest.walProblem);
      }
      if (!budget.take()) return yield budget.overEntry();
      yield e;
    }

    const rows = db
      .prepare('SELECT fileID, domain, relativePath, flags, file FROM Files ORDER BY domain, relativePath, fileID')
      .iterate() as IterableIterator<FileRow>;
    for (const row of rows) {
      const e = await listedEntry(root, row);
      if (!budget.take()) return yield budget.overEntry();
      yield e;
    }

    // Files in the folder that Manifest.db does not list. Looked up one by one (fileID is the
    // primary key), so memory does not grow with the number of files.
    const known = db.prepare('SELECT 1 FROM Files WHERE fileID = ? OR fileID = ? LIMIT 1').pluck();
    for await (const f of walkFolder(root)) {
      const parts = f.path.split('/');
      if (parts.length === 1 && isMetadataName(f.path)) continue;
      if (f.kind === 'dir' && parts.length === 1 && /^[0-9a-fA-F]{2}$/.test(f.path)) continue;
      if (parts.length === 2 && /^[0-9a-fA-F]{2}$/.test(parts[0]!) && f.kind !== 'dir') {
        const id = parts[1]!;
        if (parts[0]!.toLowerCase() === id.slice(0, 2).toLowerCase() && known.get(id, id.toLowerCase()) !== undefined) {
          continue;
        }
      }
      const e: SourceEntry = {
        ...f,
        path: `unlisted/${f.path}`,
        pathRaw: f.pathRaw ? Buffer.concat([Buffer.from('unlisted/'), f.pathRaw]) : null,
        extra: { hashedPath: f.path, unlisted: true },
      };
      addError(e, UNLISTED_NOTICE);
      if (!budget.take()) return yield budget.overEntry();
      yield e;
    }
  } finally {
    db.close();
  }
}

async function listedEntry(root: string, row: FileRow): Promise<SourceEntry> {
  const fileID = text(row.fileID);
  const domain = text(row.domain);
  const relativePath = text(row.relativePath);
  const flags = typeof row.flags === 'number' ? row.flags : typeof row.flags === 'bigint' ? Number(row.flags) : null;
  const path = relativePath === '' ? domain : `${domain}/${relativePath}`;
  const e = baseEntry(path);
  const idLower = fileID.toLowerCase();
  const validId = HEX40.test(idLower);
  const hashedPath = validId ? `${fileID.slice(0, 2)}/${fileID}` : null;
  const expectedId = createHash('sha1').update(`${domain}-${relativePath}`, 'utf8').digest('hex');
  const fileIdOk = idLower === expectedId;
  e.extra = { fileID, domain, relativePath, hashedPath, flags, fileIdOk };

  let mb: MbFile | null = null;
  if (row.file instanceof Uint8Array && row.file.byteLength > 0) {
    try {
      mb = decodeMbFile(row.file);
    } catch (err) {
      addError(e, `the file blob in Manifest.db could not be read: ${errorMessage(err)}`);
    }
  } else if (flags !== 2) {
    addError(e, 'Manifest.db has no file blob for this entry');
  }
  e.kind = kindFromFlags(flags, mb?.mode ?? null);
  if (mb) {
    e.size = mb.size;
    e.mode = mb.mode;
    e.uid = mb.uid;
    e.gid = mb.gid;
    e.inode = mb.inode;
    e.mtime = mb.mtime;
    e.ctime = mb.ctime;
    e.birthtime = mb.birthtime;
    if (e.kind === 'symlink') e.linkTarget = mb.target;
    if (mb.protectionClass !== null) e.extra['protectionClass'] = mb.protectionClass;
  }
  if (e.kind === 'dir') e.size = null;
  if (!fileIdOk) addError(e, FILEID_ERROR);

  if (e.kind !== 'file') return e;
  if (!validId) {
    addError(e, 'fileID is not 40 hex digits: not looked up in the backup folder');
    return e;
  }
  // Backups made on case-insensitive disks may keep the fileID's case; try it as recorded first.
  const candidates = [join(root, fileID.slice(0, 2), fileID)];
  if (fileID !== idLower || fileID.slice(0, 2) !== idLower.slice(0, 2)) candidates.push(join(root, idLower.slice(0, 2), idLower));
  for (const fsPath of candidates) {
    let st: BigIntStats;
    try {
      st = await lstat(fsPath, { bigint: true });
    } catch {
      continue;
    }
    if (!st.isFile()) {
      addError(e, `the backup holds a ${kindOf(st)} at ${hashedPath}, not a file: recorded, not followed`);
      return e;
    }
    e.content = { type: 'file', fsPath: Buffer.from(fsPath) };
    const onDisk = Number(st.size);
    if (e.size !== null && onDisk !== e.size) {
      e.extra['sizeOnDisk'] = onDisk;
      addError(e, `size in the backup folder (${onDisk}) differs from Manifest.db (${e.size})`);
    }
    return e;
  }
  addError(e, MISSING_ERROR);
  return e;
}
