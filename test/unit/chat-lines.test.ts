// The engine says where a chat's times and speakers are (src/core/text/chatLines.ts): getItemText's
// page of a WhatsApp export carries its speakers and each line's parts, so the view styles a chat
// without guessing; LINE and Telegram lines are read the same way; other texts carry no chat parts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chatLines, chatSpeakers } from '../../src/core/text/chatLines.ts';
import { lineText, telegramText, whatsAppText } from '../../src/core/text/chat.ts';
import { exhibitIn, newCase, tempDir } from './helpers.ts';

const WA = [
  '31/12/2023, 21:41 - Messages and calls are end-to-end encrypted.',
  '31/12/2023, 21:42 - Handler Wei: Send the new victim list',
  '31/12/2023, 21:43 - 田中: 了解です',
  'second line of the same message',
  '01/01/2024, 09:00 - Handler Wei: 未払いの件、至急',
].join('\n');

test('WhatsApp lines: time, speaker and message where chat.ts wrote them; system lines and continuations told apart', () => {
  const text = whatsAppText(WA);
  const speakers = chatSpeakers(text);
  assert.deepEqual(speakers, ['Handler Wei', '田中']);
  const lines = text.split('\n');
  const parts = chatLines(text, speakers);
  assert.equal(parts.length, lines.length);
  assert.equal(parts[0]!.speaker, null, 'the encryption notice has no speaker');
  const p1 = parts[1]!;
  assert.equal(lines[1]!.slice(...p1.time), '2023-12-31 21:42');
  assert.equal(speakers[p1.speaker!], 'Handler Wei');
  assert.equal(lines[1]!.slice(p1.body), 'Send the new victim list');
  assert.equal(speakers[parts[2]!.speaker!], '田中');
  assert.equal(parts[3], null, 'a continuation line');
  assert.equal(lines[4]!.slice(parts[4]!.body), '未払いの件、至急');
});

test('LINE and Telegram lines are read the same way', () => {
  const line = lineText(['[LINE] 田中とのトーク履歴', '2024/01/05(金)', '21:41\t田中\tこんばんは', '21:42\t鈴木\t明日の件'].join('\n'));
  const ls = chatSpeakers(line);
  assert.deepEqual(ls, ['田中', '鈴木']);
  const lp = chatLines(line, ls);
  assert.equal(lp[0], null, 'the header');
  assert.equal(line.split('\n')[2]!.slice(lp[2]!.body), '明日の件');
  const tg = telegramText({ name: 'Wei', type: 'personal_chat', messages: [{ date: '2024-02-01T10:00:00', from: 'Wei', text: 'ok' }, { date: '2024-02-01T10:01:00', from: 'Ken', text: [{ type: 'bold', text: 'now' }] }] });
  const ts = chatSpeakers(tg);
  assert.deepEqual(ts, ['Wei', 'Ken']);
  const tp = chatLines(tg, ts);
  assert.equal(tg.split('\n')[1]!.slice(...tp[1]!.time), '2024-02-01 10:00:00');
});

test('getItemText: a chat says so, with its speakers and line parts; a plain text has none', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  mkdirSync(src);
  writeFileSync(join(src, 'WhatsApp Chat with Handler Wei.txt'), WA);
  writeFileSync(join(src, 'notes.txt'), 'Handler Wei: not a chat, only a note\n');
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session) });
  const items = tc.service.listItems({ casePath: tc.casePath, kind: 'file' }).items;
  const id = (n: string) => items.find((i) => i.name === n)!.id;
  const chat = tc.service.getItemText({ session: tc.session, id: id('WhatsApp Chat with Handler Wei.txt') });
  assert.equal(chat.format, 'whatsapp');
  assert.deepEqual(chat.chat?.speakers, ['Handler Wei', '田中']);
  assert.equal(chat.chat?.lines.length, chat.text.split('\n').length);
  // A later page still names its speakers by the whole chat's list.
  const later = tc.service.getItemText({ session: tc.session, id: id('WhatsApp Chat with Handler Wei.txt'), offset: chat.text.indexOf('01/01') >= 0 ? 0 : chat.text.lastIndexOf('\n') + 1 });
  assert.equal(later.chat?.speakers[later.chat.lines[0]!.speaker!], 'Handler Wei');
  const note = tc.service.getItemText({ session: tc.session, id: id('notes.txt') });
  assert.equal(note.chat, null);
});
