// The ingest: takes a folder, an iPhone backup folder or a single file (a ZIP, TAR, .tar.gz,
// UFDR, Android backup or any file) and runs it through its stages:
//   source (source.ts: claim or resume, custody events)
//   -> catalogue (stages/catalogue/catalogue.ts: every entry hashed, stored, typed, written as an item row; the
//      officer can browse and sort it from here on)
//   -> text (stages/text/text.ts: text and detectors read from the store copies on the workers)
//   -> index (stages/fts/fts.ts: the full-text index), both skipped with `text: false`
//   -> known-hash matches and the report's device facts for the source
//   -> the end recorded (sources row and custody event, in one transaction).
// Each stage's work is recorded in the database as it is done (item rows; item_text records;
// item_text.indexed), so a resume (after cancel or a crash) does only what is left of each.
// Cancel leaves the source 'interrupted'; running the same command resumes it, as after a crash.
import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Case } from '../case.ts';
import { afterIngest } from '../detect/afterIngest.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { recordDeviceFacts } from '../exhibits/deviceFacts.ts';
import { runIndexStage } from '../stages/fts/fts.ts';
import { runTextStage, type StageProgress, type TextStageSummary } from '../stages/text/text.ts';
import { topLevelKindOf, type TopLevelKind } from '../sources/registry.ts';
import { caseWriteCode, caseWriteRemedy, describeCaseWriteCode } from '../store/writeFaults.ts';
import { capitalise, Catalogue } from '../stages/catalogue/catalogue.ts';
import { CountingScan } from '../stages/catalogue/scan.ts';
import { IngestReport, type IngestProgress, type IngestSummary } from './progress.ts';
import { refuseResumeIntoAnotherExhibit, requireExhibit, requireExhibitNamed } from './exhibit.ts';
import { IngestSource } from './source.ts';

export interface IngestOptions {
  sourcePath: string;
  /** The exhibit the export comes from, already recorded in the case (required: exhibit.ts). */
  exhibit: string;
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
  /** The text stage's compiled worker module (src/core/stages/text/worker.ts), where bundled. */
  textWorkerUrl?: URL | string;
  /**
   * Run the text and index stages after the catalogue (default true). Indexing text costs about
   * a CPU-second per 7 million characters on the main thread (SQLite's trigram tokenizer), which
   * dominates an export made mostly of text files: false defers both to `evidence reindex`.
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

export async function ingest(kase: Case, opts: IngestOptions): Promise<IngestSummary> {
  // The exhibit first: an ingest into no exhibit, or into one the case does not hold, is refused
  // before anything is read or written (exhibit.ts).
  const exhibit = requireExhibitNamed(opts.exhibit);
  const exhibitId = requireExhibit(kase, exhibit);
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
  refuseResumeIntoAnotherExhibit(kase, root, kind, exhibitId, opts.again === true);
  const source = new IngestSource(kase, { ...opts, exhibit }, root, kind, st);
  try {
    return await run(kase, opts, source, forcedContainer);
  } catch (err) {
    // A write refused before or after the run's own handling (e.g. recording the start).
    const code = !(err instanceof EvidenceError) ? caseWriteCode(err) : null;
    if (!code) throw err;
    throw new EvidenceError(
      'CASE_UNWRITABLE',
      `${capitalise(describeCaseWriteCode(code))} (${errorMessage(err)}): the ingest could not start or finish recording. Nothing that was not stored is marked done; ${caseWriteRemedy(code, kase.layout.root)} and run the same command to resume.`,
    );
  } finally {
    source.release();
  }
}

async function run(kase: Case, opts: IngestOptions, source: IngestSource, forcedContainer: string | null): Promise<IngestSummary> {
  source.open();
  const report = new IngestReport({ sourcePath: source.root, exhibit: opts.exhibit ?? null }, opts.onProgress);
  const { summary } = report;
  summary.sourceId = source.id;
  summary.resumed = source.resumed;
  const scan = new CountingScan(kase, source, report, opts);
  await scan.run();
  const catalogue = new Catalogue(kase, opts, source, report, scan);
  const aborted = (): boolean => opts.signal?.aborted === true;
  // A resume that finds none of what the interrupted run recorded is not looking at that
  // export: its drive is not connected (an empty mount point is left) or another is. Going on
  // would mark the ingest finished with most of the export missing.
  if (source.resumed && source.kind === 'folder' && source.done.size > 0 && scan.seenDone === 0 && !aborted()) {
    return fail(
      source,
      catalogue,
      report,
      new EvidenceError(
        'SOURCE_UNREADABLE',
        `The export at ${source.root} holds none of the ${source.done.size} entries the interrupted ingest recorded there: is its drive connected (was it removed)? Reconnect it and run the same command to resume.`,
      ),
    );
  }
  if (source.id) {
    if (scan.complete) source.noteFingerprint(scan.fileList);
  } else if (!(await source.claim(scan.fileList))) {
    // Stopped before the ingest was claimed: nothing was recorded, the next run starts afresh.
    summary.status = 'interrupted';
    summary.elapsedMs = Date.now() - report.started;
    return summary;
  }
  summary.sourceId = source.id;
  scan.checkFreeSpace(opts.onWarning);
  const failure = await catalogue.run(forcedContainer);
  if (failure) return fail(source, catalogue, report, failure);

  // The catalogue is complete: text for search and the detectors, then the full-text index.
  let detected: TextStageSummary | undefined;
  if (opts.text !== false && !aborted()) {
    try {
      detected = await searchStages(kase, opts, source.id, report);
    } catch (err) {
      return failStage(source, report, err);
    }
  }

  const interrupted = aborted();
  summary.status = interrupted ? 'interrupted' : 'finished';
  summary.elapsedMs = Date.now() - report.started;
  if (!interrupted) {
    // Suggestions (made by the text stage, or run here when it did not run) and known-hash
    // matches for this source, each in its own transaction.
    const a = afterIngest(kase, source.id, opts.officer, detected);
    summary.analysis = { suggestions: a.suggestions, byTag: a.byTag, knownBad: a.knownBad, knownGood: a.knownGood, perSet: a.perSet };
    for (const p of a.problems) report.addProblem({ path: source.root, error: p });
    // The extraction report's device facts onto the exhibit (exhibits/deviceFacts.ts).
    const device = recordDeviceFacts(kase, source.id, opts.officer);
    if (device) summary.exhibitDevice = device;
  }
  try {
    source.recordEnd(interrupted, summary, report.counts(), catalogue.digest);
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

/**
 * The text stage (text and detectors on the workers, read from the store copies) then the index
 * stage (the full-text index, on this thread), over the items of this source that still need
 * them; each reports its progress as the ingest's stage. Returns the text stage's summary (its
 * suggestions are reported by afterIngest, not made again).
 */
async function searchStages(kase: Case, opts: IngestOptions, sourceId: number, report: IngestReport): Promise<TextStageSummary> {
  const progress = report.progress;
  const show = (p: StageProgress): void => {
    progress.phase = 'ingesting';
    progress.stage = p.stage;
    progress.stageDone = p.done;
    progress.stageTotal = p.total;
    progress.currentPath = p.currentPath;
    // The first and the last event of a stage are sent at once, never dropped by the throttle:
    // the first says the stage before is complete, the last that this one is (without it a busy
    // machine showed "text 12/26" and then the index).
    report.emit(p.done === 0 || p.done >= p.total);
  };
  const text = await runTextStage(kase, { sourceId, workers: opts.workers, workerUrl: opts.textWorkerUrl, signal: opts.signal, onProgress: show });
  // Stopped (cancel): what the text stage wrote is indexed by the resume, which runs the index
  // stage over every item whose text is recorded and not yet indexed.
  if (text.status === 'finished') await runIndexStage(kase, { sourceId, signal: opts.signal, onProgress: show });
  progress.phase = 'finishing';
  report.emit(true);
  return text;
}

/**
 * The text or index stage failed (the case's disk filled up, say): the catalogue is complete
 * and stays; the source is left 'interrupted' with the failure in the custody log, and running
 * the same command again does what is left of the stages.
 */
function failStage(source: IngestSource, report: IngestReport, err: unknown): never {
  report.summary.elapsedMs = Date.now() - report.started;
  const code = caseWriteCode(err);
  const reported = code
    ? new EvidenceError(
        'CASE_UNWRITABLE',
        `${capitalise(describeCaseWriteCode(code))} (${errorMessage(err)}): every file is catalogued and stored, but the text for search is not complete. ${capitalise(caseWriteRemedy(code, source.kase.layout.root))} and run the same command to finish it.`,
      )
    : err;
  try {
    source.recordFailure(reported, report.summary.items, null);
  } catch (e) {
    if (caseWriteCode(e) === null) throw e;
  }
  throw reported;
}

/** A run stopped by a failure: what is durable kept, the failure recorded in the custody log, the error raised in plain words. */
function fail(source: IngestSource, catalogue: Catalogue, report: IngestReport, failure: unknown): never {
  report.summary.elapsedMs = Date.now() - report.started;
  const { reported, stopping } = catalogue.stop(failure);
  try {
    source.recordFailure(reported, report.summary.items, stopping ? catalogue.notStored() : null);
  } catch (err) {
    // With the disk full even this may be refused. The transaction is all or nothing, so the
    // log never holds half an event; the source stays 'running' under a process that is
    // gone, which the resume takes over. The message about the disk is the one to report.
    if (caseWriteCode(err) === null || !stopping) throw err;
  }
  throw reported;
}
