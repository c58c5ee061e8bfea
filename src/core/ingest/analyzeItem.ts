// What we learn from a file's bytes besides its hashes: type by magic bytes, extension
// mismatch, whether it is a container to open, and photo metadata. A broken file yields an
// error on the item, never an exception.
import { isExtensionMismatch, magicType, refineType } from '../analyze/filetype.ts';
import { hasReadableMetadata, readPhotoMetadata } from '../analyze/metadata.ts';
import { errorMessage } from '../errors.ts';
import { containerKindOf } from '../sources/detect.ts';
import type { HashResult, ItemMeta } from './protocol.ts';

/** `size`: the file's size, when `head` may be only its start (a head of a large file). */
export async function analyzeBytes(
  head: Uint8Array,
  name: string,
  size: number = head.byteLength,
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
      const m = await readPhotoMetadata(head);
      meta = m ? { ...m, error: null } : null;
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
