// HEIC/HEIF photos (what iPhones take) decoded in the engine for thumbnails and the preview. The
// browser cannot show them and sharp's libvips here has no HEVC decoder, so libheif compiled to
// WebAssembly (heic-decode, libheif-js: no native code, nothing fetched at run time) decodes them
// on a worker thread of its own (heic-worker.ts), one photo at a time; the engine's thread only
// hands over the bytes and gets RGBA pixels back. The worker ends itself after a while unused
// (libheif holds tens of megabytes) and never keeps the process alive.
import { Worker } from 'node:worker_threads';
import { EvidenceError } from '../errors.ts';

/** The types decoded here rather than by sharp. */
const HEIF_TYPES = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

export function isHeif(mime: string | null | undefined): boolean {
  return !!mime && HEIF_TYPES.has(mime);
}

/** Said in every decode failure, so a failure remembered before this decoder existed can be told apart. */
export const HEIF_DECODER = 'libheif';

/** A photo larger than this is not decoded (pixels are 4 bytes each in memory). */
export const HEIF_MAX_BYTES = 64 * 1024 * 1024;
/** How long the worker stays after its last photo. */
const IDLE_MS = 30_000;
/** One photo may take this long (seconds on a loaded machine for 12 Mpx; minutes means stuck). */
const DECODE_TIMEOUT_MS = 120_000;

export interface HeicRequest {
  n: number;
  bytes: ArrayBuffer;
}
export interface HeicReply {
  n: number;
  width: number;
  height: number;
  rgba: ArrayBuffer | null;
  error: string | null;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel: give it to sharp as { raw: { width, height, channels: 4 } }. */
  rgba: Buffer;
}

function defaultWorkerUrl(): URL {
  return new URL('./heic-worker.ts', import.meta.url);
}

let workerUrl: URL | string | null = null;
/** Where the worker script is (the packaged app passes its bundled copy; from source, the .ts beside this file). */
export function setHeicWorkerUrl(url: URL | string | null | undefined): void {
  if (url) workerUrl = url;
}

interface Pending {
  resolve(d: DecodedImage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

class HeicDecoder {
  private worker: Worker | null = null;
  private idle: NodeJS.Timeout | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  decode(bytes: Uint8Array): Promise<DecodedImage> {
    if (bytes.length > HEIF_MAX_BYTES) {
      return Promise.reject(new EvidenceError('USAGE', `the photo is too large to decode (${bytes.length} bytes; ${HEIF_DECODER} takes up to ${HEIF_MAX_BYTES})`));
    }
    const w = this.ensureWorker();
    const n = this.next++;
    // A copy of the bytes goes to the worker: the caller's buffer may be the store's own.
    const copy = new Uint8Array(bytes).buffer;
    return new Promise<DecodedImage>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`${HEIF_DECODER} took longer than ${DECODE_TIMEOUT_MS / 1000} s`), DECODE_TIMEOUT_MS);
      this.pending.set(n, { resolve, reject, timer });
      w.postMessage({ n, bytes: copy } satisfies HeicRequest, [copy]);
    });
  }

  private ensureWorker(): Worker {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (this.worker) return this.worker;
    const w = new Worker(workerUrl ?? defaultWorkerUrl());
    w.unref();
    w.on('message', (r: HeicReply) => {
      const p = this.pending.get(r.n);
      if (!p) return;
      this.pending.delete(r.n);
      clearTimeout(p.timer);
      if (r.rgba) p.resolve({ width: r.width, height: r.height, rgba: Buffer.from(r.rgba) });
      else p.reject(new Error(`${HEIF_DECODER}: ${r.error ?? 'no image'}`));
      if (this.pending.size === 0) this.scheduleIdle();
    });
    w.on('error', (err) => this.fail(`${HEIF_DECODER} worker failed: ${err.message}`));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      if (this.pending.size) this.fail(`${HEIF_DECODER} worker exited (code ${code})`);
    });
    this.worker = w;
    return w;
  }

  /** Every photo in progress fails with the reason, and the worker is ended (a new one starts for the next). */
  private fail(reason: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
  }

  private scheduleIdle(): void {
    this.idle = setTimeout(() => this.close(), IDLE_MS);
    this.idle.unref();
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.fail('the decoder was closed');
  }
}

let decoder: HeicDecoder | null = null;

/** Decodes a HEIC/HEIF photo to RGBA pixels on the decoder's worker (rotation and mirroring applied). */
export function decodeHeif(bytes: Uint8Array): Promise<DecodedImage> {
  decoder ??= new HeicDecoder();
  return decoder.decode(bytes);
}

/** Ends the decoder's worker now (tests; the service's close). */
export function closeHeifDecoder(): void {
  decoder?.close();
  decoder = null;
}
