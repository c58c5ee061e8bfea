// Issue 14 items 8-9 in the engine: a hash set import as a job (progress, result, refusal before
// the start, cancel that records nothing), the known-bad sets on catalogue rows, and the one
// table of roles (shared/roles.ts) agreeing with what the engine refuses and with sessionInfo.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EvidenceEvent, Input, MethodName } from '../../src/shared/contract.ts';
import { METHOD_PERMISSION, PERMISSIONS, can, mayCall } from '../../src/shared/roles.ts';
import { ROLE_NAMES } from '../../src/shared/outputs.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { newCase, tempDir } from './helpers.ts';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function caseWithFiles(t: Parameters<typeof newCase>[0]) {
  const c = newCase(t);
  const root = join(tempDir(t), 'export');
  mkdirSync(root);
  const bodies = ['alpha evidence', 'beta evidence', 'gamma evidence', 'delta evidence'];
  bodies.forEach((b, i) => writeFileSync(join(root, `f${i}.txt`), b));
  c.service.addExhibit({ session: c.session, number: 'EXH-001' });
  await c.service.ingest({ session: c.session, sourcePath: root, exhibit: 'EXH-001' });
  return { ...c, bodies };
}

function events(service: { onEvent(l: (e: EvidenceEvent) => void): () => void }, jobId: () => string | null) {
  const seen: EvidenceEvent[] = [];
  const off = service.onEvent((e) => {
    if (e.payload.jobId === jobId()) seen.push(e);
  });
  return { seen, off };
}

test('startHashsetImport: a job with progress and the import as its result; rows carry the known-bad set names', async (t) => {
  const { service, casePath, session, bodies } = await caseWithFiles(t);
  const file = join(tempDir(t), 'bad.sha256');
  writeFileSync(file, `${sha256(bodies[1]!)}  f1.txt\n${sha256(bodies[3]!)}  f3.txt\nnot a hash\n`);
  let id: string | null = null;
  const ev = events(service, () => id);
  id = service.startHashsetImport({ session, file, name: 'Lab bad', kind: 'bad' }).jobId;
  const status = await service.jobs.settled(id);
  ev.off();
  assert.equal(status.state, 'finished');
  const progress = ev.seen.filter((e) => e.type === 'job.progress');
  assert.ok(progress.length > 0, 'progress was reported');
  for (const p of progress) assert.equal(p.payload.job, 'hashset');
  const done = ev.seen.find((e) => e.type === 'job.finished');
  assert.ok(done && done.payload.job === 'hashset');
  assert.equal(done.payload.result.matched, 2);
  assert.equal(done.payload.result.skipped, 1);
  assert.deepEqual(service.listHashsets({ casePath }).map((s) => [s.name, s.kind, s.matches]), [['Lab bad', 'bad', 2]]);
  assert.equal(service.jobStatus({ session, jobId: id }).state, 'finished');
  // The rows: the set's name on the two matched files, nothing on the others.
  const rows = service.listItems({ casePath, kind: 'file', sort: 'name' }).items;
  assert.deepEqual(
    rows.map((r) => [r.name, r.knownBad ?? null]),
    [
      ['f0.txt', null],
      ['f1.txt', ['Lab bad']],
      ['f2.txt', null],
      ['f3.txt', ['Lab bad']],
    ],
  );
  assert.equal(service.custodyLog({ casePath, action: 'hashset.imported' }).length, 1);
  // Search results carry the alert too: in the text hits and in the name hits.
  const found = service.search({ session, query: 'evidence' });
  assert.deepEqual(found.hits.map((h) => [h.name, h.knownBad ?? null]).sort(), rows.map((r) => [r.name, r.knownBad ?? null]));
  const named = service.search({ session, query: 'f3.txt' }).named?.hits ?? [];
  assert.deepEqual(named.map((h) => h.knownBad), [['Lab bad']]);
});

test('startHashsetImport: a reviewer is refused before any job starts; a cancelled import records nothing', async (t) => {
  const { service, casePath, session, bodies } = await caseWithFiles(t);
  const file = join(tempDir(t), 'good.sha256');
  writeFileSync(file, `${sha256(bodies[0]!)}\n`);
  service.addOfficer({ session, name: 'Prosecutor Ito', role: 'reviewer', password: TEST_PASSWORD });
  const rev = service.signIn({ casePath, officer: 'Prosecutor Ito', password: TEST_PASSWORD }).session;
  assert.throws(() => service.startHashsetImport({ session: rev, file, name: 'x', kind: 'good' }), /is a reviewer and may not import hash sets/);
  assert.equal(service.jobs.running().length, 0);

  const { jobId } = service.startHashsetImport({ session, file, name: 'NSRL', kind: 'good' });
  service.cancelJob({ session, jobId });
  const status = await service.jobs.settled(jobId);
  assert.equal(status.state, 'cancelled');
  assert.equal(status.error?.code, 'CANCELLED');
  assert.equal(service.listHashsets({ casePath }).length, 0);
  assert.equal(service.custodyLog({ casePath, action: 'hashset.imported' }).length, 0);
});

test('the roles table: sessionInfo lists what each role may call, and the engine refuses a reviewer the rest', async (t) => {
  const { service, casePath, session } = await caseWithFiles(t);
  for (const role of ROLE_NAMES) {
    if (role === 'admin') continue;
    service.addOfficer({ session, name: `A ${role}`, role, password: TEST_PASSWORD });
  }
  const sessions = Object.fromEntries(
    ROLE_NAMES.map((role) => [role, role === 'admin' ? session : service.signIn({ casePath, officer: `A ${role}`, password: TEST_PASSWORD }).session]),
  ) as Record<(typeof ROLE_NAMES)[number], string>;
  for (const role of ROLE_NAMES) {
    const info = service.sessionInfo({ session: sessions[role] });
    assert.equal(info.role, role);
    for (const [m, p] of Object.entries(METHOD_PERMISSION)) {
      assert.equal(info.methods.includes(m), can(role, p), `${role} ${m}`);
      assert.equal(mayCall(role, m as MethodName), PERMISSIONS[role].includes(p));
    }
  }
  assert.equal(can('nobody', 'view'), false, 'an unknown role may do nothing');

  // Every method the table denies a reviewer is refused by the engine for that reason.
  const rev = sessions.reviewer;
  const item = service.listItems({ casePath, kind: 'file', limit: 1 }).items[0]!.id;
  const note = service.addNote({ session, item, text: 'examiner note' }).id;
  const file = join(tempDir(t), 'x.sha256');
  writeFileSync(file, `${'a'.repeat(64)}\n`);
  const calls: { [M in MethodName]?: Input<M> } = {
    addOfficer: { session: rev, name: 'New One', role: 'officer', password: TEST_PASSWORD },
    setOfficerStatus: { session: rev, name: 'A officer', status: 'disabled', reason: 'r' },
    addExhibit: { session: rev, number: 'EXH-009' },
    recordSeal: { session: rev, exhibit: 'EXH-001', action: 'broken', reason: 'r' },
    transferCustody: { session: rev, toSession: sessions.officer, exhibit: 'EXH-001', reason: 'r' },
    startIngest: { session: rev, sourcePath: tempDir(t), exhibit: 'EXH-001' },
    reindexText: { session: rev },
    startReindex: { session: rev },
    startHashsetImport: { session: rev, file, name: 'x', kind: 'bad' },
    runSuggestions: { session: rev },
    addTag: { session: rev, id: 'x-tag', labelEn: 'X', colour: '#112233' },
    tagItems: { session: rev, tag: 'financial-record', ids: [item] },
    untagItems: { session: rev, tag: 'financial-record', ids: [item] },
    addNote: { session: rev, item, text: 'reviewer note' },
    removeNote: { session: rev, note, reason: 'r' },
    startExport: { session: rev, selection: { all: true }, destination: join(tempDir(t), 'bundle') },
  };
  for (const [m, p] of Object.entries(METHOD_PERMISSION)) {
    if (can('reviewer', p)) continue;
    const input = calls[m as MethodName];
    if (!input) continue;
    const call = async () => (service as unknown as Record<string, (i: unknown) => unknown>)[m]!(input);
    await assert.rejects(call, (err: Error & { code?: string }) => err.code === 'FORBIDDEN' && /reviewer/.test(err.message), `${m} refused for a reviewer`);
  }
  const denied = Object.entries(METHOD_PERMISSION).filter(([, p]) => !can('reviewer', p)).map(([m]) => m);
  assert.deepEqual(denied.filter((m) => !(m in calls)).sort(), ['addRulePack', 'decideSuggestions', 'ingest', 'importHashset'].sort());
  // What a reviewer keeps: search, items, tags, verify.
  assert.ok(service.search({ session: rev, query: 'evidence' }).hits.length > 0);
  assert.equal(service.getItem({ session: rev, id: item }).notes[0]?.text, 'examiner note');
  assert.ok(service.listTags({ session: rev }).length > 0);
  assert.equal((await service.verify({ session: rev })).ok, true);
});
