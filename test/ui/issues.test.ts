// Issue 12 items 2b and 4 in the UI, against the browser host: an exhibit whose UFDR reports
// another IMEI than the officer recorded shows the disagreement (the record unchanged) and the
// facts the report filled in; an encrypted ZIP member shows a notice on its item, not an error,
// and the Errors view counts problems only. Screenshots in test-results/ui/.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildZip } from '../fixtures/archives.ts';
import { makeUfdr } from '../fixtures/devices.ts';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shotBoth, startIngestInUi, uiSkipReason, waitIngestDone } from './harness.ts';

const skip = uiSkipReason();
/** addExhibitInUi records 490154203237518; the phone's report says this one. */
const REPORTED_IMEI = '356938035643809';

describe('problems, notices and device facts in the UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let exportDir: string;
  let casePath: string;

  before(async () => {
    env = await openUi();
    exportDir = join(env.dir, 'lab-drive');
    mkdirSync(exportDir, { recursive: true });
    makeUfdr(exportDir, { imei: [REPORTED_IMEI] });
    writeFileSync(
      join(exportDir, 'messages.zip'),
      buildZip([
        { name: 'secret.txt', raw: Buffer.alloc(52, 7), method: 8, flags: 1, size: 40, crc: 0x12345678 },
        { name: 'plain.txt', data: Buffer.from('nothing to say\n'), method: 8 },
      ]),
    );
    casePath = join(env.dir, 'case');
  });
  after(async () => {
    await env?.close();
  });

  test('the exhibit view shows the IMEI the report contradicts, and what the report filled in', async () => {
    const { page } = env;
    await createCaseInUi(page, casePath);
    await addExhibitInUi(page, 'EXH-001', 'iPhone seized at the compound');
    await startIngestInUi(page, exportDir, 'EXH-001');
    await waitIngestDone(page);
    await page.getByTestId('nav-exhibits').click();
    await page.getByTestId('exhibit-list-device-problem').waitFor();
    await page.getByTestId('exhibit-list').getByText('EXH-001').click();
    const problems = page.getByTestId('exhibit-device-problems');
    await problems.waitFor();
    const text = (await problems.textContent())!;
    assert.match(text, /IMEI: recorded 490154203237518, the extraction report says 356938035643809/);
    // The model recorded ("iPhone 13") is not "iPhone 11 (A2221)": the report disagrees there too.
    assert.match(text, /Model: recorded iPhone 13, the extraction report says iPhone 11 \(A2221\)/);
    const detail = (await page.getByTestId('exhibit-detail').textContent())!;
    assert.match(detail, /490154203237518/, "the officer's IMEI stays on the record");
    assert.match(detail, /Extraction toolUFED 4PC 7\.69\.0\.123/);
    assert.match(detail, /SerialF2LZK0ABN72J/, 'the serial the officer left empty is filled from the report');
    await shotBoth(page, '60-exhibit-device-problems');
  });

  test('an encrypted member: a notice on its item, not an error', async () => {
    const { page } = env;
    const errors = env.service.listItems({ casePath, errors: true, limit: 1000 }).items;
    assert.ok(!errors.some((i) => i.path.endsWith('secret.txt')), 'the encrypted member is not in the Errors view');
    await page.getByTestId('nav-all').click();
    await page.getByTestId('filter-path').fill('secret.txt');
    await page.getByTestId('filter-path').press('Enter');
    await page.locator('[data-testid="row"]', { hasText: 'secret.txt' }).first().click();
    const notices = page.getByTestId('item-notices');
    await notices.waitFor();
    assert.match((await notices.textContent())!, /encrypted, not extracted: raw bytes hashed \[encrypted-raw\]/);
    assert.equal(await page.getByTestId('item-error').count(), 0);
    await shotBoth(page, '61-item-notice');
  });
});
