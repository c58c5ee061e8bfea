// Who is running an ingest, precisely enough to tell after a crash or reboot whether it still
// runs: the machine's boot id, the pid, and that process's start time (Linux /proc). A pid alone
// is reused; with the boot id and start time, a stale lock never blocks a resume.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentRunner(): string {
  return JSON.stringify({ host: hostname(), boot: bootId(), pid: process.pid, start: startTime(process.pid) });
}

/** True when the recorded runner is a live process other than this one, on this machine. */
export function runnerIsAlive(recorded: string | null): { alive: boolean; pid: number | null } {
  if (!recorded) return { alive: false, pid: null };
  let r: { host: string; boot: string; pid: number; start: string | null };
  try {
    r = JSON.parse(recorded) as typeof r;
  } catch {
    return { alive: false, pid: null };
  }
  if (r.host !== hostname() || r.pid === process.pid) return { alive: false, pid: r.pid };
  if (r.boot !== bootId()) return { alive: false, pid: r.pid };
  const now = startTime(r.pid);
  if (r.start !== null && now !== null) return { alive: now === r.start, pid: r.pid };
  return { alive: pidAlive(r.pid), pid: r.pid };
}
