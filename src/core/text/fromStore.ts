// Text extraction for a file just hashed (ingest) or already in the store (reindex): the bytes
// in hand are the whole file when small, its head when large; then the rest is read from the
// store copy, never from the original export.
import { closeSync, openSync, readSync } from 'node:fs';
import { objectFilePath } from '../store/layout.ts';
import { extractItemText, type ItemText } from './extract.ts';

/** Reads up to `max` bytes from the start of a file. */
export function readFilePrefix(path: string, max: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(max);
    let n = 0;
    while (n < max) {
      const r = readSync(fd, buf, n, max - n, n);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export interface HashedBytes {
  size: number;
  sha256: string;
  /** All of the file (small objects), or null. */
  data: Uint8Array | null;
  /** The first bytes (all of a small object). */
  head: Uint8Array;
}

/** The text of a file that is in the store (or about to be, for blobs: then `data` holds it all). */
export function extractFromStore(b: HashedBytes, name: string, mime: string | null, storeDir: string): Promise<ItemText | null> {
  const head = b.data ?? b.head;
  return extractItemText({
    name,
    mime,
    size: b.size,
    head,
    readPrefix: head.length < b.size ? (max) => readFilePrefix(objectFilePath(storeDir, b.sha256), max) : undefined,
  });
}
