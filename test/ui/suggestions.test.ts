// The suggestions review queue in Chromium (issue 14 item 2): the ingest summary says how many
// the detectors raised; the queue lists each with what the detector saw; accepting one with the
// keyboard (j/k, a) tags its item (the chip on the item and the row, the Tagged count); a
// shift-selection of two rejected with r tags nothing; the accepted and rejected lists; the
// engine's own list agrees; the Japanese UI.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, openUi, shot, shotBoth, uiSkipReason } from './harness.ts';
import { buildScamExport, caseWithExport } from './review-fixture.ts';

const skip = uiSkipReason();

describe('suggestions UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;
  let raised: number;

  before(async () => {
    env = await openUi();
    const exportDir = join(env.dir, 'export');
    mkdirSync(exportDir);
    buildScamExport(exportDir);
    casePath = join(env.dir, 'cases', 'op-sakura');
    await caseWithExport(env.page, casePath, exportDir);
    raised = env.service.listSuggestions({ casePath }).total;
  });
  after(async () => {
    await env?.close();
  });

  test('the ingest summary says how many suggestions were raised', async () => {
    const { page } = env;
    assert.ok(raised >= 4, `${raised} raised`);
    assert.equal((await page.getByTestId('summary-suggestions').textContent())!.trim().replace(/Review them$/, '').trim(), `✦ Suggestions raised: ${raised}`);
    await shot(page, '74-ingest-summary-suggestions-light');
    await page.getByTestId('review-suggestions').click();
    await page.getByTestId('suggestions-view').waitFor();
    await page.locator('[data-testid="nav-suggestions"] .nav-count', { hasText: String(raised) }).waitFor();
  });

  test('each suggestion with what the detector saw', async () => {
    const { page } = env;
    await page.getByTestId('suggest-status').getByText(`${raised} suggestions`).waitFor();
    assert.equal(await page.getByTestId('suggestion').count(), raised);
    const csv = page.locator('[data-testid="suggestion"]', { hasText: 'Documents/リスト_3月.csv' });
    assert.match((await csv.getByTestId('suggestion-summary').textContent())!, /^150 distinct JP numbers; 1[45]\d rows with a name beside a JP number; sample: \+81/);
    assert.match((await csv.getByTestId('tag-chip').textContent())!, /Target list/);
    assert.match((await csv.getByTestId('suggestion-evidence').textContent())!, /What the detector saw/);
    assert.match((await csv.textContent())!, /target-lists\/jp-names-and-numbers/);
    await shotBoth(page, '75-suggestions-queue');
  });

  test('accept with the keyboard: the item gets the tag, on the item, the row and the Tagged count', async () => {
    const { page } = env;
    const first = env.service.listSuggestions({ casePath, status: 'pending' }).suggestions[1]!;
    await page.getByTestId('suggest-list').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.getByTestId('item-detail').waitFor();
    await page.getByTestId('suggest-list').focus();
    await page.keyboard.press('a');
    await page.getByTestId('suggest-status').getByText(`${raised - 1} suggestions`).waitFor();
    const decided = env.service.listSuggestions({ casePath, status: 'accepted' }).suggestions;
    assert.deepEqual(decided.map((s) => s.id), [first.id]);
    assert.deepEqual(env.service.listItems({ casePath, tag: first.tag }).items.map((r) => r.id), [first.itemId]);
    // The open item shows the tag (asked again); the Tagged view counts it.
    await page.locator(`[data-testid="item-tags"] [data-tag="${first.tag}"]`).waitFor();
    await page.locator(`[data-testid="nav-tag-${first.tag}"] [data-testid="nav-tag-count"]`, { hasText: '1' }).waitFor();
    await page.locator('[data-testid="suggest-status-accepted"]').click();
    await page.locator('[data-testid="suggestion"][data-status="accepted"]').waitFor();
    assert.match((await page.getByTestId('suggestion-decided').textContent())!, /Accepted by Sgt\. Dara Sok/);
    await shot(page, '76-suggestions-accepted-light');
    await page.getByTestId(`nav-tag-${first.tag}`).click();
    const row = page.locator(`[data-testid="row"][data-id="${first.itemId}"]`);
    await row.waitFor();
    assert.equal(await row.locator(`[data-testid="tag-chip"][data-tag="${first.tag}"]`).count(), 1);
    await row.click();
    await page.locator(`[data-testid="item-tags"] [data-tag="${first.tag}"]`).waitFor();
  });

  test('shift-select two and reject with r: nothing is tagged', async () => {
    const { page } = env;
    await page.getByTestId('nav-suggestions').click();
    await page.getByTestId('suggest-status').getByText(`${raised - 1} suggestions`).waitFor();
    const pending = env.service.listSuggestions({ casePath, status: 'pending' }).suggestions;
    await page.getByTestId('suggest-list').focus();
    await page.keyboard.press('Shift+J');
    await page.getByTestId('suggest-selected').getByText('2 selected').waitFor();
    assert.match((await page.getByTestId('suggest-reject').textContent())!, /Reject 2/);
    await shot(page, '77-suggestions-selection-light');
    await page.keyboard.press('r');
    await page.getByTestId('suggest-status').getByText(`${raised - 3} suggestions`).waitFor();
    const rejected = env.service.listSuggestions({ casePath, status: 'rejected' }).suggestions;
    assert.deepEqual(rejected.map((s) => s.id).sort(), pending.slice(0, 2).map((s) => s.id).sort());
    for (const s of rejected) assert.deepEqual(env.service.listItems({ casePath, tag: s.tag, pathContains: s.path }).items, []);
    // Both decisions are custody events.
    assert.equal(env.service.custodyLog({ casePath, action: 'suggestion.rejected' }).length, 2);
  });

  test('the Japanese UI', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('suggest-status').getByText(`${raised - 3} 件の提案`).waitFor();
    assert.match((await page.getByTestId('nav-suggestions').textContent())!, /確認待ちの提案/);
    await shot(page, '78-suggestions-japanese-light');
    await page.getByTestId('language').selectOption('en');
    assert.deepEqual(env.problems, []);
  });
});
