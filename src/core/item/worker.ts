// Hashing worker: one per core. Takes batches of tasks and processes them strictly one after the
// other (processItem.ts). Small objects' bytes are written to store/objects.db here, a batch's
// in one transaction (store/blobWriter.ts): their results are held until then and posted
// together, and the task in progress is named in shared memory meanwhile (workerMarker.ts), so
// if a broken file hangs the metadata reader the pipeline still kills this worker and knows the
// culprit. Everything else is posted as soon as it is done, a large object's result once its
// store copy is durable: its fsync runs on libuv's threads while this worker hashes the next
// file (at most MAX_SETTLING at once), and results are posted strictly in task order.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { BlobWriter } from '../store/blobWriter.ts';
import { caseWriteCode } from '../store/writeFaults.ts';
import { TaskMarker } from '../workers/workerMarker.ts';
import { processItem } from './processItem.ts';
import type { HashResult, HashTask, WorkerSetup } from './protocol.ts';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const marker = TaskMarker.ofThisWorker();
// Without a marker (a pool that cannot tell) or a database to write, blobs go to the main thread as before.
const blobs = marker && setup.objectsDb ? new BlobWriter(setup.objectsDb) : null;

/** A result with what must happen before it is posted: its store copy made durable. */
interface Pending {
  result: HashResult;
  durable: Promise<void> | null;
}
/** Held results of this batch, in order, until the small objects among them are written. */
let held: Pending[] = [];
let heldBytes = 0;
/** Past this many bytes of blobs held, written without waiting for the end of the batch. */
const FLUSH_BYTES = 8 * 1024 * 1024;
/** Large objects whose fsync may run behind the hashing: each holds an open temp file. */
const MAX_SETTLING = 2;
const settling: Promise<void>[] = [];

/** Results leave in task order (the pool expects them so), each once its store copy is durable. */
let posted: Promise<void> = Promise.resolve();
function post(p: Pending, transfer: ArrayBuffer[] = []): void {
  if (p.durable === null) {
    posted = posted.then(() => port.postMessage(p.result, transfer));
    return;
  }
  const durable = p.durable;
  posted = posted.then(async () => {
    await durable;
    port.postMessage(p.result, transfer);
  });
}

function flush(): void {
  if (held.length === 0) return;
  const withData = held.map((p) => p.result).filter((r) => r.data && r.sha256);
  try {
    const added = blobs!.putAll(withData.map((r) => ({ sha256: r.sha256!, data: r.data! })));
    withData.forEach((r, i) => {
      r.existed = !added[i];
    });
  } catch (err) {
    // The case could not be written (disk full): these results carry the failure, no row follows.
    const code = caseWriteCode(err) ?? 'EIO';
    for (const r of withData) r.caseFault = { code, message: errorMessage(err) };
  }
  for (const r of withData) delete r.data;
  const out = held;
  held = [];
  heldBytes = 0;
  for (const p of out) post(p);
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (batch: HashTask[]) => {
  queue = queue.then(async () => {
    for (const task of batch) {
      marker?.begin(task.id);
      const { result, transfer, durable } = await processItem(task, setup, { deferDurable: true });
      if (blobs && (result.data || held.length > 0)) {
        held.push({ result, durable });
        heldBytes += result.data?.byteLength ?? 0;
        if (heldBytes >= FLUSH_BYTES) flush();
      } else {
        post({ result, durable }, transfer);
      }
      if (durable) {
        settling.push(durable);
        while (settling.length > MAX_SETTLING) await settling.shift();
      }
    }
    marker?.begin(0);
    if (blobs) flush();
  });
});
