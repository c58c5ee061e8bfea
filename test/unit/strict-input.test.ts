// Issue 9, defect 7 (part): ids parsed strictly ("0x10", "1e2", "1.0", "-1" are not item 16,
// 100 or 1); store paths made only from validated 64-hex digests (a catalogue row edited to say
// sha256 = "../../x" must not make a preview read outside the store); and the browser host's
// folder picker confined to its --root on real paths (a symbolic link inside the root must not
// lead out of it). Real CLI runs, a real host over HTTP, a real case.db edited as an attacker would.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { EvidenceError } from '../../src/core/errors.ts';
import { EvidenceService } from '../../src/core/service.ts';
import { startHost } from '../../src/host/server.ts';
import { strictId } from '../../src/shared/text.ts';
import { TEST_SCRYPT_N } from '../setup.ts';
import { tempDir as testTempDir, exhibitIn } from './helpers.ts';
import { TEST_PASSWORD, describeRun, initCase, removeDir, runCli, tempDir, CLI_EXHIBIT } from './robust-helpers.ts';

describe('ids are parsed strictly', { concurrency: false }, () => {
  let work: string;
  let kase: string;

  before(() => {
    work = tempDir('strict-ids');
    const exp = join(work, 'export');
    mkdirSync(exp);
    for (let i = 1; i <= 3; i++) writeFileSync(join(exp, `f${i}.txt`), `file ${i}\n`);
    kase = join(work, 'case');
    initCase(kase);
    const r = runCli(['ingest', kase, exp, '--exhibit', CLI_EXHIBIT]);
    assert.equal(r.code, 0, describeRun(r));
  });

  after(() => {
    if (work) removeDir(work);
  });

  test('strictId takes positive decimal integers only', () => {
    for (const ok of ['1', '42', '9007199254740991']) assert.equal(strictId(ok), Number(ok));
    for (const bad of ['0x10', '1e2', '1.0', '-1', '+1', '0', '01', ' 1', '1 ', '', '12abc', '0b1', 'Infinity', '9007199254740993', '１']) {
      assert.equal(strictId(bad), null, JSON.stringify(bad));
    }
  });

  test('the CLI refuses "0x10", "1e2", "1.0", "-1" as ids with exit 2 and says what to give', () => {
    const tries: string[][] = ['0x10', '1e2', '1.0', '01'].map((id) => ['show', kase, id]);
    tries.push(['note', kase, '1e2', 'text'], ['unnote', kase, '0x10', '--reason', 'r'], ['tag', kase, 'relevant', '1.0'], ['suggest', 'accept', kase, '1e2']);
    tries.push(['log', kase, '--item', '0x10'], ['suggest', 'ls', kase, '--item', '1e2'], ['suggest', 'run', kase, '--source', '1.0']);
    // "-1" after "--" reaches the command as an id (before it, commander takes it for an option: also exit 2).
    tries.push(['show', kase, '--', '-1'], ['show', kase, '-1'], ['tag', kase, 'relevant', '--', '-1'], ['tag', kase, 'relevant', '1e2-3']);
    tries.push(['ls', kase, '--limit', '10abc'], ['ls', kase, '--offset', '1e2'], ['search', kase, 'x', '--limit', '0x10']);
    for (const args of tries) {
      const r = runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${describeRun(r)}`);
      assert.doesNotMatch(r.stderr, /unexpected error/);
    }
    const msg = runCli(['show', kase, '0x10']);
    assert.match(msg.stderr, /"0x10" is not an item id: give the number shown by evidence ls/);
    // A proper id still works (and "1e2" did not silently become item 100, nor "0x10" item 16).
    const ok = runCli(['show', kase, '2']);
    assert.equal(ok.code, 0, describeRun(ok));
    assert.match(ok.stdout, /^Item 2: /);
    assert.equal(runCli(['ls', kase, '--limit', '2']).code, 0);
  });
});

describe('store paths only from validated digests; the host root on real paths', () => {
  test('a catalogue row edited to sha256 "../../x": previews, thumbnails and the host refuse; nothing outside the store is read', async (t) => {
    const root = testTempDir(t, 'evidence-sha-');
    // Deep enough that store/../../x-style paths stay inside this test's folder.
    const casePath = join(root, 'a', 'b', 'case');
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    t.after(() => service.close());
    service.createCase({ casePath, name: 'Op', number: 'N-1', officer: 'DS Tanaka', password: TEST_PASSWORD });
    const exp = join(root, 'export');
    mkdirSync(exp);
    writeFileSync(join(exp, 'big.jpg'), Buffer.alloc(300 * 1024, 1)); // a store file, not a blob
    writeFileSync(join(exp, 'small.txt'), 'small\n');
    const { session } = service.signIn({ casePath, officer: 'DS Tanaka', password: TEST_PASSWORD });
    await service.ingest({ session, sourcePath: exp, exhibit: exhibitIn(service, session) });
    // What store/<sha[0:2]>/<sha[2:4]>/<sha> resolves to for "../../x": a file the attacker wants read.
    const secret = join(root, 'a', 'x');
    writeFileSync(secret, 'SECRET OUTSIDE THE STORE');
    const db = new Database(join(casePath, 'case.db'));
    db.prepare("UPDATE items SET sha256 = '../../x', mime = 'image/jpeg' WHERE path IN ('big.jpg', 'small.txt')").run();
    const ids = (db.prepare("SELECT id FROM items WHERE sha256 = '../../x' ORDER BY id").all() as { id: number }[]).map((r) => r.id);
    db.close();
    assert.equal(ids.length, 2);

    for (const id of ids) {
      for (const call of [() => service.itemContent(session, id), () => service.itemContentSize(session, id)]) {
        assert.throws(call, (err: unknown) => err instanceof EvidenceError && err.code === 'CASE_DAMAGED' && /is not a SHA-256 digest.*Nothing was read/.test(err.message));
      }
      await assert.rejects(service.itemThumbnail(session, id), (err: unknown) => err instanceof EvidenceError && err.code === 'CASE_DAMAGED');
    }

    const host = await startHost({ service, rendererRoot: join(root, 'renderer'), dataDir: join(root, 'data'), browseRoot: root });
    t.after(() => host.close());
    for (const id of ids) {
      const res = await fetch(`${host.origin}/api/items/${id}/content?session=${session}`, { headers: { 'X-Evidence-Token': host.token } });
      const body = await res.text();
      assert.equal(res.status, 400);
      assert.doesNotMatch(body, /SECRET/);
      assert.match(body, /CASE_DAMAGED/);
    }
    // Bad ids in the URL: 400, not item 16 or 100.
    for (const bad of ['0x10', '1e2', '1.0', '-1', '01']) {
      const res = await fetch(`${host.origin}/api/items/${bad}/content?session=${session}`, { headers: { 'X-Evidence-Token': host.token } });
      assert.equal(res.status, 400, bad);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'USAGE');
    }
    service.signOut({ session });

    // The CLI: show flags the row, verify reports it (exit 1), neither reads the secret nor crashes.
    const show = runCli(['show', casePath, String(ids[0])]);
    assert.equal(show.code, 0, describeRun(show));
    assert.match(show.stdout, /SHA-256: +\.\.\/\.\.\/x {2}NOT A SHA-256 DIGEST/);
    const verify = runCli(['verify', casePath]);
    assert.equal(verify.code, 1, describeRun(verify));
    assert.match(verify.stdout, /not a SHA-256 digest/);
    assert.doesNotMatch(verify.stdout + verify.stderr, /SECRET|unexpected error/);
  });

  test('the folder picker cannot leave --root through a symbolic link; a root that is itself a link still works', async (t) => {
    const base = testTempDir(t, 'evidence-root-');
    const outside = join(base, 'outside');
    mkdirSync(join(outside, 'private'), { recursive: true });
    writeFileSync(join(outside, 'private', 'secret.txt'), 'x');
    const root = join(base, 'root');
    mkdirSync(join(root, 'exports', 'phone'), { recursive: true });
    symlinkSync(outside, join(root, 'exports', 'usb')); // root/exports/usb -> ../outside
    symlinkSync('/', join(root, 'slash'));
    const rootLink = join(base, 'root-link');
    symlinkSync(root, rootLink);

    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    t.after(() => service.close());
    const start = async (browseRoot: string) => {
      const host = await startHost({ service, rendererRoot: join(base, 'renderer'), dataDir: join(base, 'data'), browseRoot });
      t.after(() => host.close());
      return (p: string) =>
        fetch(`${host.origin}/api/ui/folders?path=${encodeURIComponent(p)}`, { headers: { 'X-Evidence-Token': host.token } }).then(
          (r) => r.json() as Promise<{ ok: boolean; value?: { path: string; entries: { name: string }[] }; error?: { code: string; message: string } }>,
        );
    };
    const list = await start(root);
    const inside = await list(join(root, 'exports'));
    assert.ok(inside.ok, JSON.stringify(inside));
    assert.ok(inside.value!.entries.some((e) => e.name === 'phone'));
    for (const p of [join(root, 'exports', 'usb'), join(root, 'exports', 'usb', 'private'), join(root, 'slash'), join(root, 'slash', 'etc'), outside, '/etc']) {
      const r = await list(p);
      assert.equal(r.ok, false, p);
      assert.equal(r.error?.code, 'FORBIDDEN', `${p}: ${JSON.stringify(r)}`);
      assert.doesNotMatch(JSON.stringify(r), /secret\.txt/);
    }
    // Outside and missing: FORBIDDEN too, saying nothing about what exists out there.
    assert.equal((await list(join(base, 'nowhere'))).error?.code, 'FORBIDDEN');
    assert.equal((await list(join(root, 'nowhere'))).error?.code, 'NOT_FOUND');

    const viaLink = await start(rootLink);
    const r = await viaLink(join(rootLink, 'exports'));
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.value!.entries.some((e) => e.name === 'phone'));
    assert.equal((await viaLink(join(rootLink, 'exports', 'usb'))).error?.code, 'FORBIDDEN');
  });
});
