// The one item processor: an entry's bytes in, everything the catalogue learns from them out:
// MD5, SHA-1 and SHA-256, the store copy (a fsynced object file, or the bytes of a small object
// for store/objects.db), the CRC-32 check against the container's record, then what the bytes
// say (analyzeItem.ts: type, extension mismatch, metadata, container kind). Text for search is
// not read here: the text stage reads it from the store copy once the catalogue is complete
// (src/core/stages/text/text.ts), so the catalogue is ready at the pace of hashing.
// Called the same way by the hashing workers (worker.ts) and, for the few streamed members too
// large to hand to a worker, by the catalogue on the main thread. A broken file yields an error
// on its result, never an exception.
import { errorMessage } from '../errors.ts';
import type { Content } from '../sources/types.ts';
import { caseWriteCode } from '../store/writeFaults.ts';
import { analyzeBytes, emptyMeta } from './analyzeItem.ts';
import { ByteSink, type SinkOutcome, type StoreDirs } from './byteSink.ts';
import { readFileInto, readRangeInto, readStreamInto } from './readInto.ts';
import { blankResult, type HashResult, type HashTask, type WorkerSetup } from './protocol.ts';

/** A task as the processor takes it: on the main thread its content may be a stream. */
export type ItemTask = Omit<HashTask, 'content'> & { content: Content };

function read(c: Content, setup: StoreDirs): Promise<SinkOutcome> | SinkOutcome {
  switch (c.type) {
    case 'file':
      return readFileInto(c.fsPath, setup);
    case 'range':
      return readRangeInto(c, setup);
    case 'bytes': {
      const sink = new ByteSink(setup);
      sink.write(c.data);
      return sink.finish();
    }
    case 'stream':
      return readStreamInto(c.open(), setup, c.size);
  }
}

/** Writing the case failed (disk full, its I/O error): not a fact about this file. */
function caseFaultOf(err: unknown): HashResult['caseFault'] | null {
  const code = caseWriteCode(err);
  return code ? { code, message: errorMessage(err) } : null;
}

export interface Processed {
  result: HashResult;
  /** Memory the worker hands over rather than copies. */
  transfer: ArrayBuffer[];
  /**
   * With `deferDurable`: a large object's store copy still being fsynced and placed. The result
   * must not be reported before this resolves (it sets `existed`, or `caseFault`; never rejects).
   */
  durable: Promise<void> | null;
}

/**
 * One item's bytes processed. `deferDurable` (the hashing workers): a large object's fsync runs
 * on libuv's threads while the caller goes on to the next file, and `durable` says when it is done.
 */
export async function processItem(task: ItemTask, setup: WorkerSetup, opts: { deferDurable?: boolean } = {}): Promise<Processed> {
  const processed = await processNow(task, setup, opts.deferDurable === true);
  if (!opts.deferDurable && processed.durable) {
    await processed.durable;
    processed.durable = null;
  }
  return processed;
}

async function processNow(task: ItemTask, setup: WorkerSetup, defer: boolean): Promise<Processed> {
  const result = blankResult(task);
  let out: SinkOutcome;
  try {
    out = await read(task.content, defer ? { ...setup, deferSync: true } : setup);
  } catch (err) {
    // The pipeline stops and records no row for it, so the resume stores it.
    const caseFault = caseFaultOf(err);
    if (caseFault) result.caseFault = caseFault;
    else {
      result.error = `could not read: ${errorMessage(err)}`;
      result.readFailed = true;
      const code = (err as { code?: unknown } | null)?.code;
      result.readCode = typeof code === 'string' ? code : null;
    }
    return { result, transfer: [], durable: null };
  }
  Object.assign(result, { md5: out.md5, sha1: out.sha1, sha256: out.sha256, size: out.size, stored: out.stored, existed: out.existed });
  if (out.shrank) {
    result.error = `the file ended early while it was read: ${out.shrank.expected} bytes when opened, ${out.shrank.read} read (was it cut short or changed during the ingest?); the hashes are of the ${out.shrank.read} bytes read`;
  }
  const c = task.content;
  if (c.type === 'range' && c.crc32 !== undefined && c.crc32 >>> 0 !== out.crc32) {
    result.error = `CRC-32 mismatch: the container records ${hex8(c.crc32)}, the bytes give ${hex8(out.crc32)} (damaged or altered member; hashes are of the bytes as found)`;
  }
  let settling: Promise<void> | undefined;
  try {
    if (task.analyze) {
      // A copy not yet placed is read from its temp file.
      const copy = { storeDir: setup.storeDir, stored: out.stored, sha256: out.sha256, path: out.copyPath };
      Object.assign(result, await analyzeBytes(out.head, task.name, out.size, copy));
    } else {
      result.meta = emptyMeta('analysis skipped: it stopped a worker (hang or crash) on an earlier try');
    }
  } finally {
    // Placed only once analysis is done with the temp file (placing removes that name).
    settling = out.settle?.();
  }
  const durable = settling
    ? settling.then(
        () => {
          result.existed = out.existed;
        },
        (err: unknown) => {
          result.caseFault = caseFaultOf(err) ?? { code: 'EIO', message: errorMessage(err) };
        },
      )
    : null;
  let transfer: ArrayBuffer[] = [];
  if (out.data) {
    // Hand the memory over instead of copying it, when the view covers its whole buffer.
    const whole = out.data.byteOffset === 0 && out.data.byteLength === out.data.buffer.byteLength;
    result.data = whole ? out.data : new Uint8Array(out.data);
    transfer = [result.data.buffer as ArrayBuffer];
  }
  return { result, transfer, durable };
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
