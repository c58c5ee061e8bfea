// Driving our own CLI as a child process, exactly as an officer would: `evidence case init` into
// a fresh folder (untimed), then `evidence ingest <case> <source> --json` (timed; store copy on,
// the default). Also the probe that tells whether this build can ingest a ZIP yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, runTimed } from './measure.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPO, 'bin', 'evidence.js');

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
const ENV: NodeJS.ProcessEnv = { ...process.env, EVIDENCE_OFFICER: OFFICER, EVIDENCE_PASSWORD: 'bench-password-not-a-secret' };

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
  return dir;
}

export interface IngestRun extends RunResult {
  summary: IngestSummaryLike | null;
  /** The run failed (non-zero exit, no summary): its time means nothing. */
  problem: string | null;
  /** The run finished but not as expected (fewer files, items with errors): shown, still timed. */
  warning: string | null;
}

/** Times `evidence ingest` of `source` into a fresh case; the case folder is removed afterwards. */
export async function timeIngest(casesDir: string, source: string, expectFiles: number | null): Promise<IngestRun> {
  const kase = freshCase(casesDir);
  try {
    const r = await runTimed(process.execPath, [CLI, 'ingest', kase, source, '--json'], { captureStdout: true, measure: true, env: ENV });
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
    return { ...r, summary, problem, warning };
  } finally {
    rmSync(kase, { recursive: true, force: true });
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
    const r = spawnSync(process.execPath, [CLI, 'ingest', kase, zip, '--json'], { encoding: 'utf8', timeout: 60_000, env: ENV });
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
