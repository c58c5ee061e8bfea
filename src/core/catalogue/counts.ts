// The catalogue's counts (items, files and their bytes, files per family, items per source (so
// per exhibit), extension mismatches, photos with GPS)
// kept as counters by the writer, so the navigation and every unfiltered listing read a dozen
// rows instead of scanning the items table (on a 1,000,000-item case: two seconds, each time the
// catalogue changed, and on every page of the catalogue for its total).
//
// The counters are kept by SQLite triggers on items and metadata: every insert, update and delete
// of a row changes them in the same statement, hence the same transaction, whoever writes (the
// ingest's row writer, a review's in-memory catalogue, a test, a bench), and a rolled back batch
// rolls its counts back with it. They cannot drift from the rows.
//
// Problems (the Errors view) are not counted here: whether an error text is a problem is decided
// by item_has_problem() (catalogue/issues.ts), a function of this process that a trigger must not
// depend on. They are counted at read time over partial indexes holding only the items and
// metadata rows that carry an error, which is cheap however large the case.
//
// The family of a file is FAMILY_SQL (filter.ts). If it changes, add a migration that runs
// countsSql() again: it drops and recreates the triggers and counts every row afresh.
import type { DB } from '../db/open.ts';
import { FAMILIES, type Family, FAMILY_SQL } from './filter.ts';

export const COUNTS_TABLE = 'catalogue_counts';

/** Counter names: 'items', 'files', 'bytes' (of the files), 'mismatches', 'gps', 'family:<family>', 'source:<id>' (items of a source). */
export type CounterName = 'items' | 'files' | 'bytes' | 'mismatches' | 'gps' | `family:${Family}` | `source:${number}`;

/** FAMILY_SQL for the row a trigger sees (NEW or OLD) instead of the alias `i`. */
function familyOf(row: 'NEW' | 'OLD'): string {
  return FAMILY_SQL.replace(/\bi\.(?=[a-z_]+\b)/g, `${row}.`);
}

/**
 * The counters one items row adds (sign 1, NEW) or takes away (sign -1, OLD), as one upsert of a
 * VALUES list: every counter the row could touch, with a delta of 0 where it does not apply
 * (cheaper per row than a query that picks the ones that apply).
 */
function bumpItem(row: 'NEW' | 'OLD', sign: 1 | -1): string {
  const file = `(${row}.kind = 'file')`;
  return bump(`('items', ${sign}),
      ('source:' || ${row}.source_id, ${sign}),
      ('files', ${sign} * ${file}),
      ('bytes', ${sign} * ${file} * COALESCE(${row}.size, 0)),
      ('family:' || (${familyOf(row)}), ${sign} * ${file}),
      ('mismatches', ${sign} * (${row}.ext_mismatch = 1))`);
}

function bump(values: string): string {
  return `INSERT INTO ${COUNTS_TABLE} (name, n) VALUES ${values}
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;`;
}

/**
 * The counters' table, the triggers that keep them and the partial indexes that count problems,
 * then every counter computed afresh from the rows. Idempotent: safe to run again in a later
 * migration.
 */
export function countsSql(): string {
  const itemColumns = 'source_id, kind, name, mime, ext, container, ext_mismatch, size';
  return `
CREATE TABLE IF NOT EXISTS ${COUNTS_TABLE} (
  name  TEXT PRIMARY KEY,
  n     INTEGER NOT NULL
) WITHOUT ROWID;

DROP TRIGGER IF EXISTS items_counts_insert;
DROP TRIGGER IF EXISTS items_counts_delete;
DROP TRIGGER IF EXISTS items_counts_update;
DROP TRIGGER IF EXISTS metadata_counts_insert;
DROP TRIGGER IF EXISTS metadata_counts_delete;
DROP TRIGGER IF EXISTS metadata_counts_update;

CREATE TRIGGER items_counts_insert AFTER INSERT ON items BEGIN
  ${bumpItem('NEW', 1)}
END;
CREATE TRIGGER items_counts_delete AFTER DELETE ON items BEGIN
  ${bumpItem('OLD', -1)}
END;
CREATE TRIGGER items_counts_update AFTER UPDATE OF ${itemColumns} ON items BEGIN
  ${bumpItem('OLD', -1)}
  ${bumpItem('NEW', 1)}
END;
CREATE TRIGGER metadata_counts_insert AFTER INSERT ON metadata WHEN NEW.lat IS NOT NULL BEGIN
  ${bump("('gps', 1)")}
END;
CREATE TRIGGER metadata_counts_delete AFTER DELETE ON metadata WHEN OLD.lat IS NOT NULL BEGIN
  ${bump("('gps', -1)")}
END;
CREATE TRIGGER metadata_counts_update AFTER UPDATE OF lat ON metadata WHEN (OLD.lat IS NULL) <> (NEW.lat IS NULL) BEGIN
  ${bump("('gps', CASE WHEN NEW.lat IS NULL THEN -1 ELSE 1 END)")}
END;

-- Only the rows with an error: the Errors count reads these, not the whole table.
CREATE INDEX IF NOT EXISTS items_with_error ON items(error) WHERE error IS NOT NULL;
CREATE INDEX IF NOT EXISTS metadata_with_error ON metadata(item_id, error) WHERE error IS NOT NULL;

DELETE FROM ${COUNTS_TABLE};
INSERT INTO ${COUNTS_TABLE} (name, n)
  SELECT 'items', COUNT(*) FROM items
  UNION ALL SELECT 'files', COUNT(*) FROM items WHERE kind = 'file'
  UNION ALL SELECT 'bytes', COALESCE(SUM(size), 0) FROM items WHERE kind = 'file'
  UNION ALL SELECT 'mismatches', COUNT(*) FROM items WHERE ext_mismatch = 1
  UNION ALL SELECT 'gps', COUNT(*) FROM metadata WHERE lat IS NOT NULL
  UNION ALL SELECT 'source:' || source_id, COUNT(*) FROM items GROUP BY source_id
  UNION ALL SELECT 'family:' || family, n FROM (SELECT ${FAMILY_SQL} AS family, COUNT(*) AS n FROM items i WHERE i.kind = 'file' GROUP BY 1);
`;
}

/** True when this case.db keeps counters (a case opened read-only before its migration has none). */
export function hasCounters(db: DB): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(COUNTS_TABLE) !== undefined;
}

/** SQL for the items of exhibit `exhibitAlias`.id, from its sources' counters. */
export function exhibitItemsSql(exhibitAlias: string): string {
  return `(SELECT COALESCE(SUM(cc.n), 0) FROM sources cs JOIN ${COUNTS_TABLE} cc ON cc.name = 'source:' || cs.id WHERE cs.exhibit_id = ${exhibitAlias}.id)`;
}

/** Every counter, 0 for those never bumped. */
export function readCounters(db: DB): Record<CounterName, number> {
  const out = { items: 0, files: 0, bytes: 0, mismatches: 0, gps: 0 } as Record<CounterName, number>;
  for (const f of FAMILIES) out[`family:${f}`] = 0;
  for (const r of db.prepare(`SELECT name, n FROM ${COUNTS_TABLE}`).all() as { name: CounterName; n: number }[]) out[r.name] = r.n;
  return out;
}

/** One counter. */
export function readCounter(db: DB, name: CounterName): number {
  return (db.prepare(`SELECT n FROM ${COUNTS_TABLE} WHERE name = ?`).get(name) as { n: number } | undefined)?.n ?? 0;
}
