// The catalogue stage: every entry the readers give becomes an item row with its hashes, store
// copy, type and metadata. A counting scan first (totals for progress, the export's file list for
// already.ts), then the entries in batches to the worker pool (processItem.ts runs there), rows
// written by rows.ts, then the containers found, opened from their store copies (never from a
// temp extraction) up to a nesting limit. A large ZIP or TAR on the export is the exception: its
// members are read from the export file while its own task hashes and stores it (EagerContainer),
// their rows written only after its row.
//
// Durability order per batch: store objects (files fsynced and renamed by the workers, blobs
// committed to store/objects.db) before the batch's item rows commit to case.db. So a row never
// names an object that is not safely stored, and a crash at any point loses at most uncommitted
// rows, which the resumed run redoes (items are unique per source and path).
import { closeSync, fstatSync, lstatSync, readSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { Case } from '../case.ts';
import { magicType } from '../analyze/filetype.ts';
import { RunningDigest } from '../custody/catalogueDigest.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { containerKindOf } from '../sources/detect.ts';
import { openEvidence, singleFileEntry, type WalkOptions, walkFolder } from '../sources/folder.ts';
import { iosBackupSource, isBackupFolder, readerFor } from '../sources/registry.ts';
import { type Content, type ContainerBytes, type ContainerLimits, DEFAULT_LIMITS, memberPath, type SourceEntry } from '../sources/types.ts';
import { SMALL_OBJECT_MAX } from '../store/layout.ts';
import { CaseWriteFault, caseWriteCode, caseWriteRemedy, describeCaseWriteCode } from '../store/writeFaults.ts';
import { TaskPool } from '../workers/pool.ts';
import { FileListDigest } from './already.ts';
import { emptyMeta } from './analyzeItem.ts';
import { HEAD_BYTES } from './byteSink.ts';
import { processItem } from './processItem.ts';
import type { IngestReport } from './progress.ts';
import { blankResult, type HashResult, type HashTask } from './protocol.ts';
import { type Item, ItemRows } from './rows.ts';
import type { ContainerJob, IngestSource } from './source.ts';

/** What the catalogue stage needs of the ingest's options. */
export interface CatalogueOptions {
  /** Open containers found inside a folder (default true). A container given directly is always opened. */
  expand?: boolean;
  signal?: AbortSignal;
  workers?: number;
  /** The compiled worker module, where the front door bundles it (Electron). */
  workerUrl?: URL | string;
  onWarning?: (message: string) => void;
}

const BATCH_FILES = 64;
const BATCH_BYTES = 4 * 1024 * 1024;
const COMMIT_ROWS = 1000;
const COMMIT_MS = 250;

/** Read errors that come from the drive rather than from one file: it failed, or was pulled with its mount left behind. */
const DRIVE_ERRORS = new Set(['EIO', 'ENXIO', 'ENODEV', 'ESTALE', 'ENOTCONN', 'ENOMEDIUM', 'EREMOTEIO']);
/**
 * This many files in a row failing with a drive error, none read in between, means the drive is
 * gone or failing, not that each file is damaged: the run stops rather than record each as
 * unreadable (which the resume would then never read again).
 */
const DRIVE_FAILING_RUN = 16;

/**
 * A large ZIP or TAR read from the export whose members are read while its own hashes are
 * computed (issue 11: not in a pass before): its task goes to one worker and its members, read
 * from the same file on the export, to the others. The members' rows wait (held, never
 * committed) until the container's row is committed with the kind its worker found: a member
 * row always has its container's row, and a crash before that leaves both to the resume. If its
 * worker finds another kind, or none, or the file changed on the export (its size, times or
 * inode), the members read are dropped and the container is opened from its store copy, as
 * every container was before.
 */
interface EagerContainer {
  path: string;
  kind: 'zip' | 'tar';
  /** The file on the export, as a path the members' byte ranges name. */
  sourcePath: string;
  size: number;
  /** The file's identity when first read: device, inode, size, modification and change times. */
  identity: string;
  /** Members (and their results) waiting for the container's row. */
  held: CatItem[];
  /** The container's row is committed: `rowId` is every member's parent. */
  released: boolean;
  rowId: number | null;
  /** The container's own result is in (whatever it said). */
  parentDone: boolean;
  /** The members read are dropped: not this container's (see above), or the container unread. */
  dropped: boolean;
  /** Counted into progress while held or found: taken back if dropped. */
  found: { files: number; bytes: number };
  done: { files: number; bytes: number };
  /** A read problem of the container's walk, recorded once the container's row is. */
  problem: string | null;
  wake: (() => void) | null;
}

/** An item in the catalogue stage: a member of a container read as it is hashed, or that container. */
type CatItem = Item & { under?: EagerContainer; eager?: EagerContainer; counted?: boolean };

/** Members of an eagerly read container held at most, waiting for its row (then the walk waits). */
const MAX_HELD = 20_000;

function identityOf(st: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** The worker next to this module, when running from source; bundles pass their own URL. */
function defaultWorkerUrl(): URL {
  return new URL(/* @vite-ignore */ './worker.ts', import.meta.url);
}

function limitsOf(kase: Case): ContainerLimits {
  return { ...DEFAULT_LIMITS, ...(kase.settings().limits as Partial<ContainerLimits> | undefined) };
}

/** The export's drive went away mid-ingest (a USB stick pulled): raised by the run, explained by explain(). */
class SourceGone extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'SourceGone';
  }
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
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

async function* replay(chunks: Buffer[], rest: AsyncIterator<Buffer> | null, failure: unknown): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
    if (failure !== undefined) throw failure;
    for (let r = await rest!.next(); !r.done; r = await rest!.next()) yield r.value;
  } finally {
    await rest?.return?.();
  }
}

/**
 * A streamed member (.tar.gz, .ab, a file reached through a folder handle) must be read before
 * the reader moves on. Read into memory when small, it goes to a worker like any file; a large
 * one (or one that failed) comes back as a stream replaying what was read, for the main thread.
 */
async function prefetch(c: Extract<Content, { type: 'stream' }>): Promise<Content> {
  const chunks: Buffer[] = [];
  let size = 0;
  const max = Math.min(SMALL_OBJECT_MAX, c.size ?? Infinity);
  let it: AsyncIterator<Buffer> | null = null;
  try {
    it = c.open()[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      const r = await it.next();
      if (r.done) return { type: 'bytes', data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
      chunks.push(r.value);
      size += r.value.byteLength;
      if (size > max) break;
    }
  } catch (err) {
    return { type: 'stream', size: c.size, open: () => Readable.from(replay(chunks, null, err)) };
  }
  const rest = it;
  return { type: 'stream', size: c.size, open: () => Readable.from(replay(chunks, rest, undefined)) };
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
  /** The export's file list as the counting scan found it (already.ts), and whether it saw it all. */
  readonly fileList = new FileListDigest();
  scanComplete = false;
  /** Entries the scan found that the interrupted run had recorded (a resume's check that this is the same export). */
  seenDone = 0;
  private readonly containers: ContainerJob[];
  /** Folders, links and special files as the counting pass first saw them. */
  private readonly firstSeen = new Map<string, SourceEntry>();
  /** A failure inside a worker callback (a commit that threw), raised by the main loop. */
  private failure: unknown = null;
  private rowWriter!: ItemRows;
  /** The custody digest of the source's rows, kept as each batch commits (the ending event takes it). */
  digest: RunningDigest | null = null;
  private items: Item[] = [];
  private blobs: { sha256: string; data: Uint8Array }[] = [];
  /** Hashes of blobs waiting in this batch: with the committed items, what makes a duplicate. */
  private pendingHashes = new Set<string>();
  /** Blobs the workers committed to objects.db without an fsync since the last commit (store/blobWriter.ts). */
  private workerBlobs = false;
  private lastCommit = Date.now();
  private readonly inflight = new Map<number, CatItem>();
  /** The container given with --kind (a single file source): opened as that kind, never eagerly. */
  private forced: string | null = null;
  /** Containers whose members were read while they were hashed, to finish at the next settle. */
  private eagerRead: EagerContainer[] = [];
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
  private suspects: Item[] = [];

  constructor(kase: Case, opts: CatalogueOptions, source: IngestSource, report: IngestReport) {
    this.kase = kase;
    this.opts = opts;
    this.source = source;
    this.report = report;
    this.limits = limitsOf(kase);
    this.containers = source.containers;
  }

  private get aborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  /** iPhone backup folders inside a folder export are opened as backups (unless --no-expand). */
  private get walkOptions(): WalkOptions {
    return this.opts.expand === false ? {} : { containerFolder: (p) => (isBackupFolder(p) ? 'ios-backup' : null) };
  }

  /** Pass 1: count files and bytes so progress can show totals and an ETA. Nothing is kept. */
  async scan(): Promise<void> {
    const { source, report } = this;
    const progress = report.progress;
    if (source.kind === 'file') {
      progress.filesTotal = 1;
      progress.bytesTotal = source.st.size;
      if (!source.done.has(basename(source.root))) this.pendingBytes = source.st.size;
      this.scanComplete = true;
      return;
    }
    // Files' sizes only: their other attributes are read when the run reaches them.
    for await (const e of walkFolder(source.root, { ...this.walkOptions, sizesOnly: true })) {
      if (this.aborted) break;
      if (e.kind === 'file') {
        progress.filesTotal++;
        progress.bytesTotal += e.size ?? 0;
        if (!source.done.has(e.path)) this.pendingBytes += e.size ?? 0;
      } else if (source.kind === 'folder') {
        this.firstSeen.set(e.path, e);
      }
      this.fileList.add(e);
      if (source.done.has(e.path)) this.seenDone++;
      progress.currentPath = e.path;
      report.emit();
    }
    this.scanComplete = !this.aborted;
  }

  /**
   * Pre-flight: warns (does not refuse) when the export's files still to store will likely not
   * fit on the case's disk. The store keeps one copy of each distinct content, and the databases
   * need room for rows and their write-ahead logs, so this is an estimate either way; the run
   * stops cleanly if the disk does fill up, and the resume continues.
   */
  checkFreeSpace(): void {
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
    this.report.summary.warnings = [...(this.report.summary.warnings ?? []), message];
    this.opts.onWarning?.(message);
  }

  /** Pass 2: every entry to its row, then the containers found. Returns what stopped it, or null. */
  async run(forcedContainer: string | null): Promise<unknown> {
    this.report.progress.phase = 'ingesting';
    this.forced = forcedContainer;
    this.digest = new RunningDigest(this.kase.db, this.source.id);
    this.rowWriter = new ItemRows(this.kase, this.source.id, (path, error) => this.report.addProblem({ path, error }), this.digest);
    this.pool = new TaskPool<HashTask, HashResult>({
      workerUrl: this.opts.workerUrl ?? defaultWorkerUrl(),
      // The workers write small objects to objects.db themselves (store/blobWriter.ts).
      setup: { storeDir: this.kase.layout.store, tmpDir: this.kase.layout.tmp, objectsDb: this.kase.layout.objectsDb },
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
      await this.pool.idle().catch(() => undefined);
    } finally {
      await this.pool.close();
    }
    this.report.progress.phase = 'finishing';
    this.report.emit(true);
    if (!failure) {
      try {
        this.commit();
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
    if (stopping && this.rowWriter) {
      // A full database refuses, harmlessly: the transaction rolls back. Rows of files that failed
      // to read while the drive was going are left for the resume to read again.
      if (gone) this.items = this.items.filter((item) => !item.result?.readFailed);
      try {
        this.commit();
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
    if (source.kind === 'folder') return folderEntries(source.root, this.firstSeen, this.walkOptions);
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
    this.failure ??= new SourceGone(this.source.goneReason ?? 'the export cannot be read');
    return true;
  }

  private async consume(entries: AsyncIterable<SourceEntry>, depth: number, parentId: number | null, under?: EagerContainer): Promise<void> {
    for await (const e of entries) {
      if (this.failure) throw this.failure;
      if (this.aborted || under?.dropped) break;
      if (under && !under.released && !under.parentDone && under.held.length >= MAX_HELD) {
        // Bounded memory: wait for the container's row before reading more members.
        await new Promise<void>((r) => (under.wake = r));
        if (this.failure) throw this.failure;
        if (under.dropped) break;
      }
      await this.handle(under ? { entry: e, depth, parentId, result: null, under } : { entry: e, depth, parentId, result: null });
    }
    if (!this.aborted) await this.flushBatch();
  }

  private async handle(item: CatItem): Promise<void> {
    const { summary, progress } = this.report;
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
    const id = this.nextId++;
    const onDisk = c.type === 'file' ? c : null;
    const eager = onDisk ? await this.eagerProbe(item, onDisk.fsPath) : null;
    if (onDisk && eager) {
      // Its own hashes on one worker, its members meanwhile on the others.
      this.inflight.set(id, { ...item, entry: { ...e, content: null }, fromSource: true, eager });
      await this.pool.submit([{ id, content: onDisk, size: eager.size, name: e.name, analyze: true }]);
      await this.expandEagerly(eager, item.depth + 1);
      this.maybeCommit();
      return;
    }
    if (c.type === 'stream') {
      // Read now, in entry order, before the reader moves on: a small member goes to a worker as
      // bytes, a large one is processed here, by the same item processor.
      c = await prefetch(c);
      if (c.type === 'stream') {
        await this.flushBatch();
        this.inflight.set(id, { ...item, entry: { ...e, content: null } });
        const task = { id, content: c, size: c.size ?? e.size ?? 0, name: e.name, analyze: true };
        const setup = { storeDir: this.kase.layout.store, tmpDir: this.kase.layout.tmp };
        this.onResult((await processItem(task, setup)).result);
        return;
      }
    }
    this.inflight.set(id, { ...item, entry: { ...e, content: null }, fromSource: c.type === 'file' || item.under !== undefined });
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


  /**
   * Whether a file on the export is a large ZIP or TAR to read its members from while its own
   * hashes are computed: its head read here, its kind by the same test as the item processor's
   * (checked again against that result before any member's row is written).
   */
  private async eagerProbe(item: CatItem, fsPath: Uint8Array): Promise<EagerContainer | null> {
    const e = item.entry;
    if (item.depth !== 0 || !this.readsSource(item) || (e.size ?? 0) <= SMALL_OBJECT_MAX) return null;
    if (this.source.kind === 'folder' && this.opts.expand === false) return null;
    if (this.forced !== null || item.depth + 1 > this.limits.maxDepth) return null;
    const sourcePath = Buffer.from(fsPath).toString();
    if (!Buffer.from(sourcePath).equals(Buffer.from(fsPath))) return null; // a name that is not UTF-8: as before
    let fd: number;
    try {
      fd = openEvidence(fsPath);
    } catch {
      return null; // the item processor records why
    }
    let head: Buffer;
    let identity: string;
    let size: number;
    try {
      const st = fstatSync(fd, { bigint: true });
      if (!st.isFile()) return null;
      identity = identityOf(st);
      size = Number(st.size);
      const first = Buffer.alloc(Math.min(size, 4096));
      const n = readSync(fd, first, 0, first.byteLength, 0);
      // Without the ZIP or TAR signature there is nothing to look at further.
      if (containerKindOf(null, e.name, first.subarray(0, n)) === null && !first.subarray(0, n).includes('PK')) return null;
      head = Buffer.alloc(Math.min(size, HEAD_BYTES));
      head = head.subarray(0, readSync(fd, head, 0, head.byteLength, 0));
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
    let mime: string | null = null;
    try {
      mime = (await magicType(head)).mime;
    } catch {
      /* sniffed by the bytes alone, as the item processor does */
    }
    let kind: string | null = null;
    try {
      kind = containerKindOf(mime, e.name, head);
    } catch {
      return null;
    }
    if (kind !== 'zip' && kind !== 'tar') return null;
    return {
      path: e.path,
      kind,
      sourcePath,
      size,
      identity,
      held: [],
      released: false,
      rowId: null,
      parentDone: false,
      dropped: false,
      found: { files: 0, bytes: 0 },
      done: { files: 0, bytes: 0 },
      problem: null,
      wake: null,
    };
  }

  /** The file is still the one first read (same inode, size and times). */
  private unchanged(ea: EagerContainer): boolean {
    try {
      return identityOf(lstatSync(ea.sourcePath, { bigint: true })) === ea.identity;
    } catch {
      return false;
    }
  }

  /** Reads an eager container's members from the export while its own task runs (see EagerContainer). */
  private async expandEagerly(ea: EagerContainer, depth: number): Promise<void> {
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
    const done = this.eagerRead;
    this.eagerRead = [];
    for (const ea of done) this.finishEagerOne(ea);
  }

  private finishEagerOne(ea: EagerContainer): void {
    const { progress } = this.report;
    if (!ea.released) this.drop(ea); // the container unread, or its row not written
    if (ea.dropped) {
      progress.filesTotal -= ea.found.files;
      progress.bytesTotal -= ea.found.bytes;
      progress.filesDone -= ea.done.files;
      progress.bytesDone -= ea.done.bytes;
      this.report.emit();
      return;
    }
    if (ea.problem) this.report.addProblem({ path: ea.path, error: ea.problem });
    if (!this.unchanged(ea)) {
      this.report.addProblem({
        path: ea.path,
        error: `the file changed on the export while its members were read (its size, times or inode differ from when its hashes were computed): the members' rows may not match the container's store copy; ingest it again from a stable copy`,
      });
    }
  }

  /** The members read are not this container's: forgotten (none was committed), the walk stops. */
  private drop(ea: EagerContainer): void {
    ea.dropped = true;
    ea.held = [];
    ea.wake?.();
  }

  /** The container's row: committed now, and its held members follow with it as their parent. */
  private release(ea: EagerContainer): void {
    try {
      this.commit();
    } catch (err) {
      this.failure ??= err;
      return;
    }
    ea.rowId = this.rowWriter.idOf(ea.path);
    ea.released = true;
    const held = ea.held;
    ea.held = [];
    for (const it of held) {
      if (it.result) this.accept(it, it.result);
      else this.record(it);
    }
    ea.wake?.();
  }

  /** Folders, links, FIFOs, sockets, devices, entries not extracted: recorded, never opened. */
  private record(item: CatItem): void {
    const { summary, progress } = this.report;
    const e = item.entry;
    const u = item.under;
    if (u) {
      if (u.dropped) return;
      if (!u.released) {
        u.held.push(item);
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
    this.items.push(item);
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
    const item = this.inflight.get(r.id);
    if (!item) return;
    this.inflight.delete(r.id);
    if (item.eager) {
      // Unread (or not stored): its members are not recorded, as for any container not opened.
      item.eager.parentDone = true;
      if (!r.sha256 || r.caseFault) this.drop(item.eager);
      item.eager.wake?.();
    }
    if (r.caseFault) {
      // The store copy could not be written: no row (nothing marked done that is not stored);
      // the run stops and the resume stores this file.
      this.failure ??= new CaseWriteFault(r.caseFault.code, r.caseFault.message);
      return;
    }
    if (r.readFailed && this.readsSource(item) && this.stopIfSourceGone()) return;
    item.result = r;
    if (item.fromSource) {
      if (r.readFailed && DRIVE_ERRORS.has(r.readCode ?? '')) {
        // Held back until a later file reads (then it was this file's problem after all): a
        // drive that died with its mount left behind fails every file the same way.
        this.suspects.push(item);
        if (this.suspects.length >= DRIVE_FAILING_RUN) {
          this.failure ??= new SourceGone(
            `${this.suspects.length} files in a row failed with ${r.readCode}: was the drive removed, or is it failing? A failing drive is best imaged first`,
          );
        }
        return;
      }
      if (r.sha256) this.releaseSuspects();
    }
    this.accept(item, r);
  }

  /** Files held back on a drive error, recorded with their problem once the drive has read again (or the run ends). */
  private releaseSuspects(): void {
    const held = this.suspects;
    this.suspects = [];
    for (const item of held) this.accept(item, item.result!);
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
        u.held.push(item);
        return;
      }
      item.parentId = u.rowId;
    }
    let release: EagerContainer | null = null;
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
      if (ea && !ea.dropped && r.container === ea.kind && r.size === ea.size && this.unchanged(ea)) {
        release = ea; // its members are being read already: no second opening
      } else if (ea) {
        this.drop(ea);
      }
      if (release) {
        /* kind recorded on the row as found */
      } else if (r.container) {
        if (item.depth === 0 && this.source.kind === 'folder' && this.opts.expand === false) {
          r.container = null;
        } else if (item.depth + 1 > this.limits.maxDepth) {
          r.error = `${r.error ? `${r.error}; ` : ''}not opened: a ${r.container} nested deeper than ${this.limits.maxDepth} levels`;
          r.container = null;
        } else {
          this.containers.push({ itemPath: e.path, sha256: r.sha256, kind: r.container, depth: item.depth + 1 });
        }
      }
    } else {
      r.container = null;
      if (item.eager) this.drop(item.eager);
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
    this.items.push(item);
    if (release) this.release(release);
    else this.maybeCommit();
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

  private maybeCommit(): void {
    if (this.failure) return;
    if (this.items.length >= COMMIT_ROWS || Date.now() - this.lastCommit >= COMMIT_MS) {
      try {
        this.commit();
      } catch (err) {
        // Called from worker callbacks too: keep the error for the main loop to raise.
        this.failure = err;
      }
    }
  }

  /** Blobs to store/objects.db first, then the rows that name them to case.db. */
  private commit(): void {
    if (this.items.length === 0) return;
    this.kase.store.putBlobs(this.blobs);
    if (this.workerBlobs) this.kase.store.syncWal();
    this.committedFiles += this.rowWriter.write(this.items);
    this.items = [];
    this.blobs = [];
    this.pendingHashes = new Set();
    this.workerBlobs = false;
    this.lastCommit = Date.now();
  }
}
