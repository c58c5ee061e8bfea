// What a source reader gives the ingest pipeline: a stream of entries, each with the facts the
// container records about it and a way to get its bytes. Readers never write anything and never
// use a name from evidence as a file-system path: paths here are virtual, for display and
// identity only ('export.zip!/DCIM/IMG_0001.JPG', '!/' separating archive levels).
import type { Readable } from 'node:stream';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'device' | 'other';

/**
 * How the pipeline gets an entry's bytes.
 * - file:   a whole file on disk (folder sources); read by a hashing worker.
 * - range:  a byte range of a file on disk (a stored or deflated ZIP member, a TAR member),
 *           decoded by `codec`; read by a hashing worker. `size` is the decoded size the container
 *           declares: the worker stops at size + 1 byte and reports the overflow (bomb guard).
 *           `crc32`, where the container records one, is checked by the worker.
 * - bytes:  the bytes themselves, already in memory (small members of a streamed container).
 * - stream: a sequential stream (members of a .tar.gz or an Android .ab); hashed on the main
 *           thread, in entry order. The pipeline consumes it fully before asking for the next
 *           entry, so a reader may hand out a stream backed by its own parser.
 */
export type Content =
  | { type: 'file'; fsPath: Uint8Array }
  | {
      type: 'range';
      fsPath: string;
      offset: number;
      length: number;
      codec: 'none' | 'deflate-raw' | 'gzip' | 'zlib';
      size: number;
      crc32?: number;
    }
  | { type: 'bytes'; data: Uint8Array }
  | { type: 'stream'; open: () => Readable; size: number | null };

export interface SourceEntry {
  /** Virtual path: relative to the source, '/' between parts, '!/' between archive levels. */
  path: string;
  /** Raw bytes of a name that is not valid UTF-8 (CP437/Shift_JIS names in old ZIPs). */
  pathRaw: Uint8Array | null;
  name: string;
  kind: EntryKind;
  size: number | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  inode: string | null;
  /** ISO 8601 UTC, as precise as the container records. */
  mtime: string | null;
  ctime: string | null;
  atime: string | null;
  birthtime: string | null;
  linkTarget: string | null;
  /** A problem the reader found (hostile name, encrypted, truncated, over a limit...). */
  error: string | null;
  /** Reader-specific facts kept on the item as JSON (e.g. iOS domain and fileID, UFDR device path). */
  extra?: Record<string, unknown>;
  /** Hashes the container itself records (UFDR report.xml): compared with ours, mismatch flagged. */
  expected?: { md5?: string; sha1?: string; sha256?: string };
  /** How to read the bytes; null for folders, links, special files and entries not extracted. */
  content: Content | null;
  /** A folder that is a container of its own (an iPhone backup inside a folder export). */
  opensAs?: 'ios-backup';
}

/** Limits that bound the work on hostile containers; stored in the case settings. */
export interface ContainerLimits {
  /** Deepest nesting of containers inside containers (the source itself is depth 0). */
  maxDepth: number;
  /** Most entries read from one container. */
  maxEntries: number;
  /** Most decoded bytes read from one container. */
  maxTotalBytes: number;
  /** Highest decoded/compressed ratio accepted for one member of more than 1 MiB. */
  maxRatio: number;
}

export const DEFAULT_LIMITS: ContainerLimits = {
  maxDepth: 8,
  maxEntries: 1_000_000,
  maxTotalBytes: 256 * 1024 ** 3,
  maxRatio: 1000,
};

/** Where a container's bytes are: a file on disk (a store file or the original), or memory. */
export type ContainerBytes = { type: 'file'; path: string; size: number } | { type: 'bytes'; data: Uint8Array };

export interface ContainerContext {
  /** Virtual path of the container item; members are `${prefix}!/${member}`. */
  prefix: string;
  /** Nesting depth of this container (a top-level archive is 1). */
  depth: number;
  limits: ContainerLimits;
}

/** A reader for one kind of container (zip, tar, tar.gz, Android .ab, ...). */
export interface ContainerReader {
  kind: string;
  entries(bytes: ContainerBytes, ctx: ContainerContext): AsyncIterable<SourceEntry>;
}

/** Joins a container's virtual path and a member path. */
export function memberPath(prefix: string, member: string): string {
  return `${prefix}!/${member}`;
}

/** An entry with nothing known yet but its path and kind; readers fill in what they learn. */
export function blankEntry(path: string, kind: EntryKind): SourceEntry {
  const slash = path.lastIndexOf('/');
  return {
    path,
    pathRaw: null,
    name: slash >= 0 ? path.slice(slash + 1) : path,
    kind,
    size: null,
    mode: null,
    uid: null,
    gid: null,
    inode: null,
    mtime: null,
    ctime: null,
    atime: null,
    birthtime: null,
    linkTarget: null,
    error: null,
    content: null,
  };
}
