// getItemText (issue 14, item 4): an item's extracted text as indexed (a DOCX's words, an XLSX's
// rows, a chat's speaker lines, a PDF's text and not its raw streams), read in pages that join
// back into the whole text without losing or splitting a character, with a query's hits where
// the search finds them; refused plainly for an item with no text. Through the service and the CLI.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { markedLines } from '../../src/cli/commands/text.ts';
import { isWellFormedText } from '../../src/shared/text.ts';
import { itemText } from '../../src/core/text/store.ts';
import { SCAM_MANUAL_LINES, TARGET_HEADER, writeTextTree } from '../fixtures/texts.ts';
import { newCase, runCli, tempDir, exhibitIn } from './helpers.ts';

async function ingested(t: Parameters<typeof newCase>[0]) {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  writeTextTree(src);
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 2 });
  const { items } = tc.service.listItems({ casePath: tc.casePath, kind: 'file', limit: 1000 });
  const id = (path: string): number => {
    const it = items.find((i) => i.path === path);
    assert.ok(it, path);
    return it.id;
  };
  return { ...tc, id };
}

test('the extracted text of a DOCX, an XLSX, a chat and a PDF: words, rows and speaker lines, never the raw bytes', async (t) => {
  const { service, session, id } = await ingested(t);
  const docx = service.getItemText({ session, id: id('Documents/マニュアル.docx') });
  assert.equal(docx.format, 'docx');
  assert.equal(docx.offset, 0);
  assert.equal(docx.next, null);
  assert.equal(docx.chars, docx.text.length);
  for (const line of SCAM_MANUAL_LINES) assert.ok(docx.text.includes(line.normalize('NFKC')), `DOCX holds "${line}"`);
  assert.ok(!docx.text.includes('PK') && !docx.text.includes('<w:'), 'no ZIP or XML of the file');

  const xlsx = service.getItemText({ session, id: id('Documents/名簿.xlsx') });
  assert.equal(xlsx.format, 'xlsx');
  assert.ok(xlsx.text.split('\n').some((row) => row.split('\t').join('|').startsWith(TARGET_HEADER.join('|'))), 'the header row, cells separated by tabs');

  const chat = service.getItemText({ session, id: id('Chats/WhatsApp Chat with Handler Wei.txt') });
  assert.equal(chat.format, 'whatsapp');
  assert.ok(chat.text.split('\n').some((l) => /Handler Wei: Send the new victim list/.test(l)), 'a speaker line');

  const pdf = service.getItemText({ session, id: id('Documents/manual.pdf') });
  assert.equal(pdf.format, 'pdf');
  assert.ok(pdf.text.includes('未払い'));
  assert.ok(!/%PDF|endobj|stream/.test(pdf.text), 'no PDF syntax');
});

test('pages join into the whole text, never split a character, and the hits are where the search finds them', async (t) => {
  const { service, session, casePath, id } = await ingested(t);
  const item = id('Documents/名簿.xlsx');
  const db = new Database(join(casePath, 'case.db'), { readonly: true });
  t.after(() => db.close());
  const whole = itemText(db, item)!;
  assert.ok(whole.length > 500, 'a text of several pages');

  let joined = '';
  let offset: number | null = 0;
  let pages = 0;
  while (offset !== null) {
    const p = service.getItemText({ session, id: item, offset, limit: 97 });
    assert.equal(p.offset, offset);
    assert.ok(isWellFormedText(p.text), 'no lone surrogate at a page edge');
    joined += p.text;
    offset = p.next;
    pages++;
  }
  assert.equal(joined, whole);
  assert.ok(pages > 3);

  // An emoji (two UTF-16 units) is never cut in half by a page edge.
  const chat = id('Chats/[LINE] ボス王とのトーク.txt');
  const chatText = itemText(db, chat)!;
  const pair = /[\ud800-\udbff]/.exec(chatText);
  if (pair) {
    const p = service.getItemText({ session, id: chat, offset: pair.index + 1, limit: 5 });
    assert.equal(p.offset, pair.index, 'moved back to the whole character');
  }

  // Hits: every occurrence of the query, as the search's snippets mark it, case-insensitively.
  const q = '北海道';
  const r = service.getItemText({ session, id: item, query: q, limit: 100 });
  const expected = [...whole.matchAll(/北海道/g)].map((m) => [m.index, m.index + 3]);
  assert.ok(expected.length > 1);
  assert.deepEqual(r.hits, expected);
  assert.equal(r.hitsTotal, expected.length);
  const searched = service.search({ session, query: q }).hits.find((h) => h.id === item);
  assert.ok(searched && searched.occurrences === expected.length, 'the search counts the same hits');
  assert.deepEqual(service.getItemText({ session, id: item, query: 'nothing-like-this' }).hits, []);
});

test('an item with no text is refused plainly; a bad page is a usage error', async (t) => {
  const { service, session, id } = await ingested(t);
  assert.throws(() => service.getItemText({ session, id: id('Noise/binary.bin') }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /no extracted text/.test(e.message));
  assert.throws(() => service.getItemText({ session, id: 999_999 }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
  assert.throws(() => service.getItemText({ session, id: id('Notes/utf8.txt'), limit: 0 }), (e: Error & { code?: string }) => e.code === 'USAGE');
  // Past the end: an empty last page, not an error.
  const p = service.getItemText({ session, id: id('Notes/utf8.txt'), offset: 10_000 });
  assert.equal(p.text, '');
  assert.equal(p.next, null);
});

test('evidence text prints the extracted text with the hits marked, and marks cross no line', async (t) => {
  const { casePath, id, officer } = await ingested(t);
  const r = await runCli(['text', casePath, String(id('Documents/マニュアル.docx')), '--officer', officer, '--query', '弁護士費用']);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.includes('«弁護士費用»'), r.out);
  assert.match(r.err, /characters \(docx[^)]*\); 1 hit\(s\) of "弁護士費用"/);
  const json = await runCli(['text', casePath, String(id('Documents/マニュアル.docx')), '--officer', officer, '--json', '--limit', '10']);
  assert.equal(json.code, 0, json.err);
  const page = JSON.parse(json.out.trim().split('\n')[0]!) as { text: string; next: number };
  assert.equal(page.text.length, 10);
  assert.equal(page.next, 10);
  // A hit spanning a line break is marked on both lines; control characters of the evidence are shown escaped.
  assert.deepEqual(markedLines({ text: 'ab\ncd\x1b', offset: 100, hits: [[101, 104]] }, false), ['a«b»', '«c»d\\x1b']);
});
