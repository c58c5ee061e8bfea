// Driving our own CLI as a child process, exactly as an officer would: `evidence case init` into
// a fresh folder (untimed), then `evidence ingest <case> <source> --json` (timed; store copy on,
// the default). Also the probe that tells whether this build can ingest a ZIP yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, runTimed } from './measure.ts';
import type { ProbeEvent } from './probe.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPO, 'bin', 'evidence.js');
const PROBE = join(REPO, 'test', 'bench', 'probe.ts');
const TS_CACHE = join(REPO, 'src', 'core', 'workers', 'typescriptCache.mjs');

export interface IngestSummaryLike {
  status?: string;
  items?: number;
  files?: number;
  bytes?: number;
  errorCount?: number;
  members?: number;
  [k: string]: unknown;
}

/**
 * The benchmark's officer account: created by `case init`, signed in by every ingest through the
 * environment, as a script would (the CLI reads $EVIDENCE_OFFICER and $EVIDENCE_PASSWORD).
 */
export const OFFICER = 'Bench Runner';
export const ENV: NodeJS.ProcessEnv = { ...process.env, EVIDENCE_OFFICER: OFFICER, EVIDENCE_PASSWORD: 'bench-password-not-a-secret' };

let caseSeq = 0;

/** A new, empty case folder under `casesDir` (on the same file system as the trees). */
export function freshCase(casesDir: string): string {
  mkdirSync(casesDir, { recursive: true });
  const dir = join(casesDir, `case-${process.pid}-${++caseSeq}`);
  rmSync(dir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [CLI, 'case', 'init', dir, '--name', 'Benchmark', '--number', 'BENCH-1', '--officer', OFFICER], {
    encoding: 'utf8',
    env: ENV,
  });
  if (r.status !== 0) throw new Error(`evidence case init failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  // An ingest needs an exhibit the case holds (untimed, as the case's creation is).
  const x = spawnSync(process.execPath, [CLI, 'exhibit', 'add', dir, '--number', BENCH_EXHIBIT], { encoding: 'utf8', env: ENV });
  if (x.status !== 0) throw new Error(`evidence exhibit add failed (exit ${x.status}): ${x.stderr || x.stdout}`);
  return dir;
}

/** The exhibit every benchmark ingest goes into. */
export const BENCH_EXHIBIT = 'EXH-1';

export interface IngestRun extends RunResult {
  summary: IngestSummaryLike | null;
  /** The run failed (non-zero exit, no summary): its time means nothing. */
  problem: string | null;
  /** The run finished but not as expected (fewer files, items with errors): shown, still timed. */
  warning: string | null;
  /** What the probe (probe.ts) saw inside the run; null when it reported nothing. */
  probe: ProbeFigures | null;
}

/** Seconds are counted from the spawn of the CLI process, as the officer waits. */
export interface ProbeFigures {
  /** The officer's sign-in (scrypt): a fixed cost of every run, not the ingest's own. */
  signInSeconds: number | null;
  /** The main thread's CPU seconds in the sign-in. */
  signInCpuSeconds: number | null;
  ingestStart: number | null;
  ingestEnd: number | null;
  exit: number | null;
  /** When each stage was first reported (the progress events' `stage`), in order. */
  stages: { stage: string; at: number }[];
  /** When each phase (scanning, ingesting, finishing) was first reported, in order. */
  phases: { phase: string; at: number }[];
  /**
   * The catalogue is ready (listed, hashed, typed, stored, every row committed) when a later
   * stage starts, or, where no later stage ran, when the ingest ends. Null when this build
   * reports no stage at all (then the benchmark times an ingest with --no-text instead).
   */
  catalogueReady: number | null;
  /** CPU seconds (user + system) per kind of thread, read from /proc every 100 ms. */
  cpu: ThreadCpu | null;
}

export interface ThreadCpu {
  main: number;
  /** The ingest's worker threads together (hashing, type, metadata, text). */
  workers: number;
  workerCount: number;
  /** V8's helper threads (garbage collection, compilation) and libuv's thread pool. */
  other: number;
}

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(r.stdout?.trim()) || 100;
  }
  return clockTicks;
}

/** Reads the probe's log while the run goes: the pid, then every thread's CPU ticks so far. */
class ThreadSampler {
  pid: number | null = null;
  readonly ticks = new Map<number, number>();
  readonly log: string;
  constructor(log: string) {
    this.log = log;
  }
  tick(): void {
    if (this.pid === null) {
      try {
        const m = /"pid":(\d+)/.exec(readFileSync(this.log, 'utf8'));
        if (m) this.pid = Number(m[1]);
      } catch {
        return;
      }
      if (this.pid === null) return;
    }
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.pid}/task`);
    } catch {
      return; // exited
    }
    for (const t of tids) {
      try {
        const stat = readFileSync(`/proc/${this.pid}/task/${t}/stat`, 'utf8');
        // Fields after the command name (which may hold spaces): state is the first; utime and
        // stime are the 12th and 13th (fields 14 and 15 of proc(5)).
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        this.ticks.set(Number(t), Number(rest[11]) + Number(rest[12]));
      } catch {
        /* the thread ended between readdir and read */
      }
    }
  }
}

function readProbe(log: string, startedAt: number, sampler: ThreadSampler): ProbeFigures | null {
  let lines: ProbeEvent[];
  try {
    lines = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ProbeEvent);
  } catch {
    return null;
  }
  if (!lines.length) return null;
  const at = (e: ProbeEvent | undefined): number | null => (e ? (e.t - startedAt) / 1000 : null);
  const signIns = lines.filter((e) => e.ev === 'signIn');
  const stages: { stage: string; at: number }[] = [];
  const phases: { phase: string; at: number }[] = [];
  for (const e of lines) {
    if (e.ev === 'stage' && e.stage && !stages.some((s) => s.stage === e.stage)) stages.push({ stage: e.stage, at: at(e)! });
    if (e.ev === 'phase' && e.phase && !phases.some((s) => s.phase === e.phase)) phases.push({ phase: e.phase, at: at(e)! });
  }
  const ingestEnd = at(lines.find((e) => e.ev === 'ingestEnd'));
  const later = stages.find((s) => s.stage !== 'catalogue');
  const catalogueReady = later ? later.at : stages.length ? ingestEnd : null;
  let cpu: ThreadCpu | null = null;
  const main = lines.find((e) => e.ev === 'main');
  if (main && sampler.ticks.size) {
    const hz = ticksPerSecond();
    const workers = new Set(lines.filter((e) => e.ev === 'worker').map((e) => e.tid));
    cpu = { main: 0, workers: 0, workerCount: workers.size, other: 0 };
    for (const [tid, t] of sampler.ticks) {
      const s = t / hz;
      if (tid === main.tid) cpu.main += s;
      else if (workers.has(tid)) cpu.workers += s;
      else cpu.other += s;
    }
  }
  return {
    signInSeconds: signIns.length ? signIns.reduce((a, e) => a + (e.ms ?? 0), 0) / 1000 : null,
    signInCpuSeconds: signIns.length && signIns.every((e) => Number.isFinite(e.cpuMs)) ? signIns.reduce((a, e) => a + e.cpuMs!, 0) / 1000 : null,
    ingestStart: at(lines.find((e) => e.ev === 'ingestStart')),
    ingestEnd,
    exit: at(lines.find((e) => e.ev === 'exit')),
    stages,
    phases,
    catalogueReady,
    cpu,
  };
}

/**
 * Times `evidence ingest` of `source` into a fresh case (with `extraArgs`, e.g. --no-text), the
 * probe loaded; the case folder is removed afterwards.
 */
export async function timeIngest(casesDir: string, source: string, expectFiles: number | null, extraArgs: string[] = []): Promise<IngestRun> {
  const kase = freshCase(casesDir);
  const log = join(casesDir, `${kase.split('/').pop()}.probe.jsonl`);
  try {
    const sampler = new ThreadSampler(log);
    // The cache of stripped TypeScript first, as bin/evidence.js loads it: else the probe (a .ts
    // file) would make every run pay the stripping compiler's start-up the CLI no longer pays.
    const r = await runTimed(process.execPath, ['--import', TS_CACHE, '--import', PROBE, CLI, 'ingest', kase, source, '--exhibit', BENCH_EXHIBIT, '--json', ...extraArgs], {
      captureStdout: true,
      measure: true,
      env: { ...ENV, EVIDENCE_BENCH_PROBE: log },
      tick: () => sampler.tick(),
    });
    const probe = readProbe(log, r.startedAt, sampler);
    let summary: IngestSummaryLike | null = null;
    try {
      summary = JSON.parse(r.stdout) as IngestSummaryLike;
    } catch {
      summary = null;
    }
    let problem: string | null = null;
    let warning: string | null = null;
    if (r.exitCode !== 0) problem = `exit ${r.exitCode ?? r.signal}: ${r.stderrTail.trim().split('\n').slice(-3).join(' | ')}`;
    else if (!summary) problem = 'no JSON summary on stdout';
    else if (expectFiles !== null && typeof summary.files === 'number' && summary.files < expectFiles) {
      warning = `summary reports ${summary.files} files, expected at least ${expectFiles}`;
    } else if (summary.errorCount) warning = `${summary.errorCount} items recorded with errors`;
    return { ...r, summary, problem, warning, probe };
  } finally {
    rmSync(kase, { recursive: true, force: true });
    rmSync(log, { force: true });
  }
}

/**
 * Whether `evidence ingest` expands a ZIP: ingest a tiny zip of three files; supported when it
 * exits 0 and the JSON summary counts the members (files >= 3, or a `members` count >= 3).
 */
export function probeArchiveIngest(scratch: string, hasZip: boolean): { supported: boolean; reason: string } {
  if (!hasZip) return { supported: false, reason: 'the `zip` command is not installed (apt-get install zip), so no test archive can be made' };
  const dir = mkdtempSync(join(scratch, 'probe-'));
  try {
    const src = join(dir, 'src');
    mkdirSync(src);
    for (const n of ['alpha.txt', 'beta.txt', 'gamma.txt']) writeFileSync(join(src, n), `probe member ${n}\n`.repeat(20));
    const zip = join(dir, 'probe.zip');
    execFileSync('zip', ['-q', '-r', '-X', '-D', zip, '.'], { cwd: src, stdio: 'ignore' });
    const kase = freshCase(join(dir, 'cases'));
    const r = spawnSync(process.execPath, [CLI, 'ingest', kase, zip, '--exhibit', BENCH_EXHIBIT, '--json'], { encoding: 'utf8', timeout: 60_000, env: ENV });
    if (r.status !== 0) {
      const msg = (r.stderr || '').trim().split('\n').filter((l) => !/^ingest:|^scanning/.test(l)).pop() ?? '';
      return { supported: false, reason: `ingest of a zip exits ${r.status}${msg ? `: ${msg}` : ''}` };
    }
    let s: IngestSummaryLike;
    try {
      s = JSON.parse(r.stdout) as IngestSummaryLike;
    } catch {
      return { supported: false, reason: 'ingest of a zip printed no JSON summary' };
    }
    const members = typeof s.members === 'number' ? s.members : typeof s.files === 'number' ? s.files : 0;
    if (members >= 3) return { supported: true, reason: `a 3-member zip was ingested (summary: ${members} files)` };
    return { supported: false, reason: `ingest of a 3-member zip reported ${members} file(s): members not expanded` };
  } catch (err) {
    return { supported: false, reason: `probe failed: ${(err as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
