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
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { cp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLES, RENDERER_NAME } from './src/main/buildLayout.ts';

const projectDir = dirname(fileURLToPath(import.meta.url));

/** Executable and package name on disk (the window and menus say "Evidence Catalogue"). */
export const EXECUTABLE_NAME = 'evidence-catalogue';

/**
 * better-sqlite3 and sharp are external to the main bundle, so the package must carry them and
 * what they load at run time. better-sqlite3: `bindings`, which finds the .node file, and its
 * helper `file-uri-to-path`. sharp (thumbnails): its JavaScript dependencies (`@img/colour`,
 * `detect-libc`, `semver`) and the prebuilt packages of this platform (SHARP_NATIVE_PATTERN):
 * `@img/sharp-<platform>` (the .node addon) and `@img/sharp-libvips-<platform>` (libvips, which
 * the addon finds through its rpath `$ORIGIN/../../sharp-libvips-<platform>/lib`).
 */
export const NATIVE_PACKAGES = ['better-sqlite3', 'bindings', 'file-uri-to-path', 'sharp', '@img/colour', 'detect-libc', 'semver'] as const;

/** sharp's per-platform prebuilt packages, whichever of them npm installed here. */
export const SHARP_NATIVE_PATTERN = /^@img\/sharp-(libvips-)?[a-z0-9]+-[a-z0-9]+$/;

/**
 * What asar leaves unpacked in app.asar.unpacked: every .node addon (Electron loads them from
 * there), and the whole of sharp's prebuilt packages, whose libvips shared library (.so, .dylib,
 * .dll) the system's loader opens by its path beside the addon, which it cannot do in an archive.
 */
export const ASAR_UNPACK = '{**/*.node,**/node_modules/@img/sharp-*/**}';

/**
 * Where a package is installed, looked up the way Node would from its dependent's folder (the
 * node_modules folders upwards). Not require.resolve('x/package.json'): sharp's and its
 * addon packages' "exports" do not export package.json.
 */
function dirOf(name: string, from: string): string {
  for (const nodeModules of createRequire(join(from, 'noop.js')).resolve.paths(name) ?? []) {
    const dir = join(nodeModules, name);
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
  }
  throw new Error(`${name} is not installed (looked up from ${from})`);
}

/** Where each native package is installed, resolved the way Node would from its dependent. */
export function nativePackageDirs(fromDir: string = projectDir): Record<string, string> {
  const sqlite = dirOf('better-sqlite3', fromDir);
  const bindings = dirOf('bindings', sqlite);
  const sharp = dirOf('sharp', fromDir);
  const dirs: Record<string, string> = {
    'better-sqlite3': sqlite,
    bindings,
    'file-uri-to-path': dirOf('file-uri-to-path', bindings),
    sharp,
    '@img/colour': dirOf('@img/colour', sharp),
    'detect-libc': dirOf('detect-libc', sharp),
    semver: dirOf('semver', sharp),
  };
  const optional = Object.keys((JSON.parse(readFileSync(join(sharp, 'package.json'), 'utf8')) as { optionalDependencies?: object }).optionalDependencies ?? {});
  for (const name of optional.filter((n) => SHARP_NATIVE_PATTERN.test(n))) {
    try {
      dirs[name] = dirOf(name, sharp);
    } catch {
      /* another platform's package: npm installs only this one's */
    }
  }
  return dirs;
}

/** Build leftovers of a local compile, and sources, that must not be copied. */
function keepForPackage(name: string, pkgDir: string, file: string): boolean {
  const rel = relative(pkgDir, file).split(sep).join('/');
  if (rel === '') return true;
  if (/(^|\/)(test|tests|docs|\.github)(\/|$)/.test(rel)) return false;
  if (name === 'better-sqlite3') {
    if (rel === 'build' || rel === 'build/Release') return true;
    if (rel.startsWith('build/')) return rel === 'build/Release/better_sqlite3.node';
  }
  // sharp's C++ sources and its from-source installer: the prebuilt @img/sharp-* are used.
  if (name === 'sharp') return !/^(src|install)(\/|$)/.test(rel);
  return true;
}

/** packageAfterCopy: copy the native packages into the app's node_modules. */
export async function copyNativePackages(buildPath: string, fromDir: string = projectDir): Promise<void> {
  for (const [name, dir] of Object.entries(nativePackageDirs(fromDir))) {
    await cp(dir, join(buildPath, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (src) => keepForPackage(name, dir, src),
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
    // Native addons and sharp's libvips cannot be loaded from inside the asar archive.
    asar: { unpack: ASAR_UNPACK },
    executableName: EXECUTABLE_NAME,
  },
  rebuildConfig: {
    // Rebuilt for Electron's ABI on start and package. sharp is not: its prebuilt addons use
    // Node-API, which Electron loads as they are.
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
        { entry: { [BUNDLES.ingestWorker]: 'src/core/item/worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
        { entry: { [BUNDLES.verifyWorker]: 'src/core/verify/worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
        { entry: { [BUNDLES.stageWorker]: 'src/core/stages/text/worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
        // libheif (WebAssembly, inlined in the bundle) decoding HEIC photos off the main thread.
        { entry: { [BUNDLES.heicWorker]: 'src/core/preview/heic-worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
        // The full custody check on its own read-only connection, off the main process's thread.
        { entry: { [BUNDLES.custodyWorker]: 'src/core/custody/verify-worker.ts' }, config: 'vite.main.config.ts', target: 'main' },
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
