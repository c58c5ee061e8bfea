// Known-hash sets: import, list, match. A set is named and marked known-good (hidden from review)
// or known-bad (an alert).
//
// Import streams the file: records go into a TEMP staging table (the connection's temp file,
// outside the case's WAL) in transactions of 50,000, so memory stays flat whatever the set's
// size. Then one transaction records the set: its entries are copied into the per-algorithm
// tables sorted by hash (SQLite's external sorter, bounded memory; sorted inserts touch each
// B-tree page once instead of once per hash), the case's items are matched against it (one
// join), and a custody event names the file, its SHA-256 and the counts. A failed or cancelled
// import leaves nothing behind.
//
// Matching walks the items in hash order and probes the set tables' primary keys, so each page
// of a 10,000,000-hash table is read at most once per match run.
import type { Hashset, HashsetImport, HashsetMatch } from '../../shared/outputs.ts';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { requirePermission, type SignedIn } from '../officers/accounts.ts';
import { type Algo, detectFormat, type HashRecord, type HashsetFormat, type ReadProgress, readTextSet, strongest } from './formats.ts';

export const IMPORT_BATCH = 50_000;
const ALGOS: Algo[] = ['md5', 'sha1', 'sha256'];

export type HashsetKind = 'good' | 'bad';

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Hashset, HashsetImport, HashsetMatch };

export interface HashsetImportProgress {
  phase: 'reading' | 'sorting' | 'matching';
  records: number;
  skipped: number;
  bytesRead: number;
  bytesTotal: number;
}

export interface HashsetImportOptions {
  file: string;
  name: string;
  kind: HashsetKind;
  format?: HashsetFormat | 'auto';
  onProgress?: (p: HashsetImportProgress) => void;
  signal?: AbortSignal;
}

interface HashsetRow {
  id: number;
  name: string;
  kind: HashsetKind;
  format: string;
  source_file: string;
  file_sha256: string;
  file_size: number;
  entries: number;
  md5: number;
  sha1: number;
  sha256: number;
  skipped: number;
  imported_at: string;
  officer: string;
  matches: number;
}

function toHashset(r: HashsetRow): Hashset {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    format: r.format,
    sourceFile: r.source_file,
    fileSha256: r.file_sha256,
    fileSize: r.file_size,
    entries: r.entries,
    md5: r.md5,
    sha1: r.sha1,
    sha256: r.sha256,
    skipped: r.skipped,
    importedAt: r.imported_at,
    officer: r.officer,
    matches: r.matches,
  };
}

export function listHashsets(db: DB): Hashset[] {
  return (
    db.prepare('SELECT h.*, (SELECT COUNT(*) FROM hashset_matches m WHERE m.set_id = h.id) AS matches FROM hashsets h ORDER BY h.id').all() as HashsetRow[]
  ).map(toHashset);
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** NSRL RDS v3: the FILE table (or view) of a SQLite database, read row by row. */
function* readRds(file: string): Generator<HashRecord | null> {
  let rds: Database.Database;
  try {
    rds = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new EvidenceError('USAGE', `${file} cannot be opened as an NSRL RDS database: ${errorMessage(err)}`);
  }
  try {
    const cols = (rds.prepare("SELECT name FROM pragma_table_info('FILE')").all() as { name: string }[]).map((c) => c.name.toLowerCase());
    if (cols.length === 0) throw new EvidenceError('USAGE', `${file} is a SQLite database without a FILE table: not an NSRL RDS v3 set.`);
    const pick = (n: string): string => (cols.includes(n) ? n : 'NULL');
    if (!['sha256', 'sha1', 'md5'].some((c) => cols.includes(c))) {
      throw new EvidenceError('USAGE', `${file}: the FILE table has no sha256, sha1 or md5 column.`);
    }
    const it = rds.prepare(`SELECT ${pick('sha256')} AS sha256, ${pick('sha1')} AS sha1, ${pick('md5')} AS md5 FROM FILE`).raw().iterate() as IterableIterator<
      [string | null, string | null, string | null]
    >;
    for (const [sha256, sha1, md5] of it) yield strongest({ sha256, sha1, md5 });
  } finally {
    rds.close();
  }
}

/** Imports a set file: see the top of this file. */
export async function importHashset(kase: Case, who: SignedIn, o: HashsetImportOptions): Promise<HashsetImport> {
  requirePermission(who, 'ingest', 'import hash sets');
  const db = kase.db;
  const file = resolve(o.file);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch (err) {
    throw new EvidenceError('SOURCE_UNREADABLE', `Cannot read the hash set ${file}: ${errorMessage(err)}.`);
  }
  const name = o.name.trim();
  if (!name) throw new EvidenceError('USAGE', 'A hash set needs a name (--name), e.g. "NSRL 2024.12 modern".');
  if (db.prepare('SELECT 1 FROM hashsets WHERE name = ?').get(name)) {
    throw new EvidenceError('CONFLICT', `A hash set named "${name}" is already in this case. Choose another name.`);
  }
  const format = !o.format || o.format === 'auto' ? detectFormat(file) : o.format;
  const started = Date.now();
  const progress: HashsetImportProgress = { phase: 'reading', records: 0, skipped: 0, bytesRead: 0, bytesTotal: size };
  let lastEmit = 0;
  const emit = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastEmit < 200) return;
    lastEmit = now;
    o.onProgress?.({ ...progress });
  };

  db.exec('DROP TABLE IF EXISTS temp.hashset_stage; CREATE TEMP TABLE hashset_stage (algo INTEGER NOT NULL, hash TEXT NOT NULL);');
  // 500 rows per statement: one call into SQLite per 500 hashes, not one per hash.
  const ROWS = 500;
  const stageOne = db.prepare('INSERT INTO temp.hashset_stage (algo, hash) VALUES (?, ?)');
  const stageMany = db.prepare(`INSERT INTO temp.hashset_stage (algo, hash) VALUES ${new Array(ROWS).fill('(?, ?)').join(', ')}`);
  const perAlgo: Record<Algo, number> = { md5: 0, sha1: 0, sha256: 0 };
  let batch: HashRecord[] = [];
  const flush = db.transaction((rows: HashRecord[]) => {
    const params: (number | string)[] = new Array<number | string>(2 * ROWS);
    let i = 0;
    for (; i + ROWS <= rows.length; i += ROWS) {
      for (let k = 0; k < ROWS; k++) {
        const r = rows[i + k]!;
        params[2 * k] = ALGOS.indexOf(r.algo);
        params[2 * k + 1] = r.hex;
      }
      stageMany.run(params);
    }
    for (; i < rows.length; i++) stageOne.run(ALGOS.indexOf(rows[i]!.algo), rows[i]!.hex);
  });
  const take = (r: HashRecord | null): void => {
    if (!r) {
      progress.skipped++;
      return;
    }
    progress.records++;
    perAlgo[r.algo]++;
    batch.push(r);
    if (batch.length >= IMPORT_BATCH) {
      flush(batch);
      batch = [];
      emit();
    }
  };
  try {
    let sha256: string;
    if (format === 'nsrl-rds') {
      sha256 = await fileSha256(file);
      for (const r of readRds(file)) {
        take(r);
        if (o.signal?.aborted) throw new EvidenceError('CANCELLED', 'Hash set import cancelled: nothing was recorded.');
      }
      progress.bytesRead = size;
    } else {
      const h = createHash('sha256');
      const rp: ReadProgress = { bytesRead: 0 };
      for await (const records of readTextSet(file, format, rp, (b) => h.update(b))) {
        for (const r of records) take(r);
        progress.bytesRead = rp.bytesRead;
        emit();
        if (o.signal?.aborted) throw new EvidenceError('CANCELLED', 'Hash set import cancelled: nothing was recorded.');
      }
      sha256 = h.digest('hex');
    }
    if (batch.length) flush(batch);
    batch = [];
    if (progress.records === 0) {
      throw new EvidenceError('USAGE', `${file} holds no valid hashes (${progress.skipped} lines skipped). Check --format.`);
    }
    const readMs = Date.now() - started;
    progress.phase = 'sorting';
    emit(true);
    const t1 = Date.now();
    let storeMs = 0;
    let matchMs = 0;
    const at = kase.clock.now().toISOString();
    const result = db.transaction(() => {
      const setId = Number(
        db
          .prepare(
            `INSERT INTO hashsets (name, kind, format, source_file, file_sha256, file_size, skipped, imported_at, officer)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(name, o.kind, format, file, sha256, size, progress.skipped, at, who.name).lastInsertRowid,
      );
      const stored: Record<Algo, number> = { md5: 0, sha1: 0, sha256: 0 };
      for (const a of ALGOS) {
        if (perAlgo[a] === 0) continue;
        stored[a] = db
          .prepare(`INSERT OR IGNORE INTO hashset_${a} (hash, set_id) SELECT unhex(hash), ? FROM temp.hashset_stage WHERE algo = ? ORDER BY hash`)
          .run(setId, ALGOS.indexOf(a)).changes;
      }
      const entries = stored.md5 + stored.sha1 + stored.sha256;
      db.prepare('UPDATE hashsets SET entries = ?, md5 = ?, sha1 = ?, sha256 = ? WHERE id = ?').run(entries, stored.md5, stored.sha1, stored.sha256, setId);
      storeMs = Date.now() - t1;
      progress.phase = 'matching';
      emit(true);
      const t2 = Date.now();
      const matched = matchItems(db, { setId, algos: ALGOS.filter((a) => stored[a] > 0) });
      matchMs = Date.now() - t2;
      kase.custody.append({
        officer: who.name,
        action: 'hashset.imported',
        target: `hashset:${setId}`,
        details: {
          name,
          kind: o.kind === 'bad' ? 'known-bad' : 'known-good',
          format,
          file,
          fileName: basename(file),
          fileSha256: sha256,
          fileSize: size,
          records: progress.records,
          entries,
          md5: stored.md5,
          sha1: stored.sha1,
          sha256: stored.sha256,
          skipped: progress.skipped,
          matchedItems: matched,
        },
      });
      return { setId, matched };
    })();
    // A large set passes through the WAL once: give that space back now rather than at close.
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* another reader holds the WAL: SQLite checkpoints later */
    }
    return {
      set: listHashsets(db).find((s) => s.id === result.setId)!,
      records: progress.records,
      skipped: progress.skipped,
      matched: result.matched,
      timings: { readMs, storeMs, matchMs },
    };
  } finally {
    db.exec('DROP TABLE IF EXISTS temp.hashset_stage');
  }
}

/**
 * Records which items are in which sets: the items of one source (or all), against one set (or
 * all). Returns the number of new (item, set) matches.
 */
export function matchItems(db: DB, o: { setId?: number; sourceId?: number; algos?: Algo[] } = {}): number {
  let n = 0;
  for (const a of o.algos ?? ALGOS) {
    if (o.setId === undefined && !db.prepare(`SELECT 1 FROM hashset_${a} LIMIT 1`).get()) continue;
    // Items in hash order (a sorted temporary list), each probing the set table's primary key.
    n += db
      .prepare(
        `WITH q AS MATERIALIZED (
           SELECT i.id, unhex(i.${a}) AS h FROM items i
           WHERE i.${a} IS NOT NULL ${o.sourceId !== undefined ? 'AND i.source_id = @source' : ''} ORDER BY 2)
         INSERT OR IGNORE INTO hashset_matches (item_id, set_id, algo)
         SELECT q.id, e.set_id, '${a}' FROM q CROSS JOIN hashset_${a} e ON e.hash = q.h ${o.setId !== undefined ? 'AND e.set_id = @set' : ''}`,
      )
      .run({ ...(o.sourceId !== undefined ? { source: o.sourceId } : {}), ...(o.setId !== undefined ? { set: o.setId } : {}) }).changes;
  }
  return n;
}

/** The sets an item is in. */
export function itemHashsetMatches(db: DB, itemId: number): HashsetMatch[] {
  return (
    db
      .prepare('SELECT h.name, h.id, h.kind, m.algo FROM hashset_matches m JOIN hashsets h ON h.id = m.set_id WHERE m.item_id = ? ORDER BY h.kind DESC, h.name')
      .all(itemId) as { name: string; id: number; kind: HashsetKind; algo: Algo }[]
  ).map((r) => ({ set: r.name, setId: r.id, kind: r.kind, algo: r.algo }));
}

/**
 * Matches one source's items against every set, for the end of an ingest (whose ingest.finished
 * custody event records the counts). Returns items per kind and per set.
 */
export function matchSource(kase: Case, sourceId: number): { knownBad: number; knownGood: number; perSet: Record<string, number> } {
  const db = kase.db;
  if (!db.prepare('SELECT 1 FROM hashsets LIMIT 1').get()) return { knownBad: 0, knownGood: 0, perSet: {} };
  return db.transaction(() => {
    matchItems(db, { sourceId });
    const counts = db
      .prepare(
        `SELECT h.kind, h.name, COUNT(DISTINCT m.item_id) AS n FROM hashset_matches m JOIN hashsets h ON h.id = m.set_id
         JOIN items i ON i.id = m.item_id WHERE i.source_id = ? GROUP BY h.id`,
      )
      .all(sourceId) as { kind: HashsetKind; name: string; n: number }[];
    const items = (kind: HashsetKind): number =>
      (
        db
          .prepare(
            `SELECT COUNT(DISTINCT m.item_id) AS n FROM hashset_matches m JOIN hashsets h ON h.id = m.set_id JOIN items i ON i.id = m.item_id
             WHERE i.source_id = ? AND h.kind = ?`,
          )
          .get(sourceId, kind) as { n: number }
      ).n;
    return { knownBad: items('bad'), knownGood: items('good'), perSet: Object.fromEntries(counts.map((c) => [c.name, c.n])) };
  })();
}
