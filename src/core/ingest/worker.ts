// Hashing worker: one per core. Takes batches of tasks, processes them strictly one after the
// other, and posts one result per task so the pipeline always knows which file is in progress
// (if a broken file hangs the metadata reader, the pipeline kills this worker and knows the
// culprit).
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { analyzeBytes, emptyMeta } from './analyzeItem.ts';
import type { SinkOutcome } from './byteSink.ts';
import { ByteSink, HEAD_BYTES } from './byteSink.ts';
import { readFileInto, readRangeInto } from './hashFile.ts';
import { blankResult, type HashResult, type HashTask, type WorkerSetup } from './protocol.ts';
import { extractFromStore, readFilePrefix } from '../text/fromStore.ts';
import { extractItemText } from '../text/extract.ts';
import { caseWriteCode } from '../store/writeFaults.ts';

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function read(task: HashTask): Promise<SinkOutcome> {
  const c = task.content;
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
  }
}

async function processTask(task: HashTask): Promise<{ result: HashResult; transfer: ArrayBuffer[] }> {
  const result = blankResult(task);
  if (task.textOnly) {
    result.text = await textOfStoreCopy(task, task.textOnly.mime);
    return { result, transfer: [] };
  }
  let out: SinkOutcome;
  try {
    out = await read(task);
  } catch (err) {
    // Writing the case failed (disk full, its I/O error): not a fact about this file. The
    // pipeline stops and records no row for it, so the resume stores it.
    const caseCode = caseWriteCode(err);
    if (caseCode) result.caseFault = { code: caseCode, message: errorMessage(err) };
    else {
      result.error = `could not read: ${errorMessage(err)}`;
      result.readFailed = true;
      result.readCode = errCode(err);
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
    Object.assign(result, await analyzeBytes(out.head, task.name, out.size));
    if (out.sha256 && setup.text !== false) result.text = await extractFromStore(out, task.name, result.mime, setup.storeDir);
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

/** Text of a store copy for reindexing (a bad file gives an error in its text record). */
async function textOfStoreCopy(task: HashTask, mime: string | null): Promise<HashResult['text']> {
  const c = task.content;
  if (c.type === 'bytes') return extractItemText({ name: task.name, mime, size: c.data.byteLength, head: c.data });
  if (c.type !== 'file') return null;
  const path = Buffer.from(c.fsPath).toString();
  return extractItemText({
    name: task.name,
    mime,
    size: task.size,
    head: readFilePrefix(path, HEAD_BYTES),
    readPrefix: (max) => readFilePrefix(path, max),
  });
}

function errCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (batch: HashTask[]) => {
  queue = queue.then(async () => {
    for (const task of batch) {
      const { result, transfer } = await processTask(task);
      port.postMessage(result, transfer);
    }
  });
});
