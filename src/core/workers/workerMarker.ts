// Which task a pool worker is on, in memory shared with the pool: lets a worker post its results
// in groups (after a batch's small objects are written together) while the pool's watchdog still
// knows which file hung or crashed it, at the cost of two atomic stores per task (no message).
import { getEnvironmentData } from 'node:worker_threads';

export const MARKER_KEY = 'evidence.pool.taskMarker';

/** [0]: id of the task in progress (0: none), [1]: how many tasks the worker has started. */
export class TaskMarker {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
  }

  /** In the worker: the marker its pool gave it, or null (started some other way). */
  static ofThisWorker(): TaskMarker | null {
    const b = getEnvironmentData(MARKER_KEY);
    return b instanceof SharedArrayBuffer ? new TaskMarker(b) : null;
  }

  /** In the worker: about to work on task `id` (0: between tasks). */
  begin(id: number): void {
    Atomics.store(this.cells, 0, id);
    if (id !== 0) Atomics.add(this.cells, 1, 1);
  }

  /** In the pool: the task the worker names, or null when it names none. */
  current(): number | null {
    const id = Atomics.load(this.cells, 0);
    return id === 0 ? null : id;
  }

  started(): number {
    return Atomics.load(this.cells, 1);
  }
}
