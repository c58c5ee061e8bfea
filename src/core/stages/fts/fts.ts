// The index stage, after the text stage: adds to the full-text index (text_index, FTS5 trigram,
// external content over text_content) every item whose text is recorded and not yet indexed
// (item_text.indexed = 0). Each transaction indexes a few hundred milliseconds' worth and marks
// those items indexed with it, so a run cut short resumes where it stopped; between
// transactions the event loop turns (progress, cancel, other requests).
// FTS5's trigram tokenizer is this stage's cost: about 6-7 million characters per CPU-second on
// the machines of issue 11 (detail=column or none would be faster but refuse phrase queries, which
// every search term of 3+ characters is); the summary gives the rate measured on this run.
import type { Case } from '../../case.ts';
import { indexItemTexts } from '../../text/store.ts';
import type { StageOptions, StageProgress } from '../text/text.ts';

export interface IndexStageSummary {
  status: 'finished' | 'interrupted';
  /** Items indexed by this run. */
  items: number;
  chars: number;
  /** CPU time of the indexing transactions (this process, all threads), and the rate. */
  cpuMs: number;
  charsPerCpuSecond: number | null;
  elapsedMs: number;
}

/** One transaction indexes at most this many items, and stops adding once this much time is spent. */
const TX_ITEMS = 2000;
const TX_MS = 250;
const PAGE = 200;

export async function runIndexStage(kase: Case, opts: StageOptions = {}): Promise<IndexStageSummary> {
  const started = Date.now();
  const db = kase.db;
  const source = opts.sourceId === undefined ? '' : 'AND i.source_id = @source';
  const join = opts.sourceId === undefined ? '' : 'JOIN items i ON i.id = t.item_id';
  const params = { source: opts.sourceId };
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM item_text t ${join} WHERE t.indexed = 0 ${source}`).get(params) as { n: number }).n;
  const pending = db.prepare(
    `SELECT t.item_id AS id FROM item_text t ${join} WHERE t.indexed = 0 AND t.item_id > @after ${source} ORDER BY t.item_id LIMIT ${PAGE}`,
  );
  const progress: StageProgress = { stage: 'index', done: 0, total, errors: 0, currentPath: null };
  const summary: IndexStageSummary = { status: 'finished', items: 0, chars: 0, cpuMs: 0, charsPerCpuSecond: null, elapsedMs: 0 };
  opts.onProgress?.({ ...progress });
  let after = 0;
  let more = true;
  while (more) {
    if (opts.signal?.aborted) {
      summary.status = 'interrupted';
      break;
    }
    const cpu0 = process.cpuUsage();
    db.transaction(() => {
      const t0 = Date.now();
      let n = 0;
      while (n < TX_ITEMS && Date.now() - t0 < TX_MS) {
        const ids = (pending.all({ ...params, after }) as { id: number }[]).map((r) => r.id);
        if (ids.length === 0) {
          more = false;
          return;
        }
        summary.chars += indexItemTexts(db, ids);
        after = ids[ids.length - 1]!;
        n += ids.length;
        summary.items += ids.length;
      }
    })();
    const cpu = process.cpuUsage(cpu0);
    summary.cpuMs += (cpu.user + cpu.system) / 1000;
    progress.done = summary.items;
    opts.onProgress?.({ ...progress });
    // Let the event loop turn: a cancel, a search or a progress event is not held up by the index.
    await new Promise((r) => setImmediate(r));
  }
  summary.charsPerCpuSecond = summary.cpuMs > 0 ? Math.round(summary.chars / (summary.cpuMs / 1000)) : null;
  summary.elapsedMs = Date.now() - started;
  return summary;
}
