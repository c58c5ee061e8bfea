// An ingest needs an exhibit (issue 14), as an officer meets it on a new case: the Ingest screen
// has no "no exhibit" choice; with none recorded it says to record one first, offers the way to
// the Exhibits form, and Start stays disabled even with the export chosen; once the exhibit is
// recorded it is chosen and the ingest goes into it. In English and in Japanese.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shot, uiSkipReason, waitIngestDone } from './harness.ts';

const skip = uiSkipReason();

describe('an ingest needs an exhibit, from the UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let exportDir: string;
  let casePath: string;

  before(async () => {
    env = await openUi();
    exportDir = join(env.dir, 'phone-export');
    mkdirSync(join(exportDir, 'DCIM'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(exportDir, 'DCIM', `IMG_${i}.txt`), `photo note ${i}\n`);
    casePath = join(env.dir, 'case');
  });
  after(async () => {
    await env?.close();
  });

  test('no exhibit: the screen says to record one, Start is disabled; recorded, the ingest goes into it', async () => {
    const { page } = env;
    await createCaseInUi(page, casePath);
    await page.getByTestId('nav-ingest').click();
    const hint = page.getByTestId('ingest-need-exhibit');
    await hint.waitFor();
    assert.match((await hint.textContent())!, /No exhibit is recorded yet\. Every ingested file must trace to a seized device/);
    await page.getByTestId('ingest-source').fill(exportDir);
    assert.equal(await page.getByTestId('ingest-start').isDisabled(), true, 'no exhibit, no Start');
    assert.equal(await page.getByTestId('ingest-exhibit').locator('option').count(), 0, 'no empty "no exhibit" choice');
    await shot(page, 'ingest-needs-exhibit-en');

    // In Japanese: the same notice, in Japanese only.
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('ingest-record-exhibit').getByText('証拠品を登録').waitFor();
    const ja = (await hint.textContent())!;
    assert.match(ja, /証拠品がまだ登録されていません/);
    assert.doesNotMatch(ja, /[A-Za-z]{3,}/, `no English left: ${ja}`);
    assert.equal(await page.getByTestId('ingest-start').isDisabled(), true);
    await shot(page, 'ingest-needs-exhibit-ja');
    await page.getByTestId('language').selectOption('en');

    // The notice leads to the Exhibits screen, its form open.
    await page.getByTestId('ingest-record-exhibit').click();
    await page.getByTestId('exhibit-form').waitFor();
    await addExhibitInUi(page, 'EXH-001', 'iPhone 13, blue case');

    await page.getByTestId('nav-ingest').click();
    assert.equal(await page.getByTestId('ingest-need-exhibit').count(), 0, 'the notice is gone');
    assert.equal(await page.getByTestId('ingest-exhibit').inputValue(), 'EXH-001', 'the recorded exhibit is chosen');
    await page.getByTestId('ingest-source').fill(exportDir);
    assert.equal(await page.getByTestId('ingest-start').isDisabled(), false);
    await page.getByTestId('ingest-start').click();
    assert.equal(await waitIngestDone(page), 5);
    const exhibit = env.service.getExhibit({ casePath, number: 'EXH-001' });
    assert.equal(exhibit.items, env.service.listItems({ casePath, limit: 1 }).total, 'every item under the exhibit');
    assert.deepEqual(env.problems, [], 'no console errors or failed requests');
  });
});
