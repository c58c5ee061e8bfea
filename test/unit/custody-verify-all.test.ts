// Issue 9, defect 6 (second half): custody verification reports every problem in the log, not
// only the first. Verification used to stop at the first bad row, so one early broken row (even
// an innocent one) hid any later tampering. Three independent attacks on one real case.db
// (an edited row, a deleted row, a row re-written with its own hash recomputed) must all be
// named with their sequence numbers, by `evidence custody verify` and by `evidence verify`.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EventRow, events, rowHash, sortedJson, withDb } from './custody-helpers.ts';
import { describeRun, initCase, removeDir, runCli, tempDir } from './robust-helpers.ts';

interface Report {
  ok: boolean;
  chain: { ok: boolean; firstBad: { seq: number } | null; problems: { seq: number; problem: string; message: string }[] };
  findings: { seq: number; what: string; message: string }[];
}

describe('custody verify names every tampered row', { concurrency: false }, () => {
  let work: string;
  let kase: string;
  let edited: number;
  let deleted: number;
  let forged: number;

  before(() => {
    work = tempDir('verify-all');
    kase = join(work, 'case');
    initCase(kase, undefined, undefined, []);
    const exp = join(work, 'export');
    mkdirSync(exp);
    writeFileSync(join(exp, 'a.txt'), 'a\n');
    for (const args of [
      ['exhibit', 'add', kase, '--number', 'EXH-001'],
      ['exhibit', 'add', kase, '--number', 'EXH-002'],
      ['ingest', kase, exp, '--exhibit', 'EXH-001'],
      ['note', kase, '1', 'first note'],
      ['note', kase, '1', 'second note'],
    ]) {
      const r = runCli(args);
      assert.equal(r.code, 0, describeRun(r));
    }
    const rows = events(kase);
    assert.ok(rows.length >= 20, `enough events to attack: ${rows.length}`);
    // Three rows far apart, none of them a checkpoint's head (so the chain itself must tell).
    const pick = (from: number): number => rows.find((r) => r.seq >= from && r.action !== 'custody.checkpoint' && r.action !== 'officer.signed-out')!.seq;
    edited = pick(3);
    deleted = pick(Math.floor(rows.length / 2));
    forged = pick(rows.length - 6);
    assert.ok(edited < deleted && deleted + 1 < forged && forged < rows[rows.length - 1]!.seq, `${edited} ${deleted} ${forged}`);
    withDb(kase, (db) => {
      db.exec('DROP TRIGGER custody_events_no_update; DROP TRIGGER custody_events_no_delete;');
      // 1. An officer's name changed, the hash left as it was: "altered after it was written".
      db.prepare("UPDATE custody_events SET officer = 'Someone Else' WHERE seq = ?").run(edited);
      // 2. A row deleted: "missing".
      db.prepare('DELETE FROM custody_events WHERE seq = ?').run(deleted);
      // 3. A row re-written with its own hash recomputed: the next row no longer follows it.
      const row = db.prepare('SELECT * FROM custody_events WHERE seq = ?').get(forged) as EventRow;
      const fake: EventRow = { ...row, reason: 'nothing to see', details: sortedJson({ ...(JSON.parse(row.details) as object), forged: true }) };
      fake.hash = rowHash(fake);
      db.prepare('UPDATE custody_events SET reason = @reason, details = @details, hash = @hash WHERE seq = @seq').run(fake);
    });
  });

  after(() => {
    if (work) removeDir(work);
  });

  test('custody verify --json: all three problems, each with its sequence number', () => {
    const r = runCli(['custody', 'verify', kase, '--json']);
    assert.equal(r.code, 1, describeRun(r));
    const rep = JSON.parse(r.stdout) as Report;
    assert.equal(rep.ok, false);
    assert.deepEqual(
      rep.chain.problems.map((p) => [p.seq, p.problem]),
      [
        [edited, 'hash-mismatch'],
        [deleted, 'gap'],
        [forged + 1, 'broken-link'],
      ],
    );
    assert.equal(rep.chain.firstBad?.seq, edited, 'firstBad kept for existing callers');
    const chainFindings = rep.findings.filter((f) => f.what === 'chain-broken').map((f) => f.seq);
    for (const seq of [edited, deleted, forged + 1]) assert.ok(chainFindings.includes(seq), `finding at ${seq}: ${JSON.stringify(rep.findings)}`);
  });

  test('custody verify and verify print every one of them', () => {
    const c = runCli(['custody', 'verify', kase]);
    assert.equal(c.code, 1, describeRun(c));
    assert.match(c.stdout, new RegExp(`BROKEN at event ${edited} \\(3 broken links, each listed below\\)`));
    assert.ok(c.stdout.includes(`! event ${edited}: custody event ${edited} was altered after it was written`), c.stdout);
    assert.ok(c.stdout.includes(`! event ${deleted}: custody event ${deleted} is missing`), c.stdout);
    assert.ok(c.stdout.includes(`! event ${forged + 1}: custody event ${forged + 1} does not follow event ${forged}`), c.stdout);
    assert.match(c.stdout, /Custody verification FAILED\n?$/);

    const v = runCli(['verify', kase]);
    assert.equal(v.code, 1, describeRun(v));
    assert.ok(v.stdout.includes(`BROKEN at event ${edited}: custody event ${edited} was altered after it was written`), v.stdout);
    assert.match(v.stdout, /3 problems in the chain, each listed below/);
    assert.ok(v.stdout.includes(`! event ${deleted}: custody event ${deleted} is missing`), v.stdout);
    assert.ok(v.stdout.includes(`! event ${forged + 1}: custody event ${forged + 1} does not follow event ${forged}`), v.stdout);
    // The first one is in the BROKEN line, not listed twice.
    assert.equal(v.stdout.split(`custody event ${edited} was altered`).length, 2, v.stdout);
  });
});
