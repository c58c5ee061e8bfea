// Crash and Ctrl-C during an ingest, with the real CLI as a child process, real files and a real
// case.db. What an examiner needs afterwards: the resumed case holds exactly what a clean run
// holds (same files, same hashes, same types, nothing twice), the store holds only complete
// objects under their true SHA-256, the custody log says what happened, and verify passes.
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type FSWatcher, existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import {
  type GeneratedFile,
  type RunResult,
  describeRun,
  generateTree,
  initCase,
  listFiles,
  prng,
  randInt,
  removeDir,
  runCli,
  sha256,
  sleep,
  startCli,
  tempDir,
} from './robust-helpers.ts';

const SMALL_OBJECT_MAX = 256 * 1024; // the documented blob/file boundary (store/layout.ts)
const EXHIBIT = 'EXH-001';

// Random kill points, reproducible: RESUME_SEED=<n> node --test test/unit/resume.test.ts
const SEED = Number(process.env.RESUME_SEED ?? Date.now() % 1_000_000);
const rand = prng(SEED);

interface ItemKey {
  path: string;
  size: number | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  mime: string | null;
  kind: string;
}

function readItems(caseDir: string): ItemKey[] {
  const db = new Database(join(caseDir, 'case.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT path, size, md5, sha1, sha256, mime, kind FROM items ORDER BY path').all() as ItemKey[];
  } finally {
    db.close();
  }
}

function query<T>(caseDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(caseDir, 'case.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Items committed so far, read while the child writes (WAL lets a reader in); -1 if not readable yet. */
function itemsCount(caseDir: string): number {
  try {
    const db = new Database(join(caseDir, 'case.db'), { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 2000');
      return (db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return -1;
  }
}

/** Polls until `ready()` or the child exits. Returns false if the child exited first. */
async function until(exited: () => boolean, ready: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) return false;
    if (ready()) return true;
    await sleep(3);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for the ingest to reach the kill point`);
}

function ingestArgs(caseDir: string, src: string, json = false): string[] {
  return ['ingest', caseDir, src, '--exhibit', EXHIBIT, ...(json ? ['--json'] : [])];
}

function key(i: ItemKey): string {
  return JSON.stringify([i.path, i.size, i.md5, i.sha1, i.sha256, i.mime, i.kind]);
}

/** Checks the store as an examiner would, from the disk alone. */
function assertStoreSound(caseDir: string, items: ItemKey[]): void {
  const store = join(caseDir, 'store');
  assert.deepEqual(readdirSync(join(store, 'tmp')), [], 'store/tmp must be empty after a completed ingest');

  const large = new Set(items.filter((i) => i.sha256 && (i.size ?? 0) > SMALL_OBJECT_MAX).map((i) => i.sha256!));
  const small = new Set(items.filter((i) => i.sha256 && (i.size ?? 0) <= SMALL_OBJECT_MAX).map((i) => i.sha256!));
  const storeFiles: string[] = [];
  for (const rel of listFiles(store)) {
    if (/^objects\.db(-wal|-shm|-journal)?$/.test(rel)) continue;
    const m = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(rel);
    assert.ok(m, `unexpected file in the store: store/${rel} (only objects.db* and ab/cd/<sha256> belong there)`);
    assert.equal(m[1], m[3]!.slice(0, 2), `store/${rel} is filed under the wrong folder`);
    assert.equal(m[2], m[3]!.slice(2, 4), `store/${rel} is filed under the wrong folder`);
    assert.equal(sha256(readFileSync(join(store, rel))), m[3], `store/${rel}: content does not hash to its name`);
    storeFiles.push(m[3]!);
  }
  assert.deepEqual(new Set(storeFiles), large, 'the store files are exactly the large objects the catalogue names');

  const odb = new Database(join(store, 'objects.db'), { readonly: true, fileMustExist: true });
  try {
    const blobs = new Set<string>();
    for (const row of odb.prepare('SELECT sha256, size, data FROM objects').iterate() as IterableIterator<{
      sha256: string;
      size: number;
      data: Buffer;
    }>) {
      assert.equal(sha256(row.data), row.sha256, `blob ${row.sha256} does not hash to its key`);
      assert.equal(row.data.byteLength, row.size, `blob ${row.sha256} has the wrong recorded size`);
      blobs.add(row.sha256);
    }
    assert.deepEqual(blobs, small, 'the blobs are exactly the small objects the catalogue names');
  } finally {
    odb.close();
  }
}

function custody(caseDir: string): { seq: number; action: string; target: string | null; details: string }[] {
  return query(caseDir, 'SELECT seq, action, target, details FROM custody_events ORDER BY seq');
}

describe('ingest resume after a crash or Ctrl-C (real CLI processes)', { concurrency: false }, () => {
  let work: string;
  let src: string;
  let generated: GeneratedFile[];
  let reference: ItemKey[];

  before(() => {
    work = tempDir('resume');
    src = join(work, 'export');
    generated = generateTree(src, { seed: 20260117, dirs: 30, filesPerDir: 100, large: 10, duplicates: 12 });
    const a = join(work, 'caseA');
    initCase(a, undefined, undefined, [EXHIBIT]);
    const r = runCli(ingestArgs(a, src));
    assert.equal(r.code, 0, `clean reference ingest failed: ${describeRun(r)}`);
    reference = readItems(a);
  });

  after(() => {
    if (work) removeDir(work);
  });

  test('the clean reference run catalogues every generated file with its true SHA-256', () => {
    const files = new Map(reference.filter((i) => i.kind === 'file').map((i) => [i.path, i]));
    assert.equal(files.size, generated.length);
    for (const g of generated) {
      const it = files.get(g.path);
      assert.ok(it, `${g.path} missing from the reference case`);
      assert.equal(it.sha256, g.sha256, g.path);
      assert.equal(it.size, g.size, g.path);
    }
    assert.ok(generated.filter((g) => g.size > SMALL_OBJECT_MAX).length >= 10, 'the tree has large files');
    assertStoreSound(join(work, 'caseA'), reference);
  });

  test(`SIGKILL at three points (seed ${SEED}), then a resumed run gives exactly the clean result`, async (t) => {
    t.diagnostic(`kill points from seed ${SEED} (rerun with RESUME_SEED=${SEED})`);
    const b = join(work, 'caseB');
    initCase(b, undefined, undefined, [EXHIBIT]);
    const kills: string[] = [];

    // Kill 1: after a random number of items has been committed, before the large files.
    {
      const threshold = randInt(rand, 1, 600);
      const run = startCli(ingestArgs(b, src));
      let exited = false;
      void run.done.then(() => (exited = true));
      const hit = await until(() => exited, () => itemsCount(b) >= threshold);
      if (!hit) assert.fail(`run 1 ended before ${threshold} items were committed: ${describeRun(await run.done)}`);
      run.child.kill('SIGKILL');
      const r = await run.done;
      assert.equal(r.signal, 'SIGKILL', describeRun(r));
      const n = itemsCount(b);
      kills.push(`run 1 killed at ${n} committed items (threshold ${threshold})`);
      assert.ok(n > 0 && n < reference.length, `run 1 should have stopped part-way (${n} of ${reference.length})`);
      const src1 = query<{ status: string }>(b, 'SELECT status FROM sources');
      assert.deepEqual(src1, [{ status: 'running' }], 'a killed run leaves its source marked running');
    }

    // Kill 2: the moment a large file is being written into store/tmp (watched with inotify).
    {
      let partSeen = false;
      for (let attempt = 1; attempt <= 3 && !partSeen; attempt++) {
        const tmp = join(b, 'store', 'tmp');
        const run = startCli(ingestArgs(b, src));
        let exited = false;
        void run.done.then(() => (exited = true));
        let watcher: FSWatcher | null = null;
        const killed = new Promise<void>((res) => {
          watcher = watch(tmp, (_ev, name) => {
            if (name && String(name).endsWith('.part')) {
              run.child.kill('SIGKILL');
              res();
            }
          });
        });
        const outcome = await Promise.race([killed.then(() => 'killed'), run.done.then(() => 'exited')]);
        (watcher as FSWatcher | null)?.close();
        const r = await run.done;
        assert.equal(outcome, 'killed', `run 2 finished without writing a large file: ${describeRun(r)}`);
        assert.ok(exited);
        const parts = readdirSync(tmp);
        partSeen = parts.some((p) => p.endsWith('.part'));
        kills.push(`run 2.${attempt} killed with ${parts.length} partial file(s) in store/tmp at ${itemsCount(b)} items`);
      }
      assert.ok(partSeen, 'could not kill the ingest while a large file was half-written');
      // The half-written file is invisible under store/ab/cd: only complete objects have names there.
      for (const rel of listFiles(join(b, 'store'))) {
        if (rel.startsWith('tmp/') || rel.startsWith('objects.db')) continue;
        const name = rel.slice(rel.lastIndexOf('/') + 1);
        assert.equal(sha256(readFileSync(join(b, 'store', rel))), name, `store/${rel} is not a complete object`);
      }
    }

    // Kill 3: a random moment after the run has committed a random number of new rows.
    {
      const before3 = itemsCount(b);
      const more = randInt(rand, 1, 600);
      const run = startCli(ingestArgs(b, src));
      let exited = false;
      void run.done.then(() => (exited = true));
      const hit = await until(() => exited, () => itemsCount(b) >= before3 + more);
      if (!hit) assert.fail(`run 3 ended before writing ${more} rows: ${describeRun(await run.done)}`);
      const delay = randInt(rand, 0, 150);
      await sleep(delay);
      if (exited) {
        t.diagnostic('run 3 finished before its kill point (the resumed run had little left to do)');
      } else {
        run.child.kill('SIGKILL');
        const r = await run.done;
        assert.equal(r.signal, 'SIGKILL', describeRun(r));
      }
      kills.push(`run 3 killed ${delay} ms after ${more}+ new rows, at ${itemsCount(b)} items`);
    }
    for (const k of kills) t.diagnostic(k);

    // Final run: to completion.
    const r = runCli(ingestArgs(b, src, true));
    assert.equal(r.code, 0, `the resumed ingest failed: ${describeRun(r)}`);
    const summary = JSON.parse(r.stdout) as { status: string; resumed: boolean; sourceId: number; alreadyDone: number };
    assert.equal(summary.status, 'finished');
    assert.equal(summary.resumed, true);
    assert.ok(summary.alreadyDone > 0, 'the final run skipped what earlier runs had recorded');

    // One source, finished; the custody log tells the story with the same source id throughout.
    const sources = query<{ id: number; status: string; pid: number | null }>(b, 'SELECT id, status, pid FROM sources');
    assert.equal(sources.length, 1, 'a resumed ingest must not open a second source');
    assert.equal(sources[0]!.status, 'finished');
    assert.equal(sources[0]!.pid, null);
    assert.equal(summary.sourceId, sources[0]!.id);
    const ingestEvents = custody(b).filter((e) => e.action.startsWith('ingest.'));
    const actions = ingestEvents.map((e) => e.action);
    assert.equal(actions[0], 'ingest.started');
    assert.equal(actions.at(-1), 'ingest.finished');
    assert.ok(actions.filter((a) => a === 'ingest.resumed').length >= 3, `expected >= 3 resumes: ${actions.join(', ')}`);
    assert.ok(!actions.includes('ingest.failed'), actions.join(', '));
    for (const e of ingestEvents) assert.equal(e.target, `source:${sources[0]!.id}`, `${e.action} names another source`);

    // Exactly the clean run's catalogue.
    const items = readItems(b);
    const dupPaths = query<{ path: string; n: number }>(b, 'SELECT path, COUNT(*) AS n FROM items GROUP BY path HAVING n > 1');
    assert.deepEqual(dupPaths, [], 'no path may be recorded twice');
    const want = new Set(reference.map(key));
    const got = new Set(items.map(key));
    const missing = [...want].filter((k) => !got.has(k));
    const extra = [...got].filter((k) => !want.has(k));
    assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }, { missing: [], extra: [] });
    assert.equal(items.length, reference.length);
    assert.deepEqual(query(b, 'SELECT path, error FROM items WHERE error IS NOT NULL'), [], 'no item carries an error');
    const meta = query<{ n: number }>(b, 'SELECT COUNT(*) AS n FROM metadata m LEFT JOIN items i ON i.id = m.item_id WHERE i.id IS NULL');
    assert.equal(meta[0]!.n, 0, 'no metadata row without its item');

    assertStoreSound(b, items);

    const v = runCli(['verify', b]);
    assert.equal(v.code, 0, `verify after resume must pass: ${describeRun(v)}`);
    assert.match(v.stdout, /Verification PASSED/);
  });

  test('Ctrl-C (SIGINT) stops cleanly with exit 130, and the next run resumes and completes', async () => {
    const c = join(work, 'caseC');
    initCase(c, undefined, undefined, [EXHIBIT]);
    const run = startCli(ingestArgs(c, src));
    let exited = false;
    void run.done.then(() => (exited = true));
    const hit = await until(() => exited, () => itemsCount(c) > 0);
    if (!hit) assert.fail(`the ingest ended before Ctrl-C: ${describeRun(await run.done)}`);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, `Ctrl-C must exit 130: ${describeRun(r)}`);
    assert.match(r.stdout, /Ingest interrupted/);
    assert.match(r.stdout, /Run the same command again to resume/);

    const s1 = query<{ id: number; status: string; pid: number | null; finished_at: string | null }>(
      c,
      'SELECT id, status, pid, finished_at FROM sources',
    );
    assert.equal(s1.length, 1);
    assert.equal(s1[0]!.status, 'interrupted');
    assert.equal(s1[0]!.pid, null);
    assert.equal(s1[0]!.finished_at, null);
    const ev1 = custody(c).filter((e) => e.action.startsWith('ingest.'));
    assert.equal(ev1.at(-1)!.action, 'ingest.interrupted');
    assert.equal(ev1.at(-1)!.target, `source:${s1[0]!.id}`);
    const partial = itemsCount(c);
    assert.ok(partial > 0 && partial < reference.length, `interrupted part-way: ${partial} of ${reference.length}`);
    assert.deepEqual(readdirSync(join(c, 'store', 'tmp')), [], 'a clean stop leaves no partial files');

    const r2 = runCli(ingestArgs(c, src, true));
    assert.equal(r2.code, 0, describeRun(r2));
    const s2 = JSON.parse(r2.stdout) as { status: string; resumed: boolean; sourceId: number };
    assert.equal(s2.status, 'finished');
    assert.equal(s2.resumed, true);
    assert.equal(s2.sourceId, s1[0]!.id);
    const resumed = custody(c).filter((e) => e.action === 'ingest.resumed');
    assert.equal(resumed.length, 1);
    assert.equal((JSON.parse(resumed[0]!.details) as { previousStatus: string }).previousStatus, 'interrupted');
    assert.equal(custody(c).filter((e) => e.action.startsWith('ingest.')).at(-1)!.action, 'ingest.finished');
    const items = readItems(c);
    assert.deepEqual(items.map(key), reference.map(key));
    assertStoreSound(c, items);
    assert.ok(existsSync(join(c, 'store', 'objects.db')));
  });
});
