// Pages of the catalogue read from the rows already listed (src/core/catalogue/query.ts: a seek
// on the sort value and id instead of an OFFSET from the start), the counts kept while the case
// does not change, and a folder's count on one range of the path index. On a real ingest of
// files the test wrote (sizes repeated so ties are broken by id, folders and a ZIP's implied
// folders with no size or type, Japanese names): every page, read forward, backward and by
// jumps, must be exactly the slice of the order worked out here from the rows' own values.
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { ItemRow } from '../../src/shared/contract.ts';
import type { DB } from '../../src/core/db/open.ts';
import { itemFilterSql, whereSql } from '../../src/core/catalogue/filter.ts';
import { buildZip } from '../fixtures/archives.ts';
import { newCase, tempDir } from './helpers.ts';

type Sort = 'id' | 'path' | 'name' | 'size' | 'mime' | 'detected_ext' | 'ext_mismatch' | 'sha256' | 'mtime';
const SORTS: Sort[] = ['id', 'path', 'name', 'size', 'mime', 'detected_ext', 'ext_mismatch', 'sha256', 'mtime'];
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** Writes 180 files in 6 folders (some sizes and types alike) and a ZIP with members in folders. */
function writeExport(root: string): void {
  for (let k = 0; k < 180; k++) {
    const folder = ['DCIM/100APPLE', 'DCIM/101APPLE', 'Documents', 'Documents/契約', 'Download', 'LINE/写真'][k % 6]!;
    const ext = ['txt', 'jpg', 'csv', 'bin'][k % 4]!;
    const name = `${k % 3 === 0 ? '写真' : 'file'}_${String((k * 37) % 180).padStart(3, '0')}.${ext}`;
    // Sizes repeat (k % 9): the order within a size is by id. A PNG named .bin is a mismatch.
    const body = ext === 'bin' && k % 8 === 3 ? Buffer.concat([PNG, Buffer.alloc(k % 9)]) : Buffer.from(`${'x'.repeat(k % 9)}#${k}`.slice(-(k % 9) - 1));
    const full = join(root, folder, name);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, body);
    const t = new Date(Date.UTC(2024, 0, 1 + (k % 40), 12, 0, 0));
    utimesSync(full, t, t);
  }
  const zip = buildZip(
    Array.from({ length: 12 }, (_, k) => ({ name: `chats/${2020 + (k % 3)}/m${k}.txt`, data: Buffer.from(`message ${k}`), method: 8 as const })),
  );
  writeFileSync(join(root, 'Download', 'chats.zip'), zip);
}

/** The listing's order worked out from the rows: NULL first when ascending, then by id. */
function expectedOrder(rows: ItemRow[], sort: Sort, desc: boolean): number[] {
  const value = (r: ItemRow): string | number | null => (r as unknown as Record<string, string | number | null>)[sort] ?? null;
  const cmp = (a: ItemRow, b: ItemRow): number => {
    const [x, y] = [value(a), value(b)];
    let c = 0;
    if (x === null || y === null) c = x === null ? (y === null ? 0 : -1) : 1;
    else if (typeof x === 'number' && typeof y === 'number') c = x - y;
    // Code-point order (SQLite's BINARY on UTF-8); every name here is in the BMP.
    else c = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    return (c || a.id - b.id) * (desc ? -1 : 1);
  };
  return [...rows].sort(cmp).map((r) => r.id);
}

/** A fresh case with the generated export ingested into EXH-1, and the service's own connection. */
async function ingestedCase(t: TestContext) {
  const { service, casePath, session } = newCase(t);
  const src = join(tempDir(t, 'evidence-pages-'), 'phone');
  writeExport(src);
  service.addExhibit({ session, number: 'EXH-1' });
  await service.ingest({ session, sourcePath: src, exhibit: 'EXH-1', workers: 1 });
  const db = (service as unknown as { caseAt(p: string): { db: DB } }).caseAt(casePath).db;
  return { service, casePath, session, db };
}

test('pages read forward, backward and by jumps are the right rows in the right order, for every sort, with filters, and after a change', async (t) => {
  const { service, casePath, session, db } = await ingestedCase(t);

  const everything = service.listItems({ casePath, limit: 100_000 }).items;
  assert.ok(everything.length > 200, `${everything.length} items`);
  assert.ok(everything.some((r) => r.size === null || r.mime === null), 'folders and implied folders have no size or type: a NULL block');
  const tagged = everything.filter((r, k) => k % 3 !== 1).map((r) => r.id);
  service.tagItems({ session, tag: 'scam-manual', ids: tagged });
  const byId = new Map(everything.map((r) => [r.id, r]));

  const LIMIT = 7;
  const filters: { label: string; f: Record<string, unknown>; rows: ItemRow[] }[] = [
    { label: 'no filter', f: {}, rows: everything },
    { label: 'a tag on two thirds of the items', f: { tag: 'scam-manual' }, rows: tagged.map((id) => byId.get(id)!) },
    { label: 'everything under DCIM', f: { source: everything[0]!.source_id, folder: 'DCIM', folderDeep: true }, rows: everything.filter((r) => r.path.startsWith('DCIM/')) },
  ];
  for (const { label, f, rows } of filters) {
    for (const sort of SORTS) {
      for (const desc of [false, true]) {
        const want = expectedOrder(rows, sort, desc);
        const at = `${label}, ${sort} ${desc ? 'desc' : 'asc'}`;
        const page = (offset: number) => {
          const r = service.listItems({ casePath, ...f, sort, desc, limit: LIMIT, offset });
          assert.equal(r.total, rows.length, `${at}: the count`);
          return r.items.map((x) => x.id);
        };
        const check = (offset: number) => assert.deepEqual(page(offset), want.slice(offset, offset + LIMIT), `${at}: the page at ${offset}`);
        const last = Math.floor((want.length - 1) / LIMIT) * LIMIT;
        // Forward from the top, as a scroll reads them.
        for (let o = 0; o <= last; o += LIMIT) check(o);
        // A jump to the middle, then up page by page (the rows after are known), then the end and up.
        const mid = Math.floor(want.length / 2 / LIMIT) * LIMIT + 3;
        for (let o = mid; o >= 0; o -= LIMIT) check(o);
        check(last);
        for (let o = last - LIMIT; o >= 0 && o > last - 5 * LIMIT; o -= LIMIT) check(o);
        // Offsets not on a page boundary, and past the end.
        check(mid + 1);
        check(want.length - 2);
        assert.deepEqual(page(want.length + 5), [], `${at}: past the end`);
      }
    }
  }

  // A change between two pages: untagging an item on the first page moves the later rows up by
  // one, and the count follows (nothing remembered of the case before the change is used).
  const q = { casePath, tag: 'scam-manual', sort: 'name' as const, limit: LIMIT };
  const before = service.listItems({ ...q, offset: 2 * LIMIT });
  const first = service.listItems({ ...q, offset: 0 }).items[0]!;
  service.untagItems({ session, tag: 'scam-manual', ids: [first.id] });
  const after = service.listItems({ ...q, offset: 2 * LIMIT - 1 });
  assert.equal(after.total, before.total - 1);
  assert.deepEqual(
    after.items.map((r) => r.id),
    before.items.map((r) => r.id),
    'the rows at 14..20 are now at 13..19',
  );

  // The tag as a probe per item (chosen for a tag on many items) lists the same rows as the list
  // of the tag's items, in every order.
  for (const sort of ['id', 'size', 'name'] as const) {
    const sql = (probe: boolean) => {
      const { conditions, params } = itemFilterSql({ tag: 'scam-manual' }, { tagProbed: probe });
      return db.prepare(`SELECT i.id FROM items i ${whereSql(conditions)} ORDER BY i.${sort}, i.id`).pluck().all(params);
    };
    assert.deepEqual(sql(true), sql(false), `tag probed, by ${sort}`);
  }
});

test("a folder's or a container's count is one range of the path index, and right", async (t) => {
  const { service, casePath, session, db } = await ingestedCase(t);
  const all = service.listItems({ casePath, limit: 100_000 }).items;
  const source = all[0]!.source_id;
  const paths = all.map((r) => r.path);
  const under = (prefix: string, deep: boolean) => paths.filter((p) => p.startsWith(prefix) && (deep || !p.slice(prefix.length).includes('/'))).length;
  const cases = [
    { folder: 'Documents', deep: true, want: under('Documents/', true) },
    { folder: 'Documents', deep: false, want: under('Documents/', false) },
    { folder: 'Download/chats.zip', deep: true, want: under('Download/chats.zip!/', true) },
    { folder: 'Download/chats.zip!/chats/2021', deep: false, want: under('Download/chats.zip!/chats/2021/', false) },
    { folder: 'Nothing', deep: true, want: 0 },
  ];
  assert.equal(cases[2]!.want, 12, 'the twelve members of the ZIP');
  assert.equal(cases[3]!.want, 4);
  for (const c of cases) {
    const f = { source, folder: c.folder, folderDeep: c.deep };
    const r = service.listItems({ casePath, ...f, limit: 1000 });
    assert.equal(r.total, c.want, `${c.folder} ${c.deep ? 'deep' : 'direct'}: the count`);
    assert.equal(r.items.length, c.want, `${c.folder} ${c.deep ? 'deep' : 'direct'}: the rows`);
  }
  // The plan: the count of a folder walks one range of the (source_id, path) index, no OR of two.
  const { folderFormsIn } = await import('../../src/core/catalogue/filter.ts');
  for (const folder of ['Documents', 'Download/chats.zip']) {
    const f = { source, folder, folderDeep: true };
    const forms = folderFormsIn(db, f);
    assert.deepEqual(forms, [folder.endsWith('.zip') ? 'container' : 'folder']);
    const { conditions, params } = itemFilterSql(f, { folderForms: forms });
    const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM items i ${whereSql(conditions)}`).all(params) as { detail: string }[]).map((p) => p.detail).join(' | ');
    assert.match(plan, /^SEARCH i USING COVERING INDEX sqlite_autoindex_items_1 \(source_id=\? AND path>\? AND path<\?\)$/, plan);
  }
});
