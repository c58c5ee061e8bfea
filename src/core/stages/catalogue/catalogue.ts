// The catalogue stage: every entry the readers give becomes an item row with its hashes, store
// copy, type and metadata. After the counting scan (scan.ts), the entries to the workers through the shared batch runner
// (workers/batches.ts; processItem.ts runs on the workers), rows written by rows.ts, then the
// containers found, opened from their store copies (never from a temp extraction) up to a
// nesting limit. A large container on the export (ZIP, TAR, .tar.gz, .ab) is the exception: its members are
// read from the export file while its own task hashes and stores it (eagerContainer.ts), their rows written
// only after its row. A drive that fails or is pulled stops the run (driveWatch.ts).
//
// Durability order per commit: store objects (files fsynced and renamed by the workers, blobs
// committed to store/objects.db) before the rows naming them commit to case.db. So a row never
// names an object that is not safely stored, and a crash at any point loses at most uncommitted
// rows, which the resumed run redoes (items are unique per source and path).
import type { Case } from '../../case.ts';
import { RunningDigest } from '../../custody/catalogueDigest.ts';
import { EvidenceError, errorMessage } from '../../errors.ts';
import type { IngestReport } from '../../ingest/progress.ts';
import type { ContainerJob, IngestSource } from '../../ingest/source.ts';
import { emptyMeta } from '../../item/analyzeItem.ts';
import { processItem } from '../../item/processItem.ts';
import { blankResult, type HashResult, type HashTask } from '../../item/protocol.ts';
import { singleFileEntry, type WalkOptions, walkFolder } from '../../sources/folder.ts';
import { iosBackupSource, readerFor } from '../../sources/registry.ts';
import { type ContainerBytes, type ContainerLimits, DEFAULT_LIMITS, memberPath, type SourceEntry } from '../../sources/types.ts';
import { SMALL_OBJECT_MAX } from '../../store/layout.ts';
import { CaseWriteFault, caseWriteCode, caseWriteRemedy, describeCaseWriteCode } from '../../store/writeFaults.ts';
import { BatchRunner } from '../../workers/batches.ts';
import { DriveWatch, SourceGone } from './driveWatch.ts';
import { EagerContainer } from './eagerContainer.ts';
import { prefetch } from './prefetch.ts';
import { type Item, ItemRows } from './rows.ts';
import { type CountingScan, walkOptionsFor } from './scan.ts';

/** What the catalogue stage needs of the ingest's options. */
export interface CatalogueOptions {
  /** Open containers found inside a folder (default true). A container given directly is always opened. */
  expand?: boolean;
  signal?: AbortSignal;
  workers?: number;
  /** The compiled worker module, where the front door bundles it (Electron). */
  workerUrl?: URL | string;
}

/** An item in the catalogue stage: a member of a container read as it is hashed, or that container. */
type CatItem = Item & { under?: EagerContainer<CatItem>; eager?: EagerContainer<CatItem>; counted?: boolean };

/** Commit at least this often and when this many rows wait. */
const COMMIT_ROWS = 1000;
const COMMIT_MS = 250;

/** The worker next to this module, when running from source; bundles pass their own URL. */
function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ '../../item/worker.ts', import.meta.url);
}

function limitsOf(kase: Case): ContainerLimits {
  return { ...DEFAULT_LIMITS, ...(kase.settings().limits as Partial<ContainerLimits> | undefined) };
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A folder walk's entries. Folders and links are listed or read by the counting pass, which
 * updates their access times: `firstSeen` keeps their attributes as that pass found them.
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

export class Catalogue {
  private readonly kase: Case;
  private readonly opts: CatalogueOptions;
  private readonly source: IngestSource;
  private readonly report: IngestReport;
  private readonly limits: ContainerLimits;
  private readonly containers: ContainerJob[];
  /** The counting scan that ran before (scan.ts): folders, links and special files as it first saw them. */
  private readonly scan: CountingScan;
  /** Workers, batches, commits: the shared batch runner (rows are CatItems, written by writeRows). */
  private runner: BatchRunner<CatItem, HashTask, HashResult, CatItem> | null = null;
  private rowWriter!: ItemRows;
  /** The custody digest of the source's rows, kept as each batch commits (the ending event takes it). */
  digest: RunningDigest | null = null;
  private blobs: { sha256: string; data: Uint8Array }[] = [];
  /** Hashes of blobs waiting in this batch: with the committed items, what makes a duplicate. */
  private pendingHashes = new Set<string>();
  /** Blobs the workers committed to objects.db without an fsync since the last commit (store/blobWriter.ts). */
  private workerBlobs = false;
  /** The container given with --kind (a single file source): opened as that kind, never eagerly. */
  private forced: string | null = null;
  /** Containers whose members were read while they were hashed, to finish at the next settle. */
  private eagerRead: EagerContainer<CatItem>[] = [];
  /** Files whose rows this run committed, and files the interrupted run had recorded: what is stored. */
  private committedFiles = 0;
  private doneFiles = 0;
  /** Files that failed with a drive error, held until the drive reads again (driveWatch.ts). */
  private readonly drive = new DriveWatch<CatItem>();

  constructor(kase: Case, opts: CatalogueOptions, source: IngestSource, report: IngestReport, scan: CountingScan) {
    this.kase = kase;
    this.scan = scan;
    this.opts = opts;
    this.source = source;
    this.report = report;
    this.limits = limitsOf(kase);
    this.containers = source.containers;
  }

  private get aborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  /** What stopped the run so far (a commit that failed, a case write fault, the drive gone), or null. */
  private get failure(): unknown {
    return this.runner?.failure ?? null;
  }

  /** Every entry to its row, then the containers found. Returns what stopped it, or null. */
  async run(forcedContainer: string | null): Promise<unknown> {
    this.report.progress.phase = 'ingesting';
    this.forced = forcedContainer;
    this.digest = new RunningDigest(this.kase.db, this.source.id);
    this.rowWriter = new ItemRows(this.kase, this.source.id, (path, error) => this.report.addProblem({ path, error }), this.digest);
    const runner = new BatchRunner<CatItem, HashTask, HashResult, CatItem>({
      workerUrl: this.opts.workerUrl ?? defaultWorkerUrl(),
      // The workers write small objects to objects.db themselves (store/blobWriter.ts).
      setup: { storeDir: this.kase.layout.store, tmpDir: this.kase.layout.tmp, objectsDb: this.kase.layout.objectsDb },
      workers: this.opts.workers,
      // A hostile file may hang a parser: allow 30 s plus 20 MB/s of reading before giving up.
      timeoutFor: (t) => 30_000 + Math.ceil(t.size / 20_000),
      commitRows: COMMIT_ROWS,
      commitMs: COMMIT_MS,
      onResult: (item, r) => this.onResult(item, r),
      onStuck: (item, task, reason) => this.onStuck(item, task, reason),
      write: (items) => this.writeRows(items),
    });
    this.runner = runner;
    let failure: unknown = null;
    try {
      await this.consume(this.topLevelEntries(), 0, null);
      await this.settle();
      this.finishEager();
      if (forcedContainer && this.source.kind === 'file') this.forceContainer(forcedContainer);
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
      await runner.idle().catch(() => undefined);
    } finally {
      await runner.close();
    }
    this.report.progress.phase = 'finishing';
    this.report.emit(true);
    if (!failure) {
      try {
        runner.commit();
      } catch (err) {
        failure = err;
      }
    }
    return failure ?? this.failure;
  }

  /**
   * After a failure: commits the rows whose store copies are already durable when the run must
   * stop (the case cannot be written, the export's drive is gone), and returns the error to report
   * in words an officer can act on, with whether the run stopped for such a reason.
   */
  stop(failure: unknown): { reported: unknown; stopping: boolean } {
    const gone = failure instanceof SourceGone || (!(failure instanceof EvidenceError) && caseWriteCode(failure) === null && this.source.gone());
    const stopping = gone || caseWriteCode(failure) !== null;
    if (stopping && this.runner) {
      // A full database refuses, harmlessly: the transaction rolls back. Rows of files that failed
      // to read while the drive was going are left for the resume to read again.
      if (gone) this.runner.keepRows((item) => !item.result?.readFailed);
      try {
        this.runner.commit();
      } catch {
        /* left for the resume */
      }
    }
    return { reported: this.explain(failure), stopping };
  }

  /** Files found so far that are not stored: those counted minus those committed (now or by the earlier run). */
  notStored(): number {
    return Math.max(0, this.report.progress.filesTotal - this.committedFiles - this.doneFiles);
  }

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
    if (failure instanceof SourceGone || (!(failure instanceof EvidenceError) && this.source.gone())) {
      return new EvidenceError(
        'SOURCE_UNREADABLE',
        `The export at ${this.source.root} can no longer be read: ${failure instanceof SourceGone ? failure.message : (this.source.goneReason ?? `${errorMessage(failure)}: was the drive removed?`)}. ${capitalise(files)}; nothing unread is marked done. Reconnect it and run the same command to resume.`,
      );
    }
    return failure;
  }

  private topLevelEntries(): AsyncIterable<SourceEntry> {
    const { source } = this;
    if (source.kind === 'folder') return folderEntries(source.root, this.scan.firstSeen, walkOptionsFor(this.opts.expand));
    if (source.kind === 'ios-backup') return iosBackupSource(source.root, { limits: this.limits });
    const entry = singleFileEntry(source.root);
    return (async function* () {
      yield entry;
    })();
  }

  /** Whether this item is read from the export's drive (members of a single container file come from its store copy). */
  private readsSource(item: CatItem): boolean {
    return this.source.kind !== 'file' || item.depth === 0 || item.under !== undefined;
  }

  /** Called where a read failed: records that the drive is gone (and stops the run) if it is. */
  private stopIfSourceGone(): boolean {
    if (!this.source.gone()) return false;
    this.runner!.fail(new SourceGone(this.source.goneReason ?? 'the export cannot be read'));
    return true;
  }

  private async consume(entries: AsyncIterable<SourceEntry>, depth: number, parentId: number | null, under?: EagerContainer<CatItem>): Promise<void> {
    for await (const e of entries) {
      if (this.failure) throw this.failure;
      if (this.aborted || under?.dropped) break;
      if (under) {
        await under.roomToRead();
        if (this.failure) throw this.failure;
        if (under.dropped) break;
      }
      await this.handle(under ? { entry: e, depth, parentId, result: null, under } : { entry: e, depth, parentId, result: null });
    }
    if (!this.aborted) await this.runner!.flush();
  }

  private async handle(item: CatItem): Promise<void> {
    const { summary, progress } = this.report;
    const runner = this.runner!;
    const e = item.entry;
    if (this.source.done.has(e.path)) {
      // Recorded by the interrupted run. A streamed member must still be read past, unhashed.
      if (e.content?.type === 'stream') {
        try {
          for await (const _ of e.content.open()) void _;
        } catch {
          // Nothing to read past (a file reached by a folder handle that cannot be opened now):
          // it was recorded by the earlier run, and a container that breaks reports it itself.
        }
      }
      summary.alreadyDone++;
      if (e.kind === 'file' && item.depth === 0) {
        this.doneFiles++;
        progress.filesDone++;
        progress.bytesDone += e.size ?? 0;
      }
      return;
    }
    // Only the top level was counted up front; members of containers add to the totals as found.
    if (item.depth > 0 && e.kind === 'file') {
      progress.filesTotal++;
      progress.bytesTotal += e.size ?? 0;
      if (item.under) {
        item.under.found.files++;
        item.under.found.bytes += e.size ?? 0;
      }
    }
    // An entry the reader could not read while the export's drive is gone (pulled): not a fact
    // about that entry, so no row; the resume reads it again.
    if (e.error && this.readsSource(item) && this.stopIfSourceGone()) return;
    let c = e.content;
    if (e.kind !== 'file' || !c) {
      this.record(item);
      return;
    }
    const onDisk = c.type === 'file' ? c : null;
    const eager = onDisk && this.mayReadEagerly(item) ? await EagerContainer.probe<CatItem>(e.path, e.name, onDisk.fsPath) : null;
    if (onDisk && eager) {
      // Its own hashes on one worker, its members meanwhile on the others.
      const own: CatItem = { ...item, entry: { ...e, content: null }, fromSource: true, eager };
      await runner.submit(own, (id) => ({ task: { id, content: onDisk, size: eager.size, name: e.name, analyze: true }, alone: true }));
      await this.expandEagerly(eager, item.depth + 1);
      return;
    }
    if (c.type === 'stream') {
      // Read now, in entry order, before the reader moves on: a small member goes to a worker as
      // bytes, a large one is processed here, by the same item processor.
      c = await prefetch(c);
      if (c.type === 'stream') {
        await runner.flush();
        const task = { id: 0, content: c, size: c.size ?? e.size ?? 0, name: e.name, analyze: true };
        const setup = { storeDir: this.kase.layout.store, tmpDir: this.kase.layout.tmp };
        this.onResult({ ...item, entry: { ...e, content: null }, fromSource: item.under !== undefined }, (await processItem(task, setup)).result);
        return;
      }
    }
    const content = c;
    const size = content.type === 'bytes' ? content.data.byteLength : content.type === 'range' ? content.size : (e.size ?? 0);
    const fromSource = content.type === 'file' || item.under !== undefined;
    await runner.submit({ ...item, entry: { ...e, content: null }, fromSource }, (id) => ({
      task: { id, content, size, name: e.name, analyze: true },
      // A large file goes to a worker of its own while the others go on with the small ones.
      alone: size > SMALL_OBJECT_MAX,
    }));
  }

  /** Whether a file may be a large container on the export to read its members from while it is hashed. */
  private mayReadEagerly(item: CatItem): boolean {
    if (item.depth !== 0 || !this.readsSource(item) || (item.entry.size ?? 0) <= SMALL_OBJECT_MAX) return false;
    if (this.source.kind === 'folder' && this.opts.expand === false) return false;
    return this.forced === null && item.depth + 1 <= this.limits.maxDepth;
  }

  /** Reads an eager container's members from the export while its own task runs (eagerContainer.ts). */
  private async expandEagerly(ea: EagerContainer<CatItem>, depth: number): Promise<void> {
    const bytes: ContainerBytes = { type: 'file', path: ea.sourcePath, size: ea.size };
    try {
      const reader = await readerFor(ea.kind, bytes, ea.path);
      await this.consume(reader.entries(bytes, { prefix: ea.path, depth, limits: this.limits }), depth, null, ea);
    } catch (err) {
      if (this.isFatal(err)) throw err;
      ea.problem = `container could not be read to the end: ${errorMessage(err)}`;
    }
    // The walk goes on meanwhile; the container is finished once every result is in (finishEager).
    this.eagerRead.push(ea);
  }

  /** After a settle: every eagerly read container's members and own result are in. */
  private finishEager(): void {
    const { progress } = this.report;
    const done = this.eagerRead;
    this.eagerRead = [];
    for (const ea of done) {
      const problems = ea.problemsAtEnd();
      if (ea.dropped) {
        // Its members are read again from its store copy: taken back out of the counts.
        progress.filesTotal -= ea.found.files;
        progress.bytesTotal -= ea.found.bytes;
        progress.filesDone -= ea.done.files;
        progress.bytesDone -= ea.done.bytes;
        this.report.emit();
        continue;
      }
      for (const error of problems) this.report.addProblem({ path: ea.path, error });
    }
  }

  /** The container's row: committed now, and its held members follow with it as their parent. */
  private release(ea: EagerContainer<CatItem>): void {
    try {
      this.runner!.commit();
    } catch (err) {
      this.runner!.fail(err);
      return;
    }
    for (const it of ea.release(this.rowWriter.idOf(ea.path))) {
      if (it.result) this.accept(it, it.result);
      else this.record(it);
    }
  }

  /** Folders, links, FIFOs, sockets, devices, entries not extracted: recorded, never opened. */
  private record(item: CatItem): void {
    const { summary, progress } = this.report;
    const e = item.entry;
    const u = item.under;
    if (u) {
      if (u.dropped) return;
      if (!u.released) {
        u.hold(item);
        return;
      }
      item.parentId = u.rowId;
    }
    summary.items++;
    if (e.kind === 'dir') summary.folders++;
    else if (e.kind === 'symlink') summary.links++;
    else if (e.kind === 'file') {
      summary.files++;
      progress.filesDone++;
      progress.bytesDone += e.size ?? 0;
    } else summary.special++;
    if (e.error) this.report.addProblem({ path: e.path, error: e.error });
    if (e.opensAs === 'ios-backup' && !e.error) {
      const folder = Buffer.concat([Buffer.from(`${this.source.root}/`), e.pathRaw ? Buffer.from(e.pathRaw) : Buffer.from(e.path)]);
      this.containers.push({ itemPath: e.path, sha256: null, kind: 'ios-backup', depth: item.depth + 1, folder });
    }
    this.runner!.push(item);
  }

  /** Waits for every file in flight and commits: after this, the store holds every object so far. */
  private async settle(): Promise<void> {
    await this.runner!.settle(!this.aborted);
  }

  private onStuck(item: CatItem, task: HashTask, reason: string): void {
    if (task.analyze) {
      // Retry without type detection and metadata: the hashes still matter.
      this.runner!.submit(item, (id) => ({ task: { ...task, id, analyze: false }, alone: true })).catch((err: unknown) => this.runner!.fail(err));
    } else {
      this.onResult(item, {
        ...blankResult(task),
        meta: emptyMeta(`the file stopped a hashing worker (${reason})`),
        error: `could not be hashed: it stopped a worker twice (${reason})`,
      });
    }
  }

  private onResult(item: CatItem, r: HashResult): void {
    // Unread (or not stored): an eager container's members are not recorded, as for any container not opened.
    item.eager?.ownResult(r.sha256 !== null && !r.caseFault);
    if (r.caseFault) {
      // The store copy could not be written: no row (nothing marked done that is not stored);
      // the run stops and the resume stores this file.
      this.runner!.fail(new CaseWriteFault(r.caseFault.code, r.caseFault.message));
      return;
    }
    if (r.readFailed && this.readsSource(item) && this.stopIfSourceGone()) return;
    item.result = r;
    if (item.fromSource) {
      if (r.readFailed) {
        // Held back until a later file reads (then it was this file's problem after all).
        const { held, gone } = this.drive.failed(item, r.readCode);
        if (gone) this.runner!.fail(gone);
        if (held) return;
      }
      if (r.sha256) this.releaseSuspects();
    }
    this.accept(item, r);
  }

  /** Files held back on a drive error, recorded with their problem once the drive has read again (or the run ends). */
  private releaseSuspects(): void {
    for (const item of this.drive.release()) this.accept(item, item.result!);
  }

  /** A file's result becomes a row to commit, with its problem and counts. */
  private accept(item: CatItem, r: HashResult): void {
    const { summary, progress } = this.report;
    const e = item.entry;
    item.result = r;
    const u = item.under;
    if (u) {
      if (u.dropped) return;
      if (!u.released) {
        // Waits for its container's row; counted as done meanwhile (taken back if dropped).
        if (!item.counted) {
          item.counted = true;
          u.done.files++;
          u.done.bytes += e.size ?? r.size;
          progress.filesDone++;
          progress.bytesDone += e.size ?? r.size;
          this.report.emit();
        }
        u.hold(item);
        return;
      }
      item.parentId = u.rowId;
    }
    let release: EagerContainer<CatItem> | null = null;
    if (r.sha256) {
      // A worker that stored the object knows whether it was there; bytes handed back here (a
      // streamed member processed on this thread) are looked up.
      const dup = !r.data ? r.existed : this.pendingHashes.has(r.sha256) || this.kase.store.locate(r.sha256) !== null;
      if (r.stored === 'blob' && !r.data) this.workerBlobs = true;
      if (dup) {
        summary.duplicates++;
        progress.duplicates++;
      }
      if (r.stored === 'blob' && r.data && !dup) {
        this.blobs.push({ sha256: r.sha256, data: r.data });
        this.pendingHashes.add(r.sha256);
      }
      delete r.data;
      const mismatch = hashMismatches(e, r);
      if (mismatch) r.error = r.error ? `${r.error}; ${mismatch}` : mismatch;
      const ea = item.eager;
      if (ea?.confirms(r)) {
        release = ea; // its members are being read already: no second opening; the kind recorded as found
      } else {
        ea?.drop();
        if (r.container) {
          if (item.depth === 0 && this.source.kind === 'folder' && this.opts.expand === false) {
            r.container = null;
          } else if (item.depth + 1 > this.limits.maxDepth) {
            r.error = `${r.error ? `${r.error}; ` : ''}not opened: a ${r.container} nested deeper than ${this.limits.maxDepth} levels`;
            r.container = null;
          } else {
            this.containers.push({ itemPath: e.path, sha256: r.sha256, kind: r.container, depth: item.depth + 1 });
          }
        }
      }
    } else {
      r.container = null;
      item.eager?.drop();
    }
    const problem = e.error ?? r.error ?? r.meta?.error ?? null;
    if (problem) this.report.addProblem({ path: e.path, error: problem });
    summary.files++;
    summary.items++;
    summary.bytes += r.size;
    if (!item.counted) {
      progress.filesDone++;
      progress.bytesDone += e.size ?? r.size;
    }
    progress.currentPath = e.path;
    this.runner!.push(item);
    if (release) this.release(release);
    this.report.emit();
  }

  /** A container given with --kind: open it as that kind even if its bytes say otherwise. */
  private forceContainer(kind: string): void {
    const row = this.rowWriter.forceContainer(kind);
    if (!row) return;
    const already = this.containers.findIndex((c) => c.itemPath === row.path);
    if (already >= 0) this.containers.splice(already, 1);
    this.containers.unshift({ itemPath: row.path, sha256: row.sha256, kind, depth: 1 });
  }

  private async expand(job: ContainerJob): Promise<void> {
    const parentId = this.rowWriter.idOf(job.itemPath);
    const { progress } = this.report;
    if (job.kind === 'ios-backup' && job.folder) {
      progress.currentPath = job.itemPath;
      this.report.emit(true);
      const prefixed = async function* (entries: AsyncIterable<SourceEntry>, prefix: string): AsyncGenerator<SourceEntry> {
        for await (const e of entries) yield { ...e, path: memberPath(prefix, e.path) };
      };
      try {
        await this.consume(prefixed(iosBackupSource(job.folder.toString(), { limits: this.limits }), job.itemPath), job.depth, parentId);
      } catch (err) {
        if (this.isFatal(err)) throw err;
        this.report.addProblem({ path: job.itemPath, error: `iPhone backup could not be read to the end: ${errorMessage(err)}` });
      }
      return;
    }
    if (!job.sha256) return;
    const bytes = this.kase.store.bytesOf(job.sha256);
    if (!bytes) {
      this.report.addProblem({ path: job.itemPath, error: 'container not opened: its store copy is missing' });
      return;
    }
    progress.currentPath = job.itemPath;
    this.report.emit(true);
    try {
      const reader = await readerFor(job.kind, bytes, job.itemPath);
      await this.consume(reader.entries(bytes, { prefix: job.itemPath, depth: job.depth, limits: this.limits }), job.depth, parentId);
    } catch (err) {
      if (this.isFatal(err)) throw err;
      this.report.addProblem({ path: job.itemPath, error: `container could not be read to the end: ${errorMessage(err)}` });
    }
  }

  /** A failure that stops the run (the case cannot be written, the export's drive is gone), never an item's problem. */
  private isFatal(err: unknown): boolean {
    return err === this.failure || err instanceof SourceGone || caseWriteCode(err) !== null;
  }

  /** The runner's write: blobs to store/objects.db first, then the rows that name them to case.db. */
  private writeRows(items: CatItem[]): void {
    this.kase.store.putBlobs(this.blobs);
    if (this.workerBlobs) this.kase.store.syncWal();
    this.committedFiles += this.rowWriter.write(items);
    this.blobs = [];
    this.pendingHashes = new Set();
    this.workerBlobs = false;
  }
}
