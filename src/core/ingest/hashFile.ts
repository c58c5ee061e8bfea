// One read pass over a file: MD5, SHA-1 and SHA-256 together, the store copy, and the head kept
// for type detection and metadata. Synchronous on purpose: it runs on a worker thread, where
// blocking reads are the fastest way through the bytes.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { commitTempFile, newTempPath } from '../store/files.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';

/** How much of a large file's start is kept for type detection and metadata. */
export const HEAD_BYTES = 1024 * 1024;
const CHUNK = 1024 * 1024;

export interface Digests {
  md5: string;
  sha1: string;
  sha256: string;
}

export class TripleHash {
  private readonly h: [Hash, Hash, Hash] = [createHash('md5'), createHash('sha1'), createHash('sha256')];
  update(b: Uint8Array): void {
    this.h[0].update(b);
    this.h[1].update(b);
    this.h[2].update(b);
  }
  digest(): Digests {
    return { md5: this.h[0].digest('hex'), sha1: this.h[1].digest('hex'), sha256: this.h[2].digest('hex') };
  }
}

export function hashBytes(b: Uint8Array): Digests {
  const t = new TripleHash();
  t.update(b);
  return t.digest();
}

/**
 * Opens evidence read-only, without updating its access time where the OS allows it (O_NOATIME
 * needs the file's owner or CAP_FOWNER; otherwise plain read-only), and never through a link.
 */
export function openEvidence(path: Uint8Array | string): number {
  const base = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  const noatime = (constants as Record<string, number>).O_NOATIME ?? 0;
  if (noatime) {
    try {
      return openSync(path as string, base | noatime);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    }
  }
  return openSync(path as string, base);
}

export interface ReadOutcome extends Digests {
  size: number;
  /** All bytes of a small file (kept for the store database). */
  data: Uint8Array | null;
  /** The first HEAD_BYTES (all of a small file). */
  head: Uint8Array;
  stored: 'blob' | 'file';
  existed: boolean;
}

function readFully(fd: number, buf: Uint8Array): number {
  let off = 0;
  while (off < buf.byteLength) {
    const n = readSync(fd, buf, off, buf.byteLength - off, null);
    if (n === 0) break;
    off += n;
  }
  return off;
}

/**
 * Reads a file once. Small files (<= SMALL_OBJECT_MAX) come back whole, for the store database;
 * larger ones stream into a temp file that is fsynced and renamed into the store.
 */
export function readAndStore(path: Uint8Array, dirs: { storeDir: string; tmpDir: string }): ReadOutcome {
  const fd = openEvidence(path);
  try {
    const size = fstatSync(fd).size;
    if (size <= SMALL_OBJECT_MAX) {
      // One extra byte tells us if the file grew since fstat.
      const buf = new Uint8Array(size + 1);
      const n = readFully(fd, buf);
      if (n <= SMALL_OBJECT_MAX) {
        const data = buf.subarray(0, n);
        return { ...hashBytes(data), size: n, data, head: data, stored: 'blob', existed: false };
      }
      // Grew past the small limit while we looked: fall through to the streaming path.
    }
    return streamToStore(fd, dirs);
  } finally {
    closeSync(fd);
  }
}

function streamToStore(fd: number, dirs: { storeDir: string; tmpDir: string }): ReadOutcome {
  const tmp = newTempPath(dirs.tmpDir);
  const out = openSync(tmp, 'wx', 0o600);
  const hash = new TripleHash();
  const head = new Uint8Array(HEAD_BYTES);
  let headLen = 0;
  let size = 0;
  const chunk = new Uint8Array(CHUNK);
  let committed = false;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK, size);
      if (n === 0) break;
      const part = chunk.subarray(0, n);
      hash.update(part);
      if (headLen < HEAD_BYTES) {
        const take = Math.min(n, HEAD_BYTES - headLen);
        head.set(part.subarray(0, take), headLen);
        headLen += take;
      }
      let w = 0;
      while (w < n) w += writeSync(out, part, w, n - w);
      size += n;
    }
    fsyncSync(out);
    closeSync(out);
    const d = hash.digest();
    const added = commitTempFile(dirs.storeDir, tmp, d.sha256);
    committed = true;
    return { ...d, size, data: null, head: head.subarray(0, headLen), stored: 'file', existed: !added };
  } finally {
    if (!committed) {
      try {
        closeSync(out);
      } catch {
        /* already closed */
      }
      try {
        // A failed read leaves no partial object behind.
        unlinkSync(tmp);
      } catch {
        /* gone already */
      }
    }
  }
}
