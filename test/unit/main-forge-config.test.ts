// forge.config.ts and the build layout agree with each other and with package.json, the fuses are
// the ones DESIGN.md section 7 asks for, and the native-module packaging copies what the
// packaged app needs (DESIGN.md section 9). Plain Node: loads the config, never Electron.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createPackageWithOptions } from '@electron/asar';
import forgeConfig, {
  ASAR_UNPACK,
  NATIVE_PACKAGES,
  SHARP_NATIVE_PATTERN,
  copyNativePackages,
  nativePackageDirs,
  stripNativeBuildFiles,
} from '../../forge.config.ts';
import mainViteConfig, { keepEngineWorkerUrls } from '../../vite.main.config.ts';
import { BUNDLES, RENDERER_NAME, builtPaths, bundleFile } from '../../src/main/buildLayout.ts';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; type: string };

interface BuildSpec {
  entry: Record<string, string>;
  config: string;
  target?: string;
}
type Plugin = { name: string; config?: unknown; fusesConfig?: Record<string, unknown> };
const plugins = (forgeConfig.plugins ?? []) as unknown as Plugin[];
const vite = plugins.find((p) => p.name === 'vite')?.config as { build: BuildSpec[]; renderer: { name: string; config: string }[] };

describe('forge.config.ts', () => {
  test('package.json "main" is the main bundle forge emits', () => {
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.main, `.vite/build/${bundleFile(BUNDLES.main)}`);
    assert.equal(bundleFile(BUNDLES.main), 'main.cjs', 'forge 8 emits CommonJS main bundles as .cjs');
  });

  test('Vite builds main, preload and both engine workers, each under its bundle name', () => {
    assert.ok(vite, 'the Vite plugin is configured');
    const byName = new Map(vite.build.map((b) => [Object.keys(b.entry).join(), b]));
    assert.deepEqual([...byName.keys()].sort(), Object.values(BUNDLES).sort());
    assert.equal(byName.get(BUNDLES.main)!.entry[BUNDLES.main], 'src/main/main.ts');
    assert.equal(byName.get(BUNDLES.preload)!.entry[BUNDLES.preload], 'src/preload/preload.ts');
    assert.equal(byName.get(BUNDLES.preload)!.target, 'preload');
    assert.equal(byName.get(BUNDLES.ingestWorker)!.entry[BUNDLES.ingestWorker], 'src/core/item/worker.ts');
    assert.equal(byName.get(BUNDLES.verifyWorker)!.entry[BUNDLES.verifyWorker], 'src/core/verify/worker.ts');
    assert.equal(byName.get(BUNDLES.stageWorker)!.entry[BUNDLES.stageWorker], 'src/core/stages/text/worker.ts');
    assert.equal(byName.get(BUNDLES.heicWorker)!.entry[BUNDLES.heicWorker], 'src/core/preview/heic-worker.ts');
    for (const b of vite.build) {
      for (const file of Object.values(b.entry)) assert.ok(existsSync(join(root, file)), `${file} exists`);
      assert.ok(existsSync(join(root, b.config)), `${b.config} exists`);
      if (b.target !== 'preload') assert.equal(b.config, 'vite.main.config.ts');
    }
  });

  test('one renderer, named as main.ts expects', () => {
    assert.deepEqual(vite.renderer.map((r) => r.name), [RENDERER_NAME]);
    assert.ok(existsSync(join(root, vite.renderer[0]!.config)));
    assert.ok(existsSync(join(root, 'src/renderer/index.html')));
  });

  test('builtPaths finds the bundles next to main.cjs and the renderer beside the build folder', () => {
    const p = builtPaths(join('/opt/app/resources/app.asar', '.vite', 'build'));
    assert.equal(p.preload, join('/opt/app/resources/app.asar/.vite/build/preload.cjs'));
    assert.equal(p.ingestWorker, join('/opt/app/resources/app.asar/.vite/build/ingest-worker.cjs'));
    assert.equal(p.verifyWorker, join('/opt/app/resources/app.asar/.vite/build/verify-worker.cjs'));
    assert.equal(p.rendererRoot, join('/opt/app/resources/app.asar/.vite/renderer', RENDERER_NAME));
  });

  test('fuses: RunAsNode, NODE_OPTIONS and inspect off; asar integrity, asar-only and cookie encryption on', () => {
    const fuses = plugins.find((p) => p.name === 'fuses')?.fusesConfig;
    assert.ok(fuses, 'the fuses plugin is configured');
    assert.equal(fuses.version, FuseVersion.V1);
    assert.equal(fuses[FuseV1Options.RunAsNode], false);
    assert.equal(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable], false);
    assert.equal(fuses[FuseV1Options.EnableNodeCliInspectArguments], false);
    assert.equal(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], true);
    assert.equal(fuses[FuseV1Options.OnlyLoadAppFromAsar], true);
    assert.equal(fuses[FuseV1Options.EnableCookieEncryption], true);
  });

  test('makers: zip, deb, squirrel, dmg; no rpm (still forge 7)', () => {
    const names = (forgeConfig.makers ?? []).map((m) => (m as { name: string }).name).sort();
    assert.deepEqual(names, ['deb', 'dmg', 'squirrel', 'zip']);
  });

  test("asar unpacks native .node files and sharp's prebuilt packages; packaging hooks copy and strip", () => {
    assert.deepEqual(forgeConfig.packagerConfig?.asar, { unpack: ASAR_UNPACK });
    assert.equal(typeof forgeConfig.hooks?.packageAfterCopy, 'function');
    assert.equal(typeof forgeConfig.hooks?.packageAfterPrune, 'function');
    const devDeps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: object }).devDependencies);
    assert.ok(!devDeps.includes('@electron-forge/maker-rpm') && !devDeps.includes('@electron-forge/plugin-auto-unpack-natives'));
  });
});

describe('vite.main.config.ts', () => {
  test('better-sqlite3 and sharp are external (so packaged as native packages); import.meta.url works in the CommonJS bundles', () => {
    const external = mainViteConfig.build?.rollupOptions?.external;
    assert.ok(Array.isArray(external) && external.includes('better-sqlite3') && external.includes('sharp'));
    assert.match(String(mainViteConfig.define?.['import.meta.url']), /pathToFileURL\(__filename\)/);
  });

  test("the engine's default worker URLs are kept as runtime URLs, not inlined", () => {
    const plugin = keepEngineWorkerUrls();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    const src = "const defaultWorkerUrl = new URL('./worker.ts', import.meta.url);";
    assert.equal(
      transform(src, '/p/src/core/ingest/ingestFolder.ts')?.code,
      "const defaultWorkerUrl = new URL(/* @vite-ignore */ './worker.ts', import.meta.url);",
    );
    assert.equal(transform(src, '/p/src/main/main.ts'), null, 'only engine files');
    assert.equal(transform("new URL('./logo.png', import.meta.url)", '/p/src/core/x.ts'), null, 'only worker scripts');
  });
});

describe('native packages in the package', () => {
  let buildPath: string;
  before(() => {
    buildPath = mkdtempSync(join(tmpdir(), 'evidence-pkg-'));
  });
  after(() => rmSync(buildPath, { recursive: true, force: true }));

  test("resolves better-sqlite3 and sharp, what they load at run time, and this platform's sharp packages", () => {
    const dirs = nativePackageDirs(root);
    const names = Object.keys(dirs);
    assert.deepEqual(names.slice(0, NATIVE_PACKAGES.length), [...NATIVE_PACKAGES]);
    for (const d of Object.values(dirs)) assert.ok(existsSync(join(d, 'package.json')), d);
    const platform = names.filter((n) => SHARP_NATIVE_PATTERN.test(n));
    assert.ok(platform.some((n) => n.startsWith('@img/sharp-libvips-')), `libvips package found: ${platform.join(', ')}`);
    assert.ok(platform.some((n) => !n.startsWith('@img/sharp-libvips-')), `sharp addon package found: ${platform.join(', ')}`);
    // Exactly what sharp declares for its dependencies is carried (nothing it loads is left out).
    const sharpPkg = JSON.parse(readFileSync(join(dirs.sharp!, 'package.json'), 'utf8')) as { dependencies: object };
    for (const dep of Object.keys(sharpPkg.dependencies)) assert.ok(names.includes(dep), `sharp's dependency ${dep} is packaged`);
  });

  test('packageAfterCopy copies them (sources for the Electron rebuild, no local build leftovers)', async () => {
    await copyNativePackages(buildPath, root);
    const nm = join(buildPath, 'node_modules');
    for (const name of NATIVE_PACKAGES) assert.ok(existsSync(join(nm, name, 'package.json')), name);
    assert.ok(existsSync(join(nm, 'better-sqlite3/lib/index.js')));
    assert.ok(existsSync(join(nm, 'better-sqlite3/binding.gyp')), 'sources kept for the rebuild');
    assert.ok(existsSync(join(nm, 'better-sqlite3/deps')));
    if (existsSync(join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))) {
      assert.ok(existsSync(join(nm, 'better-sqlite3/build/Release/better_sqlite3.node')));
    }
    assert.ok(!existsSync(join(nm, 'better-sqlite3/build/Release/obj.target')));
    assert.ok(!existsSync(join(nm, 'better-sqlite3/build/Makefile')));
    assert.ok(!existsSync(join(nm, 'better-sqlite3/build/Release/test_extension.node')));
  });

  test("packageAfterCopy copies sharp without its C++ sources, with the addon and libvips of this platform", () => {
    const nm = join(buildPath, 'node_modules');
    assert.ok(existsSync(join(nm, 'sharp/package.json')));
    assert.ok(!existsSync(join(nm, 'sharp/src')), 'no C++ sources');
    assert.ok(!existsSync(join(nm, 'sharp/install')), 'no from-source installer');
    for (const dep of ['@img/colour', 'detect-libc', 'semver']) assert.ok(existsSync(join(nm, dep, 'package.json')), dep);
    const img = readdirSync(join(nm, '@img'));
    assert.ok(img.some((n) => n.startsWith('sharp-libvips-')), img.join(', '));
    const files = readdirSync(join(nm, '@img'), { recursive: true }).map(String);
    assert.ok(files.some((f) => f.endsWith('.node')), 'the sharp addon');
    assert.ok(files.some((f) => /libvips[^/\\]*\.(so|dylib|dll)/.test(f)), 'libvips');
  });

  test('asar with the configured unpack: the addons and libvips land in app.asar.unpacked, and the unpacked sharp addon loads its libvips there', async (t) => {
    const asarDir = mkdtempSync(join(tmpdir(), 'evidence-asar-'));
    t.after(() => rmSync(asarDir, { recursive: true, force: true }));
    const archive = join(asarDir, 'app.asar');
    await createPackageWithOptions(buildPath, archive, { unpack: ASAR_UNPACK });
    const unpacked = join(asarDir, 'app.asar.unpacked', 'node_modules');
    const files = readdirSync(unpacked, { recursive: true }).map((f) => String(f).split('\\').join('/'));
    const sharpAddon = files.find((f) => /^@img\/sharp-(?!libvips)[^/]+\/.*\.node$/.test(f));
    assert.ok(sharpAddon, `sharp's addon unpacked: ${files.filter((f) => f.startsWith('@img')).join(', ')}`);
    assert.ok(files.some((f) => /^@img\/sharp-libvips-[^/]+\/lib\/.*libvips[^/]*\.(so|dylib|dll)/.test(f)), 'libvips unpacked');
    if (existsSync(join(buildPath, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))) {
      assert.ok(files.includes('better-sqlite3/build/Release/better_sqlite3.node'), 'better-sqlite3 addon unpacked');
    }
    assert.ok(!files.some((f) => f.startsWith('sharp/')), "sharp's JavaScript stays in the archive");
    // The addon, where the packaged app finds it, opens libvips beside it (rpath relative to the
    // addon): on Linux the child's memory map names the libvips it loaded.
    const probe = `const v = require(process.argv[1]).libvipsVersion();
      let lib = null;
      try { lib = require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').find((l) => l.includes('libvips')) ?? null; } catch {}
      console.log(JSON.stringify({ version: v.semver ?? v, lib }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', probe, join(unpacked, sharpAddon)], { encoding: 'utf8' })) as {
      version: string;
      lib: string | null;
    };
    assert.match(out.version, /^\d+\.\d+\.\d+/, 'libvips version from the unpacked addon');
    if (process.platform === 'linux') assert.ok(out.lib?.includes(join(asarDir, 'app.asar.unpacked')), `libvips loaded from the unpacked folder: ${out.lib}`);
  });

  test('packageAfterPrune strips the compile-only files and keeps the addon', async () => {
    await stripNativeBuildFiles(buildPath);
    const b = join(buildPath, 'node_modules/better-sqlite3');
    assert.ok(!existsSync(join(b, 'deps')));
    assert.ok(!existsSync(join(b, 'src')));
    assert.ok(!existsSync(join(b, 'binding.gyp')));
    assert.ok(existsSync(join(b, 'lib/index.js')));
    if (existsSync(join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))) {
      assert.ok(existsSync(join(b, 'build/Release/better_sqlite3.node')));
    }
  });
});
