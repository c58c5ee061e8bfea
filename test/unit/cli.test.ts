// The `evidence` command as an officer uses it: case init, ingest, ls, show, log, verify, in
// text and JSON, and the documented exit codes with messages that say what to do next.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { buildDeviceTree, TOKYO } from '../fixtures/tree.ts';
import { decimalDegrees } from '../fixtures/images.ts';
import { digestsOf, runCli, runCliChild, tempDir, recordExhibitAt, EXH } from './helpers.ts';

interface ListJson {
  total: number;
  items: { id: number; path: string; mime: string | null; sha256: string | null; ext_mismatch: number; lat: number | null }[];
}

test('the README flow: init, ingest, ls, show, log, verify', { timeout: 60_000 }, async (t) => {
  const work = tempDir(t);
  const tree = buildDeviceTree(join(work, 'phone'));
  const casePath = join(work, 'case');

  const init = await runCli(['case', 'init', casePath, '--name', 'Operation Sakura', '--number', 'KH-2026-0142', '--officer', 'DS Tanaka']);
  assert.equal(init.code, 0, init.err);
  assert.match(init.out, /Created case KH-2026-0142 "Operation Sakura"/);

  // As the README: the seized phone recorded as an exhibit first, then its export ingested into it.
  const ex = await runCli(['exhibit', 'add', casePath, '--number', 'EXH-001', '--seal', 'S-0091', '--make', 'Apple', '--model', 'iPhone 13']);
  assert.equal(ex.code, 0, ex.err);
  const ing = await runCli(['ingest', casePath, tree.root, '--exhibit', 'EXH-001']);
  assert.equal(ing.code, 0, ing.err);
  assert.match(ing.out, /Ingest finished: .*phone -> exhibit EXH-001/);
  assert.match(ing.out, new RegExp(`files: +${tree.files.length} `));
  assert.match(ing.out, /duplicates: +2 /);
  assert.match(ing.out, /problems: +0/);

  const photo = tree.files.find((f) => f.path === 'DCIM/100APPLE/IMG_0001.JPG')!;
  const photoSha = digestsOf(photo.content).sha256;

  await t.test('ls --type image/jpeg: table and --json', async () => {
    const json = await runCli(['ls', casePath, '--type', 'image/jpeg', '--json']);
    assert.equal(json.code, 0, json.err);
    const r = JSON.parse(json.out) as ListJson;
    assert.deepEqual(r.items.map((i) => i.path).sort(), ['Backup/copy/IMG_0001.JPG', 'DCIM/100APPLE/IMG_0001.JPG', 'DCIM/100APPLE/IMG_0002.JPG']);
    assert.equal(r.total, 3);
    assert.ok(r.items.every((i) => i.mime === 'image/jpeg'), 'the PNG renamed .JPG is not a JPEG');

    const text = await runCli(['ls', casePath, '--type', 'image/jpeg']);
    assert.equal(text.code, 0);
    const lines = text.out.split('\n');
    assert.match(lines[0]!, /^ID +SIZE +TYPE +SHA-256 +PATH$/);
    for (const it of r.items) {
      const row = lines.find((l) => l.startsWith(`${it.id} `));
      assert.ok(row, `row for item ${it.id}`);
      assert.ok(row.includes(it.sha256!.slice(0, 16)) && row.endsWith(it.path), row);
    }
    assert.equal(lines.at(-1), '3 of 3 items');

    const mism = JSON.parse((await runCli(['ls', casePath, '--mismatch', '--json'])).out) as ListJson;
    assert.deepEqual(mism.items.map((i) => i.path).sort(), ['DCIM/100APPLE/IMG_0003.JPG', 'Download/notes.txt']);
    const mismText = (await runCli(['ls', casePath, '--mismatch'])).out;
    assert.match(mismText, /image\/png \(ext mismatch\).*IMG_0003\.JPG/);
  });

  await t.test('show: text and --json', async () => {
    const list = JSON.parse((await runCli(['ls', casePath, '--path', 'DCIM/100APPLE/IMG_0001', '--json'])).out) as ListJson;
    assert.equal(list.items.length, 1);
    const id = String(list.items[0]!.id);

    const j = await runCli(['show', casePath, id, '--json']);
    assert.equal(j.code, 0, j.err);
    const it = JSON.parse(j.out) as Record<string, unknown> & { metadata: Record<string, unknown>; custody: { action: string }[] };
    assert.equal(it.path, 'DCIM/100APPLE/IMG_0001.JPG');
    assert.equal(it.exhibit, 'EXH-001');
    assert.deepEqual({ md5: it.md5, sha1: it.sha1, sha256: it.sha256 }, digestsOf(photo.content));
    assert.equal(it.size, photo.content.length);
    assert.equal(it.metadata.taken_at, '2026-03-14T09:26:53+09:00');
    assert.ok(Math.abs((it.metadata.lat as number) - decimalDegrees(TOKYO.lat)) < 1e-6);
    // The item's history: its ingest, and this very look at it (viewing evidence is recorded).
    assert.deepEqual(it.custody.map((e) => e.action), ['ingest.started', 'ingest.finished', 'item.viewed']);

    const s = await runCli(['show', casePath, id]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, new RegExp(`^Item ${id}: DCIM/100APPLE/IMG_0001\\.JPG`));
    assert.match(s.out, new RegExp(`SHA-256: +${photoSha}`));
    assert.match(s.out, new RegExp(`MD5: +${digestsOf(photo.content).md5}`));
    assert.match(s.out, /type: +image\/jpeg \(\.jpg\)/);
    assert.match(s.out, /GPS: +35\.6580898, 139\.7004355, 38\.5 m/);
    assert.match(s.out, /camera: +Apple iPhone 12/);
    assert.match(s.out, /exhibit: +EXH-001/);

    const renamedId = String((JSON.parse((await runCli(['ls', casePath, '--path', 'IMG_0003', '--json'])).out) as ListJson).items[0]!.id);
    assert.match((await runCli(['show', casePath, renamedId])).out, /type: +image\/png \(\.png\) +EXTENSION MISMATCH: named \.jpg/);

    const legacyId = String((JSON.parse((await runCli(['ls', casePath, '--path', 'legacy/\\x98', '--json'])).out) as ListJson).items[0]!.id);
    assert.match((await runCli(['show', casePath, legacyId])).out, /raw name: +6C65676163792F9841978D90E62E747874 \(bytes of a name that is not UTF-8\)/);
  });

  await t.test('log: the custody events, in order, hash-chained', async () => {
    const text = await runCli(['log', casePath]);
    assert.equal(text.code, 0);
    const actions = text.out.split('\n').slice(1).map((l) => l.split(/ {2,}/)[4]);
    // Sessions (sign-in, signed checkpoint, sign-out) and views wrap the work itself.
    // (Analysis the ingest triggers, such as detectors, may add its own events in between.)
    const work = actions.filter((a) => /^(case|officer\.added|exhibit|ingest)\b/.test(a ?? ''));
    assert.deepEqual(work, ['case.created', 'officer.added', 'exhibit.recorded', 'ingest.started', 'ingest.finished']);
    // Each CLI session: signed in first, then a signed checkpoint right before signing out.
    assert.equal(actions[2], 'officer.signed-in');
    actions.forEach((a, i) => {
      if (a === 'officer.signed-out') assert.equal(actions[i - 1], 'custody.checkpoint', `event ${i + 1}`);
    });
    assert.equal(actions.filter((a) => a === 'item.viewed').length, 4, 'each show is recorded');
    const events = JSON.parse((await runCli(['log', casePath, '--json'])).out) as { seq: number; officer: string; prev_hash: string; hash: string; action: string }[];
    assert.deepEqual(events.map((e) => e.seq), actions.map((_, i) => i + 1));
    assert.equal(events[0]!.prev_hash, '0'.repeat(64));
    for (let i = 1; i < events.length; i++) assert.equal(events[i]!.prev_hash, events[i - 1]!.hash);
    assert.ok(events.every((e) => e.officer === 'DS Tanaka'), 'work is recorded under the creating officer by default');
    const only = JSON.parse((await runCli(['log', casePath, '--action', 'ingest.finished', '--json'])).out) as { action: string }[];
    assert.deepEqual(only.map((e) => e.action), ['ingest.finished']);
  });

  await t.test('verify: passes (exit 0), then fails (exit 1) naming the item when a stored object is altered', async () => {
    const ok = await runCli(['verify', casePath, '--json']);
    assert.equal(ok.code, 0, ok.err);
    const r = JSON.parse(ok.out) as { ok: boolean; objects: { total: number; matched: number }; chain: { ok: boolean } };
    assert.equal(r.ok, true);
    assert.equal(r.objects.matched, r.objects.total);
    assert.equal(r.chain.ok, true);
    const text = await runCli(['verify', casePath]);
    assert.match(text.out, /Verification PASSED/);

    // Someone edits the stored copy of the photo behind the app's back.
    const store = new Database(join(casePath, 'store/objects.db'));
    try {
      const changed = store.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(Buffer.from('tampered'), photoSha).changes;
      assert.equal(changed, 1);
    } finally {
      store.close();
    }
    const bad = await runCliChild(['verify', casePath]);
    assert.equal(bad.code, 1, bad.err);
    assert.match(bad.out, /CHANGED +item \d+ +Backup\/copy\/IMG_0001\.JPG/);
    assert.match(bad.out, /CHANGED +item \d+ +DCIM\/100APPLE\/IMG_0001\.JPG/);
    assert.match(bad.out, /Verification FAILED/);
  });
});

interface ExitCase {
  what: string;
  args: string[];
  code: number;
  /** What stderr must say: what went wrong and what to do. */
  err: RegExp;
}

test('exit codes and messages (child process)', { timeout: 60_000 }, async (t) => {
  const work = tempDir(t);
  const casePath = join(work, 'case');
  const exportDir = join(work, 'export');
  mkdirSync(exportDir);
  writeFileSync(join(exportDir, 'a.txt'), 'a');
  const init = await runCliChild(['case', 'init', casePath, '--name', 'N', '--number', 'X-1', '--officer', 'PC Ito']);
  assert.equal(init.code, 0, init.err);
  recordExhibitAt(casePath);
  const ing = await runCliChild(['ingest', casePath, exportDir, '--exhibit', EXH]);
  assert.equal(ing.code, 0, ing.err);
  assert.match(ing.out, /Ingest finished/);

  const cases: ExitCase[] = [
    { what: '--help', args: ['--help'], code: 0, err: /^$/ },
    { what: '--version', args: ['--version'], code: 0, err: /^$/ },
    { what: 'missing --name', args: ['case', 'init', join(work, 'other'), '--number', 'X', '--officer', 'O'], code: 2, err: /required option '--name <name>' not specified[\s\S]*--help/ },
    { what: 'unknown option', args: ['ls', casePath, '--colour'], code: 2, err: /unknown option '--colour'/ },
    { what: 'show case abc', args: ['show', casePath, 'abc'], code: 2, err: /"abc" is not an item id: give the number shown by evidence ls/ },
    { what: 'bad --kind', args: ['ls', casePath, '--kind', 'banana'], code: 2, err: /Allowed choices are file, dir/ },
    { what: 'unknown command', args: ['frobnicate'], code: 2, err: /unknown command 'frobnicate'/ },
    { what: 'export holds the case', args: ['ingest', casePath, work, '--exhibit', EXH], code: 2, err: /overlap\. Keep the case folder outside the export/ },
    { what: 'ingest without --exhibit', args: ['ingest', casePath, exportDir], code: 2, err: /An ingest needs the exhibit the export comes from[\s\S]*evidence exhibit add/ },
    { what: 'ingest into an unknown exhibit', args: ['ingest', casePath, exportDir, '--exhibit', 'EXH-404'], code: 3, err: /There is no exhibit EXH-404 in this case\. It holds EXH-1\. Record the seized device first/ },
    { what: 'case not found', args: ['ls', join(work, 'no-such-case')], code: 3, err: /^evidence: .*no-such-case is not a case folder \(no case\.db\)\. Create one with: evidence case init/ },
    { what: 'export not found', args: ['ingest', casePath, join(work, 'no-such-export'), '--exhibit', EXH], code: 3, err: /Cannot read the export .*no-such-export.*Check the path and that the drive is mounted/ },
    { what: 'item not found', args: ['show', casePath, '99999'], code: 3, err: /There is no item 99999 in this case\. List items with: evidence ls/ },
    { what: 'init over an existing case', args: ['case', 'init', casePath, '--name', 'N', '--number', 'X-2', '--officer', 'PC Ito'], code: 4, err: /already holds a case \(case\.db exists\)\. Open it instead, or choose an empty folder/ },
    { what: 'init into a non-empty folder', args: ['case', 'init', exportDir, '--name', 'N', '--number', 'X-3', '--officer', 'PC Ito'], code: 4, err: /is not empty\. Choose a new or empty folder for the case/ },
  ];
  // Independent commands: run them side by side (each is a fresh Node process).
  const results = await Promise.all(cases.map((c) => runCliChild(c.args)));

  for (const [i, c] of cases.entries()) {
    await t.test(`exit ${c.code}: ${c.what}`, () => {
      const r = results[i]!;
      assert.equal(r.code, c.code, `evidence ${c.args.join(' ')}\nstdout: ${r.out}\nstderr: ${r.err}`);
      assert.match(r.err.trim(), c.err);
      if (c.code !== 0) assert.equal(r.out, '', 'errors go to stderr, nothing to stdout');
    });
  }

  await t.test('help and version say what they should', () => {
    assert.match(results[0]!.out, /Exit codes: 0 ok, 1 verification failed, 2 bad usage, 3 not found, 4 case refused/);
    assert.match(results[1]!.out, /^\d+\.\d+\.\d+\s*$/);
  });

  await t.test('a refused case init writes nothing into the folder', () => {
    assert.equal(existsSync(join(exportDir, 'case.db')), false);
    assert.equal(existsSync(join(exportDir, 'store')), false);
    assert.deepEqual(readdirSync(exportDir), ['a.txt']);
  });
});
