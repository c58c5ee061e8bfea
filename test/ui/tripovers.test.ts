// What users tripped over (issue 14), in Chromium against the browser host: the Japanese UI is
// drawn with the bundled Noto Sans JP (not boxes, not a font the machine happens to have); an
// engine error reaches the Japanese UI in Japanese, by its code; the exhibit form takes "Seized
// at" from a date-time picker in the officer's zone, records ISO 8601 with the offset, shows all
// of its problems at once and has a Condition field.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sampleFiles, tarOf } from '../fixtures/archives.ts';
import { jpeg, tiff } from '../fixtures/media.ts';
import { PASSWORD, type UiEnv, createCaseInUi, openUi, shot, startIngestInUi, uiSkipReason, waitIngestDone } from './harness.ts';

const skip = uiSkipReason();

/** Polls the engine until `ok` (what the UI did has reached it). */
async function waitFor(ok: () => boolean, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting for the engine');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every part of the case header sits on one line (its children share one vertical centre). */
async function headerOnOneLine(page: UiEnv['page']): Promise<void> {
  const { height, centres } = await page.evaluate(() => {
    const h = document.querySelector('[data-testid="case-header"]')!;
    const cs = [...h.children].filter((e) => (e as HTMLElement).offsetWidth > 0).map((e) => {
      const r = e.getBoundingClientRect();
      return Math.round(r.top + r.height / 2);
    });
    return { height: h.getBoundingClientRect().height, centres: cs };
  });
  assert.ok(height < 50, `the header is ${height} px high`);
  assert.ok(Math.max(...centres) - Math.min(...centres) <= 4, `the header's parts are on one line: ${centres.join(', ')}`);
}

/** The fonts Chromium really drew an element's text with (DevTools protocol), by family name. */
async function fontsUsed(env: UiEnv, selector: string): Promise<string[]> {
  const cdp = await env.context.newCDPSession(env.page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts.map((f) => f.familyName);
}

describe('what users tripped over', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;

  before(async () => {
    env = await openUi();
    casePath = join(env.dir, 'cases', 'op-sakura');
    await createCaseInUi(env.page, casePath);
  });
  after(async () => {
    await env?.close();
  });

  test('an empty new case says what to do first, with buttons', async () => {
    const { page } = env;
    const steps = page.getByTestId('first-steps');
    await steps.waitFor();
    assert.match((await steps.textContent())!, /Record the seized device as an exhibit[\s\S]*Ingest its export/);
    // No exhibit yet: the ingest step waits for one and says why.
    assert.equal(await page.getByTestId('first-step-ingest').isDisabled(), true);
    await page.getByTestId('first-steps-needs-exhibit').getByText('An ingest needs an exhibit').waitFor();
    await shot(page, '89-empty-case-first-steps');
    await page.getByTestId('first-step-exhibit').click();
    await page.getByTestId('exhibit-form').waitFor();
  });

  test('the exhibit form: a date-time picker in the officer zone, all problems at once, a condition', async () => {
    const { page } = env;
    await page.getByTestId('nav-exhibits').click();
    if (!(await page.getByTestId('exhibit-form').isVisible())) await page.getByTestId('add-exhibit').click();
    // The zone preselected is this computer's (the browser's own), offered first.
    const own = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.equal(await page.getByTestId('exhibit-seizedZone').inputValue(), own);
    assert.equal(await page.getByTestId('exhibit-seizedZone').locator('option').first().getAttribute('value'), own);
    assert.equal(await page.getByTestId('exhibit-seizedAt').getAttribute('type'), 'datetime-local');
    // Three problems at once: no number, a bad IMEI, and the form is not sent half-checked.
    await page.getByTestId('exhibit-imei').fill('12345');
    await page.getByTestId('exhibit-seizedAt').fill('2026-11-20T14:05');
    await page.getByTestId('exhibit-seizedZone').selectOption('Asia/Phnom_Penh');
    await page.getByTestId('exhibit-seizedAt-iso').getByText('2026-11-20T14:05:00+07:00').waitFor();
    await page.getByTestId('exhibit-submit').click();
    const problems = page.getByTestId('exhibit-problems');
    await problems.locator('li').nth(1).waitFor();
    assert.equal(await problems.locator('li').count(), 2);
    assert.match((await problems.textContent())!, /number is required[\s\S]*not a valid IMEI/);
    await shot(page, '90-exhibit-form-problems');
    // Fixed: recorded with the offset of Phnom Penh and the condition.
    await page.getByTestId('exhibit-number').fill('EXH-001');
    await page.getByTestId('exhibit-imei').fill('490154203237518');
    await page.getByTestId('exhibit-condition').fill('Screen cracked, powered off');
    await page.getByTestId('exhibit-submit').click();
    await page.getByTestId('exhibit-detail').waitFor();
    const x = env.service.getExhibit({ casePath, number: 'EXH-001' });
    assert.equal(x.seized_at, '2026-11-20T14:05:00+07:00');
    assert.equal(x.condition, 'Screen cracked, powered off');
    // Tokyo in summer and winter: the offset is the zone's at that moment.
    await page.getByTestId('add-exhibit').click();
    await page.getByTestId('exhibit-number').fill('EXH-002');
    await page.getByTestId('exhibit-seizedZone').selectOption('Europe/London');
    await page.getByTestId('exhibit-seizedAt').fill('2026-07-01T09:30');
    await page.getByTestId('exhibit-seizedAt-iso').getByText('2026-07-01T09:30:00+01:00').waitFor();
    await page.getByTestId('exhibit-seizedAt').fill('2026-12-01T09:30');
    await page.getByTestId('exhibit-seizedAt-iso').getByText('2026-12-01T09:30:00+00:00').waitFor();
    await page.getByTestId('exhibit-submit').click();
    // EXH-002's own detail (EXH-001's is still shown until the case's lists are asked again and
    // the new one opens; a click before then would be undone by it).
    await page.getByTestId('exhibit-detail').locator('h3', { hasText: 'EXH-002' }).waitFor();
    assert.equal(env.service.getExhibit({ casePath, number: 'EXH-002' }).seized_at, '2026-12-01T09:30:00+00:00');
  });

  test('times: the case zone in the header, local time with its offset, UTC on hover, EXIF zone unknown', async () => {
    const { page } = env;
    await page.getByTestId('case-zone').selectOption('Asia/Phnom_Penh');
    await waitFor(() => env.service.caseInfo({ casePath }).timeZone === 'Asia/Phnom_Penh');
    await page.getByTestId('exhibit-list').getByText('EXH-001').click();
    const seized = page.getByTestId('exhibit-detail-seizedAt');
    await seized.getByText('2026-11-20 14:05:00 +07:00').waitFor();
    assert.equal(await seized.getAttribute('title'), 'UTC: 2026-11-20 07:05:00 UTC');
    assert.match((await page.getByTestId('exhibit-detail').textContent())!, /Screen cracked, powered off/);
    // The same instant read in Tokyo: the zone is the case's, for every screen.
    await page.getByTestId('case-zone').selectOption('Asia/Tokyo');
    await seized.getByText('2026-11-20 16:05:00 +09:00').waitFor();
    const events = env.service.custodyLog({ casePath }).filter((e) => e.action === 'case.time-zone-set');
    assert.deepEqual(events.map((e) => e.details), [{ from: null, to: 'Asia/Phnom_Penh' }, { from: 'Asia/Phnom_Penh', to: 'Asia/Tokyo' }]);
    await page.getByTestId('case-zone').selectOption('Asia/Phnom_Penh');
    await seized.getByText('2026-11-20 14:05:00 +07:00').waitFor();
    await shot(page, '93-case-zone-exhibit');
    // A camera's EXIF time with no offset: shown as written, its zone said to be unknown.
    const photos = join(env.dir, 'photos');
    mkdirSync(photos);
    const exif = tiff({
      ifd0: [{ tag: 0x010f, ascii: 'Canon' }, { tag: 0x0110, ascii: 'EOS 80D' }, { tag: 0x0112, short: [6] }],
      exif: [{ tag: 0x9003, ascii: '2026:11:19 21:30:05' }, { tag: 0x9209, short: [0x19] }],
    });
    writeFileSync(join(photos, 'IMG_0101.JPG'), jpeg({ tiff: exif, width: 64, height: 48 }));
    // And 10,000 bytes of binary for the hex pages (byte k is k mod 251).
    writeFileSync(join(photos, 'blob.bin'), Uint8Array.from({ length: 10_000 }, (_, k) => k % 251));
    // And a TAR cut short: a problem the ingest summary lists.
    const tar = tarOf(sampleFiles());
    writeFileSync(join(photos, 'backup.tar'), tar.subarray(0, Math.floor(tar.length * 0.6)));
    await startIngestInUi(page, photos, 'EXH-001');
    await waitIngestDone(page);
    const photo = env.service.listItems({ casePath, pathContains: 'IMG_0101' }).items[0]!;
    await page.getByTestId('nav-all').click();
    await page.locator(`[data-testid="row"][data-id="${photo.id}"]`).click();
    await page.waitForFunction(() => !['0', ''].includes(document.querySelector('[data-testid="header-items"]')?.textContent ?? ''));
    assert.equal(await page.getByTestId('first-steps').count(), 0, 'a case with items shows no first steps');
    const taken = page.getByTestId('detail-taken');
    await taken.getByText('(zone unknown)').waitFor();
    assert.match((await taken.textContent())!, /^2026-11-19 21:30:05/);
    assert.match((await taken.getAttribute('title'))!, /did not record its time zone/);
    // EXIF codes with their meaning.
    assert.equal(await page.getByTestId('detail-orientation').textContent(), '6 (rotated 90° clockwise)');
    assert.equal(await page.getByTestId('detail-flash').textContent(), '25 (fired, auto mode)');
    // A file time with its offset is shown in the case's zone with UTC on hover.
    assert.match((await page.getByTestId('detail-mtime').textContent())!, /\+07:00$/);
    assert.match((await page.getByTestId('detail-mtime').getAttribute('title'))!, /^UTC: .* UTC$/);
    await shot(page, '94-times-exif-zone-unknown');
  });

  test('a small screen (1366x768): the header on one line, the item panel resized by its edge', async () => {
    const { page } = env;
    await page.setViewportSize({ width: 1366, height: 768 });
    await headerOnOneLine(page);
    assert.equal(await page.getByTestId('case-name-label').getAttribute('title'), 'Operation Sakura');
    const panel = page.getByTestId('item-detail');
    const before = (await panel.boundingBox())!.width;
    const edge = (await page.getByTestId('detail-resizer').boundingBox())!;
    await page.mouse.move(edge.x + edge.width / 2, edge.y + 300);
    await page.mouse.down();
    await page.mouse.move(edge.x - 100, edge.y + 300, { steps: 5 });
    await page.mouse.move(edge.x - 150, edge.y + 300, { steps: 5 });
    await page.mouse.up();
    const wider = (await panel.boundingBox())!.width;
    assert.ok(Math.abs(wider - before - 150) <= 6, `dragged 150 px to the left: ${before} -> ${wider}`);
    // From the keyboard: ← widens, → narrows, 20 px a press.
    await page.getByTestId('detail-resizer').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const narrower = (await panel.boundingBox())!.width;
    assert.ok(Math.abs(wider - narrower - 40) <= 2, `two presses of →: ${wider} -> ${narrower}`);
    // The catalogue keeps its room: the panel cannot take the whole window.
    const edge2 = (await page.getByTestId('detail-resizer').boundingBox())!;
    await page.mouse.move(edge2.x + edge2.width / 2, edge2.y + 300);
    await page.mouse.down();
    await page.mouse.move(10, edge2.y + 300, { steps: 4 });
    await page.mouse.up();
    assert.equal(await page.evaluate(() => String(window.getSelection())), '', 'dragging the edge selected no text');
    const main = (await page.locator('main').first().boundingBox())!.width;
    assert.ok(main >= 400, `the catalogue keeps ${main} px`);
    await page.getByTestId('detail-resizer').focus();
    for (let k = 0; k < 20; k++) await page.keyboard.press('ArrowRight');
    await headerOnOneLine(page);
    await shot(page, '95-small-screen-1366');
  });

  test('keyboard: a skip link to the table, sorting from the headers, Esc closes the column chooser, gallery focus', async () => {
    const { page } = env;
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);
    await page.getByTestId('nav-all').click();
    await page.getByTestId('detail-close').click();
    // The first Tab of the page reaches the skip link; Enter lands in the table.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'skip-link');
    assert.ok((await page.getByTestId('skip-link').boundingBox())!.y >= 0, 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'catalogue-table');
    // Landmarks: the navigation, the main pane, the header; in the main pane the folder tree is a
    // navigation of its own, named apart from the case's.
    assert.equal(await page.locator('nav[aria-label]:not(main nav)').count(), 1);
    assert.equal(await page.locator('main').count(), 1);
    const navNames = await page.locator('nav[aria-label]').evaluateAll((ns) => ns.map((n) => n.getAttribute('aria-label')));
    assert.equal(new Set(navNames).size, navNames.length, `each navigation has its own name: ${navNames.join(', ')}`);
    assert.equal(await page.locator('main nav[aria-label="Folders"]').count(), 1);
    // Column headers are Tab stops; Enter and Space sort.
    const name = page.getByTestId('th-name');
    assert.equal(await name.evaluate((e) => (e as HTMLElement).tabIndex), 0);
    await name.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="th-name"]')?.getAttribute('aria-sort') === 'ascending');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('[data-testid="th-name"]')?.getAttribute('aria-sort') === 'descending');
    assert.equal(await page.locator('[data-testid="item-detail"]').count(), 0, 'sorting opened no item');
    // Esc closes the column chooser, the focus back on its button.
    await page.getByTestId('column-chooser').click();
    await page.getByTestId('column-menu').waitFor();
    await page.getByTestId('column-size').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('column-menu').waitFor({ state: 'detached' });
    assert.equal(await focused(), 'column-chooser');
    // The gallery: the tile opened keeps the focus and is marked.
    const photo = env.service.listItems({ casePath, pathContains: 'IMG_0101' }).items[0]!;
    await page.getByTestId('nav-gallery').click();
    const tile = page.locator(`[data-testid="tile"][data-id="${photo.id}"]`);
    await tile.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('item-detail').waitFor();
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-id') === String(id), photo.id);
    assert.equal(await tile.getAttribute('aria-current'), 'true');
    await shot(page, '96-gallery-focus');
    await page.getByTestId('nav-all').click();
  });

  test('zoom on an image; hex a page at a time beyond the first 4 KiB', async () => {
    const { page } = env;
    const photo = env.service.listItems({ casePath, pathContains: 'IMG_0101' }).items[0]!;
    await page.locator(`[data-testid="row"][data-id="${photo.id}"]`).click();
    const img = page.getByTestId('preview-image');
    await page.waitForFunction(() => ((document.querySelector('[data-testid="preview-image"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    const natural = await img.evaluate((e) => (e as HTMLImageElement).naturalWidth);
    const width = async () => Math.round((await img.boundingBox())!.width);
    await page.getByTestId('zoom-actual').click();
    await page.waitForFunction((n) => Math.round(document.querySelector('[data-testid="preview-image"]')!.getBoundingClientRect().width) === n, natural);
    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-level').getByText('150%').waitFor();
    assert.equal(await width(), Math.round(natural * 1.5));
    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-level').getByText('200%').waitFor();
    assert.equal(await width(), natural * 2);
    await shot(page, '97-image-zoom');
    await page.getByTestId('zoom-fit').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="preview-image"]') as HTMLElement).style.width === '');
    assert.equal(await page.getByTestId('zoom-fit').getAttribute('aria-pressed'), 'true');
    // Hex beyond 4 KiB.
    const blob = env.service.listItems({ casePath, pathContains: 'blob.bin' }).items[0]!;
    await page.locator(`[data-testid="row"][data-id="${blob.id}"]`).click();
    const range = page.getByTestId('hex-range');
    await range.getByText('Bytes 0x0–0xfff of 10,000 (page 1 of 3)').waitFor();
    assert.equal(await page.getByTestId('hex-prev').isDisabled(), true);
    await page.getByTestId('hex-next').click();
    await range.getByText('Bytes 0x1000–0x1fff of 10,000 (page 2 of 3)').waitFor();
    assert.match((await page.getByTestId('preview-hex').textContent())!, /^00001000 {2}50 51 52 53/);
    await page.getByTestId('hex-goto').fill('9000');
    await page.getByTestId('hex-goto').press('Enter');
    await range.getByText('Bytes 0x2000–0x270f of 10,000 (page 3 of 3)').waitFor();
    assert.equal(await page.getByTestId('hex-next').isDisabled(), true);
    // 0x2000 = 8192; 8192 mod 251 = 160 = 0xa0; the last line holds bytes 0x2700-0x270f.
    const dump = (await page.getByTestId('preview-hex').textContent())!;
    assert.match(dump, /^00002000 {2}a0 a1 a2/);
    assert.match(dump, /\n00002700 {2}[0-9a-f ]{47} {2}.{16}$/);
    await shot(page, '98-hex-pages');
  });

  test('the ingest screen: problem paths open the catalogue there; no Resume for a wrong path', async () => {
    const { page } = env;
    await page.getByTestId('nav-ingest').click();
    const link = page.getByTestId('summary-problems').getByTestId('problem-path').first();
    const path = (await link.textContent())!;
    await link.click();
    await page.getByTestId('catalogue-table').waitFor();
    assert.equal(await page.getByPlaceholder(/Path contains/).inputValue(), path);
    const expected = env.service.listItems({ casePath, pathContains: path }).total;
    assert.ok(expected >= 1, `the catalogue holds ${path}`);
    await page.getByTestId('table-status').getByText(new RegExp(`^${expected} items?`)).waitFor();
    // A wrong path: the ingest fails at once, says to check the path, offers no Resume.
    await startIngestInUi(page, join(env.dir, 'no-such-folder'), 'EXH-001');
    await page.getByTestId('ingest-error').waitFor();
    await page.getByTestId('ingest-check-path').waitFor();
    assert.equal(await page.getByTestId('ingest-resume').count(), 0);
    await shot(page, '99-ingest-wrong-path');
    env.problems.splice(0, env.problems.length, ...env.problems.filter((p) => !/no-such-folder/.test(p)));
  });

  test('the Japanese UI is drawn with the bundled Noto Sans JP', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('nav-exhibits').getByText('証拠品').waitFor();
    await page.evaluate(async () => {
      await document.fonts.ready;
    });
    // Loaded from the app itself (font-src 'self'), and used for the navigation's Japanese text.
    assert.ok(await page.evaluate(() => document.fonts.check('16px "Noto Sans JP"', '未払い証拠品')), 'Noto Sans JP is loaded for Japanese text');
    const loaded = await page.evaluate(() => [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Noto Sans JP' && f.status === 'loaded').length);
    assert.ok(loaded > 0, 'some Noto Sans JP slices were loaded');
    const used = await fontsUsed(env, '[data-testid="nav-exhibits"]');
    // (Fontsource's slices name themselves after the variable font's first instance, "Noto Sans JP Thin".)
    assert.ok(used.some((f) => f.startsWith('Noto Sans JP')), `the navigation is drawn with ${used.join(', ')}`);
    assert.ok(!used.some((f) => /IPA|CJK|Droid|Takao|VL /.test(f)), `no machine font draws the Japanese: ${used.join(', ')}`);
    const fontRequests = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((u) => /\.woff2?(\?|$)/.test(u)));
    const origin = await page.evaluate(() => location.origin);
    assert.ok(fontRequests.length > 0 && fontRequests.every((u) => u.startsWith(origin)), fontRequests.join('\n'));
    await headerOnOneLine(page);
    await shot(page, '91-japanese-font');
    // The exhibit form's new parts in Japanese too.
    await page.getByTestId('nav-exhibits').click();
    await page.getByTestId('add-exhibit').click();
    const form = (await page.getByTestId('exhibit-form').textContent())!;
    for (const ja of ['状態', 'タイムゾーン', '押収日時']) assert.ok(form.includes(ja), `${ja} in the form`);
    for (const en of ['Condition', 'Time zone', 'Recorded as']) assert.ok(!form.includes(en), `no English "${en}" in the Japanese form`);
    // The case has a zone now: the form starts in it.
    assert.equal(await page.getByTestId('exhibit-seizedZone').inputValue(), 'Asia/Phnom_Penh');
    await page.getByTestId('exhibit-seizedAt').fill('2026-11-20T14:05');
    await page.getByTestId('exhibit-seizedAt-iso').getByText('記録される値：2026-11-20T14:05:00+07:00').waitFor();
    await shot(page, '91b-exhibit-form-japanese');
  });

  test('an engine error in the Japanese UI is in Japanese, by its code', async () => {
    const { page } = env;
    // A wrong password at sign-in: AUTH_FAILED.
    await page.getByTestId('sign-out').click();
    await page.getByTestId('tab-open').click();
    await page.getByTestId('case-path').fill(casePath);
    await page.getByTestId('officer').fill('Sgt. Dara Sok');
    await page.getByTestId('password').fill(`${PASSWORD}-wrong`);
    await page.getByTestId('signin-submit').click();
    const error = page.getByTestId('signin-error');
    await error.getByText('担当者名またはパスワードが違います').waitFor();
    await shot(page, '92-error-japanese');
    // Signed in again, the exhibit form's problems come in Japanese too, with the specifics.
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('case-header').waitFor();
    await page.getByTestId('nav-exhibits').click();
    await page.getByTestId('add-exhibit').click();
    await page.getByTestId('exhibit-number').fill('EXH-001');
    await page.getByTestId('exhibit-submit').click();
    await page.getByTestId('exhibit-problems').getByText('事件に既にある内容と矛盾します').waitFor();
    await page.getByTestId('language').selectOption('en');
    // Expected refusals: the wrong password and the duplicate exhibit above, and the thumbnails of
    // the cut TAR's pictures, which are a few real header bytes and noise (no image to decode).
    const expected = (p: string) =>
      /HTTP 4\d\d: POST .*\/api\/(signIn|openCase|addExhibit)/.test(p) || /HTTP 400: GET .*\/thumb\?/.test(p) || /status of 400 \(Bad Request\)/.test(p);
    env.problems.splice(0, env.problems.length, ...env.problems.filter((p) => !expected(p)));
    assert.deepEqual(env.problems, []);
  });
});
