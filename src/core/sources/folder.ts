// The folder reader: walks a folder export (or gives a single file) without following anything:
// symlinks, sockets, FIFOs and devices are recorded as what they are, never opened. Names are
// read as raw bytes, so a name that is not valid UTF-8 (old Windows or Shift_JIS exports) keeps
// its exact bytes beside a readable form. Like every reader it yields SourceEntry; a regular,
// readable file's bytes are read by path (content 'file').
import { type BigIntStats, constants, createReadStream, type Dirent, existsSync, openSync, statSync } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { nsToIso } from '../time.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { blankEntry, type EntryKind, type SourceEntry } from './types.ts';

export type { EntryKind };

/**
 * Opens evidence read-only, without updating its access time where the OS allows it (O_NOATIME
 * needs the file's owner or CAP_FOWNER; otherwise plain read-only), and never through a link.
 */
export function openEvidence(path: Uint8Array | string): number {
  const base = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  const noatime = (constants as Record<string, number>).O_NOATIME ?? 0;
  if (noatime) {
    try {
      return openSync(path as string, base | noatime);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    }
  }
  return openSync(path as string, base);
}

// ignoreBOM: keep a leading U+FEFF (the default drops it, so "\uFEFFa" and "a" would show alike).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const SLASH = Buffer.from('/');

/**
 * Readable form of bytes that are not valid UTF-8: valid sequences as text, each invalid byte as
 * \xNN and a backslash as \\. Unlike U+FFFD replacement it is one-to-one, so two different names
 * never show (and are never identified) alike: the path is the item's identity in its source.
 */
function escapeInvalidUtf8(raw: Buffer): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const b = raw[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n > 0 && i + n <= raw.length) {
      try {
        const s = strictUtf8.decode(raw.subarray(i, i + n));
        out += s === '\\' ? '\\\\' : s;
        i += n;
        continue;
      } catch {
        // Not a valid sequence: escape its first byte and go on from the next.
      }
    }
    out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
    i++;
  }
  return out;
}

/** UTF-8 text of a name and whether it decoded cleanly (if not, a one-to-one escaped form). */
export function decodeName(raw: Buffer): { text: string; clean: boolean } {
  try {
    return { text: strictUtf8.decode(raw), clean: true };
  } catch {
    return { text: escapeInvalidUtf8(raw), clean: false };
  }
}

export function kindOf(st: BigIntStats): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'other';
}

/**
 * An entry from its attributes. A regular file is read by path; one reached through a folder
 * handle the walk closes once it moves on (`viaHandle`: a path too long for the system) is read
 * as a stream, by the pipeline before it asks for the next entry (a worker would open it too late).
 */
function entryFromStat(rel: { path: string; raw: Buffer; clean: boolean }, fsPath: Buffer, st: BigIntStats, viaHandle = false): SourceEntry {
  const name = rel.path.slice(rel.path.lastIndexOf('/') + 1);
  const kind = kindOf(st);
  return {
    path: rel.path,
    pathRaw: rel.clean ? null : rel.raw,
    content:
      kind !== 'file'
        ? null
        : viaHandle
          ? { type: 'stream', size: null, open: () => createReadStream(fsPath, { fd: openEvidence(fsPath), highWaterMark: 1024 * 1024 }) }
          : { type: 'file', fsPath },
    name,
    kind,
    size: Number(st.size),
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    inode: st.ino.toString(),
    mtime: nsToIso(st.mtimeNs),
    ctime: nsToIso(st.ctimeNs),
    atime: nsToIso(st.atimeNs),
    birthtime: st.birthtimeNs > 0n ? nsToIso(st.birthtimeNs) : null,
    linkTarget: null,
    error: null,
  };
}

/** What went wrong reading the export, in plain words, with the system's code for the record. */
function plainFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}): this account may not read it`;
    case 'ENAMETOOLONG':
      return 'its full path is longer than the system allows (ENAMETOOLONG)';
    case 'ENOENT':
      return 'it disappeared while the export was being read (ENOENT)';
    case 'EIO':
      return 'the drive reported an input/output error (EIO)';
    default:
      return errorMessage(err);
  }
}

/** The kind a folder listing gives, where the entry's own attributes cannot be read. */
function kindOfDirent(d: Dirent<Buffer>): EntryKind {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'dir';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isSocket()) return 'socket';
  if (d.isBlockDevice() || d.isCharacterDevice()) return 'device';
  return 'other';
}

function errorEntry(rel: { path: string; raw: Buffer; clean: boolean }, err: unknown, kind: EntryKind = 'other'): SourceEntry {
  return { ...blankEntry(rel.path, kind), pathRaw: rel.clean ? null : rel.raw, error: `could not read its attributes: ${plainFsError(err)}` };
}

const STAT_CONCURRENCY = 32;

/**
 * Past this many bytes of path, a folder's contents are reached through an open handle on the
 * folder instead of the full path: Linux refuses paths of PATH_MAX (4096) bytes or more, and
 * phone dumps nest that deep. The margin leaves room for one more name (up to 255 bytes).
 */
const LONG_PATH = 3072;
/** Linux names every open file descriptor here: `${FD_DIR}/<fd>/<rest>` is openat(fd, rest). */
const FD_DIR = '/proc/self/fd';
let handlesWork: boolean | undefined;
function canUseHandles(): boolean {
  handlesWork ??= process.platform === 'linux' && existsSync(FD_DIR);
  return handlesWork;
}

/** An open folder that deep paths go through; closed when nothing waiting in the walk uses it. */
interface Anchor {
  handle: FileHandle;
  refs: number;
}

export interface WalkOptions {
  /** Folders to record but not enter, with what they open as (e.g. an iPhone backup folder). */
  containerFolder?: (fsPath: Buffer) => 'ios-backup' | null;
  /**
   * Regular files with their kind, path and size only (the ingest's counting scan, which needs
   * nothing else of them): read with a plain lstat, not the nanosecond (BigInt) one, and no times
   * formatted. Folders, links and special files keep every attribute. Issue 11: a third less of
   * the scan's CPU time on the main thread.
   */
  sizesOnly?: boolean;
}

/**
 * Depth-first walk in byte order of names (so two runs see the same order). A folder is yielded
 * just before its contents, once: a folder that cannot be listed is yielded with that problem and
 * not entered. Entries whose full path is too long for the system are reached through an open
 * handle on a nearer folder (their fsPath is then only valid until the walk moves on: a file
 * there is read as a stream, before the next entry, see entryFromStat).
 */
export async function* walkFolder(root: string, opts: WalkOptions = {}): AsyncGenerator<SourceEntry> {
  const rootBuf = Buffer.from(root);
  // entry: the folder as its parent's listing found it (null for the root), yielded when entered.
  type Dir = { fsPath: Buffer; rel: Buffer | null; entry: SourceEntry | null; anchor: Anchor | null };
  const stack: Dir[] = [{ fsPath: rootBuf, rel: null, entry: null, anchor: null }];
  const anchors = new Set<Anchor>();
  const release = async (a: Anchor | null): Promise<void> => {
    if (a && --a.refs === 0) {
      anchors.delete(a);
      await a.handle.close().catch(() => undefined);
    }
  };
  try {
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let own: Anchor | null = null;
      try {
        let dirents: Dirent<Buffer>[];
        try {
          dirents = await readdir(dir.fsPath, { encoding: 'buffer', withFileTypes: true });
        } catch (err) {
          if (!dir.entry) {
            throw new EvidenceError('SOURCE_UNREADABLE', `Cannot list the export folder ${root}: ${plainFsError(err)}. Check the path, that the drive is mounted, and that this account may read the folder.`);
          }
          // The folder stays one item, with its problem; what is inside cannot be known.
          dir.entry.error = `could not list the folder's contents: ${plainFsError(err)}; nothing inside it is catalogued`;
          yield dir.entry;
          continue;
        }
        if (dir.entry) yield dir.entry;
        let base = dir.fsPath;
        let anchor = dir.anchor;
        if (base.length >= LONG_PATH && canUseHandles()) {
          try {
            const handle = await open(base, constants.O_RDONLY | constants.O_DIRECTORY);
            own = { handle, refs: 1 };
            anchors.add(own);
            anchor = own;
            base = Buffer.from(`${FD_DIR}/${handle.fd}`);
          } catch {
            // Then the names inside are recorded with their own error (path too long).
          }
        }
        dirents.sort((a, b) => Buffer.compare(a.name, b.name));
        const subdirs: Dir[] = [];
        for (let i = 0; i < dirents.length; i += STAT_CONCURRENCY) {
          const chunk = dirents.slice(i, i + STAT_CONCURRENCY).map((dirent) => {
            const fsPath = Buffer.concat([base, SLASH, dirent.name]);
            const relRaw = dir.rel ? Buffer.concat([dir.rel, SLASH, dirent.name]) : dirent.name;
            return { dirent, fsPath, relRaw };
          });
          const stats = await Promise.allSettled(
            chunk.map(async (c) => {
              if (opts.sizesOnly && c.dirent.isFile()) {
                const st = await lstat(c.fsPath);
                if (st.isFile()) return st.size;
              }
              return lstat(c.fsPath, { bigint: true });
            }),
          );
          for (let j = 0; j < chunk.length; j++) {
            const { dirent, fsPath, relRaw } = chunk[j]!;
            const d = decodeName(relRaw);
            const rel = { path: d.text, raw: relRaw, clean: d.clean };
            const res = stats[j]!;
            if (res.status === 'rejected') {
              // Recorded by name with the kind the listing gives; a folder here is not entered.
              yield errorEntry(rel, res.reason, kindOfDirent(dirent));
              continue;
            }
            if (typeof res.value === 'number') {
              yield { ...blankEntry(rel.path, 'file'), pathRaw: rel.clean ? null : rel.raw, size: res.value };
              continue;
            }
            const entry = entryFromStat(rel, fsPath, res.value, anchor !== null);
            if (entry.kind === 'symlink') {
              try {
                entry.linkTarget = decodeName(await readlink(fsPath, { encoding: 'buffer' })).text;
              } catch (err) {
                entry.error = `could not read the link target: ${plainFsError(err)}`;
              }
            }
            if (entry.kind === 'dir') {
              const opensAs = opts.containerFolder?.(fsPath) ?? null;
              if (opensAs) {
                entry.opensAs = opensAs;
              } else {
                // Yielded when entered, with its listing problem if it has one: never twice.
                if (anchor) anchor.refs++;
                subdirs.push({ fsPath, rel: relRaw, entry, anchor });
                continue;
              }
            }
            yield entry;
          }
        }
        // Push in reverse so the first subdirectory (in byte order) is walked first.
        for (let k = subdirs.length - 1; k >= 0; k--) stack.push(subdirs[k]!);
      } finally {
        await release(own);
        await release(dir.anchor);
      }
    }
  } finally {
    // The consumer stopped early (cancel, failure): close every folder handle still open.
    for (const a of anchors) await a.handle.close().catch(() => undefined);
  }
}

/** The source file itself, as the one entry of a single-file ingest (a container is opened from its store copy). */
export function singleFileEntry(path: string): SourceEntry {
  const name = Buffer.from(basename(path));
  return entryFromStat({ path: basename(path), raw: name, clean: true }, Buffer.from(path), statSync(path, { bigint: true }));
}
