// The one item filter (src/core/catalogue/filter.ts): a filter means the same in the catalogue's
// listing (evidence ls, the app's catalogue), in tagging by filter or search and in the full-text
// search. Checked against what the test itself wrote (paths, exhibits, times, tags), and each way
// of asking against the others, on a real case with real ingests.
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { ItemFilterInput } from '../../src/shared/contract.ts';
import { newCase, runCli, tempDir } from './helpers.ts';

interface Written {
  path: string;
  exhibit: string;
  mtime: string;
}

/** Two exports of one phone each: text, CSV, a PNG named .jpg, with chosen mtimes. */
function writeExport(root: string, exhibit: string, day: number): Written[] {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082', 'hex');
  const files: [string, Buffer | string][] = [
    ['Documents/notes.txt', '未払いの件、明日までに連絡すること。payment overdue\n'],
    ['Documents/targets.csv', 'name,phone\n佐藤 太郎,090-1234-5678\n'],
    ['Pictures/caption.txt', 'holiday snap, payment for the trip\n'],
    // A PNG named .jpg: an extension mismatch.
    ['Pictures/tiny.jpg', png],
    // The second export differs (else it would be refused as already ingested).
    ...(exhibit === 'EXH-002' ? ([['Downloads/receipt.log', 'paid 3 BTC\n']] as [string, string][]) : []),
  ];
  const out: Written[] = [];
  files.forEach(([p, data], k) => {
    const full = join(root, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, data);
    const mtime = new Date(Date.UTC(2024, 2, day + k, 12, 0, 0));
    utimesSync(full, mtime, mtime);
    out.push({ path: p, exhibit, mtime: mtime.toISOString() });
  });
  return out;
}

test('one filter, one meaning: listing, counting, tagging by filter and search agree, and with what was written', async (t) => {
  const tc = newCase(t);
  const { service, session, casePath } = tc;
  const dir = tempDir(t);
  service.addExhibit({ session, number: 'EXH-001' });
  service.addExhibit({ session, number: 'EXH-002' });
  const written = [...writeExport(join(dir, 'a'), 'EXH-001', 1), ...writeExport(join(dir, 'b'), 'EXH-002', 10)];
  await service.ingest({ session, sourcePath: join(dir, 'a'), exhibit: 'EXH-001', workers: 1 });
  await service.ingest({ session, sourcePath: join(dir, 'b'), exhibit: 'EXH-002', workers: 1 });

  const all = service.listItems({ casePath, kind: 'file', limit: 1000 }).items;
  assert.equal(all.length, written.length);
  const idOf = (exhibit: string, path: string): number => all.find((i) => i.exhibit === exhibit && i.path === path)!.id;
  const ids = (ws: Written[]): number[] => ws.map((w) => idOf(w.exhibit, w.path)).sort((a, b) => a - b);
  const tagged = [idOf('EXH-001', 'Documents/notes.txt'), idOf('EXH-002', 'Pictures/caption.txt')];
  service.tagItems({ session, tag: 'scam-manual', ids: tagged });

  const cases: { filter: ItemFilterInput; expect: number[] }[] = [
    { filter: { exhibit: 'EXH-002' }, expect: ids(written.filter((w) => w.exhibit === 'EXH-002')) },
    { filter: { pathContains: 'Pictures/' }, expect: ids(written.filter((w) => w.path.startsWith('Pictures/'))) },
    { filter: { tag: 'scam-manual' }, expect: [...tagged].sort((a, b) => a - b) },
    { filter: { tag: 'scam-manual', exhibit: 'EXH-001' }, expect: [tagged[0]!] },
    // A date alone is that whole day; both ends inclusive; since/until and dateFrom/dateTo alike.
    { filter: { since: '2024-03-02', until: '2024-03-03' }, expect: ids(written.filter((w) => w.mtime >= '2024-03-02' && w.mtime < '2024-03-04')) },
    { filter: { dateFrom: '2024-03-02', dateTo: '2024-03-03' }, expect: ids(written.filter((w) => w.mtime >= '2024-03-02' && w.mtime < '2024-03-04')) },
    { filter: { until: '2024-03-10T12:00:00+00:00' }, expect: ids(written.filter((w) => w.mtime <= '2024-03-10T12:00:00.000Z')) },
    { filter: { type: 'image' }, expect: ids(written.filter((w) => w.path.endsWith('.jpg'))) },
    { filter: { mismatch: true }, expect: ids(written.filter((w) => w.path.endsWith('.jpg'))) },
    { filter: { family: 'documents', exhibit: 'EXH-001' }, expect: ids(written.filter((w) => w.exhibit === 'EXH-001' && w.path.endsWith('.txt'))) },
    { filter: { family: 'spreadsheets' }, expect: ids(written.filter((w) => w.path.endsWith('.csv'))) },
  ];
  for (const { filter, expect } of cases) {
    const what = JSON.stringify(filter);
    const listed = service.listItems({ casePath, ...filter, kind: 'file', limit: 1000 });
    assert.deepEqual(listed.items.map((i) => i.id).sort((a, b) => a - b), expect, `ls ${what}`);
    assert.equal(listed.total, expect.length, `count ${what}`);
    // Tagging by the same filter reaches exactly those items (and nothing else).
    const change = service.tagItems({ session, tag: 'irrelevant', where: { ...filter, kind: 'file' } });
    assert.deepEqual([...change.changed, ...change.unchanged].sort((a, b) => a - b), expect, `tag by filter ${what}`);
    service.untagItems({ session, tag: 'irrelevant', where: { ...filter, kind: 'file' } });
  }

  // The search narrows its hits by the same filter: "payment" is in notes.txt and caption.txt of both exports.
  const hits = (filter: ItemFilterInput): number[] => service.search({ session, query: 'payment', ...filter }).hits.map((h) => h.id).sort((a, b) => a - b);
  assert.deepEqual(hits({}), ids(written.filter((w) => /notes|caption/.test(w.path))));
  assert.deepEqual(hits({ pathContains: 'Pictures/' }), ids(written.filter((w) => w.path === 'Pictures/caption.txt')));
  assert.deepEqual(hits({ type: 'text/plain', exhibit: 'EXH-002' }), ids(written.filter((w) => w.exhibit === 'EXH-002' && /notes|caption/.test(w.path))));
  assert.deepEqual(hits({ tag: 'scam-manual' }), [...tagged].sort((a, b) => a - b));
  assert.deepEqual(hits({ family: 'documents', pathContains: 'Documents/' }), ids(written.filter((w) => w.path === 'Documents/notes.txt')));

  // A date that is no date is refused in words, wherever it is given.
  assert.throws(() => service.listItems({ casePath, dateFrom: 'last tuesday' }), /"last tuesday" is not a date/);
  assert.throws(() => service.search({ session, query: 'payment', since: 'yesterday' }), /not a date/);

  // The CLI's ls takes the search's filters too (--tag, --since/--until).
  service.close();
  const r = await runCli(['ls', casePath, '--tag', 'scam-manual', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((JSON.parse(r.out) as { items: { id: number }[] }).items.map((i) => i.id).sort((a, b) => a - b), [...tagged].sort((a, b) => a - b));
  const r2 = await runCli(['ls', casePath, '--since', '2024-03-10', '--kind', 'file', '--json']);
  assert.equal(r2.code, 0, r2.err);
  assert.deepEqual((JSON.parse(r2.out) as { items: { id: number }[] }).items.map((i) => i.id).sort((a, b) => a - b), ids(written.filter((w) => w.exhibit === 'EXH-002')));
});
