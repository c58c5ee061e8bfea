// Opening case.db: WAL, synchronous=FULL (a committed row survives power loss), foreign keys
// on, migrations applied in order inside one transaction each. Before anything is written, a file
// is checked to be what it should be (a sound SQLite database, and for case.db an evidence case),
// and commands that only read open it read-only, so they also work on read-only media and on a
// full disk.
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync, statfsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EvidenceError } from '../errors.ts';
import { type Migration, migrations } from './migrations.ts';

// Read-only media need SQLite's `immutable=1`, which only a file: URI can ask for; better-sqlite3
// turns URI filenames on from this variable when it loads its native code (at the first
// `new Database`, always after this module has been evaluated). Plain paths mean what they did.
process.env.SQLITE_USE_URI ??= '1';

export type DB = Database.Database;

/**
 * The SQLite application_id of an evidence case ("EvCa" in ASCII), written at offset 68 of
 * case.db's header. Cases made before it existed are recognised by their tables and get it the
 * next time they are opened for writing.
 */
export const CASE_APPLICATION_ID = 0x45764361;

export interface OpenOptions {
  readonly?: boolean;
  create?: boolean;
  /** How messages name the file, e.g. "case.db" or "store/objects.db" (default: its path). */
  label?: string;
}

/** What a database file's first 100 bytes (SQLite's header) say, read without SQLite. */
export interface DatabaseHeader {
  applicationId: number;
  /** Format bytes 18-19 are 2: the file is in WAL mode. */
  wal: boolean;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function damagedMessage(label: string, what: string): string {
  return (
    `${label} is damaged: ${what}. Nothing was changed. Do not work on this copy of the case: ` +
    'restore the case folder from a backup, or open a bundle made from it, and keep this copy as it is for examination.'
  );
}

export function damaged(label: string, what: string): EvidenceError {
  return new EvidenceError('CASE_DAMAGED', damagedMessage(label, what));
}

/**
 * Reads and checks a database file's header with plain file reads (SQLite is not involved, so
 * nothing can be written): a file too short or without SQLite's magic is damaged.
 */
export function readDatabaseHeader(file: string, label = file): DatabaseHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw damaged(label, 'it is a folder, not a database file');
    if (code === 'EACCES' || code === 'EPERM') {
      throw new EvidenceError('NOT_FOUND', `${label} cannot be read: permission denied. Run the command as the user who owns the case, or ask an administrator.`);
    }
    throw err;
  }
  const head = Buffer.alloc(100);
  let n: number;
  try {
    n = readSync(fd, head, 0, 100, 0);
  } catch (err) {
    throw ioFault(err, file, label);
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw damaged(label, 'the file is empty');
  if (n < 100 || !head.subarray(0, 16).equals(SQLITE_MAGIC)) throw damaged(label, 'it is not an SQLite database (its first bytes are not SQLite\'s)');
  return { applicationId: head.readInt32BE(68), wal: head[18] === 2 || head[19] === 2 };
}

/** True when the write-ahead log beside `file` holds changes not yet in the file itself. */
function walHasContent(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

/** The folder's file system has (almost) no room left. */
function diskFull(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize) < 1024 * 1024;
  } catch {
    return false;
  }
}

/** The folder is on a read-only file system (a write-protected stick, a read-only mount). */
export function onReadOnlyMedia(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EROFS';
  }
}

export function readOnlyMedia(where: string): EvidenceError {
  return new EvidenceError(
    'CASE_UNWRITABLE',
    `The case is on read-only media (${where} is a write-protected disk or a read-only mount): this command records what it does in the case, ` +
      'so it cannot run there. Nothing was changed. Listing (ls, log, case info, exhibit ls, officer ls) and custody verify still work; ' +
      'to do more, copy the whole case folder to a writable disk and run the command there.',
  );
}

export function diskIsFull(where: string): EvidenceError {
  return new EvidenceError(
    'CASE_UNWRITABLE',
    `The disk holding the case is full (${where}). Nothing was lost: free space on it and run the same command again to resume.`,
  );
}

/** An operating-system error while touching a case file, in the team's error codes. */
function ioFault(err: unknown, file: string, label: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const dir = dirname(file);
  if (code === 'ENOSPC' || code === 'EDQUOT') return diskIsFull(dir);
  if (code === 'EROFS') return readOnlyMedia(dir);
  if (code === 'EIO') {
    return new EvidenceError('CASE_UNWRITABLE', `The disk holding the case reported an I/O error while reading or writing ${label}. Nothing was lost; check the disk and its cable, then run the same command again.`);
  }
  return err;
}

/**
 * Says in plain words what an SQLite error on a case file means, with the team's error codes:
 * damaged (not a database, corrupt pages) is CASE_DAMAGED; a full disk, read-only media or an I/O
 * error is CASE_UNWRITABLE. Anything else is returned as it was.
 */
export function sqliteFault(err: unknown, file: string, label = file): unknown {
  if (err instanceof EvidenceError) return err;
  const code = sqliteCode(err);
  const dir = dirname(file);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return damaged(label, `SQLite cannot read it (${(err as Error).message})`);
  }
  if (code === 'SQLITE_FULL') return diskIsFull(dir);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_PERM') {
    if (onReadOnlyMedia(dir)) return readOnlyMedia(dir);
    if (diskFull(dir)) return diskIsFull(dir);
    if (code.startsWith('SQLITE_IOERR')) {
      return new EvidenceError(
        'CASE_UNWRITABLE',
        `The disk holding the case reported an I/O error on ${label} (${code}). Nothing was lost; check the disk and its cable, then run the same command again.`,
      );
    }
    if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
      return new EvidenceError('CASE_UNWRITABLE', `${label} cannot be written (${code}): check that you may write to the case folder ${dir}, then run the same command again.`);
    }
  }
  return ioFault(err, file, label);
}

/**
 * A case found damaged while working on it (a corrupt page met by a query, after the checks at
 * opening passed), in plain words; null for any other error. For front doors, which do not know
 * which file it was.
 */
export function damagedCase(err: unknown): EvidenceError | null {
  const code = sqliteCode(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return damaged('The case (case.db or store/objects.db)', `SQLite found a damaged page in it (${(err as Error).message})`);
  }
  return null;
}

/** Creates an empty file only its owner may read and write (SQLite gives its -wal and -shm the same mode). */
export function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function probe(db: DB): void {
  // Reads page 1 and the schema: a file with SQLite's magic but damaged pages fails here.
  db.prepare('SELECT count(*) FROM sqlite_master').get();
}

const immutableDbs = new WeakSet<DB>();

/**
 * True for a database opened `immutable` (read-only media, a full disk): it does not see
 * changes made after it was opened, so it must not be kept open for long.
 */
export function isImmutable(db: DB): boolean {
  return immutableDbs.has(db);
}

/**
 * Opens a database only to read it, writing nothing. Normally SQLite's shared-memory file
 * (-shm) is used so that changes committed meanwhile by another process are seen. Where it
 * cannot be made (read-only media, a full disk) and no write-ahead log holds uncommitted-to-file
 * changes, the file is opened `immutable`: it is complete as it is, and nothing beside it is needed.
 */
export function openReadOnly(file: string, label = file, opts: { immutableIfClean?: boolean } = {}): DB {
  const open = (immutable: boolean): DB => {
    const db = immutable
      ? new Database(`${pathToFileURL(file).href}?immutable=1`, { readonly: true, fileMustExist: true })
      : new Database(file, { readonly: true, fileMustExist: true });
    try {
      probe(db);
      if (immutable) immutableDbs.add(db);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  };
  // Checking a file that may not be ours: no -wal or -shm may be left beside it.
  if (opts.immutableIfClean && !existsSync(`${file}-wal`)) {
    try {
      return open(true);
    } catch (err) {
      throw sqliteFault(err, file, label);
    }
  }
  let db: DB;
  try {
    db = open(false);
  } catch (err) {
    const code = sqliteCode(err);
    const cannotShare = code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL';
    if (!cannotShare) throw sqliteFault(err, file, label);
    if (walHasContent(file)) {
      // The latest changes are only in the -wal, which SQLite cannot use here: reading the file
      // alone would show an older state of the case.
      const why = sqliteFault(err, file, label);
      if (why instanceof EvidenceError && why.code === 'CASE_UNWRITABLE') {
        throw new EvidenceError(
          'CASE_UNWRITABLE',
          `${label} has recent changes in ${basename(file)}-wal that cannot be read here: ${why.message}`,
        );
      }
      throw why;
    }
    try {
      db = open(true);
    } catch (err2) {
      throw sqliteFault(err2, file, label);
    }
  }
  db.pragma('busy_timeout = 10000');
  return db;
}

export function openDatabase(file: string, opts: OpenOptions = {}): DB {
  const label = opts.label ?? file;
  if (opts.readonly) {
    const db = openReadOnly(file, label);
    db.pragma('foreign_keys = ON');
    return db;
  }
  if (opts.create) createPrivateFile(file);
  let db: DB | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    probe(db);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    return db;
  } catch (err) {
    db?.close();
    throw sqliteFault(err, file, label);
  }
}

export type CaseMarker = 'case' | 'older-case' | 'other';

/**
 * Whether an open database is an evidence case: it carries the case application_id, or (made
 * by an earlier version) has the `cases` table with its one row and `schema_migrations` or a
 * user_version.
 */
export function caseMarker(db: DB): CaseMarker {
  const id = db.pragma('application_id', { simple: true }) as number;
  if (id === CASE_APPLICATION_ID) return 'case';
  if (id !== 0) return 'other';
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('cases', 'schema_migrations', 'custody_events')").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  if (!tables.has('cases') || !tables.has('custody_events')) return 'other';
  if (!tables.has('schema_migrations') && (db.pragma('user_version', { simple: true }) as number) < 1) return 'other';
  const row = db.prepare('SELECT count(*) AS n FROM cases WHERE id = 1').get() as { n: number };
  return row.n === 1 ? 'older-case' : 'other';
}

/**
 * How an open case's schema compares with this app's migrations: 'current', 'older' (it needs
 * migrations this app has, which takes a write), or 'newer' (made by a newer app).
 */
export function schemaState(db: DB, list: readonly Migration[] = migrations): 'current' | 'older' | 'newer' {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  const known = new Set(list.map((m) => m.version));
  let done: number[];
  if (hasTable) {
    done = (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version);
  } else {
    const current = db.pragma('user_version', { simple: true }) as number;
    done = Array.from({ length: current }, (_, i) => i + 1);
  }
  if (done.some((v) => !known.has(v))) return 'newer';
  const have = new Set(done);
  return list.every((m) => have.has(m.version)) ? 'current' : 'older';
}

/**
 * Applies every migration not yet applied, in the order of the list. Which ones are applied is
 * recorded in `schema_migrations(version)`, not only in `user_version`: helpers working in
 * parallel may land migration N after N+1, and a case that already has N+1 must still get N.
 * A case written before the table existed has `user_version = N`, meaning 1..N applied; the
 * table is filled from it once. `user_version` still holds the highest applied version.
 */
export function migrate(db: DB, list: readonly Migration[] = migrations): void {
  const known = new Set(list.map((m) => m.version));
  const newest = Math.max(0, ...known);
  const applied = db.transaction((): Set<number> => {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
    if (!hasTable) {
      const current = db.pragma('user_version', { simple: true }) as number;
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)');
      const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, NULL)');
      // Before the table, versions were applied strictly in order: user_version N means 1..N.
      for (let v = 1; v <= current; v++) insert.run(v, list.find((m) => m.version === v)?.name ?? null);
    }
    const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      // Thrown inside the transaction: a case from a newer app is left exactly as it was.
      throw new EvidenceError(
        'SCHEMA_TOO_NEW',
        `This case was written by a newer version of the app (schema ${Math.max(...unknown)}, this app knows ${newest}). Update the app to open it.`,
      );
    }
    return done;
  })();
  for (const m of list) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      applied.add(m.version);
      db.pragma(`user_version = ${Math.max(...applied)}`);
    })();
  }
}
