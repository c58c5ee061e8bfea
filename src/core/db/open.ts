// Opening case.db: WAL, synchronous=FULL (a committed row survives power loss), foreign keys
// on, migrations applied in order inside one transaction each.
import Database from 'better-sqlite3';
import { EvidenceError } from '../errors.ts';
import { latestVersion, migrations } from './migrations.ts';

export type DB = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  create?: boolean;
}

export function openDatabase(file: string, opts: OpenOptions = {}): DB {
  const db = new Database(file, {
    readonly: opts.readonly ?? false,
    fileMustExist: !(opts.create ?? false),
  });
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  return db;
}

export function migrate(db: DB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latestVersion) {
    throw new EvidenceError(
      'SCHEMA_TOO_NEW',
      `This case was written by a newer version of the app (schema ${current}, this app knows ${latestVersion}). Update the app to open it.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
