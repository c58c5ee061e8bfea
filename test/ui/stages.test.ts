// The ingest screen shows the ingest's stages (issue 11): the catalogue (hash, type, metadata,
// stored copies), then text and detectors, then the search index, each with its count, and says
// in plain words, once the catalogue is complete, that it can be browsed while search is still
// being built: the catalogue opens with every item while the ingest job still runs.
//
// The catalogue stage is a real ingest of a real folder. The later stages are held open by the
// test (their progress is sent as the engine's stage runners send it, then the test waits) so the
// screen can be looked at in each stage, whatever the speed of this machine.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IngestProgress } from '../../src/shared/contract.ts';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shot, startIngestInUi, uiSkipReason, waitIngestDone, waitText } from './harness.ts';

const skip = uiSkipReason();

describe('ingest stages on the ingest screen', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let exportDir: string;
  let casePath: string;
  const gates: { text: () => void; index: () => void } = { text: () => {}, index: () => {} };

  before(async () => {
    env = await openUi({ width: 1280, height: 900 });
    exportDir = join(env.dir, 'phone');
    for (const d of ['DCIM', 'Documents']) mkdirSync(join(exportDir, d), { recursive: true });
    for (let k = 0; k < 24; k++) writeFileSync(join(exportDir, 'DCIM', `IMG_${1000 + k}.bin`), Buffer.alloc(4096 + k, k));
    for (let k = 0; k < 6; k++) writeFileSync(join(exportDir, 'Documents', `note-${k}.txt`), `meeting at the pier, payment ${k}\n`);
    casePath = join(env.dir, 'case');

    // The real ingest does the catalogue (its own text and index stages left out); the text and
    // index stages after it are played, and held, by the test.
    const service = env.service;
    const real = service.ingest.bind(service);
    service.ingest = async (input, hooks = {}) => {
      const s = await real({ ...input, text: false }, hooks);
      const base: IngestProgress = {
        phase: 'ingesting', filesDone: s.files, filesTotal: s.files, bytesDone: s.bytes, bytesTotal: s.bytes, errors: 0, duplicates: 0,
        currentPath: null, elapsedMs: s.elapsedMs, bytesPerSecond: 0, etaSeconds: null,
      };
      hooks.onProgress?.({ ...base, stage: 'text', stageDone: 2, stageTotal: 6 });
      await new Promise<void>((res) => (gates.text = res));
      hooks.onProgress?.({ ...base, stage: 'index', stageDone: 4, stageTotal: 6 });
      await new Promise<void>((res) => (gates.index = res));
      return s;
    };
  });
  after(async () => {
    gates.text();
    gates.index();
    await env?.close();
  });

  test('catalogue, then text, then index: each shown with its count; the catalogue is browsable while search is built', async () => {
    const { page } = env;
    await createCaseInUi(page, casePath);
    await addExhibitInUi(page, 'EXH-001', 'iPhone 13, seized at the pier');
    await startIngestInUi(page, exportDir, 'EXH-001');

    // Text stage: the catalogue is done, text is under way with its count, the index comes next.
    await page.locator('[data-testid="ingest-stages"] [data-stage="text"][data-state="current"]').waitFor({ timeout: 120_000 });
    const states = await page.locator('[data-testid="ingest-stages"] li').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.stage}:${(e as HTMLElement).dataset.state}`));
    assert.deepEqual(states, ['catalogue:done', 'text:current', 'index:todo']);
    assert.match((await page.locator('[data-stage="text"]').textContent())!, /Text and detectors\s*2 \/ 6 items/);
    const ready = (await page.getByTestId('ingest-catalogue-ready').textContent())!;
    assert.match(ready, /catalogue is complete: you can browse, sort and filter it now\. Search is still being built/);
    assert.match((await page.getByTestId('ingest-state').textContent())!, /Ingesting/);
    // The counts are refreshed as the catalogue completes, not only when the whole job ends.
    await page.waitForFunction(() => Number(/(\d+)\s*$/.exec(document.querySelector('[data-testid="nav-all"]')?.textContent ?? '')?.[1] ?? 0) >= 30, undefined, { timeout: 30_000 });
    assert.match((await page.getByTestId('header-job').textContent())!, /Building search 33 %/);
    const file = await shot(page, '32-ingest-stage-text');
    assert.ok(file.endsWith('.png'));

    // Browse now: the catalogue has every file while the job still runs.
    await page.getByTestId('ingest-open-catalogue-early').click();
    await page.getByTestId('catalogue-table').waitFor();
    await page.locator('[data-testid="row"]').first().waitFor();
    assert.equal(env.service.listItems({ casePath, kind: 'file', limit: 1 }).total, 30);
    assert.ok(env.service.jobs.running().length === 1, 'the ingest job is still running');

    // Back on the ingest screen the job is still followed; the index stage shows next.
    await page.getByTestId('nav-ingest').click();
    gates.text();
    await page.locator('[data-testid="ingest-stages"] [data-stage="index"][data-state="current"]').waitFor({ timeout: 30_000 });
    assert.match((await page.locator('[data-stage="index"]').textContent())!, /Search index\s*4 \/ 6 items/);
    await shot(page, '33-ingest-stage-index');

    gates.index();
    await waitText(page, 'ingest-state', /Ingest finished/, 60_000);
    assert.equal(await waitIngestDone(page), 30);
    assert.equal(await page.getByTestId('ingest-stages').count(), 0, 'the stages give way to the summary');
    assert.deepEqual(env.problems, []);
  });
});
