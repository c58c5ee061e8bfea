// `npm start`: the Electron window where the Electron binary is installed; otherwise (an
// air-gapped lab that installed from a registry mirror with ELECTRON_SKIP_BINARY_DOWNLOAD, a
// container, a CI box) the same UI through the browser host (src/host/main.ts), said in one line
// with the reason and the URL. `npm start -- --web` asks for the browser host even where Electron
// exists. Other arguments go to the host: --port, --data, --root, --renderer (where the renderer
// is built, default .vite/renderer/main_window).
//
// The electron package's own index.js is NOT required here: where its binary is missing it tries
// to download it, which an offline machine must never attempt. Its path.txt is read instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const projectDir = resolve(import.meta.dirname, '..');
const require = createRequire(join(projectDir, 'package.json'));

/**
 * Where the Electron binary is, or why there is none. Mirrors node_modules/electron/index.js
 * (path.txt names the executable inside dist/, ELECTRON_OVERRIDE_DIST_PATH replaces dist/)
 * without its download fallback.
 */
export function findElectron() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { binary: null, why: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = join(override, name || 'electron');
    return existsSync(binary) ? { binary, why: null } : { binary: null, why: `no Electron binary at ${binary} (ELECTRON_OVERRIDE_DIST_PATH)` };
  }
  if (!name) return { binary: null, why: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)' };
  const binary = join(pkgDir, 'dist', name);
  return existsSync(binary) ? { binary, why: null } : { binary: null, why: `no Electron binary at ${binary}` };
}

/** The --renderer folder from the arguments (both forms), or the default the host reads. */
function rendererDir(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--renderer' && args[i + 1]) return resolve(args[i + 1]);
    if (args[i].startsWith('--renderer=')) return resolve(args[i].slice('--renderer='.length));
  }
  return join(projectDir, '.vite', 'renderer', 'main_window');
}

function startElectron(args) {
  const forge = join(dirname(require.resolve('@electron-forge/cli/package.json')), 'dist', 'electron-forge.js');
  const child = spawn(process.execPath, [forge, 'start', ...args], { cwd: projectDir, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}

function startBrowserHost(args, why) {
  const outDir = rendererDir(args);
  process.stderr.write(`Building the renderer into ${outDir}…\n`);
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const build = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'],
    { cwd: projectDir, stdio: 'inherit' },
  );
  if (build.status !== 0) {
    process.stderr.write('The renderer did not build; see the messages above.\n');
    process.exit(build.status ?? 1);
  }
  const hostArgs = args.filter((a) => a !== '--web');
  if (!hostArgs.some((a) => a === '--renderer' || a.startsWith('--renderer='))) hostArgs.push('--renderer', outDir);
  const host = spawn(process.execPath, [join(projectDir, 'src', 'host', 'main.ts'), ...hostArgs], {
    cwd: projectDir,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  // The host's own first line names the URL; it becomes the one line that says why and where.
  const lines = createInterface({ input: host.stdout });
  lines.on('line', (line) => {
    const m = /^Evidence Catalogue \(browser host\) at (\S+)/.exec(line);
    if (m) {
      process.stdout.write(`Starting the browser host instead of the Electron window (${why}): open ${m[1]} in a browser.\n`);
    } else {
      process.stdout.write(`${line}\n`);
    }
  });
  // Ctrl-C and kill reach the host, which stops its jobs cleanly (an ingest can be resumed).
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => host.kill(sig));
  host.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 1)));
}

const args = process.argv.slice(2);
const electron = findElectron();
if (args.includes('--web')) startBrowserHost(args, 'asked for with --web');
else if (electron.binary) startElectron(args);
else startBrowserHost(args, electron.why);
