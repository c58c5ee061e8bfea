// Accounts and jobs (issue 10, part 5): who may stop whose job and see it, the recovery code of
// the case's first admin (shown once, stored only as a scrypt verifier, used with the officer's
// own password, recorded and attributed), admins unlocking admins, custody only for roles that
// may hold it, and officer names that cannot pass for one another.
import './custody-helpers.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { newCase, runCli, runCliChild, tempDir, exhibitIn } from './helpers.ts';
import { events, details, throwsCode, withDb } from './custody-helpers.ts';
import { EvidenceService } from '../../src/core/service.ts';

const REVIEWER = 'Rev C';
const OFFICER = 'Sok Dara';
const PW = 'another-password-9';

/** An export big enough that an ingest job is still running when the test looks at it. */
function exportFolder(root: string, files = 400): string {
  const dir = join(root, 'export');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.txt`), `file ${i} `.repeat(200));
  return dir;
}

test("a reviewer cannot stop another officer's job; its officer, an examiner or an admin can", async (t) => {
  const { service, casePath, session: admin } = newCase(t);
  service.addOfficer({ session: admin, name: OFFICER, role: 'officer', password: PW });
  service.addOfficer({ session: admin, name: REVIEWER, role: 'reviewer', password: PW });
  service.addOfficer({ session: admin, name: 'Insp. Kenji Sato', role: 'examiner', password: PW });
  const sok = service.signIn({ casePath, officer: OFFICER, password: PW }).session;
  const rev = service.signIn({ casePath, officer: REVIEWER, password: PW }).session;
  const sato = service.signIn({ casePath, officer: 'Insp. Kenji Sato', password: PW }).session;
  const exp = exportFolder(tempDir(t));

  const { jobId } = service.startIngest({ session: sok, exhibit: exhibitIn(service, admin), sourcePath: exp });
  throwsCode(() => service.cancelJob({ session: rev, jobId }), 'FORBIDDEN', /Rev C is a reviewer and may not stop the ingest Sok Dara started/);
  // The reviewer's own job (a verify) is theirs to stop.
  const mine = service.startVerify({ session: rev });
  assert.equal(service.cancelJob({ session: rev, jobId: mine.jobId }).jobId, mine.jobId);
  await service.jobs.settled(mine.jobId);
  // An examiner may stop anyone's.
  assert.equal(service.cancelJob({ session: sato, jobId }).jobId, jobId);
  await service.jobs.settled(jobId);
  const again = service.startIngest({ session: sok, exhibit: exhibitIn(service, admin), sourcePath: exp });
  assert.equal(service.cancelJob({ session: admin, jobId: again.jobId }).officer, OFFICER, 'an admin may stop it too');
  await service.jobs.settled(again.jobId);
  const third = service.startIngest({ session: sok, exhibit: exhibitIn(service, admin), sourcePath: exp });
  assert.equal(service.cancelJob({ session: sok, jobId: third.jobId }).officer, OFFICER, 'and the officer who started it');
  await service.jobs.settled(third.jobId);
});

test('jobStatus needs a session of the same case', async (t) => {
  const { service, session } = newCase(t);
  const { jobId } = service.startVerify({ session });
  // No session: refused by the contract, whatever the front door.
  assert.throws(() => service.jobStatus({ jobId } as never), (e: unknown) => (e as Error).name === 'InputError' && /session/.test((e as Error).message));
  assert.equal(service.jobStatus({ session, jobId }).jobId, jobId);
  // A session of another case, in the same app, does not see it.
  const otherCase = join(tempDir(t), 'other');
  service.createCase({ casePath: otherCase, name: 'Other', number: 'O-1', officer: 'Sgt. Ito', password: TEST_PASSWORD });
  const other = service.signIn({ casePath: otherCase, officer: 'Sgt. Ito', password: TEST_PASSWORD }).session;
  throwsCode(() => service.jobStatus({ session: other, jobId }), 'FORBIDDEN', /another case/);
  throwsCode(() => service.cancelJob({ session: other, jobId }), 'FORBIDDEN', /another case/);
  await service.jobs.settled(jobId);
  // Nor does a session that ended.
  service.signOut({ session });
  throwsCode(() => service.jobStatus({ session, jobId }), 'AUTH_FAILED', /Not signed in/);
});

test('the recovery code: shown once by case init, kept only as a verifier, unlocks the locked only admin with their password (CLI)', async (t) => {
  const root = tempDir(t);
  const casePath = join(root, 'case');
  const init = await runCliChild(['case', 'init', casePath, '--name', 'Op', '--number', 'N-1', '--officer', 'Admin A']);
  assert.equal(init.code, 0, init.err);
  const code = /Recovery code of Admin A: ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){5})/.exec(init.out)?.[1];
  assert.ok(code, `the code is printed:\n${init.out}`);
  assert.match(init.out, /shown only this once/);
  // Not in the case in clear: neither in case.db nor anywhere in the folder.
  const bare = code.replace(/-/g, '');
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const f of walk(casePath)) {
    const bytes = readFileSync(f).toString('latin1');
    assert.ok(!bytes.includes(code) && !bytes.includes(bare), `${f} does not hold the code`);
  }
  // The creator's account announces the code's fingerprint (custody verify checks the stored verifier against it).
  const added = events(casePath).find((e) => e.action === 'officer.added')!;
  assert.equal(details(added).name, 'Admin A');
  assert.match(String(details(added).recoveryCode), /^[0-9a-f]{16}$/);

  // Someone types five wrong passwords: the only admin is locked out.
  const wrong = join(root, 'wrong');
  writeFileSync(wrong, 'not-the-password\n');
  for (let i = 0; i < 5; i++) assert.equal((await runCli(['custody', 'checkpoint', casePath, '--officer', 'Admin A', '--password-file', wrong])).code, 6);
  const locked = await runCli(['custody', 'checkpoint', casePath, '--officer', 'Admin A']);
  assert.equal(locked.code, 6);
  assert.match(locked.err, /locked/);

  // A wrong code: refused (exit 6), recorded, still locked.
  const badCode = join(root, 'bad-code');
  writeFileSync(badCode, 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF\n');
  let r = await runCliChild(['officer', 'unlock', casePath, '--name', 'Admin A', '--recovery-code-file', badCode]);
  assert.equal(r.code, 6, r.err);
  assert.match(r.err, /not the recovery code of Admin A/);
  // The right code with a wrong password: refused too (the code alone proves nobody).
  const goodCode = join(root, 'code');
  writeFileSync(goodCode, `${code.toLowerCase().replace(/-/g, ' ')}\n`);
  r = await runCliChild(['officer', 'unlock', casePath, '--name', 'Admin A', '--recovery-code-file', goodCode, '--password-file', wrong]);
  assert.equal(r.code, 6, r.err);
  assert.match(r.err, /Wrong password for Admin A/);
  assert.equal(withDb(casePath, (db) => (db.prepare("SELECT status FROM officers WHERE name = 'Admin A'").get() as { status: string }).status), 'locked');

  // The code (typed in lower case with spaces) and the password: unlocked, and the officer works again.
  r = await runCliChild(['officer', 'unlock', casePath, '--name', 'Admin A', '--recovery-code-file', goodCode]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Admin A is unlocked/);
  const unlocked = events(casePath).filter((e) => e.action === 'officer.unlocked').at(-1)!;
  assert.equal(unlocked.officer, 'Admin A');
  assert.equal(details(unlocked).with, 'recovery code');
  r = await runCliChild(['custody', 'checkpoint', casePath, '--officer', 'Admin A']);
  assert.equal(r.code, 0, r.err);
  // The unlock is one of Admin A's own signed events: the log verifies.
  r = await runCliChild(['custody', 'verify', casePath]);
  assert.equal(r.code, 0, r.out);

  // The stored verifier replaced (an attacker's own code): named by custody verify.
  withDb(casePath, (db) => db.prepare("UPDATE case_recovery SET secret = replace(secret, 'verifier\":\"', 'verifier\":\"AAAA')").run());
  r = await runCliChild(['custody', 'verify', casePath]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /the recovery code of Admin A is not the one set in the log \(its verifier was replaced\)/);
});

test('the recovery code unlocks only a locked account; a disabled one is for an admin to enable', (t) => {
  const root = tempDir(t);
  const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
  t.after(() => service.close());
  const casePath = join(root, 'case');
  const made = service.createCase({ casePath, name: 'Op', number: 'N-2', officer: 'Admin A', password: TEST_PASSWORD });
  assert.match(made.recoveryCode, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$/);
  throwsCode(
    () => service.unlockWithRecoveryCode({ casePath, officer: 'Admin A', password: TEST_PASSWORD, recoveryCode: made.recoveryCode }),
    'CONFLICT',
    /is not locked: sign in as usual/,
  );
});

test('any admin unlocks another admin', async (t) => {
  const { service, casePath, session } = newCase(t, { officer: 'Admin A' });
  service.addOfficer({ session, name: 'Admin B', role: 'admin', password: PW });
  for (let i = 0; i < 5; i++) assert.throws(() => service.signIn({ casePath, officer: 'Admin A', password: 'wrong-password-x' }));
  throwsCode(() => service.signIn({ casePath, officer: 'Admin A', password: TEST_PASSWORD }), 'OFFICER_LOCKED');
  const b = service.signIn({ casePath, officer: 'Admin B', password: PW }).session;
  assert.equal(service.setOfficerStatus({ session: b, name: 'Admin A', status: 'active', reason: 'identity checked in person' }).status, 'active');
  service.signIn({ casePath, officer: 'Admin A', password: TEST_PASSWORD });
  service.signOut({ session: b });
  assert.equal((await service.verifyCustody({ casePath })).ok, true);
});

test('an exhibit cannot be transferred to a reviewer (engine and CLI)', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: REVIEWER, role: 'reviewer', password: PW });
  service.addOfficer({ session, name: OFFICER, role: 'officer', password: PW });
  service.addExhibit({ session, number: 'EXH-1', sealNumber: 'S-1' });
  const rev = service.signIn({ casePath, officer: REVIEWER, password: PW }).session;
  throwsCode(
    () => service.transferCustody({ session, toSession: rev, exhibit: 'EXH-1', reason: 'for review' }),
    'FORBIDDEN',
    /Rev C is a reviewer and may not hold custody of an exhibit/,
  );
  service.signOut({ session: rev });
  service.signOut({ session });
  const pwFile = join(tempDir(t), 'pw');
  writeFileSync(pwFile, `${PW}\n`);
  const r = await runCliChild(['custody', 'transfer', casePath, '--exhibit', 'EXH-1', '--to', REVIEWER, '--reason', 'for review', '--to-password-file', pwFile, '--officer', 'DS Tanaka']);
  assert.equal(r.code, 6, r.err);
  assert.match(r.err, /may not hold custody/);
  assert.equal(events(casePath).filter((e) => e.action === 'custody.transferred').length, 0);
  // To an officer, it goes.
  const s = service.signIn({ casePath, officer: 'DS Tanaka', password: TEST_PASSWORD }).session;
  const sok = service.signIn({ casePath, officer: OFFICER, password: PW }).session;
  assert.equal(service.transferCustody({ session: s, toSession: sok, exhibit: 'EXH-1', reason: 'to the lab' }).details.to, OFFICER);
});

test('officer names: NFC, no invisible, control or bidi characters, no mixed scripts, no look-alikes', async (t) => {
  const { service, casePath, session } = newCase(t, { officer: 'Admin A' });
  // NFC: a name typed decomposed (e + combining acute) is stored composed; signing in either way works.
  const o = service.addOfficer({ session, name: 'Jose\u0301 Ramos', role: 'officer', password: PW });
  assert.equal(o.name, 'Jos\u00e9 Ramos');
  assert.equal(service.signIn({ casePath, officer: 'Jose\u0301 Ramos', password: PW }).officer, 'Jos\u00e9 Ramos');
  // Japanese names with the ideographic space, Cyrillic names in Cyrillic: fine.
  service.addOfficer({ session, name: '田中\u3000太郎', role: 'officer', password: PW });
  service.addOfficer({ session, name: 'Иван Петров', role: 'officer', password: PW });
  const refusedUsage = [
    ['Admin\u200bA', /U\+200B/], // zero-width space
    ['Admin B\u200d', /U\+200D/], // zero-width joiner
    ['Sok\u202eDara', /U\+202E/], // right-to-left override
    ['Sok\u2066Dara\u2069', /U\+2066/], // bidi isolate
    ['Sok\u0007Dara', /U\+0007/], // control
    ['Sok\u00a0Dara', /U\+00A0/], // no-break space
    ['Sok Dara\ufe0f', /U\+FE0F/], // variation selector
    ['\u0410dmin B', /mixes Cyrillic and Latin letters in one word/], // Cyrillic А
  ] as const;
  for (const [name, re] of refusedUsage) {
    throwsCode(() => service.addOfficer({ session, name, role: 'officer', password: PW }), 'USAGE', re, JSON.stringify(name));
  }
  // Look-alikes of an officer already in the case: case, spacing, full-width, Greek capital alpha.
  for (const name of ['ADMIN A', 'admin a', 'Admin  A', '\uff21\uff44\uff4d\uff49\uff4e \uff21', 'Admin \u0391']) {
    throwsCode(() => service.addOfficer({ session, name, role: 'officer', password: PW }), 'CONFLICT', /looks the same as the officer "Admin A"/, JSON.stringify(name));
  }
  // A whole word in Cyrillic letters that look Latin.
  service.addOfficer({ session, name: 'ABC Lee', role: 'officer', password: PW });
  throwsCode(() => service.addOfficer({ session, name: '\u0410\u0412\u0421 Lee', role: 'officer', password: PW }), 'CONFLICT', /looks the same as the officer "ABC Lee"/);
  service.signOut({ session });

  // Through the CLI: exit 2 for a character that is refused, exit 4 for a look-alike, and a case
  // is not even created under a refused name.
  let r = await runCliChild(['officer', 'add', casePath, '--name', 'Admin\u200bA', '--role', 'officer', '--officer', 'Admin A']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /invisible or control character \(U\+200B\)/);
  r = await runCliChild(['officer', 'add', casePath, '--name', 'Admin \u0391', '--role', 'officer', '--officer', 'Admin A']);
  assert.equal(r.code, 4, r.err);
  const fresh = join(tempDir(t), 'new-case');
  r = await runCliChild(['case', 'init', fresh, '--name', 'Op', '--number', 'N-9', '--officer', '\u0410dmin A']);
  assert.equal(r.code, 2, r.err);
  assert.ok(!existsSync(join(fresh, 'case.db')), 'no case was created');
  // Nothing refused reached the log or the table.
  assert.ok(!events(casePath).some((e) => /\u200b|\u0391|\u0410/.test(e.target ?? '')));
});
