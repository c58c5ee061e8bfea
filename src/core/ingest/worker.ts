// Hashing worker: one per core. Takes batches of tasks, processes them strictly one after the
// other, and posts one result per task so the pipeline always knows which file is in progress
// (if a broken file hangs the metadata reader, the pipeline kills this worker and knows the
// culprit).
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { analyzeBytes, emptyMeta } from './analyzeItem.ts';
import { hashBytes, readAndStore } from './hashFile.ts';
import type { HashResult, HashTask, WorkerSetup } from './protocol.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function processTask(task: HashTask): Promise<{ result: HashResult; transfer: ArrayBuffer[] }> {
  const base: HashResult = {
    id: task.id,
    size: task.size,
    md5: null,
    sha1: null,
    sha256: null,
    stored: 'none',
    existed: false,
    mime: null,
    detectedExt: null,
    extMismatch: false,
    meta: null,
    error: null,
  };
  let head: Uint8Array;
  try {
    if (task.data) {
      if (task.data.byteLength > SMALL_OBJECT_MAX) throw new Error('in-memory data larger than the small-object limit');
      const d = hashBytes(task.data);
      Object.assign(base, d, { size: task.data.byteLength, stored: 'blob', data: task.data });
      head = task.data;
    } else if (task.fsPath) {
      const r = readAndStore(task.fsPath, setup);
      Object.assign(base, { md5: r.md5, sha1: r.sha1, sha256: r.sha256, size: r.size, stored: r.stored, existed: r.existed });
      if (r.data) base.data = r.data;
      head = r.head;
    } else {
      throw new Error('task names neither a path nor data');
    }
  } catch (err) {
    base.error = `could not read: ${errorMessage(err)}`;
    return { result: base, transfer: [] };
  }
  if (task.analyze) {
    Object.assign(base, await analyzeBytes(head, task.name));
  } else {
    base.meta = emptyMeta('analysis skipped: it stopped a worker (hang or crash) on an earlier try');
  }
  const transfer = base.data && base.data.byteOffset === 0 ? [base.data.buffer as ArrayBuffer] : [];
  return { result: base, transfer };
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
