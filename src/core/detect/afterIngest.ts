// What runs at the end of every finished ingest, over the items of that source: the detectors
// and rules (suggestions, never tags; run by the text stage on the workers when the ingest ran it) and the known-hash sets (matches), each in its own
// transaction. What they found goes into the ingest's own ingest.finished custody event
// (details.analysis), written right after. A failure here is recorded (analysis.failed) and
// reported, never allowed to fail the ingest: the evidence is catalogued either way, and both
// can be re-run (`evidence suggest run`; sets match again at their next import).
import type { Case } from '../case.ts';
import { errorMessage } from '../errors.ts';
import { matchSource } from '../hashsets/hashsets.ts';
import { runDetectors } from './suggestions.ts';

export interface AfterIngest {
  suggestions: number;
  /** New suggestions per tag. */
  byTag: Record<string, number>;
  knownBad: number;
  knownGood: number;
  /** Items of this source in each set, by set name. */
  perSet: Record<string, number>;
  problems: string[];
}

/**
 * `detected`: what the text stage (src/core/stages/text/text.ts) found, when it ran the detectors on
 * the workers as it read the text; then they are not run again here, only reported.
 */
export function afterIngest(
  kase: Case,
  sourceId: number,
  officer: string,
  detected?: { suggestions: number; byTag: Record<string, number>; problems: { id: number; error: string }[] },
): AfterIngest {
  const out: AfterIngest = { suggestions: 0, byTag: {}, knownBad: 0, knownGood: 0, perSet: {}, problems: [] };
  const record = (what: string, err: unknown): void => {
    const message = `${what} failed: ${errorMessage(err)}`;
    out.problems.push(message);
    try {
      kase.custody.append({ officer, action: 'analysis.failed', target: `source:${sourceId}`, details: { what, error: errorMessage(err) } });
    } catch {
      /* the ingest's own events still record the run */
    }
  };
  if (detected) {
    out.suggestions = detected.suggestions;
    out.byTag = detected.byTag;
    for (const p of detected.problems.filter((x) => x.error.startsWith('detectors failed')).slice(0, 20)) out.problems.push(`item ${p.id}: ${p.error}`);
  } else {
    try {
      const r = runDetectors(kase, sourceId, officer, { automatic: true });
      out.suggestions = r.suggestions;
      out.byTag = r.byTag;
      for (const p of r.problems.slice(0, 20)) out.problems.push(`item ${p.itemId}: detectors failed: ${p.error}`);
    } catch (err) {
      record('detectors', err);
    }
  }
  try {
    const m = matchSource(kase, sourceId);
    out.knownBad = m.knownBad;
    out.knownGood = m.knownGood;
    out.perSet = m.perSet;
  } catch (err) {
    record('hash-set matching', err);
  }
  return out;
}
