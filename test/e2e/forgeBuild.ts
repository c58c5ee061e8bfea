// Builds the app's Vite targets exactly as `electron-forge package` does (forge's own build
// subprocess, with the targets and configs of forge.config.ts), optionally into other folders.
// Used by the Electron e2e test (into .vite, which `electron .` loads) and by the bundle unit
// test (into a temp folder, to run the bundled engine workers in plain Node).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface BuildSpec {
  entry: string | string[] | Record<string, string>;
  config: string;
  target?: 'main' | 'preload';
}
interface RendererSpec {
  name: string;
  config: string;
}
export interface VitePluginSpec {
  build: BuildSpec[];
  renderer: RendererSpec[];
}

/** The Vite plugin's configuration from forge.config.ts. */
export async function vitePluginSpec(): Promise<VitePluginSpec> {
  const forge = (await import('../../forge.config.ts')).default as { plugins?: { name?: string; config?: unknown }[] };
  const vite = forge.plugins?.find((p) => p.name === 'vite');
  if (!vite?.config) throw new Error('forge.config.ts has no Vite plugin');
  return vite.config as VitePluginSpec;
}

export function specName(spec: BuildSpec | RendererSpec): string {
  if ('name' in spec) return spec.name;
  const e = spec.entry;
  return typeof e === 'string' ? e : Array.isArray(e) ? e.join(' ') : Object.keys(e).join(' ');
}

function subprocessWorker(): string {
  // The file forge itself runs for each production build target.
  return join(dirname(fileURLToPath(import.meta.resolve('@electron-forge/plugin-vite'))), 'subprocess-worker.js');
}

function run(env: Record<string, string>): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [subprocessWorker()], {
      cwd: projectDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`Vite build failed (exit ${code}):\n${out}`))));
  });
}

export interface BuildOptions {
  /** Only these targets (names as in specName: 'main', 'preload', 'ingest-worker', 'main_window', ...). */
  only?: string[];
  /** Build main-process and preload targets into this folder instead of .vite/build. */
  buildOutDir?: string;
  /** Build renderer targets into this folder instead of .vite/renderer/<name>. */
  rendererOutDir?: string;
}

/**
 * Runs forge's Vite build subprocess for each target (in parallel). With an out dir, each target's
 * config is wrapped by a small config that only changes build.outDir.
 */
export async function forgeViteBuild(opts: BuildOptions = {}): Promise<void> {
  const spec = await vitePluginSpec();
  const wrapDir = join(projectDir, 'node_modules', '.cache', 'evidence-forge-build', randomUUID());
  const wrap = (config: string, outDir: string | undefined): string => {
    if (!outDir) return config;
    mkdirSync(wrapDir, { recursive: true });
    const file = join(wrapDir, `${randomUUID()}.mjs`);
    writeFileSync(
      file,
      `import base from ${JSON.stringify(resolve(projectDir, config))};
export default async (env) => {
  const c = typeof base === 'function' ? await base(env) : base;
  return { ...c, build: { ...(c.build ?? {}), outDir: ${JSON.stringify(outDir)}, emptyOutDir: false } };
};
`,
    );
    return file;
  };
  const plugin: VitePluginSpec = {
    build: spec.build.map((b) => ({ ...b, config: wrap(b.config, opts.buildOutDir) })),
    renderer: spec.renderer.map((r) => ({ ...r, config: wrap(r.config, opts.rendererOutDir) })),
  };
  const keep = (s: BuildSpec | RendererSpec): boolean => !opts.only || opts.only.includes(specName(s));
  const common = { FORGE_VITE_PROJECT_DIR: projectDir, FORGE_VITE_CONFIG: JSON.stringify(plugin) };
  try {
    await Promise.all([
      ...plugin.build.map((b, i) => (keep(b) ? run({ ...common, FORGE_VITE_KIND: 'build', FORGE_VITE_INDEX: String(i) }) : null)),
      ...plugin.renderer.map((r, i) => (keep(r) ? run({ ...common, FORGE_VITE_KIND: 'renderer', FORGE_VITE_INDEX: String(i) }) : null)),
    ]);
  } finally {
    rmSync(wrapDir, { recursive: true, force: true });
  }
}
