// Opening a case safely (issue 9, defect 4 and the permissions of defect 7), through the real CLI
// as child processes: a folder whose case.db is some other SQLite file, garbage in case.db or
// store/objects.db, a case made before the case marker, a case on read-only media and one on a
// full disk. Each gets a plain message and its documented exit code, and nothing is written to a
// file that is not a sound case: its bytes (sha256) and the folder's listing are compared before
// and after. The modes of a new case's folders and files are checked with stat.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { EvidenceService } from '../../src/core/service.ts';
import { type CliResult, isRoot, runCliChild, tempDir } from './helpers.ts';

const OFFICER = 'PC Ito';
const EVCA = 0x45764361; // "EvCa"

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every path under a folder (sorted), to compare a folder before and after a command. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      out.push(relative(dir, p));
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

function applicationIdOf(file: string): number {
  return readFileSync(file).readInt32BE(68);
}

function describeRun(args: string[], r: CliResult): string {
  return `evidence ${args.join(' ')}\nexit ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`;
}

/** A small export: two text files and one file large enough to be stored as a file. */
function makeExport(dir: string, prefix = ''): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${prefix}a.txt`), `first ${prefix}\n`);
  writeFileSync(join(dir, `${prefix}b.txt`), `second ${prefix}\n`);
  writeFileSync(join(dir, `${prefix}big.bin`), randomBytes(300 * 1024));
  return dir;
}

async function cli(args: string[], code: number, err?: RegExp): Promise<CliResult> {
  const r = await runCliChild(args);
  assert.equal(r.code, code, describeRun(args, r));
  if (err) assert.match(r.err, err, describeRun(args, r));
  return r;
}

async function newCliCase(casePath: string, exportDir: string): Promise<void> {
  await cli(['case', 'init', casePath, '--name', 'Operation Lotus', '--number', 'KH-2026-0009', '--officer', OFFICER], 0);
  await cli(['exhibit', 'add', casePath, '--number', 'EXH-1'], 0);
  await cli(['ingest', casePath, exportDir, '--exhibit', 'EXH-1'], 0);
}

/** Commands that only read, and what each prints on a sound case. */
function readCommands(casePath: string): { args: string[]; out: RegExp }[] {
  return [
    { args: ['ls', casePath], out: /^(?=[\s\S]*\ba\.txt)(?=[\s\S]*\bb\.txt)[\s\S]*\bbig\.bin/ },
    { args: ['log', casePath], out: /case\.created/ },
    { args: ['custody', 'verify', casePath], out: /./ },
    { args: ['case', 'info', casePath], out: /KH-2026-0009/ },
    { args: ['exhibit', 'ls', casePath], out: /./ },
    { args: ['officer', 'ls', casePath], out: new RegExp(OFFICER) },
  ];
}

/** Every kind of command, for a case that cannot be opened at all. */
function everyCommand(casePath: string, exportDir: string): string[][] {
  return [
    ['ls', casePath],
    ['log', casePath],
    ['custody', 'verify', casePath],
    ['case', 'info', casePath],
    ['exhibit', 'ls', casePath],
    ['officer', 'ls', casePath],
    ['show', casePath, '1', '--officer', OFFICER],
    ['verify', casePath, '--officer', OFFICER],
    ['ingest', casePath, exportDir, '--exhibit', 'EXH-1', '--officer', OFFICER],
  ];
}

async function expectAllRefused(t: TestContext, folder: string, exportDir: string, code: number, err: RegExp, few = false): Promise<void> {
  const file = join(folder, 'case.db');
  const before = { sha: sha256(file), files: listing(folder) };
  // `few`: one reading command, custody verify and one writing command (each run is a Node start).
  const commands = everyCommand(folder, exportDir).filter((a) => !few || a[0] === 'ls' || a[0] === 'custody' || a[0] === 'ingest');
  for (const args of commands) {
    await t.test(args.slice(0, 2).join(' '), async () => {
      const r = await cli(args, code, err);
      assert.equal(r.out, '', 'nothing on stdout');
      assert.doesNotMatch(r.err, /unexpected error/);
    });
  }
  assert.equal(sha256(file), before.sha, 'case.db is byte for byte as it was');
  assert.deepEqual(listing(folder), before.files, 'nothing was added beside it: no store/, no -wal, no -shm');
}

describe('a case is recognised before anything is written', () => {
  const NOT_A_CASE = /holds a SQLite database that is not an evidence case; nothing was changed/;

  test('a folder whose case.db is another application\'s SQLite database (WAL mode): exit 3, its bytes and folder untouched', async (t) => {
    const work = tempDir(t);
    const folder = join(work, 'other-app');
    mkdirSync(folder);
    const db = new Database(join(folder, 'case.db'));
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('A', '012 345 678');");
    db.close();
    writeFileSync(join(folder, 'readme.txt'), 'not a case');
    await expectAllRefused(t, folder, makeExport(join(work, 'export')), 3, NOT_A_CASE);
    const back = new Database(join(folder, 'case.db'), { readonly: true });
    assert.deepEqual(
      (back.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name),
      ['contacts'],
      'no table was added',
    );
    back.close();
  });

  test('a rollback-journal SQLite file, and ones with a `cases` table that are still not cases: exit 3', async (t) => {
    const work = tempDir(t);
    const exportDir = makeExport(join(work, 'export'));
    const variants: [string, string][] = [
      ['plain', 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'],
      ['cases table only', "CREATE TABLE cases (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO cases VALUES (1, 'x');"],
      [
        'another application_id',
        "PRAGMA application_id = 42; CREATE TABLE cases (id INTEGER PRIMARY KEY); CREATE TABLE custody_events (seq INTEGER); CREATE TABLE schema_migrations (version INTEGER); INSERT INTO cases VALUES (1);",
      ],
    ];
    for (const [name, sql] of variants) {
      const folder = join(work, name.replace(/\W+/g, '-'));
      mkdirSync(folder);
      const db = new Database(join(folder, 'case.db'));
      db.exec(sql);
      db.close();
      await t.test(name, async (tt) => expectAllRefused(tt, folder, exportDir, 3, NOT_A_CASE, true));
    }
  });

  test('garbage, an empty file or damaged pages in case.db: exit 8 naming the file, nothing written', async (t) => {
    const work = tempDir(t);
    const exportDir = makeExport(join(work, 'export'));
    const damaged = /case\.db is damaged: [\s\S]*Nothing was changed[\s\S]*backup[\s\S]*bundle/;

    const garbage = join(work, 'garbage');
    mkdirSync(garbage);
    writeFileSync(join(garbage, 'case.db'), randomBytes(8192));
    await t.test('random bytes', async (tt) => expectAllRefused(tt, garbage, exportDir, 8, damaged));

    const empty = join(work, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'case.db'), '');
    await t.test('an empty file', async (tt) => expectAllRefused(tt, empty, exportDir, 8, /case\.db is damaged: the file is empty/, true));

    // A real case whose header survived but whose other pages were overwritten.
    const pages = join(work, 'pages');
    await newCliCase(pages, exportDir);
    const file = join(pages, 'case.db');
    const size = lstatSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(size - 4096), 0, size - 4096, 4096);
    closeSync(fd);
    await t.test('damaged pages behind a sound header', async (tt) => {
      const before = { sha: sha256(file), files: listing(pages) };
      for (const args of [['ls', pages], ['custody', 'verify', pages], ['ingest', pages, exportDir, '--exhibit', 'EXH-1', '--officer', OFFICER]]) {
        const r = await cli(args, 8, /is damaged[\s\S]*Nothing was changed/);
        assert.doesNotMatch(r.err, /unexpected error/);
      }
      assert.equal(sha256(file), before.sha);
      tt.diagnostic(`left beside it: ${listing(pages).filter((p) => !before.files.includes(p)).join(', ') || 'nothing'}`);
    });
  });

  test('damaged store/objects.db: listing, the log and custody verify still work; commands that write say exit 8 and change nothing', async (t) => {
    const work = tempDir(t);
    const exportDir = makeExport(join(work, 'export'));
    const casePath = join(work, 'case');
    await newCliCase(casePath, exportDir);
    const objects = join(casePath, 'store', 'objects.db');
    writeFileSync(objects, randomBytes(16384));
    const sha = sha256(objects);
    for (const c of readCommands(casePath)) {
      const r = await cli(c.args, 0);
      assert.match(r.out, c.out, describeRun(c.args, r));
    }
    for (const args of [
      ['ingest', casePath, makeExport(join(work, 'export2'), 'more-'), '--exhibit', 'EXH-1'],
      ['show', casePath, '1'],
      ['tag', casePath, 'scam-manual', '1'],
    ]) {
      const r = await cli(args, 8, /store\/objects\.db is damaged: [\s\S]*Nothing was changed[\s\S]*backup/);
      assert.doesNotMatch(r.err, /unexpected error/);
    }
    assert.equal(sha256(objects), sha, 'objects.db untouched');
  });

  test('a new case carries the marker; a case made before it is read as it is and marked when next written', async (t) => {
    const work = tempDir(t);
    const exportDir = makeExport(join(work, 'export'));
    const casePath = join(work, 'case');
    await newCliCase(casePath, exportDir);
    const file = join(casePath, 'case.db');
    assert.equal(applicationIdOf(file), EVCA, 'application_id "EvCa" at offset 68');

    // As an earlier version left it: no application_id.
    const db = new Database(file);
    db.pragma('application_id = 0');
    db.close();
    assert.equal(applicationIdOf(file), 0);
    const sha = sha256(file);
    for (const c of readCommands(casePath)) {
      const r = await cli(c.args, 0);
      assert.match(r.out, c.out, describeRun(c.args, r));
    }
    assert.equal(sha256(file), sha, 'reading wrote nothing to case.db');
    await cli(['tag', casePath, 'scam-manual', '1'], 0);
    assert.equal(applicationIdOf(file), EVCA, 'marked when opened for writing');
  });
});

describe('a new case is private to its owner', () => {
  test('folders 0700, databases 0600, evidence copies 0400, whatever the umask', async (t) => {
    const work = tempDir(t);
    const exportDir = makeExport(join(work, 'export'));
    const casePath = join(work, 'case');
    // umask 000: the modes must come from the code, not from a careful umask.
    const loose = { prefix: ['sh', '-c', 'umask 000; exec "$0" "$@"'] };
    const init = await runCliChild(['case', 'init', casePath, '--name', 'N', '--number', 'X-1', '--officer', OFFICER], loose);
    assert.equal(init.code, 0, init.err);
    assert.equal((await runCliChild(['exhibit', 'add', casePath, '--number', 'EXH-1'], loose)).code, 0);
    const ing = await runCliChild(['ingest', casePath, exportDir, '--exhibit', 'EXH-1'], loose);
    assert.equal(ing.code, 0, ing.err);
    // A read leaves SQLite's -wal/-shm beside case.db: they must be private too.
    const ls = await runCliChild(['ls', casePath], loose);
    assert.equal(ls.code, 0, ls.err);

    const modeOf = (p: string): number => lstatSync(p).mode & 0o777;
    assert.equal(modeOf(casePath), 0o700, 'the case folder');
    let objectFiles = 0;
    for (const rel of listing(casePath)) {
      const p = join(casePath, rel);
      const st = lstatSync(p);
      if (st.isDirectory()) assert.equal(modeOf(p), 0o700, `${rel}/`);
      else if (/^store\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(rel)) {
        assert.equal(modeOf(p), 0o400, rel);
        objectFiles++;
      } else assert.equal(modeOf(p), 0o600, rel);
    }
    assert.equal(objectFiles, 1, 'big.bin is stored as a file');
    for (const rel of ['case.db', 'store/objects.db', 'store/tmp', 'keys']) assert.ok(listing(casePath).includes(rel), rel);
  });
});

/** A tmpfs of the given size mounted on a new folder, unmounted after the test; null (skipped) where mounting is refused. */
function tmpfsOrSkip(t: TestContext, size: string): string | null {
  if (!isRoot) {
    t.skip('needs root to mount a tmpfs (run the tests as root, as CI does)');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'evidence-mnt-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`mount -t tmpfs was refused here (${(r.stderr || r.error?.message || '').trim()}): a container without CAP_SYS_ADMIN`);
    return null;
  }
  t.after(() => {
    // Lazily if something still holds a file there: the mount must not outlive the test.
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('a case on read-only media or a full disk', () => {
  test('read-only mount: listing, the log and custody verify work; commands that record say "read-only media", exit 7', { timeout: 120_000 }, async (t) => {
    const mnt = tmpfsOrSkip(t, '16m');
    if (!mnt) return;
    const work = tempDir(t);
    const casePath = join(mnt, 'case');
    await newCliCase(casePath, makeExport(join(work, 'export')));
    const remount = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
    if (remount.status !== 0) {
      t.skip(`remounting read-only was refused: ${remount.stderr.trim()}`);
      return;
    }
    const before = listing(casePath);
    const sha = sha256(join(casePath, 'case.db'));
    for (const c of readCommands(casePath)) {
      const r = await cli(c.args, 0);
      assert.match(r.out, c.out, describeRun(c.args, r));
    }
    // Viewing and verifying are recorded in the custody log: on media that cannot record them they do not run.
    for (const args of [
      ['ingest', casePath, makeExport(join(work, 'export2'), 'more-'), '--exhibit', 'EXH-1'],
      ['tag', casePath, 'scam-manual', '1'],
      ['show', casePath, '1'],
      ['verify', casePath],
    ]) {
      const r = await cli(args, 7, /The case is on read-only media[\s\S]*Nothing was changed[\s\S]*copy the whole case folder to a writable disk/);
      assert.doesNotMatch(r.err, /SQLITE_|unexpected error/);
    }
    assert.deepEqual(listing(casePath), before);
    assert.equal(sha256(join(casePath, 'case.db')), sha);
  });

  test('full disk: listing, the log and custody verify work; writes say "disk is full", exit 7; after freeing space they work', { timeout: 120_000 }, async (t) => {
    const mnt = tmpfsOrSkip(t, '8m');
    if (!mnt) return;
    const work = tempDir(t);
    const casePath = join(mnt, 'case');
    await newCliCase(casePath, makeExport(join(work, 'export')));
    // Fill the file system to the last block.
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const block = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, block);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      closeSync(fd);
    }
    for (const c of readCommands(casePath)) {
      const r = await cli(c.args, 0);
      assert.match(r.out, c.out, describeRun(c.args, r));
    }
    const export2 = makeExport(join(work, 'export2'), 'more-');
    for (const args of [
      ['ingest', casePath, export2, '--exhibit', 'EXH-1'],
      ['show', casePath, '1'],
    ]) {
      const r = await cli(args, 7, /disk[\s\S]*is full[\s\S]*free space/);
      assert.doesNotMatch(r.err, /unexpected error/);
    }
    const total = async (): Promise<number> => (JSON.parse((await cli(['ls', casePath, '--json'], 0)).out) as { total: number }).total;
    const itemsBefore = await total();
    // A long-lived front door (the app, the browser host) reading while the disk is full...
    const service = new EvidenceService();
    try {
      assert.equal(service.listItems({ casePath }).total, itemsBefore);
      unlinkSync(filler);
      await cli(['ingest', casePath, export2, '--exhibit', 'EXH-1'], 0);
      assert.equal(await total(), itemsBefore + 3, 'the three new files, once each');
      // ...sees what was written once space was freed (its read-only view is not kept stale).
      assert.equal(service.listItems({ casePath }).total, itemsBefore + 3);
    } finally {
      service.close();
    }
    await cli(['verify', casePath], 0);
  });
});
