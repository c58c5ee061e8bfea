// `npm run bench`: our ingest against hashdeep and sha256sum on the same generated trees, in the
// same run, as ratios (DESIGN.md sections 4 and 8; issue 2 point 8, issue 3 "Tests and figures").
// Never asserts on time: it prints figures and exits 0 unless something crashed.
//
//   npm run bench                       full run: 40 x 25 MiB and 20,000 small files, median of 3
//   npm run bench -- --quick            8 x 25 MiB and 4,000 small files, 1 repetition (< 1 min)
//   npm run bench -- --json out.json    also write the figures as JSON
//   npm run bench -- --archives         insist on the ZIP section (it runs by default when the
//                                       probe finds archive ingest; --no-archives skips it)
//   npm run bench -- --clean            delete the cached trees, zips and cases, and exit
//   npm run bench -- --search           only the search figure: median of 20 trigram queries over a
//                                       generated case of 1,000,000 items with text (--quick:
//                                       100,000; --search-items N). Part of the default run too
//                                       (the case is generated once, ~3 min, then reused);
//                                       --no-search leaves it out
//   npm run bench -- --hashsets         only the known-hash set figures: 1,000,000 items against a
//                                       10,000,000-hash set (--quick: 100,000 against 1,000,000;
//                                       --hashset-items / --hashset-hashes to choose)
//   npm run bench -- --custody          only the custody figure: `evidence custody verify` of a log
//                                       of 1,000,000 events with its signed checkpoints and receipts
//                                       (--quick: 100,000; --custody-events N). Part of the default
//                                       run too (the log is generated once, then reused);
//                                       --no-custody leaves it out
//   npm run bench -- --export           only the export figure: evidence export --all of a case made
//                                       from the large and the small tree against cp -r of the same
//                                       files (MiB/s both, the ratio, CPU, peak RSS, bundle verify
//                                       time); part of the default run too; --no-export leaves it out
//   npm run bench -- --rss-200k         also the peak RSS of an ingest of 200,000 small files (the
//                                       tree is generated once, ~2 GiB; the ingest takes about 10x
//                                       the 20,000-file one: minutes)
//
// Every run of our ingest loads probe.ts (a preload that times the sign-in, the stages and the
// phases, and names the worker threads), and the per-thread CPU seconds are read from /proc.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type RunResult, hasGnuTime, median, runTimed, syncDisks, toolVersion, warmUp } from './measure.ts';
import { type ProbeFigures, probeArchiveIngest, timeIngest } from './ours.ts';
import { MiB, mib, ratio, rssMiB, secs, table } from './report.ts';
import { type FtsVariant, ftsRates, textsOf } from './fts.ts';
import { machineLines, measureMachine } from './machine.ts';
import { type LargeSpec, type SmallSpec, type Tree, type ZipFile, ensureSubset, ensureTree, ensureZip } from './trees.ts';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    clean: { type: 'boolean', default: false },
    archives: { type: 'boolean', default: false },
    'no-archives': { type: 'boolean', default: false },
    reps: { type: 'string' },
    search: { type: 'boolean', default: false },
    'no-search': { type: 'boolean', default: false },
    'search-items': { type: 'string' },
    hashsets: { type: 'boolean', default: false },
    'hashset-items': { type: 'string' },
    'hashset-hashes': { type: 'string' },
    custody: { type: 'boolean', default: false },
    'no-custody': { type: 'boolean', default: false },
    'custody-events': { type: 'string' },
    'rss-200k': { type: 'boolean', default: false },
    export: { type: 'boolean', default: false },
    'no-export': { type: 'boolean', default: false },
    'no-fts': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});

if (opt.help) {
  console.log(`usage: npm run bench -- [--quick] [--json <file>] [--archives | --no-archives] [--reps N] [--clean]
  --quick        8 files of 25 MiB and 4,000 small files, 1 repetition (a sanity check: a minute or two on an idle machine)
  --json <file>  also write all figures as JSON
  --archives     run the ZIP section even when not asked by default (still needs archive ingest and zip)
  --no-archives  skip the ZIP section
  --reps N       repetitions per contender (default 3, --quick 1); the median is reported
  --clean        delete the generated trees, zips and case folders under ${join(tmpdir(), 'evidence-catalogue-bench')} and exit
  --search       only the search section: 20 trigram queries over a generated case of 1,000,000 items with
                 text (--quick: 100,000; --search-items N); it also runs in the default run unless --no-search
  --hashsets     only the known-hash set section: import a 10,000,000-hash list and match 1,000,000 items
                 (--quick: 1,000,000 and 100,000; --hashset-items N, --hashset-hashes N)
  --custody      only the custody section: evidence custody verify of a generated log of 1,000,000 events
                 (--quick: 100,000; --custody-events N); it also runs in the default run unless --no-custody
  --export       only the export section: evidence export --all of a case made from the large and the small
                 tree vs cp -r of the same files (MiB/s, ratio, CPU, peak RSS); it also runs in the default
                 run unless --no-export
  --rss-200k     also measure peak RSS of an ingest of 200,000 small files (tree generated once, ~2 GiB;
                 the ingest takes ~10x the 20,000-file one, minutes)
  --no-fts       leave out the FTS5 indexing-rate section (a few CPU-seconds)`);
  process.exit(0);
}

const BASE = join(tmpdir(), 'evidence-catalogue-bench');
const CASES = join(BASE, 'cases');

if (opt.clean) {
  rmSync(BASE, { recursive: true, force: true });
  console.log(`Removed ${BASE}`);
  process.exit(0);
}

const SEED = 20260142;

if (opt.hashsets) {
  // A section of its own: minutes of work and a few GB of disk, so not part of the default run.
  const { hashsetBench } = await import('./hashsets.ts');
  mkdirSync(BASE, { recursive: true });
  const items = Number(opt['hashset-items'] ?? (opt.quick ? 100_000 : 1_000_000));
  const hashes = Number(opt['hashset-hashes'] ?? (opt.quick ? 1_000_000 : 10_000_000));
  console.log(`Evidence catalogue benchmark: known-hash sets (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version})`);
  const fig = await hashsetBench({ base: BASE, items, hashes, seed: SEED, log: (s) => console.log(s) });
  if (opt.json) writeFileSync(resolve(opt.json), JSON.stringify({ generatedAt: new Date().toISOString(), hashsets: fig }, null, 2) + '\n');
  process.exit(fig.import.problem || fig.rematch.problem ? 1 : 0);
}

const SEARCH_ITEMS = Number(opt['search-items'] ?? (opt.quick ? 100_000 : 1_000_000));
if (opt.search) {
  const { searchBench, searchReport } = await import('./search.ts');
  mkdirSync(BASE, { recursive: true });
  console.log(`Evidence catalogue benchmark: search (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, load ${loadavg()[0]!.toFixed(2)})`);
  const fig = searchBench({ base: BASE, items: SEARCH_ITEMS, seed: SEED, log: (s) => console.log(s) });
  console.log(searchReport(fig).join('\n'));
  if (opt.json) writeFileSync(resolve(opt.json), JSON.stringify({ generatedAt: new Date().toISOString(), search: fig }, null, 2) + '\n');
  process.exit(0);
}
const CUSTODY_EVENTS = Number(opt['custody-events'] ?? (opt.quick ? 100_000 : 1_000_000));
if (opt.custody) {
  const { custodyBench, custodyReport } = await import('./custody.ts');
  mkdirSync(BASE, { recursive: true });
  console.log(`Evidence catalogue benchmark: custody verify (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, load ${loadavg()[0]!.toFixed(2)})`);
  const fig = custodyBench({ base: BASE, events: CUSTODY_EVENTS, log: (s) => console.log(s) });
  console.log(custodyReport(fig).join('\n'));
  if (opt.json) writeFileSync(resolve(opt.json), JSON.stringify({ generatedAt: new Date().toISOString(), custody: fig }, null, 2) + '\n');
  process.exit(fig.cliOk ? 0 : 1);
}
const QUICK = opt.quick;
const REPS = opt.reps ? Math.max(1, Number.parseInt(opt.reps, 10) || 1) : QUICK ? 1 : 3;
const largeSpec: LargeSpec = { kind: 'large', seed: SEED, files: QUICK ? 8 : 40, fileSize: 25 * MiB };
const smallSpec: SmallSpec = { kind: 'small', seed: SEED + 1, files: QUICK ? 4000 : 20000, minSize: 100, maxSize: 20 * 1024, filesPerFolder: 100, foldersPerTop: 10 };
const RSS_STEPS = [smallSpec.files / 4, smallSpec.files / 2, smallSpec.files];
if (opt.export) {
  // A section of its own on demand (it also runs at the end of the default run).
  const { exportBench, exportReport } = await import('./export.ts');
  mkdirSync(BASE, { recursive: true });
  const log = (s: string): void => console.log(s);
  log(`Evidence catalogue benchmark: export (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, load ${loadavg()[0]!.toFixed(2)}, median of ${REPS})`);
  const trees = [ensureTree(BASE, largeSpec, log), ensureTree(BASE, smallSpec, log)];
  log('Machine rates (a few seconds)');
  const rates = await measureMachine(BASE, trees[0]!.dir);
  for (const l of machineLines(rates, null, null).filter((l) => !l.includes('hashdeep'))) log(l);
  const fig = await exportBench({ base: BASE, trees, reps: REPS, log });
  log('');
  log(exportReport(fig).join('\n'));
  log(`  load ${loadavg()[0]!.toFixed(2)} at the end (${cpus().length} cores)`);
  if (opt.json) writeFileSync(resolve(opt.json), JSON.stringify({ generatedAt: new Date().toISOString(), machineRates: rates, export: fig }, null, 2) + '\n');
  process.exit(fig.some((f) => f.problem || f.verifyOk === false) ? 1 : 0);
}
// The goals of issue 11 (ratios to hashdeep, archive/folder, seconds, MiB).
const TARGET = { large: 0.6, small: 1.2, search: 6, stored: 1.2, deflated: 1.8, fixedSeconds: 0.3, rssMiB: 300 };

const log = (s: string): void => console.log(s);
let crashed = false;

// ---------------------------------------------------------------------------------------------
// The machine and the tools.

const hashdeepVersion = toolVersion('hashdeep', ['-V']);
const sha256sumVersion = toolVersion('sha256sum', ['--version']);
const zipVersionRaw = spawnSync('zip', ['-v'], { encoding: 'utf8' });
const zipVersion = zipVersionRaw.error ? null : (zipVersionRaw.stdout.split('\n').find((l) => /This is Zip/.test(l))?.trim() ?? 'zip (unknown version)');
mkdirSync(BASE, { recursive: true });
rmSync(CASES, { recursive: true, force: true });
const fsType = spawnSync('stat', ['-f', '-c', '%T', BASE], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
const cores = availableParallelism();

const machine = {
  cores,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  kernel: release(),
  node: process.version,
  hashdeep: hashdeepVersion,
  sha256sum: sha256sumVersion,
  zip: zipVersion,
  workDir: BASE,
  fileSystem: fsType,
  peakRssFrom: hasGnuTime() ? '/usr/bin/time -v' : 'polling /proc/<pid>/status VmHWM every 50 ms',
};

log(`Evidence catalogue benchmark (${QUICK ? 'quick' : 'full'} run, median of ${REPS})`);
log('');
log('Machine');
log(`  cores:      ${cores} (${machine.cpu}), ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}`);
log(`  node:       ${machine.node}`);
log(`  hashdeep:   ${hashdeepVersion ?? 'NOT INSTALLED: that baseline is skipped (apt-get install hashdeep)'}`);
log(`  sha256sum:  ${sha256sumVersion ?? 'NOT INSTALLED: that baseline is skipped (coreutils)'}`);
log(`  zip:        ${zipVersion ?? 'NOT INSTALLED: the ZIP section is skipped (apt-get install zip)'}`);
log(`  work dir:   ${BASE} (${fsType}); trees, zips and cases all live here, on one file system`);
log(`  peak RSS:   ${machine.peakRssFrom}`);
const loadStart = loadavg()[0]!;
log(`  load:       ${loadStart.toFixed(2)} (1-min average)${loadStart > cores / 2 ? `: BUSY. Other work competes for the ${cores} cores; times are noisy, compare the CPU-time ratios too` : ''}`);
try {
  const fsst = statfsSync(BASE);
  const freeGiB = (fsst.bavail * fsst.bsize) / 1024 ** 3;
  const needGiB = QUICK ? 1.5 : 5;
  if (freeGiB < needGiB) log(`  WARNING: only ${freeGiB.toFixed(1)} GiB free under ${BASE}; this run needs about ${needGiB} GiB`);
} catch {
  /* statfs unsupported: go on */
}
log('');

// ---------------------------------------------------------------------------------------------
// Inputs.

log('Inputs (generated once, reused while their manifests match; --clean removes them)');
const large = ensureTree(BASE, largeSpec, log);
const small = ensureTree(BASE, smallSpec, log);
const subsets = RSS_STEPS.map((n) => ensureSubset(BASE, smallSpec, small, n, log));
for (const t of [large, small, ...subsets.slice(0, -1)]) {
  if (t.reused) log(`  ${t.name}: reused (${t.files} files, ${mib(t.bytes)} MiB)`);
}

// Archive ingest: probe this build, then make the ZIPs before any timing, so that folder and
// archive ingests of a tree are timed in the same rounds (a ratio of two times taken minutes
// apart on a shared machine says little).
let archiveStatus: { ran: boolean; reason: string } = { ran: false, reason: 'skipped (--no-archives)' };
type Mode = 'stored' | 'deflated';
const zipsOf = new Map<Tree, Partial<Record<Mode, ZipFile>>>();
if (!opt['no-archives']) {
  if (!zipVersion) {
    archiveStatus = { ran: false, reason: 'the `zip` command is not installed (apt-get install zip): ZIP section skipped' };
  } else {
    const probe = probeArchiveIngest(BASE, true);
    archiveStatus = probe.supported
      ? { ran: true, reason: probe.reason }
      : { ran: false, reason: `archive ingest not available yet (${probe.reason}): ZIP section skipped` };
  }
  log(`  archives: ${archiveStatus.ran ? `archive ingest available (probe: ${archiveStatus.reason})` : archiveStatus.reason}`);
  if (opt.archives && !archiveStatus.ran) log('  (--archives was given, but the section cannot run)');
  if (archiveStatus.ran) {
    for (const t of [large, small]) zipsOf.set(t, { stored: ensureZip(BASE, t, 'stored', log), deflated: ensureZip(BASE, t, 'deflated', log) });
    for (const t of subsets.slice(0, -1)) zipsOf.set(t, { deflated: ensureZip(BASE, t, 'deflated', log) });
    for (const z of [...zipsOf.values()].flatMap((m) => Object.values(m))) if (z.reused) log(`  ${z.name}.zip: reused (${mib(z.bytes)} MiB)`);
  }
}
log('');

// The machine's own rates, printed beside the ratios (machine.ts): a ratio to hashdeep is a
// ratio of two different uses of the machine, so these say why it differs between machines.
log('Machine rates (a few seconds)');
const rates = await measureMachine(BASE, large.dir);
for (const l of machineLines(rates, null, null).filter((l) => !l.includes('hashdeep'))) log(l);
log('');

// ---------------------------------------------------------------------------------------------
// Contenders.

type Outcome = RunResult & { problem?: string | null; warning?: string | null; probe?: ProbeFigures | null };
type ContenderName = 'ours' | 'ours-no-text' | 'hashdeep' | 'sha256sum' | 'ours-zip-stored' | 'ours-zip-deflated';

interface Contender {
  name: ContenderName;
  run: (tree: Tree) => Promise<Outcome>;
  /** Only for this tree (e.g. the --no-text ingest, which times the small tree's catalogue). */
  only?: 'small';
}

const baseline = (r: RunResult): Outcome => ({ ...r, problem: r.exitCode === 0 ? null : `exit ${r.exitCode ?? r.signal}: ${r.stderrTail.trim().slice(-300)}` });
const contenders: Contender[] = [{ name: 'ours', run: (t) => timeIngest(CASES, t.dir, t.files) }];
const allContenders = contenders;
if (hashdeepVersion) {
  contenders.push({ name: 'hashdeep', run: async (t) => baseline(await runTimed('hashdeep', ['-c', 'md5,sha1,sha256', '-r', t.dir], { measure: true })) });
}
if (sha256sumVersion) {
  contenders.push({
    name: 'sha256sum',
    run: async (t) =>
      baseline(await runTimed('sh', ['-c', 'find "$1" -type f -print0 | xargs -0 sha256sum > /dev/null', 'sha256sum-all', t.dir], { measure: true })),
  });
}
if (archiveStatus.ran) {
  for (const mode of ['stored', 'deflated'] as const) {
    contenders.push({ name: `ours-zip-${mode}`, run: (t) => timeIngest(CASES, zipsOf.get(t)![mode]!.path, t.files) });
  }
}

interface ContenderFigures {
  runs: number[];
  median: number | null;
  peakRssKiB: number | null;
  /** Mean CPU cores busy over the run (user + system time / wall time), median run. */
  coresBusy: number | null;
  /** Median of user + system CPU seconds (less sensitive than wall time to a busy machine). */
  cpuSeconds: number | null;
  problems: string[];
  warnings: string[];
  /** From the probe (ours only), medians over the runs: seconds from spawn, CPU seconds per thread kind. */
  catalogueReady: number | null;
  signInSeconds: number | null;
  signInCpuSeconds: number | null;
  stagesReported: boolean;
  stages: { stage: string; at: number }[];
  phases: { phase: string; at: number }[];
  cpuMain: number | null;
  cpuWorkers: number | null;
  cpuOther: number | null;
  workerCount: number | null;
}

interface TreeFigures {
  tree: string;
  files: number;
  bytes: number;
  contenders: Partial<Record<ContenderName, ContenderFigures>>;
  oursOverHashdeep: number | null;
  oursOverSha256sum: number | null;
  /** The same ratio over CPU seconds (user + system), for a machine that was busy. */
  cpuOursOverHashdeep: number | null;
  /**
   * Seconds until the catalogue is ready (listed, sorted, hashed, stored): when the ingest
   * reports its next stage, else (no stage reported by this build) the median of an ingest with
   * --no-text, else the whole ingest. `catalogueFrom` says which.
   */
  catalogueSeconds: number | null;
  catalogueFrom: string;
  catalogueOverHashdeep: number | null;
  /** CPU seconds of the run that gave the catalogue figure, over hashdeep's (whole runs only). */
  cpuCatalogueOverHashdeep: number | null;
  /** The whole ingest (text indexed, suggestions made) over hashdeep: "search ready". */
  searchOverHashdeep: number | null;
  target: number;
  met: boolean | null;
  searchTarget: number;
  searchMet: boolean | null;
}

function figuresOf(runs: Outcome[]): ContenderFigures {
  const good = runs.filter((r) => !r.problem);
  const times = good.map((r) => r.seconds);
  const med = times.length ? median(times) : null;
  const medRun = good.find((r) => r.seconds === med) ?? good[0];
  const rss = good.map((r) => r.peakRssKiB).filter((x): x is number => x !== null);
  const cpu = medRun && medRun.userSeconds !== null && medRun.systemSeconds !== null ? (medRun.userSeconds + medRun.systemSeconds) / medRun.seconds : null;
  const cpuTimes = good.filter((r) => r.userSeconds !== null && r.systemSeconds !== null).map((r) => r.userSeconds! + r.systemSeconds!);
  const probes = good.map((r) => r.probe).filter((p): p is ProbeFigures => !!p);
  const medOf = (xs: (number | null | undefined)[]): number | null => {
    const v = xs.filter((x): x is number => typeof x === 'number');
    return v.length ? median(v) : null;
  };
  const medProbe = medRun?.probe ?? probes[0];
  return {
    catalogueReady: medOf(probes.map((p) => p.catalogueReady)),
    signInSeconds: medOf(probes.map((p) => p.signInSeconds)),
    signInCpuSeconds: medOf(probes.map((p) => p.signInCpuSeconds)),
    stagesReported: probes.some((p) => p.stages.length > 0),
    stages: medProbe?.stages ?? [],
    phases: medProbe?.phases ?? [],
    cpuMain: medOf(probes.map((p) => p.cpu?.main)),
    cpuWorkers: medOf(probes.map((p) => p.cpu?.workers)),
    cpuOther: medOf(probes.map((p) => p.cpu?.other)),
    workerCount: medOf(probes.map((p) => p.cpu?.workerCount)),
    runs: runs.map((r) => r.seconds),
    median: med,
    peakRssKiB: rss.length ? Math.max(...rss) : null,
    coresBusy: cpu,
    cpuSeconds: cpuTimes.length ? median(cpuTimes) : null,
    problems: runs.map((r) => r.problem).filter((p): p is string => !!p),
    warnings: [...new Set(runs.map((r) => r.warning).filter((p): p is string => !!p))],
  };
}

async function benchTree(label: 'large' | 'small', tree: Tree): Promise<TreeFigures> {
  const contenders = allContenders.filter((c) => !c.only || c.only === label);
  log(`Timing the ${label} tree (${tree.files} files, ${mib(tree.bytes)} MiB): warm-up read, then ${REPS} round(s) of ${contenders.map((c) => c.name).join(', ')}`);
  warmUp(tree.dir);
  for (const z of Object.values(zipsOf.get(tree) ?? {})) warmUp(z.path);
  const runs: Partial<Record<ContenderName, Outcome[]>> = {};
  for (let rep = 0; rep < REPS; rep++) {
    const line: string[] = [];
    // Rotate the order each round so no contender always runs first (or right after our writes).
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(rep + k) % contenders.length]!;
      syncDisks();
      const r = await c.run(tree);
      (runs[c.name] ??= []).push(r);
      line.push(`${c.name} ${secs(r.seconds)} s${r.problem ? ' (FAILED)' : ''}`);
      if (r.problem) {
        crashed = true;
        log(`    ${c.name} FAILED: ${r.problem}`);
      }
    }
    log(`  round ${rep + 1}: ${line.join(', ')}`);
  }
  const f: TreeFigures = {
    tree: tree.name,
    files: tree.files,
    bytes: tree.bytes,
    contenders: {},
    oursOverHashdeep: null,
    oursOverSha256sum: null,
    cpuOursOverHashdeep: null,
    catalogueSeconds: null,
    catalogueFrom: '-',
    catalogueOverHashdeep: null,
    cpuCatalogueOverHashdeep: null,
    searchOverHashdeep: null,
    target: TARGET[label],
    met: null,
    searchTarget: TARGET.search,
    searchMet: null,
  };
  for (const c of contenders) f.contenders[c.name] = figuresOf(runs[c.name] ?? []);
  const ours = f.contenders.ours?.median ?? null;
  const hd = f.contenders.hashdeep?.median ?? null;
  const ss = f.contenders.sha256sum?.median ?? null;
  if (ours !== null && hd !== null) f.oursOverHashdeep = ours / hd;
  if (ours !== null && ss !== null) f.oursOverSha256sum = ours / ss;
  const oc = f.contenders.ours?.cpuSeconds ?? null;
  const hc = f.contenders.hashdeep?.cpuSeconds ?? null;
  if (oc !== null && hc !== null && hc > 0) f.cpuOursOverHashdeep = oc / hc;
  const o = f.contenders.ours;
  const nt = f.contenders['ours-no-text'];
  if (o?.stagesReported && o.catalogueReady !== null) {
    f.catalogueSeconds = o.catalogueReady;
    f.catalogueFrom = 'the stage event (next stage starts)';
    f.cpuCatalogueOverHashdeep = null;
  } else if (nt?.median != null) {
    f.catalogueSeconds = nt.median;
    f.catalogueFrom = 'an ingest with --no-text (no stage reported by this build)';
    if (nt.cpuSeconds !== null && hc) f.cpuCatalogueOverHashdeep = nt.cpuSeconds / hc;
  } else if (ours !== null) {
    f.catalogueSeconds = ours;
    f.catalogueFrom = 'the whole ingest';
    f.cpuCatalogueOverHashdeep = f.cpuOursOverHashdeep;
  }
  if (f.catalogueSeconds !== null && hd) f.catalogueOverHashdeep = f.catalogueSeconds / hd;
  if (f.catalogueOverHashdeep !== null) f.met = f.catalogueOverHashdeep <= f.target;
  if (label === 'small' && f.oursOverHashdeep !== null) {
    f.searchOverHashdeep = f.oursOverHashdeep;
    f.searchMet = f.searchOverHashdeep <= f.searchTarget;
  }
  for (const c of contenders) for (const w of f.contenders[c.name]?.warnings ?? []) log(`  note: ${c.name}: ${w}`);
  log('');
  return f;
}

// The fixed cost of one `evidence ingest` (Node start-up, type stripping, officer sign-in with
// scrypt, case open, worker start): an ingest of a folder holding one small file.
const fixedDir = join(BASE, 'fixed-cost-1-file');
mkdirSync(fixedDir, { recursive: true });
writeFileSync(join(fixedDir, 'one.txt'), 'one small file\n');
const fixedRuns: Outcome[] = [];
for (let rep = 0; rep < REPS; rep++) {
  const r = await timeIngest(CASES, fixedDir, 1);
  fixedRuns.push(r);
  if (r.problem) {
    crashed = true;
    log(`  fixed-cost ingest FAILED: ${r.problem}`);
  }
}
const fixedFig = figuresOf(fixedRuns);
// The officer's sign-in (scrypt, deliberately slow) is the officer's cost, not the ingest's.
const fixedNoScrypt = (() => {
  const xs = fixedRuns.filter((r) => !r.problem && r.probe?.signInSeconds != null).map((r) => r.seconds - r.probe!.signInSeconds!);
  return xs.length ? median(xs) : null;
})();
const fixedCpuNoScrypt = (() => {
  const xs = fixedRuns
    .filter((r) => !r.problem && r.probe?.signInCpuSeconds != null && r.userSeconds !== null && r.systemSeconds !== null)
    .map((r) => r.userSeconds! + r.systemSeconds! - r.probe!.signInCpuSeconds!);
  return xs.length ? median(xs) : null;
})();
log(
  `Fixed cost of one ingest (start-up, sign-in, case open, workers; 1 file): ${secs(fixedFig.median)} s, ${secs(fixedFig.cpuSeconds)} CPU s, peak RSS ${rssMiB(fixedFig.peakRssKiB)}; sign-in (scrypt) ${secs(fixedFig.signInSeconds)} s, so ${secs(fixedNoScrypt)} s and ${secs(fixedCpuNoScrypt)} CPU s without it`,
);
// Until the ingest reports its stages, the small tree's catalogue is timed by an ingest with --no-text.
const stagesReported = fixedRuns.some((r) => (r.probe?.stages.length ?? 0) > 0);
if (!stagesReported) {
  allContenders.push({ name: 'ours-no-text', only: 'small', run: (t) => timeIngest(CASES, t.dir, t.files, ['--no-text']) });
  log('  this build reports no ingest stage: the catalogue of the small tree is timed by an extra ingest with --no-text');
}
log('');

const largeFig = await benchTree('large', large);
const smallFig = await benchTree('small', small);

// Peak memory as the small tree grows: one ingest per smaller subset (folder, and its deflated
// zip); the full tree's figures are the highest peaks of its timed runs above.
interface RssStep {
  files: number;
  bytes: number;
  peakRssKiB: number | null;
  seconds: number | null;
}
const rssFolder: RssStep[] = [];
const rssZip: RssStep[] = [];
log(`Peak RSS of our ingest as the small tree grows (${RSS_STEPS.join(' / ')} files${archiveStatus.ran ? ', folder and zip -6' : ''})`);
async function rssStep(source: string, files: number, bytes: number, name: string): Promise<RssStep> {
  warmUp(source);
  syncDisks();
  const r = await timeIngest(CASES, source, files);
  if (r.problem) {
    crashed = true;
    log(`  ${name}: FAILED: ${r.problem}`);
  }
  return { files, bytes, peakRssKiB: r.problem ? null : r.peakRssKiB, seconds: r.problem ? null : r.seconds };
}
for (const t of subsets) {
  if (t === small) {
    const c = smallFig.contenders.ours;
    rssFolder.push({ files: t.files, bytes: t.bytes, peakRssKiB: c?.peakRssKiB ?? null, seconds: c?.median ?? null });
    if (archiveStatus.ran) {
      const z = smallFig.contenders['ours-zip-deflated'];
      rssZip.push({ files: t.files, bytes: zipsOf.get(t)!.deflated!.bytes, peakRssKiB: z?.peakRssKiB ?? null, seconds: z?.median ?? null });
    }
    continue;
  }
  rssFolder.push(await rssStep(t.dir, t.files, t.bytes, t.name));
  if (archiveStatus.ran) {
    const z = zipsOf.get(t)!.deflated!;
    rssZip.push(await rssStep(z.path, t.files, z.bytes, z.name));
  }
}
log('');

// Archive figures: each zip against the folder ingest of the same tree, from the same rounds.
interface ArchiveFigures {
  zip: string;
  tree: string;
  mode: Mode;
  zipBytes: number;
  members: number;
  runs: number[];
  median: number | null;
  folderMedian: number | null;
  archiveOverFolder: number | null;
  cpuArchiveOverFolder: number | null;
  target: number;
  met: boolean | null;
  peakRssKiB: number | null;
  problems: string[];
  warnings: string[];
}
const archiveFigs: ArchiveFigures[] = [];
if (archiveStatus.ran) {
  for (const [tree, fig] of [
    [large, largeFig],
    [small, smallFig],
  ] as const) {
    for (const mode of ['stored', 'deflated'] as const) {
      const z = zipsOf.get(tree)![mode]!;
      const c = fig.contenders[`ours-zip-${mode}`];
      const folder = fig.contenders.ours;
      const aof = c?.median != null && folder?.median != null ? c.median / folder.median : null;
      archiveFigs.push({
        zip: z.name,
        tree: tree.name,
        mode,
        zipBytes: z.bytes,
        members: z.members,
        runs: c?.runs ?? [],
        median: c?.median ?? null,
        folderMedian: folder?.median ?? null,
        archiveOverFolder: aof,
        cpuArchiveOverFolder: c?.cpuSeconds != null && folder?.cpuSeconds ? c.cpuSeconds / folder.cpuSeconds : null,
        target: TARGET[mode],
        met: aof === null ? null : aof <= TARGET[mode],
        peakRssKiB: c?.peakRssKiB ?? null,
        problems: c?.problems ?? [],
        warnings: c?.warnings ?? [],
      });
    }
  }
}

// Peak RSS at 200,000 small files (--rss-200k): a tree ten times the small one, generated once
// under the cache folder (~2 GiB), one ingest. Minutes: about ten times the 20,000-file ingest.
let rss200k: { files: number; bytes: number; peakRssKiB: number | null; seconds: number | null; generateSeconds: number | null } | null = null;
if (opt['rss-200k']) {
  const spec200k: SmallSpec = { ...smallSpec, seed: SEED + 2, files: 200_000 };
  const g0 = performance.now();
  const t = ensureTree(BASE, spec200k, log);
  const generateSeconds = t.reused ? null : (performance.now() - g0) / 1000;
  log(`Peak RSS at ${t.files.toLocaleString('en')} small files (${mib(t.bytes)} MiB): one ingest${generateSeconds !== null ? ` (tree generated in ${secs(generateSeconds)} s)` : ''}`);
  warmUp(t.dir);
  syncDisks();
  const r = await timeIngest(CASES, t.dir, t.files);
  if (r.problem) {
    crashed = true;
    log(`  FAILED: ${r.problem}`);
  }
  rss200k = { files: t.files, bytes: t.bytes, peakRssKiB: r.problem ? null : r.peakRssKiB, seconds: r.problem ? null : r.seconds, generateSeconds };
  log(`  ${rssMiB(rss200k.peakRssKiB)} peak RSS, ${secs(rss200k.seconds)} s`);
  log('');
}

// The full-text index's own rate (fts.ts): the small tree's texts into FTS5 variants, chars per CPU-second.
let ftsFig: FtsVariant[] | null = null;
if (!opt['no-fts']) {
  const maxChars = QUICK ? 2_000_000 : 10_000_000;
  log(`FTS5 indexing rate: up to ${maxChars.toLocaleString('en')} characters of the small tree's text files into each index variant`);
  try {
    ftsFig = ftsRates(BASE, textsOf(small.dir, maxChars));
  } catch (err) {
    crashed = true;
    log(`  FAILED: ${(err as Error).message}`);
  }
  log('');
}

rmSync(CASES, { recursive: true, force: true });

// Search over a generated case of a million items with text (issue 5): generated once, then reused.
let searchFig: import('./search.ts').SearchFigures | null = null;
if (!opt['no-search']) {
  const { searchBench } = await import('./search.ts');
  log(`Search: 20 trigram queries over a case of ${SEARCH_ITEMS.toLocaleString('en')} items with text`);
  try {
    searchFig = searchBench({ base: BASE, items: SEARCH_ITEMS, seed: SEED, log });
  } catch (err) {
    crashed = true;
    log(`  search FAILED: ${(err as Error).message}`);
  }
  log('');
}

// Custody verify of a generated log of a million events (issue 10): generated once, then reused.
let custodyFig: import('./custody.ts').CustodyFigures | null = null;
if (!opt['no-custody']) {
  const { custodyBench } = await import('./custody.ts');
  log(`Custody: evidence custody verify of a log of ${CUSTODY_EVENTS.toLocaleString('en')} events`);
  try {
    custodyFig = custodyBench({ base: BASE, events: CUSTODY_EVENTS, log });
  } catch (err) {
    crashed = true;
    log(`  custody FAILED: ${(err as Error).message}`);
  }
  log('');
}

// Export of a case's stored files against cp -r of the same files (issue 13).
let exportFig: import('./export.ts').ExportFigures[] | null = null;
if (!opt['no-export']) {
  const { exportBench } = await import('./export.ts');
  log('Export: evidence export --all against cp -r of the same files');
  try {
    exportFig = await exportBench({ base: BASE, trees: [large, small], reps: REPS, log });
    if (exportFig.some((f) => f.problem)) crashed = true;
  } catch (err) {
    crashed = true;
    log(`  export FAILED: ${(err as Error).message}`);
  }
  log('');
}

// ---------------------------------------------------------------------------------------------
// Report.

const verdict = (met: boolean | null): string => (met === null ? 'n/a' : met ? 'MET' : 'NOT MET');
const describe = (label: string, spec: LargeSpec | SmallSpec): string =>
  spec.kind === 'large' ? `${label}: ${spec.files} x ${spec.fileSize / MiB} MiB` : `${label}: ${spec.files} files 100 B-20 KiB`;

log('='.repeat(100));
log(`Results (${QUICK ? 'quick' : 'full'} run; seconds are the median of ${REPS}; ratios < 1 mean we are faster)`);
log('');
// The table of issue 11, every row, met or not.
const hdOf = (f: TreeFigures): number | null => f.contenders.hashdeep?.median ?? null;
const archiveOf = (mode: Mode): ArchiveFigures | undefined => archiveFigs.find((a) => a.tree === large.name && a.mode === mode);
const rssAt = (n: number): number | null => rssFolder.find((r) => r.files === n)?.peakRssKiB ?? null;
const issueRows: string[][] = [
  [
    `${largeSpec.files} x ${largeSpec.fileSize / MiB} MiB, catalogue ready`,
    secs(largeFig.catalogueSeconds),
    secs(hdOf(largeFig)),
    ratio(largeFig.catalogueOverHashdeep),
    `<= ${TARGET.large}`,
    verdict(largeFig.met),
    ratio(largeFig.cpuCatalogueOverHashdeep),
  ],
  [
    `${smallSpec.files.toLocaleString('en')} small files, catalogue ready`,
    secs(smallFig.catalogueSeconds),
    secs(hdOf(smallFig)),
    ratio(smallFig.catalogueOverHashdeep),
    `<= ${TARGET.small}`,
    verdict(smallFig.met),
    ratio(smallFig.cpuCatalogueOverHashdeep),
  ],
  [
    `${smallSpec.files.toLocaleString('en')} small files, search ready`,
    secs(smallFig.contenders.ours?.median),
    secs(hdOf(smallFig)),
    ratio(smallFig.searchOverHashdeep),
    `<= ${TARGET.search}`,
    verdict(smallFig.searchMet),
    ratio(smallFig.cpuOursOverHashdeep),
  ],
  ...(['stored', 'deflated'] as const).map((mode) => {
    const a = archiveOf(mode);
    return [`ZIP of the large tree / folder, ${mode}`, secs(a?.median), secs(a?.folderMedian), ratio(a?.archiveOverFolder), `<= ${TARGET[mode]}`, verdict(a?.met ?? null), ratio(a?.cpuArchiveOverFolder)];
  }),
  [
    'fixed cost of one ingest, without sign-in (s)',
    secs(fixedNoScrypt),
    '-',
    '-',
    `<= ${TARGET.fixedSeconds}`,
    verdict(fixedNoScrypt === null ? null : fixedNoScrypt <= TARGET.fixedSeconds),
    `${secs(fixedCpuNoScrypt)} CPU s`,
  ],
  [
    `peak RSS at ${smallSpec.files.toLocaleString('en')} small files`,
    rssMiB(rssAt(smallSpec.files)),
    '-',
    '-',
    `<= ${TARGET.rssMiB} MiB`,
    verdict(rssAt(smallSpec.files) === null ? null : rssAt(smallSpec.files)! / 1024 <= TARGET.rssMiB),
    '-',
  ],
  [
    'peak RSS at 200,000 small files',
    rss200k ? rssMiB(rss200k.peakRssKiB) : 'not run (--rss-200k)',
    '-',
    '-',
    `<= ${TARGET.rssMiB} MiB`,
    verdict(rss200k?.peakRssKiB == null ? null : rss200k.peakRssKiB / 1024 <= TARGET.rssMiB),
    '-',
  ],
];
log(table(['measure (issue 11)', 'ours s', 'hashdeep s', 'ratio', 'goal', 'result', 'CPU-s ratio'], issueRows));
log(`  catalogue ready, large: from ${largeFig.catalogueFrom}; small: from ${smallFig.catalogueFrom}. Search ready: the whole ingest (text indexed, suggestions made).`);
log('  ZIP rows: ours s is the zip ingest, hashdeep s the folder ingest of the same tree. CPU-s ratio: user+system seconds of the same runs (steadier on a busy machine).');
log('');
const mainRows = [
  [largeFig, describe('large', largeSpec)],
  [smallFig, describe('small', smallSpec)],
] as const;
log(
  table(
    ['whole ingest', 'files', 'MiB', 'ours s', 'hashdeep s', 'sha256sum s', 'ours/hashdeep', 'ours/sha256sum', 'ours MiB/s', 'ours peak RSS', 'ours cores busy'],
    mainRows.map(([f, label]) => {
      const o = f.contenders.ours;
      return [
        label,
        String(f.files),
        mib(f.bytes),
        secs(o?.median),
        f.contenders.hashdeep ? secs(f.contenders.hashdeep.median) : 'missing',
        f.contenders.sha256sum ? secs(f.contenders.sha256sum.median) : 'missing',
        ratio(f.oursOverHashdeep),
        ratio(f.oursOverSha256sum),
        o?.median ? (f.bytes / MiB / o.median).toFixed(0) : '-',
        rssMiB(o?.peakRssKiB),
        o?.coresBusy !== null && o?.coresBusy !== undefined ? `${o.coresBusy.toFixed(2)} of ${cores}` : '-',
      ];
    }),
  ),
);
log('');
for (const [f, label] of mainRows) {
  const parts = Object.entries(f.contenders).map(([n, c]) => `${n} ${c.runs.map((s) => secs(s)).join(' ')}`);
  log(`  runs, ${label}: ${parts.join(' | ')}`);
  const cpuParts = Object.entries(f.contenders).map(([n, c]) => `${n} ${secs(c.cpuSeconds)}`);
  log(`  CPU seconds (user+sys, median), ${label}: ${cpuParts.join(' | ')}; ours/hashdeep ${ratio(f.cpuOursOverHashdeep)}`);
}
const baselineCores = (['hashdeep', 'sha256sum'] as const)
  .map((n) => {
    const c = largeFig.contenders[n];
    return c?.coresBusy != null ? `${n} ${c.coresBusy.toFixed(2)} (large) / ${smallFig.contenders[n]?.coresBusy?.toFixed(2) ?? '-'} (small)` : null;
  })
  .filter(Boolean);
if (baselineCores.length) log(`  baselines' cores busy: ${baselineCores.join(', ')}`);
log('');

// Where our time goes, per thread (probe.ts + /proc): a main thread near the wall time with
// workers far below it means the main thread is the limit.
log('Our ingest, per thread (CPU seconds, median run) and when each phase/stage began (seconds from start)');
for (const [f, label] of mainRows) {
  for (const [name, c] of Object.entries(f.contenders)) {
    if (!name.startsWith('ours') || !c) continue;
    const marks = [...c.phases.map((p) => `${p.phase} ${secs(p.at)}`), ...c.stages.map((p) => `stage ${p.stage} ${secs(p.at)}`)].join(', ');
    log(
      `  ${label}, ${name}: main ${secs(c.cpuMain)}, ${c.workerCount ?? '?'} workers ${secs(c.cpuWorkers)}, helpers ${secs(c.cpuOther)} CPU-s; wall ${secs(c.median)} s; sign-in ${secs(c.signInSeconds)} s${marks ? `; ${marks}` : ''}`,
    );
  }
}
log('');
const hdLarge = largeFig.contenders.hashdeep;
log('The machine (why a ratio differs between machines: hashdeep only reads and hashes; we also write every byte, fsync every commit and index text)');
for (const l of machineLines(rates, hdLarge?.median ? largeFig.bytes / MiB / hdLarge.median : null, hdLarge?.cpuSeconds ? largeFig.bytes / MiB / hdLarge.cpuSeconds : null)) log(l);
log(`  load average ${loadStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} now, on ${cores} cores`);
log('');
if (ftsFig) {
  log('FTS5 indexing rate (the small tree\'s texts, this process alone, WAL + synchronous=FULL, 500 texts per transaction)');
  log(
    table(
      ['index', 'characters', 'CPU s', 'wall s', 'M chars per CPU-s', 'bytes per char'],
      ftsFig.map((v) => [v.name, v.chars.toLocaleString('en'), secs(v.cpuSeconds), secs(v.wallSeconds), (v.charsPerCpuSecond / 1e6).toFixed(2), v.bytesPerChar.toFixed(2)]),
    ),
  );
  log('');
}

log(
  `Fixed cost of one \`evidence ingest\` (1-file folder): ${secs(fixedFig.median)} s wall (${secs(fixedNoScrypt)} s without the sign-in's ${secs(fixedFig.signInSeconds)} s), ${secs(fixedFig.cpuSeconds)} s CPU (${secs(fixedCpuNoScrypt)} without the sign-in's ${secs(fixedFig.signInCpuSeconds)}) (main ${secs(fixedFig.cpuMain)}, workers ${secs(fixedFig.cpuWorkers)}, helpers ${secs(fixedFig.cpuOther)}), peak RSS ${rssMiB(fixedFig.peakRssKiB)}; it is inside every "ours" figure above`,
);
log('');
log('Peak RSS of `evidence ingest` as the small tree grows');
const rssRows = rssFolder.map((s, i) => {
  const z = rssZip[i];
  return [String(s.files), mib(s.bytes), rssMiB(s.peakRssKiB), secs(s.seconds), z ? mib(z.bytes) : '-', z ? rssMiB(z.peakRssKiB) : '-', z ? secs(z.seconds) : '-'];
});
log(table(['files', 'folder MiB', 'folder peak RSS', 'folder s', 'zip -6 MiB', 'zip peak RSS', 'zip s'], rssRows, 0));
const flat = (steps: RssStep[]): string | null => {
  const first = steps[0];
  const last = steps[steps.length - 1];
  const a = first?.peakRssKiB;
  const b = last?.peakRssKiB;
  if (!first || !last || !a || !b || last.files === first.files) return null;
  // Flat: the peak grows by less than 10% (or 16 MiB) while the file count grows 4x.
  const isFlat = b - a <= Math.max(16 * 1024, 0.1 * a);
  const perFile = ((b - a) / (last.files - first.files)).toFixed(1);
  return `${rssMiB(a)} -> ${rssMiB(b)} from ${first.files} to ${last.files} files (${isFlat ? 'flat' : `NOT flat: +${perFile} KiB per extra file`})`;
};
log('');

log('Archives (ZIP ingest vs ingest of the same files as a folder, timed in the same rounds)');
if (!archiveStatus.ran) {
  log(`  ${archiveStatus.reason}`);
} else {
  log(
    table(
      ['zip', 'zip MiB', 'members', 'zip ingest s', 'folder ingest s', 'archive/folder', 'target', 'result', 'CPU-time ratio', 'peak RSS'],
      archiveFigs.map((a) => [
        `${a.tree} ${a.mode} (zip ${a.mode === 'stored' ? '-0' : '-6'})`,
        mib(a.zipBytes),
        String(a.members),
        secs(a.median),
        secs(a.folderMedian),
        ratio(a.archiveOverFolder),
        `<= ${a.target}`,
        verdict(a.met),
        ratio(a.cpuArchiveOverFolder),
        rssMiB(a.peakRssKiB),
      ]),
    ),
  );
}
log('');

// One line a reader can act on.
const bits: string[] = [];
for (const [f, label] of [
  [largeFig, 'large files'],
  [smallFig, 'small files'],
] as const) {
  if (f.catalogueOverHashdeep !== null) bits.push(`${label}, catalogue ready ${ratio(f.catalogueOverHashdeep)}x hashdeep (goal ${f.target}: ${verdict(f.met)})`);
  else bits.push(`${label}: no hashdeep baseline`);
  if (f.searchOverHashdeep !== null) bits.push(`${label}, search ready ${ratio(f.searchOverHashdeep)}x hashdeep (goal ${f.searchTarget}: ${verdict(f.searchMet)})`);
}
const fl = flat(rssFolder);
if (fl) bits.push(`folder peak RSS ${fl}`);
const flz = flat(rssZip);
if (flz) bits.push(`zip peak RSS ${flz}`);
if (archiveStatus.ran) {
  const worst = (mode: 'stored' | 'deflated'): string => {
    const xs = archiveFigs.filter((a) => a.mode === mode && a.archiveOverFolder !== null);
    if (!xs.length) return `${mode}: -`;
    const w = xs.reduce((p, c) => (c.archiveOverFolder! > p.archiveOverFolder! ? c : p));
    return `${mode} zip up to ${ratio(w.archiveOverFolder)}x folder (target ${w.target}: ${verdict(xs.every((x) => x.met))})`;
  };
  bits.push(worst('stored'), worst('deflated'));
} else bits.push('archives not measured');
const loadEnd = loadavg()[0]!;
if (Math.max(loadStart, loadEnd) > cores / 2) {
  bits.push(`machine busy (load ${loadStart.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end, ${cores} cores): rerun on an idle machine before trusting the wall-time ratios`);
}
log(`Interpretation: ${bits.join('; ')}.${QUICK ? ' (quick run: smaller trees, one repetition; use the full run for the figures.)' : ''}`);
if (searchFig) {
  const { searchReport } = await import('./search.ts');
  log('');
  for (const l of searchReport(searchFig)) log(l);
}
if (custodyFig) {
  const { custodyReport } = await import('./custody.ts');
  log('');
  for (const l of custodyReport(custodyFig)) log(l);
}
if (exportFig) {
  const { exportReport } = await import('./export.ts');
  log('');
  for (const l of exportReport(exportFig)) log(l);
}
if (crashed) log('Some runs FAILED (see above): their times are left out of the medians.');

if (opt.json) {
  const out = resolve(opt.json);
  const doc = {
    generatedAt: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    repetitions: REPS,
    seed: SEED,
    machine,
    loadAverage: { start: loadStart, end: loadEnd },
    targets: TARGET,
    fixedCostOfOneIngest: { ...fixedFig, withoutSignInSeconds: fixedNoScrypt, cpuWithoutSignInSeconds: fixedCpuNoScrypt },
    machineRates: rates,
    fts: ftsFig,
    peakRss200k: rss200k,
    trees: { large: largeFig, small: smallFig },
    peakRssAsTreeGrows: { folder: rssFolder, zipDeflated: rssZip },
    archives: { ...archiveStatus, results: archiveFigs },
    search: searchFig,
    custody: custodyFig,
    export: exportFig,
    crashed,
  };
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  log(`Figures written to ${out}`);
}

process.exitCode = crashed ? 1 : 0;
