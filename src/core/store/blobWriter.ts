// Small objects written by the hashing workers themselves, straight into store/objects.db: a
// worker inserts the blobs of a whole batch in one transaction on its own connection, so their
// bytes never travel to the main thread and the main thread runs no SQL for them.
//
// Durability: the workers commit with synchronous = NORMAL, i.e. without an fsync of their own.
// Before the main thread commits the item rows that name these objects it fsyncs the write-ahead
// log once (ObjectStore.syncWal), which makes every blob the workers committed so far durable
// in one call instead of one fsync per batch. A checkpoint (which a worker may run when the log
// grows) syncs the log before copying it and the database after, so nothing is lost there either.
import Database from 'better-sqlite3';
import { CaseWriteFault } from './writeFaults.ts';

export class BlobWriter {
  private db: Database.Database | null = null;
  private insert: Database.Statement | null = null;
  private readonly path: string;

  constructor(objectsDb: string) {
    this.path = objectsDb;
  }

  private open(): Database.Statement {
    if (!this.insert) {
      // The main thread made the database and its table (ObjectStore); it stays in WAL mode.
      this.db = new Database(this.path, { fileMustExist: true });
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 10000');
      this.insert = this.db.prepare('INSERT OR IGNORE INTO objects (sha256, size, data) VALUES (?, ?, ?)');
    }
    return this.insert;
  }

  /**
   * Inserts the blobs in one transaction. Returns, per blob, whether it was new (false: the store
   * held it already, or an earlier blob of the same call had the same content). A failure (disk
   * full, I/O error) is the case's, never the evidence's: thrown as a CaseWriteFault.
   */
  putAll(blobs: readonly { sha256: string; data: Uint8Array }[]): boolean[] {
    if (blobs.length === 0) return [];
    try {
      const insert = this.open();
      const added: boolean[] = [];
      this.db!.transaction(() => {
        added.length = 0;
        for (const b of blobs) added.push(insert.run(b.sha256, b.data.byteLength, b.data).changes > 0);
      })();
      return added;
    } catch (err) {
      // SQLITE_FULL and SQLITE_IOERR keep their own codes (caseWriteCode knows them).
      if (typeof (err as { code?: unknown })?.code === 'string' && /^SQLITE_(FULL|IOERR|READONLY)/.test((err as { code: string }).code)) throw err;
      throw CaseWriteFault.from(err, 'small objects to store/objects.db');
    }
  }

  close(): void {
    this.db?.close();
    this.db = null;
    this.insert = null;
  }
}
