// Builds the app with forge's own Vite pipeline (as `electron-forge package` does) into a scratch
// folder, then checks the bundles: main and preload load nothing they should not, the renderer
// page carries the CSP and no inline script, and the engine's bundled worker scripts really hash,
// ingest and verify when EvidenceService is pointed at them (as main.ts does).
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EvidenceService } from '../../src/core/service.ts';
import { BUNDLES, builtPaths, bundleFile } from '../../src/main/buildLayout.ts';
import { contentSecurityPolicy } from '../../src/main/security.ts';
import { forgeViteBuild, projectDir } from '../e2e/forgeBuild.ts';
import { exhibitIn } from './helpers.ts';

// Inside the project so the bundles resolve better-sqlite3 from node_modules, as in the app.
const scratch = join(projectDir, 'node_modules', '.cache', 'evidence-bundle-test', randomUUID());
const buildDir = join(scratch, '.vite', 'build');
const rendererDir = join(scratch, '.vite', 'renderer', 'main_window');
let work: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'evidence-bundle-'));
  await forgeViteBuild({ buildOutDir: buildDir, rendererOutDir: rendererDir });
});
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

function mkdtempSync(prefix: string): string {
  const d = `${prefix}${randomUUID()}`;
  mkdirSync(d, { recursive: true });
  return d;
}

function requires(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...new Set([...code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!))].sort();
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe('bundles', () => {
  test('every main-process bundle is emitted where main.ts looks for it', () => {
    const p = builtPaths(buildDir);
    for (const f of [join(buildDir, bundleFile(BUNDLES.main)), p.preload, p.ingestWorker, p.verifyWorker, p.stageWorker, p.heicWorker, p.custodyWorker]) {
      assert.ok(existsSync(f), `${f} was built`);
    }
    assert.equal(builtPaths(buildDir).rendererRoot, rendererDir);
  });

  test('main.cjs requires only electron, better-sqlite3 and Node built-ins', () => {
    // Follow the bundle's own chunks (readers are loaded lazily, so they are split out).
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const r of requires(file)) {
        if (r.startsWith('./')) {
          const chunk = join(dirname(file), r);
          assert.ok(existsSync(chunk), `${r} (required by ${file}) is in the build`);
          visit(chunk);
        } else if (!builtins.has(r) && r !== 'electron') external.add(r);
      }
    };
    visit(join(buildDir, 'main.cjs'));
    // supports-color: an optional require inside `debug`, wrapped in try/catch.
    // sharp: loaded on demand for thumbnails (external, like better-sqlite3).
    assert.deepEqual([...external].filter((r) => r !== 'supports-color' && r !== 'sharp').sort(), ['better-sqlite3']);
  });

  test('import.meta.url is real in the CommonJS bundles, and no worker source is inlined', () => {
    for (const f of ['main.cjs', 'ingest-worker.cjs', 'verify-worker.cjs', 'custody-worker.cjs']) {
      const code = readFileSync(join(buildDir, f), 'utf8');
      assert.doesNotMatch(code, /\{\}\.url/, `${f}: import.meta.url must not become {}.url`);
      assert.doesNotMatch(code, /data:video\/mp2t/, `${f}: no .ts file inlined as a data: URL`);
    }
  });

  test('preload.cjs is one sandbox-compatible file: it requires electron and nothing else', () => {
    assert.deepEqual(requires(join(buildDir, 'preload.cjs')), ['electron']);
    const code = readFileSync(join(buildDir, 'preload.cjs'), 'utf8');
    assert.match(code, /exposeInMainWorld\(\s*[`"']evidence[`"']/);
  });

  test('the renderer page has the CSP meta and no inline script', () => {
    const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    assert.ok(meta, 'CSP meta present');
    assert.equal(meta[1]!.replaceAll('&#39;', "'"), contentSecurityPolicy({}, { meta: true }));
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(m[1]!, /\bsrc="\.\/assets\/[^"]+\.js"/, 'scripts are files, loaded relative to app://evidence/');
      assert.equal(m[2]!.trim(), '', 'no inline script');
    }
    assert.match(html, /<title>Evidence Catalogue<\/title>/);
    const assets = readdirSync(join(rendererDir, 'assets'));
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')));
  });
});

describe('engine with the bundled workers', () => {
  test('ingest, verify, the text stage and the custody check run on their bundled workers', async () => {
    const paths = builtPaths(buildDir);
    // Thin wrappers that note each start, then run the bundle: proof the bundles did the work.
    const marks = join(work, 'worker-starts.log');
    const spy = (bundle: string, tag: string): string => {
      const file = join(buildDir, `spy-${tag}.cjs`);
      writeFileSync(
        file,
        `require('node:fs').appendFileSync(${JSON.stringify(marks)}, ${JSON.stringify(tag + '\n')});\nrequire(${JSON.stringify(bundle)});\n`,
      );
      return file;
    };
    const ingestWorker = spy(paths.ingestWorker, 'ingest');
    const verifyWorker = spy(paths.verifyWorker, 'verify');
    const stageWorker = spy(paths.stageWorker, 'stage');
    const custodyWorker = spy(paths.custodyWorker, 'custody');
    const source = join(work, 'export');
    mkdirSync(join(source, 'DCIM'), { recursive: true });
    writeFileSync(join(source, 'notes.txt'), 'meet at the harbour at 22:00\n');
    writeFileSync(join(source, 'DCIM', 'a.bin'), Buffer.alloc(300_000, 7));
    writeFileSync(join(source, 'DCIM', 'b.json'), '{"k": 1}');
    const casePath = join(work, 'case');
    const service = new EvidenceService({ ingestWorkerUrl: ingestWorker, verifyWorkerUrl: verifyWorker, stageWorkerUrl: stageWorker, custodyWorkerUrl: custodyWorker, scryptN: TEST_SCRYPT_N });
    try {
      service.createCase({ casePath, name: 'Bundle check', number: 'BC-1', officer: 'Sgt. Mori', password: TEST_PASSWORD });
      const { session } = service.signIn({ casePath, officer: 'Sgt. Mori', password: TEST_PASSWORD });
      const summary = await service.ingest({ session, exhibit: exhibitIn(service, session), sourcePath: source, workers: 2 });
      assert.equal(summary.status, 'finished');
      assert.equal(summary.files, 3);
      assert.equal(summary.errorCount, 0, JSON.stringify(summary.problems));
      const report = await service.verify({ session, workers: 2 });
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.equal(report.objects.matched, report.objects.total);
      assert.ok(report.objects.total >= 3);
      const again = await service.reindexText({ session, all: true, workers: 1 });
      assert.equal(again.status, 'finished');
      assert.ok(again.indexed >= 1, JSON.stringify(again));
      assert.equal(service.search({ session, query: 'harbour' }).total, 1);
      const started = readFileSync(marks, 'utf8').split('\n').filter(Boolean);
      assert.ok(started.includes('ingest'), 'ingest ran on ingest-worker.cjs');
      assert.ok(started.includes('verify'), 'verify ran on verify-worker.cjs');
      assert.ok(started.includes('stage'), 'the text stage (reindex) ran on stage-worker.cjs');
      assert.ok(started.includes('custody'), "verify's custody chain check ran on custody-worker.cjs");
    } finally {
      service.close();
    }
  });

  test('a HEIC photo decodes on heic-worker.cjs (the WebAssembly of libheif inside the bundle, nothing beside it)', async () => {
    const { closeHeifDecoder, decodeHeif, setHeicWorkerUrl } = await import('../../src/core/preview/heic.ts');
    closeHeifDecoder();
    setHeicWorkerUrl(builtPaths(buildDir).heicWorker);
    try {
      const img = await decodeHeif(readFileSync(join(import.meta.dirname, '../fixtures/phone-media/tiny.heic')));
      assert.deepEqual([img.width, img.height], [64, 48]);
      assert.deepEqual([...img.rgba.subarray(0, 4)], [220, 30, 30, 255], 'the top-left pixel is red');
    } finally {
      closeHeifDecoder();
      setHeicWorkerUrl(new URL('../../src/core/preview/heic-worker.ts', import.meta.url));
    }
  });
});
