// End-to-end: the real Electron app, driven by Playwright's _electron. Builds the Vite bundles
// the way `electron-forge package` does, launches `electron .` with a fresh profile, and checks
// start-up, the window, the security settings, navigation/network/permission denial and one IPC
// round trip. Where the Electron binary is not installed (npm install with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1), or there is no display, it skips and says why.
// Run: npm run test:e2e   (on Linux without a desktop: xvfb-run npm run test:e2e)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { type ElectronApplication, type Page, _electron as electron } from 'playwright-core';
import { shellFunctions } from '../../src/preload/bridge.ts';
import { methodNames } from '../../src/shared/contract.ts';
import { forgeViteBuild, projectDir } from './forgeBuild.ts';

const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { version: string; productName: string };

/**
 * Where `require('electron')` would point, without requiring it: electron's index.js starts a
 * download when the binary is missing, which must not happen in a test. Same lookup: path.txt
 * names the executable under dist/ (or under $ELECTRON_OVERRIDE_DIST_PATH).
 */
export function electronExecutable(): { path: string } | { skip: string } {
  let electronDir: string;
  try {
    electronDir = dirname(fileURLToPath(import.meta.resolve('electron/package.json')));
  } catch (err) {
    return { skip: `Electron binary not installed: the electron package cannot be resolved (${String(err)})` };
  }
  const pathFile = join(electronDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile) && !override) {
    return {
      skip: `Electron binary not installed: ${pathFile} does not exist (npm install ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or the download failed). Install it (needs the network) with: npx install-electron`,
    };
  }
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const exe = override ? join(override, rel) : join(electronDir, 'dist', rel);
  if (!existsSync(exe)) return { skip: `Electron binary not installed: ${exe} does not exist` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { skip: 'No display: Electron needs X or Wayland. Run under xvfb-run: xvfb-run npm run test:e2e' };
  }
  return { path: exe };
}

const exe = electronExecutable();

describe('Electron app', { skip: 'skip' in exe ? exe.skip : false }, () => {
  let app: ElectronApplication;
  let page: Page;
  let profile: string;

  before(async () => {
    if (!('path' in exe)) return;
    // Production bundles into .vite, which `electron .` loads through package.json "main".
    if (!process.env.EVIDENCE_E2E_NO_BUILD) await forgeViteBuild();
    profile = mkdtempSync(join(tmpdir(), 'evidence-e2e-profile-'));
    app = await electron.launch({
      executablePath: exe.path,
      args: ['.', `--user-data-dir=${profile}`],
      cwd: projectDir,
      env: { ...process.env, NODE_ENV: 'production' } as Record<string, string>,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await page.getByTestId('app-name').waitFor();
  });

  after(async () => {
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('starts with one window showing the app name and version, served from app://', async () => {
    assert.equal(await page.title(), 'Evidence Catalogue');
    assert.equal(await page.getByTestId('app-name').textContent(), pkg.productName);
    assert.equal(await page.getByTestId('app-version').textContent(), `version ${pkg.version}`);
    assert.equal(page.url(), 'app://evidence/index.html');
    assert.equal(app.windows().length, 1);
    const title = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getTitle());
    assert.equal(title, 'Evidence Catalogue');
  });

  test('webPreferences: context isolation, sandbox, no Node integration, web security', async () => {
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      // Undocumented in electron.d.ts but present at run time: the preferences in force.
      const wc = BrowserWindow.getAllWindows()[0]?.webContents as unknown as {
        getLastWebPreferences(): Record<string, unknown> | null;
      };
      const p = wc.getLastWebPreferences();
      return p && { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity, webviewTag: p.webviewTag };
    });
    assert.deepEqual(prefs, { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });

  test('the page sees window.evidence (one function per contract method, onEvent, the shell functions) and no Node', async () => {
    const seen = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module,
      evidence: Object.keys(window.evidence ?? {}).sort(),
      types: Object.values(window.evidence ?? {}).map((f) => typeof f),
    }));
    assert.equal(seen.require, 'undefined');
    assert.equal(seen.process, 'undefined');
    assert.equal(seen.module, 'undefined');
    assert.deepEqual(seen.evidence, [...methodNames, 'onEvent', ...shellFunctions].sort());
    assert.ok(seen.types.every((t) => t === 'function'));
    assert.equal(await page.getByTestId('bridge-status').textContent(), `Engine ready (${methodNames.length} methods)`);
  });

  test('IPC round trip: bad input and a missing case come back as error envelopes', async () => {
    const bad = await page.evaluate(() => window.evidence!.caseInfo({} as never));
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'USAGE');
    const missing = await page.evaluate((p) => window.evidence!.caseInfo({ casePath: p }), join(profile, 'no-such-case'));
    assert.equal(!missing.ok && missing.error.code, 'NOT_A_CASE');
  });

  test('one ingest as a job: events arrive through onEvent, previews on app://evidence/api/items', async () => {
    const work = mkdtempSync(join(tmpdir(), 'evidence-e2e-ingest-'));
    try {
      const source = join(work, 'export');
      mkdirSync(source);
      writeFileSync(join(source, 'notes.txt'), 'meet at the harbour at 22:00\n');
      const casePath = join(work, 'case');
      const result = await page.evaluate(
        async ({ casePath, source }) => {
          const ev = window.evidence!;
          const unwrap = <T,>(r: { ok: boolean; value?: unknown; error?: unknown }): T => {
            if (!r.ok) throw new Error(JSON.stringify(r.error));
            return r.value as T;
          };
          unwrap(await ev.createCase({ casePath, name: 'E2E', number: 'E2E-1', officer: 'Sgt. E2E', password: 'e2e-password-1' }));
          const { session } = unwrap<{ session: string }>(await ev.signIn({ casePath, officer: 'Sgt. E2E', password: 'e2e-password-1' }));
          const types: string[] = [];
          const done = new Promise<void>((res) => {
            ev.onEvent((e) => {
              types.push(e.type);
              if (e.type !== 'job.progress') res();
            });
          });
          unwrap(await ev.addExhibit({ session, number: 'EXH-1' }));
          unwrap(await ev.startIngest({ session, sourcePath: source, exhibit: 'EXH-1' }));
          await done;
          const items = unwrap<{ items: { id: number }[] }>(await ev.listItems({ casePath, kind: 'file' }));
          const res = await fetch(`app://evidence/api/items/${items.items[0]!.id}/content?session=${session}`);
          return { types, status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), text: await res.text() };
        },
        { casePath, source },
      );
      assert.ok(result.types.includes('job.finished'), result.types.join());
      assert.equal(result.status, 200);
      assert.equal(result.type, 'application/octet-stream');
      assert.equal(result.csp, "sandbox; default-src 'none'");
      assert.match(result.text, /harbour/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('navigation away and new windows are denied', async () => {
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    assert.equal(page.url(), 'app://evidence/index.html');
    const opened = await page.evaluate(() => window.open('https://example.com/') === null);
    assert.equal(opened, true);
    await page.waitForTimeout(300);
    assert.equal(app.windows().length, 1);
  });

  test('no network: the page cannot fetch, and the session filter blocks the main process too', async () => {
    const fromPage = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => 'loaded',
        (e: unknown) => `blocked: ${String(e)}`,
      ),
    );
    assert.match(fromPage, /^blocked/);
    const fromSession = await app.evaluate(({ net }) =>
      net.fetch('https://example.com/').then(
        () => 'loaded',
        (e: unknown) => `blocked: ${String(e)}`,
      ),
    );
    assert.match(fromSession, /^blocked/);
  });

  test('permission requests are denied', async () => {
    assert.equal(await page.evaluate(() => Notification.requestPermission()), 'denied');
  });
});
