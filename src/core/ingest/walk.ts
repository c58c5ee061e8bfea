// Walks a folder export without following anything: symlinks, sockets, FIFOs and devices are
// recorded as what they are, never opened. Names are read as raw bytes, so a name that is not
// valid UTF-8 (old Windows or Shift_JIS exports) keeps its exact bytes beside a readable form.
import type { BigIntStats, Dirent } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { nsToIso } from '../time.ts';
import { errorMessage } from '../errors.ts';
import { blankEntry, type EntryKind, type SourceEntry } from '../sources/types.ts';

export type { EntryKind };

export interface FoundEntry {
  /** Path relative to the source root, '/'-separated, for display and identity. */
  path: string;
  /** Raw bytes of the relative path, only where it is not valid UTF-8. */
  pathRaw: Buffer | null;
  /** Absolute path as bytes, to open the file exactly as named on disk. */
  fsPath: Buffer;
  name: string;
  kind: EntryKind;
  size: number | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  inode: string | null;
  mtime: string | null;
  ctime: string | null;
  atime: string | null;
  birthtime: string | null;
  linkTarget: string | null;
  error: string | null;
  /** A folder the walk did not enter because it is a container of its own (an iPhone backup). */
  opensAs?: 'ios-backup';
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

export function entryFromStat(
  rel: { path: string; raw: Buffer; clean: boolean },
  fsPath: Buffer,
  st: BigIntStats,
): FoundEntry {
  const name = rel.path.slice(rel.path.lastIndexOf('/') + 1);
  return {
    path: rel.path,
    pathRaw: rel.clean ? null : rel.raw,
    fsPath,
    name,
    kind: kindOf(st),
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

function errorEntry(rel: { path: string; raw: Buffer; clean: boolean }, fsPath: Buffer, err: unknown): FoundEntry {
  const { content: _content, ...blank } = blankEntry(rel.path, 'other');
  return { ...blank, pathRaw: rel.clean ? null : rel.raw, fsPath, error: `could not read its attributes: ${errorMessage(err)}` };
}

const STAT_CONCURRENCY = 32;

/**
 * Depth-first walk in byte order of names (so two runs see the same order). Directories are
 * yielded before their contents. An unreadable directory is yielded with its error and skipped.
 */
export interface WalkOptions {
  /** Folders to record but not enter, with what they open as (e.g. an iPhone backup folder). */
  containerFolder?: (fsPath: Buffer) => 'ios-backup' | null;
}

export async function* walkFolder(root: string, opts: WalkOptions = {}): AsyncGenerator<FoundEntry> {
  const rootBuf = Buffer.from(root);
  type Dir = { fsPath: Buffer; rel: Buffer | null };
  const stack: Dir[] = [{ fsPath: rootBuf, rel: null }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let dirents: Dirent<Buffer>[];
    try {
      dirents = await readdir(dir.fsPath, { encoding: 'buffer', withFileTypes: true });
    } catch (err) {
      if (dir.rel) {
        const d = decodeName(dir.rel);
        yield errorEntry({ path: d.text, raw: dir.rel, clean: d.clean }, dir.fsPath, err);
      } else {
        throw err;
      }
      continue;
    }
    const names = dirents.map((d) => d.name).sort(Buffer.compare);
    const subdirs: Dir[] = [];
    for (let i = 0; i < names.length; i += STAT_CONCURRENCY) {
      const chunk = names.slice(i, i + STAT_CONCURRENCY).map((name) => {
        const fsPath = Buffer.concat([dir.fsPath, SLASH, name]);
        const relRaw = dir.rel ? Buffer.concat([dir.rel, SLASH, name]) : name;
        return { fsPath, relRaw };
      });
      const stats = await Promise.allSettled(chunk.map((c) => lstat(c.fsPath, { bigint: true })));
      for (let j = 0; j < chunk.length; j++) {
        const { fsPath, relRaw } = chunk[j]!;
        const d = decodeName(relRaw);
        const rel = { path: d.text, raw: relRaw, clean: d.clean };
        const res = stats[j]!;
        if (res.status === 'rejected') {
          yield errorEntry(rel, fsPath, res.reason);
          continue;
        }
        const entry = entryFromStat(rel, fsPath, res.value);
        if (entry.kind === 'symlink') {
          try {
            entry.linkTarget = decodeName(await readlink(fsPath, { encoding: 'buffer' })).text;
          } catch (err) {
            entry.error = `could not read the link target: ${errorMessage(err)}`;
          }
        }
        if (entry.kind === 'dir') {
          const opensAs = opts.containerFolder?.(fsPath) ?? null;
          if (opensAs) entry.opensAs = opensAs;
          else subdirs.push({ fsPath, rel: relRaw });
        }
        yield entry;
      }
    }
    // Push in reverse so the first subdirectory (in byte order) is walked first.
    for (let k = subdirs.length - 1; k >= 0; k--) stack.push(subdirs[k]!);
  }
}

/** A walked entry in the readers' vocabulary: a regular, readable file is read by path. */
export function toSourceEntry(f: FoundEntry): SourceEntry {
  const { fsPath, ...rest } = f;
  return { ...rest, content: f.kind === 'file' && !f.error ? { type: 'file', fsPath } : null };
}
