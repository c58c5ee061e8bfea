// Recognising an export already ingested into the case. Ingesting the same export twice would
// catalogue every item twice (and double every suggestion and search hit), so it is refused
// unless asked for (`again`, with a reason that goes into the custody log).
//
// An export is "the same" when it is at the same path, or anywhere when its contents are the
// same: a folder (or an iPhone backup folder) with the same file list (relative paths and sizes;
// a copy keeps those, not times or inodes), a single file (ZIP, TAR, UFDR, .ab, ...) with the
// same SHA-256. The check and the claim of the new source run in one IMMEDIATE transaction, so
// two ingests of the same export started at the same instant cannot both pass it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';
import { openEvidence } from '../sources/folder.ts';
import { runnerIsAlive } from './runner.ts';
import type { SourceEntry } from '../sources/types.ts';

/**
 * The file list of a folder export, digested while the counting scan walks it. The walk's order
 * is fixed (depth first, names in byte order), so a copy of the folder digests alike wherever it
 * is mounted, with no list to hold and sort in memory.
 */
export class FileListDigest {
  private readonly hash = createHash('sha256');
  files = 0;
  bytes = 0;

  add(e: Pick<SourceEntry, 'kind' | 'path' | 'pathRaw' | 'size'>): void {
    const size = e.kind === 'file' ? String(e.size ?? '') : '';
    this.hash.update(`${e.kind}\0`);
    this.hash.update(e.pathRaw ?? Buffer.from(e.path));
    this.hash.update(`\0${size}\n`);
    if (e.kind === 'file') {
      this.files++;
      this.bytes += e.size ?? 0;
    }
  }

  /** Null for an export without a single file: two empty folders are not "the same export". */
  fingerprint(): string | null {
    return this.files > 0 ? `files-sha256:${this.hash.digest('hex')}` : null;
  }
}

/** SHA-256 of a single-file export, read as evidence is read (read-only, no atime); null if stopped. */
export async function fileFingerprint(path: string, signal?: AbortSignal): Promise<string | null> {
  const hash = createHash('sha256');
  const stream = createReadStream('', { fd: openEvidence(path), highWaterMark: 1024 * 1024 });
  for await (const chunk of stream) {
    if (signal?.aborted) {
      stream.destroy();
      return null;
    }
    hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Sources being ingested by this process (the desktop app and the browser host run jobs in process). */
const activeHere = new Set<string>();

/** Marks a source as being ingested by this process; returns the release. */
export function holdSource(caseRoot: string, sourceId: number): () => void {
  const key = `${caseRoot}\0${sourceId}`;
  activeHere.add(key);
  return () => activeHere.delete(key);
}

/** Whether another ingest, in this process or another live one, is working on the source now. */
export function ingestRunning(caseRoot: string, sourceId: number, runner: string | null): { alive: boolean; pid: number | null } {
  if (activeHere.has(`${caseRoot}\0${sourceId}`)) return { alive: true, pid: process.pid };
  return runnerIsAlive(runner);
}

export interface ExportIdentity {
  caseRoot: string;
  root: string;
  kind: 'folder' | 'ios-backup' | 'file';
  /** Folder: 'files-sha256:<hex>' (null without files); file: 'sha256:<hex>' once hashed, else null. */
  fingerprint: string | null;
  files: number;
  bytes: number;
}

interface SourceRow {
  id: number;
  kind: string;
  root_path: string;
  status: string;
  runner: string | null;
  started_at: string;
  finished_at: string | null;
  fingerprint: string | null;
  scan_files: number | null;
  scan_bytes: number | null;
  summary: string | null;
  exhibit: string | null;
}

interface Earlier {
  row: SourceRow;
  samePath: boolean;
  /** true: same contents; false: different; null: not known (an older source or not hashed yet). */
  sameContent: boolean | null;
}

function utcMinute(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function itemCount(db: DB, row: SourceRow): number {
  if (row.status === 'finished' && row.summary) {
    try {
      const s = JSON.parse(row.summary) as { totalItems?: number };
      if (typeof s.totalItems === 'number') return s.totalItems;
    } catch {
      // Counted below.
    }
  }
  return (db.prepare('SELECT COUNT(*) AS n FROM items WHERE source_id = ?').get(row.id) as { n: number }).n;
}

function describe(db: DB, row: SourceRow): string {
  const when = utcMinute(row.status === 'finished' ? (row.finished_at ?? row.started_at) : row.started_at);
  const n = itemCount(db, row);
  return `source ${row.id} on ${when} (${row.exhibit ? `exhibit ${row.exhibit}` : 'no exhibit'}, ${n} item${n === 1 ? '' : 's'})`;
}

/**
 * Every earlier ingest of this export, or {needHash} when a single file has the size of an
 * earlier one whose SHA-256 is known: only then is the file read once more to compare (most
 * files differ in size, so most single-file ingests never pay for the extra read).
 */
export function earlierIngests(db: DB, id: ExportIdentity, opts: { hash: boolean }): Earlier[] | { needHash: true } {
  const rows = db
    .prepare(
      `SELECT s.id, s.kind, s.root_path, s.status, s.runner, s.started_at, s.finished_at, s.fingerprint, s.scan_files, s.scan_bytes,
              s.summary, e.number AS exhibit
       FROM sources s LEFT JOIN exhibits e ON e.id = s.exhibit_id ORDER BY s.id`,
    )
    .all() as SourceRow[];
  const topItem = db.prepare('SELECT size, sha256 FROM items WHERE source_id = ? AND path = ? AND depth = 0');
  const out: Earlier[] = [];
  for (const row of rows) {
    const samePath = row.root_path === id.root;
    let sameContent: boolean | null = null;
    if (id.kind === 'file') {
      if (row.kind !== 'file') sameContent = false;
      else {
        // The acquisition hash of a single-file source is its first item's (or the fingerprint, where hashed up front).
        const top = topItem.get(row.id, basename(row.root_path)) as { size: number | null; sha256: string | null } | undefined;
        const size = row.scan_bytes ?? top?.size ?? null;
        const sha = row.fingerprint ?? (top?.sha256 ? `sha256:${top.sha256}` : null);
        if (size !== null && size !== id.bytes) sameContent = false;
        else if (size !== null && sha !== null) {
          if (id.fingerprint) sameContent = sha === id.fingerprint;
          else if (opts.hash && !samePath) return { needHash: true };
        }
      }
    } else if (row.kind === 'file') {
      sameContent = false;
    } else if (row.fingerprint && id.fingerprint) {
      sameContent = row.fingerprint === id.fingerprint;
    } else if (row.fingerprint || id.fingerprint) {
      sameContent = row.fingerprint === null && row.scan_files === null ? null : false;
    }
    if (samePath || sameContent === true) out.push({ row, samePath, sameContent });
  }
  return out;
}

/**
 * Refuses the ingest of an export this case already holds, naming the earlier source and its
 * date; with `again` it goes ahead and returns the earlier source to record beside the reason.
 * An ingest of the same export running right now is refused either way (CASE_LOCKED).
 */
export function refuseIfIngested(db: DB, id: ExportIdentity, earlier: Earlier[], again: boolean): { previousSource: number | null } {
  const running = earlier.find((e) => (e.row.status === 'running' ? ingestRunning(id.caseRoot, e.row.id, e.row.runner).alive : false));
  if (running) {
    const other = ingestRunning(id.caseRoot, running.row.id, running.row.runner);
    throw new EvidenceError(
      'CASE_LOCKED',
      `${running.samePath ? id.root : `The same export (now at ${id.root})`} is being ingested into this case right now, as source ${running.row.id}` +
        `${other.pid && other.pid !== process.pid ? ` by process ${other.pid}` : ''}. Wait for that ingest to finish, or stop it first.`,
    );
  }
  const finished = earlier.filter((e) => e.row.status === 'finished');
  const unfinished = earlier.filter((e) => e.row.status !== 'finished');
  // The first ingest of it is the one to name (later ones are listed after it).
  const first = finished[0] ?? unfinished[0] ?? null;
  if (again || !first) return { previousSource: first?.row.id ?? null };
  const r = first.row;
  let what: string;
  if (first.samePath) {
    what = `${id.root} was ${r.status === 'finished' ? 'already ingested' : 'already being ingested'} into this case as ${describe(db, r)}`;
    if (first.sameContent === false) {
      what +=
        id.kind === 'file'
          ? '; the file there now differs from the one ingested then'
          : `; what is there now differs from what was ingested then (${id.files} files now${r.scan_files !== null ? `, ${r.scan_files} then` : ''})`;
    }
  } else {
    what =
      id.kind === 'file'
        ? `${id.root} has the same SHA-256 (${id.fingerprint?.slice(7, 23)}…) as ${r.root_path}, ${r.status === 'finished' ? 'already ingested' : 'already being ingested'} into this case as ${describe(db, r)}`
        : `${id.root} holds the same files (the same names and sizes, ${id.files} files) as ${r.root_path}, ${r.status === 'finished' ? 'already ingested' : 'already being ingested'} into this case as ${describe(db, r)}`;
  }
  const others = [...finished, ...unfinished].filter((e) => e !== first);
  if (others.length > 0) what += `, and again as source${others.length > 1 ? 's' : ''} ${others.map((e) => e.row.id).join(', ')}`;
  const advice =
    r.status === 'finished'
      ? 'Ingesting it again would catalogue every item a second time.'
      : `That ingest stopped before the end: to finish it, ingest ${r.root_path}${r.exhibit ? ` into exhibit ${r.exhibit}` : ''} again (it resumes where it stopped).`;
  throw new EvidenceError('ALREADY_INGESTED', `${what}. ${advice}`);
}
