// Issue 9, defect 1 and the disk part of the fault suite: the case's disk fills up (or is made
// to fill up at a chosen point) while the real CLI ingests. ENOSPC is hit in a store file, in the
// blob database (store/objects.db), in the case database (case.db and its WAL), and at the very
// start (signing in); kill -9 lands in the middle of it too. Each case must end with a clear
// message and exit 7 (CASE_UNWRITABLE), a consistent case (PRAGMA integrity_check, every
// catalogued file stored, verify true to the facts), and, once space is freed, a resume that
// stores every file exactly once, hashes cross-checked with hashdeep or sha256sum.
//
// Needs root (tmpfs mounts): elsewhere every test skips, saying why.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  assertCaseConsistent,
  assertCatalogueMatches,
  assertStoredOnce,
  caseFacts,
  fillLeaving,
  mountRefused,
  mountTmpfs,
  query,
  removeFiller,
  resizeTmpfs,
} from './faults-helpers.ts';
import { ByteStream, describeRun, initCase, removeDir, type RunResult, runCli, sleep, startCli, tempDir, CLI_EXHIBIT } from './robust-helpers.ts';

const DISK_FULL = 7; // CASE_UNWRITABLE (src/cli/exitCodes.ts)

/** An export of `large` files of 1 MiB and `small` files of `smallSize` bytes (seeded, all distinct). */
function makeExport(dir: string, seed: number, large: number, small: number, smallSize = 3000, text = false): void {
  const bytes = new ByteStream(seed);
  mkdirSync(join(dir, 'video'), { recursive: true });
  mkdirSync(join(dir, 'notes'), { recursive: true });
  for (let i = 0; i < large; i++) writeFileSync(join(dir, 'video', `clip_${String(i).padStart(2, '0')}.mp4`), bytes.next(1024 * 1024));
  for (let i = 0; i < small; i++) {
    const body = bytes.next(smallSize);
    // Text notes feed the search index too (rows in case.db); binary ones only the blob store.
    writeFileSync(join(dir, 'notes', `note_${String(i).padStart(4, '0')}.${text ? 'txt' : 'bin'}`), text ? body.toString('base64').slice(0, smallSize) : body);
  }
}

/**
 * A case whose store/ folder is its own tmpfs of `size`: only the store (its files and
 * objects.db) can fill up, never case.db. The store made by `case init` is moved onto it.
 */
function caseWithStoreMount(t: TestContext, caseDir: string, size: string): void {
  initCase(caseDir);
  const store = join(caseDir, 'store');
  renameSync(store, `${store}.init`);
  mountTmpfs(t, store, size);
  cpSync(`${store}.init`, store, { recursive: true });
  rmSync(`${store}.init`, { recursive: true, force: true });
}

/**
 * A case on a tmpfs of `size` at `mnt` whose store/ is its own, larger tmpfs: only case.db (and
 * its WAL) can fill up.
 */
function caseWithOwnDbDisk(t: TestContext, mnt: string, size: string): string {
  mountTmpfs(t, mnt, size);
  const caseDir = join(mnt, 'case');
  initCase(caseDir);
  const store = join(caseDir, 'store');
  const init = join(mnt, 'store.init');
  renameSync(store, init);
  mountTmpfs(t, store, '256m');
  cpSync(init, store, { recursive: true });
  rmSync(init, { recursive: true, force: true });
  return caseDir;
}

function assertDiskFullStop(r: RunResult, label: string): void {
  assert.equal(r.code, DISK_FULL, `${label}: exit code\n${describeRun(r)}`);
  assert.match(r.stderr, /disk( holding the case)? is full/, `${label}: says the disk is full\n${describeRun(r)}`);
  assert.match(r.stderr, /run the same command/, `${label}: says how to resume\n${describeRun(r)}`);
  assert.doesNotMatch(r.stderr, /unexpected error/, `${label}: not an internal error\n${describeRun(r)}`);
  assert.doesNotMatch(r.stdout, /Ingest finished/, `${label}: must not claim to have finished\n${describeRun(r)}`);
}

/** After a stop: the source is not finished (interrupted, or still 'running' under a dead process). */
function assertNotFinished(caseDir: string, label: string): void {
  const sources = caseFacts(caseDir).sources;
  assert.equal(sources.length, 1, `${label}: one source`);
  assert.notEqual(sources[0]!.status, 'finished', `${label}: the source must not be marked finished`);
}

/** verify, run where the disk may still be full: true to the facts, or refused with the disk's message. */
function verifyTrue(caseDir: string, label: string, mayBeFull: boolean): void {
  const v = runCli(['verify', caseDir]);
  if (mayBeFull && v.code === DISK_FULL) {
    assert.match(v.stderr, /disk( holding the case)? is full/, `${label}: verify refused, saying why\n${describeRun(v)}`);
    return;
  }
  assert.equal(v.code, 0, `${label}: verify passes (every catalogued file is stored)\n${describeRun(v)}`);
  assert.match(v.stdout, /Ingest not finished: source 1/, `${label}: verify says the ingest is not finished\n${describeRun(v)}`);
}

function resumeAndCheck(t: TestContext, caseDir: string, exportDir: string, label: string): void {
  const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
  assert.equal(r.code, 0, `${label}: the resume completes\n${describeRun(r)}`);
  assert.match(r.stdout, /Ingest finished \(resumed\)/, `${label}\n${describeRun(r)}`);
  assert.match(r.stdout, /problems: +0/, `${label}\n${describeRun(r)}`);
  assert.doesNotMatch(r.stderr, /warning: the case's disk/, `${label}: room enough now, no warning\n${describeRun(r)}`);
  assertCaseConsistent(caseDir, `${label} (after the resume)`);
  assertCatalogueMatches(t, caseDir, exportDir, `${label} (after the resume)`);
  assertStoredOnce(caseDir, `${label} (after the resume)`);
  assert.deepEqual(caseFacts(caseDir).sources, [{ id: 1, status: 'finished' }], `${label}: the source is finished`);
  const v = runCli(['verify', caseDir]);
  assert.equal(v.code, 0, `${label}: verify after the resume\n${describeRun(v)}`);
  assert.doesNotMatch(v.stdout, /not finished/, `${label}: nothing left unfinished\n${describeRun(v)}`);
  const c = runCli(['custody', 'verify', caseDir]);
  assert.equal(c.code, 0, `${label}: the custody log is whole (never half an event)\n${describeRun(c)}`);
}

test('verify fails on a file catalogued without a stored copy, as versions before the fix recorded a full disk', (t) => {
  const work = tempDir('faults-legacy');
  t.after(() => removeDir(work));
  const exportDir = join(work, 'export');
  makeExport(exportDir, 9005, 0, 3);
  const caseDir = join(work, 'case');
  initCase(caseDir);
  assert.equal(runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]).code, 0);
  // The row an older version committed when the store write failed: no hashes, the disk's error as the item's.
  const db = new Database(join(caseDir, 'case.db'));
  try {
    db.prepare(
      `INSERT INTO items (source_id, path, name, ext, kind, size, error, added_at, depth)
       VALUES (1, 'video/clip_99.mp4', 'clip_99.mp4', 'mp4', 'file', 1048576, 'could not read: ENOSPC: no space left on device, write', '2026-01-01T00:00:00.000Z', 0)`,
    ).run();
  } finally {
    db.close();
  }
  const v = runCli(['verify', caseDir]);
  assert.equal(v.code, 1, describeRun(v));
  assert.match(v.stdout, /NOT STORED +item \d+ +video\/clip_99\.mp4: catalogued without a copy/, describeRun(v));
  assert.match(v.stdout, /Verification FAILED/, describeRun(v));
});

describe('the case disk fills up during an ingest (real CLI, tmpfs)', { concurrency: false }, () => {
  let work: string;
  let refused: string | null = null;

  before(() => {
    work = tempDir('faults-disk');
    refused = mountRefused(join(work, 'probe'));
  });
  after(() => {
    if (work) removeDir(work);
  });

  test('issue 9 as filed: 6 MiB tmpfs, 15 x 1 MiB + 100 small files -> exit 7, nothing unstored marked done; resume stores them', (t) => {
    if (refused) return t.skip(refused);
    const exportDir = join(work, 'export-a');
    makeExport(exportDir, 9001, 15, 100);
    const mnt = join(work, 'mnt-a');
    mountTmpfs(t, mnt, '6m');
    const caseDir = join(mnt, 'case');
    initCase(caseDir);

    const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
    // The pre-flight check saw it coming (a warning, not a refusal).
    assert.match(r.stderr, /warning: the case's disk has .* free, but this export has .* still to store/, describeRun(r));
    assertDiskFullStop(r, 'store file');
    assert.match(r.stderr, /\d+ files? not yet stored/, describeRun(r));
    const facts = assertCaseConsistent(caseDir, 'after ENOSPC');
    assert.ok(facts.files.length < 115, 'not everything fitted');
    assertNotFinished(caseDir, 'after ENOSPC');
    const notStored = Number(/(\d+) files? not yet stored/.exec(r.stderr)![1]);
    assert.equal(notStored, 115 - facts.files.length, 'the message counts the files not stored');
    verifyTrue(caseDir, 'on the full disk', true);

    resizeTmpfs(mnt, '64m');
    verifyTrue(caseDir, 'space freed, before the resume', false);
    resumeAndCheck(t, caseDir, exportDir, 'store file');
    const actions = caseFacts(caseDir).actions;
    for (const a of ['ingest.started', 'ingest.resumed', 'ingest.finished']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  });

  test('the blob database (store/objects.db) fills up: SQLITE_FULL stops the run with exit 7; resume completes', (t) => {
    if (refused) return t.skip(refused);
    const exportDir = join(work, 'export-b');
    makeExport(exportDir, 9002, 0, 1500, 4000);
    const caseDir = join(work, 'case-b');
    caseWithStoreMount(t, caseDir, '3m');

    const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
    assertDiskFullStop(r, 'blob database');
    t.diagnostic(r.stderr.trim().split('\n').at(-1)!);
    const facts = assertCaseConsistent(caseDir, 'blob database full');
    assert.ok(facts.files.length < 1500);
    assertNotFinished(caseDir, 'blob database full');
    verifyTrue(caseDir, 'blob database full', false); // case.db has room: verify records its run

    resizeTmpfs(join(caseDir, 'store'), '64m');
    resumeAndCheck(t, caseDir, exportDir, 'blob database');
  });

  // case.db and its WAL on a disk of their own, left with less and less room: the run is refused
  // at different points (signing in, recording the start, committing rows, the WAL growing).
  for (const leaveKiB of [0, 96, 1200, 6000]) {
    test(`the case database (case.db and its WAL) fills up with ${leaveKiB} KiB free: exit 7, consistent; resume completes`, (t) => {
      if (refused) return t.skip(refused);
      const exportDir = join(work, 'export-c');
      if (!existsSync(exportDir)) makeExport(exportDir, 9003, 2, 1200, 1500, true);
      const mnt = join(work, `mnt-c${leaveKiB}`);
      const caseDir = caseWithOwnDbDisk(t, mnt, '64m');
      const filler = fillLeaving(mnt, leaveKiB * 1024);

      const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
      assertDiskFullStop(r, `case.db with ${leaveKiB} KiB free`);
      t.diagnostic(r.stderr.trim().split('\n').at(-1)!);
      // Checked once the filler is gone: with no byte free, even a reader cannot map the WAL
      // index (SQLITE_IOERR_SHMSIZE). Nothing writes to the case in between.
      removeFiller(filler);
      const facts = assertCaseConsistent(caseDir, `case.db with ${leaveKiB} KiB free`);
      // The catalogue holds no text, so with more room it completes and the text stage (whose
      // text takes the room) is what the full disk stops: the message says so.
      if (facts.files.length >= 1202) assert.match(r.stderr, /every file is catalogued and stored, but the text for search is not complete/, describeRun(r));
      if (facts.sources.length) assertNotFinished(caseDir, `case.db with ${leaveKiB} KiB free`);
      if (facts.sources.length) verifyTrue(caseDir, 'space freed, before the resume', false);
      const resume = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
      assert.equal(resume.code, 0, describeRun(resume));
      assertCaseConsistent(caseDir, `case.db ${leaveKiB} KiB: after the resume`);
      assertCatalogueMatches(t, caseDir, exportDir, `case.db ${leaveKiB} KiB: after the resume`);
      assertStoredOnce(caseDir, `case.db ${leaveKiB} KiB: after the resume`);
      assert.deepEqual(caseFacts(caseDir).sources, [{ id: 1, status: 'finished' }]);
      assert.equal(runCli(['verify', caseDir]).code, 0);
      assert.equal(runCli(['custody', 'verify', caseDir]).code, 0);
    });
  }

  test('kill -9 while the disk is filling, a run that hits the full disk, then the resume once space is freed', async (t) => {
    if (refused) return t.skip(refused);
    const exportDir = join(work, 'export-d');
    makeExport(exportDir, 9004, 12, 800, 5000);
    const mnt = join(work, 'mnt-d');
    mountTmpfs(t, mnt, '8m');
    const caseDir = join(mnt, 'case');
    initCase(caseDir);

    // 1. Killed part-way (as soon as some items are committed, or after a short while).
    const first = startCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
    let exited = false;
    void first.done.then(() => (exited = true));
    const deadline = Date.now() + 20_000;
    while (!exited && Date.now() < deadline) {
      let n = 0;
      try {
        n = query<{ n: number }>(caseDir, 'SELECT COUNT(*) AS n FROM items')[0]!.n;
      } catch {
        /* not readable yet */
      }
      if (n > 0) break;
      await sleep(5);
    }
    first.child.kill('SIGKILL');
    const k = await first.done;
    t.diagnostic(`first run: ${k.signal ?? `exit ${k.code}`}`);
    if (k.signal !== 'SIGKILL') assertDiskFullStop(k, 'first run (ended before the kill)');
    assertCaseConsistent(caseDir, 'after kill -9');

    // 2. The next run resumes, and meets the full disk: the same clean stop.
    const second = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
    assertDiskFullStop(second, 'run after the kill');
    assertCaseConsistent(caseDir, 'after the second run');
    assertNotFinished(caseDir, 'after the second run');

    // 3. Space freed: the resume completes, every file once.
    resizeTmpfs(mnt, '64m');
    resumeAndCheck(t, caseDir, exportDir, 'after kill -9 and ENOSPC');
  });
});
