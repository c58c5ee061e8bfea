// Ingest of a folder export: walk, hash and store every file on the worker pool, record each
// thing found as an item, in batched durable transactions, with progress, cancel and resume.
//
// Durability order per batch: store objects (files fsynced by the workers, blobs committed to
// store/objects.db) before the batch's item rows commit to case.db. So a row never names an
// object that is not safely stored, and a crash at any point loses at most uncommitted rows,
// which the resumed run redoes.
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { Case } from '../case.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { extensionOf } from '../analyze/filetype.ts';
import { emptyMeta } from './analyzeItem.ts';
import { TaskPool } from '../workers/pool.ts';
import { blankResult, type HashResult, type HashTask } from './protocol.ts';
import { type IngestProblem, type IngestProgress, type IngestSummary, RateMeter } from './progress.ts';
import { type FoundEntry, walkFolder } from './walk.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';

export interface IngestOptions {
  sourcePath: string;
  exhibit?: string | null;
  officer: string;
  signal?: AbortSignal;
  onProgress?: (p: IngestProgress) => void;
  workers?: number;
  /** The compiled worker module, where the front door bundles it (Electron). */
  workerUrl?: URL | string;
}

const BATCH_FILES = 64;
const BATCH_BYTES = 4 * 1024 * 1024;
const COMMIT_ROWS = 1000;
const COMMIT_MS = 250;
const PROGRESS_MS = 100;
const MAX_PROBLEMS_KEPT = 200;

const defaultWorkerUrl = new URL('./worker.ts', import.meta.url);

interface PendingRow {
  entry: FoundEntry;
  result: HashResult | null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function ingestFolder(kase: Case, opts: IngestOptions): Promise<IngestSummary> {
  const root = resolve(opts.sourcePath);
  let st;
  try {
    st = statSync(root);
  } catch (err) {
    throw new EvidenceError('SOURCE_UNREADABLE', `Cannot read the export at ${root}: ${errorMessage(err)}. Check the path and that the drive is mounted.`);
  }
  if (!st.isDirectory()) {
    throw new EvidenceError('SOURCE_UNREADABLE', `${root} is not a folder. Give the folder that holds the device export.`);
  }
  if (root === kase.layout.root || root.startsWith(kase.layout.root + '/') || kase.layout.root.startsWith(root + '/')) {
    throw new EvidenceError('USAGE', `The export ${root} and the case ${kase.layout.root} overlap. Keep the case folder outside the export.`);
  }
  const db = kase.db;
  const started = Date.now();
  const exhibitId = opts.exhibit ? kase.ensureExhibit(opts.exhibit, opts.officer) : null;
  const host = hostname();
  kase.ensureOfficer(opts.officer);

  // Resume an interrupted ingest of the same export into the same exhibit, or start a new one.
  const prior = db
    .prepare(
      `SELECT id, status, pid, host FROM sources WHERE root_path = ? AND exhibit_id IS ? AND kind = 'folder'
       AND status IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1`,
    )
    .get(root, exhibitId) as { id: number; status: string; pid: number | null; host: string } | undefined;
  if (prior && prior.status === 'running' && prior.host === host && prior.pid && prior.pid !== process.pid && isAlive(prior.pid)) {
    throw new EvidenceError('CASE_LOCKED', `This export is being ingested right now by process ${prior.pid}. Wait for it to finish, or stop it first.`);
  }
  let sourceId: number;
  const resumed = prior !== undefined;
  const startedAt = kase.clock.now().toISOString();
  if (prior) {
    sourceId = prior.id;
    db.transaction(() => {
      db.prepare("UPDATE sources SET status = 'running', pid = ?, host = ? WHERE id = ?").run(process.pid, host, sourceId);
      kase.custody.append({
        officer: opts.officer,
        action: 'ingest.resumed',
        target: `source:${sourceId}`,
        details: { source: root, exhibit: opts.exhibit ?? null, previousStatus: prior.status },
      });
    })();
  } else {
    sourceId = db.transaction(() => {
      const id = Number(
        db
          .prepare(
            `INSERT INTO sources (exhibit_id, kind, root_path, status, officer, host, pid, started_at)
             VALUES (?, 'folder', ?, 'running', ?, ?, ?, ?)`,
          )
          .run(exhibitId, root, opts.officer, host, process.pid, startedAt).lastInsertRowid,
      );
      kase.custody.append({
        officer: opts.officer,
        action: 'ingest.started',
        target: `source:${id}`,
        details: { source: root, kind: 'folder', exhibit: opts.exhibit ?? null },
      });
      return id;
    })();
  }
  kase.store.cleanTemp();

  const done = new Set<string>();
  if (resumed) {
    for (const r of db.prepare('SELECT path FROM items WHERE source_id = ?').iterate(sourceId) as IterableIterator<{ path: string }>) {
      done.add(r.path);
    }
  }

  const progress: IngestProgress = {
    phase: 'scanning',
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    errors: 0,
    duplicates: 0,
    currentPath: null,
    elapsedMs: 0,
    bytesPerSecond: 0,
    etaSeconds: null,
  };
  const meter = new RateMeter();
  let lastEmit = 0;
  const emit = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastEmit < PROGRESS_MS) return;
    lastEmit = now;
    progress.elapsedMs = now - started;
    meter.push(now, progress.bytesDone);
    progress.bytesPerSecond = meter.rate();
    const left = progress.bytesTotal - progress.bytesDone;
    progress.etaSeconds = progress.phase === 'ingesting' && progress.bytesPerSecond > 0 ? Math.ceil(left / progress.bytesPerSecond) : null;
    opts.onProgress?.({ ...progress });
  };

  // Pass 1: count, so progress can show totals and an ETA. Only names and sizes, nothing kept.
  for await (const e of walkFolder(root)) {
    if (opts.signal?.aborted) break;
    if (e.kind === 'file') {
      progress.filesTotal++;
      progress.bytesTotal += e.size ?? 0;
    }
    progress.currentPath = e.path;
    emit();
  }
  progress.phase = 'ingesting';

  const summary: IngestSummary = {
    sourceId,
    sourcePath: root,
    exhibit: opts.exhibit ?? null,
    status: 'finished',
    resumed,
    items: 0,
    files: 0,
    folders: 0,
    links: 0,
    special: 0,
    bytes: 0,
    duplicates: 0,
    alreadyDone: 0,
    errorCount: 0,
    problems: [],
    elapsedMs: 0,
  };
  const addProblem = (p: IngestProblem): void => {
    summary.errorCount++;
    progress.errors++;
    if (summary.problems.length < MAX_PROBLEMS_KEPT) summary.problems.push(p);
  };

  // Rows waiting for their batch to commit, and the blobs that must be stored first.
  let rows: PendingRow[] = [];
  let blobs: { sha256: string; data: Uint8Array }[] = [];
  let lastCommit = Date.now();
  // Hashes of blobs waiting in this batch: with the committed items, what makes a duplicate.
  let pendingHashes = new Set<string>();
  const insertItem = db.prepare(
    `INSERT INTO items (source_id, path, path_raw, name, ext, kind, size, mode, uid, gid, inode, mtime, ctime, atime, birthtime,
       link_target, md5, sha1, sha256, mime, detected_ext, ext_mismatch, error, added_at)
     VALUES (@source_id, @path, @path_raw, @name, @ext, @kind, @size, @mode, @uid, @gid, @inode, @mtime, @ctime, @atime, @birthtime,
       @link_target, @md5, @sha1, @sha256, @mime, @detected_ext, @ext_mismatch, @error, @added_at)`,
  );
  const insertMeta = db.prepare(
    `INSERT INTO metadata (item_id, taken_at, lat, lon, alt, make, model, orientation, json, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const objectKnown = db.prepare('SELECT 1 FROM items WHERE sha256 = ? LIMIT 1');

  const commit = (): void => {
    if (rows.length === 0) return;
    kase.store.putBlobs(blobs);
    const addedAt = kase.clock.now().toISOString();
    db.transaction(() => {
      for (const { entry: e, result: r } of rows) {
        const info = insertItem.run({
          source_id: sourceId,
          path: e.path,
          path_raw: e.pathRaw,
          name: e.name,
          ext: extensionOf(e.name),
          kind: e.kind,
          size: r ? r.size : e.size,
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
          error: e.error ?? r?.error ?? null,
          added_at: addedAt,
        });
        const m = r?.meta;
        if (m) {
          insertMeta.run(info.lastInsertRowid, m.takenAt, m.lat, m.lon, m.alt, m.make, m.model, m.orientation, m.json, m.error);
        }
      }
    })();
    rows = [];
    blobs = [];
    pendingHashes = new Set();
    lastCommit = Date.now();
  };
  const maybeCommit = (): void => {
    if (rows.length >= COMMIT_ROWS || Date.now() - lastCommit >= COMMIT_MS) commit();
  };

  const inflight = new Map<number, FoundEntry>();
  let nextId = 1;
  const onResult = (r: HashResult): void => {
    const entry = inflight.get(r.id);
    if (!entry) return;
    inflight.delete(r.id);
    if (r.sha256) {
      const dup = r.stored === 'file' ? r.existed : pendingHashes.has(r.sha256) || objectKnown.get(r.sha256) !== undefined;
      if (dup) {
        summary.duplicates++;
        progress.duplicates++;
      }
      pendingHashes.add(r.sha256);
      if (r.stored === 'blob' && r.data && !dup) blobs.push({ sha256: r.sha256, data: r.data });
      delete r.data;
    }
    if (r.error) addProblem({ path: entry.path, error: r.error });
    else if (r.meta?.error) addProblem({ path: entry.path, error: r.meta.error });
    summary.files++;
    summary.items++;
    summary.bytes += r.size;
    progress.filesDone++;
    progress.bytesDone += entry.size ?? r.size;
    progress.currentPath = entry.path;
    rows.push({ entry, result: r });
    maybeCommit();
    emit();
  };

  const pool = new TaskPool<HashTask, HashResult>({
    workerUrl: opts.workerUrl ?? defaultWorkerUrl,
    setup: { storeDir: kase.layout.store, tmpDir: kase.layout.tmp },
    size: Math.max(1, opts.workers ?? availableParallelism()),
    // A hostile file may hang a parser: allow 30 s plus 20 MB/s of reading before giving up.
    timeoutFor: (t) => 30_000 + Math.ceil(t.size / 20_000),
    onResult,
    onStuck: (task, reason) => {
      if (task.analyze) {
        // Retry without type detection and metadata: the hashes still matter.
        void pool.submit([{ ...task, analyze: false }]);
      } else {
        onResult({
          ...blankResult(task),
          meta: emptyMeta(`the file stopped a hashing worker (${reason})`),
          error: `could not be hashed: it stopped a worker twice (${reason})`,
        });
      }
    },
  });

  let batch: HashTask[] = [];
  let batchBytes = 0;
  const flushBatch = async (): Promise<void> => {
    const b = batch;
    batch = [];
    batchBytes = 0;
    await pool.submit(b);
  };

  let failure: unknown = null;
  try {
    for await (const e of walkFolder(root)) {
      if (opts.signal?.aborted) break;
      if (done.has(e.path)) {
        summary.alreadyDone++;
        if (e.kind === 'file') {
          progress.filesDone++;
          progress.bytesDone += e.size ?? 0;
        }
        continue;
      }
      if (e.kind !== 'file' || e.error) {
        // Folders, links, FIFOs, sockets, devices and unreadable entries: recorded, never opened.
        summary.items++;
        if (e.kind === 'dir') summary.folders++;
        else if (e.kind === 'symlink') summary.links++;
        else if (e.kind === 'file') summary.files++;
        else summary.special++;
        if (e.error) addProblem({ path: e.path, error: e.error });
        rows.push({ entry: e, result: null });
        maybeCommit();
        continue;
      }
      const id = nextId++;
      inflight.set(id, e);
      const task: HashTask = { id, content: { type: 'file', fsPath: e.fsPath }, size: e.size ?? 0, name: e.name, analyze: true };
      if (task.size > SMALL_OBJECT_MAX) {
        await pool.submit([task]);
      } else {
        batch.push(task);
        batchBytes += task.size;
        if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) await flushBatch();
      }
      // Let results be committed while the walk runs ahead.
      maybeCommit();
    }
    if (!opts.signal?.aborted) await flushBatch();
    await pool.idle();
  } catch (err) {
    failure = err;
    await pool.idle().catch(() => undefined);
  } finally {
    await pool.close();
  }
  progress.phase = 'finishing';
  emit(true);
  commit();

  const interrupted = opts.signal?.aborted === true && failure === null;
  summary.status = interrupted ? 'interrupted' : 'finished';
  summary.elapsedMs = Date.now() - started;
  if (failure) {
    db.transaction(() => {
      db.prepare("UPDATE sources SET status = 'interrupted', pid = NULL WHERE id = ?").run(sourceId);
      kase.custody.append({
        officer: opts.officer,
        action: 'ingest.failed',
        target: `source:${sourceId}`,
        details: { source: root, error: errorMessage(failure), items: summary.items },
      });
    })();
    throw failure;
  }
  const counts = {
    items: summary.items,
    files: summary.files,
    folders: summary.folders,
    links: summary.links,
    special: summary.special,
    bytes: summary.bytes,
    duplicates: summary.duplicates,
    errors: summary.errorCount,
    alreadyDone: summary.alreadyDone,
  };
  db.transaction(() => {
    if (interrupted) {
      db.prepare("UPDATE sources SET status = 'interrupted', pid = NULL WHERE id = ?").run(sourceId);
    } else {
      const total = db
        .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN kind = 'file' THEN size END), 0) AS bytes FROM items WHERE source_id = ?")
        .get(sourceId) as { n: number; bytes: number };
      db.prepare("UPDATE sources SET status = 'finished', pid = NULL, finished_at = ?, summary = ? WHERE id = ?").run(
        kase.clock.now().toISOString(),
        JSON.stringify({ ...counts, totalItems: total.n, totalBytes: total.bytes }),
        sourceId,
      );
    }
    kase.custody.append({
      officer: opts.officer,
      action: interrupted ? 'ingest.interrupted' : 'ingest.finished',
      target: `source:${sourceId}`,
      details: { source: root, exhibit: opts.exhibit ?? null, ...counts },
    });
  })();
  return summary;
}
