// forge.config.ts and the build layout agree with each other and with package.json, the fuses are
// the ones DESIGN.md section 7 asks for, and the native-module packaging copies what the
// packaged app needs (DESIGN.md section 9). Plain Node: loads the config, never Electron.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import forgeConfig, { NATIVE_PACKAGES, copyNativePackages, nativePackageDirs, stripNativeBuildFiles } from '../../forge.config.ts';
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
    assert.equal(byName.get(BUNDLES.ingestWorker)!.entry[BUNDLES.ingestWorker], 'src/core/ingest/worker.ts');
    assert.equal(byName.get(BUNDLES.verifyWorker)!.entry[BUNDLES.verifyWorker], 'src/core/verify/worker.ts');
    assert.equal(byName.get(BUNDLES.stageWorker)!.entry[BUNDLES.stageWorker], 'src/core/stages/worker.ts');
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

  test('asar unpacks native .node files; packaging hooks copy and strip better-sqlite3', () => {
    assert.deepEqual(forgeConfig.packagerConfig?.asar, { unpack: '**/*.node' });
    assert.equal(typeof forgeConfig.hooks?.packageAfterCopy, 'function');
    assert.equal(typeof forgeConfig.hooks?.packageAfterPrune, 'function');
    const devDeps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: object }).devDependencies);
    assert.ok(!devDeps.includes('@electron-forge/maker-rpm') && !devDeps.includes('@electron-forge/plugin-auto-unpack-natives'));
  });
});

describe('vite.main.config.ts', () => {
  test('better-sqlite3 is external; import.meta.url works in the CommonJS bundles', () => {
    const external = mainViteConfig.build?.rollupOptions?.external;
    assert.ok(Array.isArray(external) && external.includes('better-sqlite3'));
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

  test('resolves better-sqlite3, bindings and file-uri-to-path', () => {
    const dirs = nativePackageDirs(root);
    assert.deepEqual(Object.keys(dirs), [...NATIVE_PACKAGES]);
    for (const d of Object.values(dirs)) assert.ok(existsSync(join(d, 'package.json')), d);
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
