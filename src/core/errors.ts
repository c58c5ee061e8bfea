// Errors a user can act on. Each carries a stable code (for exit codes and the UI) and a message
// that says what went wrong and what to do.

export type ErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'CASE_EXISTS'
  | 'NOT_A_CASE'
  | 'CASE_LOCKED'
  | 'NETWORK_FS'
  | 'SOURCE_UNREADABLE'
  | 'SCHEMA_TOO_NEW'
  | 'CANCELLED'
  | 'AUTH_FAILED'
  | 'OFFICER_DISABLED'
  | 'OFFICER_LOCKED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  /** The case cannot be written: its disk is full, an I/O error, or read-only media. Nothing is lost; free space (or fix the media) and run the same command to resume. */
  | 'CASE_UNWRITABLE'
  /** case.db or store/objects.db is damaged (not a database, or fails its integrity check). */
  | 'CASE_DAMAGED'
  /** This export was already ingested into the case; ingesting it again must be asked for (--again). */
  | 'ALREADY_INGESTED'
  /** An ingest named no exhibit: every file must trace to a seized device; record the exhibit first (evidence exhibit add). */
  | 'EXHIBIT_REQUIRED'
  /** An ingest named an exhibit the case does not hold: record it first (evidence exhibit add) or name one it holds. */
  | 'EXHIBIT_UNKNOWN'
  /** An item's stored copy no longer matches its recorded SHA-256 (changed on disk after ingest): not shown; run verify. */
  | 'STORE_ALTERED'
  | 'INTERNAL';

export class EvidenceError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'EvidenceError';
    this.code = code;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
