// Verify: re-hash every object in the store against the hashes recorded at ingest, and walk the
// custody chain. Reports like `hashdeep -a`: matched, changed, missing, with every affected item
// named, and records the run (and its outcome) as a custody event.
import type { VerifyProgress, ObjectProblem, VerifyReport } from '../../shared/outputs.ts';
import type { Case } from '../case.ts';
import type { CustodyVerifyOptions } from '../custody/checkpoint.ts';
import { verifyCustodyOffThread } from '../custody/offThread.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';
import { runBatches } from '../workers/batches.ts';
import type { VerifyResult, VerifyTask } from './protocol.ts';

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { VerifyProgress, ObjectProblem, VerifyReport };

export interface VerifyOptions {
  officer: string;
  workers?: number;
  workerUrl?: URL | string;
  onProgress?: (p: VerifyProgress) => void;
  /** Where the custody check finds receipts kept outside the case (custody/receipts.ts). */
  custody?: CustodyVerifyOptions;
  /** The custody check's worker module (custody/verify-worker.ts), where bundled. */
  custodyWorkerUrl?: URL | string;
}

/** The worker next to this module, when running from source; bundles pass their own URL. */
function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ './worker.ts', import.meta.url);
}

interface Expected {
  sha256: string;
  md5: string | null;
  sha1: string | null;
  size: number;
}

export async function verifyCase(kase: Case, opts: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const db = kase.db;
  const objects = db
    .prepare(
      `SELECT sha256, MIN(md5) AS md5, MIN(sha1) AS sha1, MAX(size) AS size FROM items
       WHERE sha256 IS NOT NULL GROUP BY sha256 ORDER BY sha256`,
    )
    .all() as Expected[];
  const itemCounts = db
    .prepare('SELECT COUNT(*) AS total, COUNT(sha256) AS hashed FROM items')
    .get() as { total: number; hashed: number };

  const progress: VerifyProgress = {
    objectsDone: 0,
    objectsTotal: objects.length,
    bytesDone: 0,
    bytesTotal: objects.reduce((a, o) => a + (o.size ?? 0), 0),
  };
  let lastEmit = 0;
  const problems: ObjectProblem[] = [];
  let matched = 0;
  const itemsOf = db.prepare('SELECT id, source_id AS source, path FROM items WHERE sha256 = ? ORDER BY id');

  const judge = (exp: Expected, r: VerifyResult): void => {
    progress.objectsDone++;
    progress.bytesDone += exp.size ?? 0;
    let problem: ObjectProblem | null = null;
    if (r.found === 'missing') {
      problem = { status: 'missing', sha256: exp.sha256, detail: 'the stored copy is missing from the case store', items: [] };
    } else if (r.error) {
      problem = { status: 'changed', sha256: exp.sha256, detail: `the stored copy cannot be read: ${r.error}`, items: [] };
    } else {
      const diffs: string[] = [];
      if (r.sha256 !== exp.sha256) diffs.push(`SHA-256 is now ${r.sha256}`);
      if (exp.sha1 && r.sha1 !== exp.sha1) diffs.push(`SHA-1 is now ${r.sha1}`);
      if (exp.md5 && r.md5 !== exp.md5) diffs.push(`MD5 is now ${r.md5}`);
      if (exp.size !== null && r.size !== exp.size) diffs.push(`size is now ${r.size} bytes (recorded ${exp.size})`);
      if (diffs.length) problem = { status: 'changed', sha256: exp.sha256, detail: `the stored copy was altered: ${diffs.join('; ')}`, items: [] };
    }
    if (problem) {
      problem.items = itemsOf.all(exp.sha256) as ObjectProblem['items'];
      problems.push(problem);
    } else {
      matched++;
    }
    const now = Date.now();
    if (now - lastEmit >= 100) {
      lastEmit = now;
      opts.onProgress?.({ ...progress });
    }
  };

  // Objects are judged as their results come in (rows are the problems found, kept in memory:
  // verify writes nothing but its custody event).
  await runBatches<number, VerifyTask, VerifyResult, null>({
    workerUrl: opts.workerUrl ?? defaultWorkerUrl(),
    setup: { storeDir: kase.layout.store, objectsDb: kase.layout.objectsDb },
    workers: opts.workers,
    items: objects.keys(),
    prepare: (i, id) => {
      const o = objects[i]!;
      const task = { id, size: o.size ?? 0, sha256: o.sha256 };
      // A large object is a file read on its own, so one worker's long read holds up no batch.
      return { task, alone: task.size > SMALL_OBJECT_MAX };
    },
    batchCount: 128,
    batchBytes: Number.MAX_SAFE_INTEGER,
    timeoutFor: (t) => 60_000 + Math.ceil(t.size / 10_000),
    onResult: (i, r) => (judge(objects[i]!, r), null),
    onStuck: (i, reason) => (judge(objects[i]!, { id: i, found: 'file', size: null, md5: null, sha1: null, sha256: null, error: reason }), null),
    write: () => {},
  });
  opts.onProgress?.({ ...progress });

  // A failure to write the case is never a property of an item; rows that say so were never stored.
  const unstored = db
    .prepare(
      `SELECT id, source_id AS source, path, error FROM items
       WHERE kind = 'file' AND sha256 IS NULL AND error IS NOT NULL
         AND (error LIKE '%ENOSPC%' OR error LIKE '%EDQUOT%' OR error LIKE '%SQLITE_FULL%' OR error LIKE '%EROFS%')
       ORDER BY id`,
    )
    .all() as VerifyReport['unstored'];
  const unfinished = db
    .prepare("SELECT id AS source, root_path AS path, status FROM sources WHERE status <> 'finished' ORDER BY id")
    .all() as VerifyReport['unfinished'];
  // The full custody check in its worker, on its own read-only connection: seconds on a long log
  // that the front door's thread spends answering the screens instead (custody/offThread.ts).
  const custody = await verifyCustodyOffThread(kase.layout.db, opts.custody ?? {}, opts.custodyWorkerUrl);
  const chain = custody.chain;
  const changed = problems.filter((p) => p.status === 'changed').length;
  const missing = problems.length - changed;
  const report: VerifyReport = {
    ok: problems.length === 0 && unstored.length === 0 && custody.ok,
    objects: { total: objects.length, matched, changed, missing },
    items: itemCounts,
    problems,
    unstored,
    unfinished,
    chain,
    custody,
    elapsedMs: Date.now() - started,
  };
  kase.custody.append({
    officer: opts.officer,
    action: 'verify.run',
    target: `case:${kase.info().uuid}`,
    details: {
      ok: report.ok,
      objects: report.objects,
      chainOk: chain.ok,
      custodyOk: custody.ok,
      chainEventsChecked: chain.events,
      checkpointsVerified: custody.checkpoints.verified,
      firstBadEvent: custody.findings[0]?.seq ?? null,
      problems: problems.slice(0, 50).map((p) => ({ status: p.status, sha256: p.sha256 })),
      ...(unstored.length ? { unstored: unstored.length } : {}),
      ...(unfinished.length ? { unfinished: unfinished.map((u) => u.source) } : {}),
    },
  });
  return report;
}
