// `node test/bench/zips.ts [--reps N] [--quick] [--no-hashdeep]`: the ZIP rows of `npm run bench`
// alone (issue 11: a ZIP of the large tree against the folder ingest of the same tree), for
// measuring a change to the archive path without the 20,000-file runs. Same inputs as the full
// bench (the cached large tree and its zip -0 / zip -6 archives), same rotating rounds, `sync`
// before each run; prints per contender the median wall seconds, CPU seconds (user + system),
// catalogue-ready seconds, and main/worker thread CPU, then the archive/folder ratios by wall
// and by CPU, with the machine's triple-hash and fsync rates beside them.
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineLines, measureMachine } from './machine.ts';
import { median, runTimed, syncDisks, warmUp } from './measure.ts';
import { type IngestRun, timeIngest } from './ours.ts';
import { MiB } from './report.ts';
import { ensureTree, ensureZip } from './trees.ts';

const { values: opt } = parseArgs({
  options: {
    reps: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-hashdeep': { type: 'boolean', default: false },
    'no-rates': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const REPS = Math.max(1, Number(opt.reps ?? 3) || 3);
const SEED = 20260142; // the full bench's, so its cached tree and zips are reused
const BASE = join(tmpdir(), 'evidence-catalogue-bench');
const CASES = join(BASE, `cases-zips-${process.pid}`);
const log = (s: string): void => console.log(s);

mkdirSync(BASE, { recursive: true });
const large = ensureTree(BASE, { kind: 'large', seed: SEED, files: opt.quick ? 8 : 40, fileSize: 25 * MiB }, log);
const stored = ensureZip(BASE, large, 'stored', log);
const deflated = ensureZip(BASE, large, 'deflated', log);
log(`ZIP bench: ${large.name} (${large.files} files, ${(large.bytes / MiB).toFixed(0)} MiB), median of ${REPS}, load ${loadavg()[0]!.toFixed(2)}`);
if (!opt['no-rates']) {
  const rates = await measureMachine(BASE, large.dir);
  for (const l of machineLines(rates, null, null).filter((l) => !l.includes('hashdeep'))) log(l);
}

type Run = { seconds: number; cpu: number; catalogue: number | null; main: number | null; workers: number | null; problem: string | null };
const contenders: { name: string; run: () => Promise<Run> }[] = [];
const ours = async (path: string, files: number): Promise<Run> => {
  const r: IngestRun = await timeIngest(CASES, path, files);
  return {
    seconds: r.seconds,
    cpu: (r.userSeconds ?? 0) + (r.systemSeconds ?? 0),
    catalogue: r.probe?.catalogueReady ?? null,
    main: r.probe?.cpu?.main ?? null,
    workers: r.probe?.cpu?.workers ?? null,
    problem: r.problem ?? r.warning,
  };
};
const wanted = (n: string): boolean => !opt.only || opt.only.split(',').includes(n);
if (wanted('folder')) contenders.push({ name: 'folder', run: () => ours(large.dir, large.files) });
if (wanted('stored')) contenders.push({ name: 'zip-stored', run: () => ours(stored.path, large.files) });
if (wanted('deflated')) contenders.push({ name: 'zip-deflated', run: () => ours(deflated.path, large.files) });
if (!opt['no-hashdeep'] && wanted('hashdeep')) {
  contenders.push({
    name: 'hashdeep',
    run: async () => {
      const r = await runTimed('hashdeep', ['-c', 'md5,sha1,sha256', '-r', large.dir], { measure: true });
      return { seconds: r.seconds, cpu: (r.userSeconds ?? 0) + (r.systemSeconds ?? 0), catalogue: null, main: null, workers: null, problem: r.exitCode === 0 ? null : `exit ${r.exitCode}` };
    },
  });
}

for (const p of [large.dir, stored.path, deflated.path]) warmUp(p);
const runs = new Map<string, Run[]>(contenders.map((c) => [c.name, []]));
try {
  for (let round = 0; round < REPS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + round) % contenders.length]!;
      syncDisks();
      const r = await c.run();
      runs.get(c.name)!.push(r);
      log(`  round ${round + 1} ${c.name}: ${r.seconds.toFixed(2)} s, ${r.cpu.toFixed(2)} CPU-s${r.catalogue !== null ? `, catalogue ${r.catalogue.toFixed(2)} s` : ''}${r.main !== null ? `, main ${r.main.toFixed(2)} workers ${r.workers?.toFixed(2)} CPU-s` : ''}${r.problem ? ` (${r.problem})` : ''}`);
    }
  }
} finally {
  rmSync(CASES, { recursive: true, force: true });
}

const med = (name: string, f: (r: Run) => number | null): number | null => {
  const xs = (runs.get(name) ?? []).map(f).filter((x): x is number => x !== null);
  return xs.length ? median(xs) : null;
};
const fmt = (x: number | null): string => (x === null ? '-' : x.toFixed(2));
log('');
log('contender      wall s  CPU-s  catalogue s  main CPU-s  workers CPU-s');
for (const c of contenders) {
  log(
    `${c.name.padEnd(14)} ${fmt(med(c.name, (r) => r.seconds)).padStart(6)} ${fmt(med(c.name, (r) => r.cpu)).padStart(6)} ${fmt(med(c.name, (r) => r.catalogue)).padStart(12)} ${fmt(med(c.name, (r) => r.main)).padStart(11)} ${fmt(med(c.name, (r) => r.workers)).padStart(14)}`,
  );
}
const folderWall = med('folder', (r) => r.seconds);
const folderCpu = med('folder', (r) => r.cpu);
for (const [name, goal] of [
  ['zip-stored', 1.2],
  ['zip-deflated', 1.8],
] as const) {
  const w = med(name, (r) => r.seconds);
  const c = med(name, (r) => r.cpu);
  if (w === null || folderWall === null || c === null || folderCpu === null) continue;
  log(`${name} / folder: ${(w / folderWall).toFixed(2)} wall, ${(c / folderCpu).toFixed(2)} CPU (goal ${goal})`);
}
log(`load at the end: ${loadavg()[0]!.toFixed(2)}`);
