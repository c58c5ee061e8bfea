// The search box in Chromium (issue 14 item 1): a Japanese word finds the manual as text and as
// DOCX and the notice, with the word marked in each snippet, and the file named after it; a
// SHA-256 prefix finds its photo; the catalogue's filters narrow it; evidence text that looks
// like HTML is shown as text; a result opens the item at its hit; the Japanese UI.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, openUi, shot, shotBoth, uiSkipReason } from './harness.ts';
import { HTML_LOOKALIKE, buildScamExport, caseWithExport } from './review-fixture.ts';

const skip = uiSkipReason();

describe('search UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi();
    const exportDir = join(env.dir, 'export');
    mkdirSync(exportDir);
    buildScamExport(exportDir);
    casePath = join(env.dir, 'cases', 'op-sakura');
    await caseWithExport(env.page, casePath, exportDir);
  });
  after(async () => {
    await env?.close();
  });

  const hitPaths = (page: UiEnv['page'], field = 'text') =>
    page.$$eval(`[data-testid="search-hit"][data-field="${field}"] .result-path`, (els) => els.map((e) => e.textContent).sort());

  test('未払い finds the manual (text and DOCX) and the notice, marked in the snippets, and the file named after it', async () => {
    const { page } = env;
    await page.getByTestId('nav-search').click();
    await page.getByTestId('search-input').fill('未払い');
    await page.getByTestId('search-input').press('Enter');
    await page.locator('[data-testid="search-hit"][data-field="text"]').first().waitFor();
    assert.deepEqual(await hitPaths(page), ['Documents/manual.docx', 'Documents/マニュアル.txt', 'Notes/html-lookalike.txt', 'Notes/notice.txt']);
    assert.deepEqual(await hitPaths(page, 'path'), ['Notes/未払い一覧.txt']);
    // Every text hit has a snippet with the word in a <mark> (the engine's ranges, not HTML).
    const marks = await page.$$eval('[data-testid="search-hit"][data-field="text"]', (els) => els.map((e) => [...e.querySelectorAll('mark')].map((m) => m.textContent)));
    for (const m of marks) assert.ok(m.length > 0 && m.every((x) => x === '未払い'), JSON.stringify(marks));
    const notice = page.locator('[data-testid="search-hit"]', { hasText: 'Notes/notice.txt' });
    assert.match((await notice.getByTestId('snippet').textContent())!, /サイト利用料の未払いがあります/);
    assert.match((await page.getByTestId('search-status').textContent())!, /In the text: 4 · In names, paths and hashes: 1/);
    // Evidence text that looks like HTML is text: no element made of it, the title untouched.
    const lookalike = page.locator('[data-testid="search-hit"]', { hasText: 'html-lookalike' });
    assert.match((await lookalike.getByTestId('snippet').textContent())!, /onerror="document\.title='pwned'"><b>未払い<\/b> 請求書/);
    assert.equal(await page.locator('[data-testid="search-results"] img, [data-testid="search-results"] b').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    assert.ok(HTML_LOOKALIKE.includes('<b>'));
    await shotBoth(page, '70-search-japanese');
  });

  test('a result opens the item at its hit', async () => {
    const { page } = env;
    await page.locator('[data-testid="search-hit"]', { hasText: 'Documents/manual.docx' }).click();
    await page.getByTestId('item-detail').waitFor();
    const banner = page.getByTestId('detail-hit');
    await banner.waitFor();
    assert.match((await banner.textContent())!, /Found here by the search for 未払い/);
    assert.equal(await banner.locator('mark').first().textContent(), '未払い');
    assert.match((await page.locator('.detail-head h2').textContent())!, /manual\.docx/);
    await shot(page, '71-search-open-hit-light');
    // The keyboard: down moves to the next hit and the detail follows.
    const names = await page.$$eval('[data-testid="search-hit"][data-field="text"] strong', (els) => els.map((e) => e.textContent));
    await page.locator('[data-testid="search-hit"][data-field="text"]').first().click();
    await page.waitForFunction((n) => document.querySelector('.detail-head h2')?.textContent === n, names[0]);
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((n) => document.querySelector('.detail-head h2')?.textContent === n, names[1]);
  });

  test('a SHA-256 prefix finds its photo; a device path finds its file; filters narrow the search', async () => {
    const { page } = env;
    const photo = env.service.listItems({ casePath, pathContains: 'IMG_0042' }).items[0]!;
    await page.getByTestId('search-input').fill(photo.sha256!.slice(0, 16));
    await page.getByTestId('search-input').press('Enter');
    await page.locator('[data-testid="search-hit"][data-field="hash"]').first().waitFor();
    assert.deepEqual(await hitPaths(page, 'hash'), ['DCIM/100APPLE/IMG_0042.bin']);
    assert.equal(await page.locator('[data-testid="search-hit"][data-field="hash"] mark').textContent(), photo.sha256!.slice(0, 16));
    await shot(page, '72-search-hash-light');

    await page.getByTestId('search-input').fill('dcim img_004');
    await page.getByTestId('search-input').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="search-hit"][data-field="path"]').length === 4);

    // The catalogue's filters: images only finds none of the documents, and says so.
    await page.getByTestId('search-input').fill('未払い');
    await page.getByTestId('search-input').press('Enter');
    await page.getByTestId('search-status').getByText('In the text: 4').waitFor();
    await page.getByTestId('search-family').selectOption('images');
    await page.getByTestId('search-none').waitFor();
    assert.match((await page.getByTestId('search-status').textContent())!, /In the text: 0 · In names, paths and hashes: 0/);
    await page.getByTestId('search-family').selectOption('');
    await page.getByTestId('search-status').getByText('In the text: 4').waitFor();
  });

  test('the Japanese UI', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('search-status').getByText('本文: 4 件').waitFor();
    assert.match((await page.getByTestId('nav-search').textContent())!, /検索/);
    await shot(page, '73-search-japanese-ui-light');
    await page.getByTestId('language').selectOption('en');
    assert.deepEqual(env.problems, []);
  });
});
