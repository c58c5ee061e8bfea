// Issue 9, defect 6: one sign-in attempt with an officer name holding a lone UTF-16 surrogate
// ("nobody \ud800"), through the browser host or the engine, used to write a custody event that
// could never verify again (SQLite stores UTF-8: the surrogate came back as U+FFFD, so the row no
// longer matched its hash), breaking an append-only log for good. The contract now refuses text
// that is not well-formed Unicode, NUL characters and over-long strings, with a plain USAGE
// error and nothing written; the custody log refuses such an event itself as well.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Case } from '../../src/core/case.ts';
import { EvidenceError } from '../../src/core/errors.ts';
import { startHost } from '../../src/host/server.ts';
import { InputError, LIMITS } from '../../src/shared/contract.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { newCase, tempDir, exhibitIn } from './helpers.ts';
import type { TestContext } from 'node:test';

const LONE = 'nobody \ud800';

function eventCount(casePath: string): number {
  const db = new Database(join(casePath, 'case.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM custody_events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Runs `fn`, expecting the contract's USAGE refusal naming `field`. */
function refused(fn: () => unknown, field: RegExp, why: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError || err instanceof EvidenceError, String(err));
    assert.equal((err as { code: string }).code, 'USAGE');
    assert.match((err as Error).message, field);
    assert.match((err as Error).message, why);
    return true;
  });
}

async function withItem(t: TestContext) {
  const tc = newCase(t);
  const exp = join(tempDir(t, 'evidence-export-'), 'export');
  mkdirSync(exp, { recursive: true });
  writeFileSync(join(exp, 'a.txt'), 'hello\n');
  await tc.service.ingest({ session: tc.session, sourcePath: exp, exhibit: exhibitIn(tc.service, tc.session) });
  return tc;
}

describe('the contract refuses malformed and over-long text; nothing is written', () => {
  test('sign-in through the engine with a lone surrogate: USAGE, no event, the log still verifies', async (t) => {
    const { service, casePath } = newCase(t);
    const before = eventCount(casePath);
    refused(() => service.signIn({ casePath, officer: LONE, password: TEST_PASSWORD }), /officer/, /not valid Unicode text/);
    refused(() => service.signIn({ casePath, officer: 'DS Tanaka', password: TEST_PASSWORD, location: `Phnom Penh \udc00` }), /location/, /not valid Unicode text/);
    assert.equal(eventCount(casePath), before, 'no custody event written');
    const v = await service.verifyCustody({ casePath });
    assert.equal(v.ok, true, JSON.stringify(v.findings));
  });

  test('sign-in through the browser host with a lone surrogate: the USAGE envelope, no event, verify passes', async (t) => {
    const { service, casePath } = newCase(t);
    const root = tempDir(t, 'evidence-host-');
    mkdirSync(join(root, 'renderer'));
    const host = await startHost({ service, rendererRoot: join(root, 'renderer'), dataDir: join(root, 'data'), browseRoot: root });
    t.after(() => host.close());
    const before = eventCount(casePath);
    // JSON.stringify writes the lone surrogate as the escape \ud800, as a browser would send it.
    const body = JSON.stringify({ casePath, officer: LONE, password: TEST_PASSWORD });
    assert.ok(body.includes('\\ud800'));
    const r = await fetch(`${host.origin}/api/signIn`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Evidence-Token': host.token },
      body,
    });
    const env = (await r.json()) as { ok: boolean; error?: { code: string; message: string } };
    assert.equal(env.ok, false);
    assert.equal(env.error?.code, 'USAGE');
    assert.match(env.error!.message, /officer: is not valid Unicode text/);
    assert.equal(eventCount(casePath), before);
    const verify = (await (
      await fetch(`${host.origin}/api/verifyCustody`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Evidence-Token': host.token },
        body: JSON.stringify({ casePath }),
      })
    ).json()) as { ok: boolean; value: { ok: boolean } };
    assert.equal(verify.value.ok, true);
  });

  test('a tag comment, a note, a reason or an exhibit field with a lone surrogate is refused', async (t) => {
    const { service, session, casePath } = await withItem(t);
    const before = eventCount(casePath);
    const tag = service.listTags({ session })[0]!.id;
    refused(() => service.tagItems({ session, tag, ids: [1], comment: `looks bad \ud83d` }), /comment/, /not valid Unicode text/);
    refused(() => service.addNote({ session, item: 1, text: '\udead' }), /text/, /not valid Unicode text/);
    refused(() => service.addExhibit({ session, number: 'EXH-1', seizedWhere: 'Room \ud800' }), /seizedWhere/, /not valid Unicode text/);
    refused(() => service.addExhibit({ session, number: 'EXH\u00001' }), /number/, /NUL/);
    refused(() => service.checkpoint({ session, reason: 'end of day \udbff' }), /reason/, /not valid Unicode text/);
    assert.equal(eventCount(casePath), before);
    // Well-formed text of every script, emoji included, is of course accepted.
    const ok = service.tagItems({ session, tag, ids: [1], comment: '受け渡し ការប្រគល់ 😀' });
    assert.deepEqual(ok.changed, [1]);
    assert.equal((await service.verifyCustody({ casePath })).ok, true);
  });

  test('length limits: names 200, locations 500, comments, notes and reasons 10,000', async (t) => {
    const { service, session, casePath } = await withItem(t);
    const before = eventCount(casePath);
    assert.deepEqual([LIMITS.name, LIMITS.location, LIMITS.text], [200, 500, 10_000]);
    refused(() => service.signIn({ casePath, officer: 'x'.repeat(201), password: TEST_PASSWORD }), /officer/, /at most 200 characters/);
    refused(() => service.signIn({ casePath, officer: 'DS Tanaka', password: TEST_PASSWORD, location: 'y'.repeat(501) }), /location/, /at most 500/);
    refused(() => service.addNote({ session, item: 1, text: 'n'.repeat(10_001) }), /text/, /at most 10000/);
    refused(() => service.addExhibit({ session, number: 'E'.repeat(201) }), /number/, /at most 200/);
    refused(() => service.recordSeal({ session, exhibit: 'EXH-1', action: 'broken', reason: 'r'.repeat(10_001) }), /reason/, /at most 10000/);
    assert.equal(eventCount(casePath), before);
    // At the limit is fine.
    const note = service.addNote({ session, item: 1, text: 'n'.repeat(10_000) });
    assert.equal(note.text.length, 10_000);
    assert.equal(service.addExhibit({ session, number: 'E'.repeat(200) }).number.length, 200);
  });

  test('defence in depth: the custody log itself refuses an event it could not read back as hashed', (t) => {
    const { casePath, service } = newCase(t);
    service.close();
    const c = Case.open(casePath);
    try {
      const before = eventCount(casePath);
      for (const ev of [
        { officer: LONE, action: 'officer.sign-in-refused' },
        { officer: 'DS Tanaka', action: 'item.tagged', reason: 'why \udc00' },
        { officer: 'DS Tanaka', action: 'note.added', target: 'item:1', details: { text: ['ok', { deep: 'x\ud800' }] } },
        { officer: 'DS Tanaka', action: 'note.added', details: { ['key\ud800']: 1 } },
      ]) {
        assert.throws(
          () => c.custody.append(ev),
          (err: unknown) => err instanceof EvidenceError && err.code === 'USAGE' && /not valid Unicode text/.test(err.message),
        );
      }
      assert.equal(eventCount(casePath), before, 'nothing written');
    } finally {
      c.close();
    }
  });
});
