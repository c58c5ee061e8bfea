// The source side of the fault suite (issue 9): the export's drive pulled mid-ingest (a bind
// mount unmounted under the running CLI, as a USB stick pulled out), kill -9 with the drive then
// gone, a real EIO from the export's disk (an ext4 image on a loop device whose blocks under one
// file vanish), and a file that ends before the size it had when opened. A drive that is gone
// stops the ingest (exit 3) with nothing marked done that was not read, and once it is back the
// resume stores every file once; a single unreadable file is a problem of that item only.
//
// Needs root (mounts, loop devices): elsewhere the tests skip, saying why.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  assertCaseConsistent,
  assertCatalogueMatches,
  assertStoredOnce,
  bindMount,
  caseFacts,
  exportHashes,
  isMountPoint,
  mountRefused,
  query,
  unmount,
} from './faults-helpers.ts';
import { ByteStream, describeRun, initCase, removeDir, type RunResult, runCli, sha256, sleep, startCli, tempDir, CLI_EXHIBIT } from './robust-helpers.ts';
import { zipOf } from '../fixtures/archives.ts';

const NOT_FOUND = 3; // SOURCE_UNREADABLE (src/cli/exitCodes.ts)

function makeExport(dir: string, seed: number, large: number, small: number): void {
  const bytes = new ByteStream(seed);
  mkdirSync(join(dir, 'DCIM'), { recursive: true });
  for (let i = 0; i < large; i++) writeFileSync(join(dir, 'DCIM', `VID_${String(i).padStart(3, '0')}.mp4`), bytes.next(1024 * 1024));
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(dir, `chats/c${d}`), { recursive: true });
    for (let i = 0; i < small / 10; i++) writeFileSync(join(dir, `chats/c${d}/msg_${i}.bin`), bytes.next(2000 + ((i * 37) % 3000)));
  }
}

function loopTools(): string | null {
  for (const tool of ['losetup', 'mkfs.ext4', 'debugfs']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed (apt-get install util-linux e2fsprogs)`;
  }
  return null;
}

/**
 * Mounts an ext4 image read-only through a loop device with direct I/O, so that a read past the
 * end of a (later truncated) image is an I/O error, as from a failing or vanished disk, not
 * zeros. Returns why not, if the kernel or the container refuses.
 */
function loopMount(t: TestContext, img: string, mnt: string): string | null {
  const lo = spawnSync('losetup', ['-f', '--show', '--direct-io=on', '-r', img], { encoding: 'utf8' });
  if (lo.status !== 0) return `losetup refused: ${lo.stderr.trim()}`;
  const dev = lo.stdout.trim();
  t.after(() => spawnSync('losetup', ['-d', dev]));
  mkdirSync(mnt, { recursive: true });
  const m = spawnSync('mount', ['-o', 'ro,noload', dev, mnt], { encoding: 'utf8' });
  if (m.status !== 0) return `mounting ext4 from a loop device refused: ${m.stderr.trim()}`;
  t.after(() => unmount(mnt));
  return null;
}

function itemsNow(caseDir: string): number {
  try {
    return query<{ n: number }>(caseDir, 'SELECT COUNT(*) AS n FROM items')[0]!.n;
  } catch {
    return -1;
  }
}

/** Starts the ingest and returns once it has committed some items (or ended). */
async function startAndWait(caseDir: string, exportDir: string, extra: string[] = []): Promise<{ stop: (sig?: NodeJS.Signals) => void; done: Promise<RunResult>; ended: () => boolean }> {
  const run = startCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT, '--workers', '1', ...extra]);
  let ended = false;
  void run.done.then(() => (ended = true));
  const deadline = Date.now() + 60_000;
  while (!ended && Date.now() < deadline && itemsNow(caseDir) < 20) await sleep(5);
  return { stop: (sig = 'SIGKILL') => run.child.kill(sig), done: run.done, ended: () => ended };
}

function assertDriveGone(r: RunResult, label: string): void {
  assert.equal(r.code, NOT_FOUND, `${label}: exit code\n${describeRun(r)}`);
  assert.match(r.stderr, /drive (was )?removed|its drive connected/, `${label}: names the likely cause\n${describeRun(r)}`);
  assert.match(r.stderr, /run the same command to resume/, `${label}: says how to resume\n${describeRun(r)}`);
  assert.doesNotMatch(r.stderr, /unexpected error/, describeRun(r));
  assert.doesNotMatch(r.stdout, /Ingest finished/, `${label}: must not claim to have finished\n${describeRun(r)}`);
}

function resumeComplete(t: TestContext, caseDir: string, exportDir: string, backing: string, label: string): void {
  const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
  assert.equal(r.code, 0, `${label}: the resume completes\n${describeRun(r)}`);
  assert.match(r.stdout, /Ingest finished \(resumed\)/, describeRun(r));
  assert.match(r.stdout, /problems: +0/, describeRun(r));
  assertCaseConsistent(caseDir, `${label} (after the resume)`);
  assertCatalogueMatches(t, caseDir, backing, `${label} (after the resume)`);
  assertStoredOnce(caseDir, `${label} (after the resume)`);
  assert.deepEqual(caseFacts(caseDir).sources, [{ id: 1, status: 'finished' }]);
  const v = runCli(['verify', caseDir]);
  assert.equal(v.code, 0, `${label}: verify\n${describeRun(v)}`);
  assert.equal(runCli(['custody', 'verify', caseDir]).code, 0, `${label}: custody verify`);
}

describe("the export's drive fails during an ingest (real CLI, mounts)", { concurrency: false }, () => {
  let work: string;
  let refused: string | null = null;

  before(() => {
    work = tempDir('faults-source');
    refused = mountRefused(join(work, 'probe'));
  });
  after(() => {
    if (work) removeDir(work);
  });

  test('USB pulled mid-ingest: exit 3, "was the drive removed?", nothing unread marked done; reconnected, the resume completes', async (t) => {
    if (refused) return t.skip(refused);
    const backing = join(work, 'stick-a');
    makeExport(backing, 7101, 30, 1500);
    const usb = join(work, 'media-a'); // the mount point is the export, as /media/usb would be
    bindMount(t, backing, usb);
    const caseDir = join(work, 'case-a');
    initCase(caseDir);

    const run = await startAndWait(caseDir, usb);
    if (run.ended()) return t.skip(`the ingest ended before the pull (machine too fast for this export): ${describeRun(await run.done)}`);
    unmount(usb); // pulled: files in flight stay readable, everything else is gone
    const r = await run.done;
    assertDriveGone(r, 'USB pulled');
    assert.match(r.stderr, /can no longer be read/, describeRun(r));
    assert.match(r.stderr, /\d+ files? not yet stored/, describeRun(r));
    const facts = assertCaseConsistent(caseDir, 'after the pull');
    assert.notEqual(facts.sources[0]!.status, 'finished');
    for (const f of facts.files) assert.equal(f.error, null, `${f.path}: no item carries the pull as its own problem: ${f.error}`);
    const v = runCli(['verify', caseDir]);
    assert.equal(v.code, 0, describeRun(v));
    assert.match(v.stdout, /Ingest not finished: source 1/, describeRun(v));

    // The same command before the drive is back: the empty mount point is not the export.
    const early = runCli(['ingest', caseDir, usb, '--exhibit', CLI_EXHIBIT]);
    assertDriveGone(early, 'resume with the drive still out');
    assert.notEqual(caseFacts(caseDir).sources[0]!.status, 'finished', 'an empty mount point must not finish the ingest');

    bindMount(t, backing, usb); // reconnected
    resumeComplete(t, caseDir, usb, backing, 'USB pulled');
  });

  test('USB pulled while a large ZIP on it is read with its members: exit 3, no member without its container; reconnected, the resume completes', async (t) => {
    if (refused) return t.skip(refused);
    const backing = join(work, 'stick-z');
    const bytes = new ByteStream(7103);
    const members = Array.from({ length: 240 }, (_, i) => ({ path: `DCIM/IMG_${String(i).padStart(3, '0')}.JPG`, data: bytes.next(i % 4 === 0 ? 1024 * 1024 : 300_000 + i) }));
    mkdirSync(backing, { recursive: true });
    // Its members are read from the stick while the ZIP's own hashes are computed (issue 11).
    writeFileSync(join(backing, 'phone.zip'), zipOf(members, 0));
    makeExport(join(backing, 'rest'), 7104, 10, 1000);
    const usb = join(work, 'media-z');
    bindMount(t, backing, usb);
    const caseDir = join(work, 'case-z');
    initCase(caseDir);

    // Pulled once some members' rows are in (so the ZIP's own row is: members wait for it).
    const run = startCli(['ingest', caseDir, usb, '--exhibit', CLI_EXHIBIT, '--workers', '1']);
    let ended = false;
    void run.done.then(() => (ended = true));
    const memberRows = (): number => {
      try {
        return query<{ n: number }>(caseDir, 'SELECT COUNT(*) AS n FROM items WHERE depth > 0')[0]!.n;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    while (!ended && Date.now() < deadline && memberRows() < 5) await sleep(5);
    if (ended) return t.skip(`the ingest ended before the pull (machine too fast for this export): ${describeRun(await run.done)}`);
    unmount(usb);
    const r = await run.done;
    assertDriveGone(r, 'USB pulled during a ZIP');
    assertCaseConsistent(caseDir, 'after the pull during a ZIP');
    const rows = query<{ id: number; depth: number; parent_id: number | null }>(caseDir, 'SELECT id, depth, parent_id FROM items');
    const ids = new Set(rows.map((x) => x.id));
    assert.deepEqual(
      rows.filter((x) => x.depth > 0 && (x.parent_id === null || !ids.has(x.parent_id))),
      [],
      'every member row has its container row',
    );
    t.diagnostic(`pulled at ${rows.length} rows, ${rows.filter((x) => x.depth > 0).length} of them ZIP members`);

    bindMount(t, backing, usb);
    const re = runCli(['ingest', caseDir, usb, '--exhibit', CLI_EXHIBIT]);
    assert.equal(re.code, 0, `the resume completes\n${describeRun(re)}`);
    assert.match(re.stdout, /problems: +0/, describeRun(re));
    assertCaseConsistent(caseDir, 'after the resume of a ZIP');
    assertStoredOnce(caseDir, 'after the resume of a ZIP');
    const got = query<{ path: string; sha256: string | null; error: string | null }>(
      caseDir,
      "SELECT path, sha256, error FROM items WHERE kind = 'file' AND path LIKE 'phone.zip!/%' ORDER BY path",
    );
    assert.deepEqual(
      got,
      members.map((m) => ({ path: `phone.zip!/${m.path}`, sha256: sha256(m.data), error: null })),
      "every member once, with its file's SHA-256",
    );
    const { tool, hashes } = exportHashes(backing);
    const top = query<{ path: string; sha256: string }>(caseDir, "SELECT path, sha256 FROM items WHERE kind = 'file' AND depth = 0 ORDER BY path");
    assert.deepEqual(new Map(top.map((x) => [x.path, x.sha256])), hashes, `the export's files as ${tool} hashes them`);
    const v = runCli(['verify', caseDir]);
    assert.equal(v.code, 0, describeRun(v));
  });

  test('kill -9 mid-ingest, then the drive is pulled: the next run says so (exit 3); reconnected, the resume completes', async (t) => {
    if (refused) return t.skip(refused);
    const backing = join(work, 'stick-b');
    makeExport(backing, 7102, 20, 1000);
    // The export is a folder on the stick, so with the stick out its path does not exist at all.
    const usb = join(work, 'media-b');
    bindMount(t, backing, usb);
    const exportDir = join(usb, 'chats');
    const caseDir = join(work, 'case-b');
    initCase(caseDir);

    const run = await startAndWait(caseDir, exportDir);
    run.stop('SIGKILL');
    const k = await run.done;
    t.diagnostic(`first run: ${k.signal ?? `exit ${k.code}`}`);
    assertCaseConsistent(caseDir, 'after kill -9');
    unmount(usb);
    assert.ok(!existsSync(exportDir));

    const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
    assert.equal(r.code, NOT_FOUND, describeRun(r));
    assert.match(r.stderr, /drive is mounted|drive connected/, describeRun(r));
    assertCaseConsistent(caseDir, 'after the run without the drive');

    bindMount(t, backing, usb);
    if (k.signal !== 'SIGKILL') return; // the first run finished before the kill: nothing to resume
    resumeComplete(t, caseDir, exportDir, join(backing, 'chats'), 'kill -9 then pulled');
  });

  test('EIO reading one file (its blocks gone from the disk under the mount): that item records the error, the rest is catalogued', (t) => {
    if (refused) return t.skip(refused);
    const why = loopTools();
    if (why) return t.skip(why);
    const src = join(work, 'eio-src');
    makeExport(src, 7103, 3, 200);
    // Written last, so its blocks are the last ones mkfs allocates.
    writeFileSync(join(src, 'zz_video.mp4'), new ByteStream(7104).next(4 * 1024 * 1024));
    const img = join(work, 'eio.ext4');
    const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-b', '4096', '-d', src, img, '32M'], { encoding: 'utf8' });
    if (mk.status !== 0) return t.skip(`mkfs.ext4 -d failed: ${mk.stderr}`);
    const ext = /\(0-\d+\):(\d+)-(\d+)/.exec(spawnSync('debugfs', ['-R', 'stat /zz_video.mp4', img], { encoding: 'utf8' }).stdout);
    if (!ext) return t.skip('debugfs did not give the blocks of the test file');
    const first = Number(ext[1]);
    const last = Number(ext[2]);
    const mnt = join(work, 'eio-mnt');
    const skip = loopMount(t, img, mnt);
    if (skip) return t.skip(skip);
    // The disk "loses" the second half of the file: reading there fails with EIO.
    const expected = exportHashes(src).hashes;
    truncateSync(img, Math.floor((first + last) / 2) * 4096);
    const probe = spawnSync('dd', [`if=${join(mnt, 'zz_video.mp4')}`, 'of=/dev/null', 'bs=1M'], { encoding: 'utf8' });
    if (!/Input\/output error/.test(probe.stderr)) return t.skip(`this kernel's loop device gives no EIO past the end: ${probe.stderr.trim()}`);

    const caseDir = join(work, 'case-eio');
    initCase(caseDir);
    const r = runCli(['ingest', caseDir, mnt, '--exhibit', CLI_EXHIBIT]);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /Ingest finished/, describeRun(r));
    assert.match(r.stdout, /problems: +1\b/, describeRun(r));
    const facts = assertCaseConsistent(caseDir, 'EIO on the source');
    const bad = facts.files.find((f) => f.path === 'zz_video.mp4');
    assert.ok(bad, 'the unreadable file is catalogued');
    assert.match(bad.error ?? '', /could not read: EIO/, 'with its problem');
    assert.equal(bad.sha256, null, 'and no hashes (none could be computed)');
    const good = facts.files.filter((f) => f.path !== 'zz_video.mp4' && f.path !== 'lost+found');
    assert.equal(good.length, expected.size - 1, 'every other file is catalogued');
    for (const f of good) {
      assert.equal(f.error, null, f.path);
      assert.equal(f.sha256, expected.get(f.path), `${f.path} hash`);
    }
    assert.equal(runCli(['verify', caseDir]).code, 0);
  });

  test('the drive fails as a whole with its mount left behind (every read EIO): stops with exit 3 instead of recording each file unreadable; resume completes', (t) => {
    if (refused) return t.skip(refused);
    const why = loopTools();
    if (why) return t.skip(why);
    const src = join(work, 'dead-src');
    makeExport(src, 7106, 10, 600);
    const img = join(work, 'dead.ext4');
    const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-b', '4096', '-d', src, img, '48M'], { encoding: 'utf8' });
    if (mk.status !== 0) return t.skip(`mkfs.ext4 -d failed: ${mk.stderr}`);
    const good = join(work, 'dead.ext4.good');
    cpSync(img, good);
    const mnt = join(work, 'dead-mnt');
    const skip = loopMount(t, img, mnt);
    if (skip) return t.skip(skip);
    // Every folder and inode read once (cached, as a walk would leave them), then the disk's
    // data is gone: the folders still list, every file read fails with EIO.
    spawnSync('ls', ['-lR', mnt], { encoding: 'utf8', maxBuffer: 64 << 20 });
    truncateSync(img, 4096);
    const probe = spawnSync('dd', [`if=${join(mnt, 'DCIM', 'VID_001.mp4')}`, 'of=/dev/null', 'bs=1M'], { encoding: 'utf8' });
    if (!/Input\/output error/.test(probe.stderr)) return t.skip(`this kernel's loop device gives no EIO past the end: ${probe.stderr.trim()}`);

    const caseDir = join(work, 'case-dead');
    initCase(caseDir);
    const r = runCli(['ingest', caseDir, mnt, '--exhibit', CLI_EXHIBIT]);
    assertDriveGone(r, 'dead drive');
    assert.match(r.stderr, /files in a row failed with EIO/, describeRun(r));
    t.diagnostic(r.stderr.trim().split('\n').at(-1)!);
    assert.doesNotMatch(r.stdout, /Ingest finished/, describeRun(r));
    const facts = assertCaseConsistent(caseDir, 'dead drive');
    for (const f of facts.files) assert.doesNotMatch(f.error ?? '', /EIO/, `${f.path}: the dead drive is not recorded as the file's own problem`);
    assert.notEqual(facts.sources[0]!.status, 'finished');

    // The drive is back (the image whole again, mounted at the same place): the resume completes.
    unmount(mnt);
    cpSync(good, img);
    const again = loopMount(t, img, mnt);
    if (again) return t.skip(again);
    resumeComplete(t, caseDir, mnt, src, 'dead drive');
  });

  test('a file that ends before the size it had when opened is recorded so, with the hashes of what was read', (t) => {
    if (refused) return t.skip(refused);
    // A sysfs attribute reports 4096 bytes and holds a few: a file that is "cut short" on every read.
    const short = ['/sys/class/net/lo/mtu', '/sys/kernel/uevent_seqnum'].find((p) => existsSync(p) && statSync(p).size > readFileSync(p).byteLength);
    if (!short) return t.skip('no sysfs attribute that reports more bytes than it holds');
    const exportDir = join(work, 'export-short');
    makeExport(exportDir, 7105, 0, 20);
    const target = join(exportDir, 'cut_short.txt');
    closeSync(openSync(target, 'w'));
    bindMount(t, short, target);
    if (!isMountPoint(target) && statSync(target).size === 0) return t.skip('bind-mounting a file refused');
    const content = readFileSync(short);
    const caseDir = join(work, 'case-short');
    initCase(caseDir);
    const r = runCli(['ingest', caseDir, exportDir, '--exhibit', CLI_EXHIBIT]);
    assert.equal(r.code, 0, describeRun(r));
    const item = caseFacts(caseDir).files.find((f) => f.path === 'cut_short.txt');
    assert.ok(item);
    assert.match(item.error ?? '', new RegExp(`ended early while it was read: 4096 bytes when opened, ${content.byteLength} read`));
    assert.equal(item.size, content.byteLength);
    assert.ok(item.sha256, 'hashed as read');
  });
});
