// The case's time zone (issue 14, "times everywhere in UTC"): kept in the case's settings, shown
// by caseInfo, set by an officer who may record exhibits (not a reviewer), refused when it is not
// a zone name, recorded in the custody log, and the CLI sets and shows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_PASSWORD } from '../setup.ts';
import { throwsCode } from './custody-helpers.ts';
import { newCase, runCli } from './helpers.ts';

test('the case time zone: set, shown, refused when wrong, on the custody record', async (t) => {
  const { service, casePath, session } = newCase(t);
  assert.equal(service.caseInfo({ casePath }).timeZone, null, 'none until set');
  assert.deepEqual(service.setCaseTimeZone({ session, zone: 'Asia/Phnom_Penh' }), { timeZone: 'Asia/Phnom_Penh' });
  assert.equal(service.caseInfo({ casePath }).timeZone, 'Asia/Phnom_Penh');
  throwsCode(() => service.setCaseTimeZone({ session, zone: 'ICT +07:00' }), 'USAGE', /not a time zone name/);
  throwsCode(() => service.setCaseTimeZone({ session, zone: 'Mars/Olympus_Mons' }), 'USAGE', /not a time zone name/);
  assert.equal(service.caseInfo({ casePath }).timeZone, 'Asia/Phnom_Penh', 'a refused zone changes nothing');
  // Setting the same zone again records nothing; a change is one custody event with before and after.
  service.setCaseTimeZone({ session, zone: 'Asia/Phnom_Penh' });
  service.setCaseTimeZone({ session, zone: 'Asia/Tokyo' });
  const events = service.custodyLog({ casePath }).filter((e) => e.action === 'case.time-zone-set');
  assert.deepEqual(
    events.map((e) => e.details),
    [
      { from: null, to: 'Asia/Phnom_Penh' },
      { from: 'Asia/Phnom_Penh', to: 'Asia/Tokyo' },
    ],
  );
  assert.equal((await service.verifyCustody({ casePath })).ok, true, 'the chain still verifies');
  // A reviewer reads the case's times but does not change how they read.
  service.addOfficer({ session, name: 'Prosecutor Lim', role: 'reviewer', password: TEST_PASSWORD });
  const reviewer = service.signIn({ casePath, officer: 'Prosecutor Lim', password: TEST_PASSWORD });
  throwsCode(() => service.setCaseTimeZone({ session: reviewer.session, zone: 'UTC' }), 'FORBIDDEN');
  service.setCaseTimeZone({ session, zone: null });
  assert.equal(service.caseInfo({ casePath }).timeZone, null, 'cleared');
});

test('evidence case timezone sets and shows it; case info names it', async (t) => {
  const { casePath } = newCase(t);
  const set = await runCli(['case', 'timezone', casePath, 'Asia/Phnom_Penh']);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /shown in Asia\/Phnom_Penh/);
  const info = await runCli(['case', 'info', casePath]);
  assert.match(info.out, /time zone: Asia\/Phnom_Penh/);
  const bad = await runCli(['case', 'timezone', casePath, 'Nowhere/Else']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /not a time zone name/);
});
