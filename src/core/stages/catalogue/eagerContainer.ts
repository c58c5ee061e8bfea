// A large container read from the export (ZIP, TAR, .tar.gz, Android backup) has its members read
// while its own hashes are computed (issue 11: not in a pass before). Its task goes to one worker
// and its members, read from the same file on the export, to the others. The members' rows wait (held, never committed) until
// the container's row is committed with the kind its worker found: a member row always has its
// container's row, and a crash before that leaves both to the resume. If its worker finds another
// kind, or none, or the file changed on the export (its size, times or inode), the members read
// are dropped and the container is opened from its store copy, as every other container is.
// This module keeps one such container's state; the catalogue stage (catalogue.ts) drives it.
import { closeSync, fstatSync, lstatSync, readSync } from 'node:fs';
import { magicType } from '../../analyze/filetype.ts';
import { type ContainerKind, containerKindOf } from '../../sources/detect.ts';
import { openEvidence } from '../../sources/folder.ts';
import { HEAD_BYTES } from '../../item/byteSink.ts';

/** Members held at most, waiting for the container's row (then the walk waits). */
const MAX_HELD = 20_000;

interface Tally {
  files: number;
  bytes: number;
}

function identityOf(st: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export class EagerContainer<M> {
  /** The container's path in the catalogue. */
  readonly path: string;
  readonly kind: ContainerKind;
  /** The file on the export, as a path the members' byte ranges name. */
  readonly sourcePath: string;
  readonly size: number;
  /** The file's identity when first read: device, inode, size, modification and change times. */
  private readonly identity: string;
  /** Members (with their results) waiting for the container's row. */
  private held: M[] = [];
  /** The container's row is committed: `rowId` is every member's parent. */
  released = false;
  rowId: number | null = null;
  /** The container's own result is in (whatever it said). */
  private parentDone = false;
  /** The members read are dropped: not this container's, or the container unread. */
  dropped = false;
  /** Members counted into progress while held or found: taken back if dropped. */
  readonly found: Tally = { files: 0, bytes: 0 };
  readonly done: Tally = { files: 0, bytes: 0 };
  /** A read problem of the members' walk, recorded once the container's row is. */
  problem: string | null = null;
  private wake: (() => void) | null = null;

  private constructor(path: string, kind: ContainerKind, sourcePath: string, size: number, identity: string) {
    this.path = path;
    this.kind = kind;
    this.sourcePath = sourcePath;
    this.size = size;
    this.identity = identity;
  }

  /**
   * Whether a file on the export is a container to read this way: its head read here, its kind
   * by the same test as the item processor's (checked again against that result, `ownResult`,
   * before any member's row is written). Null when it is not one, or cannot be looked at (the
   * item processor then records why).
   */
  static async probe<M>(path: string, name: string, fsPath: Uint8Array): Promise<EagerContainer<M> | null> {
    const sourcePath = Buffer.from(fsPath).toString();
    if (!Buffer.from(sourcePath).equals(Buffer.from(fsPath))) return null; // a name that is not UTF-8: opened from its store copy
    let fd: number;
    try {
      fd = openEvidence(fsPath);
    } catch {
      return null;
    }
    let head: Buffer;
    let identity: string;
    let size: number;
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) return null;
      identity = identityOf(st);
      size = Number(st.size);
      const first = Buffer.alloc(Math.min(size, 4096));
      const n = readSync(fd, first, 0, first.byteLength, 0);
      // Without a container's signature (ZIP, TAR, gzip, Android backup) there is nothing to look at further.
      if (containerKindOf(null, name, first.subarray(0, n)) === null && !first.subarray(0, n).includes('PK')) return null;
      head = Buffer.alloc(Math.min(size, HEAD_BYTES));
      head = head.subarray(0, readSync(fd, head, 0, head.byteLength, 0));
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
    let mime: string | null = null;
    try {
      mime = (await magicType(head)).mime;
    } catch {
      /* sniffed by the bytes alone, as the item processor does */
    }
    let kind: ContainerKind | null = null;
    try {
      kind = containerKindOf(mime, name, head);
    } catch {
      return null;
    }
    return kind ? new EagerContainer<M>(path, kind, sourcePath, size, identity) : null;
  }

  /** The file is still the one first read (same inode, size and times). */
  unchanged(): boolean {
    try {
      return identityOf(lstatSync(this.sourcePath, { bigint: true })) === this.identity;
    } catch {
      return false;
    }
  }

  /** Members are waiting for the row: read no more until it is written (memory stays bounded). */
  async roomToRead(): Promise<void> {
    if (this.released || this.parentDone || this.held.length < MAX_HELD) return;
    await new Promise<void>((r) => (this.wake = r));
  }

  /** A member read before the container's row: kept until `release` or `drop`. */
  hold(member: M): void {
    this.held.push(member);
  }

  /** The container's worker answered: unread or not stored (`stored` false), its members are dropped. */
  ownResult(stored: boolean): void {
    this.parentDone = true;
    if (!stored) this.drop();
    this.wakeUp();
  }

  /** Whether the container's result confirms what the members were read as. */
  confirms(r: { container: string | null; size: number }): boolean {
    return !this.dropped && r.container === this.kind && r.size === this.size && this.unchanged();
  }

  /** The members read are not this container's: forgotten (none was committed); its walk stops. */
  drop(): void {
    this.dropped = true;
    this.held = [];
    this.wakeUp();
  }

  /** The container's row is committed as `rowId`: the members held, to record under it. */
  release(rowId: number | null): M[] {
    this.rowId = rowId;
    this.released = true;
    const held = this.held;
    this.held = [];
    this.wakeUp();
    return held;
  }

  /** Once every result is in: the problems to record on the container's row (none if dropped). */
  problemsAtEnd(): string[] {
    if (!this.released) this.drop(); // the container unread, or its row not written
    if (this.dropped) return [];
    const problems = this.problem ? [this.problem] : [];
    if (!this.unchanged()) {
      problems.push(
        `the file changed on the export while its members were read (its size, times or inode differ from when its hashes were computed): the members' rows may not match the container's store copy; ingest it again from a stable copy`,
      );
    }
    return problems;
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
