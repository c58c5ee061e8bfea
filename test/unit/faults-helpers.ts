// Helpers for the fault-injection tests (disk full, I/O errors, the export's drive pulled): real
// tmpfs and bind mounts (root only; the tests skip, saying why, elsewhere), filler files that
// leave a chosen amount of free space, and checks of a case from the outside: SQLite's own
// integrity check, every catalogued object present and true to its hash, and the catalogue
// against the export hashed by sha256sum or hashdeep.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { listFiles, sha256 } from './robust-helpers.ts';

/** Why mounts cannot be made here, or null when they can (root, and the kernel allows tmpfs). */
export function mountRefused(probeDir: string): string | null {
  if (process.platform !== 'linux') return 'needs Linux (tmpfs and bind mounts)';
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs (run the suite as root, as CI does)';
  mkdirSync(probeDir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probeDir], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `mount refused: ${(r.stderr || r.error?.message || '').trim()}`;
  spawnSync('umount', [probeDir]);
  return null;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Unmounts (lazily, so a process still holding a file cannot keep it busy) unless already gone. */
export function unmount(dir: string): void {
  if (isMountPoint(dir)) spawnSync('umount', ['-l', dir]);
}

export function isMountPoint(dir: string): boolean {
  return spawnSync('mountpoint', ['-q', dir]).status === 0;
}

/** A tmpfs of `size` (e.g. '6m') at dir, unmounted when the test ends. */
export function mountTmpfs(t: TestContext, dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  t.after(() => unmount(dir));
}

/** Changes a mounted tmpfs's size in place (frees space without touching what is on it). */
export function resizeTmpfs(dir: string, size: string): void {
  run('mount', ['-o', `remount,size=${size}`, dir]);
}

/** Bind-mounts a folder (or a file onto an existing file) at `dir`, unmounted when the test ends. */
export function bindMount(t: TestContext, from: string, dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  run('mount', ['--bind', from, dir]);
  t.after(() => unmount(dir));
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * Writes a filler file so that about `leave` bytes stay free on dir's file system (tmpfs
 * allocates a page per written page, zeros included). Returns the filler's path.
 */
export function fillLeaving(dir: string, leave: number, name = 'filler.bin'): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      const room = freeBytes(dir) - leave;
      if (room <= 0) break;
      try {
        writeSync(fd, chunk, 0, Math.min(chunk.byteLength, room));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

export function removeFiller(path: string): void {
  if (existsSync(path)) unlinkSync(path);
}

function openRead(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** SQLite's own check of a database, read-only: 'ok' when sound. */
export function integrity(path: string): string {
  const db = openRead(path);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

export function query<T>(caseDir: string, sql: string, ...params: unknown[]): T[] {
  const db = openRead(join(caseDir, 'case.db'));
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface CaseFacts {
  files: { path: string; size: number | null; sha256: string | null; error: string | null }[];
  sources: { id: number; status: string }[];
  actions: string[];
}

export function caseFacts(caseDir: string): CaseFacts {
  return {
    files: query(caseDir, "SELECT path, size, sha256, error FROM items WHERE kind = 'file' ORDER BY path"),
    sources: query(caseDir, 'SELECT id, status FROM sources ORDER BY id'),
    actions: query<{ action: string }>(caseDir, 'SELECT action FROM custody_events ORDER BY seq').map((r) => r.action),
  };
}

/**
 * What must hold after any fault, whatever the outcome: both databases pass SQLite's integrity
 * check, no file item carries a failure to write the case as its "problem", and every catalogued
 * object is in the store and hashes to its name (nothing marked done that is not stored).
 */
export function assertCaseConsistent(caseDir: string, label: string): CaseFacts {
  assert.equal(integrity(join(caseDir, 'case.db')), 'ok', `${label}: case.db integrity_check`);
  const objectsDb = join(caseDir, 'store', 'objects.db');
  assert.equal(integrity(objectsDb), 'ok', `${label}: store/objects.db integrity_check`);
  const facts = caseFacts(caseDir);
  for (const f of facts.files) {
    assert.ok(
      !/ENOSPC|EDQUOT|EROFS|SQLITE_FULL|SQLITE_IOERR|disk is full/.test(f.error ?? ''),
      `${label}: ${f.path} was recorded with a failure to write the case as its problem: ${f.error}`,
    );
  }
  const odb = openRead(objectsDb);
  try {
    const blob = odb.prepare('SELECT data FROM objects WHERE sha256 = ?');
    for (const f of facts.files) {
      if (!f.sha256) continue;
      const row = blob.get(f.sha256) as { data: Buffer } | undefined;
      const file = join(caseDir, 'store', f.sha256.slice(0, 2), f.sha256.slice(2, 4), f.sha256);
      const data = row?.data ?? (existsSync(file) ? readFileSync(file) : null);
      assert.ok(data, `${label}: ${f.path} is catalogued (sha256 ${f.sha256}) but has no stored copy`);
      assert.equal(sha256(data), f.sha256, `${label}: the stored copy of ${f.path} does not hash to its name`);
    }
  } finally {
    odb.close();
  }
  return facts;
}

/**
 * The export hashed by a tool outside the app (hashdeep, else sha256sum; Node's crypto only
 * where neither is installed): relative path -> SHA-256.
 */
export function exportHashes(dir: string): { tool: string; hashes: Map<string, string> } {
  const files = listFiles(dir);
  const hd = spawnSync('hashdeep', ['-c', 'sha256', '-r', '-l', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (!hd.error && hd.status === 0) {
    const hashes = new Map<string, string>();
    for (const line of hd.stdout.split('\n')) {
      const m = /^\d+,([0-9a-f]{64}),\.\/(.*)$/.exec(line);
      if (m) hashes.set(m[2]!, m[1]!);
    }
    if (hashes.size === files.length) return { tool: 'hashdeep', hashes };
  }
  const ss = spawnSync('sha256sum', ['--', ...files], { cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (!ss.error && ss.status === 0) {
    const hashes = new Map<string, string>();
    for (const line of ss.stdout.split('\n')) {
      const m = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
      if (m) hashes.set(m[2]!, m[1]!);
    }
    return { tool: 'sha256sum', hashes };
  }
  return { tool: 'node:crypto', hashes: new Map(files.map((f) => [f, sha256(readFileSync(join(dir, f)))])) };
}

/** After the resume: every file of the export catalogued exactly once, with the hash an outside tool gives. */
export function assertCatalogueMatches(t: TestContext, caseDir: string, exportDir: string, label: string): void {
  const { tool, hashes } = exportHashes(exportDir);
  t.diagnostic(`${label}: export hashed with ${tool}`);
  const files = caseFacts(caseDir).files;
  const seen = new Map<string, number>();
  for (const f of files) seen.set(f.path, (seen.get(f.path) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([p]) => p);
  assert.deepEqual(twice, [], `${label}: files catalogued more than once`);
  assert.deepEqual([...seen.keys()].sort(), [...hashes.keys()].sort(), `${label}: the catalogue lists exactly the export's files`);
  for (const f of files) {
    assert.equal(f.error, null, `${label}: ${f.path} has a problem: ${f.error}`);
    assert.equal(f.sha256, hashes.get(f.path), `${label}: ${f.path} SHA-256 differs from ${tool}`);
  }
}

/** Store objects on disk (files under ab/cd/, blobs in objects.db): each distinct content once. */
export function assertStoredOnce(caseDir: string, label: string): void {
  const distinct = new Set(caseFacts(caseDir).files.map((f) => f.sha256).filter((s): s is string => s !== null));
  const store = join(caseDir, 'store');
  const onDisk = listFiles(store).filter((p) => /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(p)).map((p) => p.slice(6));
  const odb = openRead(join(store, 'objects.db'));
  let blobs: string[];
  try {
    blobs = (odb.prepare('SELECT sha256 FROM objects').all() as { sha256: string }[]).map((r) => r.sha256);
  } finally {
    odb.close();
  }
  const all = [...onDisk, ...blobs];
  assert.equal(new Set(all).size, all.length, `${label}: an object is stored twice (as a file and a blob)`);
  for (const h of distinct) assert.ok(all.includes(h), `${label}: object ${h} is not in the store`);
  assert.deepEqual(listFiles(join(store, 'tmp')), [], `${label}: store/tmp must be empty after a completed ingest`);
}
