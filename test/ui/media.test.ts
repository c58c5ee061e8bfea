// Reading documents and looking at phone media in Chromium (issue 14 items 4-5): a DOCX opens on
// its extracted text (the engine's words, not its ZIP bytes), an XLSX as rows of cells, a PDF's
// "text" is its extracted text and never its raw stream; a search hit opens the text with the
// word marked and scrolled to, and the next hit is reached with a button; a HEIC photo is shown
// (decoded by the engine), a video plays (streamed in ranges) with its length, audio too; the
// Japanese screen; no console error or failed request.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, openUi, projectRoot, shot, shotBoth, uiSkipReason } from './harness.ts';
import { addExhibitInUi, createCaseInUi, startIngestInUi, waitIngestDone } from './harness.ts';
import { JA_NOTICE, SCAM_MANUAL_LINES, scamManualDocx, scamManualPdf, targetListXlsx } from '../fixtures/texts.ts';

const skip = uiSkipReason();
const MEDIA = join(projectRoot, 'test', 'fixtures', 'phone-media');
const IPHONE = resolve(projectRoot, '..', 'shared', 'samples', 'exif', 'heic', 'mobile', 'iphone_13_pro_max.HEIC');

/** One second of a 440 Hz tone as a 16-bit mono WAV, made here. */
function toneWav(seconds = 1, rate = 8000): Buffer {
  const n = seconds * rate;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function buildPhoneExport(root: string): void {
  for (const d of ['Documents', 'Notes', 'DCIM/100APPLE', 'Voice']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'Documents', 'manual.docx'), scamManualDocx());
  writeFileSync(join(root, 'Documents', 'manual.pdf'), scamManualPdf());
  writeFileSync(join(root, 'Documents', '名簿.xlsx'), targetListXlsx());
  // The word 未払い twice, far apart: the second hit is further down the text.
  writeFileSync(join(root, 'Notes', 'notice.txt'), `${JA_NOTICE}\n${'記録\n'.repeat(120)}最後に: 未払いの件は至急ご連絡ください。\n`);
  copyFileSync(join(MEDIA, 'tiny.heic'), join(root, 'DCIM', '100APPLE', 'IMG_0001.HEIC'));
  if (existsSync(IPHONE)) copyFileSync(IPHONE, join(root, 'DCIM', '100APPLE', 'IMG_0002.HEIC'));
  copyFileSync(join(MEDIA, 'tiny.mp4'), join(root, 'DCIM', '100APPLE', 'IMG_0003.MP4'));
  writeFileSync(join(root, 'Voice', 'memo.wav'), toneWav());
}

describe('extracted text and phone media UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi();
    const exportDir = join(env.dir, 'export');
    mkdirSync(exportDir);
    buildPhoneExport(exportDir);
    casePath = join(env.dir, 'cases', 'op-media');
    await createCaseInUi(env.page, casePath);
    await addExhibitInUi(env.page, 'EXH-001', 'iPhone seized at the call centre');
    await startIngestInUi(env.page, exportDir, 'EXH-001');
    await waitIngestDone(env.page);
  });
  after(async () => {
    await env?.close();
  });

  const idOf = (path: string): number => {
    const it = env.service.listItems({ casePath, pathContains: path }).items.find((i) => i.path === path);
    assert.ok(it, path);
    return it.id;
  };
  async function open(path: string): Promise<void> {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    const row = page.locator(`[data-testid="row"][data-id="${idOf(path)}"]`);
    await row.scrollIntoViewIfNeeded();
    await row.click();
    await page.waitForFunction((name) => document.querySelector('.detail-head h2')?.textContent === name, path.split('/').pop());
  }
  const mode = (name: string) => env.page.locator('.preview-modes button', { hasText: name });

  test('a DOCX opens on its extracted text; an XLSX shows rows of cells; a PDF\'s text is never its raw stream', async () => {
    const { page } = env;
    await open('Documents/manual.docx');
    const view = page.getByTestId('text-view');
    await view.waitFor();
    assert.equal(await page.getByTestId('preview').getAttribute('data-kind'), 'extracted');
    const body = (await page.getByTestId('text-view-body').textContent())!;
    for (const line of SCAM_MANUAL_LINES) assert.ok(body.includes(line.normalize('NFKC')), `shows "${line}"`);
    assert.ok(!body.includes('PK') && !body.includes('<w:'), 'not the ZIP or its XML');
    assert.match((await page.getByTestId('text-view-facts').textContent())!, /Word document · \d+ characters/);
    // The raw bytes are still one click away, as hex; no "Text" of the ZIP's bytes is offered.
    assert.deepEqual(await page.locator('.preview-modes button').allTextContents(), ['Extracted text', 'Hex']);
    await shot(page, '80-media-docx-text-light');

    await open('Documents/名簿.xlsx');
    await page.locator('[data-testid="text-view"][data-format="xlsx"]').waitFor();
    // The sheet's name ("# 名簿"), then its rows, each cell apart.
    const header = await page.locator('.text-view-body .text-line', { hasText: '電話番号' }).first().locator('.text-cell').allTextContents();
    assert.deepEqual(header.slice(0, 3), ['氏名', '電話番号', '住所'], 'the header row, one cell each');
    assert.ok((await page.locator('.text-view-body .text-line').count()) > 20, 'a row per line');
    await shot(page, '81-media-xlsx-rows-light');

    await open('Documents/manual.pdf');
    await page.getByTestId('preview-pdf').waitFor();
    assert.equal(await page.getByTestId('preview').getAttribute('data-kind'), 'pdf');
    await mode('Extracted text').click();
    await page.getByTestId('text-view').waitFor();
    const pdfText = (await page.getByTestId('text-view-body').textContent())!;
    assert.ok(pdfText.includes('未払い'), pdfText.slice(0, 200));
    assert.ok(!/%PDF|endobj|endstream/.test(pdfText), 'no PDF syntax');
    assert.deepEqual(await page.locator('.preview-modes button').allTextContents(), ['PDF', 'Extracted text', 'Hex'], 'no raw "Text" of a PDF');
  });

  test('a search hit opens the text with the word marked and scrolled to; the next hit is a click away', async () => {
    const { page } = env;
    await page.getByTestId('nav-search').click();
    await page.getByTestId('search-input').fill('未払い');
    await page.getByTestId('search-input').press('Enter');
    await page.locator('[data-testid="search-hit"]', { hasText: 'Notes/notice.txt' }).click();
    await page.getByTestId('item-detail').waitFor();
    await page.getByTestId('text-view').waitFor();
    assert.equal(await page.getByTestId('preview').getAttribute('data-kind'), 'extracted', 'opened at its text');
    const current = page.locator('.text-view-body mark.current');
    await current.waitFor();
    assert.equal(await current.textContent(), '未払い');
    assert.match((await page.getByTestId('text-view-hit-count').textContent())!, /Hit 1 of 2 for 未払い/);
    assert.equal(await page.locator('.text-view-body mark').count(), 2);
    // The second hit is far below: the button moves there and scrolls it into the text's view.
    await page.getByTestId('text-next-hit').click();
    await page.waitForFunction(() => document.querySelector('.text-view-body mark.current')?.getAttribute('data-hit') === '1');
    const inView = await page.evaluate(() => {
      const box = document.querySelector('[data-testid="text-view-body"]')!.getBoundingClientRect();
      const m = document.querySelector('.text-view-body mark.current')!.getBoundingClientRect();
      return m.top >= box.top && m.bottom <= box.bottom;
    });
    assert.ok(inView, 'the current hit is visible in the text box');
    assert.match((await page.getByTestId('text-view-hit-count').textContent())!, /Hit 2 of 2/);
    await shotBoth(page, '82-media-search-hit');
  });

  test('a HEIC photo is shown, decoded by the engine, and has a thumbnail', async () => {
    const { page } = env;
    await open('DCIM/100APPLE/IMG_0001.HEIC');
    const img = page.getByTestId('preview-image');
    await img.waitFor();
    await page.waitForFunction(() => {
      const i = document.querySelector('[data-testid="preview-image"]') as HTMLImageElement | null;
      return !!i && i.complete && i.naturalWidth > 0;
    });
    assert.equal(await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight].join('x')), '64x48');
    assert.equal(await page.getByTestId('preview-image-failed').count(), 0);
    await page.getByTestId('preview-heic-note').waitFor();
    if (existsSync(IPHONE)) {
      await open('DCIM/100APPLE/IMG_0002.HEIC');
      await page.waitForFunction(
        () => {
          const i = document.querySelector('[data-testid="preview-image"]') as HTMLImageElement | null;
          return !!i && i.complete && i.naturalWidth > 0;
        },
        undefined,
        { timeout: 120_000 },
      );
      const size = await page.getByTestId('preview-image').evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight]);
      assert.deepEqual(size, [1536, 2048], 'the iPhone photo upright, at the preview size');
      await page.getByTestId('preview-image').evaluate((i: HTMLImageElement) => i.decode());
      await shot(page, '83-media-heic-light');
    }
    // The gallery shows the HEIC's thumbnail (made by the engine).
    await page.getByTestId('nav-gallery').click();
    const tile = page.locator(`[data-testid="tile"][data-id="${idOf('DCIM/100APPLE/IMG_0001.HEIC')}"] img`);
    await tile.waitFor();
    await page.waitForFunction((id) => {
      const i = document.querySelector(`[data-testid="tile"][data-id="${id}"] img`) as HTMLImageElement | null;
      return !!i && i.complete && i.naturalWidth > 0;
    }, idOf('DCIM/100APPLE/IMG_0001.HEIC'));
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="tile"] img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
      undefined,
      { timeout: 120_000 },
    );
    await shot(page, '87-media-gallery-heic-light');
  });

  test('a video plays, streamed in ranges, with its length; audio plays too', async () => {
    const { page } = env;
    await open('DCIM/100APPLE/IMG_0003.MP4');
    const video = page.getByTestId('preview-video');
    await video.waitFor();
    assert.equal(await page.getByTestId('preview').getAttribute('data-kind'), 'video');
    await page.getByTestId('media-duration').waitFor();
    assert.equal(await page.getByTestId('media-duration').textContent(), '0:02');
    await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play();
    });
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid="preview-video"]') as HTMLVideoElement | null;
      return !!v && v.readyState >= 2 && v.currentTime > 0.3;
    });
    await video.evaluate((v: HTMLVideoElement) => v.pause());
    assert.equal(await page.getByTestId('media-failed').count(), 0);
    await shot(page, '84-media-video-light');

    await open('Voice/memo.wav');
    const audio = page.getByTestId('preview-audio');
    await audio.waitFor();
    await page.getByTestId('media-duration').waitFor();
    await audio.evaluate(async (a: HTMLAudioElement) => {
      a.muted = true;
      await a.play();
    });
    await page.waitForFunction(() => ((document.querySelector('[data-testid="preview-audio"]') as HTMLAudioElement | null)?.currentTime ?? 0) > 0.1);
  });

  test('Japanese: the modes, the text view and the player in Japanese; no console errors', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    try {
      await open('Documents/manual.docx');
      await page.getByTestId('text-view').waitFor();
      assert.deepEqual(await page.locator('.preview-modes button').allTextContents(), ['抽出テキスト', '16進']);
      assert.match((await page.getByTestId('text-view-facts').textContent())!, /Word 文書 · \d+ 文字（検索用に索引化された内容）/);
      await shot(page, '85-media-docx-text-ja-light');
      await open('DCIM/100APPLE/IMG_0003.MP4');
      await page.getByTestId('media-duration').waitFor();
      const facts = (await page.getByTestId('media-player').textContent())!;
      assert.match(facts, /長さ/);
      assert.match(facts, /ケースの保管庫から範囲ごとに再生/);
      assert.doesNotMatch(facts, /Length|Played from/);
      assert.deepEqual(await page.locator('.preview-modes button').allTextContents(), ['動画', '16進']);
      await shot(page, '86-media-video-ja-light');
    } finally {
      await page.getByTestId('language').selectOption('en');
    }
    assert.deepEqual(env.problems, []);
  });
});
