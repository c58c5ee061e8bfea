// The content-addressed evidence store of a case. Small objects are rows in store/objects.db
// (one fsync per batch instead of a create+rename+fsync per file, which dominates on phones'
// tens of thousands of small files); large ones are read-only files at store/ab/cd/<sha256>.
// Either way an object is named by its SHA-256 and written once.
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type CaseLayout, objectFilePath } from './layout.ts';
import { openDatabase, openReadOnly, readDatabaseHeader, sqliteFault } from '../db/open.ts';
import { type Digests, hashBytes, TripleHash } from '../hashes.ts';

export type ObjectLocation = 'blob' | 'file';

/** A stored object's bytes: the blob itself, or its read-only file (formats/zip.ts opens either at random). */
export type StoredBytes = { type: 'bytes'; data: Uint8Array } | { type: 'file'; path: string; size: number };

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

  /**
   * Makes durable every blob the hashing workers committed to objects.db so far (they commit
   * without an fsync, store/blobWriter.ts): one fsync of the write-ahead log, which holds all of
   * their commits since the last checkpoint (and a checkpoint syncs what it copies). Called
   * before item rows naming those blobs commit to case.db.
   */
  syncWal(): void {
    const wal = `${this.layout.objectsDb}-wal`;
    let fd: number;
    try {
      fd = openSync(wal, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing in a log: all in the synced database
      throw err;
    }
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
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

  /** An object's bytes, to read or open at random; null when the store does not hold it. */
  bytesOf(sha256: string): StoredBytes | null {
    const data = this.readBlob(sha256);
    if (data) return { type: 'bytes', data };
    const path = this.filePath(sha256);
    return existsSync(path) ? { type: 'file', path, size: lstatSync(path).size } : null;
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

/**
 * Read-only access to a store for the workers that read it (verify, the text stage): an object's
 * bytes, and its digests read again from its blob or its file. Never writes; with no objects.db, the files are still served
 * (and every blob is then missing).
 */
export class StoreReader {
  private readonly storeDir: string;
  private readonly db: Database.Database | null;
  private readonly getBlob: Database.Statement | null;

  constructor(dirs: { store: string; objectsDb: string }) {
    this.storeDir = dirs.store;
    this.db = existsSync(dirs.objectsDb) ? new Database(dirs.objectsDb, { readonly: true, fileMustExist: true }) : null;
    this.getBlob = this.db?.prepare('SELECT data FROM objects WHERE sha256 = ?') ?? null;
  }

  /** An object's bytes (a blob's, or its file to read), for the workers that read the store; null when it does not hold it. */
  bytesOf(sha256: string): StoredBytes | null {
    const row = this.getBlob?.get(sha256) as { data: Buffer } | undefined;
    if (row) return { type: 'bytes', data: row.data };
    const path = objectFilePath(this.storeDir, sha256);
    return existsSync(path) ? { type: 'file', path, size: lstatSync(path).size } : null;
  }

  /** Where the object was found and its size and digests now; null when the store does not hold it. */
  digest(sha256: string): ({ found: ObjectLocation; size: number } & Digests) | null {
    const row = this.getBlob?.get(sha256) as { data: Buffer } | undefined;
    if (row) return { found: 'blob', size: row.data.byteLength, ...hashBytes(row.data) };
    const path = objectFilePath(this.storeDir, sha256);
    if (!existsSync(path)) return null;
    const fd = openSync(path, 'r');
    try {
      const t = new TripleHash();
      const chunk = new Uint8Array(1024 * 1024);
      let size = 0;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.byteLength, size);
        if (n === 0) break;
        t.update(chunk.subarray(0, n));
        size += n;
      }
      return { found: 'file', size, ...t.digest() };
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    this.db?.close();
  }
}
