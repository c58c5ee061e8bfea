// Long work on the command line as the app runs it: started as a job through the contract
// (startIngest, startVerify), followed by its events (progress, then finished or failed), and
// cancelled with cancelJob. The CLI and the app so run the same code path, and the CLI sees
// exactly what the app sees.
import type { EvidenceEvent, JobKind, JobProgress, JobResult } from '../shared/contract.ts';
import { type ErrorCode, EvidenceError } from '../core/index.ts';
import type { Ctx } from './context.ts';

export interface FollowedJob<K extends JobKind> {
  jobId: string;
  /** The job's result (finished, or cancelled with a result such as an interrupted ingest). */
  result: Promise<JobResult<K>>;
  /** Asks the job to stop; it ends on its own terms (an ingest after the files in progress). */
  cancel(): void;
}

/**
 * Starts a job with `start` and follows it: `onProgress` with each progress event, the result
 * when it finishes, and its failure thrown as the EvidenceError the engine raised (same code, so
 * the same exit code as when the work was called directly).
 */
export function followJob<K extends JobKind>(
  ctx: Ctx,
  session: string,
  start: () => { jobId: string },
  onProgress: (p: JobProgress<K>) => void,
): FollowedJob<K> {
  // Subscribed before the start, so not even a first event can be missed.
  const early: EvidenceEvent[] = [];
  let jobId: string | null = null;
  let settle: ((e: EvidenceEvent) => void) | null = null;
  const ended = new Promise<EvidenceEvent>((res) => (settle = res));
  const handle = (e: EvidenceEvent): void => {
    if (e.payload.jobId !== jobId) return;
    if (e.type === 'job.progress') onProgress(e.payload.progress as JobProgress<K>);
    else settle?.(e);
  };
  const off = ctx.service.onEvent((e) => (jobId === null ? early.push(e) : handle(e)));
  try {
    jobId = start().jobId;
  } catch (err) {
    off();
    throw err;
  }
  for (const e of early.splice(0)) handle(e);
  const id = jobId;
  const result = ended
    .then((e): JobResult<K> => {
      if (e.type === 'job.finished') return e.payload.result as JobResult<K>;
      if (e.type === 'job.failed') throw new EvidenceError(e.payload.error.code as ErrorCode, e.payload.error.message);
      throw new EvidenceError('INTERNAL', `The job ${id} ended without a result.`);
    })
    .finally(off);
  return {
    jobId: id,
    result,
    cancel: () => {
      try {
        ctx.service.cancelJob({ session, jobId: id });
      } catch {
        // Already over: nothing to stop.
      }
    },
  };
}
