// What users tripped over (issue 14), in Chromium against the browser host: the Japanese UI is
// drawn with the bundled Noto Sans JP (not boxes, not a font the machine happens to have); an
// engine error reaches the Japanese UI in Japanese, by its code; the exhibit form takes "Seized
// at" from a date-time picker in the officer's zone, records ISO 8601 with the offset, shows all
// of its problems at once and has a Condition field.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, type UiEnv, createCaseInUi, openUi, shot, uiSkipReason } from './harness.ts';

const skip = uiSkipReason();

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
    await page.getByTestId('exhibit-detail').waitFor();
    assert.equal(env.service.getExhibit({ casePath, number: 'EXH-002' }).seized_at, '2026-12-01T09:30:00+00:00');
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
    await shot(page, '91-japanese-font');
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
    env.problems.splice(0, env.problems.length, ...env.problems.filter((p) => !/HTTP 4\d\d: POST .*\/api\/(signIn|openCase|addExhibit)/.test(p)));
    assert.deepEqual(env.problems, []);
  });
});
