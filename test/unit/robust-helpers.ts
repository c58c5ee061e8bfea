// Helpers for the robustness tests (resume, tamper, store, pool): seeded content, generated
// export trees, the real CLI as a child process, and an independent look at a case's store.
// Deliberately self-contained: nothing here imports the engine, so what the tests check is
// computed a second way.
import '../setup.ts';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO, 'bin', 'evidence.js');

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Deterministic bytes: a seeded stream, 4 bytes per step. */
export function seededBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  for (; i < n; i++) b[i] = (rand() * 256) >>> 0;
  return b;
}

/**
 * A fast deterministic byte stream for bulk content: AES-128-CTR keystream under a key derived
 * from the seed (hundreds of MB/s, against a few tens for a JS generator).
 */
export class ByteStream {
  private readonly cipher;
  constructor(seed: number) {
    const key = createHash('sha256').update(`evidence-test-seed:${seed}`).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }
  next(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ev-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
export const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');
export const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

export interface TreeSpec {
  seed: number;
  /** Folders of small files (100 B to 20 KiB). */
  dirs: number;
  filesPerDir: number;
  /** Large files (2-5 MiB) placed in a sub-folder of the middle folder. */
  large: number;
  largeMin?: number;
  largeMax?: number;
  /** Copies of an earlier small file's content, so the store deduplicates. */
  duplicates?: number;
}

export interface GeneratedFile {
  path: string;
  size: number;
  sha256: string;
}

const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PDF_HEAD = Buffer.from('%PDF-1.4\n');

/**
 * Writes an export tree: dirs d00.. with small files of mixed kinds (text, a few with image and
 * PDF magic bytes, random binary), and `large` big files under d<middle>/video. Returns every
 * file written with its SHA-256.
 */
export function generateTree(root: string, spec: TreeSpec): GeneratedFile[] {
  const rand = prng(spec.seed);
  const bytes = new ByteStream(spec.seed);
  const files: GeneratedFile[] = [];
  const made = new Set<string>();
  const put = (rel: string, data: Buffer): void => {
    const p = join(root, rel);
    const d = dirname(p);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(p, data);
    files.push({ path: rel, size: data.byteLength, sha256: sha256(data) });
  };
  const width = String(Math.max(spec.dirs - 1, 1)).length;
  const middle = Math.floor(spec.dirs / 2);
  for (let d = 0; d < spec.dirs; d++) {
    const dir = `d${String(d).padStart(Math.max(2, width), '0')}`;
    for (let f = 0; f < spec.filesPerDir; f++) {
      const size = randInt(rand, 100, 20 * 1024);
      const body = bytes.next(size);
      const pick = f % 10;
      let name: string;
      if (pick === 0) {
        JPEG_HEAD.copy(body);
        name = `IMG_${String(f).padStart(4, '0')}.jpg`;
      } else if (pick === 1) {
        PNG_HEAD.copy(body);
        name = `shot_${f}.png`;
      } else if (pick === 2) {
        PDF_HEAD.copy(body);
        name = `doc_${f}.pdf`;
      } else if (pick < 6) {
        const text = Buffer.from(`message ${d}/${f}: ${body.toString('base64')}\n`).subarray(0, size);
        name = `note_${f}.txt`;
        put(`${dir}/${name}`, text);
        continue;
      } else {
        name = `blob_${f}.bin`;
      }
      put(`${dir}/${name}`, body);
    }
    if (d === middle) {
      for (let k = 0; k < spec.large; k++) {
        const size = randInt(rand, spec.largeMin ?? 2 * 1024 * 1024, spec.largeMax ?? 5 * 1024 * 1024);
        put(`${dir}/video/clip_${k}.mp4`, bytes.next(size));
      }
    }
  }
  for (let k = 0; k < (spec.duplicates ?? 0) && files.length > 0; k++) {
    const src = files[randInt(rand, 0, Math.min(files.length, spec.dirs * spec.filesPerDir) - 1)]!;
    put(`dups/copy_${k}_${src.path.replaceAll('/', '_')}`, readFileSync(join(root, src.path)));
  }
  return files;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The password of the officer who creates each test case (the CLI signs in for evidence work). */
export const TEST_PASSWORD = 'correct horse battery staple';

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    EVIDENCE_PASSWORD: TEST_PASSWORD,
    // The lowest scrypt cost the CLI accepts: sign-in per command stays cheap in tests.
    EVIDENCE_SCRYPT_N: String(2 ** 14),
  };
  // Work is done as the officer who created the case unless a test says otherwise.
  delete env.EVIDENCE_OFFICER;
  return env;
}

/** Runs `evidence <args>` to completion. */
export function runCli(args: string[], opts: { timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: childEnv(),
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `evidence <args>` and returns the child plus a promise of its outcome. */
export function startCli(args: string[]): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<RunResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function describeRun(r: RunResult): string {
  return `exit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** The exhibit the robustness tests ingest into (an ingest needs an exhibit the case holds). */
export const CLI_EXHIBIT = 'EXH-1';

/** `evidence case init`, then `evidence exhibit add` for each of `exhibits` (default: CLI_EXHIBIT). */
export function initCase(dir: string, number = 'KH-2026-0142', officer = 'Sok Dara', exhibits: string[] = [CLI_EXHIBIT]): void {
  const r = runCli(['case', 'init', dir, '--name', 'Operation Test', '--number', number, '--officer', officer]);
  if (r.code !== 0) throw new Error(`case init failed: ${describeRun(r)}`);
  for (const x of exhibits) {
    const e = runCli(['exhibit', 'add', dir, '--number', x]);
    if (e.code !== 0) throw new Error(`exhibit add ${x} failed: ${describeRun(e)}`);
  }
}

/** Every regular file under dir, as paths relative to it ('/'-separated). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every folder under dir (relative paths). */
export function listDirs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      out.push(relative(dir, p));
      walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

export function isSqliteCliAvailable(): boolean {
  const r = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/** Runs SQL through the sqlite3 command-line shell (a tool outside the app, as an attacker would). */
export function sqlite3Cli(dbFile: string, sql: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sqlite3', [dbFile], { input: sql, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function fileMode(p: string): number {
  return statSync(p).mode & 0o777;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
