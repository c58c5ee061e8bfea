// Summarises V8 .cpuprofile files (from `node --cpu-prof`; one per thread: the main thread and
// each worker): per thread, the share of idle time and the functions with the most self time,
// plus self time grouped by source file. For finding where `evidence ingest` spends its time:
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/evidence.js ingest <case> <tree>
//   node test/bench/cpuprofile-top.ts /tmp/prof [--top 25]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
const TOP = Number.parseInt(values.top!, 10) || 25;

const files: string[] = [];
for (const p of positionals) {
  if (statSync(p).isDirectory()) {
    for (const f of readdirSync(p).sort()) if (f.endsWith('.cpuprofile')) files.push(join(p, f));
  } else files.push(p);
}
if (!files.length) {
  console.error('usage: node test/bench/cpuprofile-top.ts <file.cpuprofile | dir>... [--top N]');
  process.exit(2);
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const i = url.indexOf('/src/');
  if (i >= 0) return url.slice(i + 1);
  const n = url.lastIndexOf('node_modules/');
  if (n >= 0) return url.slice(n);
  return url.replace(/^file:\/\//, '');
}

function label(cf: CallFrame): string {
  const name = cf.functionName || '(anonymous)';
  return cf.url ? `${name}  ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : name;
}

const pct = (x: number, total: number): string => `${((100 * x) / total).toFixed(1)}%`.padStart(6);
const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`.padStart(9);

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const n = prof.samples.length;
  const total = prof.endTime - prof.startTime;
  for (let i = 0; i < n; i++) {
    // The time until the next sample is this sample's (the last one gets the average).
    const dt = i + 1 < n ? prof.timeDeltas[i + 1]! : total / Math.max(1, n);
    self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + dt);
  }
  const byFn = new Map<string, number>();
  const byUrl = new Map<string, number>();
  let idle = 0;
  let sampled = 0;
  for (const [id, t] of self) {
    const cf = byId.get(id)!.callFrame;
    sampled += t;
    if (cf.functionName === '(idle)') idle += t;
    const k = label(cf);
    byFn.set(k, (byFn.get(k) ?? 0) + t);
    const u = cf.url ? shortUrl(cf.url) : cf.functionName;
    byUrl.set(u, (byUrl.get(u) ?? 0) + t);
  }
  console.log(`\n== ${basename(file)}: ${(total / 1e6).toFixed(2)} s profiled, busy ${pct(sampled - idle, sampled).trim()}, idle ${pct(idle, sampled).trim()}`);
  console.log('  self time by function:');
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${ms(t)} ${pct(t, sampled)}  ${k}`);
  console.log('  self time by source file:');
  for (const [k, t] of [...byUrl].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${ms(t)} ${pct(t, sampled)}  ${k}`);

  // Inclusive (self + callees) time of the project's own functions: which of our steps the
  // native and library time above is spent under. A function on the stack twice counts once.
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    let t = self.get(id) ?? 0;
    const k = label(node.callFrame);
    const own = node.callFrame.url.includes('/src/') && !onStack.has(k);
    if (own) onStack.add(k);
    for (const c of node.children ?? []) t += walk(c, onStack);
    if (own) {
      onStack.delete(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
    return t;
  };
  walk(prof.nodes[0]!.id, new Set());
  console.log('  inclusive time of src/ functions:');
  for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${ms(t)} ${pct(t, sampled)}  ${k}`);
}
