// Tells a drive that is gone or failing from files that are damaged. A USB stick pulled with its
// mount left behind fails every read the same way (EIO, ENXIO, ...): recording each file as
// unreadable would mark it done, and the resume would never read it again. So files that fail
// with a drive error are held back until a later file reads (then it was their own problem after
// all); a long enough run of them stops the ingest instead.

/** Read errors that come from the drive rather than from one file. */
const DRIVE_ERRORS = new Set(['EIO', 'ENXIO', 'ENODEV', 'ESTALE', 'ENOTCONN', 'ENOMEDIUM', 'EREMOTEIO']);

/** This many files in a row failing with a drive error, none read in between, means the drive is gone or failing. */
const DRIVE_FAILING_RUN = 16;

/** The export's drive went away mid-ingest (a USB stick pulled): raised by the run, explained by the catalogue. */
export class SourceGone extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'SourceGone';
  }
}

export class DriveWatch<T> {
  private suspects: T[] = [];

  /**
   * A file read from the export failed with `code`: true if it is held back here (a drive error),
   * and the SourceGone to stop with once the run of such failures is long enough.
   */
  failed(file: T, code: string | null | undefined): { held: boolean; gone: SourceGone | null } {
    if (!DRIVE_ERRORS.has(code ?? '')) return { held: false, gone: null };
    this.suspects.push(file);
    if (this.suspects.length < DRIVE_FAILING_RUN) return { held: true, gone: null };
    return {
      held: true,
      gone: new SourceGone(`${this.suspects.length} files in a row failed with ${code}: was the drive removed, or is it failing? A failing drive is best imaged first`),
    };
  }

  /** The drive read a file (or the run ends short of the limit): the held files were damaged themselves; record them. */
  release(): T[] {
    const held = this.suspects;
    this.suspects = [];
    return held;
  }
}
