// The stages after the catalogue (src/core/stages): the text stage (text and detectors on the
// workers, read from the store copies) and the index stage (the full-text index), each with its
// own progress and resumable: a case ingested without text gets the same text, the same search
// results and the same suggestions as one ingested with it; an index stage cut short resumes;
// a reindex killed with SIGKILL resumes and finishes with nothing doubled; and a case from
// before migration 11 (the text inside the FTS table) searches the same after it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Case } from '../../src/core/case.ts';
import { runIndexStage } from '../../src/core/stages/fts/fts.ts';
import { runTextStage, type StageProgress } from '../../src/core/stages/text/text.ts';
import { writeTextTree } from '../fixtures/texts.ts';
import { binPath, newCase, projectRoot, tempDir, exhibitIn } from './helpers.ts';

const QUERIES = ['未払い', '詐欺', '牛', 'victim list', '"gate code is 4471"', '０９０－１０００－１０００', 'curry powder', 'ABC', '还款'];

type Tc = Pick<ReturnType<typeof newCase>, 'service' | 'session'>;

async function ingestTexts(t: Parameters<typeof newCase>[0], text: boolean) {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  writeTextTree(src);
  const summary = await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 2, text });
  return { ...tc, summary };
}

/** What searches give, by path (ids differ between cases, paths do not). */
function searches(tc: Tc) {
  return QUERIES.map((q) => {
    const r = tc.service.search({ session: tc.session, query: q, limit: 100 });
    return { q, total: r.total, mode: r.mode, hits: r.hits.map((h) => ({ path: h.path, format: h.format, snippets: h.snippets, score: h.score.toFixed(6) })) };
  });
}

function suggestionsOf(casePath: string) {
  const db = new Database(join(casePath, 'case.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT i.path, s.tag_id, s.rule_id, s.score, s.evidence FROM suggestions s JOIN items i ON i.id = s.item_id ORDER BY i.path, s.tag_id')
      .all();
  } finally {
    db.close();
  }
}

function withCase<T>(casePath: string, f: (k: Case) => Promise<T>): Promise<T> {
  const k = Case.open(casePath);
  return f(k).finally(() => k.close());
}

test('text stage then index stage on a case ingested without text: the same text, search results and suggestions as an ingest with text', async (t) => {
  const withText = await ingestTexts(t, true);
  const without = await ingestTexts(t, false);
  assert.equal(without.service.search({ session: without.session, query: '未払い' }).total, 0);
  const progress: StageProgress[] = [];
  const text = await withCase(without.casePath, (k) => runTextStage(k, { sourceId: without.summary.sourceId, workers: 2, onProgress: (p) => progress.push(p) }));
  assert.equal(text.status, 'finished');
  assert.equal(text.errors, 0, JSON.stringify(text.problems));
  assert.ok(text.indexed > 10);
  assert.deepEqual(
    [progress[0]!.stage, progress[0]!.done, progress.at(-1)!.done, progress.at(-1)!.total],
    ['text', 0, text.candidates, text.candidates],
    'its own progress, from 0 to all',
  );
  // Read, not yet indexed: search finds nothing until the index stage has run.
  assert.equal(without.service.search({ session: without.session, query: '未払い' }).total, 0);
  const idx: StageProgress[] = [];
  const index = await withCase(without.casePath, (k) => runIndexStage(k, { sourceId: without.summary.sourceId, onProgress: (p) => idx.push(p) }));
  assert.equal(index.status, 'finished');
  assert.equal(index.items, text.indexed);
  assert.equal(index.chars, text.chars + 2 * text.indexed, 'each text with its sentinel');
  assert.ok(index.charsPerCpuSecond === null || index.charsPerCpuSecond > 0);
  assert.deepEqual([idx[0]!.stage, idx.at(-1)!.done, idx.at(-1)!.total], ['index', index.items, index.items]);
  assert.deepEqual(searches(without), searches(withText), 'every search gives the same');
  assert.deepEqual(suggestionsOf(without.casePath), suggestionsOf(withText.casePath), 'the detectors on the workers suggest what they suggest after an ingest');
  assert.ok(text.suggestions > 0 && text.suggestions === suggestionsOf(without.casePath).length);
  // Both stages again: nothing left to do.
  const again = await withCase(without.casePath, async (k) => [await runTextStage(k, { workers: 1 }), await runIndexStage(k)] as const);
  assert.deepEqual([again[0].candidates, again[1].items], [0, 0]);
});

test('the index stage resumes where a cancel stopped it', async (t) => {
  const tc = await ingestTexts(t, false);
  await withCase(tc.casePath, (k) => runTextStage(k, { workers: 2 }));
  const ac = new AbortController();
  // Cancelled at once: nothing indexed, everything still pending.
  ac.abort();
  const cut = await withCase(tc.casePath, (k) => runIndexStage(k, { signal: ac.signal }));
  assert.deepEqual([cut.status, cut.items], ['interrupted', 0]);
  const db = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  const pending = (): number => (db.prepare('SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0').get() as { n: number }).n;
  assert.ok(pending() > 10);
  const before = pending();
  const rest = await withCase(tc.casePath, (k) => runIndexStage(k));
  assert.deepEqual([rest.status, rest.items, pending()], ['finished', before, 0]);
  assert.ok(tc.service.search({ session: tc.session, query: '未払い' }).total >= 8);
});

test('reindex killed with SIGKILL during the text stage resumes and finishes: every text once, all searchable', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'many');
  // Enough files that the kill lands in the middle of the text stage.
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(src, `d${d}`, `note${f}.txt`), `note ${d}-${f}: 口座番号 ${d * 1000 + f} の確認 uniqueword${d}x${f}\n`.repeat(40));
  }
  const summary = await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-9'), workers: 2, text: false });
  assert.equal(summary.files, 2000);
  const db = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  const child = spawn(process.execPath, [binPath, 'reindex', tc.casePath, '--workers', '1'], { cwd: projectRoot, env: { ...process.env, EVIDENCE_OFFICER: tc.officer }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  const deadline = Date.now() + 120_000;
  while (count('SELECT COUNT(*) AS n FROM item_text') < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const partial = count('SELECT COUNT(*) AS n FROM item_text');
  assert.ok(partial >= 100 && partial < 2000, `cut in the middle (${partial} of 2000 read)`);
  const r = await tc.service.reindexText({ session: tc.session, workers: 2 });
  assert.equal(r.status, 'finished');
  assert.equal(r.candidates, 2000 - partial, 'only what was not read');
  assert.equal(count('SELECT COUNT(*) AS n FROM item_text'), 2000);
  assert.equal(count('SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0'), 0);
  assert.equal(count('SELECT COUNT(*) AS n FROM text_content'), 2000);
  assert.equal(count("SELECT COUNT(*) AS n FROM text_index WHERE text_index MATCH '口座番号'"), 2000, 'each in the index once');
  assert.equal(tc.service.search({ session: tc.session, query: 'uniqueword7x42' }).total, 1);
  // The FTS5 index agrees with its content (no entry doubled or left behind).
  db.close();
  const rw = new Database(join(tc.casePath, 'case.db'));
  rw.exec("INSERT INTO text_index (text_index, rank) VALUES ('integrity-check', 1)");
  rw.close();
});

test('migration 11: a case whose text was inside the FTS table searches the same after it', async (t) => {
  const tc = await ingestTexts(t, true);
  const before = searches(tc);
  tc.service.close();
  // Put the case back in the shape of schema 10: the text inside text_index, no text_content, no
  // indexed column, migration 11 not applied.
  const db = new Database(join(tc.casePath, 'case.db'));
  db.exec(`
    CREATE TABLE old_text AS SELECT item_id, text FROM text_content;
    DROP TABLE text_index;
    DROP TABLE text_content;
    CREATE VIRTUAL TABLE text_index USING fts5(text, tokenize='trigram');
    INSERT INTO text_index (rowid, text) SELECT item_id, text FROM old_text;
    DROP TABLE old_text;
    DROP INDEX item_text_unindexed;
    ALTER TABLE item_text DROP COLUMN indexed;
    DELETE FROM schema_migrations WHERE version = 11;
    PRAGMA user_version = 10;
  `);
  db.close();
  const reopened = newCase(t);
  const { session } = reopened.service.signIn({ casePath: tc.casePath, officer: tc.officer, password: process.env.EVIDENCE_PASSWORD! });
  const after = searches({ service: reopened.service, session });
  assert.deepEqual(after, before);
  const check = new Database(join(tc.casePath, 'case.db'), { readonly: true });
  t.after(() => check.close());
  assert.equal((check.prepare('SELECT COUNT(*) AS n FROM item_text WHERE indexed = 0').get() as { n: number }).n, 0);
  // Migration 11 ran again (later migrations, e.g. 12's counters, are already there and stay).
  assert.equal((check.prepare('SELECT COUNT(*) AS n FROM schema_migrations WHERE version = 11').get() as { n: number }).n, 1);
});
