// Issue 14 in Chromium, on the Japanese screen: a photo with EXIF GPS shows its place on the
// offline base map (Natural Earth outlines, bundled; the country around the point drawn), and a
// stored photo altered on disk after ingest is refused in words (STORE_ALTERED, translated) instead
// of shown. No console error, no failed request other than the refused photo's own.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, projectRoot, shot, startIngestInUi, uiSkipReason, waitIngestDone } from './harness.ts';
import { type ExifSpec, exifJpeg } from '../fixtures/images.ts';

const skip = uiSkipReason();
/** A real camera photo with GPS (Tuscany), from the shared samples when they are there. */
const SAMPLE = resolve(projectRoot, '..', 'shared', 'samples', 'exif', 'jpg', 'gps', 'DSCN0029.jpg');
const sampleSkip = existsSync(SAMPLE) ? false : `the shared samples are absent (${SAMPLE})`;

/** Phnom Penh, by the Royal Palace. */
const PHNOM_PENH: ExifSpec = {
  make: 'Apple',
  model: 'iPhone 13',
  orientation: 1,
  dateTimeOriginal: '2026:03:14 21:05:10',
  offsetTimeOriginal: '+07:00',
  lat: { d: 11, m: 33, s: 50.4, ref: 'N' },
  lon: { d: 104, m: 55, s: 51.6, ref: 'E' },
};

const CHAT = [
  '14/03/2026, 20:58 - Messages and calls are end-to-end encrypted.',
  '14/03/2026, 21:02 - Handler Wei: 新しい名簿を送って',
  '14/03/2026, 21:03 - 田中: 了解です。今夜送ります',
  '14/03/2026, 21:05 - Handler Wei: 未払いの件で電話するように',
  'スクリプトは前と同じ',
  '14/03/2026, 21:06 - 田中: はい',
].join('\n');

describe('offline map and refused altered photos (Japanese)', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi();
    const exportDir = join(env.dir, 'export');
    mkdirSync(join(exportDir, 'DCIM'), { recursive: true });
    writeFileSync(join(exportDir, 'DCIM', 'IMG_0101.JPG'), exifJpeg(PHNOM_PENH, 'IMG_0101'));
    writeFileSync(join(exportDir, 'DCIM', 'IMG_0102.JPG'), exifJpeg(PHNOM_PENH, 'IMG_0102'));
    if (existsSync(SAMPLE)) copyFileSync(SAMPLE, join(exportDir, 'DCIM', 'DSCN0029.jpg'));
    mkdirSync(join(exportDir, 'Chats'));
    writeFileSync(join(exportDir, 'Chats', 'WhatsApp Chat with Handler Wei.txt'), CHAT);
    casePath = join(env.dir, 'cases', 'op-map');
    await createCaseInUi(env.page, casePath);
    await addExhibitInUi(env.page, 'EXH-001', 'Phone seized in Phnom Penh');
    await startIngestInUi(env.page, exportDir, 'EXH-001');
    await waitIngestDone(env.page);
    await env.page.getByTestId('language').selectOption('ja');
  });
  after(async () => {
    await env?.close();
  });

  const itemOf = (path: string) => {
    const it = env.service.listItems({ casePath, pathContains: path }).items.find((i) => i.path === path);
    assert.ok(it, path);
    return it;
  };
  async function open(path: string): Promise<void> {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    const row = page.locator(`[data-testid="row"][data-id="${itemOf(path).id}"]`);
    await row.scrollIntoViewIfNeeded();
    await row.click();
    await page.waitForFunction((name) => document.querySelector('.detail-head h2')?.textContent === name, path.split('/').pop());
  }

  test('a photo with GPS shows its place on the offline map: Cambodia drawn, the coordinates, the world inset', async () => {
    const { page } = env;
    await open('DCIM/IMG_0101.JPG');
    const plot = page.getByTestId('gps-plot');
    await plot.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('[data-testid="gps-plot"]')?.getAttribute('data-map') === 'loaded');
    const countries = (await plot.getAttribute('data-countries'))!.split('|');
    for (const c of ['Cambodia', 'Thailand', 'Vietnam', 'Laos']) assert.ok(countries.includes(c), `${c} in ${countries.join(', ')}`);
    assert.ok(!countries.includes('Japan') && !countries.includes('France'), 'only the region around the point');
    // Real outlines: Cambodia's path has hundreds of points at 1:50m.
    const cambodia = (await page.locator('[data-testid="gps-country"]', { has: page.locator('title', { hasText: /^Cambodia$/ }) }).getAttribute('d'))!;
    assert.ok(cambodia.split('L').length > 100, `Cambodia drawn with ${cambodia.split('L').length} points`);
    assert.match((await page.getByTestId('gps-coords').textContent())!, /N 11\.5640\d° · E 104\.9310\d°/);
    assert.match((await plot.textContent())!, /オフライン地図：Natural Earth/);
    await page.evaluate(() => document.querySelector('[data-testid="gps-plot"]')!.scrollIntoView({ block: 'center' }));
    await shot(page, '90-mapchat-gps-map-ja-light');
    await page.getByTestId('gps-plot').screenshot({ path: join('test-results', 'ui', '90-mapchat-gps-map-only.png') });
  });

  test('a real camera photo with GPS (shared samples) is placed in Italy', { skip: sampleSkip }, async () => {
    const { page } = env;
    await open('DCIM/DSCN0029.jpg');
    const plot = page.getByTestId('gps-plot');
    await plot.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('[data-testid="gps-plot"]')?.getAttribute('data-map') === 'loaded');
    const countries = (await plot.getAttribute('data-countries'))!.split('|');
    for (const c of ['Italy', 'San Marino']) assert.ok(countries.includes(c), `${c} in ${countries.join(', ')}`);
    assert.match((await page.getByTestId('gps-coords').textContent())!, /N 43\.468\d+° · E 11\.880\d+°/);
    await page.getByTestId('gps-plot').screenshot({ path: join('test-results', 'ui', '93-mapchat-gps-sample-italy.png') });
  });

  test('a stored photo altered after ingest is refused in Japanese, not shown', async () => {
    const { page } = env;
    const photo = itemOf('DCIM/IMG_0102.JPG');
    // The small photo is a blob in store/objects.db: one byte changed there, as a tamperer would.
    const db = new Database(join(casePath, 'store', 'objects.db'));
    const row = db.prepare('SELECT data FROM objects WHERE sha256 = ?').get(photo.sha256) as { data: Buffer };
    const changed = Buffer.from(row.data);
    changed[changed.length - 3] = changed[changed.length - 3]! ^ 0x01;
    db.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(changed, photo.sha256);
    db.close();
    await open('DCIM/IMG_0102.JPG');
    const refused = page.getByTestId('preview-refused');
    await refused.waitFor();
    const text = (await refused.textContent())!;
    assert.match(text, /保管されたコピーが記録されたハッシュ値と一致しません/);
    assert.match(text, /検証を実行/);
    assert.equal(await page.getByTestId('preview-image').count(), 0, 'no image of altered bytes');
    await shot(page, '91-mapchat-altered-refused-ja-light');
    // The Hex view refuses it the same way.
    await page.locator('.preview-modes button', { hasText: '16進' }).click();
    await page.locator('.preview .err-text', { hasText: '一致しません' }).waitFor();
  });

  test('a chat shows styled speaker lines, opened at a search hit that stays marked', async () => {
    const { page } = env;
    await page.getByTestId('nav-search').click();
    await page.getByTestId('search-input').fill('未払い');
    await page.getByTestId('search-input').press('Enter');
    await page.locator('[data-testid="search-hit"]', { hasText: 'WhatsApp Chat with Handler Wei.txt' }).click();
    const body = page.locator('[data-testid="text-view-body"].chat');
    await body.waitFor();
    assert.equal(await page.locator('[data-testid="text-view"]').getAttribute('data-format'), 'whatsapp');
    const msgs = body.locator('.chat-msg:not(.system)');
    assert.equal(await msgs.count(), 4);
    assert.deepEqual(await body.locator('.chat-speaker').allTextContents(), ['Handler Wei', '田中', 'Handler Wei', '田中']);
    assert.deepEqual(await body.locator('.chat-time').allTextContents(), ['2026-03-14 20:58', '2026-03-14 21:02', '2026-03-14 21:03', '2026-03-14 21:05', '2026-03-14 21:06']);
    assert.equal(await body.locator('.chat-line.system').count(), 1, 'the encryption notice');
    // Two speakers: one on each side, each in their colour; the continuation line with its message.
    const sides = await msgs.evaluateAll((els) => els.map((e) => [e.classList.contains('right') ? 'right' : 'left', getComputedStyle(e.querySelector('.chat-speaker')!).color]));
    assert.deepEqual(sides.map((s) => s[0]), ['left', 'right', 'left', 'right']);
    assert.notEqual(sides[0]![1], sides[1]![1], 'speakers in different colours');
    assert.equal(sides[0]![1], sides[2]![1]);
    assert.ok((await body.locator('.chat-more').first().textContent())!.includes('スクリプトは前と同じ'));
    const hit = body.locator('.chat-body mark.current');
    await hit.waitFor();
    assert.equal(await hit.textContent(), '未払い');
    await page.getByTestId('text-view').scrollIntoViewIfNeeded();
    await shot(page, '92-mapchat-chat-speakers-ja-light');
  });

  test('no console errors or failed requests but the refused photo\'s own', () => {
    const id = itemOf('DCIM/IMG_0102.JPG').id;
    const others = env.problems.filter((p) => !p.includes(`/api/items/${id}/`) && !/Failed to load resource: the server responded with a status of 400/.test(p));
    assert.deepEqual(others, []);
    assert.ok(env.problems.some((p) => p.includes(`HTTP 400: GET`) && p.includes(`/api/items/${id}/content`)), env.problems.join('\n'));
  });
});
