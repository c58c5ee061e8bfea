// Export speed (issue 13): `evidence export <case> --all --out <folder>` of a case's stored files
// against `cp -r` of the same files (the source tree the case was made from: same files, same
// bytes), in the same rounds, alternating which goes first, both from a warm page cache and onto
// the same file system. The export copies each file out of the store and hashes it (MD5, SHA-1,
// SHA-256) and fsyncs it, then writes the hash lists, report, custody excerpt and signature; cp
// only copies (a second baseline also fsyncs each copied file, as the export does). As child
// processes: wall time, CPU time and peak RSS (a bundle must not need memory in proportion to its
// size). The bundle of the last round is checked with `evidence bundle verify` (timed once: what
// a prosecutor's check costs).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { median, runTimed, syncDisks, warmUp } from './measure.ts';
import { BENCH_EXHIBIT, CLI, ENV, freshCase } from './ours.ts';
import { MiB, mib, ratio, rssMiB, secs, table } from './report.ts';
import type { Tree } from './trees.ts';

export interface ExportFigures {
  tree: string;
  files: number;
  bytes: number;
  reps: number;
  /** Median wall seconds of `evidence export --all` (sign-in included: a fixed cost of a fraction of a second). */
  exportSeconds: number | null;
  cpSeconds: number | null;
  /** cp -r, then every copied file fsynced (coreutils `sync FILE...`): as durable as the export's files. */
  cpSyncSeconds: number | null;
  exportMiBps: number | null;
  cpMiBps: number | null;
  /** exportSeconds / cpSeconds: > 1 means the export is slower than a plain copy. */
  exportOverCp: number | null;
  exportOverCpSync: number | null;
  exportCpuSeconds: number | null;
  cpCpuSeconds: number | null;
  exportPeakRssKiB: number | null;
  /** Files the export wrote into files/ (the case's items with a stored copy). */
  exportedFiles: number | null;
  verifySeconds: number | null;
  verifyOk: boolean | null;
  problem: string | null;
}

export interface ExportBenchOptions {
  base: string;
  trees: Tree[];
  reps: number;
  log: (s: string) => void;
}

const lastLine = (s: string): string => s.trim().split('\n').slice(-3).join(' | ');

/** Ingests the tree into a fresh case (untimed: the ingest has its own section). */
async function caseOf(casesDir: string, tree: Tree, env: NodeJS.ProcessEnv): Promise<string> {
  const kase = freshCase(casesDir);
  // --no-text: the text stage is the ingest's cost, not the export's.
  const r = await runTimed(process.execPath, [CLI, 'ingest', kase, tree.dir, '--exhibit', BENCH_EXHIBIT, '--json', '--no-text'], { env, captureStdout: true });
  if (r.exitCode !== 0) throw new Error(`evidence ingest of ${tree.name} failed (exit ${r.exitCode}): ${lastLine(r.stderrTail)}`);
  return kase;
}

export async function exportBench(o: ExportBenchOptions): Promise<ExportFigures[]> {
  const casesDir = join(o.base, 'export-cases');
  const outDir = join(o.base, 'export-out');
  const env: NodeJS.ProcessEnv = { ...ENV, EVIDENCE_RECEIPTS_DIR: join(o.base, 'export-receipts') };
  rmSync(casesDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const figs: ExportFigures[] = [];
  try {
    for (const tree of o.trees) {
      const f: ExportFigures = {
        tree: tree.name,
        files: tree.files,
        bytes: tree.bytes,
        reps: o.reps,
        exportSeconds: null,
        cpSeconds: null,
        cpSyncSeconds: null,
        exportMiBps: null,
        cpMiBps: null,
        exportOverCp: null,
        exportOverCpSync: null,
        exportCpuSeconds: null,
        cpCpuSeconds: null,
        exportPeakRssKiB: null,
        exportedFiles: null,
        verifySeconds: null,
        verifyOk: null,
        problem: null,
      };
      figs.push(f);
      try {
        o.log(`  ${tree.name}: ingesting into a case (untimed)`);
        const kase = await caseOf(casesDir, tree, env);
        warmUp(tree.dir);
        warmUp(join(kase, 'store'));
        const ours: { s: number; cpu: number | null; rss: number | null }[] = [];
        const cps: { s: number; cpu: number | null }[] = [];
        const cpSyncs: number[] = [];
        const bundle = join(outDir, 'bundle');
        const copy = join(outDir, 'copy');
        for (let rep = 0; rep < o.reps; rep++) {
          const runExport = async (): Promise<void> => {
            rmSync(bundle, { recursive: true, force: true });
            syncDisks();
            const r = await runTimed(process.execPath, [CLI, 'export', kase, '--all', '--out', bundle, '--json'], { env, captureStdout: true, measure: true });
            if (r.exitCode !== 0) throw new Error(`evidence export failed (exit ${r.exitCode}): ${lastLine(r.stderrTail)}`);
            const res = JSON.parse(r.stdout) as { files: number };
            f.exportedFiles = res.files;
            ours.push({ s: r.seconds, cpu: r.userSeconds !== null && r.systemSeconds !== null ? r.userSeconds + r.systemSeconds : null, rss: r.peakRssKiB });
          };
          const runCp = async (): Promise<void> => {
            rmSync(copy, { recursive: true, force: true });
            syncDisks();
            const r = await runTimed('cp', ['-r', tree.dir, copy], { measure: true });
            if (r.exitCode !== 0) throw new Error(`cp -r failed (exit ${r.exitCode}): ${lastLine(r.stderrTail)}`);
            cps.push({ s: r.seconds, cpu: r.userSeconds !== null && r.systemSeconds !== null ? r.userSeconds + r.systemSeconds : null });
            rmSync(copy, { recursive: true, force: true });
            syncDisks();
            // The export fsyncs each file it writes (a bundle must survive a power cut); cp does
            // not. The same copy with each file fsynced after it is the durable baseline.
            const d = await runTimed('sh', ['-c', 'cp -r "$1" "$2" && find "$2" -type f -exec sync -- {} +', 'cp-sync', tree.dir, copy]);
            if (d.exitCode !== 0) throw new Error(`cp -r + sync failed (exit ${d.exitCode}): ${lastLine(d.stderrTail)}`);
            cpSyncs.push(d.seconds);
            rmSync(copy, { recursive: true, force: true });
          };
          // Alternate who goes first, so neither always meets the other's dirty pages.
          if (rep % 2 === 0) {
            await runExport();
            await runCp();
          } else {
            await runCp();
            await runExport();
          }
          o.log(`  ${tree.name} round ${rep + 1}/${o.reps}: export ${ours.at(-1)!.s.toFixed(2)} s, cp -r ${cps.at(-1)!.s.toFixed(2)} s, cp -r + sync ${cpSyncs.at(-1)!.toFixed(2)} s`);
        }
        f.exportSeconds = median(ours.map((x) => x.s));
        f.cpSeconds = median(cps.map((x) => x.s));
        f.exportMiBps = tree.bytes / MiB / f.exportSeconds;
        f.cpMiBps = tree.bytes / MiB / f.cpSeconds;
        f.exportOverCp = f.exportSeconds / f.cpSeconds;
        f.cpSyncSeconds = median(cpSyncs);
        f.exportOverCpSync = f.exportSeconds / f.cpSyncSeconds;
        const cpu = (xs: { cpu: number | null }[]): number | null => (xs.every((x) => x.cpu !== null) ? median(xs.map((x) => x.cpu!)) : null);
        f.exportCpuSeconds = cpu(ours);
        f.cpCpuSeconds = cpu(cps);
        f.exportPeakRssKiB = ours.every((x) => x.rss !== null) ? Math.max(...ours.map((x) => x.rss!)) : null;
        // The prosecutor's check of the last bundle (no case, no sign-in).
        const v = await runTimed(process.execPath, [CLI, 'bundle', 'verify', bundle, '--json'], { env, captureStdout: true });
        f.verifySeconds = v.seconds;
        try {
          f.verifyOk = (JSON.parse(v.stdout) as { ok: boolean }).ok === true;
        } catch {
          f.verifyOk = false;
        }
        rmSync(bundle, { recursive: true, force: true });
        rmSync(kase, { recursive: true, force: true });
      } catch (err) {
        f.problem = (err as Error).message;
        o.log(`  ${tree.name}: FAILED: ${f.problem}`);
      }
    }
  } finally {
    rmSync(casesDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  return figs;
}

export function exportReport(figs: ExportFigures[]): string[] {
  const n = (x: number | null, d = 0): string => (x === null ? '-' : x.toFixed(d));
  return [
    `Export (evidence export --all of the case's stored files vs cp -r of the same files; median of ${figs[0]?.reps ?? 0}; ratio > 1: the export is slower)`,
    table(
      ['tree', 'files', 'MiB', 'export s', 'export MiB/s', 'cp -r s', 'cp -r MiB/s', 'export/cp', 'cp+sync s', 'export/(cp+sync)', 'CPU s export/cp', 'export peak RSS', 'bundle verify s'],
      figs.map((f) => [
        f.tree,
        String(f.files),
        mib(f.bytes),
        secs(f.exportSeconds),
        n(f.exportMiBps),
        secs(f.cpSeconds),
        n(f.cpMiBps),
        ratio(f.exportOverCp),
        secs(f.cpSyncSeconds),
        ratio(f.exportOverCpSync),
        `${n(f.exportCpuSeconds, 2)} / ${n(f.cpCpuSeconds, 2)}`,
        rssMiB(f.exportPeakRssKiB),
        f.verifySeconds === null ? '-' : `${secs(f.verifySeconds)}${f.verifyOk ? '' : ' (NOT OK)'}`,
      ]),
    ),
    ...figs.filter((f) => f.problem).map((f) => `  ${f.tree}: FAILED: ${f.problem}`),
    ...figs.filter((f) => f.exportedFiles !== null && f.exportedFiles !== f.files).map((f) => `  ${f.tree}: the bundle holds ${f.exportedFiles} files of the tree's ${f.files}`),
    '  (the export also signs in (scrypt: a fixed cost of a few seconds at the production setting), hashes every file three times as it writes it, fsyncs each file, and writes the report, hash lists, custody excerpt and signature; cp -r only copies into the page cache, cp+sync also fsyncs each copied file)',
  ];
}
