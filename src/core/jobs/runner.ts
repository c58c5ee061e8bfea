// Long work (ingest, verify) as jobs: started with an id, progress and the outcome reported as
// events, cancellable, its status queryable while it runs and for a while after. No Electron, no
// HTTP: the front doors subscribe with onEvent and forward what they receive (IPC webContents.send,
// SSE) unchanged.
import { randomUUID } from 'node:crypto';
import { EvidenceError, errorMessage } from '../errors.ts';

export type JobKind = 'ingest' | 'verify';
export type JobState = 'running' | 'finished' | 'cancelled' | 'failed';

export interface JobStatus {
  jobId: string;
  job: JobKind;
  casePath: string;
  officer: string;
  state: JobState;
  startedAt: string;
  finishedAt: string | null;
  /** The last progress reported (IngestProgress / VerifyProgress), or null before the first. */
  progress: unknown;
  /** The summary or report, once finished (a cancelled ingest finishes with status 'interrupted'). */
  result: unknown;
  error: { code: string; message: string } | null;
}

export type JobEvent =
  | { type: 'job.progress'; payload: { jobId: string; job: JobKind; casePath: string; progress: unknown } }
  | { type: 'job.finished'; payload: { jobId: string; job: JobKind; casePath: string; result: unknown } }
  | { type: 'job.failed'; payload: { jobId: string; job: JobKind; casePath: string; error: { code: string; message: string } } };

export interface JobContext {
  signal: AbortSignal;
  progress(p: unknown): void;
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
  start(job: JobKind, meta: { casePath: string; officer: string }, work: (ctx: JobContext) => Promise<unknown>): JobStatus {
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
    const sendProgress = (): void => {
      r.pending = null;
      r.lastSent = Date.now();
      r.dirty = false;
      if (status.state === 'running') this.emit({ type: 'job.progress', payload: { ...ref, progress: status.progress } });
    };
    const ctx: JobContext = {
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
        if (r.dirty) this.emit({ type: 'job.progress', payload: { ...ref, progress: status.progress } });
        status.result = result;
        status.state = abort.signal.aborted ? 'cancelled' : 'finished';
        status.finishedAt = new Date().toISOString();
        this.emit({ type: 'job.finished', payload: { ...ref, result } });
      } catch (err) {
        if (r.pending) clearTimeout(r.pending);
        const error =
          err instanceof EvidenceError || (err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && err.name === 'InputError')
            ? { code: (err as EvidenceError).code, message: err.message }
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
