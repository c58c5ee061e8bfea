// Verify and the custody log in Chromium (issue 14 items 6-7): verify the case as a job and see
// every stored file match; change one stored copy on disk (its blob in store/objects.db) and
// verify again: it is named as changed, its item opens from the link, and the header's files
// badge says so beside the chain's; the custody log with its filters and action names in words;
// a custody transfer signed by both officers (the receiving officer signs in inside the dialog);
// a seal broken and a new one applied; a checkpoint signed; the Japanese screen; and last, the
// log itself edited in case.db as test/unit/tamper-custody.test.ts does: the broken badge opens
// the log at that event with the reason in words. The engine agrees at each step.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, type UiEnv, openUi, shot, shotBoth, uiSkipReason } from './harness.ts';
import { buildScamExport, caseWithExport } from './review-fixture.ts';

const skip = uiSkipReason();
const EXAMINER = 'Insp. Mei Tanaka';

describe('verify and custody UI', { skip: skip ?? false }, () => {
  let env: UiEnv;
  let casePath: string;
  let session: string;

  before(async () => {
    env = await openUi();
    const exportDir = join(env.dir, 'export');
    mkdirSync(exportDir);
    buildScamExport(exportDir);
    casePath = join(env.dir, 'cases', 'op-sakura');
    await caseWithExport(env.page, casePath, exportDir);
    session = await env.page.evaluate(() => JSON.parse(sessionStorage.getItem('evidence.signed')!).session as string);
  });
  after(async () => {
    await env?.close();
  });

  test('verify: all match; a stored copy changed on disk is named, its item opens, the header says so', async () => {
    const { page } = env;
    // Before any Verify run the header says the files are not verified: the chain badge covers the log only.
    await page.getByTestId('files-badge').and(page.locator('[data-state="never"]')).waitFor();
    assert.match((await page.getByTestId('chain-ok').getAttribute('title'))!, /log\) only/);
    await page.getByTestId('nav-verify').click();
    await page.getByTestId('verify-start').click();
    await page.getByTestId('verify-result').and(page.locator('[data-ok="true"]')).waitFor({ timeout: 60_000 });
    assert.equal((await env.service.verifyCustody({ casePath })).ok, true);
    assert.match((await page.getByTestId('verify-verdict').textContent())!, /All \d+ stored files match/);
    await page.getByTestId('files-badge').and(page.locator('[data-state="ok"]')).waitFor();
    assert.match((await page.getByTestId('files-badge').textContent())!, /Files verified at \d{1,2}:\d{2}/);

    // Change one stored copy: the blob of notice.txt in the case's store.
    const item = env.service.listItems({ casePath, pathContains: 'notice.txt' }).items[0]!;
    const odb = new Database(join(casePath, 'store', 'objects.db'));
    try {
      const row = odb.prepare('SELECT data FROM objects WHERE sha256 = ?').get(item.sha256) as { data: Buffer };
      const changed = Buffer.from(row.data);
      changed[0] = changed[0]! ^ 0x01;
      assert.equal(odb.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(changed, item.sha256).changes, 1);
    } finally {
      odb.close();
    }
    await page.getByTestId('verify-start').click();
    await page.getByTestId('verify-result').and(page.locator('[data-ok="false"]')).waitFor({ timeout: 60_000 });
    const changedGroup = page.getByTestId('verify-changed');
    await changedGroup.locator(`[data-testid="verify-problem"][data-sha256="${item.sha256}"]`).waitFor();
    assert.equal(await changedGroup.getByTestId('verify-problem').count(), 1, 'exactly one stored file changed');
    assert.equal(await page.getByTestId('verify-missing').getByTestId('verify-problem').count(), 0);
    // The engine's own run says the same.
    const report = await env.service.verify({ session });
    assert.deepEqual(report.problems.map((p) => [p.status, p.sha256]), [['changed', item.sha256]]);
    // The header: "1 file changed" beside the chain's badge.
    await page.getByTestId('files-badge').and(page.locator('[data-state="bad"]')).waitFor();
    assert.match((await page.getByTestId('files-badge').textContent())!, /1 file changed/);
    await shotBoth(page, 'custody-0-verify-changed');
    // The link opens the item.
    await changedGroup.locator(`[data-testid="verify-item"][data-id="${item.id}"]`).click();
    await page.getByTestId('item-detail').waitFor();
    assert.match((await page.getByTestId('item-detail').textContent())!, /notice\.txt/);
    // The item says its stored copy was found changed, above the preview of the copy as it is now.
    await page.getByTestId('item-stored-changed').getByText('found the stored copy of this item changed').waitFor();
    // Another item shows no such warning.
    const other = env.service.listItems({ casePath, pathContains: 'chat.txt' }).items[0]!;
    await page.getByTestId('nav-all').click();
    await page.locator(`[data-testid="row"][data-id="${other.id}"]`).click();
    await page.getByTestId('item-detail').getByText('chat.txt').first().waitFor();
    assert.equal(await page.getByTestId('item-stored-changed').count(), 0);
    await page.getByTestId('nav-verify').click();
    await changedGroup.locator(`[data-testid="verify-item"][data-id="${item.id}"]`).click();
    await page.getByTestId('item-stored-changed').waitFor();
    await shot(page, 'custody-1-verify-item-open');
  });

  test('the custody log: action names in words, filters by action, exhibit, officer, item and date', async () => {
    const { page } = env;
    await page.getByTestId('nav-custody').click();
    const all = env.service.custodyLog({ casePath });
    await page.getByTestId('custody-status').getByText(`${all.length} events`).waitFor();
    // Names, never codes: the first event is the case's creation.
    const first = page.locator('[data-testid="custody-event"][data-seq="1"] [data-testid="event-action"]');
    assert.equal(await first.textContent(), 'Case created');
    // A family of actions.
    await page.getByTestId('custody-filter-action').selectOption('ingest');
    const ingests = env.service.custodyLog({ casePath, action: 'ingest' });
    assert.ok(ingests.length >= 2);
    await page.getByTestId('custody-status').getByText(`${ingests.length} events`).waitFor();
    assert.deepEqual(
      await page.getByTestId('event-action').allTextContents(),
      ingests.map((e) => ({ 'ingest.started': 'Export ingest started', 'ingest.finished': 'Export ingest finished' })[e.action as 'ingest.started']),
    );
    // One exact action.
    await page.getByTestId('custody-filter-action').selectOption('verify.run');
    await page.getByTestId('custody-status').getByText(`${env.service.custodyLog({ casePath, action: 'verify.run' }).length} events`).waitFor();
    await page.getByTestId('custody-filter-action').selectOption('');
    // Exhibit, officer, item, date.
    await page.getByTestId('custody-filter-exhibit').selectOption('EXH-001');
    await page.getByTestId('custody-status').getByText(`${env.service.custodyLog({ casePath, exhibit: 'EXH-001' }).length} events`).waitFor();
    await page.getByTestId('custody-filter-officer').selectOption('Sgt. Dara Sok');
    await page.getByTestId('custody-status').getByText(`${env.service.custodyLog({ casePath, exhibit: 'EXH-001', officer: 'Sgt. Dara Sok' }).length} events`).waitFor();
    await page.getByTestId('custody-filter-clear').click();
    const viewed = env.service.listItems({ casePath, pathContains: 'notice.txt' }).items[0]!;
    await page.getByTestId('custody-filter-item').fill(String(viewed.id));
    const itemEvents = env.service.custodyLog({ casePath, item: viewed.id });
    await page.getByTestId('custody-status').getByText(`${itemEvents.length} event`).first().waitFor();
    assert.ok(itemEvents.some((e) => e.action === 'item.viewed'), 'opening the item is in its history');
    await page.getByTestId('custody-filter-clear').click();
    await page.getByTestId('custody-filter-since').fill('2000-01-01');
    await page.getByTestId('custody-filter-until').fill('2000-12-31');
    await page.getByTestId('custody-status').getByText('0 events').waitFor();
    await page.getByText('No event matches these filters.').waitFor();
    await page.getByTestId('custody-filter-clear').click();
    await page.getByTestId('custody-status').getByText(`${env.service.custodyLog({ casePath }).length} events`).waitFor();
    // An event's details beside the list.
    await page.locator('[data-testid="custody-event"][data-seq="1"]').click();
    await page.getByTestId('custody-event-detail').and(page.locator('[data-seq="1"]')).waitFor();
    await shotBoth(page, 'custody-2-custody-log');
  });

  test('the exhibit: the printable chain-of-custody form', async () => {
    const { page } = env;
    await page.getByTestId('custody-filter-exhibit').selectOption('EXH-001');
    await page.getByTestId('custody-form-open').click();
    const text = (await page.getByTestId('custody-form-text').textContent())!;
    // The engine's form, word for word (but the minute it was printed).
    const printed = (s: string) => s.replace(/^ {2}Printed .*$/m, '  Printed …');
    assert.equal(printed(text), printed(env.service.custodyForm({ casePath, exhibit: 'EXH-001' })));
    assert.match(text, /EXH-001/);
    // Printing shows the form alone.
    await page.emulateMedia({ media: 'print' });
    const hidden = await page.getByTestId('custody-view').evaluate((e) => getComputedStyle(e.querySelector('h2')!).visibility);
    const shown = await page.getByTestId('custody-form-text').evaluate((e) => getComputedStyle(e).visibility);
    assert.deepEqual([hidden, shown], ['hidden', 'visible']);
    await shot(page, 'custody-3-custody-form-print');
    await page.emulateMedia({ media: 'screen' });
    await shot(page, 'custody-3-custody-form-light');
    await page.keyboard.press('Escape');
    await page.getByTestId('custody-form').waitFor({ state: 'detached' });
  });

  test('transfer custody between two officers: the receiving officer signs in inside the dialog', async () => {
    const { page } = env;
    env.service.addOfficer({ session, name: EXAMINER, role: 'examiner', password: PASSWORD });
    await page.getByTestId('nav-exhibits').click();
    await page.getByTestId('nav-custody').click();
    await page.getByTestId('custody-filter-exhibit').selectOption('EXH-001');
    await page.getByTestId('custody-exhibit-custodian').getByText('Held by Sgt. Dara Sok').waitFor();
    await page.getByTestId('transfer-open').click();
    await page.getByTestId('transfer-to').selectOption(EXAMINER);
    await page.getByTestId('transfer-password').fill(PASSWORD);
    await page.getByTestId('transfer-reason').fill('to the forensic lab for examination');
    await shot(page, 'custody-4-custody-transfer-light');
    await page.getByTestId('transfer-submit').click();
    await page.getByTestId('custody-note').getByText(`now held by ${EXAMINER}`).waitFor();
    await page.getByTestId('custody-exhibit-custodian').getByText(`Held by ${EXAMINER}`).waitFor();
    assert.equal(env.service.getExhibit({ casePath, number: 'EXH-001' }).custodian, EXAMINER);
    const ev = env.service.custodyLog({ casePath, action: 'custody.transferred' });
    assert.equal(ev.length, 1);
    const d = ev[0]!.details as { from: string; to: string; signatures: { officer: string }[] };
    assert.deepEqual([d.from, d.to, d.signatures.map((s) => s.officer)], ['Sgt. Dara Sok', EXAMINER, ['Sgt. Dara Sok', EXAMINER]]);
    await page.locator(`[data-testid="custody-event"][data-seq="${ev[0]!.seq}"] [data-testid="event-action"]`).getByText('Custody transferred').waitFor();
    // The receiving officer's session was closed again after signing.
    assert.equal(env.service.custodyLog({ casePath, officer: EXAMINER, action: 'officer.signed-out' }).length, 1);
    assert.equal((await env.service.verifyCustody({ casePath })).transfers.verified, 1);
  });

  test('break the seal and reseal', async () => {
    const { page } = env;
    await page.getByTestId('custody-exhibit-seal').getByText('Seal S-0091 intact').waitFor();
    await page.getByTestId('seal-break-open').click();
    await page.getByTestId('seal-reason').fill('opened to photograph the device');
    await page.getByTestId('seal-submit').click();
    await page.getByTestId('custody-exhibit-seal').getByText('Seal S-0091 broken').waitFor();
    let ex = env.service.getExhibit({ casePath, number: 'EXH-001' });
    assert.deepEqual([ex.sealed, ex.seal_number], [0, 'S-0091']);
    await page.getByTestId('reseal-open').click();
    await page.getByTestId('seal-new').fill('S-0092');
    await page.getByTestId('seal-reason').fill('sealed again after photographs');
    await page.getByTestId('seal-submit').click();
    await page.getByTestId('custody-exhibit-seal').getByText('Seal S-0092 intact').waitFor();
    ex = env.service.getExhibit({ casePath, number: 'EXH-001' });
    assert.deepEqual([ex.sealed, ex.seal_number], [1, 'S-0092']);
    const actions = env.service.custodyLog({ casePath, exhibit: 'EXH-001', action: 'exhibit' }).map((e) => e.action);
    assert.deepEqual(actions.slice(-2), ['exhibit.seal-broken', 'exhibit.resealed']);
    await page.locator('[data-testid="event-action"]', { hasText: 'Seal broken' }).waitFor();
    await page.locator('[data-testid="event-action"]', { hasText: 'Resealed' }).waitFor();
  });

  test('sign a checkpoint', async () => {
    const { page } = env;
    const before = (await env.service.verifyCustody({ casePath })).checkpoints.verified;
    await page.getByTestId('checkpoint-open').click();
    await page.getByTestId('checkpoint-reason').fill('end of the examination day');
    await page.getByTestId('checkpoint-submit').click();
    const note = page.getByTestId('custody-note');
    await note.getByText('Checkpoint signed: it covers the log up to event').waitFor();
    const r = await env.service.verifyCustody({ casePath });
    assert.equal(r.checkpoints.verified, before + 1);
    const latest = r.checkpoints.latest!;
    assert.match((await note.textContent())!, new RegExp(`#${latest.seq}\\b`));
    assert.match((await note.textContent())!, /Receipt code \d+-[0-9a-f]+/);
    await page.getByTestId('custody-filter-action').selectOption('custody');
    await page.getByTestId('custody-filter-exhibit').selectOption('');
    const cpEvent = env.service.custodyLog({ casePath, action: 'custody.checkpoint' }).at(-1)!;
    assert.equal((cpEvent.details as { seq: number }).seq, latest.seq);
    await page.locator(`[data-testid="custody-event"][data-seq="${cpEvent.seq}"] [data-testid="event-action"]`).getByText('Checkpoint signed').waitFor();
    await shotBoth(page, 'custody-5-custody-actions');
  });

  test('the Japanese screen names the actions in Japanese', async () => {
    const { page } = env;
    await page.getByTestId('language').selectOption('ja');
    await page.getByTestId('custody-filter-clear').click();
    await page.locator('[data-testid="custody-event"][data-seq="1"] [data-testid="event-action"]').getByText('事件を作成').waitFor();
    const names = await page.getByTestId('event-action').allTextContents();
    for (const name of names) assert.doesNotMatch(name, /^[a-z]+\.[a-z-]+$/, `an action code shown as is: ${name}`);
    await page.getByTestId('custody-filter-action').selectOption('custody.transferred');
    await page.locator('[data-testid="event-action"]', { hasText: '保管者を引継ぎ' }).waitFor();
    assert.match((await page.getByTestId('nav-custody').textContent())!, /保管記録/);
    assert.match((await page.getByTestId('files-badge').textContent())!, /件のファイルに変更/);
    await shot(page, 'custody-6-custody-japanese-light');
    await page.getByTestId('custody-filter-clear').click();
    await page.getByTestId('language').selectOption('en');
  });

  test('a log of many pages: read a page at a time, scrolled to its end, jumped into, filtered', async () => {
    const { page } = env;
    // 1,500 more events written through the engine, each signed by its officer's session: 1,000
    // by the signed-in officer, then 500 by the examiner in a session of her own.
    const me = env.service.sessionInfo({ session }).officer!;
    const kase = (env.service as unknown as { caseAt(p: string): { db: Database.Database; custody: { append(e: object): unknown } } }).caseAt(casePath);
    const add = (officer: string, n: number) =>
      kase.db.transaction(() => {
        for (let k = 0; k < n; k++) kase.custody.append({ officer, action: k % 3 ? 'item.viewed' : 'item.tagged', target: `item:${(k % 5) + 1}`, details: { k } });
      })();
    add(me, 1000);
    const examiner = env.service.signIn({ casePath, officer: EXAMINER, password: PASSWORD });
    add(EXAMINER, 500);
    env.service.signOut({ session: examiner.session });
    const signed = await env.service.verifyCustody({ casePath });
    assert.equal(signed.ok, true, `the added events are signed: ${JSON.stringify(signed.findings.slice(0, 2))}`);
    const all = env.service.custodyLog({ casePath });
    const calls: { method: string; limit?: number; action?: string }[] = [];
    const onRequest = (r: import('playwright-core').Request) => {
      const m = /\/api\/(custodyLog|custodyPage)$/.exec(new URL(r.url()).pathname);
      if (m) calls.push({ method: m[1]!, ...(JSON.parse(r.postData() ?? '{}') as { limit?: number; action?: string }) });
    };
    page.on('request', onRequest);
    try {
      await page.reload();
      await page.getByTestId('nav-custody').click();
      await page.getByTestId('custody-status').getByText(`${all.length.toLocaleString('en')} events`).waitFor();
      await page.locator('[data-testid="custody-event"][data-seq="1"]').waitFor();
      // The scrollbar dragged to the middle: that page is asked for by its position.
      const log = page.getByTestId('custody-log');
      await log.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
      const mid = all[Math.floor(all.length / 2)]!.seq;
      await page.locator(`[data-testid="custody-event"][data-seq="${mid}"]`).waitFor();
      // To the end: the last event is there, and End on the keyboard selects it.
      await log.evaluate((el) => (el.scrollTop = el.scrollHeight));
      const last = all.at(-1)!;
      await page.locator(`[data-testid="custody-event"][data-seq="${last.seq}"]`).waitFor();
      await log.focus();
      await page.keyboard.press('End');
      await page.getByTestId('custody-event-detail').and(page.locator(`[data-seq="${last.seq}"]`)).waitFor();
      await shot(page, 'custody-8-long-log-end');
      // Back to the top from the keyboard, step by step from there.
      await page.keyboard.press('Home');
      await page.getByTestId('custody-event-detail').and(page.locator('[data-seq="1"]')).waitFor();
      await page.keyboard.press('ArrowDown');
      await page.getByTestId('custody-event-detail').and(page.locator(`[data-seq="${all[1]!.seq}"]`)).waitFor();
      // A filter over many pages: its count, and its last event at its end.
      await page.getByTestId('custody-filter-action').selectOption('item.tagged');
      const tagged = env.service.custodyLog({ casePath, action: 'item.tagged' });
      assert.ok(tagged.length > 400, 'more than two pages');
      await page.getByTestId('custody-status').getByText(`${tagged.length.toLocaleString('en')} events`).waitFor();
      await log.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.locator(`[data-testid="custody-event"][data-seq="${tagged.at(-1)!.seq}"]`).waitFor();
      for (const a of await page.getByTestId('event-action').allTextContents()) assert.equal(a, 'Item tagged');
      await page.getByTestId('custody-filter-clear').click();
      await page.getByTestId('custody-status').getByText(`${all.length.toLocaleString('en')} events`).waitFor();
    } finally {
      page.off('request', onRequest);
    }
    // Never the whole log at once: pages of 200.
    assert.ok(calls.length > 0);
    // (the header's files badge reads the last verify.run events, a filtered listing)
    assert.deepEqual(calls.filter((c) => c.method === 'custodyLog' && c.action !== 'verify.run'), []);
    for (const c of calls.filter((c) => c.method === 'custodyPage')) assert.equal(c.limit, 200);
  });

  test('the log edited in case.db: the broken badge opens the log at the event with the reason in words', async () => {
    const { page } = env;
    // As tamper-custody.test.ts (b): drop the append-only trigger and change one field of an event
    // deep in the log, one of the examiner's last session: the chain breaks there and her
    // session's signed record no longer covers it, so the first finding is deep in the log too
    // (pages after the first: the log must open on the page that holds it).
    const deep = env.service.custodyLog({ casePath, officer: EXAMINER, action: 'item.viewed' }).at(-100)!.seq;
    assert.ok(deep > 1000);
    const db = new Database(join(casePath, 'case.db'));
    try {
      db.exec('DROP TRIGGER custody_events_no_update');
      assert.equal(db.prepare("UPDATE custody_events SET officer = 'X' WHERE seq = ?").run(deep).changes, 1);
    } finally {
      db.close();
    }
    const report = await env.service.verifyCustody({ casePath });
    assert.equal(report.ok, false);
    const seq = report.findings[0]?.seq ?? report.chain.firstBad!.seq;
    assert.ok(seq > 1000 && seq <= deep, `the first finding (#${seq}) is deep in the log`);
    // The header finds it on its next look (here: the page opened again).
    await page.reload();
    const badge = page.getByTestId('chain-broken');
    await badge.getByText(`Chain broken at #${seq}`).waitFor({ timeout: 30_000 });
    await badge.click();
    await page.getByTestId('custody-view').waitFor();
    const banner = page.getByTestId('broken-reason');
    await banner.getByText(`The chain of custody is broken at event #${seq}`).waitFor();
    // The reason in words: what verification found there, not just a code.
    const what = report.findings.filter((f) => f.seq === seq).map((f) => f.what);
    assert.ok(what.length > 0 || report.chain.problems.some((p) => p.seq === seq));
    assert.match((await banner.textContent())!, /changed|removed|differs|rewritten/);
    // The event is selected, in view and marked.
    await page.getByTestId('custody-event-detail').and(page.locator(`[data-seq="${seq}"]`)).waitFor();
    const row = page.locator(`[data-testid="custody-event"][data-seq="${seq}"]`);
    await row.waitFor();
    assert.match((await row.getAttribute('class'))!, /\bbad\b/);
    assert.ok(await row.isVisible());
    await shotBoth(page, 'custody-7-custody-broken');
    // The stored copy changed in the first test is refused as content once the page is opened
    // again (preview-intact: its bytes no longer match the hash); that refusal is the app's own.
    const refusedChanged = (p: string) => /^HTTP 400: GET \S+\/api\/items\/\d+\/content\?/.test(p) || /^console: Failed to load resource: .*400 \(Bad Request\)$/.test(p);
    assert.deepEqual(env.problems.filter((p) => !refusedChanged(p)), []);
  });
});
