// The one place bytes of evidence pass through on their way into the case: MD5, SHA-1 and
// SHA-256 in one pass, CRC-32 where the container recorded one, the head kept for type detection
// and metadata, and the store copy: kept in memory while small (it becomes a blob in
// store/objects.db), spilled to a fsynced temp file and renamed to its content address once large.
import { close, closeSync, fsync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { commitTempFile, commitTempFileAsync, newTempPath } from '../store/files.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';
import { CaseWriteFault } from '../store/writeFaults.ts';
import { type Digests, TripleHash } from '../hashes.ts';

/** How much of a large object's start is kept for type detection and metadata. */
export const HEAD_BYTES = 1024 * 1024;

export interface StoreDirs {
  storeDir: string;
  tmpDir: string;
  /**
   * A large object's fsync and placement are left to run on libuv's threads while the caller
   * goes on (a hashing worker starts its next file): `finish` returns with `settle` set, which
   * the caller must await before it reports the object stored.
   */
  deferSync?: boolean;
}

const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

export interface SinkOutcome extends Digests {
  size: number;
  /** All bytes of a small object (stored as a blob by the pipeline). */
  data: Uint8Array | null;
  /** The first HEAD_BYTES (all of a small object). */
  head: Uint8Array;
  stored: 'blob' | 'file';
  /** A 'file' object that was already in the store: not written twice. */
  existed: boolean;
  /** CRC-32 of the bytes, when asked for (to check a container's record); else 0. */
  crc32: number;
  /** A source file that ended before the size it had when opened (truncated while read). */
  shrank?: { expected: number; read: number };
  /**
   * Deferred finish (StoreDirs.deferSync) of a 'file' object: resolves once the object is
   * durable under its content address (then `existed` is known), rejects with a CaseWriteFault.
   * Until then its bytes are read at `copyPath`, its temp file.
   */
  settle?: () => Promise<void>;
  copyPath?: string;
}

export class ByteSink {
  private readonly dirs: StoreDirs;
  private readonly hash = new TripleHash();
  private crc = 0;
  private size = 0;
  private chunks: Uint8Array[] = [];
  private tmp: string | null = null;
  private fd: number | null = null;
  private head: Uint8Array | null = null;
  private headLen = 0;
  private readonly wantCrc: boolean;

  /** `crc`: compute CRC-32 too (archive members whose container records one; ~10% of the work). */
  constructor(dirs: StoreDirs, opts: { crc?: boolean } = {}) {
    this.dirs = dirs;
    this.wantCrc = opts.crc ?? false;
  }

  get bytesWritten(): number {
    return this.size;
  }

  /**
   * Whether `write` keeps the chunks it is given (a small object, held in memory). Once the
   * object is written out to its temp file every chunk is copied there at once, so a reader may
   * hand the same buffer again: fresh memory for every chunk of a large file costs the kernel
   * more than hashing it (page faults and zeroing, 2.8 against 0.9 CPU-s for a GiB read and written).
   */
  get keepsChunks(): boolean {
    return this.fd === null;
  }

  /** Takes ownership of `chunk` while small: callers must not reuse its memory. */
  write(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.hash.update(chunk);
    if (this.wantCrc) this.crc = crc32(chunk, this.crc);
    this.size += chunk.byteLength;
    // Any file-system error below is the case's (its store), never the evidence's: marked so.
    try {
      if (this.fd === null) {
        this.chunks.push(chunk);
        if (this.size > SMALL_OBJECT_MAX) this.spill();
      } else {
        this.keepHead(chunk);
        this.writeOut(chunk);
      }
    } catch (err) {
      throw CaseWriteFault.from(err, 'a store copy');
    }
  }

  private keepHead(chunk: Uint8Array): void {
    if (this.headLen >= HEAD_BYTES) return;
    this.head ??= new Uint8Array(HEAD_BYTES);
    const take = Math.min(chunk.byteLength, HEAD_BYTES - this.headLen);
    this.head.set(chunk.subarray(0, take), this.headLen);
    this.headLen += take;
  }

  private writeOut(chunk: Uint8Array): void {
    let w = 0;
    while (w < chunk.byteLength) w += writeSync(this.fd!, chunk, w, chunk.byteLength - w);
  }

  private spill(): void {
    this.tmp = newTempPath(this.dirs.tmpDir);
    this.fd = openSync(this.tmp, 'wx', 0o600);
    for (const c of this.chunks) {
      this.keepHead(c);
      this.writeOut(c);
    }
    this.chunks = [];
  }

  finish(): SinkOutcome {
    const d = this.hash.digest();
    if (this.fd === null) {
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [];
      return { ...d, size: this.size, data, head: data, stored: 'blob', existed: false, crc32: this.crc >>> 0 };
    }
    if (this.dirs.deferSync) return this.finishLater(d);
    let added: boolean;
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      added = commitTempFile(this.dirs.storeDir, this.tmp!, d.sha256);
      this.tmp = null;
    } catch (err) {
      throw CaseWriteFault.from(err, 'a store copy');
    }
    return {
      ...d,
      size: this.size,
      data: null,
      head: this.head!.subarray(0, this.headLen),
      stored: 'file',
      existed: !added,
      crc32: this.crc >>> 0,
    };
  }

  /**
   * The digests now, the durability later: the temp file's fsync starts at once on libuv's
   * threads, and `settle` waits for it, then closes and places the file as `finish` does (the
   * temp file is removed if any step fails, as `abort` would).
   */
  private finishLater(d: Digests): SinkOutcome {
    const fd = this.fd!;
    const tmp = this.tmp!;
    this.fd = null;
    this.tmp = null;
    const synced = fsyncAsync(fd).then(
      () => null,
      (err: unknown) => err,
    );
    const out: SinkOutcome = {
      ...d,
      size: this.size,
      data: null,
      head: this.head!.subarray(0, this.headLen),
      stored: 'file',
      existed: false,
      crc32: this.crc >>> 0,
      copyPath: tmp,
    };
    const storeDir = this.dirs.storeDir;
    out.settle = async () => {
      let placed = false;
      try {
        const failed = await synced;
        await closeAsync(fd);
        if (failed) throw failed;
        out.existed = !(await commitTempFileAsync(storeDir, tmp, d.sha256));
        placed = true;
      } catch (err) {
        throw CaseWriteFault.from(err, 'a store copy');
      } finally {
        delete out.copyPath;
        if (!placed) {
          try {
            unlinkSync(tmp);
          } catch {
            /* already gone */
          }
        }
      }
    };
    return out;
  }

  /** Drops a partial object: nothing half-written survives a failed read. */
  abort(): void {
    this.chunks = [];
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = null;
    }
    if (this.tmp) {
      try {
        unlinkSync(this.tmp);
      } catch {
        /* already gone */
      }
      this.tmp = null;
    }
  }
}
