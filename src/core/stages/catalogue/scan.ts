// The counting scan, before the catalogue stage: the export's files and bytes for progress
// totals and an ETA, its file list for the "already ingested" check (ingest/already.ts), what a
// resume finds of the interrupted run's entries, and whether what is left will fit on the case's
// disk. Files' sizes only: their other attributes are read when the catalogue reaches them.
import { statfsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Case } from '../../case.ts';
import { FileListDigest } from '../../ingest/already.ts';
import type { IngestReport } from '../../ingest/progress.ts';
import type { IngestSource } from '../../ingest/source.ts';
import { type WalkOptions, walkFolder } from '../../sources/folder.ts';
import { isBackupFolder } from '../../sources/registry.ts';
import type { SourceEntry } from '../../sources/types.ts';

/** iPhone backup folders inside a folder export are opened as backups (unless --no-expand). */
export function walkOptionsFor(expand: boolean | undefined): WalkOptions {
  return expand === false ? {} : { containerFolder: (p) => (isBackupFolder(p) ? 'ios-backup' : null) };
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export class CountingScan {
  /** The export's file list as the scan found it (already.ts). */
  readonly fileList = new FileListDigest();
  /** The scan saw the whole export (not stopped by a cancel). */
  complete = false;
  /** Entries found that the interrupted run had recorded (a resume's check that this is the same export). */
  seenDone = 0;
  /** Folders, links and special files as the scan first saw them (reading them changes their access times). */
  readonly firstSeen = new Map<string, SourceEntry>();
  /** Bytes of the export's files not recorded yet: what still needs room in the case. */
  private pendingBytes = 0;
  private readonly kase: Case;
  private readonly source: IngestSource;
  private readonly report: IngestReport;
  private readonly expand: boolean | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(kase: Case, source: IngestSource, report: IngestReport, opts: { expand?: boolean; signal?: AbortSignal }) {
    this.kase = kase;
    this.source = source;
    this.report = report;
    this.expand = opts.expand;
    this.signal = opts.signal;
  }

  async run(): Promise<void> {
    const { source, report } = this;
    const progress = report.progress;
    if (source.kind === 'file') {
      progress.filesTotal = 1;
      progress.bytesTotal = source.st.size;
      if (!source.done.has(basename(source.root))) this.pendingBytes = source.st.size;
      this.complete = true;
      return;
    }
    for await (const e of walkFolder(source.root, { ...walkOptionsFor(this.expand), sizesOnly: true })) {
      if (this.signal?.aborted) break;
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
    this.complete = this.signal?.aborted !== true;
  }

  /**
   * Pre-flight: warns (does not refuse) when the export's files still to store will likely not
   * fit on the case's disk. The store keeps one copy of each distinct content, and the databases
   * need room for rows and their write-ahead logs, so this is an estimate either way; the run
   * stops cleanly if the disk does fill up, and the resume continues.
   */
  checkFreeSpace(onWarning?: (message: string) => void): void {
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
    onWarning?.(message);
  }
}
