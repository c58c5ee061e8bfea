// One ingest's source in the case: the `sources` row and its custody events. Opens it (resuming
// an interrupted ingest of the same export, with what that run recorded), claims a new one once
// the scan knows the export's file list (refused if the case already holds it, already.ts),
// tells whether the export can still be read, and records how the run ended.
import { opendirSync, statSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import type { Case } from '../case.ts';
import { commitCatalogue, type RunningDigest } from '../custody/catalogueDigest.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import type { TopLevelKind } from '../sources/registry.ts';
import { requireExhibit } from './exhibit.ts';
import { earlierIngests, type ExportIdentity, type FileListDigest, fileFingerprint, holdSource, ingestRunning, refuseIfIngested } from './already.ts';
import type { IngestSummary } from './progress.ts';
import { currentRunner } from './runner.ts';

/** What the ingest needs of the caller's options here. */
export interface SourceOptions {
  officer: string;
  exhibit?: string | null;
  again?: boolean;
  reason?: string | null;
  signal?: AbortSignal;
}

/** A container to open: recorded by this run, or by the interrupted run a resume continues. */
export interface ContainerJob {
  itemPath: string;
  /** The container's store object; null for a folder container (an iPhone backup folder). */
  sha256: string | null;
  kind: string;
  depth: number;
  /** Where a folder container is on disk. */
  folder?: Buffer;
}

export class IngestSource {
  readonly kase: Case;
  readonly root: string;
  readonly kind: TopLevelKind;
  readonly st: Stats;
  private readonly opts: SourceOptions;
  id = 0;
  resumed = false;
  /** Paths the interrupted run recorded (a resume skips them). */
  readonly done = new Set<string>();
  /** Containers the interrupted run recorded: opened again, their recorded members skipped. */
  readonly containers: ContainerJob[] = [];
  private exhibitId: number | null = null;
  private unhold: (() => void) | null = null;
  /** Why the export can no longer be read, once a failure showed its drive is gone. */
  goneReason: string | null = null;

  constructor(kase: Case, opts: SourceOptions, root: string, kind: TopLevelKind, st: Stats) {
    this.kase = kase;
    this.opts = opts;
    this.root = root;
    this.kind = kind;
    this.st = st;
  }

  /**
   * Resumes an interrupted ingest of the same export into the same exhibit (a resume is not an
   * ingest "again"). A new ingest is claimed after the scan, by claim().
   */
  open(): void {
    const { kase, opts, root } = this;
    const db = kase.db;
    kase.ensureOfficer(opts.officer);
    // Checked by ingest() already (exhibit.ts); looked up, never recorded on the officer's behalf.
    const exhibitId = requireExhibit(kase, opts.exhibit);
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
    this.id = prior.id;
    this.unhold = holdSource(kase.layout.root, prior.id);
    for (const r of db.prepare('SELECT path FROM items WHERE source_id = ?').iterate(prior.id) as IterableIterator<{ path: string }>) {
      this.done.add(r.path);
    }
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
  async claim(fileList: FileListDigest): Promise<boolean> {
    const { kase, opts, root } = this;
    const db = kase.db;
    const identity: ExportIdentity = {
      caseRoot: kase.layout.root,
      root,
      kind: this.kind,
      fingerprint: this.kind === 'file' ? null : fileList.fingerprint(),
      files: this.kind === 'file' ? 1 : fileList.files,
      bytes: this.kind === 'file' ? this.st.size : fileList.bytes,
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
        this.id = claimed;
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

  /** A resumed source claimed before file lists were recorded gets this scan's (when the scan saw it all). */
  noteFingerprint(fileList: FileListDigest): void {
    const files = this.kind === 'file' ? 1 : fileList.files;
    const bytes = this.kind === 'file' ? this.st.size : fileList.bytes;
    this.kase.db
      .prepare('UPDATE sources SET fingerprint = ?, scan_files = ?, scan_bytes = ? WHERE id = ? AND scan_files IS NULL')
      .run(this.kind === 'file' ? null : fileList.fingerprint(), files, bytes, this.id);
  }

  /** Lets other ingests in this process see the source as free again. */
  release(): void {
    this.unhold?.();
    this.unhold = null;
  }

  /**
   * True when the export itself can no longer be read (its drive was removed or unmounted): the
   * root is gone, is now another folder (a lazily unmounted mount point), or cannot be listed.
   * Asked only after a read failed, to tell "this file is unreadable" from "the drive is gone".
   */
  gone(): boolean {
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

  /** A run stopped by `reported`: the source left 'interrupted' for the resume, the failure in the custody log, in one transaction. */
  recordFailure(reported: unknown, items: number, notStored: number | null): void {
    const { kase, opts } = this;
    const db = kase.db;
    db.transaction(() => {
      db.prepare("UPDATE sources SET status = 'interrupted', pid = NULL, runner = NULL WHERE id = ?").run(this.id);
      kase.custody.append({
        officer: opts.officer,
        action: 'ingest.failed',
        target: `source:${this.id}`,
        details: {
          source: this.root,
          error: reported instanceof EvidenceError ? reported.message : errorMessage(reported),
          ...(reported instanceof EvidenceError ? { code: reported.code } : {}),
          items,
          ...(notStored !== null ? { notStored } : {}),
        },
      });
    })();
  }

  /** The run's end in the sources table and the custody log, in one transaction; `digest`: the rows' digest kept by the run. */
  recordEnd(interrupted: boolean, summary: IngestSummary, counts: Record<string, number>, digest: RunningDigest | null = null): void {
    const { kase, opts } = this;
    const db = kase.db;
    db.transaction(() => {
      if (interrupted) {
        db.prepare("UPDATE sources SET status = 'interrupted', pid = NULL WHERE id = ?").run(this.id);
      } else {
        const total = db
          .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN kind = 'file' THEN size END), 0) AS bytes FROM items WHERE source_id = ?")
          .get(this.id) as { n: number; bytes: number };
        db.prepare("UPDATE sources SET status = 'finished', pid = NULL, finished_at = ?, summary = ? WHERE id = ?").run(
          kase.clock.now().toISOString(),
          JSON.stringify({ ...counts, totalItems: total.n, totalBytes: total.bytes }),
          this.id,
        );
      }
      kase.custody.append({
        officer: opts.officer,
        action: interrupted ? 'ingest.interrupted' : 'ingest.finished',
        target: `source:${this.id}`,
        // The digest of every row of the source, committed in the chain (custody/catalogueDigest.ts).
        details: {
          source: this.root,
          kind: this.kind,
          exhibit: opts.exhibit ?? null,
          ...counts,
          ...(summary.analysis ? { analysis: summary.analysis } : {}),
          catalogue: commitCatalogue(db, this.id, digest),
        },
      });
    })();
  }
}
