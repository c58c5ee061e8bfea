// An item's stored bytes for a preview: opened from the case store (a blob in store/objects.db or
// a file under store/ab/cd/), as a stream with the detected MIME type and size, with single byte
// ranges. Evidence is never executed: what a front door may label as what is decided here
// (servedType) and sent with headers that forbid the browser to run or sniff it (previewHeaders).
// Nothing is served that does not match the item's recorded SHA-256 (intact.ts).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { visible } from '../../shared/text.ts';
import type { Case } from '../case.ts';
import { EvidenceError } from '../errors.ts';
import { isSha256Hex } from '../store/layout.ts';
import { checkBytes, checkFile } from './intact.ts';

export interface ByteRange {
  start: number;
  /** Inclusive, as in HTTP. */
  end: number;
}

export type RangeResult = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * Parses an HTTP Range header for one range of a `size`-byte body. Several ranges, other units or
 * a malformed header are treated as no range (the whole body), as RFC 9110 allows.
 */
export function parseRange(header: string | null | undefined, size: number): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return { kind: 'none' };
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= size || size === 0) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end } };
}

export interface StoredItem {
  id: number;
  path: string;
  name: string;
  sha256: string;
  size: number;
  mime: string | null;
  location: 'blob' | 'file';
}

/** The item's stored object, or a clear error: no such item, not a file, or not in the store. */
export function storedItem(c: Case, id: number): StoredItem {
  const row = c.db.prepare('SELECT id, path, name, kind, size, sha256, mime FROM items WHERE id = ?').get(id) as
    | { id: number; path: string; name: string; kind: string; size: number | null; sha256: string | null; mime: string | null }
    | undefined;
  if (!row) throw new EvidenceError('NOT_FOUND', `There is no item ${id} in this case.`);
  if (row.kind !== 'file' || !row.sha256) {
    throw new EvidenceError('NOT_FOUND', `Item ${id} has no stored content (${row.kind === 'file' ? 'it could not be read at ingest' : `it is a ${row.kind}`}).`);
  }
  if (!isSha256Hex(row.sha256)) {
    // An edited row ("../../x"): refused before any store path is made from it.
    throw new EvidenceError(
      'CASE_DAMAGED',
      `Item ${id} records "${visible(row.sha256.slice(0, 80))}" as its SHA-256, which is not a SHA-256 digest: the case database was altered or damaged. Nothing was read; run evidence verify.`,
    );
  }
  const location = c.store.locate(row.sha256);
  if (!location) throw new EvidenceError('NOT_FOUND', `The stored copy of item ${id} (${row.sha256}) is missing from the case store. Run verify.`);
  return { id: row.id, path: row.path, name: row.name, sha256: row.sha256, size: row.size ?? 0, mime: row.mime, location };
}

export interface OpenedContent {
  item: StoredItem;
  /** The type the bytes are sent as (see servedType). */
  contentType: string;
  /** Total size of the object. */
  size: number;
  /** The range sent, or null for the whole object. */
  range: ByteRange | null;
  stream: Readable;
}

/**
 * The MIME type a preview is sent as: images as themselves (the browser decodes them as images,
 * never as documents), video and audio as themselves (played by <video>/<audio>, which decode
 * media and run nothing), everything else (SVG, HTML, PDF, scripts, text) as opaque bytes that the
 * renderer shows as text, hex or a PDF rendering of its own.
 */
export function servedType(mime: string | null): string {
  if (mime && /^image\/(jpeg|png|gif|webp|bmp|avif|heic|heif|tiff|x-icon|vnd\.microsoft\.icon)$/.test(mime)) return mime;
  if (mime && /^(video|audio)\/[a-z0-9][a-z0-9.+-]{0,60}$/.test(mime)) return mime;
  return 'application/octet-stream';
}

/** Headers every preview response carries: no script, no plugin, no sniffing, no caching. */
export function previewHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Content-Disposition': 'inline; filename="evidence.bin"',
  };
}

/**
 * Opens an item's stored bytes (or one range of them), checked first against the item's recorded
 * SHA-256 (intact.ts): a stored copy changed on disk is refused (STORE_ALTERED), never shown.
 */
export async function openContent(c: Case, id: number, range: ByteRange | null = null): Promise<OpenedContent> {
  const item = storedItem(c, id);
  const size = item.size;
  const r = range && range.start < size ? { start: range.start, end: Math.min(range.end, size - 1) } : null;
  let stream: Readable;
  if (item.location === 'blob') {
    const data = c.store.readBlob(item.sha256);
    if (!data) throw new EvidenceError('NOT_FOUND', `The stored copy of item ${id} is missing from the case store.`);
    checkBytes(item, data);
    stream = Readable.from([r ? data.subarray(r.start, r.end + 1) : data]);
  } else {
    const path = c.store.filePath(item.sha256);
    await checkFile(item, path);
    stream = createReadStream(path, r ? { start: r.start, end: r.end } : {});
  }
  return { item, contentType: servedType(item.mime), size, range: r, stream };
}

/**
 * The whole object as bytes (for thumbnails and the HEIC rendition), checked against the item's
 * SHA-256 (so nothing is ever made from altered bytes); refuses objects over `max` bytes.
 */
export async function readAll(c: Case, item: StoredItem, max: number): Promise<Buffer> {
  if (item.size > max) throw new EvidenceError('USAGE', `Item ${item.id} is too large to preview (${item.size} bytes).`);
  let data: Buffer | null;
  if (item.location === 'blob') {
    data = c.store.readBlob(item.sha256);
    if (!data) throw new EvidenceError('NOT_FOUND', `The stored copy of item ${item.id} is missing from the case store.`);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(c.store.filePath(item.sha256))) chunks.push(chunk as Buffer);
    data = Buffer.concat(chunks);
  }
  checkBytes(item, data);
  return data;
}

/**
 * Throws STORE_ALTERED unless the item's stored copy is intact now (a file's verdict is kept per
 * state of the file, so asking again for an unchanged file costs a stat).
 */
export async function checkStored(c: Case, item: StoredItem): Promise<void> {
  if (item.location === 'file') return checkFile(item, c.store.filePath(item.sha256));
  const data = c.store.readBlob(item.sha256);
  if (!data) throw new EvidenceError('NOT_FOUND', `The stored copy of item ${item.id} is missing from the case store.`);
  checkBytes(item, data);
}
