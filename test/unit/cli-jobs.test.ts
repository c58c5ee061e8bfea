// The CLI runs long work as jobs, as the app does (src/cli/jobs.ts): the ingest is started with
// startIngest and followed by its events (progress, the summary, a failure with the engine's own
// code, so the exit codes stay those of the README), and Ctrl-C cancels the job. The job runner
// names a failure of the case's disk or database as such (exit 7 and 8), not as a bug. And the
// stage line the progress shows ("catalogue 1,234/20,000 files · then text, then index").
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobRunner } from '../../src/core/jobs/runner.ts';
import { followJob } from '../../src/cli/jobs.ts';
import { makeCtx } from '../../src/cli/context.ts';
import { stageLine } from '../../src/cli/progress.ts';
import type { IngestProgress } from '../../src/shared/contract.ts';
import { EvidenceError } from '../../src/core/errors.ts';
import { newCase, tempDir, exhibitIn } from './helpers.ts';

function exportOf(root: string, files: number, size: number): void {
  mkdirSync(root, { recursive: true });
  for (let k = 0; k < files; k++) writeFileSync(join(root, `f${k}.bin`), Buffer.alloc(size, k));
}

test('an ingest followed as a job: progress events, the summary; the same again fails with ALREADY_INGESTED; a cancel ends it interrupted', async (t) => {
  const { service, session } = newCase(t);
  const ctx = makeCtx(service, { out: () => {}, err: () => {} }, () => {});
  const src = join(tempDir(t), 'export');
  exportOf(src, 30, 64 * 1024);

  const seen: IngestProgress[] = [];
  const job = followJob<'ingest'>(ctx, session, () => service.startIngest({ session, exhibit: exhibitIn(service, session), sourcePath: src, workers: 1 }), (p) => seen.push(p));
  const s = await job.result;
  assert.equal(s.status, 'finished');
  assert.equal(s.files, 30);
  assert.ok(seen.length > 0, 'progress arrived as job events');
  assert.equal(seen.at(-1)!.filesDone, 30);

  const again = followJob<'ingest'>(ctx, session, () => service.startIngest({ session, exhibit: exhibitIn(service, session), sourcePath: src }), () => {});
  await assert.rejects(again.result, (e: unknown) => e instanceof EvidenceError && e.code === 'ALREADY_INGESTED');

  // Cancelled at once (as Ctrl-C does): the job ends with an interrupted summary, and resumes.
  const big = join(tempDir(t), 'big');
  exportOf(big, 40, 2 * 1024 * 1024);
  const cancelled = followJob<'ingest'>(ctx, session, () => service.startIngest({ session, exhibit: exhibitIn(service, session), sourcePath: big, workers: 1 }), () => {});
  cancelled.cancel();
  const c = await cancelled.result;
  assert.equal(c.status, 'interrupted');
  const resumed = await followJob<'ingest'>(ctx, session, () => service.startIngest({ session, exhibit: exhibitIn(service, session), sourcePath: big, workers: 1 }), () => {}).result;
  assert.equal(resumed.status, 'finished');
  assert.equal(service.listItems({ casePath: service.jobStatus({ session, jobId: cancelled.jobId }).casePath, kind: 'file', limit: 1 }).total, 70);
});

test("a job failing on the case's disk or database is named so (CASE_UNWRITABLE, CASE_DAMAGED), not an internal error", async () => {
  const jobs = new JobRunner();
  const fail = async (err: Error): Promise<{ code: string; message: string }> => {
    const { jobId } = jobs.start('verify', { casePath: '/cases/sakura', officer: 'DS Tanaka' }, async () => {
      throw err;
    });
    return (await jobs.settled(jobId)).error!;
  };
  const full = await fail(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
  assert.equal(full.code, 'CASE_UNWRITABLE');
  assert.match(full.message, /the case's disk is full .*free space on the disk holding \/cases\/sakura/);
  const enospc = await fail(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
  assert.equal(enospc.code, 'CASE_UNWRITABLE');
  const corrupt = await fail(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }));
  assert.equal(corrupt.code, 'CASE_DAMAGED');
  const bug = await fail(new TypeError('x is undefined'));
  assert.equal(bug.code, 'INTERNAL');
});

test('the stage line: the stage, its count, what follows, and that the catalogue is ready once past it', () => {
  const base: IngestProgress = {
    phase: 'ingesting', filesDone: 1234, filesTotal: 20000, bytesDone: 0, bytesTotal: 0, errors: 0, duplicates: 0,
    currentPath: null, elapsedMs: 0, bytesPerSecond: 0, etaSeconds: null,
  };
  assert.equal(stageLine(base), 'catalogue 1,234/20,000 files · then text, then index');
  assert.equal(stageLine({ ...base, stage: 'catalogue', stageDone: 5, stageTotal: 9 }, { text: false }), 'catalogue 5/9 files');
  assert.equal(
    stageLine({ ...base, stage: 'text', stageDone: 500, stageTotal: 20000 }),
    'text 500/20,000 items · then index · the catalogue is ready to browse while search is built',
  );
  assert.equal(stageLine({ ...base, stage: 'index', stageDone: 7, stageTotal: 8 }), 'index 7/8 items · the catalogue is ready to browse while search is built');
});
