// The catalogue's counters (src/core/catalogue/counts.ts, migration 12): kept by triggers in the
// same transaction as the rows, they always equal a full scan of the rows: after a real ingest of
// a phone-like tree and a ZIP, after updates and deletes, after a rolled-back batch, and for a case
// made before the counters (the migration fills them). caseOverview, caseInfo and the listing's
// totals read them.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { countsSql, exhibitItemsSql, readCounters } from '../../src/core/catalogue/counts.ts';
import { registerIssueFunctions } from '../../src/core/catalogue/issues.ts';
import { caseOverview, countItems, scannedOverview } from '../../src/core/catalogue/query.ts';
import { Case } from '../../src/core/case.ts';
import { migrate } from '../../src/core/db/open.ts';
import { migrations } from '../../src/core/db/migrations.ts';
import { FAMILIES, FAMILY_SQL } from '../../src/core/catalogue/filter.ts';
import type { ItemFilterInput } from '../../src/shared/contract.ts';
import { sampleFiles, zipOf } from '../fixtures/archives.ts';
import { buildDeviceTree } from '../fixtures/tree.ts';
import { newCase, tempDir } from './helpers.ts';

type DB = Database.Database;

/** Counters and scans agree, for the overview and for every filter a counter answers. */
function assertCountersMatch(db: DB, label: string): void {
  assert.deepEqual(caseOverview(db), scannedOverview(db), `${label}: overview from counters = scan`);
  const filters: ItemFilterInput[] = [{}, { kind: 'file' }, { mismatch: true }, { hasGps: true }, ...FAMILIES.map((family) => ({ family }))];
  for (const f of filters) {
    const where = JSON.stringify(f);
    const counted = countItems(db, f);
    const scanned = (db.prepare(`SELECT COUNT(*) AS n FROM items i WHERE ${sqlOf(f)}`).get() as { n: number }).n;
    assert.equal(counted, scanned, `${label}: count of ${where}`);
  }
  const perExhibit = db.prepare('SELECT e.number, (SELECT COUNT(*) FROM items i JOIN sources s ON s.id = i.source_id WHERE s.exhibit_id = e.id) AS n FROM exhibits e ORDER BY e.id').all();
  const fromCounters = db.prepare(`SELECT e.number, ${exhibitItemsSql('e')} AS n FROM exhibits e ORDER BY e.id`).all();
  assert.deepEqual(fromCounters, perExhibit, `${label}: items per exhibit`);
  const bytes = (db.prepare("SELECT COALESCE(SUM(size), 0) AS n FROM items WHERE kind = 'file'").get() as { n: number }).n;
  assert.equal(readCounters(db).bytes, bytes, `${label}: bytes of the files`);
}

/** The scan each counter replaces, written out here (FAMILY_SQL is the definition of a family). */
function sqlOf(f: ItemFilterInput): string {
  if (f.kind) return "i.kind = 'file'";
  if (f.mismatch) return 'i.ext_mismatch = 1';
  if (f.hasGps) return 'i.id IN (SELECT item_id FROM metadata WHERE lat IS NOT NULL)';
  if (f.family) return `i.kind = 'file' AND (${FAMILY_SQL}) = '${f.family}'`;
  return '1';
}

function itemsOf(db: DB): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
}

test('counters equal the scan after real ingests, updates, deletes and a rolled-back batch', async (t) => {
  const tc = newCase(t);
  const { service, session, casePath } = tc;
  const dir = tempDir(t);
  service.addExhibit({ session, number: 'EXH-001' });
  service.addExhibit({ session, number: 'EXH-002' });
  buildDeviceTree(join(dir, 'phone'));
  mkdirSync(join(dir, 'zip'));
  writeFileSync(join(dir, 'zip', 'export.zip'), zipOf(sampleFiles(), 8));
  await service.ingest({ session, sourcePath: join(dir, 'phone'), exhibit: 'EXH-001', workers: 1 });
  await service.ingest({ session, sourcePath: join(dir, 'zip'), exhibit: 'EXH-002', workers: 1 });

  const c = Case.open(casePath);
  t.after(() => c.close());
  const db = c.db;
  assert.ok(itemsOf(db) > 20, 'a real catalogue');
  const o = caseOverview(db);
  assert.ok(o.families.images > 0 && o.gps > 0 && o.mismatches > 0, JSON.stringify(o));
  assertCountersMatch(db, 'after two ingests');

  // The service answers from them (overview, case summary, listing totals).
  assert.deepEqual(service.caseOverview({ casePath }), { ...scannedOverview(db) });
  const info = service.caseInfo({ casePath });
  assert.equal(info.items, itemsOf(db));
  assert.equal(service.listItems({ casePath, family: 'images', limit: 1 }).total, scannedOverview(db).families.images);
  const exhibits = service.listExhibits({ casePath });
  assert.equal(exhibits.reduce((a, e) => a + e.items, 0), itemsOf(db));
  assert.ok(exhibits.every((e) => e.items > 0));

  // Changes the writer could make: a type found later, a container marked, GPS removed, a size.
  const anyFile = (db.prepare("SELECT id FROM items WHERE kind = 'file' AND mime LIKE 'image/%' LIMIT 1").get() as { id: number }).id;
  // One column at a time: each must move the counters on its own.
  db.prepare("UPDATE items SET mime = 'application/pdf' WHERE id = ?").run(anyFile);
  db.prepare('UPDATE items SET ext_mismatch = 1 WHERE id = ?').run(anyFile);
  db.prepare('UPDATE items SET size = size + 1000 WHERE id = ?').run(anyFile);
  db.prepare("UPDATE items SET kind = 'dir' WHERE id = (SELECT id FROM items WHERE kind = 'file' AND mime LIKE 'video/%' LIMIT 1)").run();
  db.prepare("UPDATE items SET container = 'zip' WHERE id = (SELECT id FROM items WHERE kind = 'file' AND mime LIKE 'text/%' LIMIT 1)").run();
  db.prepare("UPDATE items SET name = 'msgstore.db' WHERE id = (SELECT id FROM items WHERE kind = 'file' AND mime LIKE 'text/%' LIMIT 1 OFFSET 1)").run();
  db.prepare('UPDATE metadata SET lat = NULL WHERE item_id = (SELECT item_id FROM metadata WHERE lat IS NOT NULL LIMIT 1)').run();
  assertCountersMatch(db, 'after updates');

  // Deletes (foreign keys allowing: rows no other row points to).
  db.pragma('foreign_keys = OFF');
  db.prepare('DELETE FROM metadata WHERE item_id IN (SELECT item_id FROM metadata WHERE lat IS NOT NULL LIMIT 1)').run();
  db.prepare("DELETE FROM items WHERE id IN (SELECT id FROM items WHERE kind = 'file' ORDER BY id DESC LIMIT 3)").run();
  db.pragma('foreign_keys = ON');
  assertCountersMatch(db, 'after deletes');

  // A batch that fails half-way leaves rows and counters as they were.
  const before = readCounters(db);
  const source = (db.prepare('SELECT id FROM sources LIMIT 1').get() as { id: number }).id;
  assert.throws(() =>
    db.transaction(() => {
      const ins = db.prepare(
        "INSERT INTO items (source_id, path, name, ext, kind, size, mime, ext_mismatch, added_at) VALUES (?, ?, ?, 'jpg', 'file', 10, 'image/jpeg', 0, '2026-01-01T00:00:00Z')",
      );
      for (let k = 0; k < 5; k++) ins.run(source, `rolled/back/${k}.jpg`, `${k}.jpg`);
      throw new Error('disk full');
    })(),
  );
  assert.deepEqual(readCounters(db), before);
  assertCountersMatch(db, 'after a rolled-back batch');
});

test('a case made before the counters gets them filled by migration 12, equal to the scan', (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, 'case.db'));
  t.after(() => db.close());
  registerIssueFunctions(db);
  const before12 = migrations.filter((m) => m.version < 12);
  migrate(db, before12);
  assert.equal(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'catalogue_counts'").get(), undefined);
  db.prepare("INSERT INTO exhibits (number, created_at, created_by) VALUES ('EXH-1', '2026-01-01T00:00:00Z', 'x')").run();
  const source = Number(
    db
      .prepare("INSERT INTO sources (exhibit_id, kind, root_path, status, officer, host, started_at) VALUES (1, 'folder', '/x', 'finished', 'x', 'h', '2026-01-01T00:00:00Z')")
      .run().lastInsertRowid,
  );
  const ins = db.prepare(
    "INSERT INTO items (source_id, path, name, ext, kind, size, mime, ext_mismatch, error, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')",
  );
  const kinds = [
    ['jpg', 'image/jpeg'],
    ['mp4', 'video/mp4'],
    ['pdf', 'application/pdf'],
    ['db', 'application/x-sqlite3'],
    ['zip', 'application/zip'],
    ['csv', null],
    ['bin', null],
  ] as const;
  for (let k = 0; k < 700; k++) {
    const [ext, mime] = kinds[k % kinds.length]!;
    const id = ins.run(source, `d/${k}.${ext}`, k === 5 ? 'msgstore.db' : `${k}.${ext}`, ext, k % 50 === 0 ? 'dir' : 'file', k * 7, mime, k % 31 === 0 ? 1 : 0, k % 97 === 0 ? 'truncated: test' : null).lastInsertRowid;
    if (mime === 'image/jpeg' && k % 2 === 0) db.prepare('INSERT INTO metadata (item_id, lat, lon) VALUES (?, 1.5, 2.5)').run(id);
  }
  const scan = scannedOverview(db);
  migrate(db);
  assertCountersMatch(db, 'after migration 12');
  assert.deepEqual(caseOverview(db), scan);
  assert.ok(scan.errors > 0 && scan.gps > 0 && scan.families.chats === 1, JSON.stringify(scan));
  // Running the counters' SQL again (as a later migration would) changes nothing.
  db.exec(countsSql());
  assert.deepEqual(caseOverview(db), scan);
});
