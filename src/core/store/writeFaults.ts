// Failures to WRITE THE CASE (its disk is full, over quota, read-only, or reports I/O errors) as
// opposed to failures to READ THE EVIDENCE. The difference decides what happens next: an
// unreadable source file is a fact about that item (recorded on it, the ingest goes on), but a
// store copy or a database row the case could not write is no fact about the evidence at all:
// the ingest must stop, mark nothing done that is not stored, and let a resume store it.

/** Error codes that can only mean the case's disk refused a write, wherever they were raised. */
const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/**
 * A write to the case (a store copy, its temp file, its folder) failed. Thrown by the code that
 * writes the store, so an EIO or EROFS from there is told apart from one reading the source.
 */
export class CaseWriteFault extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CaseWriteFault';
    this.code = code;
  }

  /** Wraps an error raised while writing `what` (e.g. "a store copy") into the case. */
  static from(err: unknown, what: string): CaseWriteFault {
    if (err instanceof CaseWriteFault) return err;
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'EIO';
    const msg = err instanceof Error ? err.message : String(err);
    return new CaseWriteFault(code, `${msg.includes(code) ? msg : `${code}: ${msg}`} (writing ${what})`);
  }
}

/**
 * The code of a failure to write the case, or null when `err` is something else. A plain ENOSPC
 * or EDQUOT counts wherever it comes from (reading never raises them); SQLite's FULL, IOERR and
 * READONLY codes come only from the case's own databases; EIO and EROFS only when the store
 * code marked them (a CaseWriteFault), since reading a failing source drive raises EIO too.
 */
export function caseWriteCode(err: unknown): string | null {
  if (err instanceof CaseWriteFault) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (FULL.has(code) || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY')) return code;
  return null;
}

/** What is wrong with the case's disk, in words, for a failure code from caseWriteCode. */
export function describeCaseWriteCode(code: string): string {
  if (FULL.has(code)) return code === 'EDQUOT' ? "the case's disk quota is used up" : "the case's disk is full";
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return "the case's disk is read-only";
  return "the case's disk reported an I/O error";
}

/** What to do about it. */
export function caseWriteRemedy(code: string, caseRoot: string): string {
  if (FULL.has(code)) return `free space on the disk holding ${caseRoot}`;
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return `make the disk holding ${caseRoot} writable (or copy the case to one that is)`;
  return `check the disk holding ${caseRoot} (its cable, or copy the case to a sound disk)`;
}
