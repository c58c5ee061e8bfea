// Shared set-up of the UI tests: find a Chromium (Debian's /usr/bin/chromium, chromium-browser,
// $CHROMIUM_PATH, or Playwright's own where installed), start the browser host in this process on
// a fresh temp folder with the built renderer, open the page, and save screenshots under
// test-results/ui/. Tests skip with the reason when no Chromium or no built renderer is there.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { EvidenceService } from '../../src/core/service.ts';
import { type Host, startHost } from '../../src/host/server.ts';
import { TEST_PASSWORD, TEST_SCRYPT_N } from '../setup.ts';
import { removeTree } from '../unit/helpers.ts';

export const projectRoot = resolve(import.meta.dirname, '../..');
// EVIDENCE_RENDERER_DIR lets parallel work build and test its own renderer copy
// (`npx vite build --config vite.renderer.config.ts --outDir DIR`) without racing another build.
export const rendererRoot = process.env.EVIDENCE_RENDERER_DIR ? resolve(process.env.EVIDENCE_RENDERER_DIR) : join(projectRoot, '.vite', 'renderer', 'main_window');
export const screenshotsDir = join(projectRoot, 'test-results', 'ui');
export const PASSWORD = TEST_PASSWORD;

/** The launch flags that keep headless Chromium quiet on a machine with no network. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
  '--lang=en-US',
];

/** A Chromium to drive, or the reason there is none. */
export function findChromium(): { path: string } | { skip: string } {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];
  try {
    candidates.push(chromium.executablePath());
  } catch {
    /* Playwright's own browser is not installed */
  }
  for (const c of candidates) if (c && existsSync(c)) return { path: c };
  return {
    skip: 'No Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser and Playwright\'s own): install it with apt-get install chromium to run the UI tests',
  };
}

/** Why the UI tests cannot run here, or null when they can. */
export function uiSkipReason(): string | null {
  const c = findChromium();
  if ('skip' in c) return c.skip;
  if (!existsSync(join(rendererRoot, 'index.html'))) return `The renderer is not built (${rendererRoot}): run npm run build:renderer (npm run test:ui does)`;
  return null;
}

export interface UiEnv {
  dir: string;
  dataDir: string;
  service: EvidenceService;
  host: Host;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Browser console errors and failed requests seen so far (a clean run has none). */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh host on a temp folder and a page opened on it. */
export async function openUi(opts: { width?: number; height?: number; locale?: string } = {}): Promise<UiEnv> {
  const c = findChromium();
  if (!('path' in c)) throw new Error(c.skip);
  const dir = mkdtempSync(join(tmpdir(), 'evidence-ui-'));
  const dataDir = join(dir, 'host-data');
  const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
  const host = await startHost({ service, rendererRoot, dataDir, browseRoot: '/', onInternalError: (w, e) => console.error(`[host] ${w}`, e) });
  const browser = await chromium.launch({ executablePath: c.path, args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 860 },
    locale: opts.locale ?? 'en-US',
    colorScheme: 'light',
    deviceScaleFactor: 1,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url().replace(/token=[0-9a-f]+/, 'token=…').replace(/session=[0-9a-f]+/, 'session=…')}`);
  });
  page.on('requestfailed', (r) => {
    // Aborted range reads of a preview the user moved away from are not failures.
    if (!/net::ERR_ABORTED/.test(r.failure()?.errorText ?? '')) problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(host.url);
  return {
    dir,
    dataDir,
    service,
    host,
    browser,
    context,
    page,
    problems,
    close: async () => {
      await browser.close().catch(() => undefined);
      await host.close();
      await service.shutdown();
      removeTree(dir);
    },
  };
}

/** Saves a screenshot as test-results/ui/<name>.png and returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const file = join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Screenshots in both themes (the toggle in the header or on the sign-in page). */
export async function shotBoth(page: Page, name: string): Promise<void> {
  const dark = (await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark';
  await shot(page, `${name}-${dark ? 'dark' : 'light'}`);
  await page.getByTestId('theme-toggle').click();
  await page.waitForTimeout(150);
  await shot(page, `${name}-${dark ? 'light' : 'dark'}`);
  await page.getByTestId('theme-toggle').click();
  await page.waitForTimeout(100);
}

export function skipUnlessUi(t: TestContext): boolean {
  const why = uiSkipReason();
  if (why) {
    t.skip(why);
    return false;
  }
  return true;
}

/** Creates a case through the UI and signs in (the first-run flow). */
export async function createCaseInUi(
  page: Page,
  casePath: string,
  who = 'Sgt. Dara Sok',
  onRecoveryCode?: (code: string) => Promise<void>,
): Promise<void> {
  await page.getByTestId('tab-create').click();
  await page.getByTestId('case-path').fill(casePath);
  await page.getByTestId('case-number').fill('KH-2026-0142');
  await page.getByTestId('case-name').fill('Operation Sakura');
  await page.getByTestId('officer').fill(who);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('password-confirm').fill(PASSWORD);
  await page.getByTestId('create-submit').click();
  // The recovery code is shown once; continuing needs the officer to say it is written down.
  await page.getByTestId('recovery-code').waitFor();
  await onRecoveryCode?.((await page.getByTestId('recovery-code').textContent())!.trim());
  await page.getByTestId('recovery-written').check();
  await page.getByTestId('recovery-continue').click();
  await page.getByTestId('case-header').waitFor();
}

/** Records an exhibit through the Exhibits screen. */
export async function addExhibitInUi(page: Page, number: string, description: string): Promise<void> {
  await page.getByTestId('nav-exhibits').click();
  if (!(await page.getByTestId('exhibit-form').isVisible())) await page.getByTestId('add-exhibit').click();
  await page.getByTestId('exhibit-number').fill(number);
  await page.getByTestId('exhibit-sealNumber').fill('S-0091');
  await page.getByTestId('exhibit-description').fill(description);
  await page.getByTestId('exhibit-deviceMake').fill('Apple');
  await page.getByTestId('exhibit-deviceModel').fill('iPhone 13');
  await page.getByTestId('exhibit-imei').fill('490154203237518');
  await page.getByTestId('exhibit-seizedBy').fill('Sgt. Dara Sok');
  // A date-time picker in the officer's zone; recorded as 2026-11-20T14:05:00+07:00.
  await page.getByTestId('exhibit-seizedAt').fill('2026-11-20T14:05');
  await page.getByTestId('exhibit-seizedZone').selectOption('Asia/Phnom_Penh');
  await page.getByTestId('exhibit-seizedWhere').fill('Compound B, Sihanoukville');
  await page.getByTestId('exhibit-submit').click();
  await page.getByTestId('exhibit-detail').waitFor();
}

/** Starts an ingest of `source` into `exhibit` from the Ingest screen (typing the path). */
export async function startIngestInUi(page: Page, source: string, exhibit: string): Promise<void> {
  await page.getByTestId('nav-ingest').click();
  await page.getByTestId('ingest-source').fill(source);
  await page.getByTestId('ingest-exhibit').selectOption(exhibit);
  await page.getByTestId('ingest-start').click();
  await page.getByTestId('ingest-progress').waitFor();
}

/** Waits for the ingest summary and returns the summary's file count. */
export async function waitIngestDone(page: Page, timeout = 120_000): Promise<number> {
  await page.getByTestId('ingest-summary').waitFor({ timeout });
  return Number((await page.getByTestId('summary-files').textContent())!.replace(/[^\d]/g, ''));
}

/** Waits until the element with this test id shows the text. */
export async function waitText(page: Page, testId: string, text: string | RegExp, timeout = 30_000): Promise<void> {
  await page.locator(`[data-testid="${testId}"]`, { hasText: text }).first().waitFor({ timeout });
}

export { TEST_PASSWORD };
