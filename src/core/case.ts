// A case folder: case.db (catalogue + custody log) and store/ (the evidence copies).
// Creating a case and opening one are the only ways core touches a case folder's structure.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { registerIssueFunctions } from './catalogue/issues.ts';
import { CustodyLog } from './custody/log.ts';
import {
  CASE_APPLICATION_ID,
  caseMarker,
  type DB,
  migrate,
  onReadOnlyMedia,
  openDatabase,
  openReadOnly,
  readDatabaseHeader,
  readOnlyMedia,
  schemaState,
  sqliteFault,
} from './db/open.ts';
import { checkCasePath, makeFolders } from './casePath.ts';
import { EvidenceError } from './errors.ts';
import { type CaseLayout, caseLayout } from './store/layout.ts';
import { networkFileSystemOf } from './store/network.ts';
import { ObjectStore } from './store/objects.ts';
import { type Clock, stamp, systemClock } from './time.ts';

export interface CaseInfo {
  uuid: string;
  number: string;
  name: string;
  created_at: string;
  created_by: string;
}

export interface CaseSettings {
  /** Limits for archives and other containers (used by container readers). */
  limits?: Record<string, number>;
}

export class Case {
  readonly layout: CaseLayout;
  readonly db: DB;
  readonly custody: CustodyLog;
  readonly clock: Clock;
  /** Opened read-only (case.db and the store): nothing can be written through this Case. */
  readonly readonly: boolean;
  private storeRef: ObjectStore | null;

  private constructor(layout: CaseLayout, db: DB, store: ObjectStore | null, clock: Clock, readonly = false) {
    this.layout = layout;
    this.db = db;
    this.storeRef = store;
    this.clock = clock;
    this.readonly = readonly;
    this.custody = new CustodyLog(db, clock);
    // item_has_problem(error) for SQL that counts problems and not notices (catalogue/issues.ts).
    registerIssueFunctions(db);
  }

  /**
   * The evidence store. A case opened for writing opens (and checks) it at once; one opened to
   * read opens it when first needed, so listing and the custody log still work when only
   * store/objects.db is damaged.
   */
  get store(): ObjectStore {
    this.storeRef ??= new ObjectStore(this.layout, { readonly: true });
    return this.storeRef;
  }

  static create(
    dir: string,
    info: { name: string; number: string; officer: string },
    clock: Clock = systemClock,
  ): Case {
    const root = checkCasePath(dir);
    const layout = caseLayout(root);
    if (existsSync(layout.db)) {
      throw new EvidenceError('CASE_EXISTS', `${root} already holds a case (case.db exists). Open it instead, or choose an empty folder.`);
    }
    if (existsSync(root) && !statSync(root).isDirectory()) {
      throw new EvidenceError('CASE_EXISTS', `${root} is a file, not a folder. Choose a new or empty folder for the case.`);
    }
    if (existsSync(root) && readdirSync(root).length > 0) {
      throw new EvidenceError('CASE_EXISTS', `${root} is not empty. Choose a new or empty folder for the case.`);
    }
    // The case folder and everything in it are the owner's only (0700 folders, 0600 databases):
    // other local users must not read evidence or the officers' encrypted keys.
    // Made a folder at a time (casePath.ts): never Node's recursive mkdir, which spins for ever
    // where mkdir keeps answering ENOENT.
    makeFolders(dirname(root));
    makeFolders(root, 0o700);
    try {
      chmodSync(root, 0o700); // an empty folder the user chose, or a umask that took bits away
    } catch {
      /* file systems without modes (FAT, exFAT) */
    }
    refuseNetworkFs(root);
    mkdirSync(layout.store, { recursive: true, mode: 0o700 });
    mkdirSync(layout.keys, { recursive: true, mode: 0o700 });
    const db = openDatabase(layout.db, { create: true });
    // The marker first: a case is recognised by it before anything else is read or written.
    db.pragma(`application_id = ${CASE_APPLICATION_ID}`);
    migrate(db);
    const store = new ObjectStore(layout);
    const c = new Case(layout, db, store, clock);
    const t = stamp(clock);
    const uuid = randomUUID();
    db.transaction(() => {
      db.prepare(
        'INSERT INTO cases (id, uuid, number, name, created_at, created_by) VALUES (1, ?, ?, ?, ?, ?)',
      ).run(uuid, info.number, info.name, t.utc, info.officer);
      c.ensureOfficer(info.officer);
      c.custody.append({
        officer: info.officer,
        action: 'case.created',
        target: `case:${uuid}`,
        details: { number: info.number, name: info.name, folder: root },
      });
    })();
    return c;
  }

  /**
   * Opens a case. Before anything is written, case.db must be a sound SQLite database carrying
   * the case marker (or, made by an earlier version, the case's tables), and store/objects.db a
   * sound database: otherwise NOT_A_CASE or CASE_DAMAGED, with nothing changed. `readonly`
   * writes nothing at all and works on read-only media and on a full disk.
   */
  static open(dir: string, opts: { clock?: Clock; readonly?: boolean } = {}): Case {
    const root = checkCasePath(dir);
    const layout = caseLayout(root);
    if (!existsSync(layout.db)) {
      throw new EvidenceError(
        'NOT_A_CASE',
        `${root} is not a case folder (no case.db). Create one with: evidence case init ${dir} --name ... --number ... --officer ...`,
      );
    }
    const marker = recogniseCase(layout);
    const clock = opts.clock ?? systemClock;
    if (opts.readonly) return Case.openReadOnly(dir, layout, clock);

    refuseNetworkFs(root);
    if (onReadOnlyMedia(root)) throw readOnlyMedia(root);
    // Checked before the first write: a damaged store must not be opened for writing.
    if (existsSync(layout.objectsDb)) readDatabaseHeader(layout.objectsDb, layout.objectsDb);
    const db = openDatabase(layout.db);
    try {
      migrate(db);
      // A case made before the marker gets it now, once recognised by its tables.
      if (marker !== 'case') db.pragma(`application_id = ${CASE_APPLICATION_ID}`);
      const store = new ObjectStore(layout);
      return new Case(layout, db, store, clock);
    } catch (err) {
      db.close();
      throw sqliteFault(err, layout.db);
    }
  }

  private static openReadOnly(dir: string, layout: CaseLayout, clock: Clock): Case {
    const db = openReadOnly(layout.db);
    let state: ReturnType<typeof schemaState>;
    try {
      db.pragma('foreign_keys = ON');
      state = schemaState(db);
    } catch (err) {
      db.close();
      throw sqliteFault(err, layout.db);
    }
    if (state === 'current') return new Case(layout, db, null, clock, true);
    db.close();
    if (state === 'newer') {
      throw new EvidenceError('SCHEMA_TOO_NEW', `This case was written by a newer version of the app. Update the app to open it.`);
    }
    // Made by an earlier version: its tables are brought up to date once (a write), then read.
    try {
      Case.open(dir, { clock }).close();
    } catch (err) {
      if (err instanceof EvidenceError && err.code === 'CASE_UNWRITABLE') {
        throw new EvidenceError(
          'CASE_UNWRITABLE',
          `This case was made by an earlier version of the app and must be brought up to date once before it can be read, which needs a writable disk. ${err.message}`,
        );
      }
      throw err;
    }
    return Case.openReadOnly(dir, layout, clock);
  }

  info(): CaseInfo {
    return this.db.prepare('SELECT uuid, number, name, created_at, created_by FROM cases WHERE id = 1').get() as CaseInfo;
  }

  settings(): CaseSettings {
    const row = this.db.prepare('SELECT settings FROM cases WHERE id = 1').get() as { settings: string };
    return JSON.parse(row.settings) as CaseSettings;
  }

  /** Officers are names for now; accounts, roles and keys come with the custody issue. */
  ensureOfficer(name: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO officers (name, created_at) VALUES (?, ?)')
      .run(name, this.clock.now().toISOString());
  }

  /** Finds an exhibit by number, recording it (and a custody event) the first time it is named. */
  ensureExhibit(number: string, officer: string): number {
    const row = this.db.prepare('SELECT id FROM exhibits WHERE number = ?').get(number) as { id: number } | undefined;
    if (row) return row.id;
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare('INSERT INTO exhibits (number, created_at, created_by) VALUES (?, ?, ?)')
          .run(number, this.clock.now().toISOString(), officer).lastInsertRowid,
      );
      this.custody.append({ officer, action: 'exhibit.recorded', target: `exhibit:${number}`, details: { number } });
      return id;
    })();
  }

  close(): void {
    this.storeRef?.close();
    this.storeRef = null;
    this.db.close();
  }
}

/**
 * Checks, writing nothing, that case.db is an evidence case: its header carries the case
 * application_id, or it has none and the case's tables (a case made by an earlier version).
 * Anything else is refused before a table, a WAL switch or a store folder is added to it.
 */
function recogniseCase(layout: CaseLayout): 'case' | 'older-case' {
  const head = readDatabaseHeader(layout.db);
  if (head.applicationId === CASE_APPLICATION_ID) return 'case';
  if (head.applicationId === 0) {
    // Opened immutable where no -wal exists: not even a -wal or -shm is left beside a file that is not ours.
    const db = openReadOnly(layout.db, layout.db, { immutableIfClean: true });
    let marker: ReturnType<typeof caseMarker>;
    try {
      marker = caseMarker(db);
    } catch (err) {
      throw sqliteFault(err, layout.db);
    } finally {
      db.close();
    }
    if (marker !== 'other') return marker;
  }
  throw new EvidenceError(
    'NOT_A_CASE',
    `${layout.db} holds a SQLite database that is not an evidence case; nothing was changed. ` +
      'Check the folder: a case folder holds the case.db and store/ made by "evidence case init".',
  );
}

function refuseNetworkFs(root: string): void {
  const fs = networkFileSystemOf(root);
  if (fs) {
    throw new EvidenceError(
      'NETWORK_FS',
      `${root} is on a network file system (${fs}). A case must be on a local disk: SQLite's write-ahead log is not safe on a share. Choose a local folder and copy the finished case or bundle to the share afterwards.`,
    );
  }
}
