// One way for the screens to follow an engine job (ingest, verify, export, reindex, hash set
// import): start it through its contract method, follow its events (progress, finished, failed),
// cancel it. Kept in one place because each screen had its own copy, and only one of them kept
// the events that arrive before the start call has answered with the job's id: a job that fails
// at once (a wrong path) can beat that answer over the host's event stream, and a screen that
// drops its failure says "running" for ever.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventPayload, EvidenceEvent } from '../shared/contract.ts';
import type { Client } from './api.ts';

export type JobKind = EventPayload<'job.progress'>['job'];
type ProgressByKind = { [P in EventPayload<'job.progress'> as P['job']]: P['progress'] };
type ResultByKind = { [P in EventPayload<'job.finished'> as P['job']]: P['result'] };
export type JobProgress<K extends JobKind> = ProgressByKind[K];
export type JobResult<K extends JobKind> = ResultByKind[K];
export type JobError = EventPayload<'job.failed'>['error'];

export interface JobState<K extends JobKind, Req> {
  jobId: string;
  running: boolean;
  cancelling: boolean;
  /** What the job was started with (the screen shows it and can start the same again). */
  request: Req;
  progress: JobProgress<K> | null;
  result: JobResult<K> | null;
  error: JobError | null;
}

export interface Job<K extends JobKind, Req> {
  state: JobState<K, Req> | null;
  start(req: Req): Promise<void>;
  cancel(session: string): Promise<void>;
  /** Forgets the finished job (the screen starts afresh). */
  reset(): void;
  /** Why the engine refused to start the job (its input, a permission), in its words. */
  startError: string | null;
}

/** What a screen does besides showing the state, each called for this job's events only. */
export interface JobHooks<K extends JobKind> {
  onProgress?(progress: JobProgress<K>): void;
  onFinished?(result: JobResult<K>, jobId: string): void;
  onFailed?(error: JobError): void;
}

/** Events of jobs whose id is not known yet: the last few of the last few jobs. */
const EARLY_JOBS = 8;
const EARLY_EVENTS = 20;

export function useJob<K extends JobKind, Req>(client: Client, kind: K, startJob: (req: Req) => Promise<{ jobId: string }>, hooks: JobHooks<K> = {}): Job<K, Req> {
  const [state, setState] = useState<JobState<K, Req> | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const jobRef = useRef<string | null>(null);
  const early = useRef(new Map<string, EvidenceEvent[]>());
  // The latest of what can change between renders, read by the one event subscription.
  const latest = useRef({ hooks, startJob });
  latest.current = { hooks, startJob };

  const apply = useCallback(
    (e: EvidenceEvent) => {
      const h = latest.current.hooks;
      if (e.type === 'job.progress' && e.payload.job === kind) {
        const progress = e.payload.progress as JobProgress<K>;
        setState((s) => (s ? { ...s, progress } : s));
        h.onProgress?.(progress);
      } else if (e.type === 'job.finished' && e.payload.job === kind) {
        const result = e.payload.result as JobResult<K>;
        setState((s) => (s ? { ...s, running: false, cancelling: false, result } : s));
        h.onFinished?.(result, e.payload.jobId);
      } else if (e.type === 'job.failed') {
        const error = e.payload.error;
        setState((s) => (s ? { ...s, running: false, cancelling: false, error } : s));
        h.onFailed?.(error);
      }
    },
    [kind],
  );

  useEffect(
    () =>
      client.onEvent((e) => {
        if (!e.type.startsWith('job.') || !e.payload.jobId) return;
        if (e.payload.jobId === jobRef.current) {
          apply(e);
          return;
        }
        const list = early.current.get(e.payload.jobId) ?? [];
        list.push(e);
        early.current.set(e.payload.jobId, list.slice(-EARLY_EVENTS));
        if (early.current.size > EARLY_JOBS) early.current.delete(early.current.keys().next().value!);
      }),
    [client, apply],
  );

  const start = useCallback(
    async (request: Req) => {
      setStartError(null);
      try {
        const { jobId } = await latest.current.startJob(request);
        jobRef.current = jobId;
        setState({ jobId, running: true, cancelling: false, request, progress: null, result: null, error: null });
        for (const e of early.current.get(jobId) ?? []) apply(e);
        early.current.delete(jobId);
      } catch (err) {
        setStartError((err as Error).message);
      }
    },
    [apply],
  );

  const cancel = useCallback(
    async (session: string) => {
      if (!jobRef.current) return;
      setState((s) => (s ? { ...s, cancelling: true } : s));
      try {
        await client.call('cancelJob', { session, jobId: jobRef.current });
      } catch (err) {
        setStartError((err as Error).message);
      }
    },
    [client],
  );

  const reset = useCallback(() => {
    jobRef.current = null;
    setState(null);
    setStartError(null);
  }, []);

  return { state, start, cancel, reset, startError };
}
