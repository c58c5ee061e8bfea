// Full-text search after an ingest: every generated fixture (each encoding and format) is found
// by a word in it, Japanese and Chinese substrings match, snippets mark the hits, filters
// combine in SQL, short terms fall back to a scan and say so, and `reindex` extracts text for a
// case whose items were ingested without it. Through the service and the CLI.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parseQuery, searchItemIds, searchTuning, snippetsOf } from '../../src/core/search/search.ts';
import { itemsWithText, itemText } from '../../src/core/text/store.ts';
import { JA_NOTICE, textFixtures, writeTextTree } from '../fixtures/texts.ts';
import { newCase, runCli, tempDir, exhibitIn, recordExhibitAt, EXH } from './helpers.ts';

async function ingested(t: Parameters<typeof newCase>[0]) {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  const fixtures = writeTextTree(src);
  const summary = await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 2 });
  const { items } = tc.service.listItems({ casePath: tc.casePath, kind: 'file', limit: 1000 });
  return { ...tc, fixtures, summary, ids: new Map(items.map((i) => [i.path, i.id])) };
}

test('ingest indexes every fixture: each is found by a word in it, with a snippet marking the hit', async (t) => {
  const { service, session, casePath, fixtures, summary, ids } = await ingested(t);
  assert.equal(summary.errorCount, 0, JSON.stringify(summary.problems));
  for (const f of fixtures) {
    const r = service.search({ session, query: f.find.includes(' ') ? `"${f.find}"` : f.find, limit: 100 });
    const hit = r.hits.find((h) => h.path === f.path);
    assert.ok(hit, `${f.path}: "${f.find}" found (got ${r.hits.map((h) => h.path).join(', ')})`);
    assert.equal(hit.format, f.kind, f.path);
    const s = hit.snippets[0]!;
    const [a, b] = s.hits[0]!;
    assert.equal(s.text.slice(a, b).toLowerCase(), f.find.normalize('NFKC').toLowerCase(), `${f.path}: snippet marks the hit`);
    assert.equal(r.mode, 'index', f.path);
  }
  // The noise is indexed too, and a binary is not.
  assert.ok(service.search({ session, query: 'curry powder' }).hits.some((h) => h.path === 'Noise/recipe.txt'));
  const db = new Database(join(casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  assert.equal(itemText(db, ids.get('Noise/binary.bin')!), null);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM item_text WHERE item_id = ?').get(ids.get('Noise/binary.bin')!) as { n: number }).n, 0);
});

test('Japanese substring search: "未払い" inside "サイト利用料の未払いがあります", full-width and case folded', async (t) => {
  const { service, session, ids } = await ingested(t);
  const r = service.search({ session, query: '未払い' });
  const paths = r.hits.map((h) => h.path);
  for (const p of ['Documents/manual.pdf', 'Documents/マニュアル.docx', 'Notes/utf16le-bom.txt', 'Notes/eucjp.txt', 'Documents/名簿_sjis.csv', 'Chats/[LINE] ボス王とのトーク.txt']) {
    assert.ok(paths.includes(p), p);
  }
  assert.equal(r.total, r.hits.length);
  assert.ok(r.hits.every((h, i) => i === 0 || h.score >= r.hits[i - 1]!.score), 'ranked by BM25');
  // Full-width digits in the query match the ASCII in the text (both NFKC), and case folds.
  const fw = service.search({ session, query: '０９０－１０００－１０００' });
  assert.ok(fw.hits.some((h) => h.id === ids.get('Documents/名簿_sjis.csv')));
  assert.ok(service.search({ session, query: 'VICTIM LIST' }).hits.some((h) => h.path.startsWith('Chats/WhatsApp')));
  // Phrases keep their spaces; separate words must all occur.
  assert.equal(service.search({ session, query: '"gate code is 4471"' }).total, 1);
  assert.equal(service.search({ session, query: 'gate 4471 passport' }).total, 1);
  assert.equal(service.search({ session, query: 'gate nothing-like-this' }).total, 0);
  // Chat speakers are searchable with their words.
  assert.equal(service.search({ session, query: '"Handler Wei: Send the new victim list"' }).total, 1);
});

test('terms shorter than three characters: through the index vocabulary, or a scan that says so', async (t) => {
  const { service, session } = await ingested(t);
  // "詐欺" has no trigram of its own: the trigrams that start with it stand in for it.
  const short = service.search({ session, query: '詐欺' });
  assert.equal(short.mode, 'index');
  assert.deepEqual(short.hits.map((h) => h.path), ['Documents/手順.odt']);
  const mixed = service.search({ session, query: '還付金 詐欺' });
  assert.equal(mixed.mode, 'index');
  assert.deepEqual(mixed.hits.map((h) => h.path), ['Documents/手順.odt']);
  // One character, at the very end of a text, and a term that occurs nowhere.
  assert.deepEqual(service.search({ session, query: '牛' }).hits.map((h) => h.path), ['Notes/utf8.txt']);
  assert.ok(service.search({ session, query: '。' }).hits.some((h) => h.path === 'Notes/gb18030.txt'), 'the last character of a text');
  assert.equal(service.search({ session, query: '鰻' }).total, 0);
  // A term that starts too many trigrams is checked by scanning the text instead.
  searchTuning.maxExpansion = 0;
  t.after(() => {
    searchTuning.maxExpansion = 2000;
  });
  const scan = service.search({ session, query: '詐欺' });
  assert.equal(scan.mode, 'scan');
  assert.match(scan.note ?? '', /scanned/);
  assert.deepEqual(scan.hits.map((h) => h.path), ['Documents/手順.odt']);
  const both = service.search({ session, query: '還付金 詐欺' });
  assert.equal(both.mode, 'index+scan');
  assert.deepEqual(both.hits.map((h) => h.path), ['Documents/手順.odt']);
});

test('filters combine in SQL: type, tag, exhibit, format, modification dates, GPS; paging', async (t) => {
  const { service, session, casePath, ids } = await ingested(t);
  const textPlain = service.search({ session, query: '未払い', type: 'text/plain' }).hits.map((h) => h.path);
  assert.ok(textPlain.includes('Notes/eucjp.txt') && textPlain.includes('Chats/[LINE] ボス王とのトーク.txt'));
  assert.ok(!textPlain.includes('Documents/manual.pdf') && !textPlain.includes('Documents/名簿_sjis.csv'));
  assert.deepEqual(service.search({ session, query: '未払い', type: 'application/pdf' }).hits.map((h) => h.path), ['Documents/manual.pdf']);
  assert.ok(service.search({ session, query: '未払い', type: 'text' }).hits.some((h) => h.path === 'Documents/名簿_sjis.csv'));
  assert.deepEqual(service.search({ session, query: '未払い', format: 'line' }).hits.map((h) => h.path), ['Chats/[LINE] ボス王とのトーク.txt']);

  service.tagItems({ session, tag: 'target-list', ids: [ids.get('Documents/名簿.xlsx')!] });
  assert.deepEqual(service.search({ session, query: '未払い', tag: 'target-list' }).hits.map((h) => h.path), ['Documents/名簿.xlsx']);
  assert.deepEqual(service.search({ session, query: '未払い', tag: 'target-list', type: 'text/plain' }).hits, []);
  assert.equal(service.search({ session, query: '未払い', exhibit: 'EXH-002' }).total, 0);
  assert.ok(service.search({ session, query: '未払い', exhibit: 'EXH-001' }).total > 5);

  // Modification times and GPS, set directly on two items of the synthetic case.
  const db = new Database(join(casePath, 'case.db'));
  t.after(() => db.close());
  db.prepare("UPDATE items SET mtime = '2023-06-01T10:00:00.000000000Z' WHERE id = ?").run(ids.get('Notes/eucjp.txt')!);
  db.prepare('INSERT OR REPLACE INTO metadata (item_id, lat, lon) VALUES (?, 10.6, 103.5)').run(ids.get('Notes/utf16le-bom.txt')!);
  assert.deepEqual(service.search({ session, query: '未払い', until: '2023-06-01' }).hits.map((h) => h.path), ['Notes/eucjp.txt']);
  assert.deepEqual(service.search({ session, query: '未払い', until: '2023-06-01T10:00:00Z' }).hits.map((h) => h.path), ['Notes/eucjp.txt']);
  assert.equal(service.search({ session, query: '未払い', until: '2023-06-01T09:59:59+00:00' }).total, 0);
  assert.ok(!service.search({ session, query: '未払い', since: '2023-06-02' }).hits.some((h) => h.path === 'Notes/eucjp.txt'));
  assert.deepEqual(service.search({ session, query: '未払い', hasGps: true }).hits.map((h) => h.path), ['Notes/utf16le-bom.txt']);
  assert.throws(() => service.search({ session, query: 'x', since: 'yesterday' }), /not a date/);

  const all = service.search({ session, query: '未払い', limit: 100 });
  const page = service.search({ session, query: '未払い', limit: 2, offset: 2 });
  assert.equal(page.total, all.total);
  assert.deepEqual(page.hits.map((h) => h.id), all.hits.slice(2, 4).map((h) => h.id));
  assert.deepEqual(searchItemIds(db, '未払い', { type: 'text/plain' }), [...new Set(all.hits.filter((h) => textPlain.includes(h.path)).map((h) => h.id))].sort((a, b) => a - b));
});

test('the text store for the detectors: itemText and itemsWithText', async (t) => {
  const { casePath, ids, summary } = await ingested(t);
  const db = new Database(join(casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  assert.equal(itemText(db, ids.get('Notes/utf16le-bom.txt')!), JA_NOTICE);
  assert.equal(itemText(db, ids.get('Noise/binary.bin')!), null);
  const withText = [...itemsWithText(db)];
  assert.equal(withText.length, textFixtures().length + 4, 'every fixture and the four text noise files');
  assert.deepEqual([...itemsWithText(db, summary.sourceId)], withText);
  assert.deepEqual([...itemsWithText(db, summary.sourceId + 1)], []);
  assert.equal(withText.find((x) => x.id === ids.get('Chats/_chat.txt'))!.kind, 'whatsapp');
});

test('reindex: a case ingested without text becomes searchable; --all re-reads; a custody event each time', async (t) => {
  const { service, session, casePath } = await ingested(t);
  const db = new Database(join(casePath, 'case.db'));
  t.after(() => db.close());
  // As a case ingested before text search existed: no text at all.
  db.exec('DELETE FROM text_index; DELETE FROM item_text;');
  assert.equal(service.search({ session, query: '未払い' }).total, 0);
  const progress: number[] = [];
  const r = await service.reindexText({ session, workers: 2 }, { onProgress: (p) => progress.push(p.done) });
  assert.equal(r.status, 'finished');
  assert.equal(r.indexed, textFixtures().length + 4);
  assert.equal(r.errors, 0, JSON.stringify(r.problems));
  assert.ok(progress.length > 0 && progress.at(-1) === r.candidates);
  assert.ok(service.search({ session, query: '未払い' }).total >= 8);
  for (const f of textFixtures()) assert.ok(service.search({ session, query: f.find }).hits.some((h) => h.path === f.path), f.path);
  // The second time nothing is read again: the binary noise file, the only item without text, was
  // typed application/octet-stream at ingest (not text); --all reads everything.
  const second = await service.reindexText({ session, workers: 1 });
  assert.deepEqual([second.candidates, second.indexed], [0, 0]);
  const again = await service.reindexText({ session, all: true, workers: 1 });
  assert.equal(again.indexed, r.indexed);
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM text_index').get() as { n: number }).n, r.indexed);
  const events = service.custodyLog({ casePath, action: 'text.reindexed' });
  assert.equal(events.length, 3);
  assert.equal(events[0]!.details.indexed, r.indexed);
});

test('query parsing and snippets', () => {
  assert.deepEqual(parseQuery('  未払い  "lawyer fee"  ＡＢＣ 未払い '), ['未払い', 'lawyer fee', 'ABC']);
  const s = snippetsOf('x'.repeat(100) + 'サイト利用料の未払いがあります' + 'y'.repeat(100) + '未払い', ['未払い'], 3, 10);
  assert.equal(s.occurrences, 2);
  assert.equal(s.snippets.length, 2);
  assert.equal(s.snippets[0]!.text, '…xxxサイト利用料の未払いがありますyyyyy…');
  const [a, b] = s.snippets[0]!.hits[0]!;
  assert.equal(s.snippets[0]!.text.slice(a, b), '未払い');
});

test('CLI: search with snippets and filters, --json, and reindex', async (t) => {
  const { casePath } = await ingested(t);
  const r = await runCli(['search', casePath, '未払い', '--type', 'text/plain']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\d+ {2}Notes\/eucjp\.txt {2}\(text, EXH-001, \d+ B, 1 hit\(s\)\)$/m);
  assert.match(r.out, /^ +サイト利用料の«未払い»があります。/m);
  assert.match(r.out, /^1-\d+ of \d+ items \(/m);
  assert.doesNotMatch(r.out, /manual\.pdf/);
  const j = await runCli(['search', casePath, 'victim list', '--format', 'whatsapp', '--json']);
  const parsed = JSON.parse(j.out) as { total: number; hits: { path: string }[] };
  assert.deepEqual(parsed.hits.map((h) => h.path), ['Chats/WhatsApp Chat with Handler Wei.txt']);
  const none = await runCli(['search', casePath, 'no such words here']);
  assert.equal(none.code, 0);
  assert.match(none.out, /No item's text contains/);
  const short = await runCli(['search', casePath, '詐欺']);
  assert.match(short.out, /手順\.odt/);
  const db = new Database(join(casePath, 'case.db'));
  db.exec('DELETE FROM text_index; DELETE FROM item_text;');
  db.close();
  const re = await runCli(['reindex', casePath]);
  assert.equal(re.code, 0, re.err);
  assert.match(re.out, /Text indexed: \d+ of \d+ items that may hold text/);
  assert.match((await runCli(['search', casePath, '未払い', '--type', 'text/plain'])).out, /Notes\/eucjp\.txt/);
});

test('CLI: ingest --no-text leaves the text for reindex', async (t) => {
  const work = tempDir(t);
  const src = join(work, 'phone');
  writeTextTree(src, false);
  const casePath = join(work, 'case');
  assert.equal((await runCli(['case', 'init', casePath, '--name', 'N', '--number', 'N-1', '--officer', 'DS Tanaka'])).code, 0);
  recordExhibitAt(casePath);
  const ing = await runCli(['ingest', casePath, src, '--exhibit', EXH, '--no-text']);
  assert.equal(ing.code, 0, ing.err);
  assert.match((await runCli(['search', casePath, '未払い'])).out, /No item's text contains "未払い"/);
  const re = await runCli(['reindex', casePath, '--json']);
  assert.equal(re.code, 0, re.err);
  assert.equal((JSON.parse(re.out) as { indexed: number }).indexed, textFixtures().length);
  const found = await runCli(['search', casePath, '未払い', '--json']);
  assert.ok((JSON.parse(found.out) as { total: number }).total >= 8);
});
