// Progress of a long ingest as the front doors show it (CLI bar, UI panel), and the summary it ends with.

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
import type { IngestProgress, IngestProblem, IngestSummary } from '../../shared/outputs.ts';
import { problemText } from '../catalogue/issues.ts';
export type { IngestProgress, IngestProblem, IngestSummary };

/** Keeps rate and ETA from a sliding window, so a burst of tiny files does not swing the ETA. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  push(t: number, bytes: number): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }
  /** How long the window covers, ms. */
  span(): number {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return a && b ? b.t - a.t : 0;
  }
  rate(): number {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    if (!a || !b || b.t - a.t < 200) return 0;
    return ((b.bytes - a.bytes) * 1000) / (b.t - a.t);
  }
}

const PROGRESS_MS = 100;
const MAX_PROBLEMS_KEPT = 200;

/** One ingest's running account: the summary it returns and the progress it reports as it goes. */
export class IngestReport {
  readonly summary: IngestSummary;
  readonly progress: IngestProgress = {
    phase: 'scanning',
    stage: 'catalogue',
    stageDone: 0,
    stageTotal: 0,
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    errors: 0,
    duplicates: 0,
    currentPath: null,
    elapsedMs: 0,
    bytesPerSecond: 0,
    etaSeconds: null,
  };
  readonly started = Date.now();
  private readonly meter = new RateMeter();
  private lastEmit = 0;
  private readonly onProgress: ((p: IngestProgress) => void) | undefined;

  constructor(head: Pick<IngestSummary, 'sourcePath' | 'exhibit'>, onProgress?: (p: IngestProgress) => void) {
    this.onProgress = onProgress;
    this.summary = {
      sourceId: 0,
      ...head,
      status: 'finished',
      resumed: false,
      items: 0,
      files: 0,
      folders: 0,
      links: 0,
      special: 0,
      bytes: 0,
      duplicates: 0,
      alreadyDone: 0,
      errorCount: 0,
      problems: [],
      elapsedMs: 0,
    };
  }

  /** Reports progress, at most every PROGRESS_MS unless forced. */
  emit(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < PROGRESS_MS) return;
    this.lastEmit = now;
    const p = this.progress;
    p.elapsedMs = now - this.started;
    // The rate is of the reading only: the counting scan's time, when nothing is read, would make
    // the first file look slow (33 B/s and "ETA 29 min" for a 58 KiB export).
    if (p.phase === 'ingesting') this.meter.push(now, p.bytesDone);
    p.bytesPerSecond = this.meter.rate();
    const left = Math.max(0, p.bytesTotal - p.bytesDone);
    // No ETA from the first second of reading: one file's time says little of the rest's.
    p.etaSeconds = p.phase === 'ingesting' && p.bytesPerSecond > 0 && this.meter.span() >= 1000 ? Math.ceil(left / p.bytesPerSecond) : null;
    // The catalogue stage counts files (the stage fields are the contract's, for every stage).
    if (p.stage === 'catalogue') {
      p.stageDone = p.filesDone;
      p.stageTotal = p.filesTotal;
    }
    this.onProgress?.({ ...p });
  }

  addProblem(p: IngestProblem): void {
    // Notices (an encrypted member hashed raw, a sparse file...) are shown on the item, not
    // counted as problems (catalogue/issues.ts).
    const problem = problemText(p.error);
    if (problem === null) {
      this.summary.noticeCount = (this.summary.noticeCount ?? 0) + 1;
      if ((this.summary.notices ??= []).length < MAX_PROBLEMS_KEPT) this.summary.notices.push(p);
      return;
    }
    this.summary.errorCount++;
    this.progress.errors++;
    if (this.summary.problems.length < MAX_PROBLEMS_KEPT) this.summary.problems.push({ ...p, error: problem });
  }

  /** The counts recorded with the source's end (sources.summary and the custody event). */
  counts(): Record<string, number> {
    const s = this.summary;
    return {
      items: s.items,
      files: s.files,
      folders: s.folders,
      links: s.links,
      special: s.special,
      bytes: s.bytes,
      duplicates: s.duplicates,
      errors: s.errorCount,
      alreadyDone: s.alreadyDone,
    };
  }
}
