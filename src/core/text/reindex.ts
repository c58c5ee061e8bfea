// Text extraction for items already in a case (`evidence reindex`): cases ingested before text
// search existed, or with --no-text, or again after the extractors improved. The same two stages
// an ingest runs after its catalogue: the text stage (store copies read on the workers, text and
// detectors, rows written in batched transactions) and the index stage (the full-text index);
// one custody event at the end. Without --all it reads the items with no text record, so a run
// cut short is resumed by running it again.
import type { ReindexProgress, ReindexSummary } from '../../shared/outputs.ts';
import type { Case } from '../case.ts';
import { errorMessage } from '../errors.ts';
import { runIndexStage, type IndexStageSummary } from '../stages/fts/fts.ts';
import { runTextStage, type StageProgress } from '../stages/text/text.ts';

export interface ReindexOptions {
  officer: string;
  /** Re-extract every item, not only those never read for text. */
  all?: boolean;
  workers?: number;
  /** The text stage's worker (src/core/stages/text/worker.ts), for bundles; from source it is found. */
  textWorkerUrl?: URL | string;
  signal?: AbortSignal;
  onProgress?: (p: ReindexProgress) => void;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { ReindexProgress, ReindexSummary };

export async function reindexText(kase: Case, opts: ReindexOptions): Promise<ReindexSummary> {
  const started = Date.now();
  const all = opts.all === true;
  const summary: ReindexSummary = { status: 'finished', candidates: 0, indexed: 0, empty: 0, errors: 0, chars: 0, problems: [], elapsedMs: 0 };
  let failure: unknown = null;
  let index: IndexStageSummary | null = null;
  let suggestions = 0;
  // Each stage reports its own count; what the text stage found is carried through the index stage.
  let found = 0;
  let textErrors = 0;
  const forward = (p: StageProgress): void => {
    if (p.stage === 'text') {
      found = p.found ?? 0;
      textErrors = p.errors;
    }
    opts.onProgress?.({ stage: p.stage, done: p.done, total: p.total, indexed: found, errors: textErrors, currentPath: p.currentPath });
  };
  try {
    const text = await runTextStage(kase, { all, workers: opts.workers, workerUrl: opts.textWorkerUrl, signal: opts.signal, onProgress: forward });
    Object.assign(summary, { status: text.status, candidates: text.candidates, indexed: text.indexed, empty: text.empty, errors: text.errors, chars: text.chars, problems: text.problems });
    suggestions = text.suggestions;
    found = text.indexed;
    textErrors = text.errors;
    opts.onProgress?.({ stage: 'text', done: text.candidates, total: text.candidates, indexed: text.indexed, errors: text.errors, currentPath: null });
    // The index is built even after an interrupted text stage: what was read becomes searchable.
    index = await runIndexStage(kase, { signal: opts.signal, onProgress: forward });
    if (index.status === 'interrupted') summary.status = 'interrupted';
  } catch (err) {
    failure = err;
  }
  summary.elapsedMs = Date.now() - started;
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
      suggestions,
      ...(index ? { indexedChars: index.chars, ftsCharsPerCpuSecond: index.charsPerCpuSecond } : {}),
      ...(failure ? { error: errorMessage(failure) } : {}),
    },
  });
  if (failure) throw failure;
  return summary;
}
