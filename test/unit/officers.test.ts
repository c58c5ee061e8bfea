// Officer accounts against a real case.db: scrypt + Ed25519 secrets (nothing secret stored in
// clear), sign-in, wrong passwords, locking and unlocking, disabled and unknown officers, names
// recorded before accounts existed, every attempt in the custody log, and roles enforced by the
// service itself (not by a front door), with exit code 6 from the CLI.
import './custody-helpers.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createPrivateKey, createPublicKey, scryptSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { newCase, runCli, tempDir } from './helpers.ts';
import { actions, details, events, rejectsCode, throwsCode, withDb } from './custody-helpers.ts';
import { DEFAULT_SCRYPT_N } from '../../src/core/officers/crypto.ts';
import { MAX_FAILED_SIGN_INS } from '../../src/core/officers/accounts.ts';
import type { EvidenceService } from '../../src/core/service.ts';

const SOK = 'Sok Dara';
const SOK_PW = 'sok-dara-password-7';

function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

function lastEvent(casePath: string) {
  const all = events(casePath);
  return all[all.length - 1]!;
}

function add(service: EvidenceService, session: string, name: string, role: 'officer' | 'examiner' | 'reviewer' | 'admin', password = `${name}-pw-1234`) {
  return service.addOfficer({ session, name, role, password });
}

test('an officer account: scrypt verifier and an Ed25519 key stored only wrapped under the password', (t) => {
  const { service, casePath, session } = newCase(t);
  const added = service.addOfficer({ session, name: SOK, badge: 'KH-4471', unit: 'Cyber Crime Unit', role: 'officer', password: SOK_PW });
  assert.equal(added.role, 'officer');
  assert.equal(added.status, 'active');
  assert.equal(added.hasPassword, true);
  assert.match(added.keyFingerprint!, /^[0-9a-f]{16}$/);
  assert.equal(DEFAULT_SCRYPT_N, 2 ** 17, 'the real cost stays 2^17 (tests lower it)');

  const row = withDb(casePath, (db) => db.prepare('SELECT * FROM officers WHERE name = ?').get(SOK)) as {
    badge: string;
    unit: string;
    role: string;
    secrets: string;
    created_by: string;
  };
  assert.equal(row.badge, 'KH-4471');
  assert.equal(row.unit, 'Cyber Crime Unit');
  assert.equal(row.created_by, 'DS Tanaka');
  const s = JSON.parse(row.secrets) as {
    kdf: { N: number; r: number; p: number; salt: string };
    verifier: string;
    publicKey: string;
    wrappedKey: { iv: string; tag: string; data: string };
  };
  assert.deepEqual({ N: s.kdf.N, r: s.kdf.r, p: s.kdf.p }, { N: TEST_SCRYPT_N, r: 8, p: 1 });
  assert.equal(Buffer.from(s.kdf.salt, 'base64').length, 16);
  const pub = createPublicKey({ key: Buffer.from(s.publicKey, 'base64'), format: 'der', type: 'spki' });
  assert.equal(pub.asymmetricKeyType, 'ed25519');

  // Re-derive as documented, with node:crypto only: 64 bytes of scrypt, the first half the
  // verifier, the second the AES-256-GCM key that unwraps the PKCS#8 private key.
  const out = scryptSync(SOK_PW, Buffer.from(s.kdf.salt, 'base64'), 64, { N: s.kdf.N, r: s.kdf.r, p: s.kdf.p, maxmem: 64 * 1024 * 1024 });
  assert.equal(out.subarray(0, 32).toString('base64'), s.verifier);
  const d = createDecipheriv('aes-256-gcm', out.subarray(32), Buffer.from(s.wrappedKey.iv, 'base64'));
  d.setAuthTag(Buffer.from(s.wrappedKey.tag, 'base64'));
  const pkcs8 = Buffer.concat([d.update(Buffer.from(s.wrappedKey.data, 'base64')), d.final()]);
  const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  assert.equal(
    createPublicKey(priv).export({ type: 'spki', format: 'der' }).toString('base64'),
    s.publicKey,
    'the wrapped private key belongs to the stored public key',
  );
  // The registered key is the announced one.
  const keys = withDb(casePath, (db) => db.prepare('SELECT public_key, officer FROM officer_keys WHERE officer = ?').all(SOK)) as { public_key: string }[];
  assert.deepEqual(keys.map((k) => k.public_key), [s.publicKey]);
  const ev = events(casePath).find((e) => e.action === 'officer.added' && e.target === `officer:${SOK}`)!;
  assert.deepEqual(details(ev), { name: SOK, badge: 'KH-4471', unit: 'Cyber Crime Unit', role: 'officer', keyFingerprint: added.keyFingerprint });
  assert.equal(ev.officer, 'DS Tanaka');

  // Nothing secret in the bytes of the case folder (database, WAL, store).
  service.close();
  const seed = pkcs8.subarray(pkcs8.length - 32); // the raw Ed25519 private key
  const needles: [string, Buffer][] = [
    ['the PKCS#8 DER', pkcs8],
    ['the PKCS#8 DER in base64', Buffer.from(pkcs8.toString('base64'))],
    ['the raw private key', seed],
    ['the raw private key in base64', Buffer.from(seed.toString('base64'))],
    ['the raw private key in hex', Buffer.from(seed.toString('hex'))],
    ['the password', Buffer.from(SOK_PW)],
    ['the admin password', Buffer.from(TEST_PASSWORD)],
    ['the AES key', out.subarray(32)],
    ['the AES key in base64', Buffer.from(out.subarray(32).toString('base64'))],
  ];
  const files = allFiles(casePath);
  assert.ok(files.some((f) => f.endsWith('case.db')));
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const [what, needle] of needles) assert.equal(bytes.indexOf(needle), -1, `${what} is not in ${f}`);
  }
  assert.deepEqual(readdirSync(join(casePath, 'keys')), [], 'keys/ holds nothing');
});

test('sign-in: the right password works; every attempt is a custody event', (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: SOK, role: 'officer', password: SOK_PW });
  const r = service.signIn({ casePath, officer: SOK, password: SOK_PW, location: 'Sihanoukville station' });
  assert.equal(r.officer, SOK);
  assert.equal(r.role, 'officer');
  assert.match(r.session, /^[0-9a-f]{64}$/);
  const ev = lastEvent(casePath);
  assert.equal(ev.action, 'officer.signed-in');
  assert.equal(ev.officer, SOK);
  assert.equal(ev.target, `officer:${SOK}`);
  assert.deepEqual(details(ev), { role: 'officer', location: 'Sihanoukville station' });
  // Sign-out: a signed checkpoint, then the event.
  const cp = service.signOut({ session: r.session });
  assert.equal(cp.officer, SOK);
  assert.deepEqual(actions(casePath).slice(-2), ['custody.checkpoint', 'officer.signed-out']);
  throwsCode(() => service.checkpoint({ session: r.session }), 'AUTH_FAILED', /Not signed in/);
});

test('wrong passwords: AUTH_FAILED with the count, locked at the fifth, even the right password then fails; enable unlocks', (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: SOK, role: 'officer', password: SOK_PW });
  assert.equal(MAX_FAILED_SIGN_INS, 5);
  // A success resets the count.
  throwsCode(() => service.signIn({ casePath, officer: SOK, password: 'wrong-password-0' }), 'AUTH_FAILED', /Wrong password for Sok Dara \(1 of 5 attempts/);
  service.signIn({ casePath, officer: SOK, password: SOK_PW });
  for (let i = 1; i <= 4; i++) {
    throwsCode(
      () => service.signIn({ casePath, officer: SOK, password: `wrong-password-${i}` }),
      'AUTH_FAILED',
      new RegExp(`Wrong password for Sok Dara \\(${i} of 5 attempts before the account locks\\)`),
    );
    const ev = lastEvent(casePath);
    assert.equal(ev.action, 'officer.sign-in-failed');
    assert.equal(ev.officer, SOK);
    assert.equal(details(ev).failedInARow, i);
  }
  throwsCode(() => service.signIn({ casePath, officer: SOK, password: 'wrong-password-5' }), 'OFFICER_LOCKED', /now locked after 5 failures/);
  assert.equal(lastEvent(casePath).action, 'officer.locked');
  assert.equal(details(lastEvent(casePath)).failedInARow, 5);
  assert.equal(service.listOfficers({ casePath }).find((o) => o.name === SOK)!.status, 'locked');

  // Locked: the right password fails too (and is recorded, without a password check).
  throwsCode(() => service.signIn({ casePath, officer: SOK, password: SOK_PW }), 'OFFICER_LOCKED', /is locked after 5 wrong passwords.*officer enable/);
  assert.equal(lastEvent(casePath).action, 'officer.sign-in-refused');
  assert.equal(details(lastEvent(casePath)).why, 'account locked');

  // The admin unlocks (officer enable): recorded as an unlock, with the reason.
  const o = service.setOfficerStatus({ session, name: SOK, status: 'active', reason: 'identity confirmed by phone' });
  assert.equal(o.status, 'active');
  const un = lastEvent(casePath);
  assert.equal(un.action, 'officer.unlocked');
  assert.equal(un.officer, 'DS Tanaka');
  assert.equal(un.reason, 'identity confirmed by phone');
  assert.deepEqual(details(un), { previous: 'locked', status: 'active', failedInARow: 0 });
  service.signIn({ casePath, officer: SOK, password: SOK_PW });
  // The count starts again from zero.
  throwsCode(() => service.signIn({ casePath, officer: SOK, password: 'wrong-again-1' }), 'AUTH_FAILED', /\(1 of 5/);

  const trail = events(casePath)
    .filter((e) => e.target === `officer:${SOK}`)
    .map((e) => e.action);
  assert.deepEqual(trail, [
    'officer.added',
    'officer.sign-in-failed',
    'officer.signed-in',
    'officer.sign-in-failed',
    'officer.sign-in-failed',
    'officer.sign-in-failed',
    'officer.sign-in-failed',
    'officer.locked',
    'officer.sign-in-refused',
    'officer.unlocked',
    'officer.signed-in',
    'officer.sign-in-failed',
  ]);
});

test('`evidence officer enable` unlocks a locked account (CLI)', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: SOK, role: 'officer', password: SOK_PW });
  for (let i = 0; i < 5; i++) assert.throws(() => service.signIn({ casePath, officer: SOK, password: 'not-the-password' }));
  const locked = await runCli(['officer', 'ls', casePath]);
  assert.match(locked.out, /Sok Dara\s+officer\s+locked/);
  const r = await runCli(['officer', 'enable', casePath, SOK, '--reason', 'called in person', '--officer', 'DS Tanaka']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Sok Dara is now active/);
  assert.ok(actions(casePath).includes('officer.unlocked'));
  const s = service.signIn({ casePath, officer: SOK, password: SOK_PW });
  assert.equal(s.officer, SOK);
  // Disable, then the CLI refuses the officer with exit 6.
  const d = await runCli(['officer', 'disable', casePath, SOK, '--reason', 'left the unit', '--officer', 'DS Tanaka']);
  assert.equal(d.code, 0, d.err);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'pw'), `${SOK_PW}\n`);
  const refused = await runCli(['custody', 'checkpoint', casePath, '--officer', SOK, '--password-file', join(dir, 'pw')]);
  assert.equal(refused.code, 6);
  assert.match(refused.err, /The account of Sok Dara is disabled/);
});

test('a disabled officer cannot sign in, and a live session ends with the account', (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: SOK, role: 'officer', password: SOK_PW });
  const live = service.signIn({ casePath, officer: SOK, password: SOK_PW });
  throwsCode(() => service.setOfficerStatus({ session, name: 'DS Tanaka', status: 'disabled', reason: 'x' }), 'USAGE', /cannot disable your own account/);
  service.setOfficerStatus({ session, name: SOK, status: 'disabled', reason: 'suspended pending inquiry' });
  assert.equal(lastEvent(casePath).action, 'officer.disabled');
  throwsCode(() => service.signIn({ casePath, officer: SOK, password: SOK_PW }), 'OFFICER_DISABLED', /The account of Sok Dara is disabled/);
  assert.equal(lastEvent(casePath).action, 'officer.sign-in-refused');
  assert.equal(details(lastEvent(casePath)).why, 'account disabled');
  // The session opened before: refused for work, still allowed to sign out.
  throwsCode(() => service.addExhibit({ session: live.session, number: 'EXH-001' }), 'OFFICER_DISABLED');
  service.signOut({ session: live.session });
  // Enabled again (not an unlock: it was disabled).
  service.setOfficerStatus({ session, name: SOK, status: 'active', reason: 'inquiry closed' });
  assert.equal(lastEvent(casePath).action, 'officer.enabled');
  service.signIn({ casePath, officer: SOK, password: SOK_PW });
});

test('unknown officers and names recorded before accounts cannot sign in until added', (t) => {
  const { service, casePath, session } = newCase(t);
  throwsCode(() => service.signIn({ casePath, officer: 'Nobody Here', password: 'whatever-123' }), 'AUTH_FAILED', /There is no officer "Nobody Here" in this case/);
  let ev = lastEvent(casePath);
  assert.equal(ev.action, 'officer.sign-in-refused');
  assert.equal(ev.officer, 'Nobody Here');
  assert.equal(details(ev).why, 'unknown officer');

  // A name recorded before accounts existed (e.g. by an older version's ingest).
  withDb(casePath, (db) => db.prepare('INSERT INTO officers (name, created_at) VALUES (?, ?)').run('Chan Vanna', '2026-01-01T00:00:00.000Z'));
  const before = service.listOfficers({ casePath }).find((o) => o.name === 'Chan Vanna')!;
  assert.equal(before.hasPassword, false);
  assert.equal(before.keyFingerprint, null);
  throwsCode(() => service.signIn({ casePath, officer: 'Chan Vanna', password: 'anything-12' }), 'AUTH_FAILED', /recorded by name only and has no password yet/);
  ev = lastEvent(casePath);
  assert.equal(ev.action, 'officer.sign-in-refused');
  assert.equal(details(ev).why, 'no account (name only)');

  const added = service.addOfficer({ session, name: 'Chan Vanna', badge: 'B-12', role: 'examiner', password: 'chan-vanna-pw-1' });
  assert.equal(added.hasPassword, true);
  assert.equal(added.role, 'examiner');
  assert.equal(added.createdAt, '2026-01-01T00:00:00.000Z', 'the existing record is completed, not duplicated');
  assert.equal(service.listOfficers({ casePath }).filter((o) => o.name === 'Chan Vanna').length, 1);
  assert.equal(service.signIn({ casePath, officer: 'Chan Vanna', password: 'chan-vanna-pw-1' }).role, 'examiner');
  // A second account for the same name is refused.
  throwsCode(() => service.addOfficer({ session, name: 'Chan Vanna', role: 'officer', password: 'another-pw-12' }), 'CONFLICT', /already exists/);
});

test('roles are enforced by the service: reviewers never ingest, record exhibits or transfer; only examiners and admins add officers', async (t) => {
  const { service, casePath, session } = newCase(t);
  const src = tempDir(t);
  mkdirSync(join(src, 'DCIM'));
  writeFileSync(join(src, 'DCIM', 'a.txt'), 'hello');
  add(service, session, 'Prosecutor Ito', 'reviewer', 'ito-password-12');
  add(service, session, SOK, 'officer', SOK_PW);
  add(service, session, 'Insp. Kenji Sato', 'examiner', 'sato-password-12');
  service.addExhibit({ session, number: 'EXH-001', sealNumber: 'S-1' });
  const rev = service.signIn({ casePath, officer: 'Prosecutor Ito', password: 'ito-password-12' }).session;
  const off = service.signIn({ casePath, officer: SOK, password: SOK_PW }).session;
  const exa = service.signIn({ casePath, officer: 'Insp. Kenji Sato', password: 'sato-password-12' }).session;
  const eventsBefore = events(casePath).length;

  await rejectsCode(service.ingest({ session: rev, sourcePath: src, exhibit: 'EXH-001' }), 'FORBIDDEN', /Prosecutor Ito is a reviewer and may not ingest exports\. Ask an examiner or admin\./);
  throwsCode(() => service.addExhibit({ session: rev, number: 'EXH-002' }), 'FORBIDDEN', /is a reviewer and may not record exhibits/);
  throwsCode(() => service.recordSeal({ session: rev, exhibit: 'EXH-001', action: 'broken', reason: 'look' }), 'FORBIDDEN', /may not break or apply seals/);
  throwsCode(() => service.transferCustody({ session: rev, toSession: off, exhibit: 'EXH-001', reason: 'to the lab' }), 'FORBIDDEN', /is a reviewer and may not transfer custody/);
  throwsCode(() => service.addOfficer({ session: rev, name: 'X Y', role: 'officer', password: 'xy-password-1' }), 'FORBIDDEN', /is a reviewer and may not add officers/);
  throwsCode(() => service.setOfficerStatus({ session: rev, name: SOK, status: 'disabled', reason: 'x' }), 'FORBIDDEN', /may not change officer accounts/);
  // An officer works the evidence but does not manage accounts.
  throwsCode(() => service.addOfficer({ session: off, name: 'X Y', role: 'officer', password: 'xy-password-1' }), 'FORBIDDEN', /Sok Dara is a officer and may not add officers/);
  throwsCode(() => service.setOfficerStatus({ session: off, name: 'Prosecutor Ito', status: 'disabled', reason: 'x' }), 'FORBIDDEN');
  // Tags: called by name, as they arrive with a later issue (no export method in the service yet).
  const svc = service as unknown as Record<string, unknown>;
  const call = (m: string, input: unknown): unknown => (svc[m] as (i: unknown) => unknown).call(service, input);
  if (typeof svc.addTag === 'function') {
    throwsCode(() => call('addTag', { session: rev, id: 'cash', labelEn: 'Cash', colour: '#aa0000' }), 'FORBIDDEN', /is a reviewer and may not add tags/);
  }
  for (const m of ['tagItems', 'untagItems']) {
    if (typeof svc[m] === 'function') throwsCode(() => call(m, { session: rev, tag: 'relevant', ids: [1] }), 'FORBIDDEN', /is a reviewer and may not (un)?tag evidence/);
  }
  // The job front door to ingest (used by the app) refuses too.
  if (typeof svc.startIngest === 'function') {
    throwsCode(() => (svc.startIngest as (i: unknown) => unknown).call(service, { session: rev, sourcePath: src, exhibit: 'EXH-001' }), 'FORBIDDEN', /may not ingest exports/);
  }
  // Nothing was recorded by the refused calls.
  assert.equal(events(casePath).length, eventsBefore, 'refused calls leave no trace but the refusal');
  assert.equal(withDb(casePath, (db) => (db.prepare('SELECT COUNT(*) AS n FROM sources').get() as { n: number }).n), 0);
  assert.equal(service.listExhibits({ casePath }).length, 1);

  // What reviewers may do: look, verify and checkpoint.
  assert.equal((await service.verifyCustody({ casePath })).ok, true);
  assert.equal(service.checkpoint({ session: rev, reason: 'review' }).officer, 'Prosecutor Ito');
  // Examiners add officers; officers ingest and record exhibits.
  assert.equal(service.addOfficer({ session: exa, name: 'DC Mori', role: 'officer', password: 'mori-password-1' }).createdBy, 'Insp. Kenji Sato');
  assert.equal(service.addExhibit({ session: off, number: 'EXH-002' }).custodian, SOK);
  const s = await service.ingest({ session: off, sourcePath: src, exhibit: 'EXH-002', workers: 1 });
  assert.equal(s.files, 1);
  // Without a session nothing happens at all.
  throwsCode(() => service.addExhibit({ session: 'f'.repeat(64), number: 'EXH-003' }), 'AUTH_FAILED', /Not signed in/);
  // A new case's first officer is its admin; nobody can add officers without signing in.
  assert.equal(service.listOfficers({ casePath }).find((o) => o.name === 'DS Tanaka')!.role, 'admin');
});

test('the CLI exits 6 for a refused role, with the service\'s message', async (t) => {
  const { service, casePath, session } = newCase(t);
  add(service, session, 'Prosecutor Ito', 'reviewer', 'ito-password-12');
  add(service, session, SOK, 'officer', SOK_PW);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ito'), 'ito-password-12\n');
  writeFileSync(join(dir, 'sok'), `${SOK_PW}\n`);
  const src = join(dir, 'export');
  mkdirSync(src);
  writeFileSync(join(src, 'f.txt'), 'x');
  const asIto = ['--officer', 'Prosecutor Ito', '--password-file', join(dir, 'ito')];
  const cases: [string, string[], RegExp][] = [
    ['exhibit add', ['exhibit', 'add', casePath, '--number', 'EXH-009', ...asIto], /evidence: Prosecutor Ito is a reviewer and may not record exhibits/],
    ['ingest', ['ingest', casePath, src, '--exhibit', 'EXH-1', ...asIto], /may not ingest exports/],
    ['officer add', ['officer', 'add', casePath, '--name', 'Z Z', '--role', 'officer', ...asIto], /may not add officers/],
    ['officer add by an officer', ['officer', 'add', casePath, '--name', 'Z Z', '--role', 'officer', '--officer', SOK, '--password-file', join(dir, 'sok')], /Sok Dara is a officer and may not add officers/],
    ['wrong password', ['custody', 'checkpoint', casePath, '--officer', SOK, '--password-file', join(dir, 'ito')], /Wrong password for Sok Dara/],
    ['unknown officer', ['custody', 'checkpoint', casePath, '--officer', 'Ghost'], /There is no officer "Ghost"/],
  ];
  for (const [what, args, msg] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 6, `${what}: ${r.err}`);
    assert.match(r.err, msg, what);
  }
  // The refused sessions still signed out with a checkpoint; the log verifies.
  assert.equal((await runCli(['custody', 'verify', casePath])).code, 0);
});
