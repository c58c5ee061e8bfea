// The batch runner (src/core/workers/batches.ts) under ingest's stages, reindex and verify: every
// item settled exactly once and its row written in a real SQLite file, in several transactions;
// a crashing worker names its item and the run goes on; an abort stops feeding and keeps what is
// written, and a second run given only what is not done finishes the rest; bytes transferred to a
// worker that dies are reported lost, never handed on empty. And the runner as the catalogue stage
// drives it: rows without a task, a retry after a crash, settles between passes, a failed write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BatchRunner, runBatches } from '../../src/core/workers/batches.ts';

const WORKER = new URL('../fixtures/hang-worker.ts', import.meta.url);

interface Task {
  id: number;
  size: number;
  data?: Uint8Array;
}
interface Result {
  id: number;
  threadId: number;
}

function tempDb(t: { after(f: () => void): void }): Database.Database {
  const dir = mkdtempSync(join(tmpdir(), 'batches-'));
  const db = new Database(join(dir, 'rows.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE done (item INTEGER PRIMARY KEY, note TEXT NOT NULL)');
  t.after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, k) => a + k);

function run(db: Database.Database, items: Iterable<number>, extra: { crash?: number[]; signal?: AbortSignal; onDone?: (n: number) => void; transfer?: boolean } = {}) {
  const commits: number[] = [];
  const ins = db.prepare('INSERT INTO done (item, note) VALUES (?, ?)');
  return {
    commits,
    outcome: runBatches<number, Task, Result, [number, string]>({
      workerUrl: WORKER,
      setup: { crash: extra.crash ?? [] },
      workers: 2,
      items,
      db,
      // The runner's task ids follow the order items are fed, from 1.
      prepare: (item, id) => {
        if (item % 50 === 0) return null; // settled by the caller: no worker, no row
        if (!extra.transfer) return { task: { id, size: 10 } };
        const data = new Uint8Array(16);
        return { task: { id, size: 16, data }, transfer: [data.buffer] };
      },
      batchCount: 8,
      commitRows: 25,
      timeoutFor: () => 30_000,
      onResult: (item, r) => [item, `thread ${r.threadId}`],
      onStuck: (item, reason, lost) => [item, `${lost ? 'lost' : 'stuck'}: ${reason}`],
      write: (rows) => {
        commits.push(rows.length);
        for (const [item, note] of rows) ins.run(item, note);
      },
      signal: extra.signal,
      onProgress: (p) => extra.onDone?.(p.done),
      progressMs: 0,
    }),
  };
}

test('every item is settled once and written, in several transactions; a crash names its item and the run goes on', async (t) => {
  const db = tempDb(t);
  const r = run(db, range(1, 200), { crash: [37] });
  const out = await r.outcome;
  assert.equal(out.status, 'finished');
  assert.equal(out.done, 200);
  const rows = db.prepare('SELECT item, note FROM done ORDER BY item').all() as { item: number; note: string }[];
  assert.deepEqual(
    rows.map((x) => x.item),
    range(1, 200).filter((i) => i % 50 !== 0),
    'each item once, the skipped ones without a row',
  );
  const culprit = rows.find((x) => x.item === 37)!;
  assert.match(culprit.note, /^stuck: worker crashed: parser blew up on task 37/);
  assert.equal(rows.filter((x) => x.note.startsWith('stuck')).length, 1, 'only the culprit');
  assert.ok(r.commits.length >= 7, `committed in batches (${r.commits.join(', ')})`);
  assert.ok(Math.max(...r.commits) <= 25 + 8, 'no transaction grows past the commit size by more than a batch');
});

test('an abort stops feeding and keeps what is written; a second run given what is not done finishes it', async (t) => {
  const db = tempDb(t);
  const ac = new AbortController();
  const first = await run(db, range(1, 400), { signal: ac.signal, onDone: (n) => n >= 60 && ac.abort() }).outcome;
  assert.equal(first.status, 'interrupted');
  const written = (db.prepare('SELECT COUNT(*) AS n FROM done').get() as { n: number }).n;
  assert.ok(written > 0 && written < 392, `part written (${written})`);
  // What the stages do on resume: ask the database what is not done.
  const has = db.prepare('SELECT 1 FROM done WHERE item = ?');
  const rest = range(1, 400).filter((i) => !has.get(i));
  const second = await run(db, rest).outcome;
  assert.equal(second.status, 'finished');
  const items = (db.prepare('SELECT item FROM done ORDER BY item').all() as { item: number }[]).map((x) => x.item);
  assert.deepEqual(items, range(1, 400).filter((i) => i % 50 !== 0), 'all done once, nothing doubled');
});

test('bytes transferred to a worker that crashes are reported lost, not handed on empty', async (t) => {
  const db = tempDb(t);
  const out = await run(db, range(1, 40), { crash: [3], transfer: true }).outcome;
  assert.equal(out.status, 'finished');
  const rows = db.prepare('SELECT item, note FROM done ORDER BY item').all() as { item: number; note: string }[];
  assert.equal(rows.length, 40);
  assert.match(rows[2]!.note, /^stuck: worker crashed/);
  // Tasks 4..8 were in the crashed worker's batch (batches of 8), and maybe a second batch queued
  // behind it (two in flight per worker): their bytes went with it.
  const lost = rows.filter((x) => x.note.startsWith('lost')).map((x) => x.item);
  assert.deepEqual(lost.slice(0, 5), [4, 5, 6, 7, 8]);
  assert.ok(lost.length === 5 || lost.length === 13, `one or two batches lost (${lost.join(',')})`);
  assert.equal(rows.filter((x) => x.note.startsWith('thread')).length, 40 - 1 - lost.length, 'the rest answered');
});

test('the runner as the catalogue drives it: rows without a task, a crashed task retried, a settle between passes, a failed write keeping its rows', async (t) => {
  const db = tempDb(t);
  const ins = db.prepare('INSERT INTO done (item, note) VALUES (?, ?)');
  const commits: number[] = [];
  let failNext = true;
  const retried: number[] = [];
  const runner: BatchRunner<number, Task & { safe?: boolean }, Result, [number, string]> = new BatchRunner({
    workerUrl: WORKER,
    // Task 5 is item 6's (items 1-4 take ids 1-4; item 5 has no task): it crashes its worker.
    setup: { crash: [5] },
    workers: 2,
    db,
    batchCount: 4,
    // No commit on count or time here: only the settles and the explicit commit write.
    commitRows: 1000,
    commitMs: 600_000,
    timeoutFor: () => 30_000,
    onResult: (item, r) => runner.push([item, `thread ${r.threadId}`]),
    onStuck: (item, task) => {
      // As the catalogue does: the item again, on a task of its own (the stand-in worker behaves on a retry).
      retried.push(item);
      void runner.submit(item, (id) => ({ task: { ...task, id, safe: true }, alone: true }));
    },
    write: (rows) => {
      commits.push(rows.length);
      if (failNext) {
        failNext = false;
        throw new Error('database or disk is full');
      }
      for (const [item, note] of rows) ins.run(item, note);
    },
  });
  try {
    for (const i of range(1, 20)) {
      if (i % 5 === 0) runner.push([i, 'recorded without a worker']);
      else await runner.submit(i, (id) => ({ task: { id, size: 10 } }));
    }
    // The first write fails: settle says so and the rows stay for the next commit (the transaction rolled back).
    await assert.rejects(runner.settle(), /disk is full/);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM done').get() as { n: number }).n, 0, 'nothing half-written');
    assert.deepEqual(retried, [6], 'the crashed item retried once');
    // A stop leaves some rows to the resume (a drive gone: the files that failed to read).
    runner.keepRows(([item]) => item !== 20);
    runner.commit();
    assert.deepEqual(commits, [20, 19]);
    // A second pass (containers opened after the first settle).
    for (const i of range(21, 30)) await runner.submit(i, (id) => ({ task: { id, size: 10 } }));
    await runner.settle();
  } finally {
    await runner.close();
  }
  assert.equal(runner.failure, null);
  const rows = db.prepare('SELECT item, note FROM done ORDER BY item').all() as { item: number; note: string }[];
  assert.deepEqual(
    rows.map((x) => x.item),
    range(1, 30).filter((i) => i !== 20),
    'each item once; the row kept back not written',
  );
  assert.match(rows.find((x) => x.item === 6)!.note, /^thread \d+$/, 'the retry answered');
  assert.equal(rows.filter((x) => x.note === 'recorded without a worker').length, 3);
  assert.deepEqual(commits, [20, 19, 10]);
});
