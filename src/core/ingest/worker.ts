// Hashing worker: one per core. Takes batches of tasks, processes them strictly one after the
// other (processItem.ts), and posts one result per task so the pipeline always knows which file
// is in progress (if a broken file hangs the metadata reader, the pipeline kills this worker and
// knows the culprit).
import { parentPort, workerData } from 'node:worker_threads';
import { HEAD_BYTES } from './byteSink.ts';
import { processItem } from './processItem.ts';
import { blankResult, type HashResult, type HashTask, type WorkerSetup } from './protocol.ts';
import { extractItemText } from '../text/extract.ts';
import { readFilePrefix } from '../text/fromStore.ts';

const setup = workerData as WorkerSetup;
const port = parentPort!;

async function processTask(task: HashTask): Promise<{ result: HashResult; transfer: ArrayBuffer[] }> {
  if (task.textOnly) {
    const result = blankResult(task);
    result.text = await textOfStoreCopy(task, task.textOnly.mime);
    return { result, transfer: [] };
  }
  return processItem(task, setup);
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

let queue: Promise<void> = Promise.resolve();
port.on('message', (batch: HashTask[]) => {
  queue = queue.then(async () => {
    for (const task of batch) {
      const { result, transfer } = await processTask(task);
      port.postMessage(result, transfer);
    }
  });
});
