// Opening case.db: WAL, synchronous=FULL (a committed row survives power loss), foreign keys
// on, migrations applied in order inside one transaction each.
import Database from 'better-sqlite3';
import { EvidenceError } from '../errors.ts';
import { type Migration, migrations } from './migrations.ts';

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
