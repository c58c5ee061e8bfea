// Text extraction, file by file: every generated fixture (encodings, office documents, PDF,
// mail, chat exports) gives the text it holds, with the right format and encoding; chat exports
// become "time speaker: message" lines; limits and broken files give an error, never a throw.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectType } from '../../src/core/analyze/filetype.ts';
import { lineText, looksLikeLine, looksLikeWhatsApp, telegramText, whatsAppText } from '../../src/core/text/chat.ts';
import { decodeHeaderValue } from '../../src/core/text/eml.ts';
import { decodeText } from '../../src/core/text/encoding.ts';
import { extractItemText, finishText, type ItemText, TEXT_MAX_CHARS } from '../../src/core/text/extract.ts';
import { htmlToText } from '../../src/core/text/markup.ts';
import { buildZip } from '../fixtures/archives.ts';
import { encodeIso2022jp, encodeLegacy, encodeUtf16 } from '../fixtures/encode.ts';
import {
  JA_NOTICE,
  lineExport,
  noiseFixtures,
  pdfOf,
  SCAM_MANUAL_LINES,
  scamManualDocx,
  scamManualPdf,
  targetListXlsx,
  targets,
  telegramExport,
  textFixtures,
  whatsAppAndroid,
  whatsAppIos,
} from '../fixtures/texts.ts';
import { run, tempDir, toolOrSkip } from './helpers.ts';

async function extract(name: string, data: Uint8Array): Promise<ItemText | null> {
  const t = await detectType(data);
  return extractItemText({ name, mime: t.mime, size: data.length, head: data });
}

test('every fixture: format, encoding and a word it holds', async () => {
  for (const f of textFixtures()) {
    const r = await extract(f.path.split('/').pop()!, f.data);
    assert.ok(r, `${f.path}: read for text`);
    assert.equal(r.error, null, `${f.path}: ${r.error}`);
    assert.equal(r.kind, f.kind, `${f.path}: format`);
    if (f.encoding) assert.equal(r.encoding?.toLowerCase(), f.encoding, `${f.path}: encoding`);
    assert.ok(r.text.includes(f.find), `${f.path}: "${f.find}" in ${JSON.stringify(r.text.slice(0, 200))}`);
  }
});

test('noise: text files read as text, binaries not read at all', async () => {
  for (const f of noiseFixtures()) {
    const r = await extract(f.path.split('/').pop()!, f.data);
    if (f.path.endsWith('.bin')) assert.equal(r, null);
    else assert.ok(r && r.text.length > 0 && r.error === null, f.path);
  }
});

test('encodings: the same Japanese text in every encoding decodes the same', () => {
  const text = `${JA_NOTICE}\n田中 太郎,090-1234-5678,東京都新宿区\n`;
  const cases: [Buffer, string][] = [
    [Buffer.from(text, 'utf8'), 'utf-8'],
    [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]), 'utf-8'],
    [encodeUtf16(text, 'le', true), 'utf-16le'],
    [encodeUtf16(text, 'le', false), 'utf-16le'],
    [encodeUtf16(text, 'be', true), 'utf-16be'],
    [encodeUtf16(text, 'be', false), 'utf-16be'],
    [encodeLegacy(text, 'shift_jis'), 'shift_jis'],
    [encodeLegacy(text, 'euc-jp'), 'euc-jp'],
    [encodeIso2022jp(text), 'iso-2022-jp'],
  ];
  for (const [bytes, enc] of cases) {
    const d = decodeText(bytes);
    assert.equal(d.encoding, enc);
    assert.equal(d.text, text, enc);
  }
  // A prefix cut in the middle of a two-byte character still decodes as what it is.
  const sjis = encodeLegacy(text.repeat(50), 'shift_jis');
  const cut = sjis.subarray(0, 1001);
  assert.equal(decodeText(cut, true).encoding, 'shift_jis');
});

test('XLSX: shared strings, inline strings, numbers, sheet names; phonetic readings left out', async () => {
  const r = (await extract('名簿.xlsx', targetListXlsx()))!;
  assert.equal(r.kind, 'xlsx');
  const lines = r.text.split('\n');
  assert.equal(lines[0], '# 名簿');
  assert.equal(lines[1], '氏名\t電話番号\t住所\t年齢\t備考');
  const t0 = targets()[0]!;
  assert.equal(lines[2], `${t0.name}\t${t0.phone}\t${t0.address}\t${t0.age}\t${t0.note}`);
  assert.ok(lines.includes('# 入金'));
  assert.ok(r.text.includes('入金確認 担当: 鈴木\t300000'));
  assert.ok(!r.text.includes('デンワバンゴウ'), 'the <rPh> reading is not text');
  assert.equal(lines.filter((l) => /\t0[789]0-\d{4}-\d{4}\t/.test(l)).length, 60);
});

test('DOCX: runs, tabs, tables and headers; tab-stop definitions are not text', async () => {
  const r = (await extract('manual.docx', scamManualDocx()))!;
  for (const l of SCAM_MANUAL_LINES) assert.ok(r.text.includes(l.normalize('NFKC')), l);
  assert.ok(r.text.includes('振込先\tみずほ銀行 新宿支店 普通 1234567'));
  assert.ok(r.text.includes('ボス王'));
  assert.ok(r.text.includes('社外秘'), 'header text');
});

test('PDF: Helvetica and Identity-H text with a ToUnicode map; pdftotext agrees', async (t) => {
  const pdf = scamManualPdf();
  const r = (await extract('manual.pdf', pdf))!;
  assert.equal(r.kind, 'pdf');
  assert.equal(r.error, null);
  assert.ok(r.text.includes('Call script - unpaid site fee'));
  assert.ok(r.text.includes('サイト利用料の未払いがあります'));
  const uncompressed = (await extract('x.pdf', pdfOf(['plain stream'], ['未払い'], false)))!;
  assert.ok(uncompressed.text.includes('plain stream') && uncompressed.text.includes('未払い'));
  if (!toolOrSkip(t, 'pdftotext', 'poppler-utils, the independent oracle for PDF text')) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'm.pdf'), pdf);
  const oracle = run('pdftotext', ['-enc', 'UTF-8', join(dir, 'm.pdf'), '-']);
  const squash = (s: string): string => s.normalize('NFKC').replace(/\s+/g, '');
  assert.equal(squash(r.text), squash(oracle));
});

test('PDF without a text layer says so', async () => {
  const r = (await extract('scan.pdf', pdfOf([], [])))!;
  assert.equal(r.text, '');
  assert.match(r.error ?? '', /no text layer/);
});

test('chat: WhatsApp Android (month first, 12-hour) and iOS (day first) become dated speaker lines', () => {
  const a = whatsAppText(whatsAppAndroid());
  assert.ok(looksLikeWhatsApp(whatsAppAndroid()));
  assert.deepEqual(a.split('\n'), [
    '2023-12-31 21:41 Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.',
    '2023-12-31 21:41 Handler Wei: Send the new victim list tonight',
    '2023-12-31 21:43 Kenji: ok boss',
    'the list has 412 numbers',
    '2024-01-13 08:05 Handler Wei: USDT to TRC20 wallet, same as before',
  ]);
  const i = whatsAppText(whatsAppIos()).split('\n');
  assert.equal(i[1], '2023-12-31 21:42:10 Handler Wei: Compound B gate code is 4471');
  assert.equal(i[3], '2024-01-13 08:06:30 Kenji: passport photos of the new workers');
  // German-style dots, day first (the 31 says so), and year-first Japanese Android.
  assert.equal(whatsAppText('31.12.23, 21:41 - Max: Hallo\n01.01.24, 08:00 - Max: Gutes neues Jahr'), '2023-12-31 21:41 Max: Hallo\n2024-01-01 08:00 Max: Gutes neues Jahr');
  assert.equal(whatsAppText('2023/12/31 21:41 - 田中: 了解\n2024/01/02 9:05 - 田中: 送金済み'), '2023-12-31 21:41 田中: 了解\n2024-01-02 09:05 田中: 送金済み');
  // Every date ambiguous (no day over 12): kept as written, not guessed.
  assert.equal(whatsAppText('01/02/24, 10:00 - A: one\n03/04/24, 11:00 - B: two'), '01/02/24, 10:00 A: one\n03/04/24, 11:00 B: two');
});

test('chat: LINE (午前/午後, day lines, quoted multi-line messages, system lines)', () => {
  assert.ok(looksLikeLine(lineExport()));
  assert.deepEqual(lineText(lineExport()).split('\n'), [
    '[LINE] ボス王とのトーク履歴',
    '保存日時：2024/01/10 23:15',
    '2024-01-05 09:02 ボス王: 今日のリストは300件',
    '2024-01-05 15:20 ボス王: 未払いの件で',
    '弁護士役は山口が担当',
    '"必ず"録音しないこと',
    '2024-01-05 23:45 陳: 了解です',
    '2024-01-06 10:15 陳: 受け子が捕まった',
    '2024-01-06 10:16 陳がメッセージの送信を取り消しました',
  ]);
  assert.equal(lineText('[LINE] Chat history with Ken\n\nFri, 01/05/2024\n10:15 PM\tKen\tsee you'), '[LINE] Chat history with Ken\n2024-01-05 22:15 Ken: see you');
  assert.ok(!looksLikeWhatsApp(lineExport()));
});

test('chat: Telegram Desktop result.json (text as string or entity array, service messages, full export)', () => {
  const one = telegramText(JSON.parse(telegramExport())).split('\n');
  assert.deepEqual(one, [
    '# Chat: 資金部 (private_group)',
    '2024-02-01 10:00:00 Boss Chen [create_group]',
    '2024-02-01 10:05:00 Boss Chen: 今日の入金は３件、合計150万円',
    '2024-02-01 10:06:00 Li: send to TQ1aBcDeFgHiJkLmNoPqRsTuVwXyZ12345 (TRC20)',
    '2024-02-01 10:07:00 Li: [photo]',
  ]);
  const full = telegramText({
    personal_information: { first_name: 'Ken', phone_number: '+855 12 345 678' },
    contacts: { list: [{ first_name: '王', last_name: '伟', phone_number: '+86 138 0013 8000' }] },
    chats: { list: [{ name: 'Li', type: 'personal_chat', messages: [{ type: 'message', date: '2024-02-02T09:00:00', from: 'Li', text: 'ok' }] }] },
  });
  assert.ok(full.includes('王 伟\t+86 138 0013 8000'));
  assert.ok(full.includes('2024-02-02 09:00:00 Li: ok'));
});

test('mail: encoded-word headers, ISO-2022-JP and Shift_JIS bodies, the plain alternative, attachments named', async () => {
  assert.equal(decodeHeaderValue('=?ISO-2022-JP?B?' + encodeIso2022jp('お知らせ').toString('base64') + '?= =?UTF-8?Q?=E3=81=A7=E3=81=99?='), 'お知らせです');
  const f = textFixtures();
  const a = (await extract('notice.eml', f.find((x) => x.path === 'Mail/notice.eml')!.data))!;
  assert.match(a.text, /^From: コンテンツ管理センター <info@contents-center\.example>$/m);
  assert.match(a.text, /^Subject: 【重要】ご利用料金のお知らせ$/m);
  const b = (await extract('refund.eml', f.find((x) => x.path === 'Mail/refund.eml')!.data))!;
  assert.match(b.text, /^Subject: 返金のご案内$/m);
  assert.ok(b.text.includes('還付金受付番号: R-20240105'));
  assert.ok(!b.text.includes('<p>'), 'the HTML alternative is not used when there is plain text');
  assert.ok(b.text.includes('[attachment: list.csv (text/csv)]'));
  assert.ok(b.text.includes('090-1000-1000'), 'a text attachment is read, in its charset');
});

test('HTML: scripts and styles dropped, entities decoded, declared charset used', () => {
  assert.equal(htmlToText('<p>a&amp;b &lt;c&gt; &#x3042;&#12354;&nbsp;x</p><script>evil()</script><style>p{}</style>'), 'a&b <c> ああ\u00a0x');
});

test('limits: text is cut at TEXT_MAX_CHARS and says so; a zip bomb dressed as DOCX gives an error', async () => {
  const long = finishText('text', 'あ'.repeat(TEXT_MAX_CHARS + 10), 'utf-8', false, null);
  assert.equal(long.text.length, TEXT_MAX_CHARS);
  assert.equal(long.truncated, true);
  const big = Buffer.alloc(80 * 1024 * 1024, 0x20);
  const bomb = buildZip([
    { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
    { name: 'word/document.xml', data: big, method: 8 },
  ]);
  const r = (await extractItemText({ name: 'bomb.docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', size: bomb.length, head: bomb }))!;
  assert.equal(r.kind, 'docx');
  assert.equal(r.text, '');
  assert.match(r.error ?? '', /more than the text-extraction limit/);
});

test('broken files give an error on the item, never an exception', async () => {
  const cases: [string, string, Buffer][] = [
    ['broken.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', scamManualDocx().subarray(0, 300)],
    ['broken.pdf', 'application/pdf', scamManualPdf().subarray(0, 200)],
    ['broken.xlsx', 'application/zip', Buffer.from('PK\x03\x04 not really a zip')],
  ];
  for (const [name, mime, data] of cases) {
    const r = await extractItemText({ name, mime, size: data.length, head: data });
    assert.ok(r, name);
    assert.ok(r.error, `${name}: ${JSON.stringify(r)}`);
  }
  const badJson = (await extract('x.json', Buffer.from('{"a": 1,')))!;
  assert.equal(badJson.kind, 'json');
  assert.match(badJson.error ?? '', /not valid JSON/);
  assert.ok(badJson.text.includes('"a": 1'));
});

test('large files: text beyond the head is read from the store copy', async () => {
  const body = `${'ログ行 '.repeat(200_000)}\n最後の行: 未払い\n`;
  const bytes = Buffer.from(body, 'utf8');
  const head = bytes.subarray(0, 1024 * 1024);
  assert.ok(bytes.length > head.length);
  const r = (await extractItemText({ name: 'big.log', mime: null, size: bytes.length, head, readPrefix: (max) => bytes.subarray(0, max) }))!;
  assert.ok(r.text.endsWith('最後の行: 未払い\n'));
  assert.equal(r.truncated, false);
});
