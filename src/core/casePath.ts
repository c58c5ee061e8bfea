// Where a case may live, checked before anything is created or opened there.
//
// A case path is absolute: the engine runs behind a CLI, a desktop window and a browser host,
// and a relative path would be taken relative to whichever process's working folder happens to
// be current (the host's, which the officer never sees). The CLI resolves what the officer typed
// against the shell's folder itself, and says which folder it used; the engine refuses.
//
// A case never goes on a pseudo file system (/proc, /sys, /dev and the kernel's other virtual
// file systems): nothing written there is kept, and Node's recursive mkdir under /proc never
// returns (mkdir answers ENOENT for ever), which froze the browser host. Folders are made here one
// component at a time instead, so no path can make the loop spin.
import { mkdirSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { EvidenceError } from './errors.ts';

/** Linux statfs magic numbers (linux/magic.h) of the kernel's virtual file systems. */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0xde5e81e4: 'efivarfs',
  0x62656570: 'configfs',
  0x65735543: 'fusectl',
  0x19800202: 'mqueue',
  0x42494e4d: 'binfmt_misc',
  0xf97cff8c: 'selinuxfs',
  0x6e736673: 'nsfs',
};

/** Folders that hold the kernel's and devices' views, never files: refused by path. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

function underRoot(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The deepest folder of `path` that exists (at worst the file system's root). */
function nearestExisting(path: string): string {
  let p = path;
  for (;;) {
    try {
      statSync(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** The pseudo file system `path` would be on, named, or null. */
export function pseudoFileSystemOf(path: string): string | null {
  const existing = nearestExisting(path);
  let real = existing;
  try {
    real = realpathSync(existing); // a symlink into /proc is /proc
  } catch {
    /* unreadable: judged by the path as given */
  }
  if (process.platform === 'linux') {
    for (const p of [path, real]) {
      const root = PSEUDO_ROOTS.find((r) => underRoot(p, r));
      if (root) return root;
    }
    try {
      const fs = PSEUDO_FS[statfsSync(existing).type >>> 0];
      if (fs) return fs;
    } catch {
      /* statfs unavailable: the path check above stands */
    }
  }
  return null;
}

/**
 * Checks a case folder given to the engine and returns it normalised: absolute, and not on a
 * pseudo file system. `what` names it in the message ("case folder").
 */
export function checkCasePath(dir: string, what = 'case folder'): string {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new EvidenceError('USAGE', `Give the ${what} as a full path, e.g. /home/officer/cases/2026-0142.`);
  }
  if (!isAbsolute(dir)) {
    throw new EvidenceError(
      'USAGE',
      `The ${what} "${dir}" is a relative path. Give the full path (for example /home/officer/cases/${dir.replace(/^\.\//, '')}): a relative path would depend on the folder the app happened to start in.`,
    );
  }
  const root = normalize(dir).replace(/(.)[/\\]+$/, '$1');
  const fs = pseudoFileSystemOf(root);
  if (fs) {
    throw new EvidenceError(
      'USAGE',
      `${root} is on the system's ${fs} file system, which shows the kernel's and devices' state and keeps no files. Choose a folder on a disk, e.g. in your home folder.`,
    );
  }
  return root;
}

/**
 * mkdir -p, one component at a time from the deepest existing folder: each step either makes the
 * folder, finds it there, or fails with the reason, so it ends after as many steps as the path
 * has parts. `mode` applies to the folders it makes.
 */
export function makeFolders(path: string, mode = 0o777): void {
  const existing = nearestExisting(path);
  const rest = relative(existing, path);
  if (rest === '') return;
  let p = existing;
  for (const part of rest.split(sep)) {
    p = join(p, part);
    try {
      mkdirSync(p, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(p).isDirectory()) throw err;
    }
  }
}
