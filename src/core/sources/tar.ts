// TAR readers: plain TAR (a file on disk, or bytes in memory), gzip-compressed TAR, and any TAR
// byte stream (the Android backup reader feeds its inflated payload to tarStreamEntries).
//
// One header parser serves all three, so every kind of TAR is judged the same way: ustar, GNU
// (long names and link targets, base-256 sizes, atime/ctime, sparse), PAX (per-file and global
// records: long names, exact sizes, fractional times, uid/gid), v7. Members of a TAR on disk are
// handed out as byte ranges of the file; members of a stream as bytes (small ones) or as a stream
// the pipeline reads before asking for the next entry. Symlinks and hardlinks are recorded with
// their targets and never followed; devices and FIFOs are recorded as what they are; hostile
// names are flagged and kept as written; truncation and damaged headers end the read with a note.
import { closeSync, constants as fsConstants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { errorMessage } from '../errors.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';
import {
  NameIndex,
  blankEntry,
  containerProblem,
  decimalSecondsToIso,
  depthProblem,
  formatBytes,
  hostileNameError,
  hostileNameReasons,
  linkEscapes,
  nameFromBytes,
  tarChecksumOk,
  unixSecondsToIso,
} from './detect.ts';
import type { Content, ContainerBytes, ContainerContext, ContainerReader, EntryKind, SourceEntry } from './types.ts';

const BLOCK = 512;
const MiB = 1024 * 1024;
/** PAX and GNU long-name records larger than this are not believed (a real one is a few KiB). */
const MAX_META = MiB;
const STREAM_CHUNK = MiB;

// ---------------------------------------------------------------------------------------------
// Where the TAR bytes come from.

interface MemberData {
  content: Content | null;
  /** Bytes of the member actually present (less than its size when the archive is truncated). */
  present: number;
}

interface TarSource {
  /** Offset of the next byte to read, from the start of the TAR. */
  readonly pos: number;
  /** Up to n bytes (fewer only at the end). */
  read(n: number): Promise<Buffer>;
  /** Skips up to n bytes; how many there were. */
  skip(n: number): Promise<number>;
  /** The content of the next `size` bytes, moving past them (a stream moves as it is read). */
  member(size: number): Promise<MemberData>;
  /** After the entry was handed out: moves past whatever of a streamed member was not read. */
  finishMember(): Promise<void>;
  close(): void;
}

/** A copy with its own exact ArrayBuffer (a view would drag its whole buffer to a worker). */
function own(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);
}

class FileTarSource implements TarSource {
  pos = 0;
  private readonly fd: number;
  private readonly size: number;
  private readonly fsPath: string;
  private readonly buf = Buffer.allocUnsafe(64 * 1024);
  private bufStart = 0;
  private bufLen = 0;

  constructor(path: string) {
    this.fsPath = path;
    this.fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
    this.size = fstatSync(this.fd).size;
  }

  async read(n: number): Promise<Buffer> {
    n = Math.max(0, Math.min(n, this.size - this.pos));
    if (n > this.buf.byteLength) {
      const out = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = readSync(this.fd, out, got, n - got, this.pos + got);
        if (r === 0) break;
        got += r;
      }
      this.pos += got;
      return out.subarray(0, got);
    }
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.bufLen) {
      this.bufStart = this.pos;
      this.bufLen = 0;
      const want = Math.min(this.buf.byteLength, this.size - this.pos);
      while (this.bufLen < want) {
        const r = readSync(this.fd, this.buf, this.bufLen, want - this.bufLen, this.bufStart + this.bufLen);
        if (r === 0) break;
        this.bufLen += r;
      }
    }
    const off = this.pos - this.bufStart;
    const got = Math.min(n, this.bufLen - off);
    this.pos += got;
    return Buffer.from(this.buf.subarray(off, off + got));
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.size - this.pos));
    this.pos += k;
    return k;
  }

  async member(size: number): Promise<MemberData> {
    const present = Math.max(0, Math.min(size, this.size - this.pos));
    const content: Content = { type: 'range', fsPath: this.fsPath, offset: this.pos, length: size, codec: 'none', size };
    this.pos += present;
    return { content, present };
  }

  async finishMember(): Promise<void> {}

  close(): void {
    closeSync(this.fd);
  }
}

class MemoryTarSource implements TarSource {
  pos = 0;
  private readonly data: Uint8Array;
  constructor(data: Uint8Array) {
    this.data = data;
  }
  async read(n: number): Promise<Buffer> {
    const end = Math.min(this.data.byteLength, this.pos + Math.max(0, n));
    const out = Buffer.from(this.data.subarray(this.pos, end));
    this.pos = end;
    return out;
  }
  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.data.byteLength - this.pos));
    this.pos += k;
    return k;
  }
  async member(size: number): Promise<MemberData> {
    const end = Math.min(this.data.byteLength, this.pos + size);
    const present = end - this.pos;
    const content: Content = { type: 'bytes', data: own(this.data.slice(this.pos, end)) };
    this.pos = end;
    return { content, present };
  }
  async finishMember(): Promise<void> {}
  close(): void {}
}

/** Raised inside a stream whose decompressed size runs away from its compressed size. */
class RatioExceeded extends Error {}

interface StreamOptions {
  /** Compressed bytes read so far, for the ratio limit (a .tar.gz: the gzip bytes consumed). */
  compressedBytes?: () => number;
  /** What the stream is, for messages ("TAR", "TAR.GZ"). */
  label?: string;
}

/**
 * A TAR read from a sequential stream. Every read goes through one queue, so a member stream
 * abandoned half-way and the parser skipping past it never interleave.
 */
class StreamTarSource implements TarSource {
  pos = 0;
  private readonly input: Readable;
  private readonly it: AsyncIterator<unknown>;
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  private eof = false;
  private failure: Error | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private current: { left: number; size: number } | null = null;
  private readonly ctx: ContainerContext;
  private readonly opts: StreamOptions;

  constructor(input: Readable, ctx: ContainerContext, opts: StreamOptions) {
    this.input = input;
    this.it = input[Symbol.asyncIterator]();
    this.ctx = ctx;
    this.opts = opts;
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private fail(err: unknown): Error {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    return this.failure;
  }

  /** True when unread bytes are buffered; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    while (this.off >= this.buf.byteLength) {
      if (this.failure) throw this.failure;
      if (this.eof) return false;
      let r: IteratorResult<unknown>;
      try {
        r = await this.it.next();
      } catch (err) {
        throw this.fail(err);
      }
      if (r.done) {
        this.eof = true;
        return false;
      }
      const chunk = r.value;
      this.buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      this.off = 0;
      this.checkRatio(this.pos + this.buf.byteLength);
    }
    return true;
  }

  private checkRatio(out: number): void {
    const inBytes = this.opts.compressedBytes?.();
    if (inBytes === undefined || out <= MiB) return;
    const max = this.ctx.limits.maxRatio;
    if (inBytes === 0 || out / inBytes > max) {
      throw this.fail(
        new RatioExceeded(
          `compression ratio exceeds the limit (${max}:1): ${formatBytes(out)} decompressed from ${formatBytes(inBytes)}; stopped (zip bomb guard)`,
        ),
      );
    }
  }

  private async take(max: number): Promise<Buffer | null> {
    if (max <= 0 || !(await this.fill())) return null;
    const n = Math.min(max, this.buf.byteLength - this.off);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    this.pos += n;
    return b;
  }

  private async readNow(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const b = await this.take(n - got);
      if (!b) break;
      parts.push(b);
      got += b.byteLength;
    }
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, got);
  }

  private async skipNow(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      const b = await this.take(n - done);
      if (!b) break;
      done += b.byteLength;
    }
    return done;
  }

  read(n: number): Promise<Buffer> {
    return this.serial(() => this.readNow(n));
  }

  skip(n: number): Promise<number> {
    return this.serial(() => this.skipNow(n));
  }

  member(size: number): Promise<MemberData> {
    return this.serial(async () => {
      if (size <= SMALL_OBJECT_MAX) {
        const data = await this.readNow(size);
        return { content: { type: 'bytes', data: own(data) }, present: data.byteLength };
      }
      const state = { left: size, size };
      this.current = state;
      let opened = false;
      const content: Content = {
        type: 'stream',
        size,
        open: () => {
          if (opened) throw new Error('a TAR member stream can be read once');
          opened = true;
          return Readable.from(this.memberChunks(state), { objectMode: false });
        },
      };
      // Unknown until read: the member stream fails if the archive ends inside it.
      return { content, present: size };
    });
  }

  private async *memberChunks(state: { left: number; size: number }): AsyncGenerator<Buffer> {
    while (state.left > 0) {
      const b = await this.serial(async () => {
        if (this.current !== state) return null;
        const c = await this.take(Math.min(state.left, STREAM_CHUNK));
        if (c) state.left -= c.byteLength;
        return c;
      });
      if (!b) {
        if (this.current !== state) throw new Error('member stream read after the reader moved on');
        throw new Error(`truncated: the archive ends inside this member (${state.size - state.left} of ${state.size} bytes present)`);
      }
      yield b;
    }
  }

  finishMember(): Promise<void> {
    return this.serial(async () => {
      const state = this.current;
      this.current = null;
      if (!state || state.left <= 0) return;
      const want = state.left;
      const skipped = await this.skipNow(want);
      state.left -= skipped;
      if (skipped < want) {
        throw this.fail(new Error(`truncated: the archive ends inside a member (${state.size - state.left} of ${state.size} bytes present)`));
      }
    });
  }

  close(): void {
    this.current = null;
    this.input.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Headers

interface TarHeader {
  name: Buffer;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  size: number | null;
  mtime: number | null;
  typeflag: string;
  linkname: Buffer;
  format: 'ustar' | 'gnu' | 'v7';
  uname: string;
  gname: string;
  devmajor: number | null;
  devminor: number | null;
  prefix: Buffer;
  atime: number | null;
  ctime: number | null;
}

function cstr(block: Buffer, off: number, len: number): Buffer {
  const end = block.indexOf(0, off);
  return block.subarray(off, end === -1 || end > off + len ? off + len : end);
}

/** A numeric field: octal text (space/NUL padded) or GNU base-256; null when it is neither. */
export function tarNumber(block: Uint8Array, off: number, len: number): number | null {
  const first = block[off]!;
  if (first === 0x80 || first === 0xff) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + (first === 0xff ? 0xff - block[i]! : block[i]!);
    if (first === 0xff) v = -(v + 1);
    return Number.isSafeInteger(v) ? v : null;
  }
  let i = off;
  const end = off + len;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const b = block[i]!;
    if (b >= 0x30 && b <= 0x37) {
      v = v * 8 + (b - 0x30);
      digits++;
    } else if (b === 0x20 || b === 0) {
      break;
    } else {
      return null;
    }
  }
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) return null;
  return digits === 0 ? 0 : v;
}

function parseHeader(block: Buffer): TarHeader {
  const magic = block.subarray(257, 263).toString('latin1');
  const version = block.subarray(263, 265).toString('latin1');
  const format = magic === 'ustar\0' ? 'ustar' : magic === 'ustar ' && version === ' \0' ? 'gnu' : magic.startsWith('ustar') ? 'ustar' : 'v7';
  const t = block[156]!;
  return {
    name: cstr(block, 0, 100),
    mode: tarNumber(block, 100, 8),
    uid: tarNumber(block, 108, 8),
    gid: tarNumber(block, 116, 8),
    size: tarNumber(block, 124, 12),
    mtime: tarNumber(block, 136, 12),
    typeflag: t === 0 ? '0' : String.fromCharCode(t),
    linkname: cstr(block, 157, 100),
    format,
    uname: format === 'v7' ? '' : cstr(block, 265, 32).toString('latin1'),
    gname: format === 'v7' ? '' : cstr(block, 297, 32).toString('latin1'),
    devmajor: format === 'v7' ? null : tarNumber(block, 329, 8),
    devminor: format === 'v7' ? null : tarNumber(block, 337, 8),
    prefix: format === 'ustar' ? cstr(block, 345, 155) : Buffer.alloc(0),
    atime: format === 'gnu' ? tarNumber(block, 345, 12) : null,
    ctime: format === 'gnu' ? tarNumber(block, 357, 12) : null,
  };
}

/** PAX extended header records ("<len> <key>=<value>\n"), values kept as raw bytes. */
export function parsePax(data: Buffer): { records: Map<string, Buffer>; error: string | null } {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.byteLength) {
    if (data[pos] === 0) break; // NUL padding
    const sp = data.indexOf(0x20, pos);
    const len = sp > pos && sp - pos <= 20 ? Number(data.subarray(pos, sp).toString('latin1')) : NaN;
    if (!Number.isSafeInteger(len) || len <= sp - pos + 1 || pos + len > data.byteLength || data[pos + len - 1] !== 0x0a) {
      return { records, error: `malformed PAX record at byte ${pos}` };
    }
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) return { records, error: `malformed PAX record at byte ${pos}` };
    records.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    pos += len;
  }
  return { records, error: null };
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.byteLength; i++) if (b[i] !== 0) return false;
  return true;
}

const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;

const TYPE_MODE: Partial<Record<EntryKind, number>> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  fifo: 0o010000,
};

interface Described {
  entry: SourceEntry;
  /** Bytes of data following the header. */
  dataSize: number;
  /** Whether those bytes are the member's content (hashed), or only skipped. */
  hashData: boolean;
}

interface Pending {
  pax: Map<string, Buffer> | null;
  global: Map<string, Buffer>;
  longName: Buffer | null;
  longLink: Buffer | null;
}


function describe(h: TarHeader, p: Pending, size: number, at: number, ctx: ContainerContext, names: NameIndex): Described {
  const errors: string[] = [];
  const pax = p.pax ?? new Map<string, Buffer>();
  const pick = (key: string): Buffer | undefined => pax.get(key) ?? (key === 'path' || key === 'linkpath' || key === 'size' ? undefined : p.global.get(key));
  const text = (key: string): string | undefined => {
    const v = pick(key);
    return v === undefined ? undefined : v.toString('utf8');
  };

  // The name: PAX path, else GNU long name, else ustar prefix + name.
  let rawName: Buffer;
  const sparseName = pick('GNU.sparse.name');
  if (sparseName) rawName = sparseName;
  else if (pax.has('path')) rawName = pax.get('path')!;
  else if (p.longName) rawName = p.longName;
  else if (h.prefix.byteLength) rawName = Buffer.concat([h.prefix, Buffer.from('/'), h.name]);
  else rawName = h.name;
  const name = nameFromBytes(rawName);

  let kind: EntryKind;
  let hashData = false;
  const extra: Record<string, unknown> = { offset: at };
  switch (h.typeflag) {
    case '0':
    case '7':
      kind = name.text.endsWith('/') ? 'dir' : 'file';
      hashData = kind === 'file';
      break;
    case '1':
      kind = 'other';
      extra.link = 'hard';
      break;
    case '2':
      kind = 'symlink';
      break;
    case '3':
    case '4':
      kind = 'device';
      extra.device = { type: h.typeflag === '3' ? 'character' : 'block', major: h.devmajor, minor: h.devminor };
      break;
    case '5':
      kind = 'dir';
      break;
    case '6':
      kind = 'fifo';
      break;
    case 'D':
      kind = 'dir';
      extra.gnuDumpdir = true;
      break;
    case 'S':
      kind = 'file';
      hashData = true;
      errors.push('GNU sparse file: the stored data is hashed as it is (holes not expanded)');
      break;
    case 'M':
      kind = 'file';
      hashData = true;
      errors.push('multi-volume continuation: only the part in this volume is hashed');
      break;
    case 'V':
      kind = 'other';
      extra.volumeLabel = true;
      break;
    default:
      kind = 'file';
      hashData = true;
      errors.push(`unknown TAR entry type '${h.typeflag}': its data hashed as a file`);
  }
  if (pax.has('GNU.sparse.major') || pax.has('GNU.sparse.map') || pax.has('GNU.sparse.size') || pax.has('GNU.sparse.realsize')) {
    errors.push('GNU sparse file (PAX): the stored data, sparse map included, is hashed as it is (holes not expanded)');
  }

  const member = name.text.length > 1 ? name.text.replace(/\/+$/, '') || name.text : name.text;
  const placed = names.place(member);
  const entry = blankEntry(`${ctx.prefix}!/${placed.member}`, kind);
  entry.name = member.slice(member.lastIndexOf('/') + 1);
  entry.pathRaw = name.raw;
  // Judged on the bytes (as Latin-1) where the text is an escaped form: its '\\x' is not a backslash.
  const hostile = hostileNameError(name.raw ? name.raw.toString('latin1') : name.text);
  if (hostile) errors.push(hostile);
  if (placed.note) errors.push(placed.note);

  // Link targets: recorded, never followed.
  if (kind === 'symlink' || extra.link === 'hard') {
    const rawLink = pax.get('linkpath') ?? p.longLink ?? h.linkname;
    const link = nameFromBytes(rawLink);
    entry.linkTarget = link.text;
    if (link.raw) extra.linkTargetRaw = link.raw.toString('hex');
    const linkBytes = link.raw ? link.raw.toString('latin1') : link.text;
    // (The link's own path only gives its folder depth: escaping never adds or removes a '/'.)
    if (kind === 'symlink' && linkEscapes(member, linkBytes)) errors.push('symlink points outside the archive (recorded, never followed)');
    if (kind !== 'symlink' && hostileNameReasons(linkBytes).length) errors.push('hardlink target is a hostile path (recorded, never followed)');
  }

  const perm = h.mode !== null ? h.mode & 0o7777 : null;
  const typeBits = kind === 'device' ? (h.typeflag === '3' ? 0o020000 : 0o060000) : (TYPE_MODE[kind] ?? 0);
  entry.mode = perm === null ? null : perm | typeBits;
  const paxInt = (key: string): number | null => {
    const v = text(key);
    return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null;
  };
  entry.uid = paxInt('uid') ?? h.uid;
  entry.gid = paxInt('gid') ?? h.gid;
  const uname = text('uname') ?? h.uname;
  const gname = text('gname') ?? h.gname;
  if (uname) extra.uname = uname;
  if (gname) extra.gname = gname;
  const paxTime = (key: string): string | null => {
    const v = text(key);
    return v === undefined ? null : decimalSecondsToIso(v);
  };
  entry.mtime = paxTime('mtime') ?? (h.mtime !== null ? unixSecondsToIso(h.mtime) : null);
  entry.atime = paxTime('atime') ?? (h.atime ? unixSecondsToIso(h.atime) : null);
  entry.ctime = paxTime('ctime') ?? (h.ctime ? unixSecondsToIso(h.ctime) : null);
  entry.birthtime = paxTime('LIBARCHIVE.creationtime');
  if (h.format !== 'ustar') extra.format = h.format;

  entry.size = kind === 'file' ? size : kind === 'symlink' ? null : size || null;
  if (!hashData && size > 0 && kind !== 'dir') errors.push(`${size} bytes of data after a ${kind === 'other' ? 'link' : kind} header (skipped, not hashed)`);
  entry.extra = extra;
  entry.error = errors.length ? errors.join('; ') : null;
  return { entry, dataSize: size, hashData };
}

// ---------------------------------------------------------------------------------------------
// The parser

async function* tarCore(src: TarSource, ctx: ContainerContext, label: string): AsyncGenerator<SourceEntry> {
  const limits = ctx.limits;
  const names = new NameIndex();
  const notes: string[] = [];
  const facts: Record<string, unknown> = {};
  const pending: Pending = { pax: null, global: new Map(), longName: null, longLink: null };
  let headers = 0;
  let count = 0;
  let total = 0;
  let sawEnd = false;
  const notATar = (why: string): string => `not a readable ${label}: ${why}`;
  try {
    for (;;) {
      const at = src.pos;
      const block = await src.read(BLOCK);
      if (block.byteLength === 0) {
        if (headers === 0) notes.push(notATar('empty'));
        break;
      }
      if (block.byteLength < BLOCK) {
        notes.push(headers === 0 ? notATar(`only ${block.byteLength} bytes`) : `truncated: the archive ends inside a header at offset ${at}`);
        break;
      }
      if (isZeroBlock(block)) {
        sawEnd = true;
        break;
      }
      if (!tarChecksumOk(block)) {
        notes.push(
          headers === 0
            ? notATar('the first header is not a TAR header (checksum mismatch)')
            : `damaged header at offset ${at} (checksum mismatch) after ${count} entries: the rest is not read`,
        );
        break;
      }
      headers++;
      const h = parseHeader(block);
      let size = h.size;
      const paxSize = pending.pax?.get('size')?.toString('latin1');
      if (paxSize !== undefined && /^\d{1,16}$/.test(paxSize) && Number.isSafeInteger(Number(paxSize))) size = Number(paxSize);
      if (size === null || size < 0) {
        notes.push(`damaged header at offset ${at} (unreadable size field): the rest is not read`);
        break;
      }

      // Headers that describe the next member.
      if (h.typeflag === 'x' || h.typeflag === 'g' || h.typeflag === 'L' || h.typeflag === 'K' || h.typeflag === 'N') {
        if (size > MAX_META) {
          notes.push(`oversized '${h.typeflag}' header record (${formatBytes(size)}) at offset ${at}: the rest is not read`);
          break;
        }
        const data = await src.read(size);
        if (data.byteLength < size) {
          notes.push(`truncated: the archive ends inside a '${h.typeflag}' header record at offset ${at}`);
          break;
        }
        await src.skip(pad(size));
        if (h.typeflag === 'x' || h.typeflag === 'g') {
          const parsed = parsePax(data);
          if (parsed.error) notes.push(`${parsed.error} in the PAX header at offset ${at} (the records before it are used)`);
          const target = h.typeflag === 'x' ? (pending.pax ??= new Map()) : pending.global;
          for (const [k, v] of parsed.records) target.set(k, v);
        } else if (h.typeflag === 'L') {
          pending.longName = cstr(data, 0, data.byteLength);
        } else if (h.typeflag === 'K') {
          pending.longLink = cstr(data, 0, data.byteLength);
        } else {
          notes.push(`old GNU 'N' (long names in a script) header at offset ${at}: skipped`);
        }
        continue;
      }

      if (count >= limits.maxEntries) {
        notes.push(`entry limit reached: ${limits.maxEntries} entries read; the rest is not read`);
        facts.limit = 'maxEntries';
        break;
      }
      count++;
      const d = describe(h, pending, size, at, ctx, names);
      pending.pax = null;
      pending.longName = null;
      pending.longLink = null;
      const entry = d.entry;

      if (!d.hashData) {
        yield entry;
        const skipped = await src.skip(size);
        if (skipped < size) {
          notes.push(`truncated: the archive ends inside the data of '${entry.path}'`);
          break;
        }
        await src.skip(pad(size));
        continue;
      }
      if (total + size > limits.maxTotalBytes) {
        entry.error = [entry.error, `total size limit reached (${formatBytes(limits.maxTotalBytes)}): not extracted`].filter(Boolean).join('; ');
        yield entry;
        notes.push(
          `total size limit reached: members so far hold ${formatBytes(total)}, the next (${entry.path}) ${formatBytes(size)}, over the limit of ${formatBytes(limits.maxTotalBytes)}; the rest is not read`,
        );
        facts.limit = 'maxTotalBytes';
        break;
      }
      total += size;
      const m = await src.member(size);
      if (m.present < size) {
        entry.error = [entry.error, `truncated: the archive ends inside this member (${m.present} of ${size} bytes present): not extracted`]
          .filter(Boolean)
          .join('; ');
        yield entry;
        notes.push(`truncated: the archive ends inside '${entry.path}'`);
        break;
      }
      entry.content = m.content;
      yield entry;
      await src.finishMember();
      await src.skip(pad(size));
    }
  } catch (err) {
    const msg = errorMessage(err);
    notes.push(
      err instanceof RatioExceeded ? msg : headers === 0 ? notATar(msg) : `${label} stream damaged after ${count} entries (${msg}): the rest is not read`,
    );
  }
  if (!sawEnd && notes.length === 0 && headers > 0) {
    notes.push('no end-of-archive marker: the archive may be truncated (every member present was read)');
  }
  if (notes.length) yield containerProblem(ctx, notes.join('; '), { ...facts, entriesRead: count });
}

async function* readTar(makeSource: () => TarSource, ctx: ContainerContext, label: string): AsyncGenerator<SourceEntry> {
  const tooDeep = depthProblem(ctx);
  if (tooDeep) {
    yield tooDeep;
    return;
  }
  let src: TarSource;
  try {
    src = makeSource();
  } catch (err) {
    yield containerProblem(ctx, `not a readable ${label}: ${errorMessage(err)}`);
    return;
  }
  try {
    yield* tarCore(src, ctx, label);
  } finally {
    src.close();
  }
}

/**
 * Entries of any TAR byte stream (a gunzipped .tar.gz, an Android backup's inflated payload).
 * Small members come as bytes, larger ones as a stream that must be read (or left) before the
 * next entry is asked for. `opts.compressedBytes` enables the compression-ratio limit.
 */
export function tarStreamEntries(input: Readable, ctx: ContainerContext, opts: StreamOptions = {}): AsyncIterable<SourceEntry> {
  return readTar(() => new StreamTarSource(input, ctx, opts), ctx, opts.label ?? 'TAR');
}

export const tarReader: ContainerReader = {
  kind: 'tar',
  entries(bytes: ContainerBytes, ctx: ContainerContext): AsyncIterable<SourceEntry> {
    return readTar(() => (bytes.type === 'file' ? new FileTarSource(bytes.path) : new MemoryTarSource(bytes.data)), ctx, 'TAR');
  },
};

async function* tarGzEntries(bytes: ContainerBytes, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
  let raw: Readable;
  try {
    raw =
      bytes.type === 'file'
        ? createReadStream(bytes.path, {
            fd: openSync(bytes.path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0)),
            autoClose: true,
            highWaterMark: 256 * 1024,
          })
        : Readable.from([Buffer.from(bytes.data.buffer, bytes.data.byteOffset, bytes.data.byteLength)], { objectMode: false });
  } catch (err) {
    yield containerProblem(ctx, `not a readable TAR.GZ: ${errorMessage(err)}`);
    return;
  }
  let compressed = 0;
  const gunzip = createGunzip();
  raw.on('data', (c: Buffer) => (compressed += c.byteLength));
  raw.on('error', (err) => gunzip.destroy(err));
  raw.pipe(gunzip);
  try {
    yield* tarStreamEntries(gunzip, ctx, { compressedBytes: () => compressed, label: 'TAR.GZ' });
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

export const tarGzReader: ContainerReader = {
  kind: 'tar.gz',
  entries: tarGzEntries,
};
