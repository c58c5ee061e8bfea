// Hashing worker: one per core. Takes batches of tasks and processes them strictly one after the
// other (processItem.ts). Small objects' bytes are written to store/objects.db here, a batch's
// in one transaction (store/blobWriter.ts): their results are held until then and posted
// together, and the task in progress is named in shared memory meanwhile (workerMarker.ts), so
// if a broken file hangs the metadata reader the pipeline still kills this worker and knows the
// culprit. Everything else is posted as soon as it is done.
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

/** Held results of this batch, in order, until the small objects among them are written. */
let held: HashResult[] = [];
let heldBytes = 0;
/** Past this many bytes of blobs held, written without waiting for the end of the batch. */
const FLUSH_BYTES = 8 * 1024 * 1024;

function flush(): void {
  if (held.length === 0) return;
  const withData = held.filter((r) => r.data && r.sha256);
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
  for (const r of out) port.postMessage(r);
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (batch: HashTask[]) => {
  queue = queue.then(async () => {
    for (const task of batch) {
      marker?.begin(task.id);
      const { result, transfer } = await processItem(task, setup);
      if (blobs && (result.data || held.length > 0)) {
        held.push(result);
        heldBytes += result.data?.byteLength ?? 0;
        if (heldBytes >= FLUSH_BYTES) flush();
      } else {
        port.postMessage(result, transfer);
      }
    }
    marker?.begin(0);
    if (blobs) flush();
  });
});
