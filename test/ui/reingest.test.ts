// An export already in the case, ingested again from the UI (issue 9, defect 3): the engine
// refuses it (ALREADY_INGESTED, naming the earlier source and its date), the screen says so and
// offers "Ingest again as a new source", which asks for a reason; the reason reaches the custody
// log and the second source is complete.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shot, startIngestInUi, uiSkipReason, waitIngestDone, waitText } from './harness.ts';

const skip = uiSkipReason();

describe('an export already in the case, from the UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let exportDir: string;
  let casePath: string;
  const files = 24;

  before(async () => {
    env = await openUi();
    exportDir = join(env.dir, 'phone-export');
    for (let i = 0; i < files; i++) {
      const dir = join(exportDir, 'DCIM', `${100 + (i % 3)}APPLE`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `IMG_${String(i).padStart(4, '0')}.txt`), `photo note ${i}\n`.repeat(i + 1));
    }
    casePath = join(env.dir, 'case');
  });
  after(async () => {
    await env?.close();
  });

  test('refused with the earlier source named; "Ingest again" asks for a reason and records it', async () => {
    const { page } = env;
    await createCaseInUi(page, casePath);
    await addExhibitInUi(page, 'EXH-001', 'iPhone 13, blue case');
    await startIngestInUi(page, exportDir, 'EXH-001');
    assert.equal(await waitIngestDone(page), files);
    const firstItems = env.service.listItems({ casePath, limit: 1 }).total;

    // The same export again, as an officer would by pressing Start a second time.
    await page.getByTestId('ingest-start').click();
    await waitText(page, 'ingest-state', /Already in this case/);
    const message = (await page.getByTestId('ingest-error').textContent())!;
    assert.match(message, /was already ingested into this case as source 1 on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(exhibit EXH-001, \d+ items\)/);
    assert.ok(!message.includes('--again'), `the UI does not tell the officer about CLI options: ${message}`);
    assert.equal(await page.getByTestId('ingest-resume').count(), 0, 'no Resume: there is nothing to resume');
    assert.equal(env.service.listItems({ casePath, limit: 1 }).total, firstItems, 'nothing added');
    await shot(page, '40-ingest-already-light');

    await page.getByTestId('ingest-again').click();
    const dialog = page.getByTestId('again-dialog');
    await dialog.waitFor();
    assert.equal(await page.getByTestId('again-confirm').isDisabled(), true, 'no reason, no ingest');
    await page.getByTestId('again-reason').fill('   ');
    assert.equal(await page.getByTestId('again-confirm').isDisabled(), true, 'a blank reason is no reason');
    const reason = 'First ingest was recorded under the SIM card exhibit by mistake';
    await page.getByTestId('again-reason').fill(reason);
    // The modal covers the theme toggle: switch the theme attribute directly for the dark shot.
    await shot(page, '41-ingest-again-dialog-light');
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await shot(page, '41-ingest-again-dialog-dark');
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
    await page.getByTestId('again-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await waitText(page, 'ingest-state', /Ingest finished/, 60_000);
    await waitIngestDone(page);
    assert.equal(env.service.listItems({ casePath, limit: 1 }).total, firstItems * 2, 'a complete second source, as asked');
    const started = env.service.custodyLog({ casePath, action: 'ingest.started' });
    assert.equal(started.length, 2);
    assert.equal(started[1]!.reason, reason);
    assert.deepEqual([started[1]!.details.again, started[1]!.details.reason, started[1]!.details.previousSource], [true, reason, 1]);
  });

  test('cancelling the dialog ingests nothing', async () => {
    const { page } = env;
    const before = env.service.listItems({ casePath, limit: 1 }).total;
    await page.getByTestId('ingest-start').click();
    await waitText(page, 'ingest-state', /Already in this case/);
    await page.getByTestId('ingest-again').click();
    await page.getByTestId('again-dialog').waitFor();
    await page.getByTestId('again-reason').fill('not sure');
    await page.getByTestId('again-cancel').click();
    await page.getByTestId('again-dialog').waitFor({ state: 'detached' });
    assert.equal(env.service.listItems({ casePath, limit: 1 }).total, before);
    assert.equal(env.service.custodyLog({ casePath, action: 'ingest.started' }).length, 2);
  });
});
