// Progress of a long ingest as the front doors show it (CLI bar, UI panel).

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
import type { IngestProgress, IngestProblem, IngestSummary } from '../../shared/outputs.ts';
export type { IngestProgress, IngestProblem, IngestSummary };

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
