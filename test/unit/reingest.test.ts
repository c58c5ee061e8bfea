// Issue 9, defect 3: the same export ingested again doubled the catalogue silently. The engine
// now recognises an export the case already holds (the same path, a copy of the folder with the
// same file list, a copy of the same single file by SHA-256) and refuses it, naming the earlier
// source and its date; ingesting it again is an explicit choice (--again) with a reason in the
// custody log. Two ingests of the same export started together: one is refused. Real CLI child
// processes, real files, a real case.db.
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleFiles, zipOf } from '../fixtures/archives.ts';
import { TEST_PASSWORD, describeRun, generateTree, initCase, removeDir, runCli, startCli, tempDir } from './robust-helpers.ts';
import { EvidenceService } from '../../src/core/service.ts';

const EXHIBIT = 'EXH-001';

function query<T>(caseDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(caseDir, 'case.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const count = (caseDir: string, table: string): number => query<{ n: number }>(caseDir, `SELECT COUNT(*) AS n FROM ${table}`)[0]!.n;

interface Event {
  seq: number;
  action: string;
  target: string | null;
  reason: string | null;
  details: string;
}
const events = (caseDir: string): Event[] => query<Event>(caseDir, 'SELECT seq, action, target, reason, details FROM custody_events ORDER BY seq');

/** Items, sources and ingest events: what a refused ingest must leave exactly as it was. */
function snapshot(caseDir: string): { items: number; sources: number; ingestEvents: number; suggestions: number } {
  return {
    items: count(caseDir, 'items'),
    sources: count(caseDir, 'sources'),
    ingestEvents: events(caseDir).filter((e) => e.action.startsWith('ingest.')).length,
    suggestions: count(caseDir, 'suggestions'),
  };
}

describe('an export already ingested is recognised (real CLI processes)', { concurrency: false }, () => {
  let work: string;
  let src: string;
  let caseDir: string;
  let firstItems: number;

  before(() => {
    work = tempDir('reingest');
    src = join(work, 'phone-export');
    // About 50 items: 4 folders of 12 files, as in the report.
    generateTree(src, { seed: 20261204, dirs: 4, filesPerDir: 12, large: 0 });
    caseDir = join(work, 'case');
    initCase(caseDir, undefined, undefined, [EXHIBIT, 'EXH-002', 'EXH-003', 'EXH-004', 'EXH-009']);
    const r = runCli(['ingest', caseDir, src, '--exhibit', EXHIBIT]);
    assert.equal(r.code, 0, describeRun(r));
    firstItems = count(caseDir, 'items');
    assert.ok(firstItems >= 50, `the first ingest catalogued ${firstItems} items`);
  });

  after(() => {
    if (work) removeDir(work);
  });

  test('the same folder again is refused: exit 4, the message names the source and its date, the catalogue is unchanged', () => {
    const before = snapshot(caseDir);
    const r = runCli(['ingest', caseDir, src, '--exhibit', EXHIBIT]);
    assert.equal(r.code, 4, describeRun(r));
    const started = query<{ started_at: string; finished_at: string }>(caseDir, 'SELECT started_at, finished_at FROM sources WHERE id = 1')[0]!;
    const when = `${started.finished_at.slice(0, 16).replace('T', ' ')} UTC`;
    assert.match(r.stderr, /was already ingested into this case as source 1 on /, r.stderr);
    assert.ok(r.stderr.includes(when), `the date ${when} is named: ${r.stderr}`);
    assert.ok(r.stderr.includes(`exhibit ${EXHIBIT}, ${firstItems} items`), r.stderr);
    assert.ok(r.stderr.includes(src), 'the path is named');
    assert.match(r.stderr, /--again --reason/, 'says how to ingest it again on purpose');
    assert.doesNotMatch(r.stdout, /Ingest finished/);
    assert.deepEqual(snapshot(caseDir), before, 'nothing added: no items, no source, no ingest event');
  });

  test('the same folder into another exhibit, or without one, is refused too', () => {
    const before = snapshot(caseDir);
    const r = runCli(['ingest', caseDir, src, '--exhibit', 'EXH-009']);
    assert.equal(r.code, 4, describeRun(r));
    assert.match(r.stderr, /already ingested into this case as source 1/);
    // Without an exhibit it is refused before anything is looked at (an ingest needs one).
    const none = runCli(['ingest', caseDir, src]);
    assert.equal(none.code, 2, describeRun(none));
    assert.match(none.stderr, /An ingest needs the exhibit the export comes from/);
    // No ingest happened, nothing was recorded.
    assert.deepEqual(snapshot(caseDir), before);
  });

  test('--again without --reason (and --reason without --again) is a usage error: exit 2, nothing changes', () => {
    const before = snapshot(caseDir);
    const a = runCli(['ingest', caseDir, src, '--exhibit', EXHIBIT, '--again']);
    assert.equal(a.code, 2, describeRun(a));
    assert.match(a.stderr, /--again needs --reason/);
    const blank = runCli(['ingest', caseDir, src, '--exhibit', EXHIBIT, '--again', '--reason', '   ']);
    assert.equal(blank.code, 2, describeRun(blank));
    const b = runCli(['ingest', caseDir, src, '--exhibit', EXHIBIT, '--reason', 'why not']);
    assert.equal(b.code, 2, describeRun(b));
    assert.match(b.stderr, /--reason is for --again/);
    assert.deepEqual(snapshot(caseDir), before);
  });

  test('a copy of the folder at another path is recognised by its file list', () => {
    const copy = join(work, 'usb-remounted', 'phone-export-copy');
    cpSync(src, copy, { recursive: true });
    const before = snapshot(caseDir);
    const r = runCli(['ingest', caseDir, copy, '--exhibit', 'EXH-002']);
    assert.equal(r.code, 4, describeRun(r));
    assert.ok(r.stderr.includes(`${copy} holds the same files`), r.stderr);
    assert.ok(r.stderr.includes(`as ${src}, already ingested into this case as source 1`), r.stderr);
    assert.deepEqual(snapshot(caseDir), before);
  });

  test('the same path with different contents is still refused, and says what changed', () => {
    const changed = join(work, 'changed-export');
    cpSync(src, changed, { recursive: true });
    const a = runCli(['ingest', caseDir, changed, '--exhibit', 'EXH-003', '--again', '--reason', 'set up: a second copy to change']);
    assert.equal(a.code, 0, describeRun(a));
    writeFileSync(join(changed, 'added-later.txt'), 'a file added after the first ingest\n');
    const before = snapshot(caseDir);
    const r = runCli(['ingest', caseDir, changed, '--exhibit', 'EXH-003']);
    assert.equal(r.code, 4, describeRun(r));
    assert.match(r.stderr, /changed-export was already ingested into this case as source \d+ on .*; what is there now differs from what was ingested then \(49 files now, 48 then\)/);
    assert.deepEqual(snapshot(caseDir), before);
  });

  test('--again with a reason ingests it as a new source; the custody event records the reason and the earlier source', () => {
    const before = snapshot(caseDir);
    const reason = 'the first ingest was made with the wrong exhibit number (EXH-001 is the SIM card)';
    const r = runCli(['ingest', caseDir, src, '--exhibit', 'EXH-004', '--again', '--reason', reason]);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /Ingest finished/);
    assert.equal(snapshot(caseDir).sources, before.sources + 1);
    assert.equal(count(caseDir, 'items'), before.items + firstItems, 'a complete second copy, as asked');
    const started = events(caseDir).filter((e) => e.action === 'ingest.started').at(-1)!;
    assert.equal(started.reason, reason);
    const d = JSON.parse(started.details) as Record<string, unknown>;
    assert.equal(d.again, true);
    assert.equal(d.reason, reason);
    assert.equal(d.previousSource, 1, 'the earlier source of the same export is named');
    assert.equal(d.exhibit, 'EXH-004');
    assert.match(String(d.fingerprint), /^files-sha256:[0-9a-f]{64}$/);
    const custody = runCli(['custody', 'verify', caseDir]);
    assert.equal(custody.code, 0, describeRun(custody));
  });
});

describe('a single-file export (ZIP) is recognised by its SHA-256 wherever it is', { concurrency: false }, () => {
  let work: string;
  let caseDir: string;

  before(() => {
    work = tempDir('reingest-zip');
    caseDir = join(work, 'case');
    initCase(caseDir, undefined, undefined, [EXHIBIT, 'EXH-002', 'EXH-003']);
  });
  after(() => {
    if (work) removeDir(work);
  });

  test('the same ZIP copied elsewhere is refused; another ZIP of the same size is not', () => {
    // Stored members, so a one-byte change inside a member keeps the archive's size.
    const zip = zipOf(sampleFiles(), 0);
    const first = join(work, 'stick-a', 'export.zip');
    mkdirSync(join(work, 'stick-a'));
    writeFileSync(first, zip);
    const a = runCli(['ingest', caseDir, first, '--exhibit', EXHIBIT]);
    assert.equal(a.code, 0, describeRun(a));
    const items = count(caseDir, 'items');

    const again = runCli(['ingest', caseDir, first, '--exhibit', EXHIBIT]);
    assert.equal(again.code, 4, describeRun(again));
    assert.match(again.stderr, /export\.zip was already ingested into this case as source 1 on /);

    const copy = join(work, 'stick-b', 'renamed.zip');
    mkdirSync(join(work, 'stick-b'));
    writeFileSync(copy, zip);
    const b = runCli(['ingest', caseDir, copy, '--exhibit', 'EXH-002']);
    assert.equal(b.code, 4, describeRun(b));
    assert.ok(b.stderr.includes(`${copy} has the same SHA-256`), b.stderr);
    assert.ok(b.stderr.includes(`as ${first}, already ingested into this case as source 1`), b.stderr);
    assert.equal(count(caseDir, 'items'), items);

    // Same size, one word different inside a member: not the same export, so it is ingested.
    const files = sampleFiles().map((f) => (f.path === 'Documents/notes.txt' ? { ...f, data: Buffer.from(f.data.toString().replace('21:00', '22:00')) } : f));
    const nearZip = zipOf(files, 0);
    assert.equal(nearZip.length, zip.length);
    assert.notDeepEqual(nearZip, zip);
    const near = join(work, 'stick-c', 'export.zip');
    mkdirSync(join(work, 'stick-c'));
    writeFileSync(near, nearZip);
    const c = runCli(['ingest', caseDir, near, '--exhibit', 'EXH-003']);
    assert.equal(c.code, 0, describeRun(c));
    assert.equal(count(caseDir, 'sources'), 2);
  });
});

describe('two ingests of the same export started at the same instant', { concurrency: false }, () => {
  let work: string;
  before(() => {
    work = tempDir('reingest-race');
  });
  after(() => {
    if (work) removeDir(work);
  });

  test('two CLI processes: one is refused (CASE_LOCKED or ALREADY_INGESTED, exit 4), the other finishes, nothing doubled', async () => {
    const src = join(work, 'export');
    generateTree(src, { seed: 7, dirs: 8, filesPerDir: 60, large: 2, largeMin: 1024 * 1024, largeMax: 2 * 1024 * 1024 });
    const reference = join(work, 'reference');
    initCase(reference, undefined, undefined, [EXHIBIT]);
    const ref = runCli(['ingest', reference, src, '--exhibit', EXHIBIT]);
    assert.equal(ref.code, 0, describeRun(ref));
    const expected = count(reference, 'items');

    for (let round = 1; round <= 2; round++) {
      const caseDir = join(work, `case${round}`);
      initCase(caseDir, undefined, undefined, [EXHIBIT]);
      const runs = [startCli(['ingest', caseDir, src, '--exhibit', EXHIBIT]), startCli(['ingest', caseDir, src, '--exhibit', EXHIBIT])];
      const results = await Promise.all(runs.map((r) => r.done));
      const ok = results.filter((r) => r.code === 0);
      const refused = results.filter((r) => r.code === 4);
      assert.equal(ok.length, 1, `round ${round}: exactly one finishes\n${results.map(describeRun).join('\n')}`);
      assert.equal(refused.length, 1, `round ${round}: exactly one is refused\n${results.map(describeRun).join('\n')}`);
      assert.match(refused[0]!.stderr, /is being ingested into this case right now|was already ingested into this case as source 1/);
      assert.equal(count(caseDir, 'sources'), 1);
      assert.equal(count(caseDir, 'items'), expected, 'every item once');
      assert.equal(events(caseDir).filter((e) => e.action === 'ingest.started').length, 1);
    }
  });

  test('in one process (the desktop app, the browser host): two jobs of the same export, one is refused', async (t) => {
    const src = join(work, 'export-in-process');
    generateTree(src, { seed: 8, dirs: 3, filesPerDir: 40, large: 0 });
    const casePath = join(work, 'case-in-process');
    const service = new EvidenceService({ scryptN: 2 ** 14 });
    t.after(() => service.close());
    service.createCase({ casePath, name: 'Op', number: 'KH-1', officer: 'Sok Dara', password: TEST_PASSWORD });
    const { session } = service.signIn({ casePath, officer: 'Sok Dara', password: TEST_PASSWORD });
    service.addExhibit({ session, number: EXHIBIT });
    const outcomes = await Promise.allSettled([
      service.ingest({ session, sourcePath: src, exhibit: EXHIBIT, workers: 1 }),
      service.ingest({ session, sourcePath: src, exhibit: EXHIBIT, workers: 1 }),
    ]);
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.equal(done.length, 1, JSON.stringify(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))));
    assert.equal(refused.length, 1);
    assert.ok(['CASE_LOCKED', 'ALREADY_INGESTED'].includes((refused[0]!.reason as { code: string }).code), String(refused[0]!.reason));
    const items = service.caseInfo({ casePath }).items;
    assert.equal(items, 3 + 120, 'every item once');
  });
});
