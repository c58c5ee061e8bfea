// Re-hashing worker for verify: reads each stored object (blob or file) and returns its digests.
// Opens the store read-only; never writes.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { hashBytes, TripleHash } from '../ingest/hashFile.ts';
import { objectFilePath } from '../store/layout.ts';
import type { VerifyResult, VerifySetup, VerifyTask } from './protocol.ts';

const setup = workerData as VerifySetup;
const port = parentPort!;
const db = existsSync(setup.objectsDb) ? new Database(setup.objectsDb, { readonly: true, fileMustExist: true }) : null;
const getBlob = db?.prepare('SELECT data FROM objects WHERE sha256 = ?');

function hashFile(path: string): { size: number; md5: string; sha1: string; sha256: string } {
  const fd = openSync(path, 'r');
  try {
    const t = new TripleHash();
    const chunk = new Uint8Array(1024 * 1024);
    let size = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.byteLength, size);
      if (n === 0) break;
      t.update(chunk.subarray(0, n));
      size += n;
    }
    return { size, ...t.digest() };
  } finally {
    closeSync(fd);
  }
}

function verifyOne(task: VerifyTask): VerifyResult {
  const out: VerifyResult = { id: task.id, found: 'missing', size: null, md5: null, sha1: null, sha256: null, error: null };
  try {
    const row = getBlob?.get(task.sha256) as { data: Buffer } | undefined;
    if (row) {
      return { ...out, found: 'blob', size: row.data.byteLength, ...hashBytes(row.data) };
    }
    const path = objectFilePath(setup.storeDir, task.sha256);
    if (existsSync(path)) {
      return { ...out, found: 'file', ...hashFile(path) };
    }
    return out;
  } catch (err) {
    return { ...out, found: 'file', error: errorMessage(err) };
  }
}

port.on('message', (batch: VerifyTask[]) => {
  for (const t of batch) port.postMessage(verifyOne(t));
});
