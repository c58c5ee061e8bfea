// The ZIP format, in one place: bytes opened at random (a file, memory, or a store object, which
// is one or the other), the end records (ZIP64 included, a self-extractor stub or glued-on header
// found and skipped), central directory and local header records, extra fields, member names in
// the encodings old tools wrote, and the bytes of a member. It judges nothing: the ZIP reader
// (sources/zip.ts, which UFDR builds on) decides what a record means for evidence, and
// ZipParts below reads the XML parts of office documents for text.
//
// Nothing here trusts a number in the file: every read is bounded by the bytes present, every
// record that does not parse throws a plain-words Error for the caller to record.
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import { errorMessage } from '../errors.ts';
import { nameFromBytes, utf8OrNull } from '../sources/detect.ts';
import type { ContainerBytes } from '../sources/types.ts';
import { nsToIso } from '../time.ts';

// ---------------------------------------------------------------------------------------------
// Bytes at random: the one wrapper for a file path, memory, or a store object.

export interface RandomAccess {
  readonly size: number;
  /** The file read, for handing out members as byte ranges; null for bytes in memory. */
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

class FileAccess implements RandomAccess {
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

class MemoryAccess implements RandomAccess {
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
class ShiftedAccess implements RandomAccess {
  readonly size: number;
  readonly fsPath: string | null;
  readonly base: number;
  private readonly inner: RandomAccess;
  private readonly shift: number;
  constructor(inner: RandomAccess, shift: number) {
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

/** Opens bytes for reading at random: a file (never through a link), or bytes in memory. */
export function openRandomAccess(bytes: ContainerBytes): RandomAccess {
  return bytes.type === 'file' ? new FileAccess(bytes.path) : new MemoryAccess(bytes.data);
}

// ---------------------------------------------------------------------------------------------
// Member names

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
// Extra fields and times

export interface ExtraField {
  id: number;
  data: Buffer;
}

/** The extra fields of a record; with `strict`, a field running past the block throws. */
export function parseExtra(buf: Buffer, strict = false): ExtraField[] {
  const out: ExtraField[] = [];
  let i = 0;
  while (i + 4 <= buf.byteLength) {
    const id = buf.readUInt16LE(i);
    const len = buf.readUInt16LE(i + 2);
    if (i + 4 + len > buf.byteLength) {
      if (strict) throw new Error('extra field length exceeds extra field buffer size');
      break;
    }
    out.push({ id, data: buf.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out;
}

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

export interface ExtraTimes {
  mtime: string | null;
  atime: string | null;
  birthtime: string | null;
}

const EPOCH_1601_TICKS = 116444736000000000n;

/** UTC times from the extended-timestamp (0x5455) and NTFS (0x000a) extra fields. */
export function extraTimes(central: readonly ExtraField[], local: readonly ExtraField[]): ExtraTimes {
  const t: ExtraTimes = { mtime: null, atime: null, birthtime: null };
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
export function extraOwner(fields: readonly ExtraField[]): { uid: number | null; gid: number | null } {
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

// ---------------------------------------------------------------------------------------------
// Records

const LOCAL_SIG = 0x04034b50;
const CD_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const Z64_LOCATOR_SIG = 0x07064b50;
const Z64_EOCD_SIG = 0x06064b50;
const DESCRIPTOR_SIG = 0x08074b50;

/** One member as a central directory record describes it (ZIP64 sizes and offset applied). */
export interface ZipRecord {
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

export interface LocalHeader {
  /** The local header's facts in a record's shape (made-by, attributes and comment are not in it: 0 and empty). */
  record: ZipRecord;
  /** Where the member's bytes start. */
  dataStart: number;
  /** It carries a ZIP64 extra field (so a data descriptor after it has 8-byte sizes). */
  zip64: boolean;
}

/** The local header at `pos`, or null when there is none (no signature, or cut short). */
export function readLocalHeader(ra: RandomAccess, pos: number): LocalHeader | null {
  const fixed = Buffer.from(ra.read(pos, 30));
  if (fixed.byteLength < 30 || fixed.readUInt32LE(0) !== LOCAL_SIG) return null;
  const n = fixed.readUInt16LE(26);
  const m = fixed.readUInt16LE(28);
  const fileName = Buffer.from(ra.read(pos + 30, n));
  const extraFields = parseExtra(Buffer.from(ra.read(pos + 30 + n, m)));
  let compressedSize = fixed.readUInt32LE(18);
  let uncompressedSize = fixed.readUInt32LE(22);
  const z64 = extraFields.find((f) => f.id === 0x0001);
  if (z64 && uncompressedSize === 0xffffffff && z64.data.byteLength >= 8) uncompressedSize = Number(z64.data.readBigUInt64LE(0));
  if (z64 && compressedSize === 0xffffffff && z64.data.byteLength >= 16) compressedSize = Number(z64.data.readBigUInt64LE(8));
  return {
    record: {
      versionMadeBy: 0,
      generalPurposeBitFlag: fixed.readUInt16LE(6),
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
    },
    dataStart: pos + 30 + n + m,
    zip64: z64 !== undefined,
  };
}

/** Length of the data descriptor at `pos` (CRC and sizes, 8-byte sizes for ZIP64, maybe with a signature). */
export function dataDescriptorLength(ra: RandomAccess, pos: number, zip64: boolean): number {
  const sig = ra.read(pos, 4);
  return (sig.byteLength === 4 && sig.readUInt32LE(0) === DESCRIPTOR_SIG ? 4 : 0) + (zip64 ? 20 : 12);
}

export interface ZipEnd {
  /** Where the end-of-central-directory record lies in the file. */
  at: number;
  /** Where the ZIP ends (the end of the EOCD record and its comment). */
  end: number;
  /**
   * Bytes before the ZIP proper: the central directory sits that much later in the file than the
   * end record says (0 for an ordinary ZIP; ZIP64 archives are taken as they are).
   */
  shift: number;
}

/** Finds the end-of-central-directory record: the last one whose comment fits in the file. */
export function findEnd(ra: RandomAccess): ZipEnd | null {
  const tail = Math.min(ra.size, 22 + 0xffff + 20);
  const buf = Buffer.from(ra.read(ra.size - tail, tail));
  for (let i = buf.byteLength - 22; i >= 0; i--) {
    if (buf.readUInt32LE(i) !== EOCD_SIG) continue;
    const commentLen = buf.readUInt16LE(i + 20);
    if (i + 22 + commentLen > buf.byteLength) continue;
    const at = ra.size - tail + i;
    let shift = 0;
    const cdSize = buf.readUInt32LE(i + 12);
    const cdOffset = buf.readUInt32LE(i + 16);
    const zip64 = i >= 20 && buf.readUInt32LE(i - 20) === Z64_LOCATOR_SIG;
    if (!zip64 && cdOffset !== 0xffffffff && cdOffset + cdSize < at && cdSize > 0) {
      const actual = at - cdSize;
      const sig = ra.read(actual, 4);
      if (sig.byteLength === 4 && sig.readUInt32LE(0) === CD_SIG) shift = actual - cdOffset;
    }
    return { at, end: at + 22 + commentLen, shift };
  }
  return null;
}

/** The ZIP proper: the view of `ra` in which its offsets hold (past a stub, if there is one). */
export function zipView(ra: RandomAccess, end: ZipEnd): RandomAccess {
  return end.shift > 0 ? new ShiftedAccess(ra, end.shift) : ra;
}

export interface CentralDirectory {
  /** Members the end records say there are. */
  entryCount: number;
  /** Where the directory starts. */
  start: number;
  /** Its records in order; throws (plain words) at the first that does not parse. */
  records(): Generator<ZipRecord>;
}

function u64(b: Buffer, off: number): number {
  return Number(b.readBigUInt64LE(off));
}

/**
 * The central directory that the end record at `eocdAt` (in the view's offsets) describes,
 * through the ZIP64 end records when its fields are saturated. Throws when they are unusable.
 */
export function centralDirectory(ra: RandomAccess, eocdAt: number): CentralDirectory {
  const eocd = Buffer.from(ra.read(eocdAt, 22, 0));
  if (eocd.byteLength < 22 || eocd.readUInt32LE(0) !== EOCD_SIG) throw new Error('end of central directory record not found');
  let entryCount = eocd.readUInt16LE(10);
  let start = eocd.readUInt32LE(16);
  if (entryCount === 0xffff || start === 0xffffffff) {
    const loc = Buffer.from(ra.read(eocdAt - 20, 20, 0));
    if (eocdAt < 20 || loc.byteLength < 20 || loc.readUInt32LE(0) !== Z64_LOCATOR_SIG) {
      throw new Error('invalid zip64 end of central directory locator signature');
    }
    const z = Buffer.from(ra.read(u64(loc, 8), 56, 0));
    if (z.byteLength < 56) throw new Error('unexpected EOF in the zip64 end of central directory record');
    if (z.readUInt32LE(0) !== Z64_EOCD_SIG) throw new Error('invalid zip64 end of central directory record signature');
    entryCount = u64(z, 32);
    start = u64(z, 48);
  }
  return { entryCount, start, records: () => directoryRecords(ra, start, entryCount) };
}

function* directoryRecords(ra: RandomAccess, start: number, entryCount: number): Generator<ZipRecord> {
  let pos = start;
  for (let i = 0; i < entryCount; i++) {
    const fixed = Buffer.from(ra.read(pos, 46, 0));
    if (fixed.byteLength < 46) throw new Error('unexpected EOF');
    const sig = fixed.readUInt32LE(0);
    if (sig !== CD_SIG) throw new Error(`invalid central directory file header signature: 0x${sig.toString(16)}`);
    const flags = fixed.readUInt16LE(8);
    // PKWARE strong encryption also encrypts the directory: what follows cannot be trusted.
    if (flags & 0x40) throw new Error('entry uses PKWARE strong encryption, which this reader cannot list past');
    const n = fixed.readUInt16LE(28);
    const m = fixed.readUInt16LE(30);
    const k = fixed.readUInt16LE(32);
    const vary = Buffer.from(ra.read(pos + 46, n + m + k, 0));
    if (vary.byteLength < n + m + k) throw new Error('unexpected EOF');
    const r: ZipRecord = {
      versionMadeBy: fixed.readUInt16LE(4),
      generalPurposeBitFlag: flags,
      compressionMethod: fixed.readUInt16LE(10),
      lastModFileTime: fixed.readUInt16LE(12),
      lastModFileDate: fixed.readUInt16LE(14),
      crc32: fixed.readUInt32LE(16),
      compressedSize: fixed.readUInt32LE(20),
      uncompressedSize: fixed.readUInt32LE(24),
      externalFileAttributes: fixed.readUInt32LE(38),
      relativeOffsetOfLocalHeader: fixed.readUInt32LE(42),
      fileName: vary.subarray(0, n),
      extraFields: parseExtra(vary.subarray(n, n + m), true),
      fileComment: vary.subarray(n + m),
    };
    if (r.uncompressedSize === 0xffffffff || r.compressedSize === 0xffffffff || r.relativeOffsetOfLocalHeader === 0xffffffff) {
      const z = r.extraFields.find((f) => f.id === 0x0001)?.data;
      if (!z) throw new Error('expected zip64 extended information extra field');
      let at = 0;
      const take = (what: string): number => {
        if (at + 8 > z.byteLength) throw new Error(`zip64 extended information extra field does not include ${what}`);
        at += 8;
        return u64(z, at - 8);
      };
      if (r.uncompressedSize === 0xffffffff) r.uncompressedSize = take('uncompressed size');
      if (r.compressedSize === 0xffffffff) r.compressedSize = take('compressed size');
      if (r.relativeOffsetOfLocalHeader === 0xffffffff) r.relativeOffsetOfLocalHeader = take('relative offset of local header');
    }
    yield r;
    pos += 46 + n + m + k;
  }
}

// ---------------------------------------------------------------------------------------------
// Member bytes

/** A member's decoded bytes, or why not: an unsupported method, more than `max` bytes, damage. */
export type Decoded = Buffer | { problem: 'method' | 'too large' | 'damaged'; detail: string };

/** Decodes a member's stored bytes in memory (stored: copied; deflate: inflated to at most `max` bytes). */
export function decodeMember(raw: Uint8Array, method: number, max: number): Decoded {
  if (method === 0) return Buffer.from(raw);
  if (method !== 8) return { problem: 'method', detail: `compression method ${method}` };
  try {
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, max) });
  } catch (err) {
    const problem = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large' : 'damaged';
    return { problem, detail: errorMessage(err) };
  }
}

// ---------------------------------------------------------------------------------------------
// The parts of an office document (DOCX/XLSX/PPTX/ODF are ZIPs), for text extraction only: each
// wanted member inflated with a cap on its output, so a zip bomb dressed as a .docx costs at
// most the cap.

/** At most this many members are listed (a real document has tens to a few thousand). */
const MAX_PARTS = 50_000;

export class ZipParts {
  private readonly parts = new Map<string, ZipRecord>();
  private readonly ra: RandomAccess;
  /** Decoded bytes still allowed, over all parts read (a bound on the whole document). */
  private budget: number;

  constructor(bytes: Uint8Array, maxDecodedBytes: number) {
    const file = openRandomAccess({ type: 'bytes', data: bytes });
    const end = findEnd(file);
    if (!end) throw new Error('not a ZIP file (no end of central directory)');
    this.ra = zipView(file, end);
    this.budget = maxDecodedBytes;
    let n = 0;
    for (const r of centralDirectory(this.ra, end.at - end.shift).records()) {
      if (n++ >= MAX_PARTS) break;
      const name = decodeZipName(r.fileName, r.generalPurposeBitFlag, r.extraFields).text;
      if (!(r.generalPurposeBitFlag & 1)) this.parts.set(name, r);
    }
  }

  has(name: string): boolean {
    return this.parts.has(name);
  }

  names(): string[] {
    return [...this.parts.keys()];
  }

  /** A member's bytes, or null when absent. Throws when it is damaged or over the budget. */
  read(name: string): Buffer | null {
    const r = this.parts.get(name);
    if (!r) return null;
    const lh = readLocalHeader(this.ra, r.relativeOffsetOfLocalHeader);
    if (!lh) throw new Error(`damaged ZIP member ${name}`);
    if (lh.dataStart + r.compressedSize > this.ra.size) throw new Error(`truncated ZIP member ${name}`);
    if (this.budget <= 0) throw new Error('the document decompresses to more than the text-extraction limit');
    const out = decodeMember(this.ra.read(lh.dataStart, r.compressedSize), r.compressionMethod, this.budget);
    if (!Buffer.isBuffer(out)) {
      if (out.problem === 'too large') throw new Error('the document decompresses to more than the text-extraction limit (a zip bomb, or a huge document)');
      if (out.problem === 'damaged') throw new Error(`ZIP member ${name} does not inflate: ${out.detail}`);
      throw new Error(`ZIP member ${name} uses compression method ${r.compressionMethod}, which is not read for text`);
    }
    this.budget -= out.length;
    return out;
  }

  /** A member as UTF-8 text (office XML is UTF-8; a BOM is dropped). */
  text(name: string): string | null {
    const b = this.read(name);
    return b ? new TextDecoder('utf-8').decode(b) : null;
  }
}
