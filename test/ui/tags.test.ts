// Tags and notes in Chromium (issue 14 item 3): tag three items of the catalogue at once (a
// shift-selection and the selection's action bar) and see the chip with its colour on each row;
// a number key tags the selection with a favourite tag; the Tagged view counts per tag; filter by
// the tag; the item shows its tags, untags with ×, takes a note; the engine agrees at each step;
// the Japanese UI.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, openUi, shot, shotBoth, uiSkipReason } from './harness.ts';
import { buildScamExport, caseWithExport } from './review-fixture.ts';

const skip = uiSkipReason();

describe('tags and notes UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;
  let ids: number[];

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

  const rows = (page: UiEnv['page']) => page.locator('[data-testid="row"][data-id]');
  const tagCount = (page: UiEnv['page'], tag: string) => page.locator(`[data-testid="nav-tag-${tag}"] [data-testid="nav-tag-count"]`);

  test('tag three items at once: the chip shows on each row, the Tagged view counts them', async () => {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    await rows(page).first().waitFor();
    ids = await Promise.all([0, 1, 2].map(async (k) => Number(await rows(page).nth(k).getAttribute('data-id'))));
    await rows(page).nth(0).click();
    await rows(page).nth(2).click({ modifiers: ['Shift'] });
    await page.getByTestId('selected-count').getByText('3 selected').waitFor();
    await page.getByTestId('selection-actions').waitFor();
    await page.getByTestId('selection-tag').selectOption('financial-record');
    await page.getByTestId('selection-comment').fill('ledger folders');
    await page.getByTestId('selection-tag-apply').click();
    await page.getByTestId('tag-note').getByText('Financial record: 3 items changed').waitFor();
    for (const id of ids) await page.locator(`[data-testid="row"][data-id="${id}"] [data-tag="financial-record"]`).waitFor();
    // The chip's colour is the tag's, with its label beside it.
    const dot = await page.locator(`[data-testid="row"][data-id="${ids[0]}"] [data-tag="financial-record"] .tag-dot`).evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(dot, 'rgb(46, 125, 50)');
    await tagCount(page, 'financial-record').getByText('3').waitFor();
    assert.deepEqual(env.service.listItems({ casePath, tag: 'financial-record' }).items.map((r) => r.id), ids);
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('evidence.signed')!).session as string);
    assert.equal(env.service.getItem({ session, id: ids[1]! }).tags[0]?.comment, 'ledger folders');
    await shotBoth(page, '79-tags-selection');
  });

  test('a number key tags the selection with a favourite tag', async () => {
    const { page } = env;
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('evidence.signed')!).session as string);
    const favourites = env.service.listTags({ session }).slice(0, 9);
    const k = favourites.findIndex((x) => x.id === 'premises-photo');
    assert.ok(k >= 0, 'premises-photo is among the first nine tags');
    const photo = env.service.listItems({ casePath, pathContains: 'IMG_0041' }).items[0]!;
    await page.locator(`[data-testid="row"][data-id="${photo.id}"]`).click();
    await page.getByTestId('catalogue-table').press(`Digit${k + 1}`);
    await page.locator(`[data-testid="row"][data-id="${photo.id}"] [data-tag="premises-photo"]`).waitFor();
    await tagCount(page, 'premises-photo').getByText('1').waitFor();
    assert.deepEqual(env.service.listItems({ casePath, tag: 'premises-photo' }).items.map((r) => r.id), [photo.id]);
  });

  test('filter by the tag, and the Tagged view', async () => {
    const { page } = env;
    await page.getByTestId('filter-tag').selectOption('financial-record');
    await page.getByTestId('table-status').getByText('3 items').waitFor();
    await page.getByTestId('filter-tag').selectOption('');
    await page.getByTestId('nav-tag-premises-photo').click();
    await page.getByTestId('table-status').getByText('1 items').or(page.getByTestId('table-status').getByText('1 item')).first().waitFor();
    await page.getByTestId('nav-tag-financial-record').click();
    await page.getByTestId('table-status').getByText('3 items').waitFor();
    assert.deepEqual(await rows(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id')))), ids);
  });

  test('the item: its tags, untag with ×, and a note', async () => {
    const { page } = env;
    await page.locator(`[data-testid="row"][data-id="${ids[0]}"]`).click();
    await page.locator('[data-testid="item-tags"] [data-tag="financial-record"]').waitFor();
    await page.getByTestId('note-text').fill('Ledger of payments; compare with the bank records (see EXH-002).');
    await page.getByTestId('note-add').click();
    await page.getByTestId('note').getByText('Ledger of payments').waitFor();
    assert.match((await page.getByTestId('note').textContent())!, /Sgt\. Dara Sok/);
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('evidence.signed')!).session as string);
    assert.deepEqual(env.service.getItem({ session, id: ids[0]! }).notes.map((n) => n.text), ['Ledger of payments; compare with the bank records (see EXH-002).']);
    await page.getByTestId('item-tag-add').selectOption('handler-communication');
    await page.locator('[data-testid="item-tags"] [data-tag="handler-communication"]').waitFor();
    await shotBoth(page, '80-item-tags-notes');
    await page.locator('[data-testid="item-tags"] [data-tag="financial-record"] [data-testid="tag-remove"]').click();
    await tagCount(page, 'financial-record').getByText('2').waitFor();
    assert.equal(await page.locator('[data-testid="item-tags"] [data-tag="financial-record"]').count(), 0);
    // The view of that tag follows: two rows, no placeholder left behind.
    await page.getByTestId('table-status').getByText('2 items').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="row"]').length === 2);
    assert.deepEqual(env.service.listItems({ casePath, tag: 'financial-record' }).items.map((r) => r.id), ids.slice(1));
    // Both changes are in the item's custody history.
    const actions = env.service.getItem({ session, id: ids[0]! }).custody.map((e) => e.action);
    for (const a of ['item.tagged', 'item.untagged', 'note.added']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  });

  test('the Japanese UI', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('nav-tagged').getByText('金銭記録').waitFor();
    assert.match((await page.getByTestId('item-notes').textContent())!, /メモ/);
    await shot(page, '81-tags-japanese-light');
    await page.getByTestId('language').selectOption('en');
    assert.deepEqual(env.problems, []);
  });
});
