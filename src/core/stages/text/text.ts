// The text stage, after the catalogue: for every item that may hold text and has no text record
// yet, a worker reads its store copy, extracts the text and runs the detectors and rules over it;
// the main thread writes the prepared rows (item_text, text_content, suggestions) in batched
// transactions. What is done is in the database, so a run cut short (kill -9, cancel) is resumed
// by running it again. The full-text index is built afterwards by the index stage (fts.ts).
// Items that turned out to hold no text (a binary of unknown type) get no record, so a later run
// looks at them again (their first megabyte): cheap next to reading the documents.
import type { Case } from '../../case.ts';
import { activeRulePacks } from '../../detect/suggestions.ts';
import { mayHoldText } from '../../text/extract.ts';
import { dropItemText, writeItemText } from '../../text/store.ts';
import { runBatches } from '../../workers/batches.ts';
import type { TextResult, TextSetup, TextTask } from './protocol.ts';

/** Progress of a stage after the catalogue (H1 forwards it as IngestProgress stage/stageDone/stageTotal). */
export interface StageProgress {
  stage: 'text' | 'index';
  done: number;
  total: number;
  errors: number;
  /** Text stage: items that gave text so far. */
  found?: number;
  currentPath: string | null;
}

export interface StageOptions {
  /** Only the items of this source (an ingest); else the whole case. */
  sourceId?: number;
  signal?: AbortSignal;
  onProgress?(p: StageProgress): void;
}

export interface TextStageOptions extends StageOptions {
  /** Read every item again, not only those with no text record (reindex --all); not resumable. */
  all?: boolean;
  /** Run the detectors and rules on the text (default true). */
  detectors?: boolean;
  workers?: number;
  workerUrl?: URL | string;
}

export interface TextStageSummary {
  status: 'finished' | 'interrupted';
  /** Items looked at (may hold text and had no record, or all with `all`). */
  candidates: number;
  /** Items that gave text. */
  indexed: number;
  /** Items read that hold no text. */
  empty: number;
  errors: number;
  chars: number;
  problems: { id: number; path: string; error: string }[];
  /** New suggestions, and per tag. */
  suggestions: number;
  byTag: Record<string, number>;
  elapsedMs: number;
}

const PAGE = 1000;
const MAX_PROBLEMS_KEPT = 200;

function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ './worker.ts', import.meta.url);
}

interface Candidate {
  id: number;
  path: string;
  name: string;
  mime: string | null;
  size: number;
  sha256: string;
}

type Row = { c: Candidate; r: TextResult } | { c: Candidate; drop: true };

/** The items the text stage still has to read, in id order, read page by page. */
function* candidates(kase: Case, opts: TextStageOptions): Generator<Candidate> {
  const pending = opts.all ? '' : 'AND NOT EXISTS (SELECT 1 FROM item_text t WHERE t.item_id = i.id)';
  const source = opts.sourceId === undefined ? '' : 'AND i.source_id = @source';
  const page = kase.db.prepare(
    `SELECT i.id, i.path, i.name, i.mime, i.size, i.sha256 FROM items i
     WHERE i.kind = 'file' AND i.sha256 IS NOT NULL AND i.size > 0 AND i.id > @after ${source} ${pending} ORDER BY i.id LIMIT ${PAGE}`,
  );
  // Pages, not one open iterator: a read statement must not stay open across the stage's writes.
  for (let after = 0; ; ) {
    const rows = page.all({ after, source: opts.sourceId }) as Candidate[];
    if (rows.length === 0) return;
    for (const r of rows) if (mayHoldText(r.name, r.mime)) yield r;
    after = rows[rows.length - 1]!.id;
  }
}

export async function runTextStage(kase: Case, opts: TextStageOptions = {}): Promise<TextStageSummary> {
  const started = Date.now();
  const db = kase.db;
  // How many, for progress (names and types only, no bytes read).
  let total = 0;
  for (const _ of candidates(kase, opts)) total++;
  const summary: TextStageSummary = {
    status: 'finished',
    candidates: total,
    indexed: 0,
    empty: 0,
    errors: 0,
    chars: 0,
    problems: [],
    suggestions: 0,
    byTag: {},
    elapsedMs: 0,
  };
  const progress: StageProgress = { stage: 'text', done: 0, total, errors: 0, found: 0, currentPath: null };
  const problem = (c: Candidate, error: string): void => {
    summary.errors++;
    progress.errors++;
    if (summary.problems.length < MAX_PROBLEMS_KEPT) summary.problems.push({ id: c.id, path: c.path, error });
  };
  const packs = opts.detectors === false ? null : activeRulePacks(db);
  const at = kase.clock.now().toISOString();
  const suggest = db.prepare(
    `INSERT OR IGNORE INTO suggestions (item_id, tag_id, rule_id, score, evidence, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const setup: TextSetup = { storeDir: kase.layout.store, objectsDb: kase.layout.objectsDb, packs };
  opts.onProgress?.({ ...progress });
  const out = await runBatches<Candidate, TextTask, TextResult, Row>({
    workerUrl: opts.workerUrl ?? defaultWorkerUrl(),
    setup,
    workers: opts.workers,
    items: candidates(kase, opts),
    db,
    prepare: (c, id) => ({ task: { id, size: c.size, sha256: c.sha256, name: c.name, mime: c.mime } }),
    // Only the first megabytes of a large file are read for text; a batch is bounded by count.
    batchBytes: Number.MAX_SAFE_INTEGER,
    batchCount: 32,
    timeoutFor: (t) => 30_000 + Math.ceil(t.size / 20_000),
    onResult: (c, r) => {
      if (r.missing) {
        problem(c, 'not read for text: its store copy is missing (run evidence verify)');
        return null;
      }
      const t = r.text;
      if (t) {
        if (t.text.length > 0) {
          summary.indexed++;
          summary.chars += t.text.length;
        } else if (!t.error) summary.empty++;
        if (t.error) problem(c, t.error);
      }
      if (r.detectError) problem(c, `detectors failed: ${r.detectError}`);
      if (!t) return opts.all ? { c, drop: true } : null;
      return { c, r };
    },
    onStuck: (c, reason, lost) => {
      if (lost) return null; // not its fault and nothing written: the next run reads it
      problem(c, `text extraction stopped a worker (${reason}); the item keeps no text`);
      // A record with the problem, so a resumed stage does not hang on it again.
      return { c, r: { id: 0, missing: false, text: { kind: 'text', text: '', encoding: null, truncated: false, error: `text extraction stopped a worker (${reason})` }, hits: [], detectError: null } };
    },
    write: (rows) => {
      for (const w of rows) {
        if ('drop' in w) {
          dropItemText(db, w.c.id);
          continue;
        }
        writeItemText(db, w.c.id, w.r.text!, { replace: opts.all === true, index: false });
        for (const h of w.r.hits) {
          if (suggest.run(w.c.id, h.tag, h.ruleId, h.score, h.evidence, at).changes > 0) {
            summary.suggestions++;
            summary.byTag[h.tag] = (summary.byTag[h.tag] ?? 0) + 1;
          }
        }
      }
    },
    signal: opts.signal,
    onProgress: (p) => {
      progress.done = p.done;
      progress.found = summary.indexed;
      progress.currentPath = p.last?.path ?? null;
      opts.onProgress?.({ ...progress });
    },
  });
  summary.status = out.status;
  summary.elapsedMs = Date.now() - started;
  return summary;
}
