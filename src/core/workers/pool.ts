// A pool of workers (hashing at ingest, re-hashing at verify) with back-pressure and a watchdog. Each worker has at most `depth`
// batches in flight; results come back one per task, in order. If a worker goes quiet for longer
// than a task may take (a hang in a parser fed a hostile file) or crashes, it is replaced: the
// task it was on is reported to `onStuck` and the rest of its batch goes to the new worker.
//
// A worker may hold results back and post them together (the ingest worker does, to write a
// batch's small objects in one transaction first): it then names the task it is working on in
// shared memory (workerMarker.ts), and the watchdog uses that instead of the first unanswered task.
import { setEnvironmentData, Worker } from 'node:worker_threads';
import { MARKER_KEY, TaskMarker } from './workerMarker.ts';

export interface PoolTask {
  id: number;
  size: number;
}

export interface PoolOptions<T extends PoolTask, R extends { id: number }> {
  workerUrl: URL | string;
  setup: unknown;
  size: number;
  /** Batches in flight per worker (2 keeps a worker busy while the next is posted). */
  depth?: number;
  /** How long one task may run before its worker is presumed stuck. */
  timeoutFor(task: T): number;
  onResult(result: R): void;
  /**
   * A task that will get no result: the one its worker was on when it hung or crashed (`lost`
   * false: the culprit), or one queued behind it whose bytes were transferred to that worker and
   * died with it (`lost` true: not its fault; the caller may submit it again with fresh bytes).
   */
  onStuck(task: T, reason: string, lost?: boolean): void;
}

interface Slot<T> {
  worker: Worker;
  /** What the worker says it is working on, when it says so (workerMarker.ts). */
  marker: TaskMarker;
  /** The marker's count of started tasks when the timer was armed: a change means progress. */
  armedAt: number;
  /** Tasks posted and not yet answered, in order. */
  pending: T[];
  batches: number[];
  timer: NodeJS.Timeout | null;
  dead: boolean;
  /** Why the worker died, when it threw: reported once its last messages are in. */
  crash: string | null;
}

/**
 * A worker started from a .ts file (running from source) loads our TypeScript through the cache
 * of stripped code (typescriptCache.mjs) instead of stripping every module again in every worker.
 */
function workerExecArgv(url: URL | string): string[] | undefined {
  if (!String(url).endsWith('.ts')) return undefined;
  // First, so that whatever else is preloaded (the benchmark's probe) loads through it too.
  return ['--import', new URL(/* @vite-ignore */ './typescriptCache.mjs', import.meta.url).href, ...process.execArgv];
}

export class TaskPool<T extends PoolTask, R extends { id: number }> {
  private readonly opts: PoolOptions<T, R>;
  private readonly slots: Slot<T>[] = [];
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly depth: number;
  private fatal: Error | null = null;
  /** Tasks posted with transferred buffers: they cannot be handed to another worker. */
  private readonly moved = new WeakSet<T>();

  constructor(opts: PoolOptions<T, R>) {
    this.opts = opts;
    this.depth = opts.depth ?? 2;
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot<T> {
    const marker = new TaskMarker();
    // Handed to this worker alone: environment data is copied into a worker when it starts, and
    // a SharedArrayBuffer stays shared. Workers that never write it behave as before.
    setEnvironmentData(MARKER_KEY, marker.buffer);
    const worker = new Worker(this.opts.workerUrl, { workerData: this.opts.setup, execArgv: workerExecArgv(this.opts.workerUrl) });
    const slot: Slot<T> = { worker, marker, armedAt: 0, pending: [], batches: [], timer: null, dead: false, crash: null };
    worker.on('message', (r: R) => this.onMessage(slot, r));
    // A worker that throws still delivers what it posted before: Node drains its messages before
    // 'exit', so the culprit is decided there, not at 'error' (which can overtake them).
    worker.on('error', (err) => {
      slot.crash = `worker crashed: ${err.message}`;
    });
    worker.on('exit', (code) => {
      if (!slot.dead) this.replace(slot, slot.crash ?? `worker exited with code ${code}`);
    });
    return slot;
  }

  /** The task the worker is on: the one it names in the marker, else the first unanswered. */
  private current(slot: Slot<T>): T | undefined {
    const id = slot.marker.current();
    return (id !== null ? slot.pending.find((t) => t.id === id) : undefined) ?? slot.pending[0];
  }

  private arm(slot: Slot<T>): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const current = this.current(slot);
    if (current) {
      slot.armedAt = slot.marker.started();
      slot.timer = setTimeout(() => {
        // A worker that holds its results back has moved on to another task meanwhile: not stuck.
        if (slot.marker.started() !== slot.armedAt) this.arm(slot);
        else this.replace(slot, 'timed out');
      }, this.opts.timeoutFor(current));
    }
  }

  private onMessage(slot: Slot<T>, r: R): void {
    // A replaced worker's last words: its tasks were already handed on.
    if (slot.dead) return;
    const task = slot.pending.shift();
    if (!task || task.id !== r.id) {
      this.fatal = new Error(`worker answered out of order (task ${task?.id}, result ${r.id})`);
    }
    if (slot.batches.length && --slot.batches[0]! === 0) slot.batches.shift();
    this.arm(slot);
    this.opts.onResult(r);
    this.wake();
  }

  private replace(slot: Slot<T>, reason: string): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.timer) clearTimeout(slot.timer);
    void slot.worker.terminate();
    const stuck = this.current(slot);
    // Tasks answered by nobody but the culprit's: those before it in a worker that holds results
    // back were done, but their results died with the worker. None of them is at fault.
    const rest = slot.pending.filter((t) => t !== stuck);
    const fresh = this.spawn();
    this.slots[this.slots.indexOf(slot)] = fresh;
    if (stuck) this.opts.onStuck(stuck, reason);
    const again = rest.filter((t) => !this.moved.has(t));
    for (const t of rest) if (this.moved.has(t)) this.opts.onStuck(t, `its worker stopped before reaching it (${reason})`, true);
    if (again.length) this.post(fresh, again);
    this.wake();
  }

  private post(slot: Slot<T>, batch: T[], transfer: ArrayBuffer[] = []): void {
    slot.pending.push(...batch);
    slot.batches.push(batch.length);
    if (slot.pending.length === batch.length) this.arm(slot);
    // A batch handed on after a crash has had its buffers moved already: post it without them.
    slot.worker.postMessage(batch, transfer);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
    if (this.slots.every((s) => s.pending.length === 0)) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of idle) f();
    }
  }

  private freeSlot(): Slot<T> | undefined {
    let best: Slot<T> | undefined;
    for (const s of this.slots) {
      if (s.batches.length < this.depth && (!best || s.pending.length < best.pending.length)) best = s;
    }
    return best;
  }

  /**
   * Posts a batch to the least busy worker, waiting for room first. `transfer` moves those
   * buffers (bytes the tasks carry) to the worker instead of copying them; they are unusable here
   * afterwards, so a task whose worker dies cannot be handed on with them (its bytes are gone).
   */
  async submit(batch: T[], transfer: ArrayBuffer[] = []): Promise<void> {
    if (batch.length === 0) return;
    for (;;) {
      if (this.fatal) throw this.fatal;
      const slot = this.freeSlot();
      if (slot) {
        if (transfer.length) for (const t of batch) this.moved.add(t);
        this.post(slot, batch, transfer);
        return;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Resolves when every posted task has been answered. */
  async idle(): Promise<void> {
    while (this.slots.some((s) => s.pending.length > 0)) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    if (this.fatal) throw this.fatal;
  }

  async close(): Promise<void> {
    for (const s of this.slots) {
      s.dead = true;
      if (s.timer) clearTimeout(s.timer);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
