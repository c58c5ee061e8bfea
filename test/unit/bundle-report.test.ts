// report.html (issue 13, "The report"): one self-contained file that fetches nothing, shows every
// exported item with its SHA-256, escapes every string from the evidence, and speaks English or
// Japanese throughout. The rendering in Chromium (screen and print) is checked by hand with
// screenshots (see the README); these tests check what can be checked in the text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { esc, isSafeImageDataUri, renderReport } from '../../src/core/bundle/report.ts';
import { REPORT_TEXT } from '../../src/core/bundle/reportText.ts';
import { HOSTILE_NAMES, sampleCustody, sampleManifest } from './bundle-sample.ts';

// A 1x1 PNG, as a thumbnail would be given.
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function render(lang: 'en' | 'ja', thumbs = new Map<number, string>([[1, PNG], [2, PNG]])): string {
  return renderReport(sampleManifest(), sampleCustody(), { lang, thumbnails: thumbs });
}

/** Every tag name in the document, as the browser would parse them (evidence text has its '<' escaped). */
function tags(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase());
}

test('the report refers to nothing outside itself: only data: images, in-page links, a strict CSP, no script', () => {
  for (const lang of ['en', 'ja'] as const) {
    const html = render(lang);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
    // Every src is a data: URI, every href an anchor in the page.
    const srcs = [...html.matchAll(/\ssrc\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
    assert.equal(srcs.length, 2, 'the two thumbnails');
    for (const s of srcs) assert.ok(s.startsWith('data:image/'), s);
    for (const m of html.matchAll(/\shref\s*=\s*"([^"]*)"/gi)) assert.ok(m[1]!.startsWith('#'), m[1]);
    for (const bad of ['srcset', 'url(', '@import', '<link', '<script', '<iframe', '<object', '<embed', '<form', '<base', 'xlink:href', 'http-equiv="refresh"']) {
      assert.ok(!html.toLowerCase().includes(bad), `no ${bad}`);
    }
    // Outside the data: URIs there is no URL at all (the sample's hostile names hold
    // "//evil.example" and "http://", which must appear only as escaped text, never in a tag).
    const withoutData = html.replace(/data:image\/[a-z]+;base64,[A-Za-z0-9+/=]+/g, '');
    const inTags = [...withoutData.matchAll(/<[^>]*>/g)].map((m) => m[0]).join('\n');
    assert.ok(!/https?:|\/\//i.test(inTags), `a URL inside a tag: ${/[^\n]*(https?:|\/\/)[^\n]*/i.exec(inTags)?.[0]}`);
    const allowed = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'h3', 'p', 'span', 'nav', 'ol', 'ul', 'li', 'a', 'section', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'br', 'div', 'svg', 'line', 'text', 'g', 'circle', 'rect', 'article', 'img', 'pre', 'footer', 'colgroup', 'col']);
    for (const t of tags(html)) assert.ok(allowed.has(t), `unexpected element <${t}>`);
  }
});

test('hostile names, notes and metadata are shown as text, never as markup or terminal or bidi controls', () => {
  const html = render('en');
  for (const name of HOSTILE_NAMES) assert.ok(!html.includes(name), `raw hostile name in the report: ${JSON.stringify(name)}`);
  assert.ok(html.includes(esc(HOSTILE_NAMES[0]!)), 'the <script> name, escaped');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;.jpg'));
  assert.ok(html.includes('&quot;&gt;&lt;img src=//evil.example/x onerror=alert(1)&gt;.png'));
  // The right-to-left override and ESC/BEL are written out, not obeyed.
  assert.ok(!/[\u202e\u001b\u0007]/.test(html));
  assert.ok(html.includes('invoice\\u202egpj.exe'));
  assert.ok(html.includes('evil\\x1b]0;pwned\\x07.txt'));
  assert.ok(html.includes('examination\\u202eevil'), 'a custody reason with a bidi override');
  // A note's markup and an EXIF field's </style> stay text.
  assert.ok(html.includes('&lt;iframe src=&quot;http://evil.example/&quot;&gt;&lt;/iframe&gt;'));
  assert.ok(html.includes('&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));
  assert.equal((html.match(/<\/style>/g) ?? []).length, 1, 'the only </style> is the report’s own');
  // Multi-line notes keep their lines.
  assert.ok(html.includes('Photo of the list.<br>Second line &lt;b&gt;bold?&lt;/b&gt;'));
  // Only safe raster data: URIs become images.
  for (const bad of ['data:text/html;base64,PHNjcmlwdD4=', 'javascript:alert(1)', 'data:image/svg+xml;base64,PHN2Zz4=', `${PNG}" onerror="x`]) {
    assert.equal(isSafeImageDataUri(bad), false, bad);
    const h = render('en', new Map([[1, bad]]));
    assert.ok(!h.includes(bad), `unsafe thumbnail used: ${bad}`);
  }
  assert.equal(isSafeImageDataUri(PNG), true);
});

test('every exported item appears with its hashes, type, device path, times, tags, notes and accepted suggestions', () => {
  const m = sampleManifest();
  const html = render('en');
  for (const it of m.items) {
    const start = html.indexOf(`<article class="item" id="item-${it.id}">`);
    assert.ok(start >= 0, `item ${it.id}`);
    const block = html.slice(start, html.indexOf('</article>', start));
    for (const v of [it.sha256, it.sha1, it.md5, esc(it.file), esc(it.devicePath), esc(it.mime!)]) assert.ok(block.includes(v), `item ${it.id}: ${v}`);
    for (const tg of it.tags) assert.ok(block.includes(m.tags.find((x) => x.id === tg.tag)!.labelEn), `item ${it.id}: tag ${tg.tag}`);
  }
  const one = html.slice(html.indexOf('id="item-1"'), html.indexOf('id="item-2"'));
  assert.ok(one.includes('<img class="thumb" src="data:image/png;base64,'));
  assert.ok(one.includes('2026-10-01T09:15:00+09:00'), 'taken-at as recorded, with its offset');
  assert.ok(one.includes('35.659500, 139.700500'), 'GPS');
  assert.ok(one.includes('<td>gps.GPSLatitudeRef</td><td>N</td>') && one.includes('<td>gps.GPSLatitude</td><td>[35,39,34.2]</td>'), 'nested metadata groups opened as dotted names');
  assert.ok(one.includes('41 phone numbers (Japan), 3 names'), 'accepted suggestion with its evidence');
  assert.ok(one.includes('&lt;b&gt;080&lt;/b&gt;-0000-0000'), 'evidence samples escaped');
  assert.ok(one.includes('typed on the wrong item'), 'a removed note stays, with why');
  assert.ok(one.includes('#5 2026-11-05 10:00:00 +09:00 Asia/Tokyo: Tagged'), 'the item’s own custody event, in local time with zone');
  const two = html.slice(html.indexOf('id="item-2"'), html.indexOf('id="item-3"'));
  assert.ok(two.includes('no time zone recorded'), 'a zoneless EXIF time is flagged');
  const five = html.slice(html.indexOf('id="item-5"'), html.indexOf('id="item-6"'));
  assert.ok(five.includes('#7 '), 'a summary tag event listing the item');
  assert.ok(html.includes('the name’s extension does not match the content'));
});

test('case, exhibits with seals and device facts, officers, summary, custody and how to verify', () => {
  const html = render('en');
  for (const s of ['KH-2026-0142', 'Operation Sakura', '3f1c2a9e-7b1d-4c55-9a0e-1b2c3d4e5f60', '5f3a9c0d1e2b3c4d', '9-5f3a9c0d1e2b3c4d', 'tags: Target list <span class="muted">(target-list)</span>, Scam manual']) {
    assert.ok(html.includes(s), s);
  }
  assert.ok(html.includes('2026-12-01 11:00:00 +09:00 Asia/Tokyo'), 'made at, local time with zone');
  assert.ok(html.includes('S-001 <span class="ok">sealed</span>'));
  assert.ok(html.includes('S-002 <span class="bad">SEAL BROKEN</span>'));
  for (const s of ['Apple iPhone 13', '356938035643809', 'SN2234', 'Shibuya, Tokyo &lt;flat 3&gt;', 'Laptop &lt;b&gt;bag&lt;/b&gt; phone', '/mnt/usb/export-1']) assert.ok(html.includes(s), s);
  assert.ok(html.includes('佐藤 警部補') && html.includes('0123456789abcdef'), 'officers and their keys');
  // Summary counts by tag and by type.
  assert.match(html, /Target list<\/td><td class="num">3<\/td>/);
  assert.match(html, /image\/jpeg<\/td><td class="num">3<\/td>/);
  // Custody: every full event once in the table; the withheld one only counted.
  const custody = html.slice(html.indexOf('<section id="custody"'), html.indexOf('<section id="verify"'));
  for (const l of sampleCustody()) {
    if ('withheld' in l) assert.ok(!custody.includes(l.hash), 'a withheld event is not shown');
    else assert.ok(custody.includes(l.hash), `event ${l.seq}`);
  }
  assert.ok(custody.includes('1 events of other items'));
  // Verification, step by step, with the real commands.
  for (const cmd of ['sha256sum -c SHA256SUMS', 'hashdeep -l -a -k hashdeep.txt -r files', 'openssl pkey -pubin -in signer.pub -outform DER | sha256sum', 'evidence bundle verify &lt;bundle folder or .zip&gt;']) assert.ok(html.includes(cmd), cmd);
  // Drawings: the timeline and the GPS plot, with lat/lon axes.
  assert.match(html, /<svg class="plot timeline"/);
  assert.match(html, /<svg class="plot gps"[\s\S]*Longitude[\s\S]*Latitude/);
  assert.equal((html.match(/class="pt-dot"/g) ?? []).length, 3, 'three items with GPS');
});

test('printable on A4: @page A4, a print stylesheet, a page break before each item', () => {
  const html = render('en');
  assert.match(html, /@page \{ size: A4;/);
  assert.match(html, /@media print \{[\s\S]*\.item \{ break-before: page; page-break-before: always;/);
});

test('Japanese: every label translated, no English label left', () => {
  const html = render('ja');
  assert.match(html, /<html lang="ja">/);
  assert.ok(html.includes('タグ: 標的リスト <span class="muted">(target-list)</span>、詐欺マニュアル'), 'the selection in Japanese');
  for (const s of ['証拠バンドル報告書', '保管の連鎖', 'バンドルの検証方法', 'ハッシュ値', '機器上のパス', '封印中', '開封済み', '標的リスト', '詐欺マニュアル', '緯度', '経度', 'タグ付け', 'タイムゾーンの記録なし']) {
    assert.ok(html.includes(s), s);
  }
  // No English label survives (the values of the sample are the same in both reports).
  const en = REPORT_TEXT.en;
  for (const label of [en.title, en.itemsSection, en.devicePath, en.seizedBy, en.verify, en.custody, en.noZone, en.timeline, en.byTag, en.fileInBundle, en.keyCompare, en.actions['item.tagged']!]) {
    assert.ok(!html.includes(`>${label}<`) && !html.includes(esc(label)), `English label in the Japanese report: ${label}`);
  }
  // The Japanese table has every key the English one has.
  assert.deepEqual(Object.keys(REPORT_TEXT.ja).sort(), Object.keys(REPORT_TEXT.en).sort());
  assert.deepEqual(Object.keys(REPORT_TEXT.ja.actions).sort(), Object.keys(REPORT_TEXT.en.actions).sort());
});
