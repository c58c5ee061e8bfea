// ZIP reader. The format (end records, ZIP64, central directory and local header records, names,
// extra fields) is read by formats/zip.ts; this file decides what each record means for evidence.
// Every member becomes an entry; its bytes are handed out as a byte range of the archive file
// (stored or raw-deflate, with the recorded CRC-32 and size so the hashing worker checks both),
// or, for an archive held in memory, as the bytes themselves. Nothing is extracted anywhere.
//
// Hostile archives are recorded, not obeyed: zip-slip names are kept as written and flagged;
// members whose bytes overlap another member or the central directory (the overlapping-kernel
// zip bomb) are flagged and not read; the entry count, the total declared size and the
// compression ratio of large members are bounded by the case limits; encrypted members and
// unsupported compression methods are hashed as the raw bytes they are.
import { Readable } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { errorMessage } from '../errors.ts';
import {
  type RandomAccess,
  type ZipRecord,
  centralDirectory,
  dataDescriptorLength,
  decodeCp437,
  decodeMember,
  decodeZipName,
  dosTimeText,
  extraOwner,
  extraTimes,
  findEnd,
  openRandomAccess,
  readLocalHeader,
  zipView,
} from '../formats/zip.ts';
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
  utf8Lenient,
  utf8OrNull,
} from './detect.ts';
import type { Content, ContainerBytes, ContainerContext, ContainerReader, SourceEntry } from './types.ts';

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
/** Symlink targets longer than this are not read (a link target is a path, not data). */
const MAX_LINK_TARGET = 64 * 1024;

async function* zipEntries(bytes: ContainerBytes, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
  const tooDeep = depthProblem(ctx);
  if (tooDeep) {
    yield tooDeep;
    return;
  }
  let src: RandomAccess;
  try {
    src = openRandomAccess(bytes);
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

async function* readZip(file: RandomAccess, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
  const limits = ctx.limits;
  const eocd = findEnd(file);
  if (!eocd) {
    yield* salvage(file, ctx, `no end-of-central-directory record (not a ZIP, or truncated: ${formatBytes(file.size)} present)`);
    return;
  }
  // Problems with the container as a whole go into one entry at the end (its path is unique).
  const notes: string[] = [];
  const facts: Record<string, unknown> = {};
  if (eocd.shift > 0) {
    notes.push(`${eocd.shift} bytes before the ZIP (a self-extractor stub or a glued-on header; in the container's hashes, not read as members)`);
    facts.leadingBytes = eocd.shift;
  }
  const src = zipView(file, eocd);
  const zipEnd = eocd.end - eocd.shift;
  let dir: ReturnType<typeof centralDirectory>;
  try {
    dir = centralDirectory(src, eocd.at - eocd.shift);
  } catch (err) {
    // The end records are unusable: the local headers may still be walked.
    yield* salvage(src, ctx, [...notes, `its end records cannot be used (${errorMessage(err)})`].join('; '));
    return;
  }
  if (eocd.end < file.size) {
    notes.push(`${file.size - eocd.end} bytes after the end of the ZIP (in the container's hashes, not read as members)`);
    facts.trailingBytes = file.size - eocd.end;
  }
  const records = dir.records();
  const claimed = new IntervalSet();
  const names = new NameIndex();
  let count = 0;
  let totalDeclared = 0;
  let salvageWhy: string | null = null;
  for (;;) {
    let e: ZipRecord | undefined;
    try {
      const r = records.next();
      e = r.done ? undefined : r.value;
    } catch (err) {
      const msg = errorMessage(err);
      if (count === 0) {
        // Not one central directory entry is readable: walk the local headers instead.
        notes.push(`its central directory cannot be read (${msg})`);
        salvageWhy = notes.join('; ');
        break;
      }
      notes.push(`central directory damaged after ${count} of ${dir.entryCount} entries: ${msg}; the rest is not read`);
      break;
    }
    if (!e) break;
    if (count >= limits.maxEntries) {
      notes.push(`entry limit reached: ${limits.maxEntries} entries read, the central directory lists ${dir.entryCount}; the rest is not read`);
      facts.limit = 'maxEntries';
      facts.listed = dir.entryCount;
      break;
    }
    count++;
    const entry = describe(e, src, ctx, dir.start, zipEnd, claimed, names);
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
  if (salvageWhy !== null) yield* salvage(src, ctx, salvageWhy);
}

/**
 * A ZIP without its end record (a cut download, a partial copy): the members before the cut are
 * found by walking the local headers from the start, as long as each records its sizes (members
 * written with a data descriptor do not, and end the walk). Each is flagged as recovered; one
 * container entry says what happened.
 */
async function* salvage(src: RandomAccess, ctx: ContainerContext, why: string): AsyncGenerator<SourceEntry> {
  const claimed = new IntervalSet();
  const names = new NameIndex();
  const limits = ctx.limits;
  let pos = 0;
  let count = 0;
  let total = 0;
  let stop = '';
  for (;;) {
    const lh = readLocalHeader(src, pos);
    if (!lh) break;
    if (count >= limits.maxEntries) {
      stop = `; entry limit reached (${limits.maxEntries})`;
      break;
    }
    const e = lh.record;
    const flags = e.generalPurposeBitFlag;
    if (flags & 0x08 && e.compressedSize === 0) {
      stop = `; the walk stopped at offset ${pos}: a member written with a data descriptor records no size in its local header`;
      break;
    }
    const entry = describe(e, src, ctx, Infinity, src.size, claimed, names, true);
    const size = entry.content?.type === 'range' ? entry.content.size : entry.content?.type === 'bytes' ? entry.content.data.byteLength : 0;
    if (total + size > limits.maxTotalBytes) {
      stop = `; total size limit reached (${formatBytes(limits.maxTotalBytes)})`;
      break;
    }
    total += size;
    count++;
    yield entry;
    let next = lh.dataStart + e.compressedSize;
    // A data descriptor follows: CRC and sizes.
    if (flags & 0x08) next += dataDescriptorLength(src, next, lh.zip64);
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
  e: ZipRecord,
  src: RandomAccess,
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
  let localExtra: ZipRecord['extraFields'] = [];
  let structural: string | null = null;
  const local = readLocalHeader(src, lh);
  if (!local) {
    structural = lh >= zipEnd ? 'local header lies past the end of the ZIP (truncated?)' : `no local header at offset ${lh} (damaged or forged central directory)`;
  } else {
    const l = local.record;
    localExtra = l.extraFields;
    dataStart = local.dataStart;
    if (!l.fileName.equals(e.fileName)) {
      notes.push(`the local header names this member differently ('${decodeZipName(l.fileName, l.generalPurposeBitFlag).text}'): tools that read local headers see another name`);
    }
    if (l.compressionMethod !== method) notes.push(`the local header records compression method ${l.compressionMethod}, the central directory ${method}`);
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
function memberBytes(src: RandomAccess, dataStart: number, e: ZipRecord, max: number): Buffer | string {
  const d = decodeMember(src.read(dataStart, e.compressedSize), e.compressionMethod, Math.min(max, e.uncompressedSize) + 1);
  if (Buffer.isBuffer(d)) return d;
  if (d.problem === 'method') return `compression method ${e.compressionMethod} not supported`;
  return d.problem === 'too large' ? `decompresses to more than its declared ${e.uncompressedSize} bytes` : `damaged deflate data (${d.detail})`;
}

function memberContent(src: RandomAccess, dataStart: number, e: ZipRecord, errors: string[]): Content | null {
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
