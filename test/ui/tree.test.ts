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
