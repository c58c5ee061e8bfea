// Text is read from an item's store copy, never from the original export (the text stage,
// src/core/stages/text/worker.ts): the first bytes of a file object, and more where a format needs it.
import { closeSync, openSync, readSync } from 'node:fs';

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
