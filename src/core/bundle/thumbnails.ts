// Thumbnails for report.html: the exported images, small (256 px WebP, the gallery's own
// thumbnails from store/thumbs.db, made now where missing) and embedded as data: URIs so the
// report needs no file beside it. The total is bounded so a bundle of many photos still gives a
// report a browser opens; past the bound, items show "no thumbnail" and the files are still there.
import type { Case } from '../case.ts';
import { THUMB_PX, ThumbnailCache } from '../preview/thumbs.ts';

/** About 40 MiB of images in one HTML file: ~2,500 thumbnails at ~16 KiB each. */
export const REPORT_THUMBS_MAX_BYTES = 40 * 1024 * 1024;

export interface ThumbnailRequest {
  id: number;
  mime: string | null;
}

export interface ReportThumbnails {
  /** Item id -> data:image/webp;base64,... */
  uris: Map<number, string>;
  /** Images given no thumbnail because the bound was reached. */
  omittedForSize: number;
  /** Images that could not be thumbnailed (undecodable, too large, sharp missing), with why. */
  failed: { id: number; error: string }[];
}

export function wantsThumbnail(mime: string | null): boolean {
  return !!mime && mime.startsWith('image/') && mime !== 'image/svg+xml';
}

/**
 * The thumbnails of the given items that are images, in order, until `maxBytes` of image data.
 * Reads only the case store (never the exported copies); a failure for one image is noted and
 * the rest go on.
 */
export async function reportThumbnails(kase: Case, items: ThumbnailRequest[], maxBytes = REPORT_THUMBS_MAX_BYTES): Promise<ReportThumbnails> {
  const result: ReportThumbnails = { uris: new Map(), omittedForSize: 0, failed: [] };
  const images = items.filter((i) => wantsThumbnail(i.mime));
  if (images.length === 0) return result;
  let cache: ThumbnailCache;
  try {
    cache = new ThumbnailCache(kase);
  } catch (err) {
    // thumbs.db could not be opened (read-only media): the report goes without thumbnails.
    for (const i of images) result.failed.push({ id: i.id, error: (err as Error).message });
    return result;
  }
  let total = 0;
  try {
    for (const i of images) {
      if (total >= maxBytes) {
        result.omittedForSize++;
        continue;
      }
      try {
        const t = await cache.thumbnail(i.id, THUMB_PX);
        if (total + t.data.length > maxBytes) {
          result.omittedForSize++;
          total = maxBytes;
          continue;
        }
        total += t.data.length;
        result.uris.set(i.id, `data:${t.mime};base64,${t.data.toString('base64')}`);
      } catch (err) {
        result.failed.push({ id: i.id, error: (err as Error).message });
      }
    }
  } finally {
    cache.close();
  }
  return result;
}
