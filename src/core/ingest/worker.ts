// Hashing worker: one per core. Takes batches of tasks, processes them strictly one after the
// other (processItem.ts), and posts one result per task so the pipeline always knows which file
// is in progress (if a broken file hangs the metadata reader, the pipeline kills this worker and
// knows the culprit).
import { parentPort, workerData } from 'node:worker_threads';
import { processItem } from './processItem.ts';
import type { HashTask, WorkerSetup } from './protocol.ts';

const setup = workerData as WorkerSetup;
const port = parentPort!;

let queue: Promise<void> = Promise.resolve();
port.on('message', (batch: HashTask[]) => {
  queue = queue.then(async () => {
    for (const task of batch) {
      const { result, transfer } = await processItem(task, setup);
      port.postMessage(result, transfer);
    }
  });
});
