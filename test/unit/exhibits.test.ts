// Exhibits against a real case.db: the exhibit label (seized at with its offset, IMEI check
// digit, duplicates), an exhibit first named by an ingest and then recorded in full, ls/show,
// seals broken and resealed, and the chain-of-custody form printed by `evidence log --form`.
import './custody-helpers.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { newCase, runCli, tempDir } from './helpers.ts';
import { actions, details, events, fixedClock, throwsCode } from './custody-helpers.ts';
import { EvidenceService } from '../../src/core/service.ts';
import { Case } from '../../src/core/case.ts';

const FULL = {
  number: 'EXH-001',
  sealNumber: 'S-0091',
  description: 'Black smartphone in a blue case',
  deviceMake: 'Apple',
  deviceModel: 'iPhone 13',
  serial: 'F2LXK0ABCDEF',
  imei: '490154203237518',
  condition: 'Cracked screen, powered off',
  seizedBy: 'Sgt. Dara Sok',
  seizedAt: '2026-11-20T14:05:00+07:00',
  seizedWhere: 'Compound B, Sihanoukville',
};

/** The custody actions of an exhibit and its exports (other work on an export may add its own events). */
const custodyOfExhibit = (action: string): boolean => /^(exhibit|ingest|custody)\./.test(action);

function exportFolder(t: Parameters<typeof tempDir>[0]): string {
  const src = join(tempDir(t), 'export');
  mkdirSync(join(src, 'DCIM'), { recursive: true });
  writeFileSync(join(src, 'DCIM', 'IMG_0001.txt'), 'photo of the device');
  writeFileSync(join(src, 'notes.txt'), 'seized at the compound');
  return src;
}

test('an exhibit with every field of the label; the custody event records them all', (t) => {
  const { service, casePath, session } = newCase(t);
  const e = service.addExhibit({ session, ...FULL });
  assert.deepEqual(
    [e.number, e.seal_number, e.description, e.device_make, e.device_model, e.serial, e.imei, e.condition, e.seized_by, e.seized_at, e.seized_where],
    Object.values(FULL),
  );
  assert.equal(e.custodian, 'DS Tanaka', 'who recorded it holds it');
  assert.equal(e.sealed, 1);
  assert.equal(e.items, 0);
  const ev = events(casePath).find((x) => x.action === 'exhibit.recorded')!;
  assert.equal(ev.target, 'exhibit:EXH-001');
  assert.equal(ev.officer, 'DS Tanaka');
  assert.deepEqual(details(ev), {
    number: 'EXH-001',
    seal_number: 'S-0091',
    description: FULL.description,
    device_make: 'Apple',
    device_model: 'iPhone 13',
    serial: FULL.serial,
    imei: FULL.imei,
    condition: FULL.condition,
    seized_by: FULL.seizedBy,
    seized_at: FULL.seizedAt,
    seized_where: FULL.seizedWhere,
    custodian: 'DS Tanaka',
  });
});

test('seized at needs a real time with its offset; a bad IMEI and a duplicate number are refused', (t) => {
  const { service, casePath, session } = newCase(t);
  const bad: [string, RegExp][] = [
    ['2026-11-20T14:05:00', /"2026-11-20T14:05:00" is not a time with its offset\. Write it like 2026-11-20T14:05:00\+07:00/],
    ['2026-11-20 14:05+07:00', /not a time with its offset/],
    ['20/11/2026 14:05', /not a time with its offset/],
    ['2026-02-30T10:00:00+07:00', /not a time with its offset/],
    ['2026-11-20T24:30:00+07:00', /not a time with its offset/],
    ['2026-11-20T14:05:00+15:00', /not a time with its offset/],
    ['2026-11-20T14:05:00+0700', /not a time with its offset/],
  ];
  for (const [seizedAt, msg] of bad) throwsCode(() => service.addExhibit({ session, number: 'EXH-001', seizedAt }), 'USAGE', msg);
  for (const [imei, what] of [
    ['490154203237519', 'wrong check digit'],
    ['4901542032375', 'too short (13 digits)'],
    ['49015420323751801', 'too long (17 digits)'],
    ['49O154203237518', 'a letter O'],
    ['490154203237518 ', 'trailing space'],
  ] as const) {
    throwsCode(
      () => service.addExhibit({ session, number: 'EXH-001', imei }),
      'USAGE',
      new RegExp(`"${imei.trim()}\\s*" is not a valid IMEI \\(15 digits with a check digit\\)`),
      what,
    );
  }
  assert.equal(service.listExhibits({ casePath }).length, 0, 'nothing recorded by refused input');
  assert.ok(!actions(casePath).includes('exhibit.recorded'));
  // Accepted: Z, half-hour and 45-minute offsets, fractions, minutes only; a 14-digit IMEI
  // (no check digit) and a 16-digit IMEISV.
  service.addExhibit({ session, number: 'EXH-001', seizedAt: '2026-11-20T07:05:00Z', imei: '4901542032375180' });
  service.addExhibit({ session, number: 'EXH-005', imei: '49015420323751' });
  service.addExhibit({ session, number: 'EXH-002', seizedAt: '2026-11-20T12:50:00.250+05:45' });
  service.addExhibit({ session, number: 'EXH-003', seizedAt: '2024-02-29T23:59-03:30' });
  // Duplicates, including one recorded with its number only.
  throwsCode(() => service.addExhibit({ session, ...FULL }), 'CONFLICT', /Exhibit EXH-001 is already recorded/);
  service.addExhibit({ session, number: 'EXH-004' });
  throwsCode(() => service.addExhibit({ session, number: 'EXH-004', deviceMake: 'Samsung' }), 'CONFLICT', /EXH-004 is already recorded/);
  throwsCode(() => service.addExhibit({ session, number: '  EXH-004 ' }), 'CONFLICT', /EXH-004 is already recorded/);
  assert.equal(service.getExhibit({ casePath, number: 'EXH-004' }).device_make, null, 'the first record is kept');
  throwsCode(() => service.getExhibit({ casePath, number: 'EXH-404' }), 'NOT_FOUND', /There is no exhibit EXH-404/);
  assert.throws(() => service.addExhibit({ session, number: '  ' }), /exhibit number is required/);
  // Every problem of the form at once, one a line (the app's exhibit form lists them together).
  throwsCode(() => service.addExhibit({ session, number: ' ', seizedAt: '2026-11-20 14:05', imei: '123' }), 'USAGE', /number is required.*\n.*not a time with its offset.*\n.*not a valid IMEI/);
});

test('an exhibit first named by an ingest (an earlier version recorded it so) gets its full record later, once', async (t) => {
  const { service, casePath, session, officer } = newCase(t);
  const src = exportFolder(t);
  // Earlier versions recorded an exhibit an ingest named and the case did not hold, with its
  // number only (Case.ensureExhibit). Ingests now refuse such a number (ingest-exhibit.test.ts);
  // cases holding one still ingest into it and complete its record.
  const old = Case.open(casePath);
  old.ensureExhibit('EXH-002', officer);
  old.close();
  const s = await service.ingest({ session, sourcePath: src, exhibit: 'EXH-002', workers: 1 });
  assert.equal(s.exhibit, 'EXH-002');
  const named = service.getExhibit({ casePath, number: 'EXH-002' });
  assert.equal(named.custodian, null);
  assert.equal(named.seal_number, null);
  assert.equal(named.items, s.items);
  // No transfer before the exhibit has a custodian on record.
  service.addOfficer({ session, name: 'Insp. Kenji Sato', role: 'examiner', password: 'sato-password-12' });
  const sato = service.signIn({ casePath, officer: 'Insp. Kenji Sato', password: 'sato-password-12' }).session;
  throwsCode(() => service.transferCustody({ session: sato, toSession: session, exhibit: 'EXH-002', reason: 'to the lab' }), 'CONFLICT', /only named by an ingest and has no custodian on record/);
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-002', action: 'broken', reason: 'examine' }), 'CONFLICT', /has no seal on record/);

  const full = service.addExhibit({ session, ...FULL, number: 'EXH-002' });
  assert.equal(full.id, named.id, 'the same exhibit, not a second one');
  assert.equal(full.items, s.items, 'its items stay with it');
  assert.equal(full.device_model, 'iPhone 13');
  assert.equal(full.custodian, 'DS Tanaka');
  throwsCode(() => service.addExhibit({ session, ...FULL, number: 'EXH-002' }), 'CONFLICT', /already recorded/);
  assert.equal(service.listExhibits({ casePath }).length, 1);

  const h = service
    .getExhibit({ casePath, number: 'EXH-002' })
    .history.map((e) => e.action)
    .filter(custodyOfExhibit);
  assert.deepEqual(h, ['exhibit.recorded', 'ingest.started', 'ingest.finished', 'exhibit.recorded']);
  const rec = events(casePath).filter((e) => e.action === 'exhibit.recorded');
  assert.deepEqual(details(rec[0]!), { number: 'EXH-002' });
  assert.equal(details(rec[1]!).device_make, 'Apple');
});

test('exhibit ls and show (CLI)', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addExhibit({ session, ...FULL });
  service.addExhibit({ session, number: 'EXH-002', deviceMake: 'Samsung', deviceModel: 'Galaxy A54' });
  const ls = await runCli(['exhibit', 'ls', casePath]);
  assert.equal(ls.code, 0, ls.err);
  const lines = ls.out.split('\n');
  assert.match(lines[0]!, /^NUMBER\s+SEAL\s+DEVICE\s+IMEI\s+SEIZED\s+CUSTODIAN\s+ITEMS$/);
  assert.match(lines[1]!, /^EXH-001\s+S-0091\s+Apple iPhone 13\s+490154203237518\s+2026-11-20T14:05:00\+07:00\s+DS Tanaka\s+0$/);
  assert.match(lines[2]!, /^EXH-002\s+Samsung Galaxy A54\s+DS Tanaka\s+0$/);
  const js = await runCli(['exhibit', 'ls', casePath, '--json']);
  assert.deepEqual((JSON.parse(js.out) as { number: string }[]).map((e) => e.number), ['EXH-001', 'EXH-002']);

  const show = await runCli(['exhibit', 'show', casePath, 'EXH-001']);
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, /^Exhibit EXH-001 {2}seal S-0091 \(sealed\)/);
  assert.match(show.out, /device: +Apple iPhone 13 {2}serial F2LXK0ABCDEF {2}IMEI 490154203237518/);
  assert.match(show.out, /seized: +2026-11-20T14:05:00\+07:00 by Sgt\. Dara Sok at Compound B, Sihanoukville/);
  assert.match(show.out, /condition: Cracked screen, powered off/);
  assert.match(show.out, /custodian: DS Tanaka +items: 0/);
  assert.match(show.out, /#\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d DS Tanaka: exhibit\.recorded/);
  const show2 = await runCli(['exhibit', 'show', casePath, 'EXH-002']);
  assert.match(show2.out, /seal - \(no seal on record\)/);
  const missing = await runCli(['exhibit', 'show', casePath, 'EXH-404']);
  assert.equal(missing.code, 3);
  assert.match(missing.err, /There is no exhibit EXH-404/);
  const json = await runCli(['exhibit', 'show', casePath, 'EXH-001', '--json']);
  assert.equal((JSON.parse(json.out) as { history: unknown[] }).history.length, 1);
});

test('seals: broken, then resealed with a new seal; wrong states are refused', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addExhibit({ session, ...FULL });
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-001', action: 'resealed', reason: 'x', newSeal: 'S-0102' }), 'CONFLICT', /is sealed \(seal S-0091\); break the seal first/);
  assert.throws(() => service.recordSeal({ session, exhibit: 'EXH-001', action: 'broken', reason: ' ' }), /reason is required/);
  const b = service.recordSeal({ session, exhibit: 'EXH-001', action: 'broken', reason: 'to image the device' });
  assert.equal(b.action, 'exhibit.seal-broken');
  assert.equal(b.reason, 'to image the device');
  assert.deepEqual(b.details, { previousSeal: 'S-0091', newSeal: null, seal: 'S-0091', sealed: false });
  assert.equal(service.getExhibit({ casePath, number: 'EXH-001' }).sealed, 0);
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-001', action: 'broken', reason: 'again' }), 'CONFLICT', /already broken/);
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-001', action: 'resealed', reason: 'done' }), 'USAGE', /needs the new seal number/);
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-001', action: 'resealed', reason: 'done', newSeal: 'S-0091' }), 'USAGE', /S-0091 was broken and cannot be used again/);
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-404', action: 'broken', reason: 'x' }), 'NOT_FOUND');
  const r = service.recordSeal({ session, exhibit: 'EXH-001', action: 'resealed', reason: 'imaging finished', newSeal: 'S-0102' });
  assert.equal(r.action, 'exhibit.resealed');
  assert.deepEqual(r.details, { previousSeal: 'S-0091', newSeal: 'S-0102', seal: 'S-0102', sealed: true });
  const e = service.getExhibit({ casePath, number: 'EXH-001' });
  assert.equal(e.sealed, 1);
  assert.equal(e.seal_number, 'S-0102');
  assert.deepEqual(
    e.history.map((h) => h.action),
    ['exhibit.recorded', 'exhibit.seal-broken', 'exhibit.resealed'],
  );
  // An exhibit recorded without a seal: nothing to break; a seal can be applied.
  service.addExhibit({ session, number: 'EXH-002' });
  throwsCode(() => service.recordSeal({ session, exhibit: 'EXH-002', action: 'broken', reason: 'x' }), 'CONFLICT', /no seal on record/);
  service.recordSeal({ session, exhibit: 'EXH-002', action: 'resealed', reason: 'bagged at the station', newSeal: 'S-0200' });
  assert.equal(service.getExhibit({ casePath, number: 'EXH-002' }).seal_number, 'S-0200');

  // The CLI: exactly one of --break and --reseal; states give exit 4.
  const both = await runCli(['exhibit', 'seal', casePath, 'EXH-001', '--break', '--reseal', 'S-1', '--reason', 'x']);
  assert.equal(both.code, 2);
  assert.match(both.err, /Give either --break or --reseal/);
  const brk = await runCli(['exhibit', 'seal', casePath, 'EXH-001', '--break', '--reason', 'second examination']);
  assert.equal(brk.code, 0, brk.err);
  assert.match(brk.out, /Recorded: exhibit\.seal-broken on exhibit EXH-001 \(custody event \d+\)/);
  const again = await runCli(['exhibit', 'seal', casePath, 'EXH-001', '--break', '--reason', 'x']);
  assert.equal(again.code, 4);
  assert.match(again.err, /already broken/);
  const ls = await runCli(['exhibit', 'ls', casePath]);
  assert.match(ls.out, /EXH-001\s+S-0102 \(broken\)/);
});

test('`evidence log --form EXH-001`: the chain-of-custody form, with local times in each event\'s own zone', async (t) => {
  const dir = tempDir(t);
  const casePath = join(dir, 'case');
  const clock = fixedClock('2026-11-20T07:00:00.000Z', 'Asia/Phnom_Penh');
  const service = new EvidenceService({ clock, scryptN: TEST_SCRYPT_N });
  t.after(() => service.close());
  service.createCase({ casePath, name: 'Operation Sakura', number: 'KH-2026-0142', officer: 'DS Tanaka', password: TEST_PASSWORD });
  const s1 = service.signIn({ casePath, officer: 'DS Tanaka', password: TEST_PASSWORD }).session;
  service.addOfficer({ session: s1, name: 'Insp. Kenji Sato', role: 'examiner', password: 'sato-password-12' });
  clock.set('2026-11-20T07:30:00.000Z');
  service.addExhibit({ session: s1, ...FULL });
  clock.set('2026-11-20T08:00:00.000Z');
  await service.ingest({ session: s1, sourcePath: exportFolder(t), exhibit: 'EXH-001', workers: 1 });
  // Handed over in Phnom Penh, then examined in Tokyo.
  clock.set('2026-11-21T02:00:00.000Z');
  const s2 = service.signIn({ casePath, officer: 'Insp. Kenji Sato', password: 'sato-password-12' }).session;
  const tr = service.transferCustody({ session: s1, toSession: s2, exhibit: 'EXH-001', reason: 'to the forensic lab for examination' });
  clock.zone('Asia/Tokyo');
  clock.set('2026-11-22T01:15:00.000Z');
  service.recordSeal({ session: s2, exhibit: 'EXH-001', action: 'broken', reason: 'to image the device' });
  clock.set('2026-11-22T09:45:30.000Z');
  service.recordSeal({ session: s2, exhibit: 'EXH-001', action: 'resealed', reason: 'imaging finished', newSeal: 'S-0102' });
  service.signOut({ session: s2 });
  service.signOut({ session: s1 });

  const r = await runCli(['log', casePath, '--form', 'EXH-001']);
  assert.equal(r.code, 0, r.err);
  const form = r.out;
  // The exhibit label.
  for (const re of [
    /^CHAIN OF CUSTODY$/m,
    /^ {2}Case {13}KH-2026-0142 {2}Operation Sakura$/m,
    /^ {2}Exhibit {10}EXH-001$/m,
    /^ {2}Seal {13}S-0102 \(sealed\)$/m,
    /^ {2}Description {6}Black smartphone in a blue case$/m,
    /^ {2}Device {11}Apple iPhone 13$/m,
    /^ {2}Serial {11}F2LXK0ABCDEF$/m,
    /^ {2}IMEI {13}490154203237518$/m,
    /^ {2}Condition {8}Cracked screen, powered off$/m,
    /^ {2}Seized by {8}Sgt\. Dara Sok$/m,
    /^ {2}Seized at {8}2026-11-20T14:05:00\+07:00$/m,
    /^ {2}Seized where {5}Compound B, Sihanoukville$/m,
    /^ {2}Custodian now {4}Insp\. Kenji Sato$/m,
    /^ {2}Items {12}[1-9]\d*$/m,
  ]) {
    assert.match(form, re);
  }
  // Every event of the exhibit: UTC, then local time and zone where it was done.
  const want: [string, string, string, string][] = [
    ['exhibit.recorded', '2026-11-20T07:30:00.000Z', '2026-11-20 14:30:00 +07:00', 'Asia/Phnom_Penh'],
    ['ingest.started', '2026-11-20T08:00:00.000Z', '2026-11-20 15:00:00 +07:00', 'Asia/Phnom_Penh'],
    ['ingest.finished', '2026-11-20T08:00:00.000Z', '2026-11-20 15:00:00 +07:00', 'Asia/Phnom_Penh'],
    ['custody.transferred', '2026-11-21T02:00:00.000Z', '2026-11-21 09:00:00 +07:00', 'Asia/Phnom_Penh'],
    ['exhibit.seal-broken', '2026-11-22T01:15:00.000Z', '2026-11-22 10:15:00 +09:00', 'Asia/Tokyo'],
    ['exhibit.resealed', '2026-11-22T09:45:30.000Z', '2026-11-22 18:45:30 +09:00', 'Asia/Tokyo'],
  ];
  const log = events(casePath);
  const mine = log.filter((e) => (e.target === 'exhibit:EXH-001' || (e.target?.startsWith('source:') ?? false)) && custodyOfExhibit(e.action));
  assert.deepEqual(mine.map((e) => e.action), want.map((w) => w[0]));
  const headers = form.split('\n').filter((l) => /^#\d+ /.test(l));
  for (const [k, [, utc, local, zone]] of want.entries()) {
    const e = mine[k]!;
    assert.ok(headers.includes(`#${e.seq}  ${utc}  (local ${local} ${zone})  on ${e.host}`), `${e.action}:\n${headers.join('\n')}`);
    assert.ok(form.includes(`event hash ${e.hash}`));
  }
  assert.match(form, /Exhibit recorded by DS Tanaka/);
  assert.match(form, /Seal broken by Insp\. Kenji Sato; reason: to image the device/);
  assert.match(form, /Resealed by Insp\. Kenji Sato; reason: imaging finished\n {6}new seal S-0102 \(was S-0091\)/);
  assert.match(form, /export: .*export; \d+ files, \d+ bytes, 0 problems/);
  // The transfer, with both signatures.
  const sigs = tr.details.signatures as { officer: string; signature: string }[];
  assert.match(form, /Custody transferred by DS Tanaka; reason: to the forensic lab for examination\n {6}from DS Tanaka to Insp\. Kenji Sato; seal S-0091; signed by both:/);
  assert.match(form, /handed over +DS Tanaka {2}key [0-9a-f]{16} {2}signature verifies/);
  assert.match(form, /received +Insp\. Kenji Sato {2}key [0-9a-f]{16} {2}signature verifies/);
  for (const s of sigs) assert.ok(form.includes(s.signature), `the signature of ${s.officer} is printed`);
  // The verification line.
  assert.match(form, /^VERIFICATION$/m);
  assert.match(form, /^ {2}The custody log verifies: \d+ events chained, [1-9]\d* signed checkpoints? and 1 transfer check out\.$/m);
  assert.match(form, /^ {2}Printed \d{4}-\d\d-\d\dT/m);

  const missing = await runCli(['log', casePath, '--form', 'EXH-404']);
  assert.equal(missing.code, 3);
});
