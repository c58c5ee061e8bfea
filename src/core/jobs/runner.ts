// Long work (ingest, verify) as jobs: started with an id, progress and the outcome reported as
// events, cancellable, its status queryable while it runs and for a while after. No Electron, no
// HTTP: the front doors subscribe with onEvent and forward what they receive (IPC webContents.send,
// SSE) unchanged.
import { randomUUID } from 'node:crypto';
import { EvidenceError, errorMessage } from '../errors.ts';
import { damagedCase } from '../db/open.ts';
import { caseWriteCode, caseWriteRemedy, describeCaseWriteCode } from '../store/writeFaults.ts';

// The job kinds, their progress and results, a job's status and its events are the contract's
// (src/shared): defined once, and checked against their schemas at the front doors.
import type { EvidenceEvent, JobKind, JobProgress, JobResult, JobState, JobStatus } from '../../shared/contract.ts';
export type { JobKind, JobState, JobStatus };
export type JobEvent = EvidenceEvent;

export interface JobContext<K extends JobKind = JobKind> {
  signal: AbortSignal;
  progress(p: JobProgress<K>): void;
}

interface Running {
  status: JobStatus;
  abort: AbortController;
  lastSent: number;
  /** Progress reported but not yet sent. */
  dirty: boolean;
  pending: ReturnType<typeof setTimeout> | null;
  done: Promise<void>;
}

export interface JobRunnerOptions {
  /** Progress events at most this often per job (the latest wins; default 100 ms). */
  progressEveryMs?: number;
  /** Finished jobs kept for jobStatus (default 50). */
  keepFinished?: number;
}

export class JobRunner {
  private readonly jobs = new Map<string, Running>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly every: number;
  private readonly keep: number;

  constructor(opts: JobRunnerOptions = {}) {
    this.every = opts.progressEveryMs ?? 100;
    this.keep = opts.keepFinished ?? 50;
  }

  /** Subscribes to every job's events; returns the unsubscribe function. */
  onEvent(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: JobEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A front door's failure to deliver never stops the job.
      }
    }
  }

  /** Starts `work` as a job and returns its status at once; the work runs on. */
  start<K extends JobKind>(job: K, meta: { casePath: string; officer: string }, work: (ctx: JobContext<K>) => Promise<JobResult<K>>): JobStatus {
    const jobId = randomUUID();
    const abort = new AbortController();
    const status: JobStatus = {
      jobId,
      job,
      casePath: meta.casePath,
      officer: meta.officer,
      state: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: null,
      result: null,
      error: null,
    };
    const r: Running = { status, abort, lastSent: 0, dirty: false, pending: null, done: Promise.resolve() };
    const ref = { jobId, job, casePath: meta.casePath };
    // start()'s signature pairs the job's kind with its progress and result; TypeScript cannot
    // carry that pairing into the event union, hence the casts (every event is checked against its
    // schema at the front doors, forwardEvents and the browser host's SSE).
    const progressEvent = (): JobEvent => ({ type: 'job.progress', payload: { ...ref, progress: status.progress } }) as JobEvent;
    const sendProgress = (): void => {
      r.pending = null;
      r.lastSent = Date.now();
      r.dirty = false;
      if (status.state === 'running') this.emit(progressEvent());
    };
    const ctx: JobContext<K> = {
      signal: abort.signal,
      progress: (p) => {
        status.progress = p;
        r.dirty = true;
        const wait = this.every - (Date.now() - r.lastSent);
        if (wait <= 0) sendProgress();
        else r.pending ??= setTimeout(sendProgress, wait);
      },
    };
    this.jobs.set(jobId, r);
    r.done = (async () => {
      // Let the caller have the job id before the first event.
      await new Promise<void>((res) => setImmediate(res));
      try {
        const result = await work(ctx);
        if (r.pending) clearTimeout(r.pending);
        // The last progress (e.g. 100 %) is never lost to the rate limit.
        if (r.dirty) this.emit(progressEvent());
        status.result = result;
        status.state = abort.signal.aborted ? 'cancelled' : 'finished';
        status.finishedAt = new Date().toISOString();
        this.emit({ type: 'job.finished', payload: { ...ref, result } } as JobEvent);
      } catch (err) {
        if (r.pending) clearTimeout(r.pending);
        // The last progress (e.g. a warning that came with it) is not lost to a failure either.
        if (r.dirty && status.state === 'running') this.emit(progressEvent());
        const damaged = damagedCase(err);
        const write = caseWriteCode(err);
        const error =
          err instanceof EvidenceError || (err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && err.name === 'InputError')
            ? { code: (err as EvidenceError).code, message: err.message }
            : damaged
              ? { code: damaged.code, message: damaged.message }
              : write
                ? // The disk's fault, not a bug (the same words and code as a front door gives it).
                  { code: 'CASE_UNWRITABLE', message: `${describeCaseWriteCode(write)} (${errorMessage(err)}); ${caseWriteRemedy(write, meta.casePath)} and start it again to resume.` }
                : { code: 'INTERNAL', message: `Internal error: ${errorMessage(err)}` };
        status.error = error;
        status.state = abort.signal.aborted ? 'cancelled' : 'failed';
        status.finishedAt = new Date().toISOString();
        this.emit({ type: 'job.failed', payload: { ...ref, error } });
      } finally {
        this.prune();
      }
    })();
    return { ...status };
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - this.keep))) this.jobs.delete(j.status.jobId);
  }

  get(jobId: string): JobStatus {
    const r = this.jobs.get(jobId);
    if (!r) throw new EvidenceError('NOT_FOUND', `There is no job ${jobId} (it never ran here, or finished long ago).`);
    return { ...r.status };
  }

  /** Asks a running job to stop; an ingest stops after the files in progress and can be resumed. */
  cancel(jobId: string): JobStatus {
    const r = this.jobs.get(jobId);
    if (!r) throw new EvidenceError('NOT_FOUND', `There is no job ${jobId}.`);
    if (r.status.state === 'running') r.abort.abort();
    return { ...r.status };
  }

  /** Resolves when the job has ended (for tests and shutdown). */
  async settled(jobId: string): Promise<JobStatus> {
    const r = this.jobs.get(jobId);
    if (!r) throw new EvidenceError('NOT_FOUND', `There is no job ${jobId}.`);
    await r.done;
    return { ...r.status };
  }

  running(): JobStatus[] {
    return [...this.jobs.values()].filter((j) => j.status.state === 'running').map((j) => ({ ...j.status }));
  }

  /** Cancels every running job and waits for them to stop. */
  async stopAll(): Promise<void> {
    const all = [...this.jobs.values()];
    for (const j of all) if (j.status.state === 'running') j.abort.abort();
    await Promise.all(all.map((j) => j.done));
  }
}
