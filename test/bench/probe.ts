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
import { appendFileSync, readFileSync, readlinkSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const LOG = process.env.EVIDENCE_BENCH_PROBE;

export interface ProbeEvent {
  ev: 'main' | 'worker' | 'signIn' | 'ingestStart' | 'stage' | 'phase' | 'ingestEnd' | 'exit';
  t: number;
  pid: number;
  tid: number;
  ms?: number;
  /** CPU milliseconds of this thread over the same span (sign-in). */
  cpuMs?: number;
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

/** This thread's CPU time so far in ms (user + system), from /proc/thread-self/stat; NaN where unreadable. */
function threadCpuMs(): number {
  try {
    const s = readFileSync('/proc/thread-self/stat', 'utf8');
    const r = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // Clock ticks are 100 per second on Linux for every common configuration.
    return (Number(r[11]) + Number(r[12])) * 10;
  } catch {
    return Number.NaN;
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
      const c0 = threadCpuMs();
      try {
        return signIn.apply(this, args);
      } finally {
        put({ ev: 'signIn', ms: performance.now() - t0, cpuMs: threadCpuMs() - c0 });
      }
    };
    const ingest = proto.ingest!;
    type Hooks = { onProgress?: (p: { stage?: string; phase?: string }) => void };
    proto.ingest = async function (this: unknown, ...args: unknown[]) {
      const input = args[0];
      const hooks = (args[1] ?? {}) as Hooks;
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
