// Shared helpers for the unit and integration tests: temp folders that clean up after
// themselves, a fresh case, the CLI in-process and as a child process, the third-party samples
// folder, and external tools that may be absent.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { main } from '../../src/cli/main.ts';
import { type CaseSummary, EvidenceService } from '../../src/core/service.ts';

/** The project root (the folder with package.json). */
export const projectRoot = resolve(import.meta.dirname, '../..');
/** Third-party sample files, beside the project and never copied into it (see their README). */
export const samplesDir = resolve(projectRoot, '../shared/samples');
export const binPath = join(projectRoot, 'bin/evidence.js');

export const SAMPLES_MISSING =
  '../shared/samples not found: third-party samples are not in the repo; generated fixtures cover the same paths';

/** The samples folder, or null after marking the test skipped (callers `return` on null). */
export function samplesOrSkip(t: TestContext, sub = ''): string | null {
  const dir = join(samplesDir, sub);
  if (!existsSync(dir)) {
    t.skip(SAMPLES_MISSING);
    return null;
  }
  return dir;
}

/** A fresh temp folder, removed (whatever modes were left in it) when the test ends. */
export function tempDir(t: TestContext, prefix = 'evidence-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => removeTree(dir));
  return dir;
}

/** rm -rf that first gives back write/exec permission a test may have taken away. */
export function removeTree(dir: string): void {
  const fix = (p: string): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      try {
        chmodSync(p, 0o700);
      } catch {
        /* not ours */
      }
      for (const name of readdirSync(p)) fix(join(p, name));
    }
  };
  fix(dir);
  rmSync(dir, { recursive: true, force: true });
}

export interface TestCase {
  service: EvidenceService;
  casePath: string;
  summary: CaseSummary;
  officer: string;
  /** The creating officer (the case's admin), signed in. */
  session: string;
}

/** A new case in a temp folder through the engine's front door (EvidenceService). */
export function newCase(t: TestContext, info: { name?: string; number?: string; officer?: string } = {}): TestCase {
  const root = tempDir(t, 'evidence-case-');
  const casePath = join(root, 'case');
  const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
  t.after(() => service.close());
  const officer = info.officer ?? 'DS Tanaka';
  const summary = service.createCase({
    casePath,
    name: info.name ?? 'Operation Sakura',
    number: info.number ?? 'KH-2026-0142',
    officer,
    password: TEST_PASSWORD,
  });
  const { session } = service.signIn({ casePath, officer, password: TEST_PASSWORD });
  return { service, casePath, summary, officer, session };
}

/**
 * The exhibit a test ingests into when what it checks is not about exhibits. An ingest needs an
 * exhibit the case holds (src/core/ingest/exhibit.ts); tests record it through the front door.
 */
export const EXH = 'EXH-1';

/**
 * The exhibit `number` of the signed-in session's case, recorded (addExhibit, as an officer
 * records it) unless the case holds it already; returns the number, to pass to the ingest.
 */
export function exhibitIn(service: EvidenceService, session: string, number: string = EXH): string {
  try {
    service.addExhibit({ session, number });
  } catch (err) {
    // Already recorded (an earlier ingest of the test, or the test recorded it itself).
    if ((err as { code?: string }).code !== 'CONFLICT') throw err;
  }
  return number;
}

/**
 * Records exhibit `number` in the case at casePath (for tests that drive the CLI): signs in as
 * the case's first admin with the tests' password, records it, closes. Returns the number.
 */
export function recordExhibitAt(casePath: string, number: string = EXH, officer?: string): string {
  const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
  try {
    const who = officer ?? service.listOfficers({ casePath }).find((o) => o.role === 'admin')?.name;
    if (!who) throw new Error(`no admin officer in ${casePath} to record exhibit ${number}`);
    const { session } = service.signIn({ casePath, officer: who, password: TEST_PASSWORD });
    exhibitIn(service, session, number);
  } finally {
    service.close();
  }
  return number;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in this process (`main(argv, io)`), capturing what it prints. */
export async function runCli(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'evidence', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Runs `node bin/evidence.js ...` as a child process (real exit code, real stdout/stderr). */
export function runCliChild(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; prefix?: string[] } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const argv = [process.execPath, binPath, ...args];
    const cmd = opts.prefix?.length ? opts.prefix[0]! : argv.shift()!;
    const cmdArgs = opts.prefix?.length ? [...opts.prefix.slice(1), ...argv] : argv;
    const child = spawn(cmd, cmdArgs, {
      cwd: opts.cwd ?? projectRoot,
      env: { ...process.env, EVIDENCE_OFFICER: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolvePromise({
        code: code ?? (signal ? 128 : -1),
        out: Buffer.concat(out).toString('utf8'),
        err: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

const toolCache = new Map<string, boolean>();
/** True when an external program is on PATH. */
export function hasTool(name: string): boolean {
  let v = toolCache.get(name);
  if (v === undefined) {
    v = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
    toolCache.set(name, v);
  }
  return v;
}

/** The tool's path or null after marking the test skipped with a clear reason. */
export function toolOrSkip(t: TestContext, name: string, why = ''): boolean {
  if (hasTool(name)) return true;
  t.skip(`${name} is not installed${why ? ` (${why})` : ''}: install it (e.g. apt-get install ${name}) to run this check`);
  return false;
}

/** Runs a program to completion and returns stdout; throws with stderr on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export function digestsOf(data: Uint8Array): { md5: string; sha1: string; sha256: string } {
  return {
    md5: createHash('md5').update(data).digest('hex'),
    sha1: createHash('sha1').update(data).digest('hex'),
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}

/** True when this process runs as root (permission bits do not stop it reading). */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
