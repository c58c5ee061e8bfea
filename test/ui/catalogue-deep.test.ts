// The catalogue deep in a long list, in Chromium (issue 14, speed): pages there are read from
// the rows already listed (src/core/catalogue/query.ts), so what a user sees after a jump, a
// scroll up from it and a scroll down must be exactly the rows of the order they chose. 2,400
// real files are ingested through the UI (sizes repeat, so ties are ordered by id); the order is
// worked out here from the engine's rows' own sizes and ids, not from its paging; the row opened
// at the deep position is the item shown. Screenshot at 1366x768.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type UiEnv, addExhibitInUi, createCaseInUi, openUi, shot, startIngestInUi, uiSkipReason, waitIngestDone } from './harness.ts';

const skip = uiSkipReason();
const FILES = 2400;
const ROW = 28;

describe('catalogue deep in a long list', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi({ width: 1366, height: 768 });
    const src = join(env.dir, 'phone');
    for (let k = 0; k < FILES; k++) {
      const folder = join(src, `DCIM/${100 + Math.floor(k / 500)}APPLE`);
      if (k % 500 === 0) mkdirSync(folder, { recursive: true });
      // Sizes 1..37 bytes, repeating: hundreds of rows share each size.
      writeFileSync(join(folder, `IMG_${String(k).padStart(4, '0')}.txt`), 'x'.repeat(1 + ((k * 7) % 37)));
    }
    casePath = join(env.dir, 'cases', 'op-deep');
    await createCaseInUi(env.page, casePath);
    await addExhibitInUi(env.page, 'EXH-001', 'Phone');
    await startIngestInUi(env.page, src, 'EXH-001');
    await waitIngestDone(env.page, 300_000);
  });
  after(async () => {
    await env?.close();
  });

  /** The rows on screen: position in the list (aria-rowindex - 1) and item id, the loaded ones only. */
  const onScreen = async (): Promise<[number, number][]> => {
    const table = env.page.getByTestId('catalogue-table');
    return table.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return [...el.querySelectorAll('[data-testid="row"][data-id]')]
        .filter((r) => {
          const b = r.getBoundingClientRect();
          return b.top >= box.top + 20 && b.bottom <= box.bottom;
        })
        .map((r) => [Number(r.getAttribute('aria-rowindex')) - 1, Number(r.getAttribute('data-id'))] as [number, number]);
    });
  };
  /** Scrolls the table to put `row` at the top, and waits until no placeholder is on screen. */
  const scrollToRow = async (row: number): Promise<[number, number][]> => {
    const table = env.page.getByTestId('catalogue-table');
    await table.evaluate((el, top) => (el.scrollTop = top), row * ROW);
    // Until the rows drawn for the new place are on screen, all loaded: right after the scroll the
    // rows of the old place may still be drawn (loaded, but off screen), as CI saw on a busy machine.
    await env.page.waitForFunction((target) => {
      const el = document.querySelector('[data-testid="catalogue-table"]')!;
      const box = el.getBoundingClientRect();
      const visible = [...el.querySelectorAll('[data-testid="row"]')].filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= box.top + 20 && b.bottom <= box.bottom;
      });
      return (
        visible.length >= 15 &&
        visible.every((r) => r.getAttribute('data-id')) &&
        visible.some((r) => Math.abs(Number(r.getAttribute('aria-rowindex')) - 1 - target) <= 2)
      );
    }, row);
    const shown = await onScreen();
    assert.ok(shown.length >= 15, `${shown.length} rows on screen`);
    return shown;
  };

  test('sorted by size, largest first: after a jump deep, a scroll up and a scroll down, every row shown is the right one at its place', async () => {
    const { page } = env;
    await page.getByTestId('nav-all').click();
    await page.getByTestId('table-status').getByText(/2,4\d\d items/).waitFor();
    const rows = env.service.listItems({ casePath, kind: 'file', limit: 100_000 }).items;
    assert.equal(rows.length, FILES);
    const all = env.service.listItems({ casePath, limit: 100_000 }).items;
    // Largest first, ties by id, largest id first; folders (no size) last.
    const order = [...all].sort((a, b) => (b.size ?? -1) - (a.size ?? -1) || b.id - a.id).map((r) => r.id);

    await page.getByTestId('th-size').click();
    await page.waitForFunction((id) => document.querySelector('[data-testid="row"]')?.getAttribute('data-id') === String(id), order[0]);
    const check = (shown: [number, number][], where: string) => {
      for (const [at, id] of shown) assert.equal(id, order[at], `${where}: row ${at + 1}`);
    };
    check(await onScreen(), 'the top');
    // A jump to row 1,800 (pages never listed: read by OFFSET), then up a screen at a time (the
    // rows after them are known: read backward from there), then down past where it started.
    check(await scrollToRow(1800), 'the jump to row 1,801');
    for (const row of [1780, 1750, 1700, 1690]) check(await scrollToRow(row), `up, at row ${row + 1}`);
    for (const row of [1820, 1900, 1990, 2200]) check(await scrollToRow(row), `down, at row ${row + 1}`);

    // The row clicked deep in the list opens that item.
    const shown = await scrollToRow(1995);
    const [at, id] = shown[3]!;
    await page.locator(`[data-testid="row"][aria-rowindex="${at + 1}"]`).click();
    const item = all.find((r) => r.id === id)!;
    await page.getByTestId('item-detail').locator('h2').getByText(item.name, { exact: true }).waitFor();
    await shot(page, 'catalogue-deep-sorted-by-size');
    assert.deepEqual(env.problems, []);
  });
});
