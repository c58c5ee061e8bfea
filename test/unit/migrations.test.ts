// The migration runner records which versions are applied, so a migration numbered below one
// already applied (two helpers landing 5 and 6 in either order) is still applied to old cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../src/core/db/open.ts';
import { latestVersion, type Migration, migrations } from '../../src/core/db/migrations.ts';
import { EvidenceError } from '../../src/core/errors.ts';
import { tempDir } from './helpers.ts';

const m = (version: number): Migration => ({ version, name: `m${version}`, sql: `CREATE TABLE t${version} (x INTEGER);` });

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}
function applied(db: Database.Database): number[] {
  return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
}

test('a migration numbered below one already applied is still applied later', (t) => {
  const db = new Database(join(tempDir(t), 'a.db'));
  t.after(() => db.close());
  migrate(db, [m(1), m(2), m(4)]);
  assert.deepEqual(applied(db), [1, 2, 4]);
  assert.equal(db.pragma('user_version', { simple: true }), 4);
  migrate(db, [m(1), m(2), m(3), m(4)]);
  assert.deepEqual(applied(db), [1, 2, 3, 4]);
  assert.deepEqual(tables(db), ['t1', 't2', 't3', 't4']);
  assert.equal(db.pragma('user_version', { simple: true }), 4);
  // Running again changes nothing.
  migrate(db, [m(1), m(2), m(3), m(4)]);
  assert.deepEqual(applied(db), [1, 2, 3, 4]);
});

test('a case from before schema_migrations: user_version N means 1..N applied', (t) => {
  const db = new Database(join(tempDir(t), 'b.db'));
  t.after(() => db.close());
  db.exec('CREATE TABLE t1 (x INTEGER); CREATE TABLE t2 (x INTEGER);');
  db.pragma('user_version = 2');
  migrate(db, [m(1), m(2), m(3)]);
  assert.deepEqual(applied(db), [1, 2, 3]);
  assert.deepEqual(tables(db), ['t1', 't2', 't3']);
  assert.equal(db.pragma('user_version', { simple: true }), 3);
});

test('a case written by a newer app is refused and left untouched', (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, 'c.db'));
  t.after(() => db.close());
  migrate(db, [m(1), m(2), m(9)]);
  assert.throws(() => migrate(db, [m(1), m(2)]), (e: unknown) => e instanceof EvidenceError && e.code === 'SCHEMA_TOO_NEW');
  const old = new Database(join(dir, 'd.db'));
  t.after(() => old.close());
  old.pragma('user_version = 7');
  assert.throws(() => migrate(old, [m(1), m(2)]), (e: unknown) => e instanceof EvidenceError && e.code === 'SCHEMA_TOO_NEW');
  assert.equal((old.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'schema_migrations'").get() as { n: number }).n, 0);
});

test('the real migrations apply to a fresh database and are all recorded', (t) => {
  const db = new Database(join(tempDir(t), 'e.db'));
  t.after(() => db.close());
  migrate(db);
  assert.deepEqual(applied(db), migrations.map((x) => x.version).sort((a, b) => a - b));
  assert.equal(db.pragma('user_version', { simple: true }), latestVersion);
  for (const name of ['suggestions', 'rule_packs', 'hashsets', 'hashset_sha256', 'hashset_matches']) {
    assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(name), `${name} exists`);
  }
});
