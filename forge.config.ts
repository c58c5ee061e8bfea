// electron-forge 8 configuration: Vite builds (main, preload, the engine's two workers, the
// renderer), fuses, makers, and the native-module packaging DESIGN.md section 9 describes.
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { cp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLES, RENDERER_NAME } from './src/main/buildLayout.ts';

const projectDir = dirname(fileURLToPath(import.meta.url));

/** Executable and package name on disk (the window and menus say "Evidence Catalogue"). */
export const EXECUTABLE_NAME = 'evidence-catalogue';

/**
 * better-sqlite3 is external to the main bundle, so the package must carry it and what it
 * loads at run time: `bindings`, which finds the .node file, and its helper `file-uri-to-path`.
 */
export const NATIVE_PACKAGES = ['better-sqlite3', 'bindings', 'file-uri-to-path'] as const;

/** Where each native package is installed, resolved the way Node would from its dependent. */
export function nativePackageDirs(fromDir: string = projectDir): Record<(typeof NATIVE_PACKAGES)[number], string> {
  const dirOf = (name: string, from: string): string =>
    dirname(createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`));
  const sqlite = dirOf('better-sqlite3', fromDir);
  const bindings = dirOf('bindings', sqlite);
  return { 'better-sqlite3': sqlite, bindings, 'file-uri-to-path': dirOf('file-uri-to-path', bindings) };
}

/** Build leftovers of a local compile that must not be copied (objects, makefiles, test addon). */
function keepForPackage(pkgDir: string, file: string): boolean {
  const rel = relative(pkgDir, file).split(sep).join('/');
  if (rel === '' || rel === 'build' || rel === 'build/Release') return true;
  if (rel.startsWith('build/')) return rel === 'build/Release/better_sqlite3.node';
  return !/(^|\/)(test|tests|docs|\.github)(\/|$)/.test(rel);
}

/** packageAfterCopy: copy the native packages into the app's node_modules. */
export async function copyNativePackages(buildPath: string, fromDir: string = projectDir): Promise<void> {
  for (const [name, dir] of Object.entries(nativePackageDirs(fromDir))) {
    await cp(dir, join(buildPath, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (src) => keepForPackage(dir, src),
    });
  }
}

/**
 * packageAfterPrune (after forge has rebuilt better-sqlite3 for Electron in the copy): drop what
 * only the compile needed: the SQLite sources, the gyp files, the objects. Keeps lib/ and the
 * one .node file (unpacked from the asar by packagerConfig.asar.unpack).
 */
export async function stripNativeBuildFiles(buildPath: string): Promise<void> {
  const dir = join(buildPath, 'node_modules', 'better-sqlite3');
  for (const p of ['deps', 'src', 'binding.gyp']) await rm(join(dir, p), { recursive: true, force: true });
  const buildDir = join(dir, 'build');
  let entries: string[];
  try {
    entries = await readdir(buildDir, { recursive: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => b.length - a.length)) {
    const rel = e.split(sep).join('/');
    if (rel === 'Release' || rel === 'Release/better_sqlite3.node') continue;
    await rm(join(buildDir, e), { recursive: true, force: true });
  }
}

const config: ForgeConfig = {
  packagerConfig: {
    // The .node file of better-sqlite3 cannot be loaded from inside the asar archive.
    asar: { unpack: '**/*.node' },
    executableName: EXECUTABLE_NAME,
  },
  rebuildConfig: {
    // The only native module; rebuilt for Electron's ABI on start and package.
    onlyModules: ['better-sqlite3'],
  },
  makers: [
    new MakerSquirrel({}),
    new MakerZIP({}, ['darwin', 'linux']),
    new MakerDeb({
      options: {
        bin: EXECUTABLE_NAME,
        productName: 'Evidence Catalogue',
        categories: ['Utility'],
        section: 'utils',
      },
    }),
    new MakerDMG({}),
  ],
  hooks: {
    packageAfterCopy: async (_config, buildPath) => copyNativePackages(buildPath),
    packageAfterPrune: async (_config, buildPath) => stripNativeBuildFiles(buildPath),
  },
  plugins: [
    new VitePlugin({
      build: [
        { entry: { [BUNDLES.main]: 'src/main/main.ts' }, config: 'vite.main.config.ts', target: 'main' },
        { entry: { [BUNDLES.preload]: 'src/preload/preload.ts' }, config: 'vite.preload.config.ts', target: 'preload' },
        // The engine's worker_threads scripts, bundled on their own next to main.cjs; main.ts
        // hands their paths to EvidenceService (ingestWorkerUrl / verifyWorkerUrl / stageWorkerUrl).
        { entry: { [BUNDLES.ingestWorker]: 'src/core/ingest/worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
        { entry: { [BUNDLES.verifyWorker]: 'src/core/verify/worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
        { entry: { [BUNDLES.stageWorker]: 'src/core/stages/worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
      ],
      renderer: [{ name: RENDERER_NAME, config: 'vite.renderer.config.ts' }],
    }),
    // Fuses are flipped in the Electron binary at package time.
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      // The app uses app://, never file://.
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
};

export default config;
