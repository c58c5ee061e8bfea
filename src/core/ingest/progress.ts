// Progress of a long ingest as the front doors show it (CLI bar, UI panel).

export interface IngestProgress {
  phase: 'scanning' | 'ingesting' | 'finishing';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  errors: number;
  duplicates: number;
  currentPath: string | null;
  elapsedMs: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export interface IngestProblem {
  path: string;
  error: string;
}

export interface IngestSummary {
  sourceId: number;
  sourcePath: string;
  exhibit: string | null;
  status: 'finished' | 'interrupted';
  resumed: boolean;
  /** Items recorded by this run (files, folders, links, special files). */
  items: number;
  files: number;
  folders: number;
  links: number;
  special: number;
  bytes: number;
  /** Files whose content was already in the store (same SHA-256). */
  duplicates: number;
  /** Items already recorded by an earlier, interrupted run of the same ingest. */
  alreadyDone: number;
  errorCount: number;
  /** The first problems, for the summary; all are on the items. */
  problems: IngestProblem[];
  elapsedMs: number;
  /** Told before the work started (e.g. the export will likely not fit on the case's disk). */
  warnings?: string[];
  /** Detectors and known-hash sets over this source, run when the ingest finishes. */
  analysis?: { suggestions: number; byTag: Record<string, number>; knownBad: number; knownGood: number; perSet: Record<string, number> };
}

/** Keeps rate and ETA from a sliding window, so a burst of tiny files does not swing the ETA. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  push(t: number, bytes: number): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }
  rate(): number {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    if (!a || !b || b.t - a.t < 200) return 0;
    return ((b.bytes - a.bytes) * 1000) / (b.t - a.t);
  }
}
