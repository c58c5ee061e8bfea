// The catalogue and the state inside the chain of custody (issue 10, part 2). A real case is
// worked through the CLI (officers, an exhibit with a seal, an ingest of real files with a GPS
// photo, tags, a broken seal, an account locked by wrong passwords); then, for each attack, a
// copy of it is edited as an attacker holding case.db would (better-sqlite3, foreign keys off
// as in the sqlite3 shell, no engine code), and `evidence custody verify` and `evidence verify`
// run as child processes must both fail (exit 1) and name the row in plain words.
import './custody-helpers.ts';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { exifJpeg } from '../fixtures/images.ts';
import { TOKYO } from '../fixtures/tree.ts';
import { hasTool, newCase, removeTree, runCli, runCliChild, tempDir, exhibitIn } from './helpers.ts';
import { details, events } from './custody-helpers.ts';
import { CANONICAL_SQL, canonicalRow, entryOf, FIELDS } from '../../src/core/custody/catalogueDigest.ts';
import { canonicalJson } from '../../src/core/custody/canonical.ts';

const ADMIN = 'DS Tanaka';
const REVIEWER = 'Rev C';
const OFFICER = 'Sok Dara';

let base = '';
let photoId = 0;
let textId = 0;

/** The worked case every attack starts from (made once; each test edits its own copy). */
async function makeBaseCase(root: string): Promise<string> {
  const casePath = join(root, 'case');
  const exp = join(root, 'export');
  mkdirSync(join(exp, 'DCIM'), { recursive: true });
  mkdirSync(join(exp, 'Documents'), { recursive: true });
  for (let i = 1; i <= 12; i++) writeFileSync(join(exp, 'Documents', `note-${String(i).padStart(2, '0')}.txt`), `note ${i}: meet at the harbour\n`);
  writeFileSync(join(exp, 'DCIM', 'IMG_0001.JPG'), exifJpeg(TOKYO, 'state-test'));
  const ok = async (args: string[]): Promise<string> => {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    return r.out;
  };
  await ok(['case', 'init', casePath, '--name', 'Operation Sakura', '--number', 'KH-2026-0142', '--officer', ADMIN]);
  await ok(['officer', 'add', casePath, '--name', REVIEWER, '--role', 'reviewer', '--officer', ADMIN]);
  await ok(['officer', 'add', casePath, '--name', OFFICER, '--role', 'officer', '--officer', ADMIN]);
  await ok(['exhibit', 'add', casePath, '--number', 'EXH-1', '--seal', 'S-0091', '--make', 'Apple', '--model', 'iPhone 12', '--officer', ADMIN]);
  await ok(['ingest', casePath, exp, '--exhibit', 'EXH-1', '--officer', ADMIN]);
  const db = new Database(join(casePath, 'case.db'), { readonly: true });
  try {
    photoId = (db.prepare("SELECT id FROM items WHERE name = 'IMG_0001.JPG'").get() as { id: number }).id;
    textId = (db.prepare("SELECT id FROM items WHERE name = 'note-07.txt'").get() as { id: number }).id;
    const gps = db.prepare('SELECT lat FROM metadata WHERE item_id = ?').get(photoId) as { lat: number | null };
    assert.ok(gps.lat && gps.lat > 35, 'the photo has GPS');
  } finally {
    db.close();
  }
  await ok(['tag', casePath, 'scam-manual', String(textId), String(photoId), '--comment', 'call script', '--officer', ADMIN]);
  await ok(['exhibit', 'seal', casePath, 'EXH-1', '--break', '--reason', 'to examine the phone', '--officer', ADMIN]);
  // Five wrong passwords lock Sok Dara's account.
  const wrong = join(root, 'wrong');
  writeFileSync(wrong, 'not-the-password\n');
  for (let i = 0; i < 5; i++) {
    const r = await runCli(['custody', 'checkpoint', casePath, '--officer', OFFICER, '--password-file', wrong]);
    assert.equal(r.code, 6, r.err);
  }
  return casePath;
}

/** A copy of the worked case, edited with `attack` (SQL as an attacker would run it). */
function attacked(t: import('node:test').TestContext, attack: (db: Database.Database) => void): string {
  const dir = tempDir(t, 'evidence-attack-');
  const casePath = join(dir, 'case');
  cpSync(base, casePath, { recursive: true });
  const db = new Database(join(casePath, 'case.db'), { fileMustExist: true });
  try {
    db.pragma('foreign_keys = OFF');
    attack(db);
  } finally {
    db.close();
  }
  return casePath;
}

/** The README's catalogue recipe (python3 alone), as printed, run on a case's source 1. */
function readmeCatalogueRecipe(casePath: string): { code: number; out: string } {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('as its ingest recorded them'));
  assert.ok(block, 'the README holds the catalogue recipe');
  const r = spawnSync('bash', ['-e', '-c', block.replaceAll('cases/op-sakura/case.db', join(casePath, 'case.db'))], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

/** Both verifications, as child processes: each must fail with exit 1 and say `expect`. */
async function caught(casePath: string, expect: RegExp[]): Promise<void> {
  const custody = await runCliChild(['custody', 'verify', casePath]);
  assert.equal(custody.code, 1, `custody verify must fail:\n${custody.out}\n${custody.err}`);
  for (const re of expect) assert.match(custody.out, re, 'custody verify names it');
  assert.match(custody.out, /Custody verification FAILED/);
  const full = await runCliChild(['verify', casePath, '--officer', ADMIN]);
  assert.equal(full.code, 1, `verify must fail:\n${full.out}\n${full.err}`);
  for (const re of expect) assert.match(full.out, re, 'verify names it');
  assert.match(full.out, /Verification FAILED/);
}

test('an honest case with every kind of state change verifies: interrupted and resumed ingest, accounts, exhibits, tags, notes', async (t) => {
  const { service, casePath, session } = newCase(t);
  const exp = join(tempDir(t), 'export');
  mkdirSync(exp);
  // Enough files that the stop lands part-way on a fast machine too: progress is reported at most
  // every 100 ms and the batches already with the workers finish after the stop (400 files were
  // all catalogued before the first report on CI's machine; 700 of 2,000 are on a slower one).
  const FILES = 4000;
  for (let i = 0; i < FILES; i++) writeFileSync(join(exp, `f${String(i).padStart(4, '0')}.txt`), `file ${i} `.repeat(50));
  // Stopped part-way (as Ctrl-C does), then resumed: two commitments of one source.
  const stop = new AbortController();
  const first = await service.ingest({ session, exhibit: exhibitIn(service, session), sourcePath: exp, workers: 1 }, { signal: stop.signal, onProgress: (p) => p.filesDone >= 40 && stop.abort() });
  assert.equal(first.status, 'interrupted');
  assert.equal((await service.verifyCustody({ casePath })).ok, true, 'an interrupted ingest verifies');
  const second = await service.ingest({ session, exhibit: exhibitIn(service, session), sourcePath: exp, workers: 1 });
  assert.equal(second.status, 'finished');
  const commits = events(casePath).filter((e) => e.action === 'ingest.interrupted' || e.action === 'ingest.finished');
  assert.deepEqual(commits.map((e) => e.action), ['ingest.interrupted', 'ingest.finished']);
  const [a, b] = commits.map((e) => details(e).catalogue as { items: number });
  assert.ok(a!.items > 0 && a!.items < b!.items && b!.items === FILES, `${a!.items} then ${b!.items}`);

  service.addOfficer({ session, name: 'Sok Dara', role: 'officer', password: 'sok-password-12' });
  service.addOfficer({ session, name: 'Rev C', role: 'reviewer', password: 'rev-password-12' });
  for (let i = 0; i < 5; i++) assert.throws(() => service.signIn({ casePath, officer: 'Sok Dara', password: 'wrong-password' }));
  service.setOfficerStatus({ session, name: 'Sok Dara', status: 'active', reason: 'identity checked' });
  service.setOfficerStatus({ session, name: 'Rev C', status: 'disabled', reason: 'left the unit' });
  service.addExhibit({ session, number: 'EXH-2', sealNumber: 'S-1' });
  const sok = service.signIn({ casePath, officer: 'Sok Dara', password: 'sok-password-12' }).session;
  service.transferCustody({ session, toSession: sok, exhibit: 'EXH-2', reason: 'to the lab' });
  service.recordSeal({ session: sok, exhibit: 'EXH-2', action: 'broken', reason: 'exam' });
  service.recordSeal({ session: sok, exhibit: 'EXH-2', action: 'resealed', reason: 'done', newSeal: 'S-2' });
  service.addTag({ session, id: 'burner-phone', labelEn: 'Burner phone', colour: '#8e24aa' });
  service.tagItems({ session, tag: 'burner-phone', ids: [3, 4, 5], comment: 'numbers' });
  service.untagItems({ session: sok, tag: 'burner-phone', ids: [4] });
  const note = service.addNote({ session, item: 7, text: 'see EXH-2' });
  service.removeNote({ session, note: note.id, reason: 'wrong item' });
  service.signOut({ session: sok });
  const r = await service.verifyCustody({ casePath });
  assert.deepEqual(r.findings, []);
  assert.equal(r.ok, true);
});

test('a row edited while an ingest was interrupted, before it was resumed, is caught against the interrupted commitment', async (t) => {
  const { service, casePath, session } = newCase(t);
  const exp = join(tempDir(t), 'export');
  mkdirSync(exp);
  for (let i = 0; i < 300; i++) writeFileSync(join(exp, `f${String(i).padStart(3, '0')}.txt`), `file ${i} `.repeat(50));
  const stop = new AbortController();
  const first = await service.ingest({ session, exhibit: exhibitIn(service, session), sourcePath: exp, workers: 1 }, { signal: stop.signal, onProgress: (p) => p.filesDone >= 40 && stop.abort() });
  assert.equal(first.status, 'interrupted');
  const db = new Database(join(casePath, 'case.db'));
  db.prepare("UPDATE items SET path = 'planted.txt' WHERE id = 2").run();
  db.close();
  // The honest resume commits every row as it finds it, the edited one included...
  assert.equal((await service.ingest({ session, exhibit: exhibitIn(service, session), sourcePath: exp, workers: 1 })).status, 'finished');
  // ... but the interrupted run's commitment still says what row 2 was.
  const r = await service.verifyCustody({ casePath });
  assert.equal(r.ok, false);
  assert.ok(
    r.findings.some((f) => f.what === 'catalogue' && /an item among ids 1-\d+ of source 1 was deleted, added or changed after the interrupted ingest recorded it \(event \d+\) and before event \d+/.test(f.message)),
    JSON.stringify(r.findings),
  );
});

describe('the catalogue and the state are in the chain', () => {
  let root = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'evidence-state-base-'));
    base = await makeBaseCase(root);
    process.on('exit', () => removeTree(root));
  });

  test('the untouched case verifies, and the ingest event commits the digest of its rows', async () => {
    const r = await runCliChild(['custody', 'verify', base]);
    assert.equal(r.code, 0, r.out + r.err);
    const finished = events(base).find((e) => e.action === 'ingest.finished')!;
    const cat = details(finished).catalogue as { items: number; root: string; chunks: unknown[]; firstId: number; lastId: number };
    assert.equal(cat.items, 15, '12 notes, the photo and two folders');
    assert.match(cat.root, /^[0-9a-f]{64}$/);
    assert.equal(cat.firstId, 1);
    assert.equal(cat.lastId, 15);
    // State events carry the state they set.
    const sealEv = events(base).find((e) => e.action === 'exhibit.seal-broken')!;
    assert.equal(details(sealEv).sealed, false);
    assert.equal(details(events(base).find((e) => e.action === 'exhibit.recorded')!).custodian, ADMIN);
    assert.deepEqual(details(events(base).find((e) => e.action === 'item.tagged')!).tags, ['scam-manual']);
    const locked = events(base).find((e) => e.action === 'officer.locked')!;
    assert.equal(details(locked).status, 'locked');
  });

  test('the canonical row is documented canonical JSON, and the leaf its SHA-256', () => {
    const db = new Database(join(base, 'case.db'), { readonly: true });
    try {
      const row = db.prepare(CANONICAL_SQL).all(1, photoId - 1, 1)[0] as Record<string, unknown>;
      assert.match(String(row.lat), /^35\.65/);
      // GPS as the 16 hex digits of the IEEE-754 double; otherwise the custody log's canonical JSON.
      const hex = (v: unknown): string | null => {
        if (typeof v !== 'number') return null;
        const b = Buffer.alloc(8);
        b.writeDoubleBE(v);
        return b.toString('hex');
      };
      assert.equal(canonicalRow(row), canonicalJson({ ...row, lat: hex(row.lat), lon: hex(row.lon), alt: hex(row.alt) }));
      assert.deepEqual(Object.keys(JSON.parse(canonicalRow(row)) as object), FIELDS);
      const leaf = entryOf(row).subarray(0, 32).toString('hex');
      const stored = db.prepare('SELECT entry FROM catalogue_leaves WHERE item_id = ?').get(photoId) as { entry: Buffer };
      assert.equal(stored.entry.subarray(0, 32).toString('hex'), leaf);
    } finally {
      db.close();
    }
  });

  test("the README's catalogue recipe recomputes the root with python3 alone, and fails on an edited row", { skip: hasTool('python3') ? false : 'python3 is not installed' }, (t) => {
    let r = readmeCatalogueRecipe(base);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /catalogue of source 1: 15 items, as its ingest recorded them/);
    const c = attacked(t, (db) => db.prepare('UPDATE metadata SET lat = 13.75 WHERE item_id = ?').run(photoId));
    r = readmeCatalogueRecipe(c);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /the catalogue of source 1 is not what its ingest recorded/);
  });

  test('a catalogue row deleted is caught and named', async (t) => {
    const c = attacked(t, (db) => db.prepare('DELETE FROM items WHERE id = ?').run(textId));
    await caught(c, [new RegExp(`item ${textId}: deleted from the catalogue, though the ingest of source 1 recorded it \\(event \\d+\\)`)]);
  });

  test("a catalogue row's path edited is caught and named", async (t) => {
    const c = attacked(t, (db) => db.prepare("UPDATE items SET path = 'Documents/shopping-list.txt' WHERE id = ?").run(textId));
    await caught(c, [new RegExp(`item ${textId}: path differs from what the ingest of source 1 recorded \\(event \\d+\\)`)]);
  });

  test("a photo's GPS edited is caught and named", async (t) => {
    const c = attacked(t, (db) => db.prepare('UPDATE metadata SET lat = 13.75, lon = 100.5 WHERE item_id = ?').run(photoId));
    await caught(c, [new RegExp(`item ${photoId}: GPS latitude and GPS longitude differ from what the ingest of source 1 recorded`)]);
  });

  test("an item's times edited are caught and named", async (t) => {
    const c = attacked(t, (db) => {
      db.prepare("UPDATE items SET mtime = '2024-01-01T00:00:00.000Z' WHERE id = ?").run(textId);
      db.prepare("UPDATE metadata SET taken_at = '2020-01-01T09:00:00+09:00' WHERE item_id = ?").run(photoId);
    });
    await caught(c, [new RegExp(`item ${textId}: modified time differs`), new RegExp(`item ${photoId}: time taken differs`)]);
  });

  test('a catalogue row added is caught and named', async (t) => {
    let added = 0;
    const c = attacked(t, (db) => {
      added = Number(
        db
          .prepare(
            `INSERT INTO items (source_id, path, name, ext, kind, size, md5, sha1, sha256, mime, added_at)
             VALUES (1, 'Documents/planted.txt', 'planted.txt', 'txt', 'file', 5, 'x', 'y', 'z', 'text/plain', '2026-01-01T00:00:00Z')`,
          )
          .run().lastInsertRowid,
      );
    });
    await caught(c, [new RegExp(`item ${added}: added to source 1 after its ingest recorded the source's 15 rows`)]);
  });

  test('a row added to a source no ingest recorded is caught', async (t) => {
    const c = attacked(t, (db) => {
      db.prepare(
        `INSERT INTO sources (id, kind, root_path, status, officer, host, started_at) VALUES (9, 'folder', '/media/usb', 'finished', 'DS Tanaka', 'h', '2026-01-01T00:00:00Z')`,
      ).run();
      db.prepare(`INSERT INTO items (id, source_id, path, name, kind, added_at) VALUES (500, 9, 'a.txt', 'a.txt', 'file', 'x')`).run();
    });
    await caught(c, [/source 9 \(\/media\/usb\): no ingest\.started event in the log recorded it/, /item 500: in source 9, which no ingest in the log started/]);
  });

  test("a reviewer made admin (UPDATE officers SET role='admin') is caught and named", async (t) => {
    const c = attacked(t, (db) => db.prepare("UPDATE officers SET role = 'admin' WHERE name = ?").run(REVIEWER));
    await caught(c, [/officer Rev C: role is admin, the log says reviewer \(event \d+\)/]);
  });

  test('a locked account unlocked by editing the table is caught and named', async (t) => {
    const c = attacked(t, (db) => db.prepare("UPDATE officers SET status = 'active', failed_sign_ins = 0 WHERE name = ?").run(OFFICER));
    await caught(c, [/officer Sok Dara: account is active, the log says locked/, /officer Sok Dara: 0 failed sign-ins in a row, the log says 5/]);
  });

  test("an exhibit's custodian edited is caught and named", async (t) => {
    const c = attacked(t, (db) => db.prepare("UPDATE exhibits SET custodian = 'Rev C' WHERE number = 'EXH-1'").run());
    await caught(c, [/exhibit EXH-1: custodian is Rev C, the log says DS Tanaka/]);
  });

  test("an exhibit's broken seal mended, or its seal number changed, is caught and named", async (t) => {
    const c = attacked(t, (db) => db.prepare("UPDATE exhibits SET sealed = 1, seal_number = 'S-0100' WHERE number = 'EXH-1'").run());
    await caught(c, [/exhibit EXH-1: sealed, the log says seal broken \(event \d+\)/, /exhibit EXH-1: seal number is "S-0100", the log says "S-0091"/]);
  });

  test('tags reverted in the table after tagging, or put without an event, are caught and named', async (t) => {
    const c = attacked(t, (db) => {
      db.prepare('DELETE FROM item_tags WHERE item_id = ?').run(textId);
      db.prepare("INSERT INTO item_tags (item_id, tag_id, officer, comment, at_utc) VALUES (?, 'irrelevant', 'DS Tanaka', NULL, '2026-01-01T00:00:00Z')").run(photoId);
    });
    await caught(c, [
      new RegExp(`item ${textId}: tag scam-manual is missing; the log says it was put by DS Tanaka`),
      new RegExp(`item ${photoId}: tagged irrelevant, which no event in the log recorded`),
    ]);
  });

  test('the record of catalogue entries altered along with the row: the range is still named', async (t) => {
    const c = attacked(t, (db) => {
      db.prepare("UPDATE items SET path = 'Documents/other.txt' WHERE id = ?").run(textId);
      db.prepare('UPDATE catalogue_leaves SET entry = zeroblob(length(entry)) WHERE item_id = ?').run(textId);
    });
    await caught(c, [/an item among ids 1-15 of source 1 was deleted, added or changed since the ingest of source 1 recorded them/]);
  });
});
