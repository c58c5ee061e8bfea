// The machine's own rates, printed beside the ratios so a reader sees why a ratio differs between
// machines: how fast all cores compute MD5 + SHA-1 + SHA-256 (the physical limit of any tool that
// gives the three hashes), how many fsyncs per second the case's disk does (what every durable
// commit waits for), and how fast it reads and writes past the page cache (what the store copy
// costs). Each is short (a second or two) and leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const MiB = 1024 * 1024;

export interface MachineRates {
  cores: number;
  /** MD5 + SHA-1 + SHA-256 of the same bytes (1 MiB updates, as the ingest does) on every core at once, MiB/s of wall time. */
  tripleHashAllCoresMiBps: number | null;
  /** The same per CPU-second of one core (steady under load: what an idle core would do). */
  tripleHashPerCpuSecondMiB: number | null;
  /** Each algorithm alone on one core, MiB per CPU-second. */
  perAlgorithmMiBPerCpuSecond: Record<string, number> | null;
  /** New 4 KiB files written and fsynced one after another in the bench's folder, per second. */
  fsyncsPerSecond: number | null;
  /** 4 KiB appends each followed by fdatasync (a SQLite WAL commit's pattern), per second. */
  walCommitsPerSecond: number | null;
  /** Reading a large file with O_DIRECT (past the page cache), MiB/s. */
  diskReadMiBps: number | null;
  /** Writing with O_DIRECT and a final fsync, MiB/s. */
  diskWriteMiBps: number | null;
  notes: string[];
}

// One thread's work: hash `seconds` worth of 1 MiB chunks with the three algorithms, and report
// bytes hashed, wall and the thread's own CPU time (from /proc/thread-self, so other load on the
// machine does not count).
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash, randomFillSync } = require('node:crypto');
const { readFileSync } = require('node:fs');
const cpu = () => { try { const s = readFileSync('/proc/thread-self/stat', 'utf8'); const r = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(r[11]) + Number(r[12])) / workerData.hz; } catch { return NaN; } };
const chunk = randomFillSync(Buffer.alloc(1 << 20));
const algs = workerData.algs;
const c0 = cpu(); const t0 = performance.now(); let bytes = 0;
while (performance.now() - t0 < workerData.ms) {
  const hs = algs.map((a) => createHash(a));
  for (let i = 0; i < 16; i++) { for (const h of hs) h.update(chunk); bytes += chunk.length; }
  for (const h of hs) h.digest();
}
parentPort.postMessage({ bytes, wall: (performance.now() - t0) / 1000, cpu: cpu() - c0 });
`;

function clockTicks(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
}

async function hashThreads(threads: number, algs: string[], ms: number): Promise<{ bytes: number; wall: number; cpu: number }[]> {
  const hz = clockTicks();
  return Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ bytes: number; wall: number; cpu: number }>((resolve, reject) => {
          const w = new Worker(HASH_WORKER, { eval: true, workerData: { algs, ms, hz } });
          w.once('message', (m: { bytes: number; wall: number; cpu: number }) => {
            void w.terminate();
            resolve(m);
          });
          w.once('error', reject);
        }),
    ),
  );
}

function fsyncRates(dir: string): { files: number | null; wal: number | null } {
  const d = mkdtempSync(join(dir, 'fsync-probe-'));
  try {
    const buf = Buffer.alloc(4096, 0x61);
    const N = 100;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const fd = openSync(join(d, `f${i}`), 'w');
      writeSync(fd, buf);
      fsyncSync(fd);
      closeSync(fd);
    }
    const files = N / ((performance.now() - t0) / 1000);
    const fd = openSync(join(d, 'wal'), 'w');
    t0 = performance.now();
    for (let i = 0; i < N; i++) {
      writeSync(fd, buf, 0, buf.length, i * buf.length);
      // fdatasync where Node has it under that name; fsync otherwise (same cost on ext4 for appends).
      fsyncSync(fd);
    }
    closeSync(fd);
    const wal = N / ((performance.now() - t0) / 1000);
    return { files, wal };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

/** dd with O_DIRECT: MiB/s, or null where dd or O_DIRECT is not available (tmpfs refuses it). */
function timedDd(args: string[], bytes: number): number | null {
  const t0 = performance.now();
  const r = spawnSync('dd', [...args, 'status=none'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) return null;
  return bytes / MiB / ((performance.now() - t0) / 1000);
}

/** Measures this machine's rates; `dir` is on the case's file system, `largeDir` holds big files to read. */
export async function measureMachine(dir: string, largeDir: string | null): Promise<MachineRates> {
  const cores = availableParallelism();
  const notes: string[] = [];
  const out: MachineRates = {
    cores,
    tripleHashAllCoresMiBps: null,
    tripleHashPerCpuSecondMiB: null,
    perAlgorithmMiBPerCpuSecond: null,
    fsyncsPerSecond: null,
    walCommitsPerSecond: null,
    diskReadMiBps: null,
    diskWriteMiBps: null,
    notes,
  };
  try {
    const all = await hashThreads(cores, ['md5', 'sha1', 'sha256'], 1500);
    const bytes = all.reduce((a, r) => a + r.bytes, 0);
    const wall = Math.max(...all.map((r) => r.wall));
    const cpu = all.reduce((a, r) => a + r.cpu, 0);
    out.tripleHashAllCoresMiBps = bytes / MiB / wall;
    if (cpu > 0) out.tripleHashPerCpuSecondMiB = bytes / MiB / cpu;
    const per: Record<string, number> = {};
    for (const a of ['md5', 'sha1', 'sha256']) {
      const [r] = await hashThreads(1, [a], 500);
      if (r && r.cpu > 0) per[a] = r.bytes / MiB / r.cpu;
    }
    out.perAlgorithmMiBPerCpuSecond = per;
  } catch (err) {
    notes.push(`hash rate not measured: ${(err as Error).message}`);
  }
  try {
    const f = fsyncRates(dir);
    out.fsyncsPerSecond = f.files;
    out.walCommitsPerSecond = f.wal;
  } catch (err) {
    notes.push(`fsync rate not measured: ${(err as Error).message}`);
  }
  if (largeDir) {
    // Up to 256 MiB of the large tree, read past the page cache (the cache stays as it is).
    let read = 0;
    let seconds = 0;
    for (const name of readdirSync(largeDir).sort()) {
      if (read >= 256 * MiB) break;
      const p = join(largeDir, name);
      const size = statSync(p).size;
      const t0 = performance.now();
      const r = spawnSync('dd', [`if=${p}`, 'of=/dev/null', 'bs=4M', 'iflag=direct', 'status=none'], { stdio: 'ignore' });
      if (r.status !== 0) {
        notes.push('disk read rate not measured (dd with O_DIRECT refused on this file system)');
        read = 0;
        break;
      }
      seconds += (performance.now() - t0) / 1000;
      read += size;
    }
    if (read > 0 && seconds > 0) out.diskReadMiBps = read / MiB / seconds;
  }
  const tmp = mkdtempSync(join(dir, 'write-probe-'));
  try {
    out.diskWriteMiBps = timedDd(['if=/dev/zero', `of=${join(tmp, 'w')}`, 'bs=4M', 'count=32', 'oflag=direct', 'conv=fsync'], 128 * MiB);
    if (out.diskWriteMiBps === null) notes.push('disk write rate not measured (dd with O_DIRECT refused on this file system)');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

/** How busy all CPUs were over the last second (from /proc/stat), 0 to 1: other work on the machine. */
export function cpuBusyNow(): number | null {
  const read = (): number[] | null => {
    try {
      return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    } catch {
      return null;
    }
  };
  const a = read();
  if (!a) return null;
  spawnSync('sleep', ['1']);
  const b = read();
  if (!b) return null;
  const d = b.map((x, i) => x - a[i]!);
  const total = d.reduce((s, x) => s + x, 0);
  const idle = (d[3] ?? 0) + (d[4] ?? 0);
  return total > 0 ? 1 - idle / total : null;
}

export function machineLines(m: MachineRates, hashdeepMiBps: number | null, hashdeepPerCpu: number | null): string[] {
  const f = (x: number | null, d = 0): string => (x === null ? '-' : x.toFixed(d));
  const per = m.perAlgorithmMiBPerCpuSecond;
  return [
    `  MD5+SHA-1+SHA-256 of the same bytes: ${f(m.tripleHashAllCoresMiBps)} MiB/s on all ${m.cores} cores (the physical limit of the large tree); ${f(m.tripleHashPerCpuSecondMiB)} MiB per CPU-second${per ? ` (alone, per CPU-second: MD5 ${f(per.md5 ?? null)}, SHA-1 ${f(per.sha1 ?? null)}, SHA-256 ${f(per.sha256 ?? null)} MiB)` : ''}`,
    `  hashdeep -c md5,sha1,sha256 on the large tree: ${f(hashdeepMiBps)} MiB/s, ${f(hashdeepPerCpu)} MiB per CPU-second`,
    `  fsync: ${f(m.fsyncsPerSecond)} new small files/s, ${f(m.walCommitsPerSecond)} WAL-style append+fsync/s (every durable commit waits for one)`,
    `  disk, past the page cache: read ${f(m.diskReadMiBps)} MiB/s, write ${f(m.diskWriteMiBps)} MiB/s (the store copy writes every byte once)`,
    ...m.notes.map((n) => `  note: ${n}`),
  ];
}
