// Tampering with the evidence store after ingest, and what `evidence verify` says about it.
// An examiner needs: a clean case passes with every object matched; a changed or deleted copy
// fails with exit 1 and names exactly the affected item(s), nothing else; the JSON report says
// the same; the run is recorded in the custody log.
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ByteStream, describeRun, initCase, removeDir, runCli, sha256, tempDir } from './robust-helpers.ts';

const SMALL_OBJECT_MAX = 256 * 1024;
const OFFICER = 'Chan Vanna';

interface Item {
  id: number;
  path: string;
  size: number;
  sha256: string;
}

interface Named {
  status: 'CHANGED' | 'MISSING';
  id: number;
  path: string;
  sha256: string;
}

/** The affected items from verify's text report. */
function namedItems(stdout: string): Named[] {
  const out: Named[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(CHANGED|MISSING) {2}item (\d+) {2}(.*?) {2}sha256 ([0-9a-f]{64}): /.exec(line);
    if (m) out.push({ status: m[1] as Named['status'], id: Number(m[2]), path: m[3]!, sha256: m[4]! });
  }
  return out;
}

interface JsonReport {
  ok: boolean;
  objects: { total: number; matched: number; changed: number; missing: number };
  problems: { status: 'changed' | 'missing'; sha256: string; detail: string; items: { id: number; path: string }[] }[];
  chain: { ok: boolean };
}

describe('verify against a tampered store (real CLI, real files, real SQLite)', { concurrency: false }, () => {
  let work: string;
  let kase: string;
  let items: Item[];
  let objectCount: number;
  const byPath = (p: string): Item => {
    const it = items.find((i) => i.path === p);
    assert.ok(it, `no item ${p}`);
    return it;
  };
  const storeFile = (sha: string): string => join(kase, 'store', sha.slice(0, 2), sha.slice(2, 4), sha);

  before(() => {
    work = tempDir('tamper-store');
    const src = join(work, 'export');
    const bytes = new ByteStream(7);
    const put = (rel: string, data: Buffer): void => {
      mkdirSync(dirname(join(src, rel)), { recursive: true });
      writeFileSync(join(src, rel), data);
    };
    put('DCIM/video_large.mp4', bytes.next(700 * 1024));
    put('DCIM/video_other.mp4', bytes.next(400 * 1024));
    put('DCIM/boundary_blob.bin', bytes.next(SMALL_OBJECT_MAX)); // exactly the limit: a blob
    put('DCIM/boundary_file.bin', bytes.next(SMALL_OBJECT_MAX + 1)); // one byte more: a file
    for (let i = 0; i < 40; i++) put(`sms/thread_${i}.txt`, Buffer.from(`thread ${i}: ${bytes.next(200 + i * 37).toString('hex')}`));
    const shared = bytes.next(5000);
    put('WhatsApp/Media/sticker.webp', shared);
    put('Telegram/cache/sticker_copy.webp', shared);
    kase = join(work, 'case');
    initCase(kase, 'KH-2026-0007', OFFICER, ['EXH-007']);
    const r = runCli(['ingest', kase, src, '--exhibit', 'EXH-007']);
    assert.equal(r.code, 0, describeRun(r));
    const db = new Database(join(kase, 'case.db'), { readonly: true, fileMustExist: true });
    items = db.prepare("SELECT id, path, size, sha256 FROM items WHERE kind = 'file' ORDER BY id").all() as Item[];
    objectCount = (db.prepare('SELECT COUNT(DISTINCT sha256) AS n FROM items').get() as { n: number }).n;
    db.close();
  });

  after(() => {
    if (work) removeDir(work);
  });

  const verify = (json = false) => runCli(['verify', kase, ...(json ? ['--json'] : [])]);

  test('large objects are read-only files under store/ab/cd/<sha256>, small ones blobs in objects.db', () => {
    const odb = new Database(join(kase, 'store', 'objects.db'), { readonly: true, fileMustExist: true });
    try {
      const blob = odb.prepare('SELECT data FROM objects WHERE sha256 = ?');
      for (const it of items) {
        const asBlob = blob.get(it.sha256) as { data: Buffer } | undefined;
        if (it.size > SMALL_OBJECT_MAX) {
          assert.ok(existsSync(storeFile(it.sha256)), `${it.path}: no store file`);
          assert.equal(statSync(storeFile(it.sha256)).mode & 0o777, 0o400, `${it.path}: store file must be read-only, the owner's only`);
          assert.equal(sha256(readFileSync(storeFile(it.sha256))), it.sha256);
          assert.equal(asBlob, undefined, `${it.path}: a large object must not also be a blob`);
        } else {
          assert.ok(asBlob, `${it.path}: no blob`);
          assert.equal(sha256(asBlob.data), it.sha256);
          assert.equal(existsSync(storeFile(it.sha256)), false, `${it.path}: a small object must not also be a file`);
        }
      }
      assert.equal(byPath('DCIM/boundary_blob.bin').size, SMALL_OBJECT_MAX);
      assert.ok(existsSync(storeFile(byPath('DCIM/boundary_file.bin').sha256)));
      const shared = byPath('WhatsApp/Media/sticker.webp');
      assert.equal(shared.sha256, byPath('Telegram/cache/sticker_copy.webp').sha256);
      assert.equal((odb.prepare('SELECT COUNT(*) AS n FROM objects WHERE sha256 = ?').get(shared.sha256) as { n: number }).n, 1);
    } finally {
      odb.close();
    }
  });

  test('a clean case verifies: exit 0, every object matched', () => {
    const r = verify();
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^ {2}Files matched: ${objectCount}$`, 'm'));
    assert.match(r.stdout, /^ {2}Files changed: 0$/m);
    assert.match(r.stdout, /^ {2}Files missing: 0$/m);
    assert.match(r.stdout, new RegExp(`Stored objects: ${objectCount} \\(for ${items.length} hashed items`));
    assert.deepEqual(namedItems(r.stdout), []);
    assert.match(r.stdout, /Verification PASSED/);
  });

  test('one flipped byte in a large store file: exit 1, exactly that item CHANGED', () => {
    const it = byPath('DCIM/video_large.mp4');
    const file = storeFile(it.sha256);
    const original = readFileSync(file);
    chmodSync(file, 0o644);
    const tampered = Buffer.from(original);
    tampered[123_457] = tampered[123_457]! ^ 0x01;
    writeFileSync(file, tampered);
    chmodSync(file, 0o444);
    try {
      const r = verify();
      assert.equal(r.code, 1, describeRun(r));
      assert.deepEqual(namedItems(r.stdout), [{ status: 'CHANGED', id: it.id, path: it.path, sha256: it.sha256 }]);
      assert.match(r.stdout, new RegExp(`^ {2}Files matched: ${objectCount - 1}$`, 'm'));
      assert.match(r.stdout, /^ {2}Files changed: 1$/m);
      assert.match(r.stdout, /^ {2}Files missing: 0$/m);
      assert.match(r.stdout, /SHA-256 is now [0-9a-f]{64}/);
      assert.match(r.stdout, /Verification FAILED/);

      const j = verify(true);
      assert.equal(j.code, 1);
      const rep = JSON.parse(j.stdout) as JsonReport;
      assert.equal(rep.ok, false);
      assert.deepEqual(rep.objects, { total: objectCount, matched: objectCount - 1, changed: 1, missing: 0 });
      assert.equal(rep.problems.length, 1);
      assert.equal(rep.problems[0]!.status, 'changed');
      assert.equal(rep.problems[0]!.sha256, it.sha256);
      assert.deepEqual(rep.problems[0]!.items.map((i) => [i.id, i.path]), [[it.id, it.path]]);
      assert.ok(rep.chain.ok, 'the custody chain is not affected');
    } finally {
      chmodSync(file, 0o644);
      writeFileSync(file, original);
      chmodSync(file, 0o444);
    }
  });

  test('a deleted store file: exit 1, exactly that item MISSING', () => {
    const it = byPath('DCIM/video_other.mp4');
    const file = storeFile(it.sha256);
    const original = readFileSync(file);
    unlinkSync(file);
    try {
      const r = verify();
      assert.equal(r.code, 1, describeRun(r));
      assert.deepEqual(namedItems(r.stdout), [{ status: 'MISSING', id: it.id, path: it.path, sha256: it.sha256 }]);
      assert.match(r.stdout, /^ {2}Files missing: 1$/m);
      assert.match(r.stdout, /^ {2}Files changed: 0$/m);
      assert.match(r.stdout, /the stored copy is missing from the case store/);
    } finally {
      writeFileSync(file, original, { mode: 0o444 });
    }
  });

  test('one blob changed inside store/objects.db: exit 1, exactly that item CHANGED', () => {
    const it = byPath('sms/thread_17.txt');
    const odb = new Database(join(kase, 'store', 'objects.db'));
    const original = (odb.prepare('SELECT data FROM objects WHERE sha256 = ?').get(it.sha256) as { data: Buffer }).data;
    const changed = Buffer.from(original);
    changed[10] = changed[10]! ^ 0x20;
    assert.equal(odb.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(changed, it.sha256).changes, 1);
    odb.close();
    try {
      const r = verify();
      assert.equal(r.code, 1, describeRun(r));
      assert.deepEqual(namedItems(r.stdout), [{ status: 'CHANGED', id: it.id, path: it.path, sha256: it.sha256 }]);
      assert.match(r.stdout, /^ {2}Files changed: 1$/m);
      assert.match(r.stdout, /^ {2}Files missing: 0$/m);
    } finally {
      const w = new Database(join(kase, 'store', 'objects.db'));
      w.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(original, it.sha256);
      w.close();
    }
  });

  test('a deleted blob shared by two files: both items named MISSING, no others', () => {
    const a = byPath('WhatsApp/Media/sticker.webp');
    const b = byPath('Telegram/cache/sticker_copy.webp');
    const odb = new Database(join(kase, 'store', 'objects.db'));
    const row = odb.prepare('SELECT sha256, size, data FROM objects WHERE sha256 = ?').get(a.sha256) as {
      sha256: string;
      size: number;
      data: Buffer;
    };
    odb.prepare('DELETE FROM objects WHERE sha256 = ?').run(a.sha256);
    odb.close();
    try {
      const r = verify();
      assert.equal(r.code, 1, describeRun(r));
      assert.deepEqual(
        namedItems(r.stdout).map((n) => [n.status, n.path]).sort(),
        [
          ['MISSING', a.path],
          ['MISSING', b.path],
        ].sort(),
      );
      assert.match(r.stdout, /^ {2}Files missing: 1$/m, 'one object, two items');
    } finally {
      const w = new Database(join(kase, 'store', 'objects.db'));
      w.prepare('INSERT INTO objects (sha256, size, data) VALUES (?, ?, ?)').run(row.sha256, row.size, row.data);
      w.close();
    }
  });

  test('after every copy is restored the case verifies again, and each run is in the custody log', () => {
    const r = verify();
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^ {2}Files matched: ${objectCount}$`, 'm'));
    const db = new Database(join(kase, 'case.db'), { readonly: true, fileMustExist: true });
    const runs = db.prepare("SELECT officer, details FROM custody_events WHERE action = 'verify.run' ORDER BY seq").all() as {
      officer: string;
      details: string;
    }[];
    db.close();
    const oks = runs.map((e) => (JSON.parse(e.details) as { ok: boolean }).ok);
    // clean, flip (text + json), deleted file, changed blob, deleted shared blob, clean again
    assert.deepEqual(oks, [true, false, false, false, false, false, true]);
    assert.ok(runs.every((e) => e.officer === OFFICER), 'recorded under the officer who ran it');
  });
});
