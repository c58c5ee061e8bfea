// Every ingested file must trace to a seized device: in court each file is shown to come from an
// exhibit, with its seal and its chain of custody. So an ingest names an exhibit the case already
// holds (recorded with `evidence exhibit add` or on the Exhibits screen); one that names none, or
// a number the case does not hold, is refused before anything is written (no custody event: a
// refused ingest recorded nothing, as an export already ingested is refused). The engine never
// records an exhibit on the officer's behalf: an exhibit is what its paper label says, and only the
// officer can fill it in.
//
// A resume keeps the exhibit its ingest started with: the interrupted source row holds its
// exhibit_id, and naming another exhibit for the same export is refused plainly (moving files
// that are already catalogued to another exhibit is not something a resume may do quietly).
import type { Case } from '../case.ts';
import { EvidenceError } from '../errors.ts';

/** What to tell an officer who has not named an exhibit, in the CLI and the app alike. */
export const HOW_TO_RECORD_AN_EXHIBIT =
  'Record the seized device first, as on its exhibit label (evidence exhibit add <case> --number EXH-001 ..., or Record an exhibit on the Exhibits screen), then ingest into it (--exhibit EXH-001)';

/** Refuses an ingest that names no exhibit. */
export function requireExhibitNamed(exhibit: string | null | undefined): string {
  const number = exhibit?.trim() ?? '';
  if (!number) {
    throw new EvidenceError(
      'EXHIBIT_REQUIRED',
      `An ingest needs the exhibit the export comes from: every file must trace to a seized device (its seal, its chain of custody). ${HOW_TO_RECORD_AN_EXHIBIT}.`,
    );
  }
  return number;
}

/** The id of the exhibit the ingest names; refused unless the case holds it. */
export function requireExhibit(kase: Case, exhibit: string | null | undefined): number {
  const number = requireExhibitNamed(exhibit);
  const row = kase.db.prepare('SELECT id FROM exhibits WHERE number = ?').get(number) as { id: number } | undefined;
  if (row) return row.id;
  const known = (kase.db.prepare('SELECT number FROM exhibits ORDER BY id LIMIT 6').all() as { number: string }[]).map((r) => r.number);
  const list = known.length === 0 ? 'It holds no exhibit yet.' : `It holds ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}.`;
  throw new EvidenceError('EXHIBIT_UNKNOWN', `There is no exhibit ${number} in this case. ${list} ${HOW_TO_RECORD_AN_EXHIBIT.replace('EXH-001 ...', `${number} ...`)}.`);
}

/**
 * Refuses to resume an interrupted ingest of this export into another exhibit than the one it
 * started with (the resume looks for the source by path, kind and exhibit, and would otherwise
 * take it for a new ingest). With `again` the officer asks for a new source, which may go to
 * another exhibit.
 */
export function refuseResumeIntoAnotherExhibit(kase: Case, root: string, kind: string, exhibitId: number, again: boolean): void {
  if (again) return;
  const other = kase.db
    .prepare(
      `SELECT s.id, e.number FROM sources s LEFT JOIN exhibits e ON e.id = s.exhibit_id
       WHERE s.root_path = ? AND s.kind = ? AND s.status IN ('running', 'interrupted') AND s.exhibit_id IS NOT ?
       AND NOT EXISTS (SELECT 1 FROM sources r WHERE r.root_path = s.root_path AND r.kind = s.kind
                       AND r.status IN ('running', 'interrupted') AND r.exhibit_id IS ?)
       ORDER BY s.id DESC LIMIT 1`,
    )
    .get(root, kind, exhibitId, exhibitId) as { id: number; number: string | null } | undefined;
  if (!other) return;
  const started = other.number ? `into exhibit ${other.number}` : 'with no exhibit (before ingests needed one)';
  const resume = other.number
    ? `To finish it, ingest it into exhibit ${other.number} again (a resume keeps the exhibit it started with).`
    : 'It cannot be resumed into an exhibit; ingest the export again as a new source (--again with a reason) to catalogue it under an exhibit.';
  throw new EvidenceError('CONFLICT', `The ingest of ${root} was started ${started} and stopped before the end (source ${other.id}). ${resume}`);
}
