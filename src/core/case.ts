// A case folder: case.db (catalogue + custody log) and store/ (the evidence copies).
// Creating a case and opening one are the only ways core touches a case folder's structure.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CustodyLog } from './custody/log.ts';
import { type DB, migrate, openDatabase } from './db/open.ts';
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
  readonly store: ObjectStore;
  readonly custody: CustodyLog;
  readonly clock: Clock;

  private constructor(layout: CaseLayout, db: DB, store: ObjectStore, clock: Clock) {
    this.layout = layout;
    this.db = db;
    this.store = store;
    this.clock = clock;
    this.custody = new CustodyLog(db, clock);
  }

  static create(
    dir: string,
    info: { name: string; number: string; officer: string },
    clock: Clock = systemClock,
  ): Case {
    const root = resolve(dir);
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
    mkdirSync(root, { recursive: true });
    refuseNetworkFs(root);
    mkdirSync(layout.store, { recursive: true });
    mkdirSync(layout.keys, { recursive: true, mode: 0o700 });
    const db = openDatabase(layout.db, { create: true });
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

  static open(dir: string, opts: { clock?: Clock; readonly?: boolean } = {}): Case {
    const root = resolve(dir);
    const layout = caseLayout(root);
    if (!existsSync(layout.db)) {
      throw new EvidenceError(
        'NOT_A_CASE',
        `${root} is not a case folder (no case.db). Create one with: evidence case init ${dir} --name ... --number ... --officer ...`,
      );
    }
    if (!opts.readonly) refuseNetworkFs(root);
    const db = openDatabase(layout.db, { readonly: opts.readonly ?? false });
    if (!opts.readonly) migrate(db);
    const store = new ObjectStore(layout, { readonly: opts.readonly ?? false });
    return new Case(layout, db, store, opts.clock ?? systemClock);
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
    this.store.close();
    this.db.close();
  }
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
