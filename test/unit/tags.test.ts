// Tags and notes through the service and the CLI: the shipped vocabulary (English and Japanese),
// case tags, tagging one item, many, or every item a search finds, untagging, notes that are
// never erased, a custody event for every change, and roles (a reviewer cannot tag or note).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { PER_ITEM_EVENTS_MAX, vocabulary } from '../../src/core/tags/tags.ts';
import { writeTextTree } from '../fixtures/texts.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { newCase, runCli, tempDir, type TestCase, exhibitIn } from './helpers.ts';

async function caseWithTexts(t: Parameters<typeof newCase>[0]): Promise<TestCase & { ids: Map<string, number> }> {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  writeTextTree(src);
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 2 });
  const { items } = tc.service.listItems({ casePath: tc.casePath, kind: 'file', limit: 1000 });
  return { ...tc, ids: new Map(items.map((i) => [i.path, i.id])) };
}

test('the shipped vocabulary: twelve tags with stable ids, English and Japanese labels, colours', (t) => {
  assert.deepEqual(
    vocabulary.map((v) => v.id),
    [
      'scam-manual',
      'target-list',
      'victim-communication',
      'handler-communication',
      'financial-record',
      'crypto-wallet',
      'identity-document',
      'premises-photo',
      'recruitment-advert',
      'trafficking-indicator',
      'credentials',
      'irrelevant',
    ],
  );
  for (const v of vocabulary) {
    assert.match(v.colour, /^#[0-9a-f]{6}$/);
    assert.ok(v.en && v.ja, v.id);
  }
  const { service, session } = newCase(t);
  const tags = service.listTags({ session });
  assert.equal(tags.length, 12);
  assert.ok(tags.every((x) => x.builtin && x.count === 0));
  assert.equal(tags.find((x) => x.id === 'scam-manual')!.labelJa, '詐欺マニュアル（台本）');
});

test('tag, untag and notes through the service, each a custody event on the item', async (t) => {
  const { service, session, casePath, ids, officer } = await caseWithTexts(t);
  const manual = ids.get('Documents/マニュアル.docx')!;
  const pdf = ids.get('Documents/manual.pdf')!;

  const r = service.tagItems({ session, tag: 'scam-manual', ids: [manual, pdf, manual], comment: 'call script' });
  assert.deepEqual(r, { tag: 'scam-manual', changed: [manual, pdf].sort((a, b) => a - b), unchanged: [], custody: 'per-item' });
  const again = service.tagItems({ session, tag: 'scam-manual', ids: [pdf] });
  assert.deepEqual(again.unchanged, [pdf]);
  assert.equal(again.custody, 'none');

  const tagged = service.custodyLog({ casePath, action: 'item.tagged' });
  assert.equal(tagged.length, 2);
  assert.deepEqual(tagged.map((e) => e.target).sort(), [`item:${manual}`, `item:${pdf}`].sort());
  assert.equal(tagged[0]!.reason, 'call script');
  assert.equal(tagged[0]!.details.tag, 'scam-manual');

  const note = service.addNote({ session, item: manual, text: '  Seized from the desk drawer phone; matches the PDF.  ' });
  assert.equal(note.text, 'Seized from the desk drawer phone; matches the PDF.');
  const removed = service.removeNote({ session, note: note.id, reason: 'wrong item' });
  assert.equal(removed.removed?.reason, 'wrong item');
  assert.throws(() => service.removeNote({ session, note: note.id, reason: 'again' }), /already removed/);
  service.addNote({ session, item: manual, text: 'Second note' });

  service.untagItems({ session, tag: 'scam-manual', ids: [pdf], comment: 'duplicate of the DOCX' });

  const item = service.getItem({ session, id: manual });
  assert.deepEqual(
    item.tags.map((x) => [x.tag, x.officer, x.comment]),
    [['scam-manual', officer, 'call script']],
  );
  assert.deepEqual(
    item.notes.map((n) => [n.text, n.removed?.reason ?? null]),
    [
      ['Seized from the desk drawer phone; matches the PDF.', 'wrong item'],
      ['Second note', null],
    ],
  );
  assert.equal(item.textIndex?.kind, 'docx');
  const actions = item.custody.map((e) => e.action).filter((a) => a.startsWith('item.') || a.startsWith('note.'));
  assert.deepEqual(actions, ['item.tagged', 'note.added', 'note.removed', 'note.added', 'item.viewed']);
  const added = item.custody.find((e) => e.action === 'note.added')!;
  assert.equal(added.details.text, 'Seized from the desk drawer phone; matches the PDF.', 'the note text is in the chained event');
  const pdfItem = service.getItem({ session, id: pdf });
  assert.deepEqual(pdfItem.tags, []);
  const untag = pdfItem.custody.find((e) => e.action === 'item.untagged')!;
  assert.equal(untag.reason, 'duplicate of the DOCX');
  assert.equal(untag.details.taggedBy, officer);
  assert.equal(service.listTags({ session }).find((x) => x.id === 'scam-manual')!.count, 1);
  assert.equal((await service.verifyCustody({ casePath })).ok, true);
});

test('notes are never erased: the database refuses deletes and edits', async (t) => {
  const { service, session, casePath, ids } = await caseWithTexts(t);
  const note = service.addNote({ session, item: ids.get('Notes/utf8.txt')!, text: 'keep me' });
  const db = new Database(join(casePath, 'case.db'));
  t.after(() => db.close());
  assert.throws(() => db.prepare('DELETE FROM notes WHERE id = ?').run(note.id), /never erased/);
  assert.throws(() => db.prepare("UPDATE notes SET text = 'changed' WHERE id = ?").run(note.id), /cannot be changed/);
});

test('tag every item a search finds, with filters; unknown tags and items are refused', async (t) => {
  const { service, session, ids } = await caseWithTexts(t);
  const r = service.tagItems({ session, tag: 'target-list', where: { query: '090-1000-1000' } });
  assert.deepEqual(
    r.changed,
    [ids.get('Documents/名簿_sjis.csv')!, ids.get('Documents/名簿.xlsx')!, ids.get('Mail/refund.eml')!].sort((a, b) => a - b),
  );
  const onlyCsv = service.untagItems({ session, tag: 'target-list', where: { query: '090-1000-1000', type: 'text/csv' } });
  assert.deepEqual(onlyCsv.changed, [ids.get('Documents/名簿_sjis.csv')!]);
  // A filter with no text query: every item of an exhibit in a format.
  const chats = service.tagItems({ session, tag: 'handler-communication', where: { format: 'whatsapp', exhibit: 'EXH-001' } });
  assert.equal(chats.changed.length, 2);
  assert.throws(() => service.tagItems({ session, tag: 'no-such-tag', ids: [1] }), /no tag "no-such-tag"/);
  assert.throws(() => service.tagItems({ session, tag: 'scam-manual', ids: [99999] }), /No item 99999/);
  assert.throws(() => service.tagItems({ session, tag: 'scam-manual' }), /Say which items/);
  assert.throws(() => service.tagItems({ session, tag: 'scam-manual', where: { query: 'nothing-matches-this' } }), /found no items/);
});

test('case tags: added by an officer with a custody event; ids and colours checked', (t) => {
  const { service, session, casePath } = newCase(t);
  const tag = service.addTag({ session, id: 'burner-phone', labelEn: 'Burner phone', labelJa: '使い捨て携帯', colour: '#1E88E5' });
  assert.deepEqual([tag.id, tag.colour, tag.builtin, tag.createdBy], ['burner-phone', '#1e88e5', false, 'DS Tanaka']);
  assert.equal(service.custodyLog({ casePath, action: 'tag.created' }).length, 1);
  assert.throws(() => service.addTag({ session, id: 'burner-phone', labelEn: 'x', colour: '#000000' }), /already exists/);
  assert.throws(() => service.addTag({ session, id: 'Bad Id', labelEn: 'x', colour: '#000000' }), /not a usable tag id/);
  assert.throws(() => service.addTag({ session, id: 'ok-id', labelEn: 'x', colour: 'red' }), /#rrggbb/);
  assert.equal(service.listTags({ session }).at(-1)!.id, 'burner-phone');
});

test('roles: a reviewer may look and search but not tag, untag, note or add tags', async (t) => {
  const { service, session, casePath, ids } = await caseWithTexts(t);
  service.addOfficer({ session, name: 'Prosecutor Mori', role: 'reviewer', password: TEST_PASSWORD });
  const rev = service.signIn({ casePath, officer: 'Prosecutor Mori', password: TEST_PASSWORD }).session;
  const id = ids.get('Documents/manual.pdf')!;
  assert.throws(() => service.tagItems({ session: rev, tag: 'scam-manual', ids: [id] }), /reviewer and may not tag evidence/);
  assert.throws(() => service.untagItems({ session: rev, tag: 'scam-manual', ids: [id] }), /may not untag/);
  assert.throws(() => service.addNote({ session: rev, item: id, text: 'x' }), /may not add notes/);
  assert.throws(() => service.addTag({ session: rev, id: 'x-y', labelEn: 'x', colour: '#000000' }), /may not add tags/);
  assert.ok(service.listTags({ session: rev }).length >= 12);
  assert.equal(service.search({ session: rev, query: '未払い' }).total > 0, true);
  // Another officer's note: only its author, an examiner or an admin may remove it.
  service.addOfficer({ session, name: 'PC Sok', role: 'officer', password: TEST_PASSWORD });
  const pc = service.signIn({ casePath, officer: 'PC Sok', password: TEST_PASSWORD }).session;
  const n = service.addNote({ session, item: id, text: 'admin note' });
  assert.throws(() => service.removeNote({ session: pc, note: n.id, reason: 'x' }), /only its author/);
  assert.equal(service.custodyLog({ casePath, action: 'item.tagged' }).length, 0);
});

test(`more than ${PER_ITEM_EVENTS_MAX} items at once: one custody event lists them all`, (t) => {
  const { service, session, casePath } = newCase(t);
  const db = new Database(join(casePath, 'case.db'));
  t.after(() => db.close());
  // A synthetic source of 1,200 items (rows only: the tagging is what is under test).
  const n = PER_ITEM_EVENTS_MAX + 200;
  db.transaction(() => {
    db.prepare("INSERT INTO sources (id, kind, root_path, status, officer, host, started_at) VALUES (1, 'folder', '/x', 'finished', 'DS Tanaka', 'h', '2026-01-01T00:00:00Z')").run();
    const ins = db.prepare("INSERT INTO items (source_id, path, name, kind, size, added_at) VALUES (1, ?, ?, 'file', 1, '2026-01-01T00:00:00Z')");
    for (let i = 1; i <= n; i++) ins.run(`f${i}.txt`, `f${i}.txt`);
  })();
  const before = service.custodyLog({ casePath }).length;
  const r = service.tagItems({ session, tag: 'irrelevant', ids: Array.from({ length: n }, (_, i) => i + 1), comment: 'system files' });
  assert.equal(r.changed.length, n);
  assert.equal(r.custody, 'summary');
  const events = service.custodyLog({ casePath });
  assert.equal(events.length, before + 1);
  const e = events.at(-1)!;
  assert.equal(e.action, 'items.tagged');
  assert.equal(e.target, 'tag:irrelevant');
  assert.equal((e.details.items as number[]).length, n);
  assert.equal(e.details.count, n);
  const small = service.untagItems({ session, tag: 'irrelevant', ids: [1, 2, 3] });
  assert.equal(small.custody, 'per-item');
  assert.equal(service.custodyLog({ casePath, action: 'item.untagged' }).length, 3);
});

test('CLI: tags (English and Japanese), tags add, tag by id and by search, untag, note, unnote, show', async (t) => {
  const { casePath, ids } = await caseWithTexts(t);
  const list = await runCli(['tags', casePath]);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^scam-manual +Scam manual \(script\) +0 +#d7263d/m);
  const ja = await runCli(['tags', casePath, '--lang', 'ja']);
  assert.match(ja.out, /^target-list +標的リスト（名簿） +0/m);

  const add = await runCli(['tags', 'add', casePath, '--id', 'boss-phone', '--en', "Boss's phone", '--ja', 'ボスの携帯', '--colour', '#123456']);
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /Added tag boss-phone "Boss's phone" \/ "ボスの携帯" \(#123456\)/);

  const pdf = ids.get('Documents/manual.pdf')!;
  const docx = ids.get('Documents/マニュアル.docx')!;
  const tag = await runCli(['tag', casePath, 'scam-manual', String(pdf), String(docx), '--comment', 'scripts']);
  assert.equal(tag.code, 0, tag.err);
  assert.match(tag.out, /Tagged 2 item\(s\) with scam-manual/);
  assert.match(tag.out, /custody: one event per item \(item\.tagged\)/);

  const bySearch = await runCli(['tag', casePath, 'target-list', '--where-search', '090-1000-1000', '--type', 'text', '--json']);
  assert.equal(bySearch.code, 0, bySearch.err);
  assert.deepEqual(JSON.parse(bySearch.out).changed, [ids.get('Documents/名簿_sjis.csv')!]);

  const none = await runCli(['tag', casePath, 'scam-manual']);
  assert.equal(none.code, 2);
  assert.match(none.err, /Say which items/);
  const bad = await runCli(['tag', casePath, 'nope', String(pdf)]);
  assert.equal(bad.code, 3);

  const untag = await runCli(['untag', casePath, 'scam-manual', String(pdf), '--comment', 'dup']);
  assert.match(untag.out, /Untagged 1 item\(s\) from scam-manual/);

  const note = await runCli(['note', casePath, String(docx), '台本の原本。机の引き出しの端末から。']);
  assert.equal(note.code, 0, note.err);
  const noteId = /Note (\d+) added/.exec(note.out)![1]!;
  const un = await runCli(['unnote', casePath, noteId, '--reason', 'typo']);
  assert.equal(un.code, 0, un.err);
  assert.match(un.out, /marked removed/);

  const show = await runCli(['show', casePath, String(docx)]);
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, /text: +\d+ characters indexed \(docx, utf-8\)/);
  assert.match(show.out, /tags:\n +scam-manual \(Scam manual \(script\)\) by DS Tanaka .*: scripts/);
  assert.match(show.out, /#\d+ DS Tanaka .*: 台本の原本。机の引き出しの端末から。 +\[REMOVED by DS Tanaka .*: typo\]/);
  assert.match(show.out, /item\.tagged[\s\S]*note\.added[\s\S]*note\.removed/);

  const counts = await runCli(['tags', casePath, '--json']);
  const tags = JSON.parse(counts.out) as { id: string; count: number }[];
  assert.equal(tags.find((x) => x.id === 'scam-manual')!.count, 1);
  assert.equal(tags.find((x) => x.id === 'target-list')!.count, 1);
  assert.equal(tags.find((x) => x.id === 'boss-phone')!.count, 0);

  const log = await runCli(['log', casePath, '--json']);
  const actions = (JSON.parse(log.out) as { action: string }[]).map((e) => e.action);
  for (const a of ['tag.created', 'item.tagged', 'item.untagged', 'note.added', 'note.removed']) assert.ok(actions.includes(a), a);
});
