// TaskPool, the worker pool under ingest and verify: a worker that hangs (a parser stuck on a
// hostile file), crashes or exits is replaced; the task it was on is reported exactly once to
// onStuck; every other task, including the rest of its batch, still gets its result exactly once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskPool } from '../../src/core/workers/pool.ts';

const WORKER = new URL('../fixtures/hang-worker.ts', import.meta.url);
// The watchdog counts a fresh worker's start-up (~0.2 s, seconds on a loaded machine) against
// its first task: limits are generous so only the tasks meant to hang are ever flagged.
const LIMIT_MS = 1500;
const RELAXED_MS = 30_000;

interface Task {
  id: number;
  size: number;
  safe?: boolean;
}
interface Result {
  id: number;
  threadId: number;
  safe: boolean;
}

function harness(
  setup: { hang?: number[]; hangAlways?: number[]; crash?: number[]; exit?: number[]; workMs?: number; holdResults?: boolean },
  opts: { size?: number; limits?: Record<number, number>; retry?: boolean } = {},
) {
  const results: Result[] = [];
  const stuck: { id: number; safe: boolean; reason: string }[] = [];
  // The tasks meant to hang get a short limit; every other task a long one, so a slow worker
  // start on a loaded machine is never mistaken for a hang.
  const short = new Set([...(setup.hang ?? []), ...(setup.hangAlways ?? [])]);
  const pool: TaskPool<Task, Result> = new TaskPool<Task, Result>({
    workerUrl: WORKER,
    setup,
    size: opts.size ?? 2,
    timeoutFor: (t) => opts.limits?.[t.id] ?? (short.has(t.id) ? LIMIT_MS : RELAXED_MS),
    onResult: (r) => results.push(r),
    onStuck: (t, reason) => {
      stuck.push({ id: t.id, safe: t.safe === true, reason });
      // What ingest does: retry once without the risky part (analysis), then give up.
      if (opts.retry && !t.safe) void pool.submit([{ ...t, safe: true }]);
    },
  });
  return { pool, results, stuck };
}

const tasks = (ids: number[]): Task[] => ids.map((id) => ({ id, size: 1000 }));
const idsOf = (rs: { id: number }[]): number[] => rs.map((r) => r.id).sort((a, b) => a - b);

describe('TaskPool watchdog', () => {
  test('a hung worker is replaced; the stuck task goes to onStuck, the rest of its batch completes', async () => {
    const { pool, results, stuck } = harness({ hang: [3] }, { size: 2 });
    try {
      await pool.submit(tasks([1, 2, 3, 4, 5]));
      await pool.submit(tasks([6, 7, 8]));
      await pool.idle();
      assert.deepEqual(stuck.map((s) => [s.id, s.reason]), [[3, 'timed out']]);
      assert.deepEqual(idsOf(results), [1, 2, 4, 5, 6, 7, 8], 'every other task answered exactly once');
      const thread = new Map(results.map((r) => [r.id, r.threadId]));
      assert.equal(thread.get(1), thread.get(2), 'tasks 1 and 2 ran on the first worker');
      assert.notEqual(thread.get(4), thread.get(1), 'the rest of the batch ran on the replacement worker');
      assert.equal(thread.get(4), thread.get(5));
    } finally {
      await pool.close();
    }
  });

  test('as ingest does: the stuck task is retried safely and completes; nothing is lost or doubled', async () => {
    const { pool, results, stuck } = harness({ hang: [2, 9] }, { size: 2, retry: true });
    try {
      await pool.submit(tasks([1, 2, 3, 4]));
      await pool.submit(tasks([5, 6, 7, 8, 9, 10]));
      await pool.idle();
      assert.deepEqual(idsOf(stuck), [2, 9]);
      assert.deepEqual(idsOf(results), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(idsOf(results.filter((r) => r.safe)), [2, 9], 'only the stuck tasks were retried');
    } finally {
      await pool.close();
    }
  });

  test('a task that hangs again on retry is reported twice and never answered; the pool still drains', async () => {
    const { pool, results, stuck } = harness({ hangAlways: [4] }, { size: 1, retry: true });
    try {
      await pool.submit(tasks([3, 4, 5]));
      await pool.idle();
      assert.deepEqual(stuck.map((s) => [s.id, s.safe]), [
        [4, false],
        [4, true],
      ]);
      assert.deepEqual(idsOf(results), [3, 5]);
    } finally {
      await pool.close();
    }
  });

  test('a worker that throws or exits is replaced and the culprit named', async () => {
    const { pool, results, stuck } = harness({ crash: [2], exit: [6] }, { size: 2 });
    try {
      await pool.submit(tasks([1, 2, 3]));
      await pool.submit(tasks([5, 6, 7]));
      await pool.idle();
      const reasons = new Map(stuck.map((s) => [s.id, s.reason]));
      assert.deepEqual(idsOf(stuck), [2, 6]);
      assert.match(reasons.get(2)!, /worker crashed: parser blew up on task 2/);
      assert.match(reasons.get(6)!, /worker exited with code 3/);
      assert.deepEqual(idsOf(results), [1, 3, 5, 7]);
    } finally {
      await pool.close();
    }
  });

  test('the time limit is per task, not per batch: a long batch of slow-but-working tasks is not killed', async () => {
    // 6 tasks of ~300 ms each in one batch: 1.8 s in all, each well under its 1.5 s limit.
    const limits = { 1: LIMIT_MS, 2: LIMIT_MS, 3: LIMIT_MS, 4: LIMIT_MS, 5: LIMIT_MS, 6: LIMIT_MS };
    const { pool, results, stuck } = harness({ workMs: 300 }, { size: 1, limits });
    try {
      await pool.submit(tasks([0])); // start the worker first (relaxed limit): start-up is not the point here
      await pool.idle();
      await pool.submit(tasks([1, 2, 3, 4, 5, 6]));
      await pool.idle();
      assert.deepEqual(stuck, []);
      assert.deepEqual(idsOf(results), [0, 1, 2, 3, 4, 5, 6]);
      assert.equal(new Set(results.map((r) => r.threadId)).size, 1, 'no worker was replaced');
    } finally {
      await pool.close();
    }
  });

  test('many batches through two workers with back-pressure: each task answered exactly once', async () => {
    const { pool, results, stuck } = harness({ hang: [57] }, { size: 2, retry: true });
    try {
      for (let b = 0; b < 20; b++) await pool.submit(tasks(Array.from({ length: 10 }, (_, k) => b * 10 + k + 1)));
      await pool.idle();
      assert.deepEqual(idsOf(stuck), [57]);
      assert.deepEqual(idsOf(results), Array.from({ length: 200 }, (_, k) => k + 1));
    } finally {
      await pool.close();
    }
  });

  // The watchdog fires while the old worker's answers are already queued (it was slow, not dead).
  // Those late answers must be dropped: the task was handed to onStuck, and the rest of the batch
  // was re-posted to the replacement, so delivering them too gives one task both outcomes and the
  // others two results each (verify would count those objects twice). Fix: `if (slot.dead) return;`
  // at the top of TaskPool.onMessage.
  test(
    'answers a replaced worker had already sent are ignored: each task has exactly one outcome',
    async () => {
      const { pool, results, stuck } = harness({ workMs: 30 }, { size: 1, limits: { 1: 300 } });
      try {
        await pool.submit(tasks([0])); // a started worker, so only the race is timed
        await pool.idle();
        results.length = 0;
        await pool.submit(tasks([1, 2, 3]));
        // Block the main thread from the check phase past the time limit, while the worker answers
        // all three: the next loop turn runs the expired timer before it reads the queued answers.
        await new Promise<void>((res) =>
          setImmediate(() => {
            const end = Date.now() + 1500;
            while (Date.now() < end) {
              /* main thread busy (a long synchronous commit, say) */
            }
            res();
          }),
        );
        await pool.idle();
        const outcomes = [...results.map((r) => r.id), ...stuck.map((s) => s.id)].sort((a, b) => a - b);
        assert.deepEqual(outcomes, [1, 2, 3], `results ${idsOf(results)}, stuck ${idsOf(stuck)}`);
      } finally {
        await pool.close();
      }
    },
  );

  test('close() ends a pool whose worker is hung, without waiting for it', async () => {
    const { pool } = harness({ hangAlways: [1] }, { size: 1, limits: { 1: 60_000 } });
    await pool.submit(tasks([1]));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await pool.close();
    assert.ok(Date.now() - t0 < 5000, 'terminated promptly');
  });
});

// The ingest worker holds a batch's results until its small objects are written, naming the task
// in progress in shared memory (workerMarker.ts): the watchdog must still blame the right task,
// hand on the others (their results died with the worker), and not take a long batch for a hang.
describe('TaskPool watchdog, a worker that posts a batch of results together', () => {
  test('a hang in the middle of a held batch blames that task; the tasks before it are done again', async () => {
    const { pool, results, stuck } = harness({ hang: [3], holdResults: true }, { size: 1 });
    try {
      await pool.submit(tasks([1, 2, 3, 4, 5]));
      await pool.idle();
      assert.deepEqual(stuck.map((s) => [s.id, s.reason]), [[3, 'timed out']]);
      assert.deepEqual(idsOf(results), [1, 2, 4, 5], 'every other task answered exactly once');
    } finally {
      await pool.close();
    }
  });

  test('a crash in a held batch blames the task it happened on', async () => {
    const { pool, results, stuck } = harness({ crash: [4], holdResults: true }, { size: 1 });
    try {
      await pool.submit(tasks([1, 2, 3, 4, 5, 6]));
      await pool.idle();
      assert.deepEqual(stuck.map((s) => s.id), [4]);
      assert.match(stuck[0]!.reason, /parser blew up on task 4/);
      assert.deepEqual(idsOf(results), [1, 2, 3, 5, 6]);
    } finally {
      await pool.close();
    }
  });

  test('a held batch longer than one task may take is not a hang while its tasks move on', async () => {
    // Each task 400 ms, each allowed 1.5 s: the batch takes 2.4 s before anything is posted.
    const { pool, results, stuck } = harness({ workMs: 400, holdResults: true }, { size: 1, limits: { 1: 1500, 2: 1500, 3: 1500, 4: 1500, 5: 1500, 6: 1500 } });
    try {
      await pool.submit(tasks([1, 2, 3, 4, 5, 6]));
      await pool.idle();
      assert.deepEqual(stuck, []);
      assert.deepEqual(idsOf(results), [1, 2, 3, 4, 5, 6]);
    } finally {
      await pool.close();
    }
  });
});
