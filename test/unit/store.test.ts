// The evidence store and the case folder, on real files and real SQLite: objects are kept once
// under their SHA-256, placed atomically and read-only, a read-only case cannot write, leftovers
// of a crash are cleaned without touching another ingest's work, and case folders are created
// and opened only where that is safe.
import Database from 'better-sqlite3';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Case } from '../../src/core/case.ts';
import { EvidenceError } from '../../src/core/errors.ts';
import { commitTempFile, newTempPath } from '../../src/core/store/files.ts';
import { caseLayout, objectFilePath, SMALL_OBJECT_MAX } from '../../src/core/store/layout.ts';
import { networkFileSystemOf } from '../../src/core/store/network.ts';
import { ObjectStore } from '../../src/core/store/objects.ts';
import { ByteStream, describeRun, listFiles, removeDir, runCli, sha256, tempDir } from './robust-helpers.ts';

const dirs: string[] = [];
function fresh(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) removeDir(d);
});

/** A store in an empty folder, as a case has it. */
function newStore(): { store: ObjectStore; root: string } {
  const root = fresh('store');
  const layout = caseLayout(root);
  mkdirSync(layout.store, { recursive: true });
  return { store: new ObjectStore(layout), root };
}

/** Writes bytes to a new temp file in store/tmp the way an ingest worker does (write, fsync, close). */
function writeTemp(tmpDir: string, data: Uint8Array): string {
  const p = newTempPath(tmpDir);
  const fd = openSync(p, 'wx', 0o600);
  writeSync(fd, data);
  fsyncSync(fd);
  closeSync(fd);
  return p;
}

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EvidenceError, `expected an EvidenceError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected an error');
}

describe('ObjectStore: small objects as blobs', () => {
  test('the same content stored twice is one object; its bytes read back exactly', () => {
    const { store, root } = newStore();
    const bytes = new ByteStream(1);
    const a = bytes.next(5000);
    const b = bytes.next(SMALL_OBJECT_MAX);
    const ha = sha256(a);
    const hb = sha256(b);
    assert.equal(store.putBlobs([{ sha256: ha, data: a }, { sha256: ha, data: Buffer.from(a) }, { sha256: hb, data: b }]), 2);
    assert.equal(store.putBlobs([{ sha256: ha, data: a }]), 0, 'already there: not written again');
    assert.equal(store.putBlobs([]), 0);
    assert.deepEqual(store.readBlob(ha), a);
    assert.deepEqual(store.readBlob(hb), b);
    assert.equal(store.locate(ha), 'blob');
    assert.equal(store.locate('0'.repeat(64)), null);
    assert.equal(store.readBlob('0'.repeat(64)), null);
    store.close();
    const db = new Database(join(root, 'store', 'objects.db'), { readonly: true });
    const rows = db.prepare('SELECT sha256, size, data FROM objects ORDER BY size').all() as { sha256: string; size: number; data: Buffer }[];
    db.close();
    assert.deepEqual(
      rows.map((r) => [r.sha256, r.size, sha256(r.data)]),
      [
        [ha, 5000, ha],
        [hb, SMALL_OBJECT_MAX, hb],
      ],
    );
  });

  test('a read-only store reads but refuses to write, and creates nothing', () => {
    const { store, root } = newStore();
    const data = Buffer.from('evidence bytes');
    store.putBlobs([{ sha256: sha256(data), data }]);
    store.close();
    removeDir(join(root, 'store', 'tmp'));
    const ro = new ObjectStore(caseLayout(root), { readonly: true });
    try {
      assert.deepEqual(ro.readBlob(sha256(data)), data);
      const other = Buffer.from('planted');
      assert.throws(() => ro.putBlobs([{ sha256: sha256(other), data: other }]), /readonly|read-only/i);
      assert.equal(ro.locate(sha256(other)), null);
      assert.equal(existsSync(join(root, 'store', 'tmp')), false, 'read-only open must not create store/tmp');
    } finally {
      ro.close();
    }
  });

  test('a read-only store on a folder without objects.db is an error, not a new empty store', () => {
    const root = fresh('store-ro');
    mkdirSync(join(root, 'store'));
    assert.throws(() => new ObjectStore(caseLayout(root), { readonly: true }));
    assert.deepEqual(readdirSync(join(root, 'store')), []);
  });
});

describe('commitTempFile: large objects as files', () => {
  test('placed at store/ab/cd/<sha256>, read-only, content intact, no .part left', () => {
    const { store, root } = newStore();
    const layout = caseLayout(root);
    const data = new ByteStream(2).next(SMALL_OBJECT_MAX + 4096);
    const h = sha256(data);
    const tmp = writeTemp(layout.tmp, data);
    assert.match(tmp, /\.part$/);
    assert.equal(commitTempFile(layout.store, tmp, h), true);
    const target = objectFilePath(layout.store, h);
    assert.equal(target, join(layout.store, h.slice(0, 2), h.slice(2, 4), h));
    assert.equal(statSync(target).mode & 0o777, 0o400);
    assert.equal(sha256(readFileSync(target)), h);
    assert.equal(existsSync(tmp), false);
    assert.deepEqual(readdirSync(layout.tmp), []);
    assert.deepEqual(listFiles(layout.store).filter((f) => f.endsWith('.part')), []);
    assert.equal(store.locate(h), 'file');
    assert.equal(store.filePath(h), target);
    store.close();
  });

  test('the same content committed twice keeps the first copy untouched and removes the second temp file', () => {
    const { store, root } = newStore();
    const layout = caseLayout(root);
    const data = new ByteStream(3).next(300 * 1024);
    const h = sha256(data);
    assert.equal(commitTempFile(layout.store, writeTemp(layout.tmp, data), h), true);
    const target = objectFilePath(layout.store, h);
    const before = statSync(target, { bigint: true });
    const second = writeTemp(layout.tmp, data);
    assert.equal(commitTempFile(layout.store, second, h), false, 'deduplicated');
    const afterSt = statSync(target, { bigint: true });
    assert.equal(afterSt.ino, before.ino, 'the stored file is the first one, not replaced');
    assert.equal(afterSt.mtimeNs, before.mtimeNs);
    assert.equal(existsSync(second), false);
    assert.deepEqual(readdirSync(layout.tmp), []);
    assert.deepEqual(
      listFiles(layout.store).filter((f) => !f.startsWith('objects.db')),
      [`${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`],
      'one object file',
    );
    store.close();
  });

  test('objects sharing a two-level prefix folder both land in it', () => {
    const { store, root } = newStore();
    const layout = caseLayout(root);
    // Different names under the same folder exercise placing into an existing ab/cd/.
    const h = sha256(Buffer.from('x'));
    const fake = `${h.slice(0, 4)}${'0'.repeat(60)}`;
    assert.equal(commitTempFile(layout.store, writeTemp(layout.tmp, Buffer.from('x')), h), true);
    assert.equal(commitTempFile(layout.store, writeTemp(layout.tmp, Buffer.from('y')), fake), true);
    assert.deepEqual(readdirSync(join(layout.store, h.slice(0, 2), h.slice(2, 4))).sort(), [h, fake].sort());
    store.close();
  });
});

describe('cleanTemp: leftovers of a crash', () => {
  test("removes partial files of dead processes and abandoned ones, keeps a live ingest's file", () => {
    const { store, root } = newStore();
    const tmp = caseLayout(root).tmp;
    const dead = deadPid();
    writeFileSync(join(tmp, `${dead}-0123456789abcdef.part`), 'half written');
    writeFileSync(join(tmp, `${dead}-fedcba9876543210.part`), '');
    writeFileSync(join(tmp, 'junk-without-pid'), 'x');
    const live = join(tmp, `${process.pid}-aaaaaaaaaaaaaaaa.part`);
    writeFileSync(live, 'being written right now');
    const abandoned = join(tmp, `${process.pid}-bbbbbbbbbbbbbbbb.part`);
    writeFileSync(abandoned, 'nobody wrote here for two hours');
    const old = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(abandoned, old, old);
    assert.equal(store.cleanTemp(), 4);
    assert.deepEqual(readdirSync(tmp), [`${process.pid}-aaaaaaaaaaaaaaaa.part`]);
    assert.equal(store.cleanTemp(), 0);
    store.close();
  });

  test('a second ingest starting in the same case does not destroy a large file another ingest is writing', () => {
    const { store, root } = newStore();
    const layout = caseLayout(root);
    const data = new ByteStream(4).next(SMALL_OBJECT_MAX + 1);
    const h = sha256(data);
    // Ingest 1 (this process) has written its temp file and is about to rename it...
    const tmp = writeTemp(layout.tmp, data);
    // ...when ingest 2 of another export opens the same case and cleans store/tmp.
    const other = new ObjectStore(layout);
    other.cleanTemp();
    other.close();
    assert.equal(commitTempFile(layout.store, tmp, h), true, 'ingest 1 still commits its object');
    assert.equal(sha256(readFileSync(objectFilePath(layout.store, h))), h);
    store.close();
  });

  test('a missing store/tmp is not an error', () => {
    const { store, root } = newStore();
    removeDir(caseLayout(root).tmp);
    assert.equal(store.cleanTemp(), 0);
    store.close();
  });
});

describe('network file systems', () => {
  test('the temp folder and a case folder in it are local', () => {
    assert.equal(networkFileSystemOf(tmpdir()), null);
    assert.equal(networkFileSystemOf('/tmp'), null);
    const root = fresh('netfs');
    const c = Case.create(join(root, 'case'), { name: 'N', number: 'X-1', officer: 'O' });
    assert.equal(networkFileSystemOf(c.layout.root), null);
    c.close();
  });
});

describe('Case.create and Case.open', () => {
  test('create makes case.db, store/objects.db, store/tmp and a private keys/ folder', () => {
    const dir = join(fresh('case'), 'new-case');
    const c = Case.create(dir, { name: 'Operation Lotus', number: 'KH-2026-0001', officer: 'Sok Dara' });
    try {
      assert.equal(c.info().number, 'KH-2026-0001');
      assert.equal(c.custody.head().seq, 1);
      assert.ok(existsSync(join(dir, 'case.db')));
      assert.ok(existsSync(join(dir, 'store', 'objects.db')));
      assert.ok(statSync(join(dir, 'store', 'tmp')).isDirectory());
      assert.equal(statSync(join(dir, 'keys')).mode & 0o077, 0, 'keys/ is private to the owner');
    } finally {
      c.close();
    }
  });

  test('create refuses a folder that already holds a case, and leaves that case untouched', () => {
    const dir = join(fresh('case'), 'c');
    Case.create(dir, { name: 'First', number: 'A-1', officer: 'O' }).close();
    const dbBefore = readFileSync(join(dir, 'case.db'));
    const e = codeOf(() => Case.create(dir, { name: 'Second', number: 'B-2', officer: 'O' }));
    assert.equal(e.code, 'CASE_EXISTS');
    assert.match(e.message, /already holds a case/);
    assert.match(e.message, /Open it instead/);
    assert.deepEqual(readFileSync(join(dir, 'case.db')), dbBefore);
    const c = Case.open(dir);
    assert.equal(c.info().name, 'First');
    c.close();
  });

  test('create refuses a non-empty folder and writes nothing into it', () => {
    const dir = fresh('case');
    writeFileSync(join(dir, 'holiday.jpg'), 'not evidence');
    const e = codeOf(() => Case.create(dir, { name: 'N', number: 'X', officer: 'O' }));
    assert.equal(e.code, 'CASE_EXISTS');
    assert.match(e.message, /is not empty/);
    assert.deepEqual(readdirSync(dir), ['holiday.jpg']);
  });

  test('create refuses a path that is a file, with a message rather than a crash', () => {
    const file = join(fresh('case'), 'export.zip');
    writeFileSync(file, 'PK');
    const e = codeOf(() => Case.create(file, { name: 'N', number: 'X', officer: 'O' }));
    assert.equal(e.code, 'CASE_EXISTS');
    assert.match(e.message, /is a file, not a folder/);
    const r = runCli(['case', 'init', file, '--name', 'N', '--number', 'X', '--officer', 'O']);
    assert.equal(r.code, 4, describeRun(r));
  });

  test('open on a folder that is not a case: NOT_A_CASE, saying how to create one', () => {
    const dir = fresh('notacase');
    writeFileSync(join(dir, 'readme.txt'), 'hello');
    const e = codeOf(() => Case.open(dir));
    assert.equal(e.code, 'NOT_A_CASE');
    assert.match(e.message, /is not a case folder \(no case\.db\)/);
    assert.match(e.message, /evidence case init/);
    assert.deepEqual(readdirSync(dir), ['readme.txt'], 'opening wrote nothing');
    assert.equal(codeOf(() => Case.open(join(dir, 'does-not-exist'))).code, 'NOT_A_CASE');
    assert.equal(codeOf(() => Case.open(dir, { readonly: true })).code, 'NOT_A_CASE');
    const r = runCli(['ls', dir]);
    assert.equal(r.code, 3, describeRun(r));
    assert.match(r.stderr, /is not a case folder/);
  });

  test('a case opened read-only can be read but not written', () => {
    const dir = join(fresh('case'), 'ro');
    Case.create(dir, { name: 'N', number: 'X', officer: 'O' }).close();
    const c = Case.open(dir, { readonly: true });
    try {
      assert.equal(c.info().name, 'N');
      assert.throws(() => c.custody.append({ officer: 'O', action: 'note.added' }), /readonly|read-only/i);
      const data = Buffer.from('x');
      assert.throws(() => c.store.putBlobs([{ sha256: sha256(data), data }]), /readonly|read-only/i);
    } finally {
      c.close();
    }
    const c2 = Case.open(dir);
    assert.equal(c2.custody.head().seq, 1, 'nothing was appended');
    c2.close();
  });
});
