// Running one contender as a child process: wall time measured here, peak RSS and CPU time from
// GNU time (`/usr/bin/time -v`) where installed, else by polling /proc/<pid>/status every 50 ms
// (VmHWM, the kernel's high-water mark so far; one process covers all its worker threads).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult {
  seconds: number;
  /** Date.now() when the child was spawned (to set the probe's event times against). */
  startedAt: number;
  exitCode: number | null;
  signal: string | null;
  /** Peak resident set size in KiB, or null where it could not be measured. */
  peakRssKiB: number | null;
  userSeconds: number | null;
  systemSeconds: number | null;
  stdout: string;
  /** The last few KiB of stderr, for error reports. */
  stderrTail: string;
}

const GNU_TIME = '/usr/bin/time';

let gnuTimeOk: boolean | null = null;
/** Whether /usr/bin/time is GNU time with -v and -o (BusyBox and BSD time differ). */
export function hasGnuTime(): boolean {
  if (gnuTimeOk !== null) return gnuTimeOk;
  gnuTimeOk = false;
  if (existsSync(GNU_TIME)) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
    try {
      const out = join(dir, 't');
      const r = spawnSync(GNU_TIME, ['-v', '-o', out, 'true'], { stdio: 'ignore' });
      gnuTimeOk = r.status === 0 && /Maximum resident set size/.test(readFileSync(out, 'utf8'));
    } catch {
      gnuTimeOk = false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return gnuTimeOk;
}

function parseGnuTime(text: string): { peakRssKiB: number | null; user: number | null; sys: number | null } {
  const num = (re: RegExp): number | null => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    peakRssKiB: num(/Maximum resident set size \(kbytes\): (\d+)/),
    user: num(/User time \(seconds\): ([\d.]+)/),
    sys: num(/System time \(seconds\): ([\d.]+)/),
  };
}

function readHwmKiB(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(s) ?? /VmRSS:\s+(\d+) kB/.exec(s);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export interface RunOptions {
  cwd?: string;
  /** Keep stdout (else it goes to /dev/null). */
  captureStdout?: boolean;
  /** Measure peak RSS and CPU time. */
  measure?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Called every 100 ms while the child runs (e.g. to read its threads' CPU time from /proc). */
  tick?: () => void;
}

const TAIL = 8 * 1024;

/** Runs cmd to completion; never throws for a non-zero exit (the caller decides). */
export function runTimed(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const useTime = opts.measure === true && hasGnuTime();
  const tdir = useTime ? mkdtempSync(join(tmpdir(), 'bench-time-')) : null;
  const tfile = tdir ? join(tdir, 'time.txt') : null;
  const file = useTime ? GNU_TIME : cmd;
  const argv = useTime ? ['-v', '-o', tfile!, cmd, ...args] : args;
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const startedAt = Date.now();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      if (err.length > 2 * TAIL) err = err.slice(-TAIL);
    });
    let polled: number | null = null;
    let timer: NodeJS.Timeout | null = null;
    const ticker = opts.tick ? setInterval(opts.tick, 100) : null;
    if (opts.measure && !useTime && child.pid !== undefined) {
      const pid = child.pid;
      timer = setInterval(() => {
        const v = readHwmKiB(pid);
        if (v !== null) polled = Math.max(polled ?? 0, v);
      }, 50);
    }
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      if (ticker) clearInterval(ticker);
      if (tdir) rmSync(tdir, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (timer) clearInterval(timer);
      if (ticker) clearInterval(ticker);
      let peak: number | null = polled;
      let user: number | null = null;
      let sys: number | null = null;
      if (tfile) {
        try {
          const g = parseGnuTime(readFileSync(tfile, 'utf8'));
          peak = g.peakRssKiB;
          user = g.user;
          sys = g.sys;
        } catch {
          /* the child died before time wrote its report */
        }
        rmSync(tdir!, { recursive: true, force: true });
      }
      resolvePromise({
        seconds,
        startedAt,
        exitCode: code,
        signal,
        peakRssKiB: peak,
        userSeconds: user,
        systemSeconds: sys,
        stdout: Buffer.concat(out).toString('utf8'),
        stderrTail: err.slice(-TAIL),
      });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** First line of `cmd --version`-style output, or null when the command is missing. */
export function toolVersion(cmd: string, args: string[]): string | null {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return null;
    const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '(unknown version)';
  } catch {
    return null;
  }
}

/** Reads every file of a tree (or one file) once, untimed, so every contender meets a warm page cache. */
export function warmUp(path: string): void {
  spawnSync('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 -r cat > /dev/null', 'warm', path], { stdio: 'ignore' });
}

/** Flushes dirty pages (not the cache) so one contender does not pay for the last one's writes. */
export function syncDisks(): void {
  spawnSync('sync', [], { stdio: 'ignore' });
}
