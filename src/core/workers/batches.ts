// The one batch runner under every long pass over many items (ingest's stages, reindex, verify):
// the caller lists what is not done yet (so a run after kill -9 resumes: done work is in the
// database and is not listed again), says how an item becomes a worker task and how a result
// becomes rows; the runner feeds the worker pool in batches (by count and bytes), hands each
// result back on the main thread, writes the prepared rows in transactions every few hundred
// milliseconds or rows, reports progress, stops feeding when the signal aborts, and names the
// item whose worker hung or crashed (the pool replaces that worker and goes on).
// The main thread does nothing here but turn a result into rows and write them: every parser,
// hash and detector runs on the workers.
import { availableParallelism } from 'node:os';
import type { DB } from '../db/open.ts';
import { TaskPool, type PoolTask } from './pool.ts';

/** What the runner reports as it goes (the caller maps it to its own progress shape). */
export interface BatchProgress<I> {
  /** Items settled (a result, a stuck worker, or skipped by prepare). */
  done: number;
  /** Of their task sizes (bytes, as the caller counts them). */
  bytesDone: number;
  /** The last item settled. */
  last: I | null;
  /** Rows written and committed so far. */
  written: number;
}

export interface BatchRunOptions<I, T extends PoolTask, R extends { id: number }, W> {
  workerUrl: URL | string;
  /** Given to each worker as workerData. */
  setup: unknown;
  workers?: number;
  /** Batches in flight per worker. */
  depth?: number;
  /** What is not done yet, in the order to do it; read lazily (a million items never sit in memory). */
  items: Iterable<I> | AsyncIterable<I>;
  /**
   * The worker task for an item, with the runner's task id; or null when the item needs no worker
   * (the caller settles it itself: a missing store copy, nothing to read). `transfer` moves the
   * task's buffers to the worker instead of copying them.
   */
  prepare(item: I, id: number): { task: T; transfer?: ArrayBuffer[]; alone?: boolean } | null;
  /** Main thread: the rows a worker's result becomes (no I/O here; null for none). */
  onResult(item: I, result: R): W | null;
  /** Main thread: the rows for an item whose worker hung or crashed on it (`reason` says how). */
  onStuck(item: I, reason: string, lost: boolean): W | null;
  /** Writes prepared rows; called inside one transaction of `db` (or bare without a db). */
  write(rows: W[]): void;
  db?: DB;
  /** How long one task may run before its worker is presumed stuck. */
  timeoutFor(task: T): number;
  /** Tasks per batch and bytes per batch (of task.size) before it is posted. */
  batchCount?: number;
  batchBytes?: number;
  /** Commit at least this often and when this many rows wait. */
  commitMs?: number;
  commitRows?: number;
  signal?: AbortSignal;
  onProgress?(p: BatchProgress<I>): void;
  /** How often progress is reported at most (ms). */
  progressMs?: number;
}

export interface BatchRunOutcome {
  status: 'finished' | 'interrupted';
  /** Items settled. */
  done: number;
  written: number;
}

export const BATCH_DEFAULTS = { batchCount: 64, batchBytes: 4 * 1024 * 1024, commitMs: 250, commitRows: 500, progressMs: 100 } as const;

/**
 * Runs the items through the workers and writes their rows. Resolves when every item is settled
 * and written (status 'finished'), or, once the signal aborts, when the tasks already posted are
 * answered and written ('interrupted': the items not reached are simply not done, and the next
 * run lists them again). A failure to write rejects, after the rows already committed stay.
 */
export async function runBatches<I, T extends PoolTask, R extends { id: number }, W>(o: BatchRunOptions<I, T, R, W>): Promise<BatchRunOutcome> {
  const batchCount = o.batchCount ?? BATCH_DEFAULTS.batchCount;
  const batchBytes = o.batchBytes ?? BATCH_DEFAULTS.batchBytes;
  const commitMs = o.commitMs ?? BATCH_DEFAULTS.commitMs;
  const commitRows = o.commitRows ?? BATCH_DEFAULTS.commitRows;
  const progressMs = o.progressMs ?? BATCH_DEFAULTS.progressMs;
  const byTask = new Map<number, I>();
  const progress: BatchProgress<I> = { done: 0, bytesDone: 0, last: null, written: 0 };
  let rows: W[] = [];
  let lastCommit = Date.now();
  let lastEmit = 0;
  // A write that failed: the run stops feeding and rethrows it once the pool is closed.
  let failure: unknown = null;

  const commit = (): void => {
    if (rows.length === 0 || failure) return;
    const batch = rows;
    rows = [];
    try {
      if (o.db) o.db.transaction(() => o.write(batch))();
      else o.write(batch);
      progress.written += batch.length;
    } catch (err) {
      failure = err;
    }
    lastCommit = Date.now();
  };
  const emit = (force = false): void => {
    if (!o.onProgress) return;
    const now = Date.now();
    if (!force && now - lastEmit < progressMs) return;
    lastEmit = now;
    o.onProgress({ ...progress });
  };
  const settle = (item: I, size: number, w: W | null): void => {
    progress.done++;
    progress.bytesDone += size;
    progress.last = item;
    if (w !== null) rows.push(w);
    if (rows.length >= commitRows || Date.now() - lastCommit >= commitMs) commit();
    emit();
  };
  const take = (id: number): I | undefined => {
    const item = byTask.get(id);
    byTask.delete(id);
    return item;
  };

  const sizes = new Map<number, number>();
  // A caller's row builder that throws is a bug, not a fact about the item: stop the run with it.
  const guard = (f: () => W | null): W | null => {
    try {
      return f();
    } catch (err) {
      failure ??= err;
      return null;
    }
  };

  const pool = new TaskPool<T, R>({
    workerUrl: o.workerUrl,
    setup: o.setup,
    size: Math.max(1, o.workers ?? availableParallelism()),
    depth: o.depth,
    timeoutFor: o.timeoutFor,
    onResult: (r) => {
      const item = take(r.id);
      if (item === undefined) return;
      settle(item, sizes.get(r.id) ?? 0, guard(() => o.onResult(item, r)));
      sizes.delete(r.id);
    },
    onStuck: (task, reason, lost) => {
      const item = take(task.id);
      if (item === undefined) return;
      sizes.delete(task.id);
      settle(item, task.size, guard(() => o.onStuck(item, reason, lost === true)));
    },
  });
  let nextId = 1;
  let interrupted = false;
  try {
    let batch: T[] = [];
    let transfer: ArrayBuffer[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      const b = batch;
      const t = transfer;
      batch = [];
      transfer = [];
      bytes = 0;
      await pool.submit(b, t);
    };
    for await (const item of o.items) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (failure) break;
      const id = nextId++;
      const p = o.prepare(item, id);
      if (!p) {
        // Settled by the caller (recorded in its own summary): counts as done, writes nothing.
        progress.done++;
        progress.last = item;
        emit();
        continue;
      }
      byTask.set(id, item);
      sizes.set(id, p.task.size);
      if (p.alone) {
        await flush();
        batch.push(p.task);
        if (p.transfer) transfer.push(...p.transfer);
        await flush();
        continue;
      }
      batch.push(p.task);
      if (p.transfer) transfer.push(...p.transfer);
      bytes += p.task.size;
      if (batch.length >= batchCount || bytes >= batchBytes) await flush();
    }
    await flush();
    await pool.idle();
  } catch (err) {
    failure ??= err;
  } finally {
    await pool.close();
  }
  commit();
  emit(true);
  if (failure) throw failure;
  return { status: interrupted ? 'interrupted' : 'finished', done: progress.done, written: progress.written };
}
