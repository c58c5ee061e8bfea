// Signed checkpoints and `evidence custody verify` against a real case.db that an attacker has
// edited: each tamper case is named in plain words with the first bad sequence number. The
// chain-editing basics (edited row, forged self-consistent row) are in tamper-custody.test.ts;
// here the attacks are the ones only checkpoints, keys and signatures catch, plus the
// documented checkpoint statement checked with openssl.
import './custody-helpers.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { hasTool, runCli } from './helpers.ts';
import { type EventRow, details, ed25519Verifies, events, rechain, sortedJson, withDb, writePem } from './custody-helpers.ts';
import { EvidenceService } from '../../src/core/service.ts';
import { keyFingerprint } from '../../src/core/officers/crypto.ts';

interface Finding {
  seq: number;
  what: string;
  message: string;
}
interface Report {
  ok: boolean;
  chain: { ok: boolean; events: number; headSeq: number };
  checkpoints: { total: number; verified: number };
  transfers: { total: number; verified: number };
  findings: Finding[];
}
interface CheckpointRow {
  id: number;
  seq: number;
  head_hash: string;
  at_utc: string;
  officer: string;
  public_key: string;
  statement: string;
  signature: string;
}

const SOK = 'Sok Dara';
const SOK_PW = 'sok-dara-password-7';

/** `evidence custody verify` twice (text and JSON), in process. */
async function verify(dir: string): Promise<{ code: number; text: string; report: Report }> {
  const text = await runCli(['custody', 'verify', dir]);
  const json = await runCli(['custody', 'verify', dir, '--json']);
  assert.equal(json.code, text.code);
  return { code: text.code, text: text.out, report: JSON.parse(json.out) as Report };
}

function checkpoints(dir: string): CheckpointRow[] {
  return withDb(dir, (db) => db.prepare('SELECT * FROM checkpoints ORDER BY id').all() as CheckpointRow[]);
}

function seqOf(dir: string, pred: (e: EventRow) => boolean): number {
  const e = events(dir).find(pred);
  assert.ok(e, 'event found');
  return e.seq;
}

function sqlite3(dir: string, sql: string): void {
  const r = spawnSync('sqlite3', [join(dir, 'case.db')], { input: sql, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** Asserts a failed verification whose first finding is `what` at `seq`, printed as the CLI does. */
function assertFirst(v: { code: number; text: string; report: Report }, what: string, seq: number, message: RegExp): void {
  assert.equal(v.code, 1, v.text);
  assert.equal(v.report.ok, false);
  const f = v.report.findings[0]!;
  assert.deepEqual([f.what, f.seq], [what, seq], JSON.stringify(v.report.findings, null, 1));
  assert.match(f.message, message);
  assert.ok(v.text.includes(`  ! event ${seq}: ${f.message}`), v.text);
  assert.match(v.text, /Custody verification FAILED$/);
}

describe('checkpoints and custody verify', { concurrency: false }, () => {
  let work: string;
  let template: string;
  let n = 0;
  const copy = (): string => {
    const dst = join(work, `attack-${++n}`);
    cpSync(template, dst, { recursive: true });
    return dst;
  };

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'ev-checkpoints-'));
    template = join(work, 'template');
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    try {
      service.createCase({ casePath: template, name: 'Operation Sakura', number: 'KH-2026-0142', officer: 'DS Tanaka', password: TEST_PASSWORD });
      const admin = service.signIn({ casePath: template, officer: 'DS Tanaka', password: TEST_PASSWORD }).session;
      service.checkpoint({ session: admin, reason: 'start of shift' }); // checkpoint 1, before everything below
      service.addOfficer({ session: admin, name: SOK, role: 'officer', password: SOK_PW });
      service.addOfficer({ session: admin, name: 'Insp. Kenji Sato', role: 'examiner', password: 'sato-password-12' });
      service.addExhibit({ session: admin, number: 'EXH-001', sealNumber: 'S-0091', deviceMake: 'Apple', deviceModel: 'iPhone 13' });
      const sok = service.signIn({ casePath: template, officer: SOK, password: SOK_PW }).session;
      service.transferCustody({ session: admin, toSession: sok, exhibit: 'EXH-001', reason: 'to the forensic lab' });
      service.recordSeal({ session: sok, exhibit: 'EXH-001', action: 'broken', reason: 'to image the device' });
      service.signOut({ session: sok }); // checkpoint 2
      service.checkpoint({ session: admin }); // checkpoint 3
      service.signOut({ session: admin }); // checkpoint 4
    } finally {
      service.close();
    }
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the untouched case verifies: every checkpoint and the transfer', async () => {
    const v = await verify(copy());
    assert.equal(v.code, 0, v.text);
    assert.equal(v.report.ok, true);
    assert.deepEqual(v.report.findings, []);
    assert.deepEqual(v.report.checkpoints, { ...v.report.checkpoints, total: 4, verified: 4 });
    assert.deepEqual(v.report.transfers, { total: 1, verified: 1 });
    assert.match(v.text, /Custody chain: \d+ events, every hash links/);
    assert.match(v.text, /Checkpoints: +4 of 4 verify \(latest: #4 at event \d+, signed by DS Tanaka /);
    assert.match(v.text, /Transfers: +1 of 1 carry both signatures/);
    assert.match(v.text, /Custody verification PASSED$/);
    // Each checkpoint is recorded by the very next event.
    const ev = events(template);
    for (const cp of checkpoints(template)) {
      const next = ev.find((e) => e.seq === cp.seq + 1)!;
      assert.equal(next.action, 'custody.checkpoint');
      assert.equal(next.target, `checkpoint:${cp.id}`);
      assert.equal(details(next).head_hash, cp.head_hash);
      assert.equal(ev.find((e) => e.seq === cp.seq)!.hash, cp.head_hash);
    }
  });

  test('an edited row (trigger dropped, edited with sqlite3): "event N was altered"', { skip: hasTool('sqlite3') ? false : 'sqlite3 is not installed' }, async () => {
    const dir = copy();
    const seq = seqOf(dir, (e) => e.action === 'officer.added' && e.target === `officer:${SOK}`);
    sqlite3(dir, `DROP TRIGGER custody_events_no_update; UPDATE custody_events SET details = replace(details, '"role":"officer"', '"role":"admin"') WHERE seq = ${seq};`);
    assert.match(events(dir).find((e) => e.seq === seq)!.details, /"role":"admin"/);
    const v = await verify(dir);
    assertFirst(v, 'chain-broken', seq, new RegExp(`^custody event ${seq} was altered after it was written: its content no longer matches its hash$`));
    assert.match(v.text, new RegExp(`Custody chain: \\d+ events, BROKEN at event ${seq}`));
  });

  test('a deleted middle row: "event N is missing"', async () => {
    const dir = copy();
    const seq = seqOf(dir, (e) => e.action === 'exhibit.recorded');
    withDb(dir, (db) => db.exec(`DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq = ${seq}`));
    const v = await verify(dir);
    assertFirst(v, 'chain-broken', seq, new RegExp(`^custody event ${seq} is missing \\(the log jumps from ${seq - 1} to ${seq + 1}\\): rows were deleted$`));
  });

  test('deleted tail rows, against a checkpoint: "the log ends at event N, but checkpoint K vouches for M events"', async () => {
    const dir = copy();
    const cp2 = checkpoints(dir)[1]!;
    const keep = cp2.seq - 3;
    withDb(dir, (db) => db.exec(`DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq > ${keep}`));
    const v = await verify(dir);
    assert.equal(v.report.chain.ok, true, 'what is left still links');
    assertFirst(v, 'tail-deleted', keep + 1, new RegExp(`^the log ends at event ${keep}, but checkpoint 2 vouches for ${cp2.seq} events: events ${keep + 1} to ${cp2.seq} \\(at least\\) were deleted$`));
    assert.ok(v.report.findings.every((f) => f.what === 'tail-deleted'), 'checkpoints 2, 3 and 4 each say so');
    assert.equal(v.report.checkpoints.verified, 1, 'checkpoint 1 still verifies');
  });

  test('only the last rows deleted (the final checkpoint\'s own event and the sign-out): caught by the checkpoint row', async () => {
    const dir = copy();
    const last = checkpoints(dir).at(-1)!;
    withDb(dir, (db) => db.exec(`DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq > ${last.seq}`));
    const v = await verify(dir);
    assert.equal(v.report.chain.ok, true);
    assertFirst(v, 'tail-deleted', last.seq + 1, new RegExp(`^the log ends at event ${last.seq}, but checkpoint 4 was recorded as event ${last.seq + 1}: events from ${last.seq + 1} on were deleted$`));
  });

  test('a fully re-chained log: the signed heads no longer match, and re-writing them breaks the signatures', async () => {
    const dir = copy();
    const [cp1, cp2, cp3, cp4] = checkpoints(dir);
    const edited = seqOf(dir, (e) => e.action === 'officer.added' && e.target === `officer:${SOK}`);
    assert.ok(edited > cp1!.seq + 1, 'the edit lies after checkpoint 1');
    rechain(dir, edited, (r) => (r.seq === edited ? { ...r, details: r.details.replace('"role":"officer"', '"role":"admin"') } : r));
    let v = await verify(dir);
    assert.equal(v.report.chain.ok, true, 'every hash links again');
    assert.match(v.text, /every hash links/);
    // Somewhere after checkpoint 1's head (the last event still vouched for) and up to each checkpoint.
    const from = cp1!.seq + 1;
    assertFirst(v, 'rewritten', from, new RegExp(`^event ${cp2!.seq} is not the one checkpoint 2 signed: the log was re-written \\(hashes recomputed\\) somewhere in events ${from} to ${cp2!.seq}$`));
    assert.deepEqual(
      v.report.findings.map((f) => [f.what, f.seq]),
      [['rewritten', from], ['rewritten', from], ['rewritten', from]],
    );
    assert.ok(v.report.findings.some((f) => f.message.includes(`event ${cp4!.seq} is not the one checkpoint 4 signed`)));
    assert.equal(v.report.checkpoints.verified, 1);

    // The attacker also puts the new head hashes into the checkpoint rows: the statement no longer
    // matches its signature.
    const heads = new Map(events(dir).map((e) => [e.seq, e.hash]));
    withDb(dir, (db) => {
      db.exec('DROP TRIGGER checkpoints_no_update');
      for (const cp of [cp2!, cp3!, cp4!]) db.prepare('UPDATE checkpoints SET head_hash = ? WHERE id = ?').run(heads.get(cp.seq), cp.id);
    });
    v = await verify(dir);
    assertFirst(v, 'bad-signature', cp2!.seq, new RegExp(`^checkpoint 2 \\(event ${cp2!.seq}, signed by Sok Dara\\) has a signature that does not verify`));
    assert.deepEqual(v.report.findings.map((f) => f.what), ['bad-signature', 'bad-signature', 'bad-signature']);

    // And the statements too (as the README documents them): still no valid signature without the key.
    withDb(dir, (db) => {
      for (const cp of checkpoints(dir).slice(1)) {
        const uuid = (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid;
        const st = sortedJson({ type: 'evidence-catalogue/custody-checkpoint', version: 1, case: uuid, seq: cp.seq, head_hash: cp.head_hash, at_utc: cp.at_utc, officer: cp.officer, public_key: cp.public_key });
        db.prepare('UPDATE checkpoints SET statement = ? WHERE id = ?').run(st, cp.id);
      }
    });
    v = await verify(dir);
    assert.deepEqual(v.report.findings.map((f) => [f.what, f.seq]), [['bad-signature', cp2!.seq], ['bad-signature', cp3!.seq], ['bad-signature', cp4!.seq]]);
  });

  test('a checkpoint signed by a key not registered in the case: "signed by a key that is not registered"', async () => {
    const dir = copy();
    const head = events(dir).at(-1)!;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const uuid = withDb(dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    const at = new Date().toISOString();
    const statement = sortedJson({ type: 'evidence-catalogue/custody-checkpoint', version: 1, case: uuid, seq: head.seq, head_hash: head.hash, at_utc: at, officer: 'DS Tanaka', public_key: spki });
    const signature = sign(null, Buffer.from(statement), privateKey).toString('base64');
    assert.ok(ed25519Verifies(spki, statement, signature), 'a proper, validly signed statement');
    withDb(dir, (db) => {
      db.exec('DROP TRIGGER checkpoints_no_replace; DROP TRIGGER checkpoints_no_update');
      db.prepare('INSERT INTO checkpoints (seq, head_hash, at_utc, officer, public_key, statement, signature) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        head.seq,
        head.hash,
        at,
        'DS Tanaka',
        spki,
        statement,
        signature,
      );
    });
    const v = await verify(dir);
    assertFirst(v, 'unknown-key', head.seq, new RegExp(`^checkpoint 5 \\(event ${head.seq}\\) is signed by a key that is not registered to DS Tanaka in this case \\(fingerprint ${keyFingerprint(spki)}\\)$`));
    assert.equal(v.report.findings.length, 1);
    assert.deepEqual([v.report.checkpoints.total, v.report.checkpoints.verified], [5, 4]);
  });

  test('a key slipped into officer_keys (never announced by officer.added) is named, and nothing it signs counts', async () => {
    const dir = copy();
    const head = events(dir).at(-1)!;
    const added = seqOf(dir, (e) => e.action === 'officer.added' && e.target === `officer:${SOK}`);
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    withDb(dir, (db) => db.prepare('INSERT INTO officer_keys (public_key, officer, created_at) VALUES (?, ?, ?)').run(spki, SOK, new Date().toISOString()));
    let v = await verify(dir);
    assertFirst(v, 'unannounced-key', added, new RegExp(`^the signing key ${keyFingerprint(spki)} registered to Sok Dara in officer_keys was never announced by an officer\\.added custody event`));
    assert.equal(v.report.findings.length, 1);

    // Now sign a checkpoint with it, as the officer it was slipped in for.
    const uuid = withDb(dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    const at = new Date().toISOString();
    const statement = sortedJson({ type: 'evidence-catalogue/custody-checkpoint', version: 1, case: uuid, seq: head.seq, head_hash: head.hash, at_utc: at, officer: SOK, public_key: spki });
    withDb(dir, (db) =>
      db
        .prepare('INSERT INTO checkpoints (seq, head_hash, at_utc, officer, public_key, statement, signature) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(head.seq, head.hash, at, SOK, spki, statement, sign(null, Buffer.from(statement), privateKey).toString('base64')),
    );
    v = await verify(dir);
    assert.deepEqual(
      v.report.findings.map((f) => [f.what, f.seq]),
      [['unknown-key', head.seq], ['unannounced-key', head.seq]],
    );
    assert.equal(v.report.checkpoints.verified, 4);
  });

  test('a deleted checkpoint row: the custody.checkpoint event still names it', async () => {
    const dir = copy();
    const cp2 = checkpoints(dir)[1]!;
    withDb(dir, (db) => db.exec('DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints WHERE id = 2'));
    const v = await verify(dir);
    assertFirst(v, 'checkpoint-missing', cp2.seq + 1, new RegExp(`^checkpoint 2, recorded at event ${cp2.seq + 1}, is missing from the checkpoints table \\(deleted\\)$`));
    assert.equal(v.report.findings.length, 1);
    assert.deepEqual([v.report.checkpoints.total, v.report.checkpoints.verified], [3, 3]);
  });

  test('a checkpoint row swapped for another of the same officer is not the one its event recorded', async () => {
    const dir = copy();
    const [, cp2, cp3] = checkpoints(dir);
    assert.equal(cp3!.officer, 'DS Tanaka');
    // Give checkpoint 3 the content of checkpoint 4 (same officer, validly signed, wrong place).
    withDb(dir, (db) => {
      db.exec('DROP TRIGGER checkpoints_no_update');
      db.prepare('UPDATE checkpoints SET seq = (SELECT seq FROM checkpoints WHERE id = 4), head_hash = (SELECT head_hash FROM checkpoints WHERE id = 4), at_utc = (SELECT at_utc FROM checkpoints WHERE id = 4), statement = (SELECT statement FROM checkpoints WHERE id = 4), signature = (SELECT signature FROM checkpoints WHERE id = 4) WHERE id = 3').run();
    });
    const v = await verify(dir);
    const cp4 = checkpoints(dir)[3]!;
    assertFirst(v, 'checkpoint-altered', cp4.seq + 1, new RegExp(`^checkpoint 3 says it was recorded at event ${cp4.seq + 1}, but that event is custody\\.checkpoint checkpoint:4: the checkpoints table or the log was edited$`));
    assert.equal(v.report.findings.length, 1);
    assert.ok(cp3!.seq > cp2!.seq);
  });

  test('a transfer whose signature was altered: named at the transfer, with whose signature fails', async () => {
    const flip = (r: EventRow): EventRow => {
      const d = details(r) as { signatures: { officer: string; signature: string }[] };
      const s = d.signatures.find((x) => x.officer === SOK)!;
      const b = Buffer.from(s.signature, 'base64');
      b[10]! ^= 0x01;
      s.signature = b.toString('base64');
      return { ...r, details: sortedJson(d) };
    };
    // (a) edited in place, trigger dropped: the chain breaks there and the signature fails there.
    let dir = copy();
    const seq = seqOf(dir, (e) => e.action === 'custody.transferred');
    const row = events(dir).find((e) => e.seq === seq)!;
    withDb(dir, (db) => {
      db.exec('DROP TRIGGER custody_events_no_update');
      db.prepare('UPDATE custody_events SET details = ? WHERE seq = ?').run(flip(row).details, seq);
    });
    let v = await verify(dir);
    assertFirst(v, 'chain-broken', seq, /was altered after it was written/);
    const tf = v.report.findings.find((f) => f.what === 'transfer-signature')!;
    assert.equal(tf.seq, seq);
    assert.equal(tf.message, `the custody transfer at event ${seq} does not carry two valid officer signatures: the signature of Sok Dara does not verify`);
    assert.match(v.text, /Transfers: +0 of 1 carry both signatures/);

    // (b) and with the chain recomputed: the signature check does not depend on the chain.
    dir = copy();
    rechain(dir, seq, (r) => (r.seq === seq ? flip(r) : r));
    v = await verify(dir);
    assert.equal(v.report.chain.ok, true);
    const kinds = v.report.findings.map((f) => [f.what, f.seq]);
    assert.deepEqual(kinds.find((k) => k[0] === 'transfer-signature'), ['transfer-signature', seq]);
    assert.ok(kinds.some((k) => k[0] === 'rewritten'), 'and the checkpoints after it no longer match');

    // (c) one officer's signature given twice: two signatures, but not both officers.
    dir = copy();
    rechain(dir, seq, (r) => {
      if (r.seq !== seq) return r;
      const d = details(r) as { signatures: unknown[] };
      d.signatures = [d.signatures[0], d.signatures[0]];
      return { ...r, details: sortedJson(d) };
    });
    v = await verify(dir);
    assert.match(v.report.findings.find((f) => f.what === 'transfer-signature')!.message, /more than one signature of DS Tanaka; .*no signature of Sok Dara/);
  });

  test('the checkpoint statement is the README\'s canonical JSON, and openssl verifies its signature', async (t) => {
    const cp = checkpoints(template)[1]!;
    const uuid = withDb(template, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    // Version 2 (issue 10): the session's first event (Sok Dara's sign-in), every officer's key
    // fingerprint, the witness folders, and that a sign-out follows.
    const from = events(template).filter((e) => e.action === 'officer.signed-in' && e.officer === SOK && e.seq <= cp.seq).at(-1)!.seq;
    const keys = withDb(template, (db) => db.prepare('SELECT officer, public_key FROM officer_keys').all()) as { officer: string; public_key: string }[];
    const officers = sortedJson(Object.fromEntries(keys.map((k) => [k.officer, keyFingerprint(k.public_key)])));
    const expected =
      `{"at_utc":${JSON.stringify(cp.at_utc)},"case":"${uuid}","from_seq":${from},"head_hash":"${cp.head_hash}","key_fingerprint":"${keyFingerprint(cp.public_key)}",` +
      `"officer":"Sok Dara","officers":${officers},"public_key":"${cp.public_key}","seq":${cp.seq},"sign_out":true,` +
      `"type":"evidence-catalogue/custody-checkpoint","version":2,"witnesses":[]}`;
    assert.equal(cp.statement, expected);
    const registered = withDb(template, (db) => db.prepare('SELECT officer FROM officer_keys WHERE public_key = ?').get(cp.public_key)) as { officer: string };
    assert.equal(registered.officer, SOK);
    assert.ok(ed25519Verifies(cp.public_key, cp.statement, cp.signature), 'node:crypto verifies it');
    if (!hasTool('openssl')) {
      t.skip('openssl is not installed (apt-get install openssl): the signature was checked with node:crypto only');
      return;
    }
    const dir = join(work, 'openssl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'statement.txt'), cp.statement);
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(cp.signature, 'base64'));
    writePem(join(dir, 'signer.pem'), cp.public_key);
    const ossl = (statement: string) =>
      spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'signer.pem', '-rawin', '-in', statement, '-sigfile', 'sig.bin'], { cwd: dir, encoding: 'utf8' });
    const ok = ossl('statement.txt');
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /Signature Verified Successfully/);
    writeFileSync(join(dir, 'forged.txt'), cp.statement.replace(`"seq":${cp.seq}`, `"seq":${cp.seq - 1}`));
    const bad = ossl('forged.txt');
    assert.notEqual(bad.status, 0, 'a changed statement fails');
    assert.match(bad.stdout + bad.stderr, /Signature Verification Failure/);
  });
});
