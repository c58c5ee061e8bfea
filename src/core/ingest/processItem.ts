// The one item processor: an entry's bytes in, everything the catalogue learns from them out:
// MD5, SHA-1 and SHA-256, the store copy (a fsynced object file, or the bytes of a small object
// for store/objects.db), the CRC-32 check against the container's record, then what the bytes
// say (analyzeItem.ts: type, extension mismatch, metadata, container kind). Text for search is
// not read here: the text stage reads it from the store copy once the catalogue is complete
// (src/core/stages/text.ts), so the catalogue is ready at the pace of hashing.
// Called the same way by the hashing workers (worker.ts) and, for the few streamed members too
// large to hand to a worker, by the catalogue on the main thread. A broken file yields an error
// on its result, never an exception.
import { errorMessage } from '../errors.ts';
import type { Content } from '../sources/types.ts';
import { caseWriteCode } from '../store/writeFaults.ts';
import { analyzeBytes, emptyMeta } from './analyzeItem.ts';
import { ByteSink, type SinkOutcome } from './byteSink.ts';
import { readFileInto, readRangeInto, readStreamInto } from './hashFile.ts';
import { blankResult, type HashResult, type HashTask, type WorkerSetup } from './protocol.ts';

/** A task as the processor takes it: on the main thread its content may be a stream. */
export type ItemTask = Omit<HashTask, 'content'> & { content: Content };

function read(c: Content, setup: WorkerSetup): Promise<SinkOutcome> | SinkOutcome {
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

/** One item's bytes processed; `transfer` lists memory the worker hands over rather than copies. */
export async function processItem(task: ItemTask, setup: WorkerSetup): Promise<{ result: HashResult; transfer: ArrayBuffer[] }> {
  const result = blankResult(task);
  let out: SinkOutcome;
  try {
    out = await read(task.content, setup);
  } catch (err) {
    // Writing the case failed (disk full, its I/O error): not a fact about this file. The
    // pipeline stops and records no row for it, so the resume stores it.
    const caseCode = caseWriteCode(err);
    if (caseCode) result.caseFault = { code: caseCode, message: errorMessage(err) };
    else {
      result.error = `could not read: ${errorMessage(err)}`;
      result.readFailed = true;
      const code = (err as { code?: unknown } | null)?.code;
      result.readCode = typeof code === 'string' ? code : null;
    }
    return { result, transfer: [] };
  }
  Object.assign(result, { md5: out.md5, sha1: out.sha1, sha256: out.sha256, size: out.size, stored: out.stored, existed: out.existed });
  if (out.shrank) {
    result.error = `the file ended early while it was read: ${out.shrank.expected} bytes when opened, ${out.shrank.read} read (was it cut short or changed during the ingest?); the hashes are of the ${out.shrank.read} bytes read`;
  }
  const c = task.content;
  if (c.type === 'range' && c.crc32 !== undefined && c.crc32 >>> 0 !== out.crc32) {
    result.error = `CRC-32 mismatch: the container records ${hex8(c.crc32)}, the bytes give ${hex8(out.crc32)} (damaged or altered member; hashes are of the bytes as found)`;
  }
  if (task.analyze) {
    Object.assign(result, await analyzeBytes(out.head, task.name, out.size, { storeDir: setup.storeDir, stored: out.stored, sha256: out.sha256 }));
  } else {
    result.meta = emptyMeta('analysis skipped: it stopped a worker (hang or crash) on an earlier try');
  }
  let transfer: ArrayBuffer[] = [];
  if (out.data) {
    // Hand the memory over instead of copying it, when the view covers its whole buffer.
    const whole = out.data.byteOffset === 0 && out.data.byteLength === out.data.buffer.byteLength;
    result.data = whole ? out.data : new Uint8Array(out.data);
    transfer = [result.data.buffer as ArrayBuffer];
  }
  return { result, transfer };
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
