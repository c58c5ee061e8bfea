// Cancel and resume an ingest from the UI, on a generated export large enough that the cancel
// lands mid-way: the summary says it stopped, Resume starts the same ingest again, the engine
// continues where it stopped, and the catalogue ends with every file exactly once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shotBoth, startIngestInUi, uiSkipReason, waitIngestDone, waitText } from './harness.ts';

const skip = uiSkipReason();

/** 40 folders x 60 small files, and 48 files of 6 MiB: a few seconds of ingest here. */
function bigExport(root: string): number {
  let n = 0;
  for (let d = 0; d < 40; d++) {
    const dir = join(root, 'DCIM', `${100 + d}APPLE`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 60; f++) {
      writeFileSync(join(dir, `IMG_${String(d * 60 + f).padStart(5, '0')}.bin`), randomBytes(8 * 1024 + ((d * 60 + f) % 97) * 64));
      n++;
    }
  }
  mkdirSync(join(root, 'Movies'), { recursive: true });
  for (let i = 0; i < 48; i++) {
    writeFileSync(join(root, 'Movies', `clip-${i}.bin`), randomBytes(6 * 1024 * 1024));
    n++;
  }
  return n;
}

describe('cancel and resume an ingest from the UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let exportDir: string;
  let casePath: string;
  let files = 0;

  before(async () => {
    env = await openUi();
    exportDir = join(env.dir, 'big-export');
    files = bigExport(exportDir);
    casePath = join(env.dir, 'case');
  });
  after(async () => {
    await env?.close();
  });

  test('cancel mid-way, then resume to the end: every file once', async () => {
    const { page } = env;
    await createCaseInUi(page, casePath);
    await addExhibitInUi(page, 'EXH-002', 'Samsung handset');
    await startIngestInUi(page, exportDir, 'EXH-002');
    // Wait until it is under way (some files done), then cancel.
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-testid="ingest-files"]')?.textContent ?? '';
      const done = Number(t.split('/')[0]!.replace(/[^\d]/g, ''));
      return done >= 200;
    }, undefined, { timeout: 60_000 });
    // Cancel at once: on an idle machine the rest of this export takes only a few seconds, so
    // the screenshot of the running ingest comes after the click, while it drains to a stop.
    await page.getByTestId('ingest-cancel').click();
    await shotBoth(page, '30-ingest-running');
    await waitText(page, 'ingest-state', /Stopped/, 60_000);
    const stoppedAt = Number((await page.getByTestId('summary-files').textContent())!.replace(/[^\d]/g, ''));
    assert.ok(stoppedAt > 0 && stoppedAt < files, `stopped after ${stoppedAt} of ${files} files`);
    await shotBoth(page, '31-ingest-stopped');

    await page.getByTestId('ingest-resume').click();
    await waitText(page, 'ingest-state', /Ingest finished/, 180_000);
    const summary = (await page.getByTestId('ingest-summary').textContent())!;
    assert.match(summary, /Resumed/);
    await waitIngestDone(page);
    const recorded = env.service.listItems({ casePath, kind: 'file', limit: 1 }).total;
    assert.equal(recorded, files, 'every file recorded exactly once');
    const actions = env.service.custodyLog({ casePath }).map((e) => e.action);
    assert.ok(actions.includes('ingest.interrupted') && actions.includes('ingest.resumed') && actions.includes('ingest.finished'), actions.join(', '));
  });
});
