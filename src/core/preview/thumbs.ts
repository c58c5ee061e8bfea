// Thumbnails of image items, made in the engine with sharp (libvips, which decodes on libuv's
// thread pool, off the JavaScript thread) and cached in the case at store/thumbs.db, keyed by the
// object's SHA-256 and size and the thumbnail's edge. Made lazily per request, at most
// THUMB_CONCURRENCY at a time; an image that cannot be decoded is remembered as such so it is not
// tried again on every scroll of the gallery. A thumbnail is made only from bytes that match the
// item's SHA-256, and shown only while the stored copy still does (intact.ts): a photo changed on
// disk shows no thumbnail (STORE_ALTERED), and thumbnails kept by versions that did not check
// (checked = 0) are made again.
import Database from 'better-sqlite3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Case } from '../case.ts';
import { createPrivateFile } from '../db/open.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { checkStored, type StoredItem, readAll, storedItem } from './content.ts';
import { decodeHeif, HEIF_DECODER, HEIF_MAX_BYTES, isHeif } from './heic.ts';

export const THUMB_PX = 256;
/** The edge of the rendition the preview shows for a photo the browser cannot decode itself (HEIC). */
export const VIEW_PX = 2048;
export const THUMB_CONCURRENCY = 2;
/** Images larger than this are not thumbnailed (the preview shows the original instead). */
export const THUMB_MAX_BYTES = 256 * 1024 * 1024;

export interface Thumbnail {
  data: Buffer;
  mime: 'image/webp';
  /** True when it came from thumbs.db rather than being made now. */
  cached: boolean;
}

type SharpFactory = (input: Buffer | string, opts?: Record<string, unknown>) => {
  rotate(): ReturnType<SharpFactory>;
  resize(w: number, h: number, o: Record<string, unknown>): ReturnType<SharpFactory>;
  webp(o: Record<string, unknown>): ReturnType<SharpFactory>;
  toBuffer(): Promise<Buffer>;
};

let sharpLoad: Promise<SharpFactory | null> | null = null;
/** sharp, or null where it is not installed (the renderer then downsizes the original itself). */
export function loadSharp(): Promise<SharpFactory | null> {
  sharpLoad ??= import('sharp').then(
    (m) => {
      const s = (m as unknown as { default: SharpFactory & { cache(o: boolean): void; concurrency(n: number): void } }).default;
      s.cache(false);
      s.concurrency(1);
      return s as SharpFactory;
    },
    () => null,
  );
  return sharpLoad;
}

/**
 * An image ready to resize: HEIC/HEIF decoded by libheif on its worker (already turned as the
 * phone showed it), anything else read by sharp and turned by its EXIF orientation.
 */
export async function imageToResize(sharp: SharpFactory, input: Buffer | string, mime: string | null): Promise<ReturnType<SharpFactory>> {
  if (isHeif(mime)) {
    const img = await decodeHeif(typeof input === 'string' ? await readFile(input) : input);
    return sharp(img.rgba, { raw: { width: img.width, height: img.height, channels: 4 }, limitInputPixels: 100_000_000 });
  }
  return sharp(input, { limitInputPixels: 100_000_000, failOn: 'none', animated: false }).rotate();
}

/** A counting semaphore: at most `n` thumbnails are being made at once. */
class Limit {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((res) => this.queue.push(res));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class ThumbnailCache {
  private readonly db: Database.Database;
  private readonly limit = new Limit(THUMB_CONCURRENCY);
  private readonly inFlight = new Map<string, Promise<Thumbnail>>();
  private readonly kase: Case;

  constructor(kase: Case) {
    this.kase = kase;
    const file = join(kase.layout.store, 'thumbs.db');
    createPrivateFile(file); // 0600, like the case's other databases
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // A thumbnail is derived data: it can be made again, so no fsync per write.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS thumbs (
      sha256 TEXT NOT NULL, size INTEGER NOT NULL, px INTEGER NOT NULL,
      mime TEXT, data BLOB, error TEXT, made_at TEXT NOT NULL,
      PRIMARY KEY (sha256, size, px))`);
    const columns = this.db.prepare('PRAGMA table_info(thumbs)').all() as { name: string }[];
    if (!columns.some((col) => col.name === 'checked')) this.db.exec('ALTER TABLE thumbs ADD COLUMN checked INTEGER NOT NULL DEFAULT 0');
  }

  /** The thumbnail of an image item, made now or from the cache. */
  async thumbnail(id: number, px = THUMB_PX): Promise<Thumbnail> {
    const item = storedItem(this.kase, id);
    if (!item.mime?.startsWith('image/') || item.mime === 'image/svg+xml') {
      throw new EvidenceError('USAGE', `Item ${id} is not an image (${item.mime ?? 'unknown type'}): no thumbnail.`);
    }
    // The stored copy must still be the recorded bytes, cached thumbnail or not (a file's verdict is
    // kept per state of the file, so a gallery scrolled again costs a stat per photo).
    await checkStored(this.kase, item);
    const key = `${item.sha256}:${item.size}:${px}`;
    const row = this.db.prepare('SELECT mime, data, error, checked FROM thumbs WHERE sha256 = ? AND size = ? AND px = ?').get(item.sha256, item.size, px) as
      | { mime: string | null; data: Buffer | null; error: string | null; checked: number }
      | undefined;
    if (row?.data && row.checked === 1) return { data: row.data, mime: 'image/webp', cached: true };
    // A HEIC photo remembered as undecodable before the engine had a HEIC decoder is tried again.
    const staleHeif = row?.error && isHeif(item.mime) && !row.error.includes(HEIF_DECODER);
    if (row?.error && !staleHeif) throw new EvidenceError('USAGE', `No thumbnail for item ${id}: ${row.error}`);
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.limit.run(() => this.make(item, px)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async make(item: StoredItem, px: number): Promise<Thumbnail> {
    const sharp = await loadSharp();
    if (!sharp) throw new EvidenceError('USAGE', 'Thumbnails are not available: the image library (sharp) is not installed.');
    const now = new Date().toISOString();
    try {
      const data = await (await this.decoded(sharp, item))
        .resize(px, px, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
      this.remember('INSERT OR REPLACE INTO thumbs (sha256, size, px, mime, data, error, made_at, checked) VALUES (?, ?, ?, ?, ?, NULL, ?, 1)', item.sha256, item.size, px, 'image/webp', data, now);
      return { data, mime: 'image/webp', cached: false };
    } catch (err) {
      // Bytes found altered while being read are refused as such, not remembered as undecodable.
      if (err instanceof EvidenceError && err.code === 'STORE_ALTERED') throw err;
      const why = `the image could not be decoded (${errorMessage(err).split('\n')[0]})`;
      this.remember('INSERT OR REPLACE INTO thumbs (sha256, size, px, mime, data, error, made_at) VALUES (?, ?, ?, NULL, NULL, ?, ?)', item.sha256, item.size, px, why, now);
      throw new EvidenceError('USAGE', `No thumbnail for item ${item.id}: ${why}`);
    }
  }

  /** The image to resize: from bytes hashed as read (readAll), or from a file whose verdict was just taken (thumbnail()). */
  private async decoded(sharp: SharpFactory, item: StoredItem): Promise<ReturnType<SharpFactory>> {
    if (isHeif(item.mime)) return imageToResize(sharp, await readAll(this.kase, item, HEIF_MAX_BYTES), item.mime);
    const input = item.location === 'file' ? this.kase.store.filePath(item.sha256) : await readAll(this.kase, item, THUMB_MAX_BYTES);
    return imageToResize(sharp, input, item.mime);
  }

  /**
   * Keeps a thumbnail (or why there is none) in the cache. A thumbnail still being made when the
   * case is closed (the window closed while the gallery loaded) is answered but not kept.
   */
  private remember(sql: string, ...params: unknown[]): void {
    if (this.db.open) this.db.prepare(sql).run(...params);
  }

  close(): void {
    this.db.close();
  }
}
