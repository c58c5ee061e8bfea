// The ingest as stages (issue 11): the catalogue first (every item row committed, no text read),
// then the text stage (text and detectors on the workers, from the store copies), then the index
// stage; each reports its own progress, and each is resumed after a cancel or a kill -9 with only
// what is left done. `text: false` stops after the catalogue. Checked against the database itself
// (a second, read-only connection) and the FTS5 index's own integrity check.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { IngestProgress } from '../../src/shared/contract.ts';
import { writeTextTree } from '../fixtures/texts.ts';
import { binPath, newCase, projectRoot, tempDir, exhibitIn } from './helpers.ts';

type Db = InstanceType<typeof Database>;
const count = (db: Db, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

/** 2,000 notes, each with a word of its own and words a detector rule looks for. */
function manyNotes(root: string): void {
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) {
      writeFileSync(join(root, `d${d}`, `note${f}.txt`), `note ${d}-${f}: 口座番号 ${d * 1000 + f} の確認 uniqueword${d}x${f}\n`.repeat(40));
    }
  }
}

/** The FTS5 index agrees with its content: no entry doubled or left behind (throws if not). */
function ftsIntact(casePath: string): void {
  const rw = new Database(join(casePath, 'case.db'));
  try {
    rw.exec("INSERT INTO text_index (text_index, rank) VALUES ('integrity-check', 1)");
  } finally {
    rw.close();
  }
}

test('stages in order, each with its own progress: the catalogue is complete before any text is read, the text recorded before it is indexed', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  writeTextTree(src);
  const db = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  const seen: IngestProgress[] = [];
  // What the database holds when each stage begins (read as the first event of the stage arrives).
  const atStart: Record<string, { items: number; texts: number; unindexed: number }> = {};
  const summary = await tc.service.ingest(
    { session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 2 },
    {
      onProgress: (p) => {
        seen.push(p);
        const stage = p.stage ?? 'catalogue';
        if (p.phase !== 'scanning' && !atStart[stage]) {
          atStart[stage] = {
            items: count(db, 'SELECT COUNT(*) AS n FROM items'),
            texts: count(db, 'SELECT COUNT(*) AS n FROM item_text'),
            unindexed: count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0'),
          };
        }
      },
    },
  );
  assert.equal(summary.status, 'finished');
  const items = count(db, 'SELECT COUNT(*) AS n FROM items');
  const texts = count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE chars > 0');
  assert.ok(texts > 10, `texts read (${texts})`);

  // The stages in order, never back.
  const order = seen.map((p) => p.stage ?? 'catalogue').filter((s, i, a) => i === 0 || a[i - 1] !== s);
  assert.deepEqual(order, ['catalogue', 'text', 'index']);
  // The catalogue was complete when the text stage began, and nothing had been read for text.
  assert.deepEqual(atStart.text, { items, texts: 0, unindexed: 0 });
  // Every text was recorded, none indexed, when the index stage began.
  assert.equal(atStart.index!.unindexed, count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE chars > 0'));
  for (const stage of ['text', 'index'] as const) {
    const ps = seen.filter((p) => p.stage === stage);
    assert.equal(ps[0]!.stageDone, 0, `${stage} starts at 0`);
    const last = ps.at(-1)!;
    assert.ok(last.stageTotal! > 0 && last.stageDone === last.stageTotal, `${stage} ends with all done (${last.stageDone}/${last.stageTotal})`);
  }
  assert.equal(seen.filter((p) => p.stage === 'index').at(-1)!.stageTotal, texts, 'the index stage counts the items with text');
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0'), 0);
  // Search and the detectors as before: the text is found, suggestions are made and reported.
  assert.ok(tc.service.search({ session: tc.session, query: '未払い' }).total >= 8);
  const suggestions = count(db, 'SELECT COUNT(*) AS n FROM suggestions');
  assert.ok(suggestions > 0 && summary.analysis?.suggestions === suggestions, `suggestions ${suggestions}, reported ${summary.analysis?.suggestions}`);
  ftsIntact(tc.casePath);
});

test('a busy machine: every stage still reports its last event (all done), however the throttle drops the ones between', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  writeTextTree(src);
  const exhibit = exhibitIn(tc.service, tc.session, 'EXH-001');
  // The clock stands still: every progress event after a stage's first falls inside the
  // throttle's 100 ms, as on a machine too busy to report often (CI saw "text 12/26" as the text
  // stage's last word). Only the events the ingest forces get through.
  const frozen = Date.now();
  t.mock.method(Date, 'now', () => frozen);
  const seen: IngestProgress[] = [];
  const summary = await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit, workers: 2 }, { onProgress: (p) => seen.push(p) });
  t.mock.restoreAll();
  assert.equal(summary.status, 'finished');
  for (const stage of ['text', 'index'] as const) {
    const last = seen.filter((p) => p.stage === stage).at(-1)!;
    assert.ok(last.stageTotal! > 0 && last.stageDone === last.stageTotal, `${stage} ends with all done (${last.stageDone}/${last.stageTotal})`);
  }
});

test('text: false stops after the catalogue; a later reindex job gives the text, the index and the suggestions', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  writeTextTree(src);
  const stages = new Set<string>();
  const summary = await tc.service.ingest(
    { session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 2, text: false },
    { onProgress: (p) => stages.add(p.stage ?? 'catalogue') },
  );
  assert.equal(summary.status, 'finished');
  assert.deepEqual([...stages], ['catalogue']);
  const db = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM item_text'), 0, 'no text read');
  assert.equal(tc.service.search({ session: tc.session, query: '未払い' }).total, 0);

  // evidence reindex as a job: its progress goes through both stages, then its summary.
  const events: string[] = [];
  const off = tc.service.onEvent((e) => {
    if (e.payload.job !== 'reindex') return;
    events.push(e.type === 'job.progress' ? `progress/${(e.payload.progress as { stage: string }).stage}` : e.type);
  });
  t.after(off);
  const { jobId } = tc.service.startReindex({ session: tc.session, workers: 2 });
  const status = await tc.service.jobs.settled(jobId);
  assert.equal(status.state, 'finished', JSON.stringify(status.error));
  const r = status.result as { status: string; indexed: number };
  assert.equal(r.status, 'finished');
  assert.equal(r.indexed, count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE chars > 0'));
  const order = events.filter((s, i, a) => i === 0 || a[i - 1] !== s);
  assert.deepEqual(order, ['progress/text', 'progress/index', 'job.finished']);
  assert.ok(tc.service.search({ session: tc.session, query: '未払い' }).total >= 8);
  assert.ok(count(db, 'SELECT COUNT(*) AS n FROM suggestions') > 0);
  assert.ok(
    tc.service.custodyLog({ casePath: tc.casePath, action: 'text.reindexed' }).length === 1,
    'the reindex is one custody event',
  );
});

test('cancelled in the text stage: interrupted with the catalogue complete; the same ingest again reads only what is left and indexes it all', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'many');
  manyNotes(src);
  const db = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  const ac = new AbortController();
  const first = await tc.service.ingest(
    { session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-2'), workers: 1 },
    {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.stage === 'text' && (p.stageDone ?? 0) >= 100) ac.abort();
      },
    },
  );
  assert.equal(first.status, 'interrupted');
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM items WHERE kind = 'file'"), 2000, 'the catalogue is complete');
  const partial = count(db, 'SELECT COUNT(*) AS n FROM item_text');
  assert.ok(partial >= 100 && partial < 2000, `cut in the text stage (${partial} of 2000 read)`);
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM sources WHERE status = 'interrupted'"), 1);

  const textTotals: number[] = [];
  const again = await tc.service.ingest(
    { session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-2'), workers: 2 },
    { onProgress: (p) => p.stage === 'text' && textTotals.push(p.stageTotal ?? -1) },
  );
  assert.equal(again.status, 'finished');
  assert.equal(again.resumed, true);
  assert.equal(again.items, 0, 'no item recorded twice');
  assert.equal(textTotals.at(-1), 2000 - partial, 'the text stage reads only what was not read');
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM item_text'), 2000);
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0'), 0);
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM text_index WHERE text_index MATCH '口座番号'"), 2000, 'each in the index once');
  assert.equal(tc.service.search({ session: tc.session, query: 'uniqueword7x42' }).total, 1);
  ftsIntact(tc.casePath);
});

test('kill -9 in the text stage: the next run resumes the source, reads only what is left, every text once and searchable', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'many');
  manyNotes(src);
  const db = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  exhibitIn(tc.service, tc.session, 'EXH-3');
  const child = spawn(process.execPath, [binPath, 'ingest', tc.casePath, src, '--exhibit', 'EXH-3', '--workers', '1'], {
    cwd: projectRoot,
    env: { ...process.env, EVIDENCE_OFFICER: tc.officer },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  const deadline = Date.now() + 180_000;
  const read = (): number => {
    try {
      return count(db, 'SELECT COUNT(*) AS n FROM item_text');
    } catch {
      return 0; // the case is being created or migrated
    }
  };
  while (read() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM items WHERE kind = 'file'"), 2000, 'the catalogue was complete before the text stage');
  const partial = read();
  assert.ok(partial >= 100 && partial < 2000, `killed in the text stage (${partial} of 2000 read)`);

  const again = await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-3'), workers: 2 });
  assert.equal(again.status, 'finished');
  assert.equal(again.resumed, true);
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM items'), 2020, '2,000 notes and 20 folders, none twice');
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM item_text'), 2000);
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM text_content'), 2000);
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0'), 0);
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM text_index WHERE text_index MATCH '口座番号'"), 2000, 'each in the index once');
  assert.equal(tc.service.search({ session: tc.session, query: 'uniqueword19x99' }).total, 1);
  const actions = tc.service.custodyLog({ casePath: tc.casePath }).map((e) => e.action).filter((a) => a.startsWith('ingest.'));
  assert.deepEqual(actions, ['ingest.started', 'ingest.resumed', 'ingest.finished']);
  ftsIntact(tc.casePath);
});
