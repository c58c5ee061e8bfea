// A streamed member (.tar.gz, .ab, a file reached through a folder handle) must be read before
// its reader moves on. Read into memory when small, it goes to a worker like any file; a large
// one (or one that failed) comes back as a stream replaying what was read, for the main thread.
import { Readable } from 'node:stream';
import type { Content } from '../../sources/types.ts';
import { SMALL_OBJECT_MAX } from '../../store/layout.ts';

async function* replay(chunks: Buffer[], rest: AsyncIterator<Buffer> | null, failure: unknown): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
    if (failure !== undefined) throw failure;
    for (let r = await rest!.next(); !r.done; r = await rest!.next()) yield r.value;
  } finally {
    await rest?.return?.();
  }
}

export async function prefetch(c: Extract<Content, { type: 'stream' }>): Promise<Content> {
  const chunks: Buffer[] = [];
  let size = 0;
  const max = Math.min(SMALL_OBJECT_MAX, c.size ?? Infinity);
  let it: AsyncIterator<Buffer> | null = null;
  try {
    it = c.open()[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      const r = await it.next();
      if (r.done) return { type: 'bytes', data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
      chunks.push(r.value);
      size += r.value.byteLength;
      if (size > max) break;
    }
  } catch (err) {
    return { type: 'stream', size: c.size, open: () => Readable.from(replay(chunks, null, err)) };
  }
  const rest = it;
  return { type: 'stream', size: c.size, open: () => Readable.from(replay(chunks, rest, undefined)) };
}
