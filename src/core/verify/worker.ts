// Re-hashing worker for verify: reads each stored object (blob or file) again through the
// store's read-only reader and returns its digests. Never writes.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { StoreReader } from '../store/objects.ts';
import type { VerifyResult, VerifySetup, VerifyTask } from './protocol.ts';

const setup = workerData as VerifySetup;
const port = parentPort!;
const store = new StoreReader({ store: setup.storeDir, objectsDb: setup.objectsDb });

function verifyOne(task: VerifyTask): VerifyResult {
  const out: VerifyResult = { id: task.id, found: 'missing', size: null, md5: null, sha1: null, sha256: null, error: null };
  try {
    const d = store.digest(task.sha256);
    return d ? { ...out, ...d } : out;
  } catch (err) {
    return { ...out, found: 'file', error: errorMessage(err) };
  }
}

port.on('message', (batch: VerifyTask[]) => {
  for (const t of batch) port.postMessage(verifyOne(t));
});
