// Reading evidence into a ByteSink (hashes and store copy in one pass): opening files read-only
// without touching their access time, and the read loops from a whole file, a byte range (a ZIP
// or TAR member inside a file on disk, decoded if compressed) or a stream.
import { closeSync, createReadStream, fstatSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { openEvidence } from '../sources/folder.ts';
import { ByteSink, type SinkOutcome, type StoreDirs } from './byteSink.ts';

const CHUNK = 1024 * 1024;

/**
 * Feeds `length` bytes from `offset` of an open file into the sink, or everything to EOF when
 * length is null (then `expected`, the size from fstat, sizes the first read so a small file is
 * one exact buffer; a probe past it notices a file that grew).
 */
function pumpRange(fd: number, sink: ByteSink, offset: number, length: number | null, expected = 0): number {
  let pos = offset;
  const end = length === null ? Infinity : offset + length;
  for (;;) {
    const left = length === null ? expected - (pos - offset) : end - pos;
    if (left <= 0) {
      if (length !== null) break;
      // Past the size fstat gave: probe for bytes appended since (a file still being written).
      const n = readSync(fd, probe, 0, probe.byteLength, pos);
      if (n === 0) break;
      sink.write(Buffer.from(probe.subarray(0, n)));
      pos += n;
      expected = pos - offset;
      continue;
    }
    const want = Math.min(CHUNK, left);
    // A fresh, unpooled buffer per chunk while the sink keeps them (a small object's chunks, not
    // copied, whose memory the worker may transfer to the main thread); once the sink writes to
    // its temp file, one buffer read into again and again.
    const buf = sink.keepsChunks ? Buffer.allocUnsafeSlow(want) : reusable();
    const n = readSync(fd, buf, 0, want, pos);
    if (n === 0) break;
    sink.write(n === buf.byteLength ? buf : buf.subarray(0, n));
    pos += n;
  }
  return pos - offset;
}

const probe = Buffer.allocUnsafeSlow(64 * 1024);
let shared: Buffer | null = null;
/** The one read buffer of this thread for large objects (every read loop here is synchronous). */
function reusable(): Buffer {
  shared ??= Buffer.allocUnsafeSlow(CHUNK);
  return shared;
}
/**
 * Chunks of a decoded stream: zlib allocates each output chunk, and 64 KiB comes from the heap
 * and is recycled, where 1 MiB is fresh memory every time (see ByteSink.keepsChunks); its default
 * of 16 KiB means four times the writes and hash calls.
 */
const STREAM_CHUNK = 64 * 1024;

/** A whole file, read once. */
export function readFileInto(path: Uint8Array, dirs: StoreDirs): SinkOutcome {
  const sink = new ByteSink(dirs);
  const fd = openEvidence(path);
  try {
    const size = fstatSync(fd).size;
    const read = pumpRange(fd, sink, 0, null, size);
    const out = sink.finish();
    // Fewer bytes than the file had when opened: it was cut short while read (or its size lies).
    if (read < size) out.shrank = { expected: size, read };
    return out;
  } catch (err) {
    sink.abort();
    throw err;
  } finally {
    closeSync(fd);
  }
}

export class DeclaredSizeExceeded extends Error {
  constructor(declared: number) {
    super(`decodes to more than its declared ${declared} bytes (a zip-bomb technique): stopped, not stored`);
    this.name = 'DeclaredSizeExceeded';
  }
}

/**
 * A member stored inside a container file: `length` raw bytes at `offset`, decoded by `codec`.
 * Decoding stops one byte past the declared size, so a member that lies about its size cannot
 * fill the disk.
 */
export async function readRangeInto(
  r: { fsPath: string; offset: number; length: number; codec: 'none' | 'deflate-raw' | 'gzip' | 'zlib'; size: number; crc32?: number },
  dirs: StoreDirs,
): Promise<SinkOutcome> {
  const crc = r.crc32 !== undefined;
  if (r.codec === 'none') {
    const sink = new ByteSink(dirs, { crc });
    const fd = openEvidence(r.fsPath);
    try {
      pumpRange(fd, sink, r.offset, r.length);
      if (sink.bytesWritten < r.length) throw new Error(`truncated: ${sink.bytesWritten} of ${r.length} bytes present`);
      return sink.finish();
    } catch (err) {
      sink.abort();
      throw err;
    } finally {
      closeSync(fd);
    }
  }
  const raw = r.length > 0 ? createReadStream(r.fsPath, { start: r.offset, end: r.offset + r.length - 1, highWaterMark: STREAM_CHUNK }) : null;
  const z = { chunkSize: STREAM_CHUNK };
  const decoder = r.codec === 'deflate-raw' ? createInflateRaw(z) : r.codec === 'gzip' ? createGunzip(z) : createInflate(z);
  if (!raw) decoder.end();
  else raw.pipe(decoder);
  return readStreamInto(decoder, dirs, r.size, () => raw?.destroy(), crc);
}

/** A sequential stream (a .tar.gz member, an inflated range). Stops past `limit` bytes if given. */
export async function readStreamInto(
  stream: Readable,
  dirs: StoreDirs,
  limit: number | null,
  onStop?: () => void,
  crc = false,
): Promise<SinkOutcome> {
  const sink = new ByteSink(dirs, { crc });
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      if (limit !== null && sink.bytesWritten + b.byteLength > limit) {
        stream.destroy();
        onStop?.();
        throw new DeclaredSizeExceeded(limit);
      }
      sink.write(b);
    }
    return sink.finish();
  } catch (err) {
    sink.abort();
    throw err;
  }
}
