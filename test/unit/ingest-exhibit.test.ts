// An ingest needs an exhibit the case holds (issue 14): in court every file must trace to a
// seized device, its seal and its chain of custody. Against a real case.db and real exports:
// no exhibit, a blank one or an unknown one is refused with its own code and recorded nothing
// (no source, no exhibit invented, no custody event: refusals are not logged, as an export
// already ingested is not); the CLI exits 2 / 3 saying how to record one; a resume keeps the
// exhibit it started with and is refused plainly into another; a case an earlier version made,
// whose source names no exhibit, still opens, lists and verifies.
import './custody-helpers.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TEST_PASSWORD } from '../setup.ts';
import { Case } from '../../src/core/case.ts';
import type { Input } from '../../src/shared/contract.ts';
import { EXH, exhibitIn, newCase, runCli, tempDir } from './helpers.ts';
import { actions, details, events, rejectsCode, throwsCode } from './custody-helpers.ts';

function exportOf(t: Parameters<typeof tempDir>[0], files = 3): string {
  const dir = join(tempDir(t), 'export');
  mkdirSync(join(dir, 'DCIM'), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, i % 2 ? 'DCIM' : '', `f${String(i).padStart(4, '0')}.txt`), `file ${i} `.repeat(40));
  return dir;
}

/** What a refused ingest must leave as it was. */
function recorded(casePath: string): { events: number; sources: number; exhibits: number; items: number } {
  const db = new Database(join(casePath, 'case.db'), { readonly: true });
  try {
    const n = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { events: n('custody_events'), sources: n('sources'), exhibits: n('exhibits'), items: n('items') };
  } finally {
    db.close();
  }
}

/** An input without the exhibit the contract's type requires, as a front door that left it out would send. */
const withoutExhibit = (input: Omit<Input<'ingest'>, 'exhibit'> & { exhibit?: string | null }): Input<'ingest'> => input as Input<'ingest'>;

test('no exhibit, a blank one or one the case does not hold: refused with its own code, nothing recorded', async (t) => {
  const { service, casePath, session } = newCase(t);
  const src = exportOf(t);
  const before = recorded(casePath);

  for (const exhibit of [undefined, null, '', '   ']) {
    await rejectsCode(
      service.ingest(withoutExhibit({ session, sourcePath: src, exhibit })),
      'EXHIBIT_REQUIRED',
      /An ingest needs the exhibit the export comes from: every file must trace to a seized device[\s\S]*evidence exhibit add <case> --number EXH-001[\s\S]*Exhibits screen/,
    );
    // The job is refused at its start, not as a job that fails later: the screen says so at once.
    throwsCode(() => service.startIngest(withoutExhibit({ session, sourcePath: src, exhibit })), 'EXHIBIT_REQUIRED');
  }
  // A number the case does not hold is not recorded on the officer's behalf.
  await rejectsCode(
    service.ingest({ session, sourcePath: src, exhibit: 'EXH-404' }),
    'EXHIBIT_UNKNOWN',
    /There is no exhibit EXH-404 in this case\. It holds no exhibit yet\. Record the seized device first[\s\S]*--number EXH-404/,
  );
  throwsCode(() => service.startIngest({ session, sourcePath: src, exhibit: 'EXH-404' }), 'EXHIBIT_UNKNOWN');
  assert.deepEqual(recorded(casePath), before, 'no source, no exhibit, no item, no custody event');
  assert.deepEqual(service.listExhibits({ casePath }), []);

  // Once recorded, the ingest goes into it; the message names the exhibits the case holds.
  exhibitIn(service, session, 'EXH-001');
  await rejectsCode(service.ingest({ session, sourcePath: src, exhibit: 'EXH-404' }), 'EXHIBIT_UNKNOWN', /It holds EXH-001\./);
  const s = await service.ingest({ session, sourcePath: src, exhibit: 'EXH-001', workers: 1 });
  assert.equal(s.status, 'finished');
  assert.equal(s.exhibit, 'EXH-001');
  assert.equal(service.getExhibit({ casePath, number: 'EXH-001' }).items, s.items);
  const started = events(casePath).find((e) => e.action === 'ingest.started')!;
  assert.equal(details(started).exhibit, 'EXH-001');
});

test('a reviewer is told they may not ingest, not that an exhibit is missing', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: 'Prosecutor Ito', role: 'reviewer', password: TEST_PASSWORD });
  const rev = service.signIn({ casePath, officer: 'Prosecutor Ito', password: TEST_PASSWORD }).session;
  await rejectsCode(service.ingest(withoutExhibit({ session: rev, sourcePath: exportOf(t) })), 'FORBIDDEN', /may not ingest exports/);
  throwsCode(() => service.startIngest(withoutExhibit({ session: rev, sourcePath: exportOf(t) })), 'FORBIDDEN');
});

test('CLI: ingest without --exhibit exits 2, into an unknown exhibit exits 3, each saying how to record one; nothing recorded', async (t) => {
  const { service, casePath, session } = newCase(t);
  const src = exportOf(t);
  const before = recorded(casePath);
  const none = await runCli(['ingest', casePath, src]);
  assert.deepEqual(recorded(casePath), before, 'refused before signing in: not even a sign-in is recorded');
  assert.equal(none.code, 2, none.err);
  assert.match(none.err, /An ingest needs the exhibit the export comes from[\s\S]*evidence exhibit add <case> --number EXH-001/);
  const unknown = await runCli(['ingest', casePath, src, '--exhibit', 'EXH-404']);
  assert.equal(unknown.code, 3, unknown.err);
  assert.match(unknown.err, /There is no exhibit EXH-404 in this case/);
  assert.doesNotMatch(none.out + unknown.out, /Ingest finished/);
  const after = recorded(casePath);
  assert.deepEqual({ ...after, events: 0 }, { ...before, events: 0 }, 'no source, no exhibit, no item');
  const added = actions(casePath).slice(before.events);
  assert.ok(added.every((a) => a.startsWith('officer.') || a.startsWith('custody.checkpoint')), `only the CLI's sign-in and sign-out: ${added.join(', ')}`);
  // The help says it is required.
  const help = await runCli(['ingest', '--help']);
  assert.match(help.out, /--exhibit <number>\s+required: the exhibit the export comes from, recorded\s+first with evidence exhibit add/);
  // Recorded, it works.
  exhibitIn(service, session, EXH);
  const ok = await runCli(['ingest', casePath, src, '--exhibit', EXH]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, new RegExp(`Ingest finished: .* -> exhibit ${EXH}`));
});

test('a resume keeps the exhibit it started with; into another exhibit it is refused plainly, recording nothing', async (t) => {
  const { service, casePath, session } = newCase(t);
  exhibitIn(service, session, 'EXH-001');
  exhibitIn(service, session, 'EXH-002');
  const src = exportOf(t, 600);
  // Stopped once the ingest is claimed (as Ctrl-C or Cancel does).
  const stop = new AbortController();
  const first = await service.ingest(
    { session, sourcePath: src, exhibit: 'EXH-001', workers: 1, text: false },
    { signal: stop.signal, onProgress: (p) => p.phase !== 'scanning' && stop.abort() },
  );
  assert.equal(first.status, 'interrupted');
  const sourceId = first.sourceId;

  const before = recorded(casePath);
  await rejectsCode(
    service.ingest({ session, sourcePath: src, exhibit: 'EXH-002', workers: 1 }),
    'CONFLICT',
    new RegExp(`was started into exhibit EXH-001 and stopped before the end \\(source ${sourceId}\\)\\. To finish it, ingest it into exhibit EXH-001 again \\(a resume keeps the exhibit it started with\\)`),
  );
  // As a job (the app's way): the job fails with the same refusal.
  const job = service.startIngest({ session, sourcePath: src, exhibit: 'EXH-002' });
  await service.jobs.settled(job.jobId);
  const status = service.jobStatus({ session, jobId: job.jobId });
  assert.equal(status.state, 'failed');
  assert.equal(status.error?.code, 'CONFLICT');
  assert.deepEqual(recorded(casePath), before, 'the refusal recorded nothing');

  const resumed = await service.ingest({ session, sourcePath: src, exhibit: 'EXH-001', workers: 1 });
  assert.equal(resumed.status, 'finished');
  assert.equal(resumed.resumed, true);
  assert.equal(resumed.sourceId, sourceId, 'the same source, resumed');
  assert.equal(service.getExhibit({ casePath, number: 'EXH-001' }).items, service.listItems({ casePath, exhibit: 'EXH-001' }).total);
  assert.ok(service.listItems({ casePath, exhibit: 'EXH-001', kind: 'file' }).total === 600, 'every file of the export, under its exhibit');
  assert.equal(service.getExhibit({ casePath, number: 'EXH-002' }).items, 0);
  const ev = events(casePath).filter((e) => e.target === `source:${sourceId}` && e.action.startsWith('ingest.'));
  assert.deepEqual(
    ev.map((e) => [e.action, details(e).exhibit]),
    [
      ['ingest.started', 'EXH-001'],
      ['ingest.interrupted', 'EXH-001'],
      ['ingest.resumed', 'EXH-001'],
      ['ingest.finished', 'EXH-001'],
    ],
  );
  assert.equal((await service.verifyCustody({ casePath })).ok, true);
});

test("a case an earlier version made, whose interrupted ingest named no exhibit: opens, lists and verifies; resuming it into an exhibit is refused plainly; --again catalogues it under one", async (t) => {
  const { service, casePath, session, officer } = newCase(t);
  const src = exportOf(t);
  // What an earlier version's ingest without --exhibit recorded when it claimed the export and
  // was stopped at once: the source with no exhibit, and its ingest.started event saying so.
  const old = Case.open(casePath);
  old.db.transaction(() => {
    const id = Number(
      old.db
        .prepare(
          `INSERT INTO sources (exhibit_id, kind, root_path, status, officer, host, pid, runner, started_at, fingerprint, scan_files, scan_bytes)
           VALUES (NULL, 'folder', ?, 'interrupted', ?, ?, NULL, NULL, ?, NULL, NULL, NULL)`,
        )
        .run(src, officer, hostname(), new Date().toISOString()).lastInsertRowid,
    );
    old.custody.append({ officer, action: 'ingest.started', target: `source:${id}`, details: { source: src, kind: 'folder', exhibit: null } });
  })();
  old.close();
  // The officer's session signs what it holds (as the earlier version's session did its own).
  service.checkpoint({ session, reason: 'the earlier version ingested here' });

  // It opens, lists and verifies: no migration invents an exhibit for it.
  assert.equal(service.caseInfo({ casePath }).number, 'KH-2026-0142');
  assert.equal(service.listItems({ casePath }).total, 0);
  assert.deepEqual(service.listExhibits({ casePath }), []);
  const custody = await service.verifyCustody({ casePath });
  assert.deepEqual(custody.findings, []);
  assert.equal(custody.ok, true);

  exhibitIn(service, session, EXH);
  const before = recorded(casePath);
  await rejectsCode(
    service.ingest({ session, sourcePath: src, exhibit: EXH }),
    'CONFLICT',
    /was started with no exhibit \(before ingests needed one\) and stopped before the end \(source 1\)\. It cannot be resumed into an exhibit; ingest the export again as a new source \(--again with a reason\)/,
  );
  assert.deepEqual(recorded(casePath), before);
  const again = await service.ingest({ session, sourcePath: src, exhibit: EXH, again: true, reason: 'the first ingest named no exhibit' });
  assert.equal(again.status, 'finished');
  assert.equal(again.exhibit, EXH);
  assert.notEqual(again.sourceId, 1);
  assert.equal(service.getExhibit({ casePath, number: EXH }).items, again.items);
  assert.ok(actions(casePath).includes('ingest.finished'));
  assert.equal((await service.verifyCustody({ casePath })).ok, true);
});
