// Durable, atomic placement of a large object into the content-addressed store: the bytes go to
// a temp file in store/tmp (same file system), are fsynced, then renamed into
// store/ab/cd/<sha256> and the folder is fsynced. A crash leaves at most an orphan temp file
// (cleaned on the next ingest), never a half-written object under its final name.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { chmod, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { objectFilePath } from './layout.ts';

export function newTempPath(tmpDir: string): string {
  return join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}.part`);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Gives the temp file its final name unless that name exists. link() fails with EEXIST instead of
 * replacing, so when two workers commit the same object at once exactly one of them adds it (an
 * exists-then-rename check lets both "add" it, and a duplicate goes uncounted). Where the file
 * system has no hard links (FAT, exFAT), rename: the object is the same either way.
 */
function placeNoClobber(tmpPath: string, target: string): boolean {
  try {
    linkSync(tmpPath, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      unlinkSync(tmpPath);
      return false;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    renameSync(tmpPath, target);
    return true;
  }
  unlinkSync(tmpPath);
  return true;
}

/**
 * Moves a finished, fsynced temp file to its content address. Returns false when the object was
 * already present (deduplicated): the temp file is removed and the existing one kept untouched.
 */
export function commitTempFile(storeDir: string, tmpPath: string, sha256: string): boolean {
  const target = objectFilePath(storeDir, sha256);
  if (existsSync(target)) {
    unlinkSync(tmpPath);
    return false;
  }
  const dir = dirname(target);
  // Evidence copies are read-only and the owner's only: 0400 files in 0700 folders.
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(tmpPath, 0o400);
  if (!placeNoClobber(tmpPath, target)) return false;
  fsyncDir(dir);
  if (created) {
    // A folder made just now is an entry in its parent: make those entries durable too, or a
    // power cut could lose the whole ab/ or ab/cd/ folder with the object in it.
    const top = dirname(created);
    for (let d = dirname(dir); ; d = dirname(d)) {
      fsyncDir(d);
      if (d === top || d === dirname(d)) break;
    }
  }
  return true;
}

async function fsyncDirAsync(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** placeNoClobber, off the calling thread (libuv's pool). */
async function placeNoClobberAsync(tmpPath: string, target: string): Promise<boolean> {
  try {
    await link(tmpPath, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await unlink(tmpPath);
      return false;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    await rename(tmpPath, target);
    return true;
  }
  await unlink(tmpPath);
  return true;
}

/**
 * commitTempFile with every call on libuv's threads, so a hashing worker hashes its next file
 * while this one's folder entries are made durable (byteSink.ts, deferred finish). The same
 * steps in the same order: the object has its name, and that name is durable, when it resolves.
 */
export async function commitTempFileAsync(storeDir: string, tmpPath: string, sha256: string): Promise<boolean> {
  const target = objectFilePath(storeDir, sha256);
  if (existsSync(target)) {
    await unlink(tmpPath);
    return false;
  }
  const dir = dirname(target);
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(tmpPath, 0o400);
  if (!(await placeNoClobberAsync(tmpPath, target))) return false;
  await fsyncDirAsync(dir);
  if (created) {
    const top = dirname(created);
    for (let d = dirname(dir); ; d = dirname(d)) {
      await fsyncDirAsync(d);
      if (d === top || d === dirname(d)) break;
    }
  }
  return true;
}
