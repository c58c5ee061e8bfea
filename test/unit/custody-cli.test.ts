// The custody commands of the CLI against a real case: a transfer that needs both officers'
// passwords and carries both signatures (checked here with node:crypto alone), a case worked in
// UTC+7 and reviewed in UTC+9 (real child processes with TZ set), and `evidence log` filters.
import './custody-helpers.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { newCase, runCli, runCliChild, tempDir } from './helpers.ts';
import { type EventRow, details, ed25519Verifies, events, fixedClock, withDb, withEnv } from './custody-helpers.ts';
import { EvidenceService } from '../../src/core/service.ts';

const SATO = 'Insp. Kenji Sato';
const SATO_PW = 'sato-password-12';
const SOK = 'Sok Dara';
const SOK_PW = 'sok-dara-password-7';

interface Transfer {
  from: string;
  to: string;
  seal: string | null;
  statement: string;
  signatures: { officer: string; public_key: string; signature: string }[];
}

/** The custody actions of an exhibit and its exports (ingest, seals, transfers, the record itself). */
const custodyOfExhibit = (action: string): boolean => /^(exhibit|ingest|custody)\./.test(action);

function custodian(casePath: string, number: string): string | null {
  return withDb(casePath, (db) => (db.prepare('SELECT custodian FROM exhibits WHERE number = ?').get(number) as { custodian: string | null }).custodian);
}

test('custody transfer: both passwords, only the custodian, and a statement signed by both', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: SATO, role: 'examiner', password: SATO_PW });
  service.addOfficer({ session, name: SOK, role: 'officer', password: SOK_PW });
  service.addExhibit({ session, number: 'EXH-001', sealNumber: 'S-0091', deviceMake: 'Apple' });
  const uuid = service.caseInfo({ casePath }).uuid;
  const dir = tempDir(t);
  const file = (name: string, pw: string): string => {
    writeFileSync(join(dir, name), `${pw}\n`);
    return join(dir, name);
  };
  const satoFile = file('sato', SATO_PW);
  const wrongFile = file('wrong', 'not-the-password');
  const transfers = (): EventRow[] => events(casePath).filter((e) => e.action === 'custody.transferred');
  const base = ['custody', 'transfer', casePath, '--exhibit', 'EXH-001', '--reason', 'to the forensic lab for examination'];

  // A wrong password for the receiving officer (from $EVIDENCE_TO_PASSWORD): refused, nothing transferred.
  let r = await runCli([...base, '--to', SATO, '--officer', 'DS Tanaka']);
  assert.equal(r.code, 6, r.err);
  assert.match(r.err, /Wrong password for Insp\. Kenji Sato \(1 of 5/);
  assert.equal(transfers().length, 0);
  assert.equal(custodian(casePath, 'EXH-001'), 'DS Tanaka');
  // ... and from --to-password-file.
  r = await runCli([...base, '--to', SATO, '--to-password-file', wrongFile]);
  assert.equal(r.code, 6);
  assert.match(r.err, /Wrong password for Insp\. Kenji Sato \(2 of 5/);
  // A wrong password for the one handing over: refused before the receiver is asked.
  r = await runCli([...base, '--to', SATO, '--password-file', wrongFile, '--to-password-file', satoFile]);
  assert.equal(r.code, 6);
  assert.match(r.err, /Wrong password for DS Tanaka/);
  // Only the custodian can hand it over.
  r = await runCli([...base, '--to', SATO, '--officer', SOK, '--password-file', file('sok', SOK_PW), '--to-password-file', satoFile]);
  assert.equal(r.code, 4, r.err);
  assert.match(r.err, /Exhibit EXH-001 is held by DS Tanaka, not Sok Dara: only its custodian can hand it over/);
  // To oneself, or to nobody known.
  r = await runCli([...base, '--to', 'DS Tanaka']);
  assert.equal(r.code, 2);
  assert.match(r.err, /two different officers/);
  r = await runCli([...base, '--to', 'Ghost Officer', '--to-password-file', satoFile]);
  assert.equal(r.code, 6);
  assert.match(r.err, /There is no officer "Ghost Officer"/);
  assert.equal(transfers().length, 0, 'none of the refused attempts recorded a transfer');
  assert.equal(custodian(casePath, 'EXH-001'), 'DS Tanaka');
  const failed = events(casePath).filter((e) => e.target === `officer:${SATO}` && e.action === 'officer.sign-in-failed');
  assert.equal(failed.length, 2, 'the wrong passwords are in the log');

  // Both passwords right: transferred, signed by both.
  r = await runCli([...base, '--to', SATO, '--to-password-file', satoFile]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Exhibit EXH-001 transferred from DS Tanaka to Insp\. Kenji Sato \(custody event \d+, signed by both\)/);
  assert.equal(custodian(casePath, 'EXH-001'), SATO);
  const [ev] = transfers();
  assert.ok(ev);
  assert.equal(ev.officer, 'DS Tanaka');
  assert.equal(ev.target, 'exhibit:EXH-001');
  assert.equal(ev.reason, 'to the forensic lab for examination');
  const d = details(ev) as unknown as Transfer;
  assert.deepEqual([d.from, d.to, d.seal], ['DS Tanaka', SATO, 'S-0091']);
  const st = JSON.parse(d.statement) as Record<string, unknown>;
  assert.deepEqual(st, {
    type: 'evidence-catalogue/custody-transfer',
    version: 1,
    caseUuid: uuid,
    exhibit: 'EXH-001',
    seal: 'S-0091',
    from: 'DS Tanaka',
    to: SATO,
    reason: 'to the forensic lab for examination',
    atUtc: st.atUtc,
  });
  assert.match(String(st.atUtc), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // Each signature on its own, with node:crypto and the officer's key from officer_keys.
  const keys = withDb(casePath, (db) => db.prepare('SELECT public_key, officer FROM officer_keys').all()) as { public_key: string; officer: string }[];
  assert.deepEqual(d.signatures.map((s) => s.officer), ['DS Tanaka', SATO]);
  for (const s of d.signatures) {
    const registered = keys.filter((k) => k.officer === s.officer);
    assert.equal(registered.length, 1);
    assert.equal(s.public_key, registered[0]!.public_key);
    assert.ok(ed25519Verifies(registered[0]!.public_key, d.statement, s.signature), `${s.officer}'s signature verifies`);
    assert.ok(!ed25519Verifies(registered[0]!.public_key, d.statement.replace(SATO, SOK), s.signature), 'not over another statement');
  }
  assert.notEqual(d.signatures[0]!.signature, d.signatures[1]!.signature);
  assert.ok(!ed25519Verifies(keys.find((k) => k.officer === SATO)!.public_key, d.statement, d.signatures[0]!.signature), 'one officer\'s key does not verify the other\'s signature');

  // Back again with both passwords from the environment, and the old custodian now refused.
  r = await withEnv({ EVIDENCE_PASSWORD: SATO_PW, EVIDENCE_TO_PASSWORD: TEST_PASSWORD }, () =>
    runCli(['custody', 'transfer', casePath, '--exhibit', 'EXH-001', '--to', 'DS Tanaka', '--officer', SATO, '--reason', 'examination done']),
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(custodian(casePath, 'EXH-001'), 'DS Tanaka');
  r = await withEnv({ EVIDENCE_PASSWORD: SATO_PW }, () => runCli([...base, '--to', SOK, '--officer', SATO, '--to-password-file', join(dir, 'sok')]));
  assert.equal(r.code, 4);
  assert.match(r.err, /held by DS Tanaka, not Insp\. Kenji Sato/);

  const v = await runCli(['custody', 'verify', casePath]);
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /Transfers: +2 of 2 carry both signatures/);
  // The receiving officer's session ended with its own signed checkpoint.
  const cps = withDb(casePath, (db) => db.prepare('SELECT officer FROM checkpoints').all()) as { officer: string }[];
  assert.ok(cps.some((c) => c.officer === SATO));
});

test('time zones: worked in UTC+7 (Asia/Phnom_Penh), reviewed in UTC+9 (Asia/Tokyo), each shown in its own zone', async (t) => {
  const root = tempDir(t);
  const casePath = join(root, 'case');
  const src = join(root, 'export');
  mkdirSync(join(src, 'DCIM'), { recursive: true });
  writeFileSync(join(src, 'DCIM', 'IMG_0001.txt'), 'photo');
  writeFileSync(join(src, 'chat.txt'), 'meet on friday');
  const pp = { env: { TZ: 'Asia/Phnom_Penh' } };
  const tokyo = { env: { TZ: 'Asia/Tokyo' } };
  const ok = (r: { code: number; out: string; err: string }): string => {
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    return r.out;
  };
  // Worked in Phnom Penh: the case opened and the phone's export ingested (naming its exhibit)...
  ok(await runCliChild(['case', 'init', casePath, '--name', 'Operation Mekong', '--number', 'KH-2026-0200', '--officer', 'Sok Dara'], pp));
  // (an ingest needs its exhibit recorded first: the label recorded where it was seized)...
  ok(await runCliChild(['exhibit', 'add', casePath, '--number', 'EXH-001', '--seal', 'S-0091', '--seized-at', '2026-11-20T14:05:00+07:00'], pp));
  ok(await runCliChild(['ingest', casePath, src, '--exhibit', 'EXH-001', '--workers', '1'], pp));
  // ... reviewed in Tokyo: an item looked at, a seal broken there to examine the phone.
  const items = JSON.parse((await runCli(['ls', casePath, '--json'])).out) as { items: { id: number; path: string }[] };
  const item = items.items.find((i) => i.path === 'chat.txt')!;
  const show = ok(await runCliChild(['show', casePath, String(item.id)], tokyo));
  ok(await runCliChild(['exhibit', 'seal', casePath, 'EXH-001', '--break', '--reason', 'to examine the phone'], tokyo));

  const log = events(casePath);
  const zoneOf = (pred: (e: EventRow) => boolean): [string, string][] => log.filter(pred).map((e) => [e.tz_offset, e.tz_name]);
  for (const a of ['case.created', 'ingest.started', 'ingest.finished']) {
    assert.deepEqual(zoneOf((e) => e.action === a), [['+07:00', 'Asia/Phnom_Penh']], a);
  }
  assert.deepEqual(zoneOf((e) => e.action === 'exhibit.recorded'), [['+07:00', 'Asia/Phnom_Penh']], 'recorded where it was seized');
  assert.deepEqual(zoneOf((e) => e.action === 'exhibit.seal-broken'), [['+09:00', 'Asia/Tokyo']], 'its seal broken in Tokyo');
  assert.deepEqual(zoneOf((e) => e.action === 'item.viewed'), [['+09:00', 'Asia/Tokyo']]);
  // Sign-ins in each place carry their own zone too.
  const signIns = new Set(zoneOf((e) => e.action === 'officer.signed-in').map((z) => z.join(' ')));
  assert.deepEqual([...signIns].sort(), ['+07:00 Asia/Phnom_Penh', '+09:00 Asia/Tokyo']);
  // `show` in Tokyo lists the item's custody in the zone each event was recorded in.
  const viewed = log.find((e) => e.action === 'item.viewed')!;
  const started = log.find((e) => e.action === 'ingest.started')!;
  const plus = (utc: string, h: number): string => new Date(Date.parse(utc) + h * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
  assert.ok(show.includes(`#${started.seq} ${plus(started.at_utc, 7)} +07:00 Sok Dara: ingest.started`), show);
  assert.ok(show.includes(`#${viewed.seq} ${plus(viewed.at_utc, 9)} +09:00 Sok Dara: item.viewed`), show);

  // `evidence log` shows both zones.
  const table = (await runCli(['log', casePath])).out;
  assert.match(table, /^SEQ\s+TIME \(UTC\)\s+ZONE\s+OFFICER\s+ACTION/);
  assert.match(table, new RegExp(`^${started.seq}\\s+${started.at_utc.replace(/\./g, '\\.')}\\s+\\+07:00 Asia/Phnom_Penh\\s+Sok Dara\\s+ingest\\.started`, 'm'));
  assert.match(table, new RegExp(`^${viewed.seq}\\s+${viewed.at_utc.replace(/\./g, '\\.')}\\s+\\+09:00 Asia/Tokyo\\s+Sok Dara\\s+item\\.viewed`, 'm'));

  // `log --form` (printed here, in neither zone): each event in the local time of the zone it was done in.
  const form = ok(await runCli(['log', casePath, '--form', 'EXH-001']));
  const mine = log.filter((e) => (e.target === 'exhibit:EXH-001' || (e.target?.startsWith('source:') ?? false)) && custodyOfExhibit(e.action));
  assert.deepEqual(mine.map((e) => e.action), ['exhibit.recorded', 'ingest.started', 'ingest.finished', 'exhibit.seal-broken']);
  assert.deepEqual(mine.map((e) => e.tz_name), ['Asia/Phnom_Penh', 'Asia/Phnom_Penh', 'Asia/Phnom_Penh', 'Asia/Tokyo']);
  for (const e of mine) {
    const h = e.tz_name === 'Asia/Tokyo' ? 9 : 7;
    assert.ok(form.includes(`#${e.seq}  ${e.at_utc}  (local ${plus(e.at_utc, h)} ${e.tz_offset} ${e.tz_name})`), `${e.action} in ${e.tz_name}:\n${form}`);
  }
  assert.match(form, /^ {2}Seized at {8}2026-11-20T14:05:00\+07:00$/m);
  assert.match(form, /The custody log verifies/);
});

test('evidence log filters: exhibit, item, officer, action (exact and family), since/until with offsets, JSON', async (t) => {
  const root = tempDir(t);
  const casePath = join(root, 'case');
  const src = join(root, 'export');
  mkdirSync(src);
  writeFileSync(join(src, 'a.txt'), 'alpha');
  writeFileSync(join(src, 'b.txt'), 'bravo');
  const clock = fixedClock('2026-11-20T07:00:00.000Z', 'Asia/Phnom_Penh');
  const service = new EvidenceService({ clock, scryptN: TEST_SCRYPT_N });
  t.after(() => service.close());
  service.createCase({ casePath, name: 'Operation Sakura', number: 'KH-2026-0142', officer: 'DS Tanaka', password: TEST_PASSWORD });
  const admin = service.signIn({ casePath, officer: 'DS Tanaka', password: TEST_PASSWORD }).session;
  service.addOfficer({ session: admin, name: SOK, role: 'officer', password: SOK_PW });
  clock.set('2026-11-20T07:30:00.000Z');
  service.addExhibit({ session: admin, number: 'EXH-001', sealNumber: 'S-1' });
  service.addExhibit({ session: admin, number: 'EXH-002', sealNumber: 'S-2' });
  clock.set('2026-11-20T08:00:00.000Z');
  await service.ingest({ session: admin, sourcePath: src, exhibit: 'EXH-001', workers: 1 });
  clock.set('2026-11-20T09:00:00.000Z');
  const sok = service.signIn({ casePath, officer: SOK, password: SOK_PW }).session;
  const items = service.listItems({ casePath }).items;
  const a = items.find((i) => i.path === 'a.txt')!;
  const b = items.find((i) => i.path === 'b.txt')!;
  service.getItem({ session: sok, id: a.id });
  clock.set('2026-11-20T10:00:00.000Z');
  service.recordSeal({ session: sok, exhibit: 'EXH-002', action: 'broken', reason: 'look inside' });
  service.getItem({ session: admin, id: b.id });

  const all = events(casePath);
  const log = async (...args: string[]): Promise<EventRow[]> => {
    const r = await runCli(['log', casePath, ...args, '--json']);
    assert.equal(r.code, 0, r.err);
    const list = JSON.parse(r.out) as (Omit<EventRow, 'details'> & { details: unknown })[];
    // Whole events, in order, with their chain hashes.
    for (const e of list) {
      const row = all.find((x) => x.seq === e.seq)!;
      assert.equal(e.hash, row.hash);
      assert.equal(e.prev_hash, row.prev_hash);
      assert.deepEqual(e.details, JSON.parse(row.details));
    }
    assert.deepEqual(list.map((e) => e.seq), [...list.map((e) => e.seq)].sort((x, y) => x - y));
    return list as unknown as EventRow[];
  };
  // (other work on an export, e.g. analysis runs, may add its own events to the source)
  const acts = (l: EventRow[]): string[] => l.filter((e) => custodyOfExhibit(e.action) || !e.target?.startsWith('source:')).map((e) => `${e.action} ${e.target}`);

  // --exhibit: its record, its seal events and the ingest of its export, nothing of EXH-002.
  const source = all.find((e) => e.action === 'ingest.started')!.target!;
  assert.deepEqual(acts(await log('--exhibit', 'EXH-001')), ['exhibit.recorded exhibit:EXH-001', `ingest.started ${source}`, `ingest.finished ${source}`]);
  assert.deepEqual(acts(await log('--exhibit', 'EXH-002')), ['exhibit.recorded exhibit:EXH-002', 'exhibit.seal-broken exhibit:EXH-002']);
  assert.deepEqual(await log('--exhibit', 'EXH-404'), []);
  // --item: its views and the ingest that found it.
  assert.deepEqual(acts(await log('--item', String(a.id))), [`ingest.started ${source}`, `ingest.finished ${source}`, `item.viewed item:${a.id}`]);
  const ofB = await log('--item', String(b.id));
  assert.deepEqual(acts(ofB), [`ingest.started ${source}`, `ingest.finished ${source}`, `item.viewed item:${b.id}`]);
  assert.ok(ofB.every((e) => e.officer === 'DS Tanaka'));
  // --officer
  const bySok = await log('--officer', SOK);
  assert.ok(bySok.every((e) => e.officer === SOK));
  assert.deepEqual(acts(bySok), [`officer.signed-in officer:${SOK}`, `item.viewed item:${a.id}`, 'exhibit.seal-broken exhibit:EXH-002']);
  // --action: exact, and a family (the part before the dot).
  assert.deepEqual(acts(await log('--action', 'ingest.finished')), [`ingest.finished ${source}`]);
  assert.deepEqual(acts(await log('--action', 'ingest')), [`ingest.started ${source}`, `ingest.finished ${source}`]);
  const officerFamily = await log('--action', 'officer');
  assert.deepEqual([...new Set(officerFamily.map((e) => e.action))].sort(), ['officer.added', 'officer.signed-in']);
  assert.deepEqual(await log('--action', 'ingest.fin'), [], 'a dotted action matches exactly');
  assert.deepEqual(await log('--action', 'inges'), [], 'a family matches whole words only');
  assert.deepEqual(await log('--action', 'i_gest'), [], '"_" is not a wildcard');
  // Combined.
  assert.deepEqual(acts(await log('--officer', SOK, '--action', 'item')), [`item.viewed item:${a.id}`]);
  // --since/--until in any offset, compared as instants (both ends included).
  const between = await log('--since', '2026-11-20T15:00:00+07:00', '--until', '2026-11-20T18:00:00+09:00');
  assert.ok(between.length > 0);
  assert.ok(between.every((e) => e.at_utc >= '2026-11-20T08:00:00.000Z' && e.at_utc <= '2026-11-20T09:00:00.000Z'));
  assert.deepEqual(
    acts(between.filter((e) => !e.action.startsWith('officer.'))),
    [`ingest.started ${source}`, `ingest.finished ${source}`, `item.viewed item:${a.id}`],
  );
  assert.deepEqual(acts(await log('--since', '2026-11-20T10:00:00Z', '--action', 'exhibit')), ['exhibit.seal-broken exhibit:EXH-002']);
  assert.deepEqual(acts(await log('--until', '2026-11-20T02:30:00-05:00', '--action', 'exhibit')), ['exhibit.recorded exhibit:EXH-001', 'exhibit.recorded exhibit:EXH-002']);
  assert.deepEqual(await log('--since', '2026-11-20T12:00:00+14:00', '--until', '2026-11-19T12:00:00-12:00'), [], 'before the case was opened');
  assert.equal((await log('--since', '2026-11-20T20:59:59+14:00')).length, all.length, 'one second before it');
  for (const bad of ['2026-11-20', '2026-11-20T15:00:00', 'yesterday']) {
    const r = await runCli(['log', casePath, '--since', bad]);
    assert.equal(r.code, 2, `--since ${bad}`);
    assert.match(r.err, /since/);
  }
  const badItem = await runCli(['log', casePath, '--item', 'x']);
  assert.equal(badItem.code, 2);

  // The table: one line per event, with the zone.
  const table = await runCli(['log', casePath, '--exhibit', 'EXH-002']);
  const lines = table.out.split('\n');
  assert.match(lines[0]!, /^SEQ\s+TIME \(UTC\)\s+ZONE\s+OFFICER\s+ACTION\s+TARGET\s+REASON\s+HASH$/);
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /^\d+\s+2026-11-20T10:00:00\.000Z\s+\+07:00 Asia\/Phnom_Penh\s+Sok Dara\s+exhibit\.seal-broken\s+exhibit:EXH-002\s+look inside\s+[0-9a-f]{12}…$/);
});
