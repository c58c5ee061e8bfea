// What we learn from a file's bytes besides its hashes: type by magic bytes, extension
// mismatch, whether it is a container to open, and photo metadata. A broken file yields an
// error on the item, never an exception.
import { detectType, isExtensionMismatch } from '../analyze/filetype.ts';
import { hasReadableMetadata, readPhotoMetadata } from '../analyze/metadata.ts';
import { errorMessage } from '../errors.ts';
import { containerKindOf } from '../sources/detect.ts';
import type { HashResult, ItemMeta } from './protocol.ts';

export async function analyzeBytes(
  head: Uint8Array,
  name: string,
): Promise<Pick<HashResult, 'mime' | 'detectedExt' | 'extMismatch' | 'meta' | 'container'>> {
  let mime: string | null = null;
  let detectedExt: string | null = null;
  try {
    const t = await detectType(head);
    mime = t.mime;
    detectedExt = t.ext;
  } catch {
    // file-type gives up on some truncated containers; the item stays untyped.
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
    container = containerKindOf(mime, name, head);
  } catch {
    container = null;
  }
  return { mime, detectedExt, extMismatch: isExtensionMismatch(name, detectedExt), meta, container };
}

export function emptyMeta(error: string): ItemMeta {
  return { takenAt: null, lat: null, lon: null, alt: null, make: null, model: null, orientation: null, json: null, error };
}
