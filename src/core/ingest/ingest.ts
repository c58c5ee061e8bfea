// The ingest pipeline: takes a folder, an iPhone backup folder or a single file (a ZIP, TAR,
// .tar.gz, UFDR, Android backup or any file), records everything found as items, hashes and
// stores every file on the worker pool, and opens the containers it finds (from their store
// copies, never from a temp extraction) up to a nesting limit. Batched durable transactions,
// progress, cancel, and resume after a crash or kill.
//
// Durability order per batch: store objects (files fsynced and renamed by the workers, blobs
// committed to store/objects.db) before the batch's item rows commit to case.db. So a row never
// names an object that is not safely stored, and a crash at any point loses at most uncommitted
// rows, which the resumed run redoes (items are unique per source and path).
import { opendirSync, statfsSync, statSync, type Stats } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import type { Case } from '../case.ts';
import { extensionOf } from '../analyze/filetype.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { iosBackupSource, isBackupFolder, readerFor, topLevelKindOf, type TopLevelKind } from '../sources/registry.ts';
import { type ContainerBytes, type ContainerLimits, DEFAULT_LIMITS, memberPath, type SourceEntry } from '../sources/types.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';
import { CaseWriteFault, caseWriteCode, caseWriteRemedy, describeCaseWriteCode } from '../store/writeFaults.ts';
import { TaskPool } from '../workers/pool.ts';
import { afterIngest } from '../detect/afterIngest.ts';
import { commitCatalogue } from '../custody/catalogueDigest.ts';
import { analyzeBytes, emptyMeta } from './analyzeItem.ts';
import { readStreamInto } from './hashFile.ts';
import { extractFromStore } from '../text/fromStore.ts';
import { writeItemText } from '../text/store.ts';
import { type IngestProblem, type IngestProgress, type IngestSummary, RateMeter } from './progress.ts';
import { blankResult, type HashResult, type HashTask } from './protocol.ts';
import { currentRunner } from './runner.ts';
import { earlierIngests, type ExportIdentity, FileListDigest, fileFingerprint, holdSource, ingestRunning, refuseIfIngested } from './already.ts';
import { singleFileEntry, type WalkOptions, walkFolder } from '../sources/folder.ts';

export interface IngestOptions {
  sourcePath: string;
  exhibit?: string | null;
  officer: string;
  /** Force the kind of source instead of detecting it. */
  kind?: TopLevelKind | 'zip' | 'tar' | 'tar.gz' | 'ab' | 'ufdr';
  /** Open containers found inside a folder (default true). A container given directly is always opened. */
  expand?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: IngestProgress) => void;
  workers?: number;
  /** The compiled worker module, where the front door bundles it (Electron). */
  workerUrl?: URL | string;
  /**
   * Extract text for search as files are hashed (default true). Indexing text costs about a
   * CPU-second per 7 million characters on the main thread (SQLite's trigram tokenizer), which
   * dominates an export made mostly of text files: false defers it to `evidence reindex`.
   */
  text?: boolean;
  /** Told before the work starts, e.g. when the export will likely not fit on the case's disk. */
  onWarning?: (message: string) => void;
  /**
   * Ingest an export this case already holds again, as a new source (default false: refused with
   * ALREADY_INGESTED, naming the earlier source). Needs `reason`, recorded in the custody log.
   */
  again?: boolean;
  reason?: string | null;
}

const BATCH_FILES = 64;
const BATCH_BYTES = 4 * 1024 * 1024;
const COMMIT_ROWS = 1000;
const COMMIT_MS = 250;
const PROGRESS_MS = 100;
const MAX_PROBLEMS_KEPT = 200;

/** The worker next to this module, when running from source; bundles pass their own URL. */
function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ './worker.ts', import.meta.url);
}

/** An entry on its way to a row: the reader's facts plus where it sits in the nesting. */
interface Placed {
  entry: SourceEntry;
  depth: number;
  parentId: number | null;
  /** Read from a file on the export's drive (not from a container's store copy). */
  fromSource?: boolean;
}

/** Read errors that come from the drive rather than from one file: it failed, or was pulled with its mount left behind. */
const DRIVE_ERRORS = new Set(['EIO', 'ENXIO', 'ENODEV', 'ESTALE', 'ENOTCONN', 'ENOMEDIUM', 'EREMOTEIO']);
/**
 * This many files in a row failing with a drive error, none read in between, means the drive is
 * gone or failing, not that each file is damaged: the run stops rather than record each as
 * unreadable (which the resume would then never read again).
 */
const DRIVE_FAILING_RUN = 16;

interface PendingRow extends Placed {
  result: HashResult | null;
}

interface ContainerJob {
  itemPath: string;
  /** The container's store object; null for a folder container (an iPhone backup folder). */
  sha256: string | null;
  kind: string;
  depth: number;
  /** Where a folder container is on disk. */
  folder?: Buffer;
}

function limitsOf(kase: Case): ContainerLimits {
  return { ...DEFAULT_LIMITS, ...(kase.settings().limits as Partial<ContainerLimits> | undefined) };
}

/**
 * A folder walk's entries in the reader vocabulary. Folders and links are listed or read by the
 * counting pass, which updates their access times: `firstSeen` keeps their attributes as that
 * pass found them, before it touched them.
 */
async function* folderEntries(root: string, firstSeen: Map<string, SourceEntry>, walk: WalkOptions): AsyncGenerator<SourceEntry> {
  for await (const walked of walkFolder(root, walk)) {
    const seen = walked.kind === 'file' ? undefined : firstSeen.get(walked.path);
    // Attributes as first seen, but the problem as found now (a folder that became unreadable).
    yield seen && seen.kind === walked.kind ? { ...seen, error: walked.error } : walked;
  }
}

function hashMismatches(e: SourceEntry, r: HashResult): string | null {
  const exp = e.expected;
  if (!exp || !r.sha256) return null;
  const diffs: string[] = [];
  if (exp.md5 && exp.md5.toLowerCase() !== r.md5) diffs.push(`MD5 ${exp.md5} (computed ${r.md5})`);
  if (exp.sha1 && exp.sha1.toLowerCase() !== r.sha1) diffs.push(`SHA-1 ${exp.sha1} (computed ${r.sha1})`);
  if (exp.sha256 && exp.sha256.toLowerCase() !== r.sha256) diffs.push(`SHA-256 ${exp.sha256} (computed ${r.sha256})`);
  return diffs.length ? `hash mismatch: the extraction report records ${diffs.join(', ')}; the extraction tool and this app disagree` : null;
}

export async function ingest(kase: Case, opts: IngestOptions): Promise<IngestSummary> {
  const root = resolve(opts.sourcePath);
  let st: Stats;
  try {
    st = statSync(root);
  } catch (err) {
    throw new EvidenceError('SOURCE_UNREADABLE', `Cannot read the export at ${root}: ${errorMessage(err)}. Check the path and that the drive is mounted.`);
  }
  if (!st.isDirectory() && !st.isFile()) {
    throw new EvidenceError('SOURCE_UNREADABLE', `${root} is neither a folder nor a file. Give the export folder or the export file (ZIP, TAR, UFDR, .ab).`);
  }
  const caseRoot = kase.layout.root;
  if (root === caseRoot || root.startsWith(caseRoot + '/') || caseRoot.startsWith(root + '/')) {
    throw new EvidenceError('USAGE', `The export ${root} and the case ${caseRoot} overlap. Keep the case folder outside the export.`);
  }
  const kind = opts.kind && ['folder', 'ios-backup', 'file'].includes(opts.kind) ? (opts.kind as TopLevelKind) : topLevelKindOf(root, st);
  if ((kind === 'folder' || kind === 'ios-backup') && !st.isDirectory()) {
    throw new EvidenceError('USAGE', `--kind ${kind} needs a folder, but ${root} is a file.`);
  }
  if (kind === 'file' && !st.isFile()) throw new EvidenceError('USAGE', `--kind ${opts.kind} needs a file, but ${root} is a folder.`);
  if (opts.again && !opts.reason?.trim()) {
    throw new EvidenceError('USAGE', 'Ingesting an export again as a new source needs a reason (why it is ingested a second time): it goes into the custody log.');
  }
  const forcedContainer = opts.kind && !['folder', 'ios-backup', 'file'].includes(opts.kind) ? opts.kind : null;
  const run = new IngestRun(kase, opts, root, kind, st);
  try {
    return await run.execute(forcedContainer);
  } catch (err) {
    // A write refused before or after the run's own handling (e.g. recording the start).
    const code = !(err instanceof EvidenceError) ? caseWriteCode(err) : null;
    if (!code) throw err;
    throw new EvidenceError(
      'CASE_UNWRITABLE',
      `${capitalise(describeCaseWriteCode(code))} (${errorMessage(err)}): the ingest could not start or finish recording. Nothing that was not stored is marked done; ${caseWriteRemedy(code, kase.layout.root)} and run the same command to resume.`,
    );
  } finally {
    run.release();
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The export's drive went away mid-ingest (a USB stick pulled): raised by the run, explained in close(). */
class SourceGone extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'SourceGone';
  }
}

class IngestRun {
  private readonly kase: Case;
  private readonly opts: IngestOptions;
  private readonly root: string;
  private readonly kind: TopLevelKind;
  private readonly st: Stats;
  private readonly limits: ContainerLimits;
  private readonly started = Date.now();
  private sourceId = 0;
  private exhibitId: number | null = null;
  private resumed = false;
  /** The export's file list as the counting scan found it (already.ts), and whether it saw it all. */
  private readonly fileList = new FileListDigest();
  private scanComplete = false;
  private unhold: (() => void) | null = null;
  private done = new Set<string>();
  private readonly containers: ContainerJob[] = [];
  /** Folders, links and special files as the counting pass first saw them. */
  private readonly firstSeen = new Map<string, SourceEntry>();
  /** iPhone backup folders inside a folder export are opened as backups (unless --no-expand). */
  private get walkOptions(): WalkOptions {
    return this.opts.expand === false ? {} : { containerFolder: (p) => (isBackupFolder(p) ? 'ios-backup' : null) };
  }
  /** A failure inside a worker callback (a commit that threw), raised by the main loop. */
  private failure: unknown = null;
  private readonly progress: IngestProgress = {
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
  private readonly meter = new RateMeter();
  private lastEmit = 0;
  private summary!: IngestSummary;
  private rows: PendingRow[] = [];
  private blobs: { sha256: string; data: Uint8Array }[] = [];
  /** Hashes of blobs waiting in this batch: with the committed items, what makes a duplicate. */
  private pendingHashes = new Set<string>();
  private lastCommit = Date.now();
  private readonly inflight = new Map<number, Placed>();
  private nextId = 1;
  private pool!: TaskPool<HashTask, HashResult>;
  private batch: HashTask[] = [];
  private batchBytes = 0;
  /** Files whose rows this run committed, and files the interrupted run had recorded: what is stored. */
  private committedFiles = 0;
  private doneFiles = 0;
  /** Bytes of the export's files not recorded yet (the scan's count): what still needs room in the case. */
  private pendingBytes = 0;
  /** Files that failed with a drive error since the drive last read a file (see DRIVE_FAILING_RUN). */
  private suspects: PendingRow[] = [];
  /** Entries the scan found that the interrupted run had recorded (a resume's check that this is the same export). */
  private seenDone = 0;
  /** Why the export can no longer be read, once a failure showed its drive is gone. */
  private goneReason: string | null = null;

  constructor(kase: Case, opts: IngestOptions, root: string, kind: TopLevelKind, st: Stats) {
    this.kase = kase;
    this.opts = opts;
    this.root = root;
    this.kind = kind;
    this.st = st;
    this.limits = limitsOf(kase);
  }

  private get aborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  async execute(forcedContainer: string | null): Promise<IngestSummary> {
    this.openSource();
    this.summary = {
      sourceId: this.sourceId,
      sourcePath: this.root,
      exhibit: this.opts.exhibit ?? null,
      status: 'finished',
      resumed: this.resumed,
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
    await this.scan();
    // A resume that finds none of what the interrupted run recorded is not looking at that
    // export: its drive is not connected (an empty mount point is left) or another is. Going on
    // would mark the ingest finished with most of the export missing.
    if (this.resumed && this.kind === 'folder' && this.done.size > 0 && this.seenDone === 0 && !this.aborted) {
      return this.close(
        new EvidenceError(
          'SOURCE_UNREADABLE',
          `The export at ${this.root} holds none of the ${this.done.size} entries the interrupted ingest recorded there: is its drive connected (was it removed)? Reconnect it and run the same command to resume.`,
        ),
      );
    }
    if (this.sourceId) this.noteFingerprint();
    else if (!(await this.claimSource())) {
      // Stopped before the ingest was claimed: nothing was recorded, the next run starts afresh.
      this.summary.status = 'interrupted';
      this.summary.elapsedMs = Date.now() - this.started;
      return this.summary;
    }
    this.summary.sourceId = this.sourceId;
    this.checkFreeSpace();
    this.progress.phase = 'ingesting';
    this.pool = new TaskPool<HashTask, HashResult>({
      workerUrl: this.opts.workerUrl ?? defaultWorkerUrl(),
      setup: { storeDir: this.kase.layout.store, tmpDir: this.kase.layout.tmp, text: this.opts.text !== false },
      size: Math.max(1, this.opts.workers ?? availableParallelism()),
      // A hostile file may hang a parser: allow 30 s plus 20 MB/s of reading before giving up.
      timeoutFor: (t) => 30_000 + Math.ceil(t.size / 20_000),
      onResult: (r) => this.onResult(r),
      onStuck: (task, reason) => this.onStuck(task, reason),
    });
    let failure: unknown = null;
    try {
      await this.consume(this.topLevelEntries(), 0, null);
      await this.settle();
      if (forcedContainer && this.kind === 'file') this.forceContainer(forcedContainer);
      while (this.containers.length > 0 && !this.aborted) {
        const job = this.containers.shift()!;
        await this.expand(job);
        await this.settle();
      }
      if (this.failure) throw this.failure;
      // Fewer than DRIVE_FAILING_RUN failures at the very end: the drive cannot be told to have
      // failed, so they are those files' problems. (A stop or Ctrl-C leaves them to the resume.)
      if (!this.aborted) this.releaseSuspects();
    } catch (err) {
      failure = err;
      await this.pool.idle().catch(() => undefined);
    } finally {
      await this.pool.close();
    }
    this.progress.phase = 'finishing';
    this.emit(true);
    if (!failure) {
      try {
        this.commit();
      } catch (err) {
        failure = err;
      }
    }
    return this.close(failure ?? this.failure);
  }

  /**
   * Resumes an interrupted ingest of the same export into the same exhibit (a resume is not an
   * ingest "again"). A new ingest is claimed after the scan, by claimSource.
   */
  private openSource(): void {
    const { kase, opts, root } = this;
    const db = kase.db;
    kase.ensureOfficer(opts.officer);
    const exhibitId = opts.exhibit ? kase.ensureExhibit(opts.exhibit, opts.officer) : null;
    this.exhibitId = exhibitId;
    const host = hostname();
    const runner = currentRunner();
    // The check and the claim in one IMMEDIATE transaction: two runs of the same command started
    // together cannot both resume the source.
    const prior = db.transaction(() => {
      const p = db
        .prepare(
          `SELECT id, status, runner FROM sources WHERE root_path = ? AND exhibit_id IS ? AND kind = ?
           AND status IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1`,
        )
        .get(root, exhibitId, this.kind) as { id: number; status: string; runner: string | null } | undefined;
      if (!p) return undefined;
      if (p.status === 'running') {
        const other = ingestRunning(kase.layout.root, p.id, p.runner);
        if (other.alive) {
          throw new EvidenceError(
            'CASE_LOCKED',
            `${root} is being ingested into this case right now, as source ${p.id}${other.pid && other.pid !== process.pid ? ` by process ${other.pid}` : ''}. Wait for that ingest to finish, or stop it first.`,
          );
        }
      }
      db.prepare("UPDATE sources SET status = 'running', pid = ?, host = ?, runner = ? WHERE id = ?").run(process.pid, host, runner, p.id);
      kase.custody.append({
        officer: opts.officer,
        action: 'ingest.resumed',
        target: `source:${p.id}`,
        details: { source: root, kind: this.kind, exhibit: opts.exhibit ?? null, previousStatus: p.status },
      });
      return p;
    }).immediate();
    if (!prior) return;
    this.resumed = true;
    this.sourceId = prior.id;
    this.unhold = holdSource(kase.layout.root, prior.id);
    for (const r of db.prepare('SELECT path FROM items WHERE source_id = ?').iterate(prior.id) as IterableIterator<{ path: string }>) {
      this.done.add(r.path);
    }
    // Containers recorded before the interruption are opened again; members already recorded are skipped.
    for (const c of db
      .prepare('SELECT path, path_raw, sha256, container, depth FROM items WHERE source_id = ? AND container IS NOT NULL ORDER BY id')
      .iterate(prior.id) as IterableIterator<{ path: string; path_raw: Buffer | null; sha256: string | null; container: string; depth: number }>) {
      const folder = c.sha256 === null ? Buffer.concat([Buffer.from(`${root}/`), c.path_raw ?? Buffer.from(c.path)]) : undefined;
      this.containers.push({ itemPath: c.path, sha256: c.sha256, kind: c.container, depth: c.depth + 1, folder });
    }
    kase.store.cleanTemp();
  }

  /**
   * Claims a new source for the export, unless the case already holds it (already.ts): same path,
   * same file list, or same SHA-256 of a single file. Refused with ALREADY_INGESTED unless asked
   * for again with a reason. The check and the claim are one IMMEDIATE transaction, so of two
   * ingests of the same export started together, one is refused. False if stopped first.
   */
  private async claimSource(): Promise<boolean> {
    const { kase, opts, root } = this;
    const db = kase.db;
    const identity: ExportIdentity = {
      caseRoot: kase.layout.root,
      root,
      kind: this.kind,
      fingerprint: this.kind === 'file' ? null : this.fileList.fingerprint(),
      files: this.kind === 'file' ? 1 : this.fileList.files,
      bytes: this.kind === 'file' ? this.st.size : this.fileList.bytes,
    };
    const again = opts.again === true;
    const reason = again ? (opts.reason?.trim() ?? null) : null;
    for (;;) {
      const claimed = db.transaction((): number | null => {
        const earlier = earlierIngests(db, identity, { hash: !again });
        if (!Array.isArray(earlier)) return null;
        const { previousSource } = refuseIfIngested(db, identity, earlier, again);
        const id = Number(
          db
            .prepare(
              `INSERT INTO sources (exhibit_id, kind, root_path, status, officer, host, pid, runner, started_at, fingerprint, scan_files, scan_bytes)
               VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              this.exhibitId,
              this.kind,
              root,
              opts.officer,
              hostname(),
              process.pid,
              currentRunner(),
              kase.clock.now().toISOString(),
              identity.fingerprint,
              identity.files,
              identity.bytes,
            ).lastInsertRowid,
        );
        kase.custody.append({
          officer: opts.officer,
          action: 'ingest.started',
          target: `source:${id}`,
          reason,
          details: {
            source: root,
            kind: this.kind,
            exhibit: opts.exhibit ?? null,
            ...(identity.fingerprint ? { fingerprint: identity.fingerprint } : {}),
            ...(again ? { again: true, reason, previousSource } : {}),
          },
        });
        return id;
      }).immediate();
      if (claimed !== null) {
        this.sourceId = claimed;
        this.unhold = holdSource(kase.layout.root, claimed);
        break;
      }
      // A single file the size of one already ingested: compare SHA-256s (read outside the transaction).
      identity.fingerprint = await fileFingerprint(root, opts.signal);
      if (identity.fingerprint === null) return false;
    }
    kase.store.cleanTemp();
    return true;
  }

  /** A resumed source claimed before file lists were recorded gets this scan's. */
  private noteFingerprint(): void {
    if (!this.scanComplete) return;
    const files = this.kind === 'file' ? 1 : this.fileList.files;
    const bytes = this.kind === 'file' ? this.st.size : this.fileList.bytes;
    this.kase.db
      .prepare('UPDATE sources SET fingerprint = ?, scan_files = ?, scan_bytes = ? WHERE id = ? AND scan_files IS NULL')
      .run(this.kind === 'file' ? null : this.fileList.fingerprint(), files, bytes, this.sourceId);
  }

  /** Lets other ingests in this process see the source as free again. */
  release(): void {
    this.unhold?.();
    this.unhold = null;
  }

  private topLevelEntries(): AsyncIterable<SourceEntry> {
    if (this.kind === 'folder') return folderEntries(this.root, this.firstSeen, this.walkOptions);
    if (this.kind === 'ios-backup') return iosBackupSource(this.root, { limits: this.limits });
    const entry = singleFileEntry(this.root);
    return (async function* () {
      yield entry;
    })();
  }

  /** Pass 1: count files and bytes so progress can show totals and an ETA. Nothing is kept. */
  private async scan(): Promise<void> {
    if (this.kind === 'file') {
      this.progress.filesTotal = 1;
      this.progress.bytesTotal = this.st.size;
      if (!this.done.has(basename(this.root))) this.pendingBytes = this.st.size;
      this.scanComplete = true;
      return;
    }
    for await (const e of walkFolder(this.root, this.walkOptions)) {
      if (this.aborted) break;
      if (e.kind === 'file') {
        this.progress.filesTotal++;
        this.progress.bytesTotal += e.size ?? 0;
        if (!this.done.has(e.path)) this.pendingBytes += e.size ?? 0;
      } else if (this.kind === 'folder') {
        this.firstSeen.set(e.path, e);
      }
      this.fileList.add(e);
      if (this.done.has(e.path)) this.seenDone++;
      this.progress.currentPath = e.path;
      this.emit();
    }
    this.scanComplete = !this.aborted;
  }

  /**
   * Pre-flight: warns (does not refuse) when the export's files still to store will likely not
   * fit on the case's disk. The store keeps one copy of each distinct content, and the databases
   * need room for rows and their write-ahead logs, so this is an estimate either way; the run
   * stops cleanly if the disk does fill up, and the resume continues.
   */
  private checkFreeSpace(): void {
    let free: number;
    try {
      const fs = statfsSync(this.kase.layout.root);
      free = Number(fs.bavail) * Number(fs.bsize);
    } catch {
      return; // no figure to compare with (an unusual file system): nothing to warn about
    }
    const need = this.pendingBytes + Math.ceil(this.pendingBytes / 20) + 8 * 1024 * 1024;
    if (this.pendingBytes === 0 || free >= need) return;
    const message =
      `the case's disk has ${mib(free)} free, but this export has ${mib(this.pendingBytes)} still to store: it will likely not fit. ` +
      `The ingest goes on and, if the disk fills up, stops cleanly with nothing lost; then free space and run the same command to resume.`;
    this.summary.warnings = [...(this.summary.warnings ?? []), message];
    this.opts.onWarning?.(message);
  }

  /**
   * True when the export itself can no longer be read (its drive was removed or unmounted): the
   * root is gone, is now another folder (a lazily unmounted mount point), or cannot be listed.
   * Asked only after a read failed, to tell "this file is unreadable" from "the drive is gone".
   */
  private sourceGone(): boolean {
    if (this.goneReason) return true;
    try {
      const now = statSync(this.root);
      if (now.dev !== this.st.dev || now.ino !== this.st.ino) {
        this.goneReason = 'it is no longer the same folder: was the drive removed?';
        return true;
      }
      if (now.isDirectory()) {
        const d = opendirSync(this.root);
        try {
          d.readSync();
        } finally {
          d.closeSync();
        }
      }
      return false;
    } catch (err) {
      this.goneReason = `${errorMessage(err)}: was the drive removed?`;
      return true;
    }
  }

  /** Whether this entry is read from the export's drive (members of a single container file come from its store copy). */
  private readsSource(placed: Placed): boolean {
    return this.kind !== 'file' || placed.depth === 0;
  }

  /** Called where a read failed: records that the drive is gone (and stops the run) if it is. */
  private stopIfSourceGone(): boolean {
    if (!this.sourceGone()) return false;
    this.failure ??= new SourceGone(this.goneReason ?? 'the export cannot be read');
    return true;
  }

  private emit(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < PROGRESS_MS) return;
    this.lastEmit = now;
    const p = this.progress;
    p.elapsedMs = now - this.started;
    this.meter.push(now, p.bytesDone);
    p.bytesPerSecond = this.meter.rate();
    const left = Math.max(0, p.bytesTotal - p.bytesDone);
    p.etaSeconds = p.phase === 'ingesting' && p.bytesPerSecond > 0 ? Math.ceil(left / p.bytesPerSecond) : null;
    this.opts.onProgress?.({ ...p });
  }

  private addProblem(p: IngestProblem): void {
    this.summary.errorCount++;
    this.progress.errors++;
    if (this.summary.problems.length < MAX_PROBLEMS_KEPT) this.summary.problems.push(p);
  }

  private async consume(entries: AsyncIterable<SourceEntry>, depth: number, parentId: number | null): Promise<void> {
    for await (const e of entries) {
      if (this.failure) throw this.failure;
      if (this.aborted) break;
      await this.handle({ entry: e, depth, parentId });
    }
    if (!this.aborted) await this.flushBatch();
  }

  private async handle(placed: Placed): Promise<void> {
    const e = placed.entry;
    if (this.done.has(e.path)) {
      // Recorded by the interrupted run. A streamed member must still be read past, unhashed.
      if (e.content?.type === 'stream') {
        try {
          for await (const _ of e.content.open()) void _;
        } catch {
          // Nothing to read past (a file reached by a folder handle that cannot be opened now):
          // it was recorded by the earlier run, and a container that breaks reports it itself.
        }
      }
      this.summary.alreadyDone++;
      if (e.kind === 'file' && placed.depth === 0) {
        this.doneFiles++;
        this.progress.filesDone++;
        this.progress.bytesDone += e.size ?? 0;
      }
      return;
    }
    // Only the top level was counted up front; members of containers add to the totals as found.
    if (placed.depth > 0 && e.kind === 'file') {
      this.progress.filesTotal++;
      this.progress.bytesTotal += e.size ?? 0;
    }
    // An entry the reader could not read while the export's drive is gone (pulled): not a fact
    // about that entry, so no row; the resume reads it again.
    if (e.error && this.readsSource(placed) && this.stopIfSourceGone()) return;
    const c = e.content;
    if (e.kind !== 'file' || !c) {
      // Folders, links, FIFOs, sockets, devices, entries not extracted: recorded, never opened.
      this.summary.items++;
      if (e.kind === 'dir') this.summary.folders++;
      else if (e.kind === 'symlink') this.summary.links++;
      else if (e.kind === 'file') {
        this.summary.files++;
        this.progress.filesDone++;
        this.progress.bytesDone += e.size ?? 0;
      } else this.summary.special++;
      if (e.error) this.addProblem({ path: e.path, error: e.error });
      if (e.opensAs === 'ios-backup' && !e.error) {
        const folder = Buffer.concat([Buffer.from(`${this.root}/`), e.pathRaw ? Buffer.from(e.pathRaw) : Buffer.from(e.path)]);
        this.containers.push({ itemPath: e.path, sha256: null, kind: 'ios-backup', depth: placed.depth + 1, folder });
      }
      this.rows.push({ ...placed, result: null });
      this.maybeCommit();
      return;
    }
    if (c.type === 'stream') {
      // Sequential containers (.tar.gz, .ab): hashed here, in order, before the next entry.
      await this.flushBatch();
      const task = { id: this.nextId++, size: c.size ?? e.size ?? 0 };
      this.inflight.set(task.id, placed);
      const r = blankResult(task);
      try {
        const out = await readStreamInto(c.open(), { storeDir: this.kase.layout.store, tmpDir: this.kase.layout.tmp }, c.size);
        Object.assign(r, { md5: out.md5, sha1: out.sha1, sha256: out.sha256, size: out.size, stored: out.stored, existed: out.existed });
        if (out.data) r.data = out.data;
        Object.assign(r, await analyzeBytes(out.head, e.name, out.size));
        if (this.opts.text !== false) r.text = await extractFromStore(out, e.name, r.mime, this.kase.layout.store);
      } catch (err) {
        const caseCode = caseWriteCode(err);
        if (caseCode) r.caseFault = { code: caseCode, message: errorMessage(err) };
        else {
          r.error = `could not read: ${errorMessage(err)}`;
          r.readFailed = true;
          r.readCode = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : null;
        }
      }
      this.onResult(r);
      return;
    }
    const id = this.nextId++;
    this.inflight.set(id, { ...placed, entry: { ...e, content: null }, fromSource: c.type === 'file' });
    const size = c.type === 'bytes' ? c.data.byteLength : c.type === 'range' ? c.size : (e.size ?? 0);
    const task: HashTask = { id, content: c, size, name: e.name, analyze: true };
    if (size > SMALL_OBJECT_MAX) {
      await this.pool.submit([task]);
    } else {
      this.batch.push(task);
      this.batchBytes += size;
      if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) await this.flushBatch();
    }
    this.maybeCommit();
  }

  private async flushBatch(): Promise<void> {
    const b = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    await this.pool.submit(b);
  }

  /** Waits for every file in flight and commits: after this, the store holds every object so far. */
  private async settle(): Promise<void> {
    if (!this.aborted) await this.flushBatch();
    await this.pool.idle();
    this.commit();
  }

  private onStuck(task: HashTask, reason: string): void {
    if (task.analyze) {
      // Retry without type detection and metadata: the hashes still matter.
      void this.pool.submit([{ ...task, analyze: false }]);
    } else {
      this.onResult({
        ...blankResult(task),
        meta: emptyMeta(`the file stopped a hashing worker (${reason})`),
        error: `could not be hashed: it stopped a worker twice (${reason})`,
      });
    }
  }

  private onResult(r: HashResult): void {
    const placed = this.inflight.get(r.id);
    if (!placed) return;
    this.inflight.delete(r.id);
    if (r.caseFault) {
      // The store copy could not be written: no row (nothing marked done that is not stored);
      // the run stops and the resume stores this file.
      this.failure ??= new CaseWriteFault(r.caseFault.code, r.caseFault.message);
      return;
    }
    if (r.readFailed && this.readsSource(placed) && this.stopIfSourceGone()) return;
    if (placed.fromSource) {
      if (r.readFailed && DRIVE_ERRORS.has(r.readCode ?? '')) {
        // Held back until a later file reads (then it was this file's problem after all): a
        // drive that died with its mount left behind fails every file the same way.
        this.suspects.push({ ...placed, result: r });
        if (this.suspects.length >= DRIVE_FAILING_RUN) {
          this.failure ??= new SourceGone(
            `${this.suspects.length} files in a row failed with ${r.readCode}: was the drive removed, or is it failing? A failing drive is best imaged first`,
          );
        }
        return;
      }
      if (r.sha256) this.releaseSuspects();
    }
    this.accept(placed, r);
  }

  /** Files held back on a drive error, recorded with their problem once the drive has read again (or the run ends). */
  private releaseSuspects(): void {
    const held = this.suspects;
    this.suspects = [];
    for (const row of held) this.accept(row, row.result!);
  }

  /** A file's result becomes a row to commit, with its problem and counts. */
  private accept(placed: Placed, r: HashResult): void {
    const e = placed.entry;
    if (r.sha256) {
      const dup =
        r.stored === 'file'
          ? r.existed
          : this.pendingHashes.has(r.sha256) || this.kase.store.locate(r.sha256) !== null;
      if (dup) {
        this.summary.duplicates++;
        this.progress.duplicates++;
      }
      if (r.stored === 'blob' && r.data && !dup) {
        this.blobs.push({ sha256: r.sha256, data: r.data });
        this.pendingHashes.add(r.sha256);
      }
      delete r.data;
      const mismatch = hashMismatches(e, r);
      if (mismatch) r.error = r.error ? `${r.error}; ${mismatch}` : mismatch;
      if (r.container) {
        if (placed.depth === 0 && this.kind === 'folder' && this.opts.expand === false) {
          r.container = null;
        } else if (placed.depth + 1 > this.limits.maxDepth) {
          r.error = `${r.error ? `${r.error}; ` : ''}not opened: a ${r.container} nested deeper than ${this.limits.maxDepth} levels`;
          r.container = null;
        } else {
          this.containers.push({ itemPath: e.path, sha256: r.sha256, kind: r.container, depth: placed.depth + 1 });
        }
      }
    } else {
      r.container = null;
    }
    const problem = e.error ?? r.error ?? r.meta?.error ?? null;
    if (problem) this.addProblem({ path: e.path, error: problem });
    this.summary.files++;
    this.summary.items++;
    this.summary.bytes += r.size;
    this.progress.filesDone++;
    this.progress.bytesDone += e.size ?? r.size;
    this.progress.currentPath = e.path;
    this.rows.push({ ...placed, result: r });
    this.maybeCommit();
    this.emit();
  }

  /** A container given with --kind: open it as that kind even if its bytes say otherwise. */
  private forceContainer(kind: string): void {
    const row = this.kase.db
      .prepare('SELECT path, sha256 FROM items WHERE source_id = ? AND depth = 0 AND sha256 IS NOT NULL LIMIT 1')
      .get(this.sourceId) as { path: string; sha256: string } | undefined;
    if (!row) return;
    const already = this.containers.findIndex((c) => c.itemPath === row.path);
    if (already >= 0) this.containers.splice(already, 1);
    this.kase.db.prepare('UPDATE items SET container = ? WHERE source_id = ? AND path = ?').run(kind, this.sourceId, row.path);
    this.containers.unshift({ itemPath: row.path, sha256: row.sha256, kind, depth: 1 });
  }

  private async expand(job: ContainerJob): Promise<void> {
    const parent = this.kase.db
      .prepare('SELECT id FROM items WHERE source_id = ? AND path = ?')
      .get(this.sourceId, job.itemPath) as { id: number } | undefined;
    if (job.kind === 'ios-backup' && job.folder) {
      this.progress.currentPath = job.itemPath;
      this.emit(true);
      const prefixed = async function* (entries: AsyncIterable<SourceEntry>, prefix: string): AsyncGenerator<SourceEntry> {
        for await (const e of entries) yield { ...e, path: memberPath(prefix, e.path) };
      };
      try {
        await this.consume(prefixed(iosBackupSource(job.folder.toString(), { limits: this.limits }), job.itemPath), job.depth, parent?.id ?? null);
      } catch (err) {
        if (this.isFatal(err)) throw err;
        this.addProblem({ path: job.itemPath, error: `iPhone backup could not be read to the end: ${errorMessage(err)}` });
      }
      return;
    }
    if (!job.sha256) return;
    const bytes: ContainerBytes | null = this.kase.store.bytesOf(job.sha256);
    if (!bytes) {
      this.addProblem({ path: job.itemPath, error: 'container not opened: its store copy is missing' });
      return;
    }
    this.progress.currentPath = job.itemPath;
    this.emit(true);
    try {
      const reader = await readerFor(job.kind, bytes, job.itemPath);
      await this.consume(reader.entries(bytes, { prefix: job.itemPath, depth: job.depth, limits: this.limits }), job.depth, parent?.id ?? null);
    } catch (err) {
      if (this.isFatal(err)) throw err;
      this.addProblem({ path: job.itemPath, error: `container could not be read to the end: ${errorMessage(err)}` });
    }
  }

  /** A failure that stops the run (the case cannot be written, the export's drive is gone), never an item's problem. */
  private isFatal(err: unknown): boolean {
    return err === this.failure || err instanceof SourceGone || caseWriteCode(err) !== null;
  }

  private maybeCommit(): void {
    if (this.failure) return;
    if (this.rows.length >= COMMIT_ROWS || Date.now() - this.lastCommit >= COMMIT_MS) {
      try {
        this.commit();
      } catch (err) {
        // Called from worker callbacks too: keep the error for the main loop to raise.
        this.failure = err;
      }
    }
  }

  private commit(): void {
    if (this.rows.length === 0) return;
    const { kase } = this;
    const db = kase.db;
    kase.store.putBlobs(this.blobs);
    const addedAt = kase.clock.now().toISOString();
    const insertItem = db.prepare(
      `INSERT INTO items (source_id, path, path_raw, name, ext, kind, size, mode, uid, gid, inode, mtime, ctime, atime, birthtime,
         link_target, md5, sha1, sha256, mime, detected_ext, ext_mismatch, error, added_at, parent_id, depth, container, extra)
       VALUES (@source_id, @path, @path_raw, @name, @ext, @kind, @size, @mode, @uid, @gid, @inode, @mtime, @ctime, @atime, @birthtime,
         @link_target, @md5, @sha1, @sha256, @mime, @detected_ext, @ext_mismatch, @error, @added_at, @parent_id, @depth, @container, @extra)
       ON CONFLICT (source_id, path) DO NOTHING`,
    );
    const insertMeta = db.prepare(
      `INSERT INTO metadata (item_id, taken_at, lat, lon, alt, make, model, orientation, json, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    let files = 0;
    db.transaction(() => {
      files = 0;
      for (const { entry: e, result: r, depth, parentId } of this.rows) {
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
        // Text for search commits with its item: an item is never searchable before it exists.
        if (r?.text) writeItemText(db, info.lastInsertRowid, r.text);
      }
    })();
    this.committedFiles += files;
    this.rows = [];
    this.blobs = [];
    this.pendingHashes = new Set();
    this.lastCommit = Date.now();
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
      this.addProblem({ path, error: note });
      return { ...row, path, error: row.error ? `${row.error}; ${note}` : note };
    }
  }

  private close(failure: unknown): IngestSummary {
    const { kase, opts, summary } = this;
    const db = kase.db;
    const interrupted = this.aborted && failure === null;
    summary.status = interrupted ? 'interrupted' : 'finished';
    summary.elapsedMs = Date.now() - this.started;
    if (failure) {
      const gone = failure instanceof SourceGone || (!(failure instanceof EvidenceError) && caseWriteCode(failure) === null && this.sourceGone());
      const stopping = gone || caseWriteCode(failure) !== null;
      if (stopping) {
        // Rows whose store copies are already durable need not wait for the resume: try to commit
        // them (a full database refuses, harmlessly: the transaction rolls back). Rows of files
        // that failed to read while the drive was going are left for the resume to read again.
        if (gone) this.rows = this.rows.filter((row) => !row.result?.readFailed);
        try {
          this.commit();
        } catch {
          /* left for the resume */
        }
      }
      const reported = this.explain(failure);
      try {
        db.transaction(() => {
          db.prepare("UPDATE sources SET status = 'interrupted', pid = NULL, runner = NULL WHERE id = ?").run(this.sourceId);
          kase.custody.append({
            officer: opts.officer,
            action: 'ingest.failed',
            target: `source:${this.sourceId}`,
            details: {
              source: this.root,
              error: reported instanceof EvidenceError ? reported.message : errorMessage(reported),
              ...(reported instanceof EvidenceError ? { code: reported.code } : {}),
              items: summary.items,
              ...(stopping ? { notStored: this.notStored() } : {}),
            },
          });
        })();
      } catch (err) {
        // With the disk full even this may be refused. The transaction is all or nothing, so the
        // log never holds half an event; the source stays 'running' under a process that is
        // gone, which the resume takes over. The message about the disk is the one to report.
        if (caseWriteCode(err) === null || !stopping) throw err;
      }
      throw reported;
    }
    if (!interrupted) {
      // Suggestions and known-hash matches for this source, each in its own transaction.
      const a = afterIngest(kase, this.sourceId, opts.officer);
      summary.analysis = { suggestions: a.suggestions, byTag: a.byTag, knownBad: a.knownBad, knownGood: a.knownGood, perSet: a.perSet };
      for (const p of a.problems) this.addProblem({ path: this.root, error: p });
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
    try {
      this.record(interrupted, counts);
    } catch (err) {
      const code = caseWriteCode(err);
      if (!code) throw err;
      // Every file is stored and catalogued; only the end of the run could not be recorded.
      throw new EvidenceError(
        'CASE_UNWRITABLE',
        `${capitalise(describeCaseWriteCode(code))} (${errorMessage(err)}): every file is stored, but the end of the ingest could not be recorded. ${capitalise(caseWriteRemedy(code, kase.layout.root))} and run the same command to finish it.`,
      );
    }
    return summary;
  }

  /** Files found so far that are not stored: those counted minus those committed (now or by the earlier run). */
  private notStored(): number {
    return Math.max(0, this.progress.filesTotal - this.committedFiles - this.doneFiles);
  }

  /** The error to report for a failure that stopped the run, in words an officer can act on. */
  private explain(failure: unknown): unknown {
    const n = this.notStored();
    const files = `${n} file${n === 1 ? '' : 's'} not yet stored`;
    const code = caseWriteCode(failure);
    if (code) {
      return new EvidenceError(
        'CASE_UNWRITABLE',
        `${capitalise(describeCaseWriteCode(code))} (${errorMessage(failure)}): ${files}. Nothing that was not stored is marked done; ${caseWriteRemedy(code, this.kase.layout.root)} and run the same command to resume.`,
      );
    }
    if (failure instanceof SourceGone || (!(failure instanceof EvidenceError) && this.sourceGone())) {
      return new EvidenceError(
        'SOURCE_UNREADABLE',
        `The export at ${this.root} can no longer be read: ${failure instanceof SourceGone ? failure.message : (this.goneReason ?? `${errorMessage(failure)}: was the drive removed?`)}. ${capitalise(files)}; nothing unread is marked done. Reconnect it and run the same command to resume.`,
      );
    }
    return failure;
  }

  /** The run's end in the sources table and the custody log, in one transaction. */
  private record(interrupted: boolean, counts: Record<string, number>): void {
    const { kase, opts, summary } = this;
    const db = kase.db;
    db.transaction(() => {
      if (interrupted) {
        db.prepare("UPDATE sources SET status = 'interrupted', pid = NULL WHERE id = ?").run(this.sourceId);
      } else {
        const total = db
          .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN kind = 'file' THEN size END), 0) AS bytes FROM items WHERE source_id = ?")
          .get(this.sourceId) as { n: number; bytes: number };
        db.prepare("UPDATE sources SET status = 'finished', pid = NULL, finished_at = ?, summary = ? WHERE id = ?").run(
          kase.clock.now().toISOString(),
          JSON.stringify({ ...counts, totalItems: total.n, totalBytes: total.bytes }),
          this.sourceId,
        );
      }
      kase.custody.append({
        officer: opts.officer,
        action: interrupted ? 'ingest.interrupted' : 'ingest.finished',
        target: `source:${this.sourceId}`,
        // The digest of every row of the source, committed in the chain (custody/catalogueDigest.ts).
        details: {
          source: this.root,
          kind: this.kind,
          exhibit: opts.exhibit ?? null,
          ...counts,
          ...(summary.analysis ? { analysis: summary.analysis } : {}),
          catalogue: commitCatalogue(db, this.sourceId),
        },
      });
    })();
  }
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
