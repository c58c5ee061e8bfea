// The full custody verification (checkpoint.ts verifyCustody) in a worker thread, on its own
// read-only connection to case.db: the same walk of every event and every link, every signature,
// receipt and table, so a big log does not hold the front door's only thread for seconds. The
// worker trusts nothing the main thread holds: it gets the file's path and opens it itself.
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/open.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { verifyCustody } from './checkpoint.ts';
import type { CustodyVerifyRequest, CustodyVerifyReply } from './offThread.ts';

const req = workerData as CustodyVerifyRequest;
let reply: CustodyVerifyReply;
try {
  const db = openDatabase(req.dbPath, { readonly: true, label: 'case.db' });
  try {
    // One read transaction: every query of the check sees the same snapshot of the log, while
    // the main thread may go on appending (WAL lets readers and the writer work at once).
    reply = { report: db.transaction(() => verifyCustody(db, [], req.opts))() };
  } finally {
    db.close();
  }
} catch (err) {
  // A case closed and removed while its check ran (a user deleting a scratch case, a test's temp
  // folder) is an answer in words, not an internal error in the front door's log.
  if (!existsSync(req.dbPath)) reply = { error: `The case file ${req.dbPath} is gone: it was moved or deleted while its custody log was being checked.`, code: 'NOT_FOUND' };
  else reply = err instanceof EvidenceError ? { error: err.message, code: err.code } : { error: errorMessage(err), code: null };
}
parentPort!.postMessage(reply);
