// What we learn from a file's bytes besides its hashes: type by magic bytes, extension
// mismatch, whether it is a container to open, and photo metadata. A broken file yields an
// error on the item, never an exception.
import { isExtensionMismatch, magicType, refineType } from '../analyze/filetype.ts';
import { closeSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../analyze/mediaLayout.ts';
import { hasReadableMetadata, readMetadata } from '../analyze/metadata.ts';
import { objectFilePath } from '../store/layout.ts';
import { errorMessage } from '../errors.ts';
import { containerKindOf } from '../sources/detect.ts';
import type { HashResult, ItemMeta } from './protocol.ts';

/** Where an item's store copy is: `analyzeBytes` reads its metadata from there, wherever it lies. */
export interface StoreCopy {
  storeDir: string;
  stored: string;
  sha256: string | null;
  /** Where the copy is while it is not yet under its content address (its temp file, being fsynced). */
  path?: string;
}

/**
 * `size`: the file's size, when `head` may be only its start (a head of a large file).
 * `copy`: its store copy (a SinkOutcome with the store folder), so metadata beyond the head is
 * read; without it, only the head is (and a metadata block beyond it is reported, not skipped).
 */
export async function analyzeBytes(
  head: Uint8Array,
  name: string,
  size: number = head.byteLength,
  copy: StoreCopy | null = null,
): Promise<Pick<HashResult, 'mime' | 'detectedExt' | 'extMismatch' | 'meta' | 'container'>> {
  let magic: { mime: string | null; ext: string | null } = { mime: null, ext: null };
  try {
    magic = await magicType(head);
  } catch {
    // file-type gives up on some truncated containers; the bytes are sniffed instead.
  }
  let mime: string | null = magic.mime;
  let detectedExt: string | null = magic.ext;
  try {
    // No magic number (text, a few formats file-type lacks): sniffed as `file` would.
    ({ mime, ext: detectedExt } = refineType(magic, head, name, head.byteLength >= size));
  } catch {
    /* keep what the magic number said */
  }
  let meta: ItemMeta | null = null;
  if (hasReadableMetadata(mime)) {
    try {
      meta = await withStoreCopy(copy, size, (source) => readMetadata(mime, { head, size, source }));
    } catch (err) {
      meta = emptyMeta(`metadata unreadable: ${errorMessage(err)}`);
    }
  }
  let container: string | null = null;
  try {
    // By the magic number alone: a sniffed "octet-stream" must not stop a ZIP file-type could
    // not read from being opened.
    container = containerKindOf(magic.mime, name, head);
  } catch {
    container = null;
  }
  return { mime, detectedExt, extMismatch: isExtensionMismatch(name, detectedExt), meta, container };
}

export function emptyMeta(error: string): ItemMeta {
  return { takenAt: null, lat: null, lon: null, alt: null, make: null, model: null, orientation: null, json: null, error };
}

/**
 * Random access to an item's store copy (read-only; only a file object needs it, a blob's bytes
 * are all in `head`). `use` runs with it and the file is closed after, whatever happens.
 */
async function withStoreCopy<T>(copy: StoreCopy | null, size: number, use: (source: ByteSource | null) => Promise<T>): Promise<T> {
  if (!copy || copy.stored !== 'file' || !copy.sha256) return use(null);
  let fd: number;
  try {
    fd = openSync(copy.path ?? objectFilePath(copy.storeDir, copy.sha256), 'r');
  } catch {
    return use(null); // the head alone, as before: its metadata error will say so
  }
  try {
    return await use({
      size,
      read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.alloc(n);
        let got = 0;
        while (got < n) {
          const r = readSync(fd, buf, got, n - got, offset + got);
          if (r === 0) break;
          got += r;
        }
        return buf.subarray(0, got);
      },
    });
  } finally {
    closeSync(fd);
  }
}
