// The one batch runner under every long pass over many items (ingest's catalogue, text and index
// stages, reindex, verify): the caller says how an item becomes a worker task and how a result
// becomes rows; the runner feeds the worker pool in batches (by count and bytes), hands each
// result back on the main thread, writes the prepared rows in transactions every few hundred
// milliseconds or rows, reports progress, and names the item whose worker hung or crashed (the
// pool replaces that worker and goes on).
// Two ways in: `runBatches` for a pass over a list of what is not done yet (text, index, verify:
// a run after kill -9 resumes, since done work is in the database and is not listed again), and
// the `BatchRunner` itself for a caller that walks its items as it goes (the catalogue stage:
// containers opened between settles, rows held for their container, retries without analysis).
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

/** An item's worker task, with the runner's task id in it. */
export interface Prepared<T> {
  task: T;
  /** Buffers the task carries, moved to the worker instead of copied. */
  transfer?: ArrayBuffer[];
  /** Posted on its own, not in a batch (a large file: one worker reads it while the others go on). */
  alone?: boolean;
}

interface RunnerCommon<T extends PoolTask, W> {
  workerUrl: URL | string;
  /** Given to each worker as workerData. */
  setup: unknown;
  workers?: number;
  /** Batches in flight per worker. */
  depth?: number;
  /** Writes prepared rows; called inside one transaction of `db` (or bare without a db, the writer's own). */
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
  onProgress?(p: BatchProgress<unknown>): void;
  /** How often progress is reported at most (ms). */
  progressMs?: number;
}

export interface BatchRunnerOptions<I, T extends PoolTask, R extends { id: number }, W> extends RunnerCommon<T, W> {
  /** Main thread: a worker's result for an item (the caller pushes its rows, or holds them). */
  onResult(item: I, result: R): void;
  /** Main thread: the item's worker hung or crashed on it (`lost`: it died of another task; the task may be submitted again). */
  onStuck(item: I, task: T, reason: string, lost: boolean): void;
}

export const BATCH_DEFAULTS = { batchCount: 64, batchBytes: 4 * 1024 * 1024, commitMs: 250, commitRows: 500, progressMs: 100 } as const;

/**
 * The pool, the batch being filled, the rows waiting for their transaction and the run's first
 * failure. A failure inside a result callback or a write is kept (`failure`), never thrown into
 * the pool: the caller's loop checks it and stops.
 */
export class BatchRunner<I, T extends PoolTask, R extends { id: number }, W> {
  readonly progress: BatchProgress<I> = { done: 0, bytesDone: 0, last: null, written: 0 };
  private readonly o: BatchRunnerOptions<I, T, R, W>;
  private readonly pool: TaskPool<T, R>;
  private readonly byTask = new Map<number, { item: I; size: number }>();
  private readonly batchCount: number;
  private readonly batchBytes: number;
  private readonly commitMs: number;
  private readonly commitRows: number;
  private readonly progressMs: number;
  private batch: T[] = [];
  private transfer: ArrayBuffer[] = [];
  private bytes = 0;
  private rows: W[] = [];
  private nextId = 1;
  private lastCommit = Date.now();
  private lastEmit = 0;
  private firstFailure: unknown = null;

  constructor(o: BatchRunnerOptions<I, T, R, W>) {
    this.o = o;
    this.batchCount = o.batchCount ?? BATCH_DEFAULTS.batchCount;
    this.batchBytes = o.batchBytes ?? BATCH_DEFAULTS.batchBytes;
    this.commitMs = o.commitMs ?? BATCH_DEFAULTS.commitMs;
    this.commitRows = o.commitRows ?? BATCH_DEFAULTS.commitRows;
    this.progressMs = o.progressMs ?? BATCH_DEFAULTS.progressMs;
    this.pool = new TaskPool<T, R>({
      workerUrl: o.workerUrl,
      setup: o.setup,
      size: Math.max(1, o.workers ?? availableParallelism()),
      depth: o.depth,
      timeoutFor: o.timeoutFor,
      onResult: (r) => {
        const entry = this.take(r.id);
        if (!entry) return;
        this.settled(entry.item, entry.size);
        this.guard(() => o.onResult(entry.item, r));
      },
      onStuck: (task, reason, lost) => {
        const entry = this.take(task.id);
        if (!entry) return;
        this.settled(entry.item, task.size);
        this.guard(() => o.onStuck(entry.item, task, reason, lost === true));
      },
    });
  }

  /** The run's first failure (a write that failed, a callback that threw, or one the caller reported). */
  get failure(): unknown {
    return this.firstFailure;
  }

  /** Records a failure that stops the run (the first one wins). */
  fail(err: unknown): void {
    this.firstFailure ??= err;
  }

  /**
   * Queues an item's task (built with the runner's task id), posting the batch when it is full
   * or the task goes alone; waits while every worker is busy (the walk never runs far ahead).
   * A build that gives null means the item needs no worker (the caller settled it): counted done.
   */
  async submit(item: I, build: (id: number) => Prepared<T> | null): Promise<void> {
    const id = this.nextId++;
    const p = build(id);
    if (!p) {
      this.settled(item, 0);
      return;
    }
    this.byTask.set(id, { item, size: p.task.size });
    if (p.alone) await this.flush(); // the batch being filled goes first; this task in one of its own
    this.batch.push(p.task);
    if (p.transfer) this.transfer.push(...p.transfer);
    this.bytes += p.task.size;
    if (p.alone || this.batch.length >= this.batchCount || this.bytes >= this.batchBytes) await this.flush();
    // Rows waiting commit on time while the walk goes on, not only when the next result comes.
    this.maybeCommit();
  }

  /** Rows to write with the next transaction (committed when enough wait or time has passed). */
  push(...rows: W[]): void {
    this.rows.push(...rows);
    this.maybeCommit();
  }

  /** Keeps only the waiting rows that pass (the rest are left for the resume). */
  keepRows(pass: (row: W) => boolean): void {
    this.rows = this.rows.filter(pass);
  }

  /** Posts the batch being filled. */
  async flush(): Promise<void> {
    const b = this.batch;
    const t = this.transfer;
    this.batch = [];
    this.transfer = [];
    this.bytes = 0;
    await this.pool.submit(b, t);
  }

  /**
   * Waits for every task posted (and the batch being filled, unless `post` is false: a stop) to
   * be answered, then commits: after this, every result so far is written.
   */
  async settle(post = true): Promise<void> {
    if (post) await this.flush();
    await this.pool.idle();
    this.commit();
  }

  /** Resolves when every task posted has been answered. */
  async idle(): Promise<void> {
    await this.pool.idle();
  }

  /** Writes the waiting rows now, in one transaction; throws if that fails (the rows stay to try again). */
  commit(): void {
    this.lastCommit = Date.now();
    if (this.rows.length === 0) return;
    const batch = this.rows;
    if (this.o.db) this.o.db.transaction(() => this.o.write(batch))();
    else this.o.write(batch);
    this.rows = [];
    this.progress.written += batch.length;
  }

  /** Reports progress now (the last event of a pass is never throttled away). */
  emit(force = false): void {
    if (!this.o.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastEmit < this.progressMs) return;
    this.lastEmit = now;
    this.o.onProgress({ ...this.progress });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private maybeCommit(): void {
    if (this.firstFailure) return;
    if (this.rows.length < this.commitRows && Date.now() - this.lastCommit < this.commitMs) return;
    try {
      this.commit();
    } catch (err) {
      // Called from the pool's callbacks too: kept for the caller's loop to raise.
      this.fail(err);
    }
  }

  private settled(item: I, size: number): void {
    this.progress.done++;
    this.progress.bytesDone += size;
    this.progress.last = item;
    this.emit();
  }

  private take(id: number): { item: I; size: number } | undefined {
    const entry = this.byTask.get(id);
    this.byTask.delete(id);
    return entry;
  }

  // A caller's callback that throws is a bug, not a fact about the item: it stops the run.
  private guard(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.fail(err);
    }
  }
}

export interface BatchRunOptions<I, T extends PoolTask, R extends { id: number }, W> extends RunnerCommon<T, W> {
  /** What is not done yet, in the order to do it; read lazily (a million items never sit in memory). */
  items: Iterable<I> | AsyncIterable<I>;
  /**
   * The worker task for an item, with the runner's task id; or null when the item needs no worker
   * (the caller settles it itself: a missing store copy, nothing to read).
   */
  prepare(item: I, id: number): Prepared<T> | null;
  /** Main thread: the rows a worker's result becomes (no I/O here; null for none). */
  onResult(item: I, result: R): W | null;
  /** Main thread: the rows for an item whose worker hung or crashed on it (`reason` says how). */
  onStuck(item: I, reason: string, lost: boolean): W | null;
  signal?: AbortSignal;
  onProgress?(p: BatchProgress<I>): void;
}

export interface BatchRunOutcome {
  status: 'finished' | 'interrupted';
  /** Items settled. */
  done: number;
  written: number;
}

/**
 * Runs the items through the workers and writes their rows. Resolves when every item is settled
 * and written (status 'finished'), or, once the signal aborts, when the tasks already posted are
 * answered and written ('interrupted': the items not reached are simply not done, and the next
 * run lists them again). A failure to write rejects, after the rows already committed stay.
 */
export async function runBatches<I, T extends PoolTask, R extends { id: number }, W>(o: BatchRunOptions<I, T, R, W>): Promise<BatchRunOutcome> {
  const runner: BatchRunner<I, T, R, W> = new BatchRunner<I, T, R, W>({
    ...o,
    onProgress: o.onProgress as ((p: BatchProgress<unknown>) => void) | undefined,
    onResult: (item, r) => {
      const w = o.onResult(item, r);
      if (w !== null) runner.push(w);
    },
    onStuck: (item, _task, reason, lost) => {
      const w = o.onStuck(item, reason, lost);
      if (w !== null) runner.push(w);
    },
  });
  let interrupted = false;
  try {
    for await (const item of o.items) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (runner.failure) break;
      await runner.submit(item, (id) => o.prepare(item, id));
    }
    await runner.settle();
  } catch (err) {
    runner.fail(err);
  } finally {
    await runner.close();
  }
  runner.emit(true);
  if (runner.failure) throw runner.failure;
  return { status: interrupted ? 'interrupted' : 'finished', done: runner.progress.done, written: runner.progress.written };
}
