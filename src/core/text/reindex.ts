// Text extraction for items already in a case (`evidence reindex`): cases ingested before text
// search existed, or again after the extractors improved. Reads the store copies (never the
// original export) on the ingest worker pool, so a file that hangs or crashes a parser costs a
// worker, not the run; writes in batched transactions; one custody event at the end.
// Without --all it reads the items with no text record: items that turned out to hold no text
// (a binary of unknown type) have none either, so each run looks at those again (their first
// megabyte), which is cheap next to reading the documents.
import type { ReindexSummary } from '../../shared/outputs.ts';
import { availableParallelism } from 'node:os';
import type { Case } from '../case.ts';
import { errorMessage } from '../errors.ts';
import type { HashResult, HashTask } from '../ingest/protocol.ts';
import { TaskPool } from '../workers/pool.ts';
import { type ItemText, mayHoldText } from './extract.ts';
import { writeItemText } from './store.ts';

export interface ReindexOptions {
  officer: string;
  /** Re-extract every item, not only those never read for text. */
  all?: boolean;
  workers?: number;
  workerUrl?: URL | string;
  signal?: AbortSignal;
  onProgress?: (p: ReindexProgress) => void;
}

export interface ReindexProgress {
  /** Items looked at so far, of all items that may hold text. */
  done: number;
  total: number;
  /** Items with text indexed by this run. */
  indexed: number;
  errors: number;
  currentPath: string | null;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { ReindexSummary };

const PAGE = 1000;
const COMMIT_ROWS = 500;
const COMMIT_MS = 250;
const MAX_PROBLEMS_KEPT = 200;

function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ '../ingest/worker.ts', import.meta.url);
}

interface Candidate {
  id: number;
  path: string;
  name: string;
  mime: string | null;
  size: number;
  sha256: string;
}

export async function reindexText(kase: Case, opts: ReindexOptions): Promise<ReindexSummary> {
  const db = kase.db;
  const started = Date.now();
  const all = opts.all === true;
  const pending = all ? '' : 'AND NOT EXISTS (SELECT 1 FROM item_text t WHERE t.item_id = i.id)';
  const page = db.prepare(
    `SELECT i.id, i.path, i.name, i.mime, i.size, i.sha256 FROM items i
     WHERE i.kind = 'file' AND i.sha256 IS NOT NULL AND i.size > 0 AND i.id > ? ${pending} ORDER BY i.id LIMIT ${PAGE}`,
  );
  // First pass: how many may hold text, for progress (names and types only, no bytes read).
  let total = 0;
  for (let after = 0; ; ) {
    const rows = page.all(after) as Candidate[];
    if (rows.length === 0) break;
    for (const r of rows) if (mayHoldText(r.name, r.mime)) total++;
    after = rows[rows.length - 1]!.id;
  }
  const summary: ReindexSummary = { status: 'finished', candidates: total, indexed: 0, empty: 0, errors: 0, chars: 0, problems: [], elapsedMs: 0 };
  const progress: ReindexProgress = { done: 0, total, indexed: 0, errors: 0, currentPath: null };
  const byTask = new Map<number, Candidate>();
  let writes: { item: Candidate; text: ItemText | null }[] = [];
  let lastCommit = Date.now();
  let lastEmit = 0;
  const problem = (c: Candidate, error: string): void => {
    summary.errors++;
    progress.errors++;
    if (summary.problems.length < MAX_PROBLEMS_KEPT) summary.problems.push({ id: c.id, path: c.path, error });
  };
  const drop = db.prepare('DELETE FROM item_text WHERE item_id = ?');
  const dropIndex = db.prepare('DELETE FROM text_index WHERE rowid = ?');
  const commit = (): void => {
    if (writes.length === 0) return;
    const batch = writes;
    writes = [];
    db.transaction(() => {
      for (const w of batch) {
        if (w.text) writeItemText(db, w.item.id, w.text, true);
        else if (all) {
          dropIndex.run(w.item.id);
          drop.run(w.item.id);
        }
      }
    })();
    lastCommit = Date.now();
  };
  const emit = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    opts.onProgress?.({ ...progress });
  };
  const onResult = (r: HashResult): void => {
    const c = byTask.get(r.id);
    if (!c) return;
    byTask.delete(r.id);
    progress.done++;
    progress.currentPath = c.path;
    const t = r.text;
    if (t) {
      if (t.text.length > 0) {
        summary.indexed++;
        progress.indexed++;
        summary.chars += t.text.length;
      } else if (!t.error) summary.empty++;
      if (t.error) problem(c, t.error);
    }
    writes.push({ item: c, text: t });
    if (writes.length >= COMMIT_ROWS || Date.now() - lastCommit >= COMMIT_MS) commit();
    emit();
  };
  const pool = new TaskPool<HashTask, HashResult>({
    workerUrl: opts.workerUrl ?? defaultWorkerUrl(),
    setup: { storeDir: kase.layout.store, tmpDir: kase.layout.tmp },
    size: Math.max(1, opts.workers ?? availableParallelism()),
    timeoutFor: (t) => 30_000 + Math.ceil(t.size / 20_000),
    onResult,
    onStuck: (task, reason) => {
      const c = byTask.get(task.id);
      if (!c) return;
      byTask.delete(task.id);
      progress.done++;
      problem(c, `text extraction stopped a worker (${reason}); the item keeps no text`);
    },
  });
  let failure: unknown = null;
  let nextTask = 1;
  try {
    let batch: HashTask[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      const b = batch;
      batch = [];
      batchBytes = 0;
      await pool.submit(b);
    };
    outer: for (let after = 0; ; ) {
      const rows = page.all(after) as Candidate[];
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      for (const c of rows) {
        if (opts.signal?.aborted) break outer;
        if (!mayHoldText(c.name, c.mime)) continue;
        const where = kase.store.locate(c.sha256);
        if (!where) {
          progress.done++;
          problem(c, 'not read for text: its store copy is missing (run evidence verify)');
          continue;
        }
        const id = nextTask++;
        byTask.set(id, c);
        const content: HashTask['content'] =
          where === 'blob' ? { type: 'bytes', data: kase.store.readBlob(c.sha256)! } : { type: 'file', fsPath: Buffer.from(kase.store.filePath(c.sha256)) };
        batch.push({ id, content, size: c.size, name: c.name, analyze: true, textOnly: { mime: c.mime } });
        batchBytes += where === 'blob' ? c.size : 0;
        if (batch.length >= 64 || batchBytes >= 4 * 1024 * 1024 || where === 'file') await flush();
      }
    }
    await flush();
    await pool.idle();
  } catch (err) {
    failure = err;
  } finally {
    await pool.close();
  }
  try {
    commit();
  } catch (err) {
    failure ??= err;
  }
  summary.status = opts.signal?.aborted ? 'interrupted' : 'finished';
  summary.elapsedMs = Date.now() - started;
  emit(true);
  kase.custody.append({
    officer: opts.officer,
    action: failure ? 'text.reindex-failed' : 'text.reindexed',
    target: `case:${kase.info().uuid}`,
    details: {
      scope: all ? 'all items' : 'items not yet read for text',
      status: summary.status,
      candidates: summary.candidates,
      indexed: summary.indexed,
      empty: summary.empty,
      errors: summary.errors,
      chars: summary.chars,
      ...(failure ? { error: errorMessage(failure) } : {}),
    },
  });
  if (failure) throw failure;
  return summary;
}
