// A preload for timing `evidence ingest` from inside, loaded only by the benchmark:
//
//   EVIDENCE_BENCH_PROBE=/tmp/log.jsonl node --import ./test/bench/probe.ts bin/evidence.js ingest ...
//
// It appends one JSON line per event to the file named by $EVIDENCE_BENCH_PROBE (without it, it
// does nothing): the thread ids of the main thread and of each worker (so the benchmark can read
// each thread's CPU time from /proc), how long the officer's sign-in took (scrypt, a fixed cost
// that is not the ingest's), and when the ingest started, changed stage or phase (the progress
// events' `stage`: catalogue, then text, then index) and ended. It wraps the engine's public
// EvidenceService.ingest, which both the CLI and the job runner go through, and changes nothing
// else. Every time is Date.now() in ms, so the benchmark can set it against its own clock.
import { appendFileSync, readlinkSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const LOG = process.env.EVIDENCE_BENCH_PROBE;

export interface ProbeEvent {
  ev: 'main' | 'worker' | 'signIn' | 'ingestStart' | 'stage' | 'phase' | 'ingestEnd' | 'exit';
  t: number;
  pid: number;
  tid: number;
  ms?: number;
  stage?: string;
  phase?: string;
  error?: string;
}

function threadId(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return -1;
  }
}

if (LOG) {
  const tid = threadId();
  const put = (o: Omit<ProbeEvent, 't' | 'pid' | 'tid'>): void => {
    try {
      appendFileSync(LOG, JSON.stringify({ ...o, t: Date.now(), pid: process.pid, tid }) + '\n');
    } catch {
      /* a probe never breaks the run it measures */
    }
  };
  put({ ev: isMainThread ? 'main' : 'worker' });
  if (isMainThread) {
    const { EvidenceService } = await import('../../src/core/index.ts');
    const proto = EvidenceService.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const signIn = proto.signIn!;
    proto.signIn = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return signIn.apply(this, args);
      } finally {
        put({ ev: 'signIn', ms: performance.now() - t0 });
      }
    };
    const ingest = proto.ingest!;
    proto.ingest = async function (this: unknown, input: unknown, hooks: { onProgress?: (p: { stage?: string; phase?: string }) => void } = {}) {
      put({ ev: 'ingestStart' });
      let stage: string | undefined;
      let phase: string | undefined;
      const onProgress = (p: { stage?: string; phase?: string }): void => {
        if (p.stage !== undefined && p.stage !== stage) put({ ev: 'stage', stage: (stage = p.stage), phase: p.phase });
        if (p.phase !== undefined && p.phase !== phase) put({ ev: 'phase', phase: (phase = p.phase), stage: p.stage });
        hooks.onProgress?.(p as never);
      };
      try {
        return await (ingest.call(this, input, { ...hooks, onProgress }) as Promise<unknown>);
      } catch (err) {
        put({ ev: 'ingestEnd', error: String((err as Error)?.message ?? err) });
        throw err;
      } finally {
        put({ ev: 'ingestEnd' });
      }
    };
    process.on('exit', () => put({ ev: 'exit' }));
  }
}
