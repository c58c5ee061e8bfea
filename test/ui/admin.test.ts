// Hash sets, officers and the reviewer's view in Chromium (issue 14 items 8-9): import a known-bad
// set (a sha256sum file of some of the export's files, hashed here from their bytes) as a job and
// see its progress end, the alert in the navigation, on the rows and on the item; import a
// known-good set (md5sum) and see its items hidden until "Show known-good" is ticked; add an
// officer, disable one, unlock one the engine locked after wrong passwords; sign in as a reviewer
// and see no ingest, no exhibit form, no file browser, no tag or note controls and no officers'
// screen, while search, tags, notes, custody and verify stay; the Japanese screens.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { PASSWORD, type UiEnv, openUi, shot, shotBoth, uiSkipReason } from './harness.ts';
import { buildScamExport, caseWithExport } from './review-fixture.ts';

const skip = uiSkipReason();
const REVIEWER = 'Prosecutor Chan Vuthy';
const LOCKED = 'Cpl. Mao Sophea';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}
const digest = (algo: 'sha256' | 'md5', p: string) => createHash(algo).update(readFileSync(p)).digest('hex');

describe('hash sets, officers and the reviewer UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;
  let exportDir: string;
  let badFiles: string[];
  let goodFiles: string[];

  before(async () => {
    env = await openUi();
    exportDir = join(env.dir, 'export');
    mkdirSync(exportDir);
    buildScamExport(exportDir);
    // A real photo (the gallery shows its thumbnail and the alert on its tile).
    writeFileSync(join(exportDir, 'DCIM', '100APPLE', 'IMG_0050.JPG'), await sharp({ create: { width: 96, height: 64, channels: 3, background: '#3a6ea5' } }).jpeg().toBuffer());
    casePath = join(env.dir, 'cases', 'op-sakura');
    await caseWithExport(env.page, casePath, exportDir);
  });
  after(async () => {
    await env?.close();
  });

  const session = () => env.page.evaluate(() => JSON.parse(sessionStorage.getItem('evidence.signed')!).session as string);
  const rows = () => env.page.locator('[data-testid="row"][data-id]');
  const tableCount = async () => Number((await env.page.getByTestId('table-status').textContent())!.replace(/\s*·.*$/s, '').replace(/[^\d]/g, ''));

  test('import a known-bad hash set as a job: progress ends, the alert is on the rows and the item', async () => {
    const { page } = env;
    const all = filesUnder(exportDir);
    badFiles = all.filter((p) => /IMG_004[12]\.bin$|IMG_0050\.JPG$/.test(p));
    assert.equal(badFiles.length, 3);
    const setFile = join(env.dir, 'lab-known-bad.sha256');
    writeFileSync(setFile, badFiles.map((p) => `${digest('sha256', p)}  ${p.slice(exportDir.length + 1)}\n`).join(''));
    // Every file of the export with one of those hashes is a hit (a copy elsewhere would be too).
    const badHashes = new Set(badFiles.map((p) => digest('sha256', p)));
    const expected = all.filter((p) => badHashes.has(digest('sha256', p))).length;

    await page.getByTestId('nav-hashsets').click();
    await page.getByTestId('hashset-none').waitFor();
    await page.getByTestId('hashset-file').fill(setFile);
    await page.getByTestId('hashset-name').fill('Lab known-bad 2026-03');
    await page.getByTestId('hashset-kind').selectOption('bad');
    await page.getByTestId('hashset-start').click();
    await page.getByTestId('hashset-progress').waitFor();
    await page.getByTestId('hashset-state').getByText(`“Lab known-bad 2026-03” imported: 3 hashes, ${expected} items of the case matched.`).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="hashset-progress"] [role="progressbar"]').getAttribute('aria-valuenow'), '100');
    await page.locator('[data-testid="hashset-row"][data-kind="bad"] [data-testid="hashset-matches"]').getByText(String(expected)).waitFor();
    // The engine agrees: the set, its officer, and the items it matched.
    const sets = env.service.listHashsets({ casePath });
    assert.equal(sets.length, 1);
    assert.equal(sets[0]!.officer, 'Sgt. Dara Sok');
    assert.equal(env.service.listItems({ casePath, knownBad: true }).total, expected);
    await shotBoth(page, '90-hashsets-imported');

    // The navigation's alert, and the rows it lists, each with the set's name in red.
    await page.locator('[data-testid="nav-knownBad"] .nav-count.alert').getByText(String(expected)).waitFor();
    await page.getByTestId('hashset-show-matches').click();
    await page.getByTestId('table-status').getByText(`${expected} items`).waitFor();
    assert.equal(await rows().count(), expected);
    for (const r of await rows().all()) assert.match((await r.getByTestId('row-known-bad').textContent())!, /Lab known-bad 2026-03/);
    // On the item: the alert, with the set's name.
    await rows().first().click();
    await page.getByTestId('item-known-bad').getByText('Lab known-bad 2026-03').waitFor();
    assert.match((await page.getByTestId('item-known-bad').textContent())!, /This file is in a known-bad hash set/);
    await shot(page, '91-known-bad-item-light');
    // In the gallery: the photo's tile is framed in red with the set's name.
    await page.getByTestId('nav-gallery').click();
    await page.locator('[data-testid="tile"].known-bad').getByTestId('row-known-bad').getByText('Lab known-bad 2026-03').waitFor();
    await page.locator('[data-testid="tile"].known-bad img').waitFor();
    await page.waitForFunction(() => ((document.querySelector('[data-testid="tile"].known-bad img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    await shot(page, '91b-known-bad-gallery-light');
    // Among search results too.
    await page.getByTestId('nav-search').click();
    await page.getByTestId('search-input').fill('IMG_0041');
    await page.getByTestId('search-input').press('Enter');
    await page.locator('[data-testid="search-hit"]', { hasText: 'IMG_0041.bin' }).getByTestId('row-known-bad').getByText('Lab known-bad 2026-03').waitFor();
    // The import is a custody event.
    assert.ok(env.service.custodyLog({ casePath, action: 'hashset.imported' }).length === 1);
  });

  test('a known-good set hides its items until "Show known-good" is ticked', async () => {
    const { page } = env;
    const all = filesUnder(exportDir);
    goodFiles = all.filter((p) => p.includes(`${join(exportDir, 'noise')}/`));
    assert.ok(goodFiles.length > 0);
    const goodHashes = new Set(goodFiles.map((p) => digest('md5', p)));
    const setFile = join(env.dir, 'nsrl-sample.md5');
    writeFileSync(setFile, [...goodHashes].map((h) => `${h}  x\n`).join(''));
    const expectedGood = all.filter((p) => goodHashes.has(digest('md5', p))).length;
    const total = env.service.listItems({ casePath }).total;

    await page.getByTestId('nav-hashsets').click();
    await page.getByTestId('hashset-file').fill(setFile);
    await page.getByTestId('hashset-name').fill('NSRL sample');
    await page.getByTestId('hashset-kind').selectOption('good');
    await page.getByTestId('hashset-format').selectOption('md5sum');
    await page.getByTestId('hashset-start').click();
    await page.getByTestId('hashset-state').getByText('“NSRL sample” imported').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="hashset-row"][data-kind="good"]').waitFor();
    assert.equal(env.service.listItems({ casePath, knownGood: true }).total, expectedGood);

    await page.getByTestId('nav-all').click();
    await page.getByTestId('filter-known-good').waitFor();
    await page.getByTestId('known-good-hidden').getByText(`${expectedGood} known-good`).waitFor();
    await page.waitForFunction((n) => document.querySelector('[data-testid="table-status"]')?.textContent?.startsWith(`${n} items`), total - expectedGood);
    assert.equal(await tableCount(), total - expectedGood);
    await shot(page, '92-known-good-hidden-light');
    await page.getByTestId('filter-known-good').check();
    await page.waitForFunction((n) => document.querySelector('[data-testid="table-status"]')?.textContent?.startsWith(`${n} items`), total);
    assert.equal(await tableCount(), total);
    await page.getByTestId('filter-known-good').uncheck();
    await page.waitForFunction((n) => document.querySelector('[data-testid="table-status"]')?.textContent?.startsWith(`${n} items`), total - expectedGood);
  });

  test('officers: add one, disable one, unlock one locked after wrong passwords', async () => {
    const { page } = env;
    await page.getByTestId('nav-officers').click();
    await page.locator('[data-testid="officer-row"][data-name="Sgt. Dara Sok"]').waitFor();
    for (const [name, role] of [
      [REVIEWER, 'reviewer'],
      [LOCKED, 'officer'],
    ] as const) {
      await page.getByTestId('officer-add').click();
      await page.getByTestId('officer-name').fill(name);
      await page.getByTestId('officer-badge').fill(role === 'reviewer' ? 'PP-0311' : 'KH-4412');
      await page.getByTestId('officer-unit').fill(role === 'reviewer' ? 'Prosecutor’s office' : 'Cybercrime unit');
      await page.getByTestId('officer-role').selectOption(role);
      await page.getByTestId('officer-password').fill(PASSWORD);
      await page.getByTestId('officer-submit').click();
      await page.getByTestId('officer-note').getByText(`${name} was added as`).waitFor();
      await page.locator(`[data-testid="officer-row"][data-name="${name}"]`).waitFor();
    }
    assert.equal(env.service.listOfficers({ casePath }).find((o) => o.name === REVIEWER)?.role, 'reviewer');

    // Disable, with a reason kept in the custody log; then enable again.
    const row = page.locator(`[data-testid="officer-row"][data-name="${LOCKED}"]`);
    await row.getByTestId('officer-disable').click();
    await page.getByTestId('officer-reason').fill('on leave until the trial');
    await page.getByTestId('officer-confirm').click();
    await page.locator(`[data-testid="officer-row"][data-name="${LOCKED}"][data-status="disabled"]`).waitFor();
    assert.equal(env.service.listOfficers({ casePath }).find((o) => o.name === LOCKED)?.status, 'disabled');
    const disabled = env.service.custodyLog({ casePath, action: 'officer.disabled' });
    assert.equal(disabled.at(-1)?.reason, 'on leave until the trial');
    await row.getByTestId('officer-enable').click();
    await page.getByTestId('officer-reason').fill('back from leave');
    await page.getByTestId('officer-confirm').click();
    await page.locator(`[data-testid="officer-row"][data-name="${LOCKED}"][data-status="active"]`).waitFor();

    // Five wrong passwords lock the account (the engine's rule); the screen unlocks it.
    for (let k = 0; k < 5; k++) assert.throws(() => env.service.signIn({ casePath, officer: LOCKED, password: 'not the password' }));
    await page.getByTestId('nav-hashsets').click();
    await page.getByTestId('nav-officers').click();
    await page.locator(`[data-testid="officer-row"][data-name="${LOCKED}"][data-status="locked"]`).waitFor();
    await shotBoth(page, '93-officers');
    await row.getByTestId('officer-unlock').click();
    await page.getByTestId('officer-reason').fill('wrong keyboard layout, identity checked in person');
    await page.getByTestId('officer-confirm').click();
    await page.locator(`[data-testid="officer-row"][data-name="${LOCKED}"][data-status="active"]`).waitFor();
    assert.equal(env.service.custodyLog({ casePath, action: 'officer.unlocked' }).at(-1)?.target, `officer:${LOCKED}`);
    assert.equal(env.service.signIn({ casePath, officer: LOCKED, password: PASSWORD }).role, 'officer');
  });

  test('a reviewer sees no ingest, exhibit form, file browser, tag or note controls, nor officers', async () => {
    const { page } = env;
    // Something to read: a tag and a note added by the examiner.
    const s = await session();
    const item = env.service.listItems({ casePath, knownBad: true }).items[0]!;
    env.service.tagItems({ session: s, tag: 'financial-record', ids: [item.id] });
    env.service.addNote({ session: s, item: item.id, text: 'Matches the lab set; photographed at the compound.' });

    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-form').waitFor();
    await page.getByTestId('case-path').fill(casePath);
    await page.getByTestId('officer').fill(REVIEWER);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('case-header').waitFor();
    await page.getByTestId('read-only-note').waitFor();

    // The navigation offers what a reviewer may do, and nothing else.
    for (const k of ['exhibits', 'search', 'all', 'hashsets', 'custody', 'verify']) await page.getByTestId(`nav-${k}`).waitFor();
    for (const k of ['ingest', 'officers', 'export', 'suggestions']) assert.equal(await page.getByTestId(`nav-${k}`).count(), 0, `no nav-${k} for a reviewer`);
    // The engine says the same: the session's methods leave out what the role may not call.
    const methods = env.service.sessionInfo({ session: await session() }).methods;
    for (const m of ['startIngest', 'addExhibit', 'tagItems', 'addNote', 'addOfficer', 'startHashsetImport']) assert.ok(!methods.includes(m), `${m} not offered`);
    for (const m of ['search', 'getItem', 'listTags', 'custodyLog', 'startVerify']) assert.ok(methods.includes(m), `${m} offered`);

    // Exhibits: read, but no form to record one and no ingest into it.
    await page.getByTestId('nav-exhibits').click();
    await page.getByTestId('exhibit-list').waitFor();
    assert.equal(await page.getByTestId('add-exhibit').count(), 0);
    assert.equal(await page.getByTestId('exhibit-form').count(), 0);
    await page.getByTestId('exhibit-list').getByText('EXH-001').first().click();
    await page.getByTestId('exhibit-detail').waitFor();
    assert.equal(await page.getByTestId('exhibit-ingest').count(), 0);

    // Hash sets: the list, no import form (and so no file browser).
    await page.getByTestId('nav-hashsets').click();
    await page.getByTestId('hashset-list').waitFor();
    await page.getByTestId('hashset-no-import').waitFor();
    assert.equal(await page.getByTestId('hashset-form').count(), 0);
    assert.equal(await page.getByTestId('hashset-file-browse').count(), 0);

    // The custody log: readable, with the exhibit's form; no transfer and no seal for a reviewer.
    await page.getByTestId('nav-custody').click();
    await page.getByTestId('custody-filter-exhibit').selectOption('EXH-001');
    await page.getByTestId('custody-form-open').waitFor();
    for (const id of ['transfer-open', 'seal-break-open', 'reseal-open']) assert.equal(await page.getByTestId(id).count(), 0, `no ${id} for a reviewer`);

    // The catalogue: a selection gets no tagging bar; the item shows its tags and notes, read-only.
    await page.getByTestId('nav-knownBad').click();
    await rows().first().waitFor();
    await rows().nth(0).click();
    await rows().nth(1).click({ modifiers: ['Shift'] });
    await page.getByTestId('selected-count').waitFor();
    assert.equal(await page.getByTestId('selection-actions').count(), 0);
    assert.equal(await page.getByTestId('selection-export').count(), 0);
    await page.locator(`[data-testid="row"][data-id="${item.id}"]`).click();
    await page.locator('[data-testid="item-tags"] [data-tag="financial-record"]').waitFor();
    await page.getByTestId('note').getByText('Matches the lab set').waitFor();
    await page.getByTestId('item-known-bad').waitFor();
    assert.equal(await page.getByTestId('item-tag-add').count(), 0);
    assert.equal(await page.locator('[data-testid="item-tags"] [data-testid="tag-remove"]').count(), 0);
    assert.equal(await page.getByTestId('note-text').count(), 0);
    // Number keys tag nothing for a reviewer.
    await page.getByTestId('catalogue-table').press('Digit1');
    await page.waitForTimeout(300);
    assert.equal(env.service.getItem({ session: await session(), id: item.id }).tags.length, 1);
    await shotBoth(page, '94-reviewer-view');
  });

  test('the Japanese screens', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('read-only-note').getByText('検察（閲覧のみ）としてサインインしています').waitFor();
    await page.getByTestId('nav-hashsets').getByText('ハッシュセット').waitFor();
    await page.getByTestId('item-known-bad').getByText('このファイルは既知の不正ハッシュセットに含まれます').waitFor();
    await shot(page, '95-reviewer-japanese-light');
    await page.getByTestId('nav-hashsets').click();
    await page.getByTestId('hashset-list').getByText('既知の不正').first().waitFor();
    await shot(page, '96-hashsets-japanese-light');
    // The examiner's officers screen in Japanese.
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-form').waitFor();
    await page.getByTestId('case-path').fill(casePath);
    await page.getByTestId('officer').fill('Sgt. Dara Sok');
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('case-header').waitFor();
    await page.getByTestId('nav-officers').click();
    await page.locator(`[data-testid="officer-row"][data-name="${REVIEWER}"]`).getByText('検察').waitFor();
    await shot(page, '97-officers-japanese-light');
    await page.getByTestId('language').selectOption('en');
    assert.deepEqual(env.problems, []);
  });
});
