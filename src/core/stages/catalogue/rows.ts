// The one writer of item rows: an entry (the reader's facts) and what its bytes gave (the item
// processor's result) become its `items` row and its `metadata` row, in the
// caller's transaction. Items are unique per source and path, so a resumed run that redoes a row
// the interrupted run committed changes nothing.
import type { Statement } from 'better-sqlite3';
import type { Case } from '../../case.ts';
import { extensionOf } from '../../analyze/filetype.ts';
import type { RunningDigest } from '../../custody/catalogueDigest.ts';
import type { SourceEntry } from '../../sources/types.ts';
import type { HashResult } from '../../item/protocol.ts';

/** One item on its way to its row: the entry, where it sits in the nesting, and (files) its result. */
export interface Item {
  entry: SourceEntry;
  depth: number;
  parentId: number | null;
  /** Read from a file on the export's drive (not from a container's store copy). */
  fromSource?: boolean;
  /** What the item processor found (null for folders, links, special files, entries not extracted). */
  result: HashResult | null;
}

export class ItemRows {
  private readonly kase: Case;
  private readonly sourceId: number;
  private readonly onNote: (path: string, note: string) => void;
  /** The custody digest of the source's rows, folded in as each batch commits (custody/catalogueDigest.ts). */
  private readonly digest: RunningDigest | null;

  private readonly insertItem: Statement;
  private readonly insertMeta: Statement;

  /** `onNote`: told of a row kept under a changed path (a reader gave the same path twice). */
  constructor(kase: Case, sourceId: number, onNote: (path: string, note: string) => void, digest: RunningDigest | null = null) {
    this.kase = kase;
    this.sourceId = sourceId;
    this.onNote = onNote;
    this.digest = digest;
    // Prepared once per run, not per batch.
    this.insertItem = kase.db.prepare(
      `INSERT INTO items (source_id, path, path_raw, name, ext, kind, size, mode, uid, gid, inode, mtime, ctime, atime, birthtime,
         link_target, md5, sha1, sha256, mime, detected_ext, ext_mismatch, error, added_at, parent_id, depth, container, extra)
       VALUES (@source_id, @path, @path_raw, @name, @ext, @kind, @size, @mode, @uid, @gid, @inode, @mtime, @ctime, @atime, @birthtime,
         @link_target, @md5, @sha1, @sha256, @mime, @detected_ext, @ext_mismatch, @error, @added_at, @parent_id, @depth, @container, @extra)
       ON CONFLICT (source_id, path) DO NOTHING`,
    );
    this.insertMeta = kase.db.prepare(
      `INSERT INTO metadata (item_id, taken_at, lat, lon, alt, make, model, orientation, json, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Writes the items' rows in one transaction; returns how many were files. */
  write(items: Item[]): number {
    const db = this.kase.db;
    const addedAt = this.kase.clock.now().toISOString();
    // The catalogue's counters are kept by a trigger on every row (catalogue_counts), whose
    // GROUP BY builds a temporary b-tree per row: in a temp file by default, which made each
    // batch's rows cost 3x the CPU (2.7 against 0.8 CPU-s for 20,000 rows). In memory while the
    // batch is written, back to the default after, so large sorts elsewhere may still spill to disk.
    db.pragma('temp_store = MEMORY');
    try {
      return this.writeRows(db, items, addedAt);
    } finally {
      db.pragma('temp_store = DEFAULT');
    }
  }

  private writeRows(db: Case['db'], items: Item[], addedAt: string): number {
    const { insertItem, insertMeta } = this;
    let files = 0;
    const tx = db.transaction(() => {
      files = 0;
      for (const { entry: e, result: r, depth, parentId } of items) {
        if (e.kind === 'file') files++;
        const extra = e.extra || e.expected ? JSON.stringify({ ...e.extra, ...(e.expected ? { reportedHashes: e.expected } : {}) }) : null;
        const row = {
          source_id: this.sourceId,
          path: e.path,
          path_raw: e.pathRaw,
          name: e.name,
          ext: extensionOf(e.name),
          kind: e.kind,
          size: r && r.sha256 ? r.size : e.size,
          mode: e.mode,
          uid: e.uid,
          gid: e.gid,
          inode: e.inode,
          mtime: e.mtime,
          ctime: e.ctime,
          atime: e.atime,
          birthtime: e.birthtime,
          link_target: e.linkTarget,
          md5: r?.md5 ?? null,
          sha1: r?.sha1 ?? null,
          sha256: r?.sha256 ?? null,
          mime: r?.mime ?? null,
          detected_ext: r?.detectedExt ?? null,
          ext_mismatch: r?.extMismatch ? 1 : 0,
          error: [e.error, r?.error].filter(Boolean).join('; ') || null,
          added_at: addedAt,
          parent_id: parentId,
          depth,
          container: r?.container ?? e.opensAs ?? null,
          extra,
        };
        let info = insertItem.run(row);
        // A path this source already has (a reader's fault) must not cost the batch: keep both.
        if (info.changes === 0) info = insertItem.run(this.duplicateRow(row));
        const m = r?.meta;
        if (m) insertMeta.run(info.lastInsertRowid, m.takenAt, m.lat, m.lon, m.alt, m.make, m.model, m.orientation, m.json, m.error);
      }
      // The batch's rows as stored, into the custody digest and catalogue_leaves, in this transaction.
      this.digest?.fold();
    });
    try {
      tx();
    } catch (err) {
      // Rolled back, but the digest may have folded the rows: the end of the run recomputes it.
      this.digest?.invalidate();
      throw err;
    }
    return files;
  }

  /**
   * A row whose path this source already has: kept as `<path> [duplicate N]` with a note, as the
   * archive readers keep a repeated member name, so nothing is lost and the batch commits.
   */
  private duplicateRow<T extends { path: string; error: string | null }>(row: T): T {
    const taken = this.kase.db.prepare('SELECT 1 FROM items WHERE source_id = ? AND path = ?');
    for (let n = 2; ; n++) {
      const path = `${row.path} [duplicate ${n}]`;
      if (taken.get(this.sourceId, path) !== undefined) continue;
      const note = `recorded twice under the same path (both kept; this one's path is marked [duplicate ${n}])`;
      this.onNote(path, note);
      return { ...row, path, error: row.error ? `${row.error}; ${note}` : note };
    }
  }

  /** The id of a recorded item (a container whose members are being added), if recorded. */
  idOf(path: string): number | null {
    const row = this.kase.db.prepare('SELECT id FROM items WHERE source_id = ? AND path = ?').get(this.sourceId, path) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** The source's top-level stored file, marked to open as `kind` (a container given with --kind). */
  forceContainer(kind: string): { path: string; sha256: string } | null {
    const db = this.kase.db;
    const row = db
      .prepare('SELECT path, sha256 FROM items WHERE source_id = ? AND depth = 0 AND sha256 IS NOT NULL LIMIT 1')
      .get(this.sourceId) as { path: string; sha256: string } | undefined;
    if (!row) return null;
    db.prepare('UPDATE items SET container = ? WHERE source_id = ? AND path = ?').run(kind, this.sourceId, row.path);
    this.digest?.invalidate(); // a row changed after it was folded
    return row;
  }
}
