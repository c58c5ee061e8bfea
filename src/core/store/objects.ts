// The content-addressed evidence store of a case. Small objects are rows in store/objects.db
// (one fsync per batch instead of a create+rename+fsync per file, which dominates on phones'
// tens of thousands of small files); large ones are read-only files at store/ab/cd/<sha256>.
// Either way an object is named by its SHA-256 and written once.
import Database from 'better-sqlite3';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type CaseLayout, objectFilePath } from './layout.ts';
import { openDatabase, openReadOnly, readDatabaseHeader, sqliteFault } from '../db/open.ts';

export type ObjectLocation = 'blob' | 'file';

/** A temp file untouched this long is abandoned even if a process with its pid is running. */
export const STALE_TEMP_MS = 60 * 60 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ObjectStore {
  readonly layout: CaseLayout;
  private readonly db: Database.Database;
  private readonly insertBlob: Database.Statement;
  private readonly hasBlob: Database.Statement;

  constructor(layout: CaseLayout, opts: { readonly?: boolean } = {}) {
    this.layout = layout;
    const label = layout.objectsDb;
    // A damaged objects.db is refused before anything is written (not even store/tmp).
    if (opts.readonly || existsSync(layout.objectsDb)) readDatabaseHeader(layout.objectsDb, label);
    if (opts.readonly) {
      this.db = openReadOnly(layout.objectsDb, label);
    } else {
      // Folders and databases only the owner may read (0700 / 0600).
      mkdirSync(layout.tmp, { recursive: true, mode: 0o700 });
      this.db = openDatabase(layout.objectsDb, { create: true, label });
      try {
        this.db.exec('CREATE TABLE IF NOT EXISTS objects (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL)');
      } catch (err) {
        this.db.close();
        throw sqliteFault(err, layout.objectsDb, label);
      }
    }
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.insertBlob = this.db.prepare('INSERT OR IGNORE INTO objects (sha256, size, data) VALUES (?, ?, ?)');
    this.hasBlob = this.db.prepare('SELECT 1 FROM objects WHERE sha256 = ?');
  }

  /** Writes a batch of small objects in one durable transaction. Returns how many were new. */
  putBlobs(blobs: { sha256: string; data: Uint8Array }[]): number {
    if (blobs.length === 0) return 0;
    let added = 0;
    this.db.transaction(() => {
      for (const b of blobs) added += this.insertBlob.run(b.sha256, b.data.byteLength, b.data).changes;
    })();
    return added;
  }

  locate(sha256: string): ObjectLocation | null {
    if (this.hasBlob.get(sha256)) return 'blob';
    if (existsSync(objectFilePath(this.layout.store, sha256))) return 'file';
    return null;
  }

  readBlob(sha256: string): Buffer | null {
    const row = this.db.prepare('SELECT data FROM objects WHERE sha256 = ?').get(sha256) as { data: Buffer } | undefined;
    return row?.data ?? null;
  }

  filePath(sha256: string): string {
    return objectFilePath(this.layout.store, sha256);
  }

  /**
   * Removes temp files left by a crashed or killed ingest: those whose writing process (the pid
   * that starts their name) is gone, or that nobody has written to for STALE_TEMP_MS. A file that
   * another ingest still running in this case is writing is left alone. Returns how many were removed.
   */
  cleanTemp(): number {
    if (!existsSync(this.layout.tmp)) return 0;
    let n = 0;
    const now = Date.now();
    for (const name of readdirSync(this.layout.tmp)) {
      const path = join(this.layout.tmp, name);
      let mtimeMs: number;
      try {
        mtimeMs = lstatSync(path).mtimeMs;
      } catch {
        continue; // removed meanwhile (its writer committed it)
      }
      const pid = Number(/^(\d+)-/.exec(name)?.[1] ?? 0);
      if (pid > 0 && processAlive(pid) && now - mtimeMs < STALE_TEMP_MS) continue;
      rmSync(path, { recursive: true, force: true });
      n++;
    }
    return n;
  }

  /** For tests and forensic staff: write access to the blob table (e.g. to simulate tampering). */
  get database(): Database.Database {
    return this.db;
  }

  close(): void {
    this.db.close();
  }
}
