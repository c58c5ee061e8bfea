// ZIP reader (yauzl for the central directory, ZIP64 included). Every member becomes an entry;
// its bytes are handed out as a byte range of the archive file (stored or raw-deflate, with the
// recorded CRC-32 and size so the hashing worker checks both), or, for an archive held in memory,
// as the bytes themselves. Nothing is extracted anywhere.
//
// Hostile archives are recorded, not obeyed: zip-slip names are kept as written and flagged;
// members whose bytes overlap another member or the central directory (the overlapping-kernel
// zip bomb) are flagged and not read; the entry count, the total declared size and the
// compression ratio of large members are bounded by the case limits; encrypted members and
// unsupported compression methods are hashed as the raw bytes they are.
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createInflateRaw, crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { errorMessage } from '../errors.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';
import {
  NameIndex,
  blankEntry,
  containerProblem,
  depthProblem,
  formatBytes,
  hostileNameError,
  kindOfMode,
  linkEscapes,
  nameFromBytes,
  utf8Lenient,
  utf8OrNull,
} from './detect.ts';
import type { Content, ContainerBytes, ContainerContext, ContainerReader, SourceEntry } from './types.ts';
import { nsToIso } from '../time.ts';

// ---------------------------------------------------------------------------------------------
// Name decoding

/** Code page 437 (the ZIP default for names without the UTF-8 flag), bytes 0x80-0xFF. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(raw: Uint8Array): string {
  let s = '';
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  return s;
}

const legacyDecoders = new Map<string, TextDecoder | null>();
function legacyDecoder(label: 'shift_jis' | 'gbk'): TextDecoder | null {
  let d = legacyDecoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label, { fatal: true });
    } catch {
      d = null; // a Node built without full ICU
    }
    legacyDecoders.set(label, d);
  }
  return d;
}

function decodeStrict(label: 'shift_jis' | 'gbk', raw: Uint8Array): string | null {
  const dec = legacyDecoder(label);
  if (!dec) return null;
  let text: string;
  try {
    text = dec.decode(raw);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\ufffd]/.test(text) ? null : text;
}

const KANA = /[\u3040-\u30ff]/;
const HALFWIDTH_KANA = /[\uff61-\uff9f]/;
const TWO_IDEOGRAPHS = /[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]{2}/;

/**
 * An East Asian reading of a name that is not UTF-8, when one plainly fits: Shift_JIS (Japanese
 * Windows) when it gives kana, or a run of two ideographs without half-width katakana; else GBK
 * (Chinese Windows) when it gives a run of two ideographs. A CP437 name with accents decodes, if
 * at all, to isolated ideographs between Latin letters; a GBK name read as Shift_JIS to
 * half-width katakana. Null when neither fits.
 */
function eastAsianName(raw: Uint8Array): { text: string; encoding: 'shift_jis' | 'gbk' } | null {
  const j = decodeStrict('shift_jis', raw);
  if (j !== null && !HALFWIDTH_KANA.test(j) && (KANA.test(j) || TWO_IDEOGRAPHS.test(j))) return { text: j, encoding: 'shift_jis' };
  const g = decodeStrict('gbk', raw);
  if (g !== null && TWO_IDEOGRAPHS.test(g)) return { text: g, encoding: 'gbk' };
  return null;
}

export interface DecodedName {
  text: string;
  /** The raw bytes when the text is an interpretation of them (not flagged UTF-8, not ASCII). */
  raw: Uint8Array | null;
  encoding: 'ascii' | 'utf-8' | 'utf-8 (unflagged)' | 'utf-8 (unicode path field)' | 'shift_jis' | 'gbk' | 'cp437' | 'invalid utf-8';
}

function isAscii(raw: Uint8Array): boolean {
  for (const b of raw) if (b > 0x7f) return false;
  return true;
}

/**
 * A member name from its raw bytes: UTF-8 when flagged (bit 11) or when the bytes are valid
 * UTF-8 anyway, the Info-ZIP Unicode Path field when its CRC matches, else Shift_JIS or GBK when
 * one plainly fits, else CP437 (the ZIP default). The raw bytes are kept whenever the text is a
 * reading of them.
 */
export function decodeZipName(raw: Uint8Array, flags: number, extraFields: readonly ExtraField[] = []): DecodedName {
  if (flags & 0x800) {
    const t = utf8OrNull(raw);
    return t !== null ? { text: t, raw: null, encoding: 'utf-8' } : { text: nameFromBytes(raw).text, raw, encoding: 'invalid utf-8' };
  }
  if (isAscii(raw)) return { text: Buffer.from(raw).toString('latin1'), raw: null, encoding: 'ascii' };
  for (const f of extraFields) {
    if (f.id !== 0x7075 || f.data.byteLength < 6 || f.data[0] !== 1) continue;
    if (f.data.readUInt32LE(1) !== crc32(raw) >>> 0) continue;
    const t = utf8OrNull(f.data.subarray(5));
    if (t !== null) return { text: t, raw, encoding: 'utf-8 (unicode path field)' };
  }
  const u = utf8OrNull(raw);
  if (u !== null) return { text: u, raw, encoding: 'utf-8 (unflagged)' };
  const ea = eastAsianName(raw);
  if (ea !== null) return { text: ea.text, raw, encoding: ea.encoding };
  return { text: decodeCp437(raw), raw, encoding: 'cp437' };
}

// ---------------------------------------------------------------------------------------------
// Bytes of the archive: a file read with positioned, cached reads, or memory.

interface ByteSource {
  readonly size: number;
  readonly fsPath: string | null;
  /** Where offset 0 of this view lies in the file (non-zero for a ZIP with bytes before it). */
  readonly base: number;
  /**
   * Up to `len` bytes at `pos` (fewer at the end). The result may be a view: use it at once.
   * `stream` 0 serves the central directory, 1 everything else: each keeps its own read-ahead
   * block, so walking the directory and visiting local headers do not evict each other.
   */
  read(pos: number, len: number, stream?: 0 | 1): Buffer;
  close(): void;
}

class BlockCache {
  start = -1;
  len = 0;
  readonly buf: Buffer;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
}

class FileSource implements ByteSource {
  readonly size: number;
  readonly fsPath: string;
  readonly base = 0;
  private fd: number | null;
  private readonly caches = [new BlockCache(64 * 1024), new BlockCache(16 * 1024)];

  constructor(path: string) {
    this.fsPath = path;
    this.fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
    this.size = fstatSync(this.fd).size;
  }

  private readAt(buf: Buffer, off: number, len: number, pos: number): number {
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd!, buf, off + got, len - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  read(pos: number, len: number, stream: 0 | 1 = 1): Buffer {
    if (pos < 0 || pos >= this.size || len <= 0) return Buffer.alloc(0);
    len = Math.min(len, this.size - pos);
    const c = this.caches[stream]!;
    const bs = c.buf.byteLength;
    if (len > bs / 2) {
      const out = Buffer.allocUnsafe(len);
      return out.subarray(0, this.readAt(out, 0, len, pos));
    }
    if (c.start < 0 || pos < c.start || pos + len > c.start + c.len) {
      c.start = pos;
      c.len = this.readAt(c.buf, 0, Math.min(bs, this.size - pos), pos);
    }
    const off = pos - c.start;
    return c.buf.subarray(off, Math.min(off + len, c.len));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

class MemorySource implements ByteSource {
  readonly size: number;
  readonly fsPath = null;
  readonly base = 0;
  private readonly data: Buffer;
  constructor(data: Uint8Array) {
    this.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.size = data.byteLength;
  }
  read(pos: number, len: number): Buffer {
    if (pos < 0 || pos >= this.size || len <= 0) return Buffer.alloc(0);
    return this.data.subarray(pos, Math.min(this.size, pos + len));
  }
  close(): void {}
}

/**
 * The ZIP inside a file that has other bytes before it (a self-extractor stub, a download with a
 * header glued on): offsets in the ZIP count from its own start, `shift` bytes into the file.
 */
class ShiftedSource implements ByteSource {
  readonly size: number;
  readonly fsPath: string | null;
  readonly base: number;
  private readonly inner: ByteSource;
  private readonly shift: number;
  constructor(inner: ByteSource, shift: number) {
    this.inner = inner;
    this.shift = shift;
    this.size = inner.size - shift;
    this.fsPath = inner.fsPath;
    this.base = inner.base + shift;
  }
  read(pos: number, len: number, stream?: 0 | 1): Buffer {
    if (pos < 0) return Buffer.alloc(0);
    return this.inner.read(pos + this.shift, len, stream);
  }
  close(): void {
    this.inner.close();
  }
}

// ---------------------------------------------------------------------------------------------
// yauzl, driven lazily over our ByteSource. (The published types describe yauzl 2; these are the
// parts of yauzl 3 used here.)

interface ExtraField {
  id: number;
  data: Buffer;
}

interface YEntry {
  versionMadeBy: number;
  generalPurposeBitFlag: number;
  compressionMethod: number;
  lastModFileTime: number;
  lastModFileDate: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  externalFileAttributes: number;
  relativeOffsetOfLocalHeader: number;
  fileName: Buffer;
  fileComment: Buffer;
  extraFields: ExtraField[];
}

interface YZipFile {
  entryCount: number;
  readEntryCursor: number;
  readEntry(): void;
  close(): void;
  on(ev: 'entry', f: (e: YEntry) => void): void;
  on(ev: 'end', f: () => void): void;
  on(ev: 'error', f: (err: Error) => void): void;
  removeAllListeners(): void;
}

interface YRandomAccessReader {
  read(buffer: Buffer, offset: number, length: number, position: number, cb: (err: Error | null, n?: number) => void): void;
}

interface Yauzl {
  RandomAccessReader: new () => YRandomAccessReader;
  fromRandomAccessReader(
    reader: YRandomAccessReader,
    totalSize: number,
    options: Record<string, boolean>,
    cb: (err: Error | null, zf?: YZipFile) => void,
  ): void;
}

const Y = yauzl as unknown as Yauzl;

class SourceReader extends Y.RandomAccessReader {
  src!: ByteSource;
  override read(buffer: Buffer, offset: number, length: number, position: number, cb: (err: Error | null, n?: number) => void): void {
    let n: number;
    try {
      const got = this.src.read(position, length, 0);
      got.copy(buffer, offset);
      n = got.byteLength;
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, n);
  }
  _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([Buffer.from(this.src.read(start, end - start, 0))]);
  }
}

function openZip(src: ByteSource, size: number): Promise<YZipFile> {
  const reader = new SourceReader();
  reader.src = src;
  return new Promise((resolve, reject) => {
    Y.fromRandomAccessReader(
      reader,
      size,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false, strictFileNames: false },
      (err, zf) => (err || !zf ? reject(err ?? new Error('no zip')) : resolve(zf)),
    );
  });
}

/** One central directory entry at a time: resolves null at the end, rejects on a damaged record. */
class EntryCursor {
  private pending: { resolve: (e: YEntry | null) => void; reject: (err: Error) => void } | null = null;
  private readonly zf: YZipFile;
  constructor(zf: YZipFile) {
    this.zf = zf;
    zf.on('entry', (e) => this.settle((p) => p.resolve(e)));
    zf.on('end', () => this.settle((p) => p.resolve(null)));
    zf.on('error', (err) => this.settle((p) => p.reject(err)));
  }
  private settle(f: (p: { resolve: (e: YEntry | null) => void; reject: (err: Error) => void }) => void): void {
    const p = this.pending;
    this.pending = null;
    if (p) f(p);
  }
  next(): Promise<YEntry | null> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.zf.readEntry();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Byte ranges already claimed by members, to catch members that share bytes (overlap bombs).

/** Disjoint [start, end) intervals in sorted blocks: insertion and lookup in O(sqrt n). */
export class IntervalSet {
  private blocks: { s: number[]; e: number[] }[] = [];
  private static readonly MAX = 512;

  /** Adds [s, e) if it overlaps nothing already held; false (and nothing added) if it does. */
  claim(s: number, e: number): boolean {
    const blocks = this.blocks;
    if (blocks.length === 0) {
      blocks.push({ s: [s], e: [e] });
      return true;
    }
    // The block whose first start is the greatest <= s (or the first block).
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (blocks[mid]!.s[0]! <= s) lo = mid;
      else hi = mid - 1;
    }
    const b = blocks[lo]!;
    // Position in b: first index with start > s.
    let i = 0;
    let j = b.s.length;
    while (i < j) {
      const mid = (i + j) >> 1;
      if (b.s[mid]! <= s) i = mid + 1;
      else j = mid;
    }
    // Predecessor (start <= s) must end at or before s; successor (start > s) must start at or after e.
    if (i > 0 && b.e[i - 1]! > s) return false;
    const succStart = i < b.s.length ? b.s[i]! : lo + 1 < blocks.length ? blocks[lo + 1]!.s[0]! : Infinity;
    if (succStart < e) return false;
    b.s.splice(i, 0, s);
    b.e.splice(i, 0, e);
    if (b.s.length > IntervalSet.MAX) {
      const half = b.s.length >> 1;
      blocks.splice(lo + 1, 0, { s: b.s.splice(half), e: b.e.splice(half) });
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Member metadata

const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  19: 'lz77',
  93: 'zstd',
  95: 'xz',
  96: 'jpeg',
  97: 'wavpack',
  98: 'ppmd',
  99: 'AES',
};

/** "2013-08-20T00:29:12": DOS date and time, local time of the machine that made the ZIP, zone unknown. */
export function dosTimeText(date: number, time: number): string | null {
  if (date === 0 && time === 0) return null;
  const y = ((date >> 9) & 0x7f) + 1980;
  const mo = (date >> 5) & 0xf;
  const d = date & 0x1f;
  const h = (time >> 11) & 0x1f;
  const mi = (time >> 5) & 0x3f;
  const s = (time & 0x1f) * 2;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${y}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}`;
}

function parseExtra(buf: Buffer): ExtraField[] {
  const out: ExtraField[] = [];
  let i = 0;
  while (i + 4 <= buf.byteLength) {
    const id = buf.readUInt16LE(i);
    const len = buf.readUInt16LE(i + 2);
    if (i + 4 + len > buf.byteLength) break;
    out.push({ id, data: buf.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out;
}

interface Times {
  mtime: string | null;
  atime: string | null;
  birthtime: string | null;
}

const EPOCH_1601_TICKS = 116444736000000000n;

/** UTC times from the extended-timestamp (0x5455) and NTFS (0x000a) extra fields. */
function extraTimes(central: readonly ExtraField[], local: readonly ExtraField[]): Times {
  const t: Times = { mtime: null, atime: null, birthtime: null };
  const unix = (secs: number): string => new Date(secs * 1000).toISOString();
  // Local header first: its UT field may carry atime, the central one carries mtime only.
  for (const fields of [local, central]) {
    for (const f of fields) {
      if (f.id === 0x5455 && f.data.byteLength >= 5) {
        const flags = f.data[0]!;
        let off = 1;
        if (flags & 1 && off + 4 <= f.data.byteLength) {
          t.mtime ??= unix(f.data.readInt32LE(off));
          off += 4;
        }
        if (flags & 2 && off + 4 <= f.data.byteLength) {
          t.atime ??= unix(f.data.readInt32LE(off));
        }
      }
    }
  }
  for (const fields of [central, local]) {
    for (const f of fields) {
      if (f.id !== 0x000a || f.data.byteLength < 32) continue;
      // 4 reserved, then attributes: tag 1, size 24, mtime, atime, ctime (creation), 100 ns ticks since 1601.
      if (f.data.readUInt16LE(4) !== 1 || f.data.readUInt16LE(6) < 24) continue;
      const iso = (off: number): string | null => {
        const ticks = f.data.readBigUInt64LE(off);
        return ticks === 0n ? null : nsToIso((BigInt.asIntN(64, ticks) - EPOCH_1601_TICKS) * 100n);
      };
      // NTFS times are more precise than the 1 s of the UT field: they win.
      t.mtime = iso(8) ?? t.mtime;
      t.atime = iso(16) ?? t.atime;
      t.birthtime = iso(24) ?? t.birthtime;
      return t;
    }
  }
  return t;
}

/** uid/gid from the Info-ZIP Unix extra field "ux" (0x7875). */
function extraOwner(fields: readonly ExtraField[]): { uid: number | null; gid: number | null } {
  for (const f of fields) {
    if (f.id !== 0x7875 || f.data.byteLength < 3 || f.data[0] !== 1) continue;
    const readN = (off: number, n: number): number | null => {
      if (n < 1 || n > 6 || off + n > f.data.byteLength) return null;
      return f.data.readUIntLE(off, n);
    };
    const uidSize = f.data[1]!;
    const uid = readN(2, uidSize);
    const gidSize = f.data[2 + uidSize];
    const gid = gidSize === undefined ? null : readN(3 + uidSize, gidSize);
    return { uid, gid };
  }
  return { uid: null, gid: null };
}

/** A copy with its own exact ArrayBuffer: a view into a larger buffer would drag all of it to a worker. */
function own(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Inflates a member held in memory as a stream, bounded by its declared size, CRC checked at the end. */
function inflatingStream(compressed: Uint8Array, size: number, crc: number): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    const src = Readable.from([Buffer.from(compressed)]).pipe(createInflateRaw());
    let n = 0;
    let c = 0;
    try {
      for await (const chunk of src) {
        const b = chunk as Buffer;
        n += b.byteLength;
        if (n > size) throw new Error(`decompresses to more than its declared ${size} bytes (a zip-bomb technique): stopped`);
        c = crc32(b, c);
        yield b;
      }
    } finally {
      src.destroy();
    }
    if (n < size) throw new Error(`decompresses to ${n} bytes, fewer than the ${size} declared`);
    if (c >>> 0 !== crc >>> 0) throw new Error(`CRC-32 mismatch: the ZIP records ${hex8(crc)}, the bytes give ${hex8(c)}`);
  }
  return Readable.from(gen(), { objectMode: false });
}

// ---------------------------------------------------------------------------------------------
// The reader

const MiB = 1024 * 1024;
const EOCD_SIG = 0x06054b50;
const LOCAL_SIG = 0x04034b50;
/** Symlink targets longer than this are not read (a link target is a path, not data). */
const MAX_LINK_TARGET = 64 * 1024;

interface Eocd {
  /** Where the ZIP ends (the end of the EOCD record and its comment). */
  end: number;
  /**
   * Bytes before the ZIP proper: the central directory sits that much later in the file than the
   * end record says (0 for an ordinary ZIP; ZIP64 archives are taken as they are).
   */
  shift: number;
}

/** Finds the end-of-central-directory record: the last one whose comment fits in the file. */
function findEocd(src: ByteSource): Eocd | null {
  const tail = Math.min(src.size, 22 + 0xffff + 20);
  const buf = Buffer.from(src.read(src.size - tail, tail));
  for (let i = buf.byteLength - 22; i >= 0; i--) {
    if (buf.readUInt32LE(i) !== EOCD_SIG) continue;
    const commentLen = buf.readUInt16LE(i + 20);
    if (i + 22 + commentLen > buf.byteLength) continue;
    const at = src.size - tail + i;
    let shift = 0;
    const cdSize = buf.readUInt32LE(i + 12);
    const cdOffset = buf.readUInt32LE(i + 16);
    const zip64 = i >= 20 && buf.readUInt32LE(i - 20) === 0x07064b50;
    if (!zip64 && cdOffset !== 0xffffffff && cdOffset + cdSize < at && cdSize > 0) {
      const actual = at - cdSize;
      const sig = src.read(actual, 4);
      if (sig.byteLength === 4 && sig.readUInt32LE(0) === 0x02014b50) shift = actual - cdOffset;
    }
    return { end: at + 22 + commentLen, shift };
  }
  return null;
}

function openSource(bytes: ContainerBytes): ByteSource {
  return bytes.type === 'file' ? new FileSource(bytes.path) : new MemorySource(bytes.data);
}

async function* zipEntries(bytes: ContainerBytes, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
  const tooDeep = depthProblem(ctx);
  if (tooDeep) {
    yield tooDeep;
    return;
  }
  let src: ByteSource;
  try {
    src = openSource(bytes);
  } catch (err) {
    yield containerProblem(ctx, `not a readable ZIP: ${errorMessage(err)}`);
    return;
  }
  try {
    yield* readZip(src, ctx);
  } finally {
    src.close();
  }
}

async function* readZip(file: ByteSource, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
  let src = file;
  const limits = ctx.limits;
  const eocd = findEocd(src);
  if (!eocd) {
    yield* salvage(file, ctx, `no end-of-central-directory record (not a ZIP, or truncated: ${formatBytes(file.size)} present)`);
    return;
  }
  // Problems with the container as a whole go into one entry at the end (its path is unique).
  const notes: string[] = [];
  const facts: Record<string, unknown> = {};
  const fileSize = src.size;
  if (eocd.shift > 0) {
    notes.push(`${eocd.shift} bytes before the ZIP (a self-extractor stub or a glued-on header; in the container's hashes, not read as members)`);
    facts.leadingBytes = eocd.shift;
    src = new ShiftedSource(src, eocd.shift);
  }
  const zipEnd = eocd.end - eocd.shift;
  let zf: YZipFile;
  try {
    zf = await openZip(src, zipEnd);
  } catch (err) {
    // The end records are unusable: the local headers may still be walked.
    yield* salvage(src, ctx, [...notes, `its end records cannot be used (${errorMessage(err)})`].join('; '));
    return;
  }
  if (eocd.end < fileSize) {
    notes.push(`${fileSize - eocd.end} bytes after the end of the ZIP (in the container's hashes, not read as members)`);
    facts.trailingBytes = fileSize - eocd.end;
  }
  const cdStart = zf.readEntryCursor;
  const cursor = new EntryCursor(zf);
  const claimed = new IntervalSet();
  const names = new NameIndex();
  let count = 0;
  let totalDeclared = 0;
  let salvageWhy: string | null = null;
  try {
    for (;;) {
      let e: YEntry | null;
      try {
        e = await cursor.next();
      } catch (err) {
        const msg = /strong encryption/.test(errorMessage(err))
          ? 'entry uses PKWARE strong encryption, which this reader cannot list past'
          : errorMessage(err);
        if (count === 0) {
          // Not one central directory entry is readable: walk the local headers instead.
          notes.push(`its central directory cannot be read (${msg})`);
          salvageWhy = notes.join('; ');
          break;
        }
        notes.push(`central directory damaged after ${count} of ${zf.entryCount} entries: ${msg}; the rest is not read`);
        break;
      }
      if (!e) break;
      if (count >= limits.maxEntries) {
        notes.push(`entry limit reached: ${limits.maxEntries} entries read, the central directory lists ${zf.entryCount}; the rest is not read`);
        facts.limit = 'maxEntries';
        facts.listed = zf.entryCount;
        break;
      }
      count++;
      const entry = describe(e, src, ctx, cdStart, zipEnd, claimed, names);
      const c = entry.content;
      const decoded = !c ? 0 : c.type === 'range' ? c.size : c.type === 'bytes' ? c.data.byteLength : c.type === 'stream' ? (c.size ?? 0) : 0;
      if (totalDeclared + decoded > limits.maxTotalBytes) {
        // The member that would cross the limit is recorded, not read; the rest is not listed.
        entry.error = [entry.error, `total size limit reached (${formatBytes(limits.maxTotalBytes)}): not extracted`].filter(Boolean).join('; ');
        entry.content = null;
        yield entry;
        notes.push(
          `total size limit reached: members so far declare ${formatBytes(totalDeclared)}, the next (${entry.path}) ${formatBytes(decoded)}, over the limit of ${formatBytes(limits.maxTotalBytes)}; the rest is not read`,
        );
        facts.limit = 'maxTotalBytes';
        break;
      }
      totalDeclared += decoded;
      yield entry;
    }
    if (salvageWhy === null && notes.length) yield containerProblem(ctx, notes.join('; '), { ...facts, entriesRead: count });
  } finally {
    zf.removeAllListeners();
    (zf as unknown as { on(ev: string, f: () => void): void }).on('error', () => undefined);
    zf.close();
  }
  if (salvageWhy !== null) yield* salvage(src, ctx, salvageWhy);
}

/**
 * A ZIP without its end record (a cut download, a partial copy): the members before the cut are
 * found by walking the local headers from the start, as long as each records its sizes (members
 * written with a data descriptor do not, and end the walk). Each is flagged as recovered; one
 * container entry says what happened.
 */
async function* salvage(src: ByteSource, ctx: ContainerContext, why: string): AsyncGenerator<SourceEntry> {
  const claimed = new IntervalSet();
  const names = new NameIndex();
  const limits = ctx.limits;
  let pos = 0;
  let count = 0;
  let total = 0;
  let stop = '';
  for (;;) {
    const fixed = Buffer.from(src.read(pos, 30));
    if (fixed.byteLength < 30 || fixed.readUInt32LE(0) !== LOCAL_SIG) break;
    if (count >= limits.maxEntries) {
      stop = `; entry limit reached (${limits.maxEntries})`;
      break;
    }
    const flags = fixed.readUInt16LE(6);
    const n = fixed.readUInt16LE(26);
    const m = fixed.readUInt16LE(28);
    const fileName = Buffer.from(src.read(pos + 30, n));
    const extraFields = parseExtra(Buffer.from(src.read(pos + 30 + n, m)));
    let compressedSize = fixed.readUInt32LE(18);
    let uncompressedSize = fixed.readUInt32LE(22);
    const z64 = extraFields.find((f) => f.id === 0x0001);
    if (z64 && uncompressedSize === 0xffffffff && z64.data.byteLength >= 8) uncompressedSize = Number(z64.data.readBigUInt64LE(0));
    if (z64 && compressedSize === 0xffffffff && z64.data.byteLength >= 16) compressedSize = Number(z64.data.readBigUInt64LE(8));
    if (flags & 0x08 && compressedSize === 0) {
      stop = `; the walk stopped at offset ${pos}: a member written with a data descriptor records no size in its local header`;
      break;
    }
    const e: YEntry = {
      versionMadeBy: 0,
      generalPurposeBitFlag: flags,
      compressionMethod: fixed.readUInt16LE(8),
      lastModFileTime: fixed.readUInt16LE(10),
      lastModFileDate: fixed.readUInt16LE(12),
      crc32: fixed.readUInt32LE(14),
      compressedSize,
      uncompressedSize,
      externalFileAttributes: 0,
      relativeOffsetOfLocalHeader: pos,
      fileName,
      fileComment: Buffer.alloc(0),
      extraFields,
    };
    const entry = describe(e, src, ctx, Infinity, src.size, claimed, names, true);
    const size = entry.content?.type === 'range' ? entry.content.size : entry.content?.type === 'bytes' ? entry.content.data.byteLength : 0;
    if (total + size > limits.maxTotalBytes) {
      stop = `; total size limit reached (${formatBytes(limits.maxTotalBytes)})`;
      break;
    }
    total += size;
    count++;
    yield entry;
    let next = pos + 30 + n + m + compressedSize;
    if (flags & 0x08) {
      // A data descriptor follows: CRC and sizes (8-byte sizes for ZIP64), maybe with a signature.
      const sig = src.read(next, 4);
      next += (sig.byteLength === 4 && sig.readUInt32LE(0) === 0x08074b50 ? 4 : 0) + (z64 ? 20 : 12);
    }
    if (next > src.size || next <= pos) break;
    pos = next;
  }
  yield containerProblem(
    ctx,
    count === 0
      ? `not a readable ZIP: ${why}`
      : `not a complete ZIP: ${why}; ${count} members recovered from their local headers${stop}`,
    { recovered: count },
  );
}

function describe(
  e: YEntry,
  src: ByteSource,
  ctx: ContainerContext,
  cdStart: number,
  zipEnd: number,
  claimed: IntervalSet,
  names: NameIndex,
  salvaged = false,
): SourceEntry {
  const errors: string[] = [];
  const flags = e.generalPurposeBitFlag;
  const method = e.compressionMethod;
  const name = decodeZipName(e.fileName, flags, e.extraFields);
  /** Secondary observations, listed after the main problem. */
  const notes: string[] = [];
  if (name.encoding === 'invalid utf-8') notes.push('name flagged as UTF-8 but not valid UTF-8 (raw bytes kept)');
  const member = name.text.length > 1 ? name.text.replace(/\/+$/, '') || name.text : name.text;
  const placed = names.place(member);
  const entry = blankEntry(`${ctx.prefix}!/${placed.member}`, 'file');
  entry.name = member.slice(member.lastIndexOf('/') + 1);
  entry.pathRaw = name.raw;

  // Kind and mode: Unix hosts (3) and macOS (19) keep st_mode in the high 16 bits.
  const host = e.versionMadeBy >> 8;
  const unixMode = host === 3 || host === 19 ? e.externalFileAttributes >>> 16 : 0;
  const modeKind = unixMode ? kindOfMode(unixMode) : null;
  const dosDir = (e.externalFileAttributes & 0x10) !== 0 && host !== 3 && host !== 19;
  const nameDir = name.text.endsWith('/');
  entry.kind = nameDir || (modeKind === null && dosDir) ? 'dir' : (modeKind ?? 'file');
  if (unixMode) entry.mode = unixMode;

  // An escaped form (invalid UTF-8) is judged on its bytes: its '\\x' is not a backslash.
  const hostile = hostileNameError(name.encoding === 'invalid utf-8' ? Buffer.from(e.fileName).toString('latin1') : name.text);
  if (hostile) errors.push(hostile);
  if (placed.note) errors.push(placed.note);

  const extra: Record<string, unknown> = { method, compressedSize: e.compressedSize, offset: e.relativeOffsetOfLocalHeader };
  if (name.encoding !== 'ascii' && name.encoding !== 'utf-8') extra.nameEncoding = name.encoding;
  const dos = dosTimeText(e.lastModFileDate, e.lastModFileTime);
  if (dos) extra.dosTime = dos;
  if (e.fileComment.byteLength > 0) {
    extra.comment = flags & 0x800 ? utf8Lenient(e.fileComment) : (utf8OrNull(e.fileComment) ?? decodeCp437(e.fileComment));
  }
  entry.extra = extra;

  // The local header: where the data starts, and a second copy of the facts to compare.
  const lh = e.relativeOffsetOfLocalHeader;
  let dataStart = -1;
  let localExtra: ExtraField[] = [];
  let structural: string | null = null;
  const fixed = Buffer.from(src.read(lh, 30));
  if (fixed.byteLength < 30 || fixed.readUInt32LE(0) !== LOCAL_SIG) {
    structural = lh >= zipEnd ? 'local header lies past the end of the ZIP (truncated?)' : `no local header at offset ${lh} (damaged or forged central directory)`;
  } else {
    const n = fixed.readUInt16LE(26);
    const m = fixed.readUInt16LE(28);
    const localName = Buffer.from(src.read(lh + 30, n));
    localExtra = parseExtra(Buffer.from(src.read(lh + 30 + n, m)));
    dataStart = lh + 30 + n + m;
    if (!localName.equals(e.fileName)) {
      notes.push(`the local header names this member differently ('${decodeZipName(localName, fixed.readUInt16LE(6)).text}'): tools that read local headers see another name`);
    }
    if (fixed.readUInt16LE(8) !== method) notes.push(`the local header records compression method ${fixed.readUInt16LE(8)}, the central directory ${method}`);
    const dataEnd = dataStart + e.compressedSize;
    if (dataEnd > zipEnd) {
      structural = `member data runs past the end of the ZIP (${dataEnd} > ${zipEnd}; truncated or forged sizes)`;
    } else if (dataEnd > cdStart && lh < zipEnd) {
      structural = 'overlaps the central directory (zip bomb technique)';
    } else if (!claimed.claim(lh, Math.max(dataEnd, lh + 30))) {
      structural = 'overlaps another member (zip bomb technique)';
    }
  }

  const times = extraTimes(e.extraFields, localExtra);
  entry.mtime = times.mtime;
  entry.atime = times.atime;
  entry.birthtime = times.birthtime;
  const owner = extraOwner([...e.extraFields, ...localExtra]);
  entry.uid = owner.uid;
  entry.gid = owner.gid;

  const encrypted = (flags & 1) !== 0;
  if (entry.kind === 'dir') {
    // (Java's jar tool deflates empty folder entries to 2 bytes: not data.)
    if (e.uncompressedSize > 0 || e.compressedSize > (method === 0 ? 0 : 2)) {
      errors.push(`folder entry carries ${e.compressedSize} bytes of data (not extracted)`);
    }
    if (structural) errors.push(structural);
  } else if (entry.kind === 'symlink') {
    entry.size = e.uncompressedSize;
    if (structural) errors.push(`${structural}: link target not read`);
    else if (encrypted) errors.push('encrypted, not extracted: link target not read');
    else if (e.uncompressedSize > MAX_LINK_TARGET || e.compressedSize > MAX_LINK_TARGET) errors.push('link target too long to be a path: not read');
    else {
      const target = memberBytes(src, dataStart, e, MAX_LINK_TARGET);
      if (typeof target === 'string') errors.push(`link target not read: ${target}`);
      else {
        entry.linkTarget = utf8OrNull(target) ?? decodeCp437(target);
        if (linkEscapes(member, entry.linkTarget)) errors.push('symlink points outside the archive (recorded, never followed)');
      }
    }
  } else if (entry.kind !== 'file') {
    // FIFOs, devices, sockets recorded as such in a ZIP: no content.
    if (structural) errors.push(structural);
  } else if (structural) {
    errors.push(`${structural}: not extracted`);
    entry.size = e.uncompressedSize;
  } else {
    /** The member's bytes as stored, undecoded (with the recorded CRC-32 to check, if it applies to them). */
    const raw = (why: string, crc?: number): void => {
      errors.push(why);
      entry.size = e.compressedSize;
      extra.declaredSize = e.uncompressedSize;
      if (src.fsPath) {
        entry.content = { type: 'range', fsPath: src.fsPath, offset: src.base + dataStart, length: e.compressedSize, codec: 'none', size: e.compressedSize };
        if (crc !== undefined) entry.content.crc32 = crc >>> 0;
      } else {
        const data = own(src.read(dataStart, e.compressedSize));
        if (crc !== undefined && crc32(data) >>> 0 !== crc >>> 0) {
          errors.push(`CRC-32 mismatch: the container records ${hex8(crc)}, the bytes give ${hex8(crc32(data))}`);
        }
        entry.content = { type: 'bytes', data };
      }
    };
    if (encrypted) {
      raw(`encrypted, not extracted${method === 99 ? ' (WinZip AES)' : flags & 0x40 ? ' (strong encryption)' : ''}: raw bytes hashed`);
    } else if (method !== 0 && method !== 8) {
      raw(`compression method ${method}${METHOD_NAMES[method] ? ` (${METHOD_NAMES[method]})` : ''} not supported: raw bytes hashed`);
    } else if (method === 8 && e.uncompressedSize > MiB && (e.compressedSize === 0 || e.uncompressedSize / e.compressedSize > ctx.limits.maxRatio)) {
      const ratio = e.compressedSize === 0 ? 'infinite' : `${Math.round(e.uncompressedSize / e.compressedSize)}:1`;
      errors.push(
        `compression ratio ${ratio} exceeds the limit (${ctx.limits.maxRatio}:1; ${formatBytes(e.uncompressedSize)} declared from ${formatBytes(e.compressedSize)}): not extracted (zip bomb guard)`,
      );
      entry.size = e.uncompressedSize;
    } else if (method === 0 && e.compressedSize !== e.uncompressedSize) {
      raw(`stored member whose sizes disagree (${e.compressedSize} bytes stored, ${e.uncompressedSize} declared): the stored bytes hashed`, e.crc32);
    } else {
      entry.size = e.uncompressedSize;
      entry.content = memberContent(src, dataStart, e, errors);
    }
  }
  if (salvaged) notes.push('recovered from its local header: the ZIP has no usable central directory (truncated?), so its folder/link status, Unix mode and comment are unknown');
  errors.push(...notes);
  entry.error = errors.length ? errors.join('; ') : null;
  return entry;
}

/** The decoded bytes of a small member held in memory, or why they could not be had. */
function memberBytes(src: ByteSource, dataStart: number, e: YEntry, max: number): Buffer | string {
  const data = src.read(dataStart, e.compressedSize);
  if (e.compressionMethod === 0) return Buffer.from(data);
  if (e.compressionMethod !== 8) return `compression method ${e.compressionMethod} not supported`;
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, Math.min(max, e.uncompressedSize) + 1) });
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? `decompresses to more than its declared ${e.uncompressedSize} bytes`
      : `damaged deflate data (${errorMessage(err)})`;
  }
}

function memberContent(src: ByteSource, dataStart: number, e: YEntry, errors: string[]): Content | null {
  const codec = e.compressionMethod === 8 ? 'deflate-raw' : 'none';
  if (src.fsPath) {
    return { type: 'range', fsPath: src.fsPath, offset: src.base + dataStart, length: e.compressedSize, codec, size: e.uncompressedSize, crc32: e.crc32 >>> 0 };
  }
  // An archive held in memory (a small one, or a small member of another container).
  if (e.uncompressedSize > SMALL_OBJECT_MAX && codec === 'deflate-raw') {
    return {
      type: 'stream',
      open: () => inflatingStream(own(src.read(dataStart, e.compressedSize)), e.uncompressedSize, e.crc32),
      size: e.uncompressedSize,
    };
  }
  const data = memberBytes(src, dataStart, e, e.uncompressedSize);
  if (typeof data === 'string') {
    errors.push(`${data} (zip bomb guard or damage): not extracted`);
    return null;
  }
  if (data.byteLength < e.uncompressedSize) {
    errors.push(`decompresses to ${data.byteLength} bytes, fewer than the ${e.uncompressedSize} declared (damaged or truncated)`);
  }
  const crc = crc32(data) >>> 0;
  if (crc !== e.crc32 >>> 0) {
    errors.push(`CRC-32 mismatch: the container records ${hex8(e.crc32)}, the bytes give ${hex8(crc)} (damaged or altered member; hashes are of the bytes as found)`);
  }
  return { type: 'bytes', data: own(data) };
}

export const zipReader: ContainerReader = {
  kind: 'zip',
  entries: zipEntries,
};
