// Custody verification off the calling thread (issue 14): the front doors answer every request
// on one thread, and the full check of a 20,000-event log takes seconds there. Each call starts
// a worker (verify-worker.ts) that opens case.db read-only and runs the complete check
// (checkpoint.ts verifyCustody: nothing the case file stores is taken on trust); the caller's
// thread stays free for the catalogue meanwhile.
import { Worker } from 'node:worker_threads';
import type { CustodyReport } from '../../shared/outputs.ts';
import { type ErrorCode, EvidenceError } from '../errors.ts';
import type { CustodyVerifyOptions } from './checkpoint.ts';

export interface CustodyVerifyRequest {
  dbPath: string;
  opts: CustodyVerifyOptions;
}

export type CustodyVerifyReply = { report: CustodyReport } | { error: string; code: string | null };

function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ './verify-worker.ts', import.meta.url);
}

/**
 * Run from source, the worker loads our TypeScript through the cache of stripped code (as the
 * pool's workers do, workers/pool.ts), not by stripping every module again.
 */
function execArgvFor(url: URL | string): string[] | undefined {
  if (!String(url).endsWith('.ts')) return undefined;
  return ['--import', new URL(/* @vite-ignore */ '../workers/typescriptCache.mjs', import.meta.url).href, ...process.execArgv];
}

/** The full custody verification of the case.db at `dbPath`, in a worker thread. */
export function verifyCustodyOffThread(dbPath: string, opts: CustodyVerifyOptions = {}, workerUrl?: URL | string): Promise<CustodyReport> {
  const url = workerUrl ?? defaultWorkerUrl();
  return new Promise<CustodyReport>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(url, { workerData: { dbPath, opts } satisfies CustodyVerifyRequest, execArgv: execArgvFor(url) });
    worker.on('message', (r: CustodyVerifyReply) => {
      settled = true;
      if ('report' in r) resolve(r.report);
      else reject(r.code ? new EvidenceError(r.code as ErrorCode, r.error) : new Error(`custody verification failed: ${r.error}`));
    });
    worker.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(new Error(`custody verification failed in its worker: ${err.message}`));
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new Error(`custody verification's worker stopped (exit code ${code}) before it answered`));
    });
  });
}
