// The folder tree beside the catalogue in Chromium (issue 14): a phone export with folders and a
// ZIP is ingested through the UI; opening a folder in the tree (mouse and keyboard) shows only its
// items in the catalogue, the ZIP is a container whose members it lists, "Include subfolders"
// widens to everything under it; the engine's own listing is the oracle; the Japanese screen; no
// console errors. Screenshots at 1366x768.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildZip } from '../fixtures/archives.ts';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shot, startIngestInUi, uiSkipReason, waitIngestDone } from './harness.ts';

const skip = uiSkipReason();

const FILES = ['DCIM/100APPLE/IMG_0001.txt', 'DCIM/100APPLE/IMG_0002.txt', 'DCIM/cover.txt', 'Documents/deep/note.txt', 'Documents/readme.txt', 'top.txt'];

describe('folder tree UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi({ width: 1366, height: 768 });
    const src = join(env.dir, 'phone');
    for (const p of FILES) {
      mkdirSync(dirname(join(src, p)), { recursive: true });
      writeFileSync(join(src, p), `content of ${p}\n`);
    }
    mkdirSync(join(src, 'Download'));
    writeFileSync(
      join(src, 'Download/chats.zip'),
      buildZip(['chats/a.txt', 'chats/b.txt', 'loose.txt'].map((name) => ({ name, data: Buffer.from(name), method: 8 as const }))),
    );
    casePath = join(env.dir, 'cases', 'op-tree');
    await createCaseInUi(env.page, casePath);
    await addExhibitInUi(env.page, 'EXH-001', 'Phone');
    await startIngestInUi(env.page, src, 'EXH-001');
    await waitIngestDone(env.page);
  });
  after(async () => {
    await env?.close();
  });

  const node = (page: UiEnv['page'], path: string) => page.locator(`[data-testid="tree-node"][data-path="${path}"]`);
  const shownPaths = async (page: UiEnv['page']): Promise<string[]> =>
    (await page.locator('[data-testid="row"][data-id]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-id')))).map(Number).sort((a, b) => a - b).map(String);
  const engineIds = (f: { folder: string; folderDeep?: boolean }): string[] => {
    const source = env.service.folderChildren({ casePath }).nodes[0]!.source;
    return env.service.listItems({ casePath, source, ...f, limit: 1000 }).items.map((r) => r.id).sort((a, b) => a - b).map(String);
  };

  test('open a folder in the tree: the catalogue shows only its items', async () => {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    const source = page.locator('[data-testid="tree-node"][data-path=""]');
    await source.waitFor();
    await source.locator('.tree-twisty').click();
    await node(page, 'DCIM').click();
    const expected = engineIds({ folder: 'DCIM' });
    assert.equal(expected.length, 2, 'DCIM holds 100APPLE and cover.txt directly');
    await page.getByTestId('table-status').getByText(`${expected.length} items`).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="row"][data-id]').length === n, expected.length);
    assert.deepEqual(await shownPaths(page), expected);
    assert.equal(await node(page, 'DCIM').getAttribute('aria-selected'), 'true');

    // Everything under it.
    await page.getByTestId('tree-deep').check();
    const deep = engineIds({ folder: 'DCIM', folderDeep: true });
    await page.getByTestId('table-status').getByText(`${deep.length} items`).waitFor();
    await page.getByTestId('tree-deep').uncheck();
    await shot(page, 'tree-1366-folder');
  });

  test('keyboard: arrows open the Download folder and the ZIP, Enter lists the container', async () => {
    const { page } = env;
    await node(page, 'DCIM').focus();
    await page.keyboard.press('ArrowDown'); // Documents
    await page.keyboard.press('ArrowDown'); // Download
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-path')), 'Download');
    await page.keyboard.press('ArrowRight');
    await node(page, 'Download/chats.zip').waitFor();
    assert.equal(await node(page, 'Download').getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('ArrowRight'); // to the child
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-path')), 'Download/chats.zip');
    await page.keyboard.press('Enter');
    const members = engineIds({ folder: 'Download/chats.zip' });
    assert.equal(members.length, 1, 'loose.txt is the one member directly in the ZIP');
    await page.getByTestId('table-status').getByText(`${members.length} items`).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="row"][data-id]').length === n, members.length);
    assert.deepEqual(await shownPaths(page), members);
    // Its count says how many items are inside (3 members).
    assert.equal((await node(page, 'Download/chats.zip').locator('.tree-count').textContent())?.trim(), '3');
    await page.keyboard.press('ArrowRight');
    await node(page, 'Download/chats.zip!/chats').waitFor();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await node(page, 'Download/chats.zip').getAttribute('aria-expanded'), 'false');
    await shot(page, 'tree-1366-zip');
  });

  test('resize a column with the mouse and the keyboard; the width stays after a reload; double-click resets', async () => {
    const { page } = env;
    const th = page.getByTestId('th-name');
    const widthOf = async (): Promise<number> => Math.round((await th.boundingBox())!.width);
    const before = await widthOf();
    const handle = page.getByTestId('resize-name');
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    assert.equal(await widthOf(), before + 60);
    await handle.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await widthOf(), before + 60 + 32);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await widthOf(), before + 60 + 16);
    await page.reload();
    await page.getByTestId('nav-all').click();
    await th.waitFor();
    assert.equal(await widthOf(), before + 76, 'the width is remembered');
    await shot(page, 'tree-1366-resized');
    await page.getByTestId('resize-name').dblclick();
    assert.equal(await widthOf(), before, 'a double-click gives the default back');
  });

  /** The catalogue table's widths: what it shows and what it holds (wider: a sideways scroll). */
  const tableWidths = (page: UiEnv['page']) =>
    page.getByTestId('catalogue-table').evaluate((t) => ({ client: t.clientWidth, scroll: t.scrollWidth, right: t.getBoundingClientRect().right }));
  const noSidewaysScroll = async (page: UiEnv['page'], where: string): Promise<number> => {
    const w = await tableWidths(page);
    assert.ok(w.scroll <= w.client, `${where}: the table holds ${w.scroll} px in ${w.client} px (a sideways scroll)`);
    // Every header cell is inside the table as drawn (none cut off at the right edge).
    const rights = await page.locator('[role="columnheader"]').evaluateAll((hs) => hs.map((h) => h.getBoundingClientRect().right));
    assert.ok(Math.max(...rights) <= w.right + 0.5, `${where}: the last column ends at ${Math.max(...rights)}, the table at ${w.right}`);
    return w.client;
  };

  test('1366x768: the default columns fit the table beside the tree and the item panel, in English and Japanese', async () => {
    const { page } = env;
    await page.setViewportSize({ width: 1366, height: 768 });
    if (await page.getByTestId('tree-clear').count()) await page.getByTestId('tree-clear').click();
    await page.getByTestId('nav-all').click();
    await page.locator('[data-testid="row"][data-id]').first().waitFor();
    assert.equal(await page.getByTestId('tree-fold').getAttribute('aria-expanded'), 'true', 'the tree is open by default');
    const alone = await noSidewaysScroll(page, 'tree open, no item panel');
    // The shown columns: name, path, size, type, modified and the SHA-256; the rest in the chooser.
    assert.deepEqual(
      await page.locator('[role="columnheader"]').evaluateAll((hs) => hs.map((h) => h.getAttribute('data-testid'))),
      ['th-name', 'th-path', 'th-size', 'th-type', 'th-mtime', 'th-sha256'],
    );
    await page.getByTestId('column-chooser').click();
    for (const col of ['id', 'exhibit', 'ext', 'taken', 'gps', 'error']) assert.equal(await page.getByTestId(`column-${col}`).isChecked(), false, `${col} is in the chooser, off`);
    await page.getByTestId('column-chooser').click();

    // A long path is cut with an ellipsis, the whole path on hover; the hash likewise.
    const long = env.service.listItems({ casePath, pathContains: 'IMG_0001', limit: 1 }).items[0]!;
    const row = page.locator(`[data-testid="row"][data-id="${long.id}"]`);
    await row.click();
    await page.getByTestId('item-detail').waitFor();
    const withPanel = await noSidewaysScroll(page, 'tree and item panel open');
    assert.ok(withPanel < alone - 300, `the item panel takes room: ${alone} -> ${withPanel} px`);
    const pathCell = row.locator('[data-col="path"] .cell-text');
    assert.equal(await pathCell.getAttribute('title'), long.path);
    const cut = await pathCell.evaluate((e) => ({ cut: e.scrollWidth > e.clientWidth, overflow: getComputedStyle(e).textOverflow }));
    assert.deepEqual(cut, { cut: true, overflow: 'ellipsis' }, 'the path is cut with an ellipsis beside the item panel');
    assert.equal(await row.locator('[data-col="sha256"] .cell-text').getAttribute('title'), long.sha256);
    await shot(page, 'tree-1366-fit-en');

    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('th-mtime').getByText('更新日時').waitFor();
    await noSidewaysScroll(page, 'Japanese, tree and item panel open');
    await shot(page, 'tree-1366-fit-ja');
    await page.getByTestId('detail-close').click();
    await noSidewaysScroll(page, 'Japanese, tree open');
    await page.getByTestId('language').selectOption('en');
    await page.getByTestId('th-mtime').getByText('Modified').waitFor();

    // A width the officer gives a column wins over the fitting: the others give way, and past
    // the table's width the table scrolls sideways as asked.
    const sha = page.getByTestId('th-sha256');
    const shaBefore = Math.round((await sha.boundingBox())!.width);
    await page.getByTestId('resize-sha256').focus();
    for (let k = 0; k < 4; k++) await page.keyboard.press('Shift+ArrowRight');
    assert.equal(Math.round((await sha.boundingBox())!.width), shaBefore + 256);
    await page.reload();
    await page.getByTestId('nav-all').click();
    await sha.waitFor();
    assert.equal(Math.round((await sha.boundingBox())!.width), shaBefore + 256, 'the saved width is kept after a reload');
    await page.getByTestId('resize-sha256').dblclick();
    assert.equal(Math.round((await sha.boundingBox())!.width), shaBefore);
    await noSidewaysScroll(page, 'after the default width is back');
  });

  test('fold the folder tree: the catalogue takes its width; the fold is kept after a reload; from the keyboard too', async () => {
    const { page } = env;
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByTestId('nav-all').click();
    await page.locator('[data-testid="row"][data-id]').first().waitFor();
    const fold = page.getByTestId('tree-fold');
    const open = (await tableWidths(page)).client;
    const pathOpen = Math.round((await page.getByTestId('th-path').boundingBox())!.width);
    const source = page.locator('[data-testid="tree-node"][data-path=""]');
    if ((await source.getAttribute('aria-expanded')) !== 'true') await source.locator('.tree-twisty').click();
    await node(page, 'Documents').click();
    await page.getByTestId('table-status').getByText(`${engineIds({ folder: 'Documents' }).length} items`).waitFor();
    await fold.click();
    assert.equal(await fold.getAttribute('aria-expanded'), 'false');
    assert.equal(await fold.getAttribute('aria-label'), 'Show folders');
    assert.equal(await page.getByTestId('tree').isVisible(), false, 'the tree is hidden');
    // The folder chosen is still the filter, and the folded strip says so.
    assert.match((await page.getByTestId('tree-strip').textContent()) ?? '', /In Documents/);
    const folded = await noSidewaysScroll(page, 'tree folded');
    assert.ok(folded >= open + 150, `the table widens: ${open} -> ${folded} px`);
    assert.ok(Math.round((await page.getByTestId('th-path').boundingBox())!.width) >= pathOpen + 150, 'the path column takes the freed width');
    await shot(page, 'tree-1366-folded-en');

    await page.reload();
    await page.getByTestId('nav-all').click();
    await page.locator('[data-testid="row"][data-id]').first().waitFor();
    assert.equal(await page.getByTestId('tree-fold').getAttribute('aria-expanded'), 'false', 'still folded after a reload');
    assert.equal((await tableWidths(page)).client, folded);
    await page.getByTestId('language').selectOption('ja');
    assert.equal(await fold.getAttribute('aria-label'), 'フォルダを表示');
    await noSidewaysScroll(page, 'Japanese, tree folded');
    await shot(page, 'tree-1366-folded-ja');
    await page.getByTestId('language').selectOption('en');

    // From the keyboard: the button is a Tab stop; Enter unfolds, the focus stays on it.
    await fold.focus();
    await page.keyboard.press('Enter');
    assert.equal(await fold.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'tree-fold');
    await page.getByTestId('tree').waitFor();
    assert.equal((await tableWidths(page)).client, open);
    await page.keyboard.press('Space');
    assert.equal(await fold.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('Space');
    assert.equal(await fold.getAttribute('aria-expanded'), 'true');
    await page.reload();
    await page.getByTestId('tree').waitFor();
    assert.equal(await page.getByTestId('tree-fold').getAttribute('aria-expanded'), 'true', 'unfolded is kept too');
  });

  test('a folder with no folders in it shows no arrow; one with folders keeps it', async () => {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    const source = page.locator('[data-testid="tree-node"][data-path=""]');
    await source.waitFor();
    if ((await source.getAttribute('aria-expanded')) !== 'true') await source.locator('.tree-twisty').click();
    for (const folder of ['DCIM', 'Documents', 'Download', 'Download/chats.zip']) {
      if ((await node(page, folder).getAttribute('aria-expanded')) !== 'true') await node(page, folder).locator('.tree-twisty').click();
    }
    await node(page, 'Download/chats.zip!/chats').waitFor();
    const source1 = env.service.folderChildren({ casePath }).nodes[0]!.source;
    const folderKids = (path: string): number => env.service.folderChildren({ casePath, source: source1, path }).nodes.length;
    // Leaves (files only, as the engine lists them): no arrow, not marked expandable, even before
    // anyone opened them.
    for (const leaf of ['DCIM/100APPLE', 'Documents/deep', 'Download/chats.zip!/chats']) {
      assert.equal(folderKids(leaf), 0, `${leaf} holds no folder`);
      await page.waitForFunction((p) => {
        const n = document.querySelector(`[data-testid="tree-node"][data-path="${p}"]`);
        return n !== null && !n.hasAttribute('aria-expanded') && n.querySelector('.tree-twisty')?.textContent === '';
      }, leaf);
    }
    // Folders with folders keep their arrow and aria-expanded.
    for (const parent of ['DCIM', 'Documents', 'Download', 'Download/chats.zip']) {
      assert.ok(folderKids(parent) > 0);
      assert.equal(await node(page, parent).getAttribute('aria-expanded'), 'true');
      assert.equal(await node(page, parent).locator('.tree-twisty').textContent(), '▾');
    }
    // A leaf chosen with the keyboard: → does nothing, the focus stays.
    await node(page, 'DCIM/100APPLE').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-path')), 'DCIM/100APPLE');
    assert.equal(await node(page, 'DCIM/100APPLE').getAttribute('aria-expanded'), null);
    await shot(page, 'tree-1366-leaves');
  });

  test('Japanese screen, and no console errors', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('folder-tree').getByText('サブフォルダを含める').waitFor();
    const source = page.locator('[data-testid="tree-node"][data-path=""]');
    if ((await source.getAttribute('aria-expanded')) !== 'true') await source.locator('.tree-twisty').click();
    await node(page, 'Documents').click();
    await page.getByTestId('tree-clear').getByText('すべて表示').waitFor();
    assert.match((await page.getByTestId('resize-path').getAttribute('aria-label')) ?? '', /幅を変更/);
    await shot(page, 'tree-1366-ja');
    await page.getByTestId('tree-clear').click();
    await page.getByTestId('language').selectOption('en');
    assert.deepEqual(env.problems, []);
  });
});
