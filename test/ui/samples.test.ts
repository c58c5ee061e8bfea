// The UI on real files: ../shared/samples (third-party photos from real cameras and phones, and
// real files of many types). Skips, saying why, where that folder is absent (the generated
// export of catalogue.test.ts covers the same paths). Its screenshots are the README's.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SAMPLES_MISSING, samplesDir } from '../unit/helpers.ts';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shot, shotBoth, uiSkipReason, waitIngestDone, waitText } from './harness.ts';

const skip = uiSkipReason() ?? (existsSync(samplesDir) ? null : SAMPLES_MISSING);

describe('catalogue UI on ../shared/samples (real files)', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi();
    casePath = join(env.dir, 'cases', 'op-sakura');
    mkdirSync(join(env.dir, 'cases'));
  });
  after(async () => {
    await env?.close();
  });

  test('create a case, record an exhibit, ingest the samples with the folder picker', async () => {
    const { page } = env;
    await createCaseInUi(page, casePath);
    await addExhibitInUi(page, 'EXH-001', 'iPhone 13, seized at the compound');
    await page.getByTestId('nav-ingest').click();
    // The browser host's folder picker instead of a native dialog: walk to the samples folder.
    await page.getByTestId('ingest-source').fill(join(samplesDir, 'exif'));
    await page.getByTestId('ingest-source-browse').click();
    await page.getByTestId('folder-picker').waitFor();
    // The picker shows real paths (a symlink on the way is resolved, so it cannot lead out of --root).
    const samplesReal = realpathSync(samplesDir);
    await waitText(page, 'picker-path', join(samplesReal, 'exif'));
    await page.locator('[data-testid="picker-entry"]', { hasText: 'jpg' }).first().waitFor();
    await shot(page, '20-folder-picker-light');
    await page.getByRole('button', { name: '⬆ ..' }).click();
    await waitText(page, 'picker-path', new RegExp(`${samplesReal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    await page.getByTestId('picker-choose').click();
    assert.equal(await page.getByTestId('ingest-source').inputValue(), samplesReal);
    await page.getByTestId('ingest-exhibit').selectOption('EXH-001');
    await page.getByTestId('ingest-start').click();
    await page.getByTestId('ingest-progress').waitFor();
    const files = await waitIngestDone(page);
    assert.ok(files >= 90, `${files} files`);
    await shotBoth(page, '21-samples-ingest-summary');
  });

  test('catalogue of real files, sorted by size', async () => {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    await page.getByTestId('th-size').click();
    await page.locator('[data-testid="row"][data-id]').first().waitFor();
    await page.waitForTimeout(300);
    await shotBoth(page, '22-samples-catalogue');
  });

  test('a real photo with GPS: preview, coordinates, plot', async () => {
    const { page } = env;
    await page.getByTestId('nav-gps').click();
    await page.locator('[data-testid="row"]', { hasText: 'DSCN0010.jpg' }).click();
    await page.getByTestId('gps-coordinates').waitFor();
    const [lat, lon] = (await page.getByTestId('gps-coordinates').textContent())!.split(',').map(Number);
    // DSCN0010.jpg: 43°28'2.81"N 11°53'6.46"E (ExifTool).
    assert.ok(Math.abs(lat! - 43.467448) < 1e-4 && Math.abs(lon! - 11.885127) < 1e-4, `${lat}, ${lon}`);
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="preview-image"]') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 100;
    });
    await shotBoth(page, '23-samples-item-gps');
  });

  test('a PDF rendered by pdf.js with no scripts, and a broken file with its error', async () => {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    await page.getByTestId('filter-path').fill('fixture-printed.pdf');
    await page.getByTestId('filter-path').press('Enter');
    await page.locator('[data-testid="row"]', { hasText: 'fixture-printed.pdf' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="preview-pdf"] canvas').length > 0, undefined, { timeout: 20_000 });
    await waitText(page, 'pdf-status', /Pages shown/);
    await shot(page, '24-samples-pdf-light');
    await page.getByTestId('filter-path').fill('');
    await page.getByTestId('filter-path').press('Enter');
    await page.getByTestId('nav-errors').click();
    await page.locator('[data-testid="row"][data-id]').first().click();
    await page.getByTestId('item-error').waitFor();
    assert.match((await page.getByTestId('item-error').textContent())!, /truncated|corrupt|cannot|invalid/i);
    await shot(page, '25-samples-item-error-light');
  });

  test('gallery of real photos with engine thumbnails', async () => {
    const { page } = env;
    await page.getByTestId('nav-gallery').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="tile"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length >= 8, undefined, { timeout: 30_000 });
    await page.waitForTimeout(500);
    await shotBoth(page, '26-samples-gallery');
  });

  test('no script errors in the page', () => {
    assert.deepEqual(env.problems.filter((p) => /pageerror/.test(p)), []);
  });
});
