// Bundles in Chromium (issue 13, the app's part): export by tag through the Export wizard and see
// the job end and the written bundle checked "intact"; export a selection of the catalogue; open
// the first bundle from the first screen, see its verification first, then the review banner,
// browse an item with no ingest/tag/export controls anywhere, add a review note and see it listed
// (and written beside the bundle, not into it); one byte of a file of the second bundle changed:
// the red verification names that file; the Japanese screen; no console errors, no failed requests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, type UiEnv, openUi, shot, shotBoth, uiSkipReason } from './harness.ts';
import { buildScamExport, caseWithExport } from './review-fixture.ts';

const skip = uiSkipReason();

/** Every file under a folder with its bytes: a review must leave the bundle exactly as it was. */
function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else h.update(`${rel}${n}\0`).update(readFileSync(p));
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

describe('bundles UI: export wizard, open bundle, review mode', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;
  let bundle1: string;
  let bundle2: string;
  let tagged: number[];

  before(async () => {
    env = await openUi();
    const exportDir = join(env.dir, 'export');
    mkdirSync(exportDir);
    buildScamExport(exportDir);
    casePath = join(env.dir, 'cases', 'op-sakura');
    await caseWithExport(env.page, casePath, exportDir);
    // Tags as an officer makes them (the tags screen has its own test): the target lists.
    const session = await env.page.evaluate(() => JSON.parse(sessionStorage.getItem('evidence.signed')!).session as string);
    tagged = env.service.listItems({ casePath, pathContains: 'Documents' }).items.filter((r) => /リスト|calls/.test(r.path)).map((r) => r.id);
    assert.equal(tagged.length, 2);
    env.service.tagItems({ session, tag: 'target-list', ids: tagged });
    await env.page.reload();
    await env.page.getByTestId('case-header').waitFor();
    bundle1 = join(env.dir, 'out', 'bundle-target-list');
    bundle2 = join(env.dir, 'out', 'bundle-selection');
    mkdirSync(join(env.dir, 'out'));
  });
  after(async () => {
    await env?.close();
  });

  const rows = (page: UiEnv['page']) => page.locator('[data-testid="row"][data-id]');

  test('export by tag through the wizard: progress ends, the bundle is checked intact, the report is named', async () => {
    const { page } = env;
    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-form').waitFor();
    // Nothing chosen, nothing to start.
    assert.equal(await page.getByTestId('export-start').isDisabled(), true);
    await page.getByTestId('export-tag-target-list').check();
    await page.getByTestId('export-destination').fill(bundle1);
    await page.getByTestId('export-lang').selectOption('en');
    await shot(page, 'bundle-1-export-wizard-light');
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-progress').waitFor();
    await page.getByTestId('export-state').getByText('Bundle written').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="bundle-verdict"][data-ok="true"]').waitFor({ timeout: 60_000 });
    assert.match((await page.getByTestId('bundle-verdict-title').textContent())!, /Intact/);
    assert.match((await page.getByTestId('export-summary').textContent())!, /^2 files/);
    const reportAt = (await page.getByTestId('export-report-path').textContent())!;
    assert.equal(reportAt, join(bundle1, 'report.html'));
    assert.ok(existsSync(reportAt), 'report.html is where the wizard says');
    // The engine agrees: two files, the tagged items, intact.
    const manifest = JSON.parse(readFileSync(join(bundle1, 'manifest.json'), 'utf8')) as { items: { id: number }[] };
    assert.deepEqual(manifest.items.map((i) => i.id).sort((a, b) => a - b), [...tagged].sort((a, b) => a - b));
    assert.equal((await env.service.verifyBundle({ path: bundle1 })).ok, true);
    await shot(page, 'bundle-2-export-done-light');
  });

  test('export the catalogue selection (from its selection bar) to a second bundle', async () => {
    const { page } = env;
    await page.getByTestId('export-another').click();
    // Files, not folders (a folder has no stored copy to export).
    await page.getByTestId('nav-documents').click();
    await rows(page).first().waitFor();
    await rows(page).nth(0).click();
    await rows(page).nth(2).click({ modifiers: ['Shift'] });
    await page.getByTestId('selected-count').getByText('3 selected').waitFor();
    const ids = await Promise.all([0, 1, 2].map(async (k) => Number(await rows(page).nth(k).getAttribute('data-id'))));
    await page.getByTestId('selection-export').click();
    await page.getByTestId('export-form').waitFor();
    assert.equal(await page.getByTestId('export-use-selection').isChecked(), true);
    await page.getByTestId('export-destination').fill(bundle2);
    await page.getByTestId('export-start').click();
    await page.locator('[data-testid="bundle-verdict"], [data-testid="export-error"], [data-testid="export-start-error"]').first().waitFor({ timeout: 60_000 });
    await shot(page, 'bundle-3-export-selection-light');
    assert.equal(await page.locator('[data-testid="bundle-verdict"][data-ok="true"]').count(), 1, await page.getByTestId('export-page').textContent() ?? '');
    const manifest = JSON.parse(readFileSync(join(bundle2, 'manifest.json'), 'utf8')) as { items: { id: number }[] };
    assert.deepEqual(manifest.items.map((i) => i.id).sort((a, b) => a - b), ids.sort((a, b) => a - b));
  });

  test('export an exhibit as a ZIP with the report in Japanese: checked intact, and intact for unzip too', async () => {
    const { page } = env;
    const zipPath = join(env.dir, 'out', 'bundle-exhibit.zip');
    await page.getByTestId('nav-export').click();
    const another = page.getByTestId('export-another');
    if (await another.count()) await another.click();
    await page.getByTestId('export-form').waitFor();
    const exhibit = page.locator('[data-testid^="export-exhibit-"]').first();
    await exhibit.check();
    await page.getByTestId('export-zip').check();
    await page.getByTestId('export-destination').fill(zipPath);
    await page.getByTestId('export-lang').selectOption('ja');
    await page.getByTestId('export-start').click();
    await page.locator('[data-testid="bundle-verdict"], [data-testid="export-error"], [data-testid="export-start-error"]').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="bundle-verdict"][data-ok="true"]').count(), 1, (await page.getByTestId('export-page').textContent()) ?? '');
    assert.ok(statSync(zipPath).isFile(), 'one ZIP file is written');
    // The engine checks the ZIP as it stands, and so does Info-ZIP where it is installed.
    assert.equal((await env.service.verifyBundle({ path: zipPath })).ok, true);
    const unzip = spawnSync('unzip', ['-t', '-qq', zipPath]);
    if (!unzip.error) assert.equal(unzip.status, 0, `unzip -t: ${unzip.stdout}${unzip.stderr}`);
    assert.equal((await page.getByTestId('export-report-path').textContent())!, `${zipPath} → bundle-exhibit/report.html`);
    const list = spawnSync('unzip', ['-p', zipPath, 'bundle-exhibit/report.html'], { maxBuffer: 64 << 20 });
    if (!list.error) assert.match(list.stdout.toString('utf8'), /<html[^>]*lang="ja"/);
    await shot(page, 'bundle-3b-export-zip-light');
  });

  test('open the bundle from the first screen: verification first, then read-only browsing with the banner and a review note', async () => {
    const { page } = env;
    const before = treeDigest(bundle1);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('tab-bundle').click();
    await page.getByTestId('bundle-path').fill(bundle1);
    await page.getByTestId('bundle-submit').click();
    // The verdict comes first, before anything of the bundle is shown.
    await page.locator('[data-testid="bundle-verdict"][data-ok="true"]').waitFor();
    assert.equal(await page.getByTestId('review-banner').count(), 0);
    await shot(page, 'bundle-4-open-intact-light');
    await page.getByTestId('bundle-browse').click();
    await page.getByTestId('review-banner').getByText('Review mode - read-only bundle').waitFor();
    await page.getByTestId('case-number-label').getByText('KH-2026-0142').waitFor();
    // Nothing that changes anything is offered.
    for (const id of ['nav-ingest', 'nav-export', 'nav-exhibits', 'nav-suggestions', 'nav-custody', 'nav-verify', 'nav-hashsets', 'nav-officers', 'sign-out']) assert.equal(await page.getByTestId(id).count(), 0, `${id} is hidden in review`);
    await page.getByTestId('nav-all').click();
    await page.getByTestId('table-status').getByText('2 items').waitFor();
    await rows(page).nth(0).click();
    await rows(page).nth(1).click({ modifiers: ['Shift'] });
    assert.equal(await page.getByTestId('selection-actions').count(), 0, 'no tagging of a selection');
    assert.equal(await page.getByTestId('selection-export').count(), 0, 'no export of a selection');
    const id = Number(await rows(page).nth(0).getAttribute('data-id'));
    await rows(page).nth(0).click();
    await page.getByTestId('item-detail').waitFor();
    await page.locator('[data-testid="review-item-tags"] [data-tag="target-list"]').waitFor();
    assert.equal(await page.getByTestId('item-tag-add').count(), 0, 'no tag menu');
    assert.equal(await page.getByTestId('tag-remove').count(), 0, 'no untag');
    assert.equal(await page.getByTestId('note-add').count(), 0, 'no case note');
    // The item as the bundle's manifest gives it.
    const m = JSON.parse(readFileSync(join(bundle1, 'manifest.json'), 'utf8')) as { items: { id: number; sha256: string }[] };
    assert.equal(await page.getByTestId('hash-sha256').textContent(), m.items.find((x) => x.id === id)?.sha256);
    await page.getByTestId('review-note-text').fill('The list matches the victims named in the complaint; ask for the bank records.');
    await page.getByTestId('review-note-officer').fill('Prosecutor Mori');
    await page.getByTestId('review-note-password').fill(PASSWORD);
    await page.getByTestId('review-note-add').click();
    await page.getByTestId('review-note-done').waitFor({ timeout: 60_000 });
    await page.getByTestId('review-item-note').getByText('ask for the bank records').waitFor();
    await shotBoth(page, 'bundle-5-review-mode');
    await page.getByTestId('nav-review-notes').getByText('Review notes (1)').waitFor();
    await page.getByTestId('nav-review-notes').click();
    await page.getByTestId('review-note').getByText('ask for the bank records').waitFor();
    assert.match((await page.getByTestId('review-notes-file').textContent())!, /Prosecutor Mori.*chain and signatures check/);
    // Beside the bundle, never in it; the engine lists it with its chain checked.
    const notes = env.service.listReviewNotes({ path: bundle1 });
    assert.equal(notes.ok, true);
    assert.deepEqual(notes.files.flatMap((f) => f.notes.map((n) => [n.item, n.text])), [[id, 'The list matches the victims named in the complaint; ask for the bank records.']]);
    assert.equal(treeDigest(bundle1), before, 'the bundle is byte for byte as it was');
    await page.getByTestId('close-bundle').click();
    await page.getByTestId('tab-bundle').waitFor();
  });

  test('one byte of one file changed: the verification is red and names the file; going back is offered', async () => {
    const { page } = env;
    const manifest = JSON.parse(readFileSync(join(bundle2, 'manifest.json'), 'utf8')) as { items: { file: string }[] };
    const file = manifest.items[0]!.file;
    const bytes = readFileSync(join(bundle2, file));
    bytes[0] = bytes[0]! ^ 0x01;
    writeFileSync(join(bundle2, file), bytes);
    await page.getByTestId('tab-bundle').click();
    await page.getByTestId('bundle-path').fill(bundle2);
    await page.getByTestId('bundle-submit').click();
    await page.locator('[data-testid="bundle-verdict"][data-ok="false"]').waitFor();
    assert.match((await page.getByTestId('bundle-verdict-title').textContent())!, /Not intact/);
    const finding = page.locator('[data-testid="bundle-finding"][data-what="file-changed"]');
    await finding.first().waitFor();
    assert.ok((await finding.first().textContent())!.includes(file), `the finding names ${file}`);
    assert.equal(await page.getByTestId('bundle-browse').textContent(), 'Browse it read-only anyway');
    await shotBoth(page, 'bundle-6-open-tampered');
    await page.getByTestId('bundle-back').click();
    await page.getByTestId('bundle-form').waitFor();
  });

  test('the Japanese screen', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('tab-bundle').click();
    await page.getByTestId('bundle-path').fill(bundle1);
    await page.getByTestId('bundle-submit').click();
    await page.getByTestId('bundle-verdict-title').getByText('改変なし').waitFor();
    await page.getByTestId('bundle-browse').click();
    await page.getByTestId('review-banner').getByText('確認モード - 読み取り専用のバンドル').waitFor();
    await rows(page).first().click();
    await page.getByTestId('review-item-note').first().waitFor();
    await shot(page, 'bundle-7-review-mode-japanese-light');
    await page.getByTestId('close-bundle').click();
    await page.getByTestId('language').selectOption('en');
    assert.deepEqual(env.problems, []);
  });
});
