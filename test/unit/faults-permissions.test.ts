// Permission faults with the real CLI as an ordinary user would meet them (issue 9: defect 2 and
// the fault suite). Root reads everything, so each run is root WITHOUT its read-override
// capabilities (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH): mode bits then stop it
// as they stop an officer's account. The case folder stays writable (root still owns it).
// Each case ends with: exit 0 and the problems listed, a sound case (PRAGMA integrity_check), every
// readable file catalogued once and stored once (cross-checked with hashdeep or sha256sum, run
// the same way), and a second run that does not fail.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { binPath, type CliResult, hasTool, isRoot, projectRoot, runCliChild, tempDir, recordExhibitAt, EXH } from './helpers.ts';
import { zipOf } from '../fixtures/archives.ts';

const DROP = ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search'];
/** Objects up to this size are blobs in store/objects.db (src/core/store/layout.ts), larger ones files. */
const SMALL_OBJECT_MAX = 256 * 1024;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let probed: string | null | undefined;
/** Why these tests cannot run here, or null when setpriv really takes root's read override away. */
function cannotRun(): string | null {
  if (probed !== undefined) return probed;
  if (!isRoot) return (probed = 'needs root: the CLI runs as root without its read-override capabilities (setpriv), so mode bits apply as for an ordinary user; an ordinary account cannot drop what it does not have');
  if (!hasTool('setpriv')) return (probed = 'setpriv is not installed (util-linux): cannot run the CLI without root\'s read override');
  const dir = mkdtempSync(join(tmpdir(), 'ev-perm-probe-'));
  const f = join(dir, 'probe');
  writeFileSync(f, 'x');
  chmodSync(f, 0o000);
  const r = spawnSync('setpriv', [...DROP, 'cat', f], { stdio: 'ignore' });
  spawnSync('rm', ['-rf', dir]);
  probed = r.status === 0 ? 'setpriv ran but a mode 000 file was still readable: the read override was not dropped here' : null;
  return probed;
}

/** The CLI as a child process, as root without the read override. */
function asUser(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn('setpriv', [...DROP, process.execPath, binPath, ...args], {
    cwd: projectRoot,
    env: { ...process.env, EVIDENCE_OFFICER: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const done = new Promise<CliResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 128 : -1), out, err }));
  });
  return { child, done };
}

const cli = (args: string[]): Promise<CliResult> => asUser(args).done;
const show = (r: CliResult): string => `exit ${r.code}\n--- stdout\n${r.out.slice(-3000)}\n--- stderr\n${r.err.slice(-3000)}`;

interface Summary {
  sourceId: number;
  status: string;
  resumed: boolean;
  files: number;
  errorCount: number;
  alreadyDone: number;
  problems: { path: string; error: string }[];
  notices?: { path: string; error: string }[];
}

async function newCase(t: TestContext): Promise<{ caseDir: string; exportDir: string }> {
  const work = tempDir(t, 'ev-perm-');
  const caseDir = join(work, 'case');
  const r = await cli(['case', 'init', caseDir, '--name', 'Permission faults', '--number', 'KH-2026-0909', '--officer', 'DS Tanaka']);
  assert.equal(r.code, 0, show(r));
  const x = await cli(['exhibit', 'add', caseDir, '--number', EXH]);
  assert.equal(x.code, 0, show(x));
  const exportDir = join(work, 'export');
  mkdirSync(exportDir);
  return { caseDir, exportDir };
}

/** Writes files (relative path -> bytes) under root; returns the same map. */
function writeFiles(root: string, files: Record<string, Buffer>): Map<string, Buffer> {
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
  return new Map(Object.entries(files));
}

/** n small files named <dir>/f<i>.txt with distinct contents. */
function smallFiles(dir: string, n: number): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < n; i++) out[`${dir}/f${String(i).padStart(3, '0')}.txt`] = Buffer.from(`${dir} file ${i}\n`.repeat(1 + (i % 7)));
  return out;
}

/** Deterministic bytes of a given size, different per seed. */
function bulk(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i += 32) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

async function ingest(caseDir: string, exportDir: string, extra: string[] = []): Promise<{ r: CliResult; s: Summary | null }> {
  const r = await cli(['ingest', caseDir, exportDir, '--exhibit', EXH, '--json', ...extra]);
  let s: Summary | null = null;
  try {
    s = JSON.parse(r.out) as Summary;
  } catch {
    /* not JSON: the caller reports r */
  }
  return { r, s };
}

interface Expect {
  /** Readable files: catalogued with their hashes, no problem, stored once. */
  files: Map<string, Buffer>;
  /** Items recorded with a problem matching the pattern. */
  problems: Map<string, RegExp>;
  /** Paths the CLI cannot know (inside a folder it may not list): never invented. */
  absent?: string[];
}

/** Hashes of every file readable as the same ordinary user, by a tool outside the app. */
function independentHashes(exportDir: string): Map<string, string> | null {
  let lines: string[];
  if (hasTool('hashdeep')) {
    const r = spawnSync('setpriv', [...DROP, 'hashdeep', '-c', 'sha256', '-r', '-l', '.'], { cwd: exportDir, encoding: 'utf8', maxBuffer: 64 << 20 });
    lines = r.stdout
      .split('\n')
      .filter((l) => l && !l.startsWith('%') && !l.startsWith('#'))
      .map((l) => {
        const [, sha, ...rest] = l.split(',');
        return `${sha}  ${rest.join(',')}`;
      });
  } else if (hasTool('sha256sum')) {
    const r = spawnSync('setpriv', [...DROP, 'sh', '-c', 'find . -type f -print0 | xargs -0 -r sha256sum 2>/dev/null'], { cwd: exportDir, encoding: 'utf8', maxBuffer: 64 << 20 });
    lines = r.stdout.split('\n').filter(Boolean);
  } else {
    return null;
  }
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = /^([0-9a-f]{64}) [ *]?\.\/(.*)$/.exec(l);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

interface ItemRow {
  path: string;
  kind: string;
  size: number | null;
  sha256: string | null;
  error: string | null;
}

/** The case as an examiner would check it, from the disk alone. */
function assertSound(t: TestContext, caseDir: string, exportDir: string, sourceId: number, expect: Expect): void {
  const db = new Database(join(caseDir, 'case.db'), { readonly: true, fileMustExist: true });
  const objects = new Database(join(caseDir, 'store', 'objects.db'), { readonly: true, fileMustExist: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'case.db integrity_check');
    assert.equal(objects.pragma('integrity_check', { simple: true }), 'ok', 'store/objects.db integrity_check');
    const rows = db.prepare('SELECT path, kind, size, sha256, error FROM items WHERE source_id = ?').all(sourceId) as ItemRow[];
    const byPath = new Map(rows.map((r) => [r.path, r]));
    assert.equal(byPath.size, rows.length, 'every path is catalogued once');
    for (const [path, data] of expect.files) {
      const it = byPath.get(path);
      assert.ok(it, `readable file ${path} is catalogued`);
      assert.equal(it.kind, 'file', path);
      assert.equal(it.error, null, `${path} has no problem`);
      assert.equal(it.sha256, sha256(data), `${path} has the SHA-256 of its bytes`);
      assert.equal(it.size, data.byteLength, path);
      // Stored exactly once: a file in store/ab/cd/ or a blob in objects.db, never both or neither.
      const file = join(caseDir, 'store', it.sha256.slice(0, 2), it.sha256.slice(2, 4), it.sha256);
      const blob = objects.prepare('SELECT data FROM objects WHERE sha256 = ?').get(it.sha256) as { data: Buffer } | undefined;
      assert.equal(existsSync(file), data.byteLength > SMALL_OBJECT_MAX, `${path} stored as a file only when large`);
      assert.equal(blob !== undefined, data.byteLength <= SMALL_OBJECT_MAX, `${path} stored as a blob only when small`);
      assert.equal(sha256(blob ? blob.data : readFileSync(file)), it.sha256, `${path}: the stored copy is the file's bytes`);
    }
    for (const [path, pattern] of expect.problems) {
      const it = byPath.get(path);
      assert.ok(it, `${path} is catalogued with its problem`);
      assert.match(it.error ?? '', pattern, `${path}'s problem`);
      assert.equal(it.sha256, null, `${path} was not read, so it has no hashes`);
    }
    for (const path of expect.absent ?? []) assert.equal(byPath.has(path), false, `${path} cannot be known, so it is not catalogued`);
    // Nothing readable is left out, and nothing is hashed that the user could not read.
    const hashed = new Map(rows.filter((r) => r.sha256).map((r) => [r.path, r.sha256!]));
    const theirs = independentHashes(exportDir);
    if (theirs) assert.deepEqual([...hashed].sort(), [...theirs].sort(), 'the catalogue hashes exactly the files an outside tool can read');
    else t.diagnostic('neither hashdeep nor sha256sum is installed: no outside cross-check of the hashes');
    assert.deepEqual(readdirSync(join(caseDir, 'store', 'tmp')), [], 'store/tmp is empty after the run');
    const src = db.prepare('SELECT status FROM sources WHERE id = ?').get(sourceId) as { status: string };
    assert.equal(src.status, 'finished');
  } finally {
    db.close();
    objects.close();
  }
}

/** The first run must succeed with the expected problems; a second run must not fail. */
async function runTwice(t: TestContext, caseDir: string, exportDir: string, expect: Expect, extra: string[] = []): Promise<Summary> {
  const { r, s } = await ingest(caseDir, exportDir, extra);
  assert.equal(r.code, 0, `the ingest must finish: ${show(r)}`);
  assert.ok(s, show(r));
  assert.equal(s.status, 'finished');
  const listed = new Set(s.problems.map((p) => p.path));
  for (const path of expect.problems.keys()) assert.ok(listed.has(path), `problem of ${path} is listed in the summary: ${JSON.stringify(s.problems)}`);
  assert.equal(s.errorCount, expect.problems.size, `exactly the expected problems: ${JSON.stringify(s.problems)}`);
  assertSound(t, caseDir, exportDir, s.sourceId, expect);
  // Same command again: a repeat must not fail (it may be refused as already ingested, exit 4).
  const again = await ingest(caseDir, exportDir, extra);
  if (again.r.code === 4) {
    assert.match(again.r.err + again.r.out, /already/i, show(again.r));
  } else {
    assert.equal(again.r.code, 0, `a second run must not fail: ${show(again.r)}`);
    assert.ok(again.s);
    assertSound(t, caseDir, exportDir, again.s.sourceId, expect);
  }
  return s;
}

const DENIED = /permission denied/i;

describe('permission faults, as an ordinary user (real CLI under setpriv)', () => {
  test('a folder with mode 000 is one item with its problem; the 200 files beside it are catalogued (issue 9, defect 2)', async (t) => {
    const why = cannotRun();
    if (why) return t.skip(why);
    const { caseDir, exportDir } = await newCase(t);
    const files = writeFiles(exportDir, { ...smallFiles('a', 100), ...smallFiles('z', 100), 'a/large.bin': bulk('large', 300 * 1024) });
    const hidden = writeFiles(exportDir, smallFiles('locked', 100));
    writeFiles(exportDir, smallFiles('nolist', 3));
    chmodSync(join(exportDir, 'locked'), 0o000);
    // Traversable but not listable (--x): its names cannot be known either.
    chmodSync(join(exportDir, 'nolist'), 0o111);
    const s = await runTwice(t, caseDir, exportDir, {
      files,
      problems: new Map([
        ['locked', /could not list.*permission denied/i],
        ['nolist', /could not list.*permission denied/i],
      ]),
      absent: [...hidden.keys(), 'nolist/f000.txt'],
    });
    assert.equal(s.files, 201);
  });

  test('a file with mode 000 is an item with its problem, not hashed; the rest is catalogued', async (t) => {
    const why = cannotRun();
    if (why) return t.skip(why);
    const { caseDir, exportDir } = await newCase(t);
    const files = writeFiles(exportDir, { ...smallFiles('chat', 20), 'big/video.mp4': bulk('video', 400 * 1024) });
    writeFiles(exportDir, { 'chat/secret.db': Buffer.from('sqlite bytes'), 'big/locked.mp4': bulk('locked', 300 * 1024) });
    chmodSync(join(exportDir, 'chat/secret.db'), 0o000);
    chmodSync(join(exportDir, 'big/locked.mp4'), 0o000);
    await runTwice(t, caseDir, exportDir, {
      files,
      problems: new Map([
        ['chat/secret.db', DENIED],
        ['big/locked.mp4', DENIED],
      ]),
    });
    // The unreadable file keeps the facts the folder listing gives: its size and times.
    const db = new Database(join(caseDir, 'case.db'), { readonly: true });
    const row = db.prepare("SELECT size, mtime, kind FROM items WHERE path = 'big/locked.mp4' LIMIT 1").get() as { size: number; mtime: string; kind: string };
    db.close();
    assert.deepEqual([row.kind, row.size, typeof row.mtime], ['file', 300 * 1024, 'string']);
  });

  test('a folder with read but no search permission (r--): its entries are recorded by name and kind, each with its problem', async (t) => {
    const why = cannotRun();
    if (why) return t.skip(why);
    const { caseDir, exportDir } = await newCase(t);
    const files = writeFiles(exportDir, smallFiles('ok', 30));
    writeFiles(exportDir, { 'dcim/IMG_0001.JPG': Buffer.from('jpeg'), 'dcim/IMG_0002.JPG': Buffer.from('jpeg 2'), 'dcim/sub/inner.txt': Buffer.from('inner') });
    chmodSync(join(exportDir, 'dcim'), 0o444);
    const s = await runTwice(t, caseDir, exportDir, {
      files,
      problems: new Map([
        ['dcim/IMG_0001.JPG', DENIED],
        ['dcim/IMG_0002.JPG', DENIED],
        ['dcim/sub', DENIED],
      ]),
      absent: ['dcim/sub/inner.txt'],
    });
    const db = new Database(join(caseDir, 'case.db'), { readonly: true });
    const kinds = db.prepare("SELECT path, kind, error FROM items WHERE source_id = ? AND path LIKE 'dcim%' ORDER BY path").all(s.sourceId) as { path: string; kind: string; error: string | null }[];
    db.close();
    // The listing gives each entry's type even where its attributes cannot be read.
    assert.deepEqual(
      kinds.map((k) => [k.path, k.kind, k.error === null]),
      [
        ['dcim', 'dir', true],
        ['dcim/IMG_0001.JPG', 'file', false],
        ['dcim/IMG_0002.JPG', 'file', false],
        ['dcim/sub', 'dir', false],
      ],
    );
  });

  test('a file that becomes unreadable between the counting scan and the read is an item with its problem', async (t) => {
    const why = cannotRun();
    if (why) return t.skip(why);
    const { caseDir, exportDir } = await newCase(t);
    // Large files first (byte order of names), read by one worker: time to act once reading starts.
    const big: Record<string, Buffer> = {};
    for (let i = 0; i < 32; i++) big[`a_big_${String(i).padStart(2, '0')}.bin`] = bulk(`big ${i}`, 2 * 1024 * 1024);
    const files = writeFiles(exportDir, { ...big, ...smallFiles('zz', 5) });
    writeFiles(exportDir, { 'zz/late.txt': Buffer.from('readable when counted') });
    const run = asUser(['ingest', caseDir, exportDir, '--exhibit', EXH, '--json', '--workers', '1']);
    let exited = false;
    void run.done.then(() => (exited = true));
    // The counting scan only lists and stats; the first object written to the store means it is over.
    const store = join(caseDir, 'store');
    const started = (): boolean => readdirSync(store).some((n) => /^[0-9a-f]{2}$/.test(n)) || readdirSync(join(store, 'tmp')).length > 0;
    const deadline = Date.now() + 120_000;
    while (!exited && !started() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    chmodSync(join(exportDir, 'zz/late.txt'), 0o000);
    const r = await run.done;
    assert.equal(r.code, 0, show(r));
    const s = JSON.parse(r.out) as Summary;
    const db = new Database(join(caseDir, 'case.db'), { readonly: true });
    const late = db.prepare("SELECT sha256, error FROM items WHERE path = 'zz/late.txt'").get() as { sha256: string | null; error: string | null };
    db.close();
    if (late.sha256) assert.fail('the file was read before it could be made unreadable: the machine was too slow for this test; run it again');
    assert.equal(s.errorCount, 1, JSON.stringify(s.problems));
    assertSound(t, caseDir, exportDir, s.sourceId, { files, problems: new Map([['zz/late.txt', DENIED]]) });
    const again = await ingest(caseDir, exportDir);
    assert.ok(again.r.code === 0 || (again.r.code === 4 && /already/i.test(again.r.err + again.r.out)), show(again.r));
  });

  test('an export folder this account may not list: a plain message and exit 3, nothing recorded', async (t) => {
    const why = cannotRun();
    if (why) return t.skip(why);
    const { caseDir, exportDir } = await newCase(t);
    writeFiles(exportDir, smallFiles('a', 3));
    chmodSync(exportDir, 0o000);
    const { r } = await ingest(caseDir, exportDir);
    assert.equal(r.code, 3, show(r));
    assert.match(r.err, /Cannot list the export folder .*permission denied/);
    const db = new Database(join(caseDir, 'case.db'), { readonly: true });
    const n = (db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    assert.equal(n, 0);
    chmodSync(exportDir, 0o755);
    const after = await ingest(caseDir, exportDir);
    assert.equal(after.r.code, 0, `once readable, the same command works: ${show(after.r)}`);
  });

  test('Ctrl-C during an ingest with unreadable folders and files, then the same command resumes and completes', async (t) => {
    const why = cannotRun();
    if (why) return t.skip(why);
    const { caseDir, exportDir } = await newCase(t);
    let all: Record<string, Buffer> = {};
    for (let d = 0; d < 40; d++) all = { ...all, ...smallFiles(`d${String(d).padStart(2, '0')}`, 75) };
    const files = writeFiles(exportDir, all);
    writeFiles(exportDir, { ...smallFiles('d10/locked', 10), 'd20/denied.txt': Buffer.from('no') });
    chmodSync(join(exportDir, 'd10/locked'), 0o000);
    chmodSync(join(exportDir, 'd20/denied.txt'), 0o000);
    const expect: Expect = {
      files,
      problems: new Map([
        ['d10/locked', /could not list.*permission denied/i],
        ['d20/denied.txt', DENIED],
      ]),
      absent: ['d10/locked/f000.txt'],
    };
    const run = asUser(['ingest', caseDir, exportDir, '--exhibit', EXH, '--json', '--workers', '1']);
    let exited = false;
    void run.done.then(() => (exited = true));
    const committed = (): number => {
      try {
        const db = new Database(join(caseDir, 'case.db'), { readonly: true, fileMustExist: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 120_000;
    while (!exited && committed() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 3));
    run.child.kill('SIGINT');
    const r1 = await run.done;
    if (r1.code === 0) t.diagnostic('the first run finished before Ctrl-C reached it: the second run is a repeat, not a resume');
    else assert.equal(r1.code, 130, `Ctrl-C stops cleanly: ${show(r1)}`);
    const { r, s } = await ingest(caseDir, exportDir);
    if (r1.code === 130) {
      assert.equal(r.code, 0, `the resume must complete: ${show(r)}`);
      assert.ok(s);
      assert.equal(s.resumed, true);
      assert.ok(s.alreadyDone > 0, 'the resume skips what the first run recorded');
      assertSound(t, caseDir, exportDir, s.sourceId, expect);
    } else {
      assert.ok(r.code === 0 || r.code === 4, show(r));
    }
  });
});

describe('a path recorded twice in one source', () => {
  test('never costs the batch: a folder named like an archive member ("a.zip!") and the member are both kept', async (t) => {
    // Before: UNIQUE constraint failed: items.source_id, items.path, exit 5, and every resume the same.
    const work = tempDir(t, 'ev-dup-');
    const caseDir = join(work, 'case');
    const exportDir = join(work, 'export');
    const init = await runCliChild(['case', 'init', caseDir, '--name', 'Duplicate paths', '--number', 'KH-2026-0910', '--officer', 'DS Tanaka']);
    assert.equal(init.code, 0, show(init));
    recordExhibitAt(caseDir);
    const inZip = Buffer.from('the member inside the archive\n');
    const onDisk = Buffer.from('a file in a folder the device named "a.zip!"\n');
    const others = writeFiles(exportDir, { ...smallFiles('notes', 10), 'a.zip!/x.txt': onDisk });
    writeFileSync(join(exportDir, 'a.zip'), zipOf([{ path: 'x.txt', data: inZip }], 0, { dirs: false }));
    const r = await runCliChild(['ingest', caseDir, exportDir, '--exhibit', EXH, '--json']);
    assert.equal(r.code, 0, show(r));
    const s = JSON.parse(r.out) as Summary;
    const db = new Database(join(caseDir, 'case.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const rows = db.prepare("SELECT path, sha256, error FROM items WHERE source_id = ? AND path LIKE 'a.zip!/x.txt%' ORDER BY id").all(s.sourceId) as ItemRow[];
      assert.deepEqual(
        rows.map((x) => [x.path, x.sha256]),
        [
          ['a.zip!/x.txt', sha256(onDisk)],
          ['a.zip!/x.txt [duplicate 2]', sha256(inZip)],
        ],
      );
      assert.match(rows[1]!.error ?? '', /recorded twice under the same path/);
      for (const [path, data] of others) {
        const row = db.prepare('SELECT sha256 FROM items WHERE source_id = ? AND path = ?').get(s.sourceId, path) as { sha256: string } | undefined;
        assert.equal(row?.sha256, sha256(data), path);
      }
    } finally {
      db.close();
    }
    // A second member under the same path is a notice on the item (issue 12 item 4), not a failure.
    assert.ok(s.notices?.some((p) => p.path === 'a.zip!/x.txt [duplicate 2]'), JSON.stringify(s.notices));
    assert.ok(!s.problems.some((p) => p.path === 'a.zip!/x.txt [duplicate 2]'), JSON.stringify(s.problems));
  });
});
