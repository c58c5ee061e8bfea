// The custody log a page at a time (issue 14): pages walked forwards (after), backwards (before),
// jumped to (offset) and opened at an event (at) join to exactly the whole filtered log, in order,
// with the right total; a bundle's log in memory pages the same way; the CLI prints the same log
// through pages. And the full custody check in a worker thread: the caller's thread keeps
// answering while it runs, and a tampered log still fails it, the event named.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Case } from '../../src/core/case.ts';
import { type LogFilter, pageOfEvents, queryLog, queryLogPage } from '../../src/core/custody/query.ts';
import { verifyCustody } from '../../src/core/custody/checkpoint.ts';
import { verifyCustodyOffThread } from '../../src/core/custody/offThread.ts';
import type { EvidenceService } from '../../src/core/service.ts';
import { type CustodyEvent, checkOutput } from '../../src/shared/contract.ts';
import { newCase, runCli, tempDir } from './helpers.ts';

const OFFICERS = ['DS Tanaka', 'Sgt. Dara Sok', 'Insp. Mei Tanaka'];
const ACTIONS = ['item.viewed', 'item.tagged', 'exhibit.sealed', 'note.added', 'item.untagged'];

/** The service's own writer connection to the case (as test/bench/ui.ts reaches it). */
function caseOf(service: EvidenceService, casePath: string): Case {
  return (service as unknown as { caseAt(p: string): Case }).caseAt(casePath);
}

/** `n` events of several officers, actions and targets, appended through the case's custody log. */
function addEvents(c: Case, n: number, officers = OFFICERS): void {
  c.db.transaction(() => {
    for (let k = 0; k < n; k++) {
      c.custody.append({
        officer: officers[k % officers.length]!,
        action: ACTIONS[k % 5]!,
        target: k % 7 === 0 ? 'exhibit:EXH-9' : `item:${(k % 50) + 1}`,
        details: { k },
      });
    }
  })();
}

/** Every page forwards by keyset; each page's offset where the one before ended. */
function walkForwards(db: Database.Database, f: LogFilter, limit: number): { events: CustodyEvent[]; total: number } {
  let page = queryLogPage(db, f, { limit });
  const total = page.total;
  const out: CustodyEvent[] = [];
  for (;;) {
    assert.equal(page.offset, out.length, 'the page starts where the last ended');
    assert.equal(page.total, total);
    assert.ok(page.events.length <= limit);
    out.push(...page.events);
    if (page.events.length < limit) break;
    page = queryLogPage(db, f, { after: page.events.at(-1)!.seq, limit });
  }
  return { events: out, total };
}

function walkBackwards(db: Database.Database, f: LogFilter, limit: number, head: number): CustodyEvent[] {
  const out: CustodyEvent[] = [];
  let before = head + 1;
  for (;;) {
    const page = queryLogPage(db, f, { before, limit });
    if (!page.events.length) break;
    assert.equal(page.offset + page.events.length + out.length, page.total, 'the page ends where the next began');
    out.unshift(...page.events);
    before = page.events[0]!.seq;
  }
  return out;
}

test('custody pages join to exactly the filtered log, in order, with the right total', (t) => {
  const { service, casePath } = newCase(t);
  const c = caseOf(service, casePath);
  addEvents(c, 1234);
  const db = c.db;
  const head = queryLog(db).at(-1)!.seq;
  const filters: LogFilter[] = [{}, { action: 'item' }, { action: 'exhibit.sealed' }, { officer: 'Sgt. Dara Sok' }, { target: 'exhibit:EXH-9', officer: 'DS Tanaka' }, { item: 7 }, { action: 'nothing.like.this' }];
  for (const f of filters) {
    const whole = queryLog(db, f);
    for (const limit of [1, 97, 200, 1000]) {
      if (limit === 1 && whole.length > 300) continue; // one event a page: only for the short logs
      const fw = walkForwards(db, f, limit);
      assert.equal(fw.total, whole.length, `total of ${JSON.stringify(f)}`);
      assert.deepEqual(fw.events.map((e) => e.seq), whole.map((e) => e.seq), `forwards by ${limit}: ${JSON.stringify(f)}`);
      assert.deepEqual(walkBackwards(db, f, limit, head).map((e) => e.seq), whole.map((e) => e.seq), `backwards by ${limit}: ${JSON.stringify(f)}`);
    }
    // The pages' events are the log's, field for field.
    assert.deepEqual(walkForwards(db, f, 200).events, whole);
    // A jump into the middle.
    const mid = Math.floor(whole.length / 2);
    assert.deepEqual(queryLogPage(db, f, { offset: mid, limit: 50 }).events, whole.slice(mid, mid + 50));
  }
  // Filters are respected on every page.
  for (const e of walkForwards(db, { officer: 'Sgt. Dara Sok', action: 'item' }, 100).events) {
    assert.equal(e.officer, 'Sgt. Dara Sok');
    assert.match(e.action, /^item\./);
  }
  // Opened at an event: the aligned page holding it, and where it is.
  const all = queryLog(db);
  for (const seq of [1, 200, 201, 777, head]) {
    const p = queryLogPage(db, {}, { at: seq, limit: 200 });
    const pos = all.findIndex((e) => e.seq === seq);
    assert.equal(p.at, pos);
    assert.equal(p.offset, Math.floor(pos / 200) * 200);
    assert.deepEqual(p.events.map((e) => e.seq), all.slice(p.offset, p.offset + 200).map((e) => e.seq));
  }
  // At an event the filter leaves out: no position, but the page where it would be.
  const viewed = queryLog(db, { action: 'item.viewed' });
  const other = all.find((e) => e.action === 'note.added' && e.seq > 600)!;
  const p = queryLogPage(db, { action: 'item.viewed' }, { at: other.seq, limit: 100 });
  assert.equal(p.at, null);
  const wouldBe = viewed.findIndex((e) => e.seq > other.seq);
  assert.equal(p.offset, Math.floor(wouldBe / 100) * 100);
  // The contract answers the same page (and refuses a page bigger than 1000).
  const viaService = service.custodyPage({ casePath, action: 'item', after: 100, limit: 300 });
  assert.deepEqual(viaService, queryLogPage(db, { action: 'item' }, { after: 100, limit: 300 }));
  assert.doesNotThrow(() => checkOutput('custodyPage', viaService));
  assert.doesNotThrow(() => checkOutput('custodyPage', service.custodyPage({ casePath, at: 5, limit: 10 })));
  assert.throws(() => service.custodyPage({ casePath, limit: 1001 }));
});

test('a log in memory (a bundle in review) pages exactly as the database does', (t) => {
  const { service, casePath } = newCase(t);
  const c = caseOf(service, casePath);
  addEvents(c, 450);
  const all = queryLog(c.db, { action: 'item' });
  const head = queryLog(c.db).at(-1)!.seq;
  const requests = [{}, { limit: 60 }, { after: 0, limit: 60 }, { after: 131, limit: 60 }, { before: 131, limit: 60 }, { before: head + 1, limit: 60 }, { before: 2, limit: 60 }, { offset: 77, limit: 60 }, { at: 133, limit: 60 }, { at: 132, limit: 60 }, { at: head + 50, limit: 60 }, { at: 1, limit: 60 }];
  for (const r of requests) {
    assert.deepEqual(pageOfEvents(all, r), queryLogPage(c.db, { action: 'item' }, r), JSON.stringify(r));
  }
});

test('the CLI prints the whole log through pages, as one listing would', async (t) => {
  const { service, casePath } = newCase(t);
  addEvents(caseOf(service, casePath), 2345);
  const whole = service.custodyLog({ casePath });
  assert.ok(whole.length > 2000, 'longer than two of the CLI pages');
  service.close();
  const json = await runCli(['log', casePath, '--json']);
  assert.equal(json.code, 0, json.err);
  assert.equal(json.out, JSON.stringify(whole, null, 2));
  const filtered = await runCli(['log', casePath, '--json', '--action', 'nothing.here']);
  assert.equal(filtered.out, '[]');
  const text = await runCli(['log', casePath, '--officer', 'Sgt. Dara Sok']);
  const lines = text.out.split('\n');
  const dara = whole.filter((e) => e.officer === 'Sgt. Dara Sok');
  assert.equal(lines.length, dara.length + 1, 'a header and one line an event');
  assert.match(lines[0]!, /^SEQ\s+TIME \(UTC\)/);
  assert.deepEqual(lines.slice(1).map((l) => Number(l.split(/\s+/)[0])), dara.map((e) => e.seq));
  // Every line is laid out with the same column widths (computed over every page).
  const at = lines[0]!.indexOf('OFFICER');
  for (const l of lines.slice(1)) assert.equal(l.slice(at, at + 'Sgt. Dara Sok'.length), 'Sgt. Dara Sok');
});

test('the custody check runs off the thread, complete: the caller keeps answering, a tampered event is named', async (t) => {
  const { service, casePath } = newCase(t);
  const c = caseOf(service, casePath);
  // The signed-in officer's own events: her session signs them, so the check passes as a whole.
  addEvents(c, 3000, ['DS Tanaka']);
  // The same report the in-thread check gives.
  const inThread = verifyCustody(c.db, [], {});
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const report = await service.verifyCustody({ casePath });
  clearInterval(timer);
  assert.equal(report.ok, true, JSON.stringify(report.findings.slice(0, 3)));
  assert.equal(report.chain.events, inThread.chain.events);
  assert.deepEqual(report, inThread);
  assert.ok(ticks > 0, 'this thread ran timers while the check ran');
  // While it runs, this thread answers the log's first page.
  const pending = service.verifyCustody({ casePath });
  const t0 = performance.now();
  const first = service.custodyPage({ casePath, limit: 100 });
  const pageMs = performance.now() - t0;
  assert.equal(first.events.length, 100);
  assert.ok((await pending).ok);
  t.diagnostic(`first page while the check runs: ${pageMs.toFixed(1)} ms`);

  // Event 1500 re-written in case.db behind the app's back (its append-only trigger dropped).
  const raw = new Database(join(casePath, 'case.db'));
  raw.exec('DROP TRIGGER custody_events_no_update');
  raw.prepare("UPDATE custody_events SET officer = 'Someone Else' WHERE seq = 1500").run();
  raw.close();
  const broken = await service.verifyCustody({ casePath });
  assert.equal(broken.ok, false);
  assert.equal(broken.chain.firstBad?.seq, 1500);
  const f = broken.findings.find((x) => x.seq === 1500);
  assert.ok(f, 'the finding names event 1500');
  assert.equal(f.what, 'chain-broken');
  assert.match(f.message, /custody event 1500 was altered/);
});

test('a case file gone while its custody check runs: refused in words (NOT_FOUND), not an internal error', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'case.db');
  await assert.rejects(verifyCustodyOffThread(dbPath), (err: unknown) => {
    assert.equal((err as { code?: string }).code, 'NOT_FOUND');
    assert.match((err as Error).message, /case\.db is gone: it was moved or deleted/);
    return true;
  });
});
