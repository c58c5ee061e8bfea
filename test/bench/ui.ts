// npm run bench:ui: the catalogue on a 1,000,000-item case in the browser host, in Chromium.
// Builds a fresh case and inserts the rows directly (batched transactions; no files are hashed:
// this measures the UI and the catalogue queries, not ingest), opens it in the page already
// signed in, and prints:
//   - time to first rows (navigation to the first table row with data; target < 1 s)
//   - time for a sort on size (header click to the largest item in the first row; < 500 ms)
//   - frame times while scrolling (requestAnimationFrame deltas in the page; p95 < 33 ms),
//     for a steady scroll (4 rows a frame) and a fast one (a screenful a frame, fetching pages)
//   - the same for the review views where they apply: search results (20,000 items with text),
//     the suggestions queue (the detectors run on them), a tag on 100,000 items (the Tagged view)
//     and the custody log (20,000 events, read in pages of 200): time from the click to the first
//     page's rows, fast scroll, and a jump to its middle and end (the page fetched there)
// It also prints the host's time per contract call in each phase, and with BENCH_PROFILE=<folder>
// writes CPU profiles of the host and of the page's fast scroll there.
// Options: --items N (default 1000000), --keep (leave the case in .bench/ui-case; BENCH_REUSE=1
// opens a kept case again instead of building one, migrating it if the app's schema moved on).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { EvidenceService } from '../../src/core/service.ts';
import { writeItemText } from '../../src/core/text/store.ts';
import { spawn } from 'node:child_process';
import { CHROMIUM_ARGS, findChromium, rendererRoot } from '../ui/harness.ts';

import { loadavg } from 'node:os';

/** The machine's load when the bench started (the figures are only comparable at similar load). */
const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' / ');
const { values } = parseArgs({ options: { items: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const N = Number(values.items);
const projectRoot = resolve(import.meta.dirname, '../..');
const dir = join(projectRoot, '.bench', 'ui-case');
const PASSWORD = 'bench-password-1';

const chromiumPath = findChromium();
if (!('path' in chromiumPath)) {
  console.log(`bench:ui skipped: ${chromiumPath.skip}`);
  process.exit(0);
}
if (!existsSync(join(rendererRoot, 'index.html'))) {
  console.error('The renderer is not built: npm run build:renderer');
  process.exit(2);
}

function ms(x: number): string {
  return `${x.toFixed(0)} ms`;
}

// 1. The case and its rows.
const reuse = values.keep && existsSync(join(dir, 'case.db')) && process.env.BENCH_REUSE === '1';
if (!reuse) rmSync(dir, { recursive: true, force: true });
mkdirSync(join(projectRoot, '.bench'), { recursive: true });
const service = new EvidenceService({ scryptN: 2 ** 14 });
if (!reuse) service.createCase({ casePath: dir, name: 'Bench: one million items', number: 'BENCH-1M', officer: 'Bench Officer', password: PASSWORD });
const bootstrap = service.signIn({ casePath: dir, officer: 'Bench Officer', password: PASSWORD }).session;
if (!reuse) service.addExhibit({ session: bootstrap, number: 'EXH-001', description: 'generated' });
if (!reuse) {
  // The engine's own connection to case.db (the bench writes rows the way ingest would commit them).
  const db = (service as unknown as { caseAt(p: string): { db: import('better-sqlite3').Database } }).caseAt(dir).db;
  const exhibitId = (db.prepare('SELECT id FROM exhibits WHERE number = ?').get('EXH-001') as { id: number }).id;
  const sourceId = Number(
    db
      .prepare(
        `INSERT INTO sources (exhibit_id, kind, root_path, status, officer, host, started_at, finished_at)
         VALUES (?, 'folder', '/bench/export', 'finished', 'Bench Officer', 'bench', ?, ?)`,
      )
      .run(exhibitId, new Date().toISOString(), new Date().toISOString()).lastInsertRowid,
  );
  const types = [
    ['jpg', 'image/jpeg'],
    ['png', 'image/png'],
    ['heic', 'image/heic'],
    ['mp4', 'video/mp4'],
    ['pdf', 'application/pdf'],
    ['txt', 'text/plain'],
    ['db', 'application/x-sqlite3'],
    ['zip', 'application/zip'],
    ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['bin', null],
  ] as const;
  const ins = db.prepare(
    `INSERT INTO items (source_id, path, name, ext, kind, size, mtime, sha256, mime, detected_ext, ext_mismatch, error, added_at)
     VALUES (?, ?, ?, ?, 'file', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const meta = db.prepare('INSERT INTO metadata (item_id, taken_at, lat, lon, make, model) VALUES (?, ?, ?, ?, ?, ?)');
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const hex = (): string => {
    let s = '';
    for (let k = 0; k < 8; k++) s += Math.floor(rnd() * 0xffffffff).toString(16).padStart(8, '0');
    return s;
  };
  const now = new Date().toISOString();
  const t0 = performance.now();
  // Bulk load: drop the items indexes, insert, build them again (as a restore would).
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('items', 'metadata') AND sql IS NOT NULL").all() as {
    name: string;
    sql: string;
  }[];
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
  const BATCH = 50_000;
  for (let start = 0; start < N; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(N, start + BATCH); i++) {
        const [ext, mime] = types[i % types.length]!;
        const folder = `DCIM/${100 + Math.floor(i / 1000)}APPLE`;
        const name = `IMG_${String(i).padStart(7, '0')}.${ext}`;
        const size = Math.floor(rnd() ** 3 * 50_000_000);
        const mtime = new Date(Date.UTC(2020, 0, 1) + Math.floor(rnd() * 5 * 365 * 86400_000)).toISOString();
        const mismatch = i % 997 === 0 ? 1 : 0;
        const error = i % 5003 === 0 ? 'truncated: generated error' : null;
        const id = ins.run(sourceId, `${folder}/${name}`, name, ext, size, mtime, hex(), mime, ext, mismatch, error, now).lastInsertRowid;
        if (mime?.startsWith('image/') && i % 3 === 0) meta.run(id, mtime.slice(0, 19), 11.5 + rnd(), 104.8 + rnd(), 'Apple', 'iPhone 13');
      }
    })();
  }
  for (const ix of indexes) db.exec(ix.sql);
  db.exec('ANALYZE');
  console.log(`case: ${N.toLocaleString('en')} items inserted in ${ms(performance.now() - t0)} (${dir})`);
}

// 1b. What the review views show: text on 1 item in 50 (every tenth of the .txt items), the
// detectors' suggestions over it, a tag on 1 item in 10, custody events. Made once per case.
{
  const db = (service as unknown as { caseAt(p: string): { db: import('better-sqlite3').Database; custody: { append(e: object): unknown } } }).caseAt(dir);
  const count = (sql: string) => (db.db.prepare(sql).get() as { n: number }).n;
  // Each part made where it is missing (a kept case made by an earlier bench gets what it lacks).
  if (count("SELECT COUNT(*) AS n FROM suggestions") === 0 || count("SELECT COUNT(*) AS n FROM item_tags WHERE tag_id = 'bench-batch'") === 0) {
    const t0 = performance.now();
    const textIds = db.db.prepare("SELECT id FROM items WHERE ext = 'txt' AND id % 100 = 6 ORDER BY id").pluck().all() as number[];
    // Three transfer accounts per text: the detectors suggest "financial-record" for each.
    const acct = (k: number, j: number) => String(1_000_000 + ((k * 7 + j * 1_299_709) % 9_000_000));
    const text = (k: number) =>
      `振込先の変更について。未払いの件、本日中にご連絡ください。担当 ${k}: 090-${String(1000 + (k % 9000)).padStart(4, '0')}-${String(k % 10000).padStart(4, '0')}\n` +
      `振込先: 普通 ${acct(k, 1)}、普通 ${acct(k, 2)}、口座番号 ${acct(k, 3)}\n` +
      `payment overdue, call back today. reference ${k}\n`;
    db.db.transaction(() => {
      for (const id of textIds) writeItemText(db.db, id, { kind: 'text', encoding: 'UTF-8', text: text(id), truncated: false, error: null }, { replace: true });
    })();
    const run = service.runSuggestions({ session: bootstrap });
    db.db.prepare("INSERT OR IGNORE INTO tags (id, label_en, label_ja, colour, builtin) VALUES ('bench-batch', 'Bench batch', 'ベンチ', '#3366cc', 0)").run();
    db.db
      .prepare("INSERT OR IGNORE INTO item_tags (item_id, tag_id, officer, comment, at_utc) SELECT id, 'bench-batch', 'Bench Officer', NULL, ? FROM items WHERE id % 10 = 0")
      .run(new Date().toISOString());
    db.db.transaction(() => {
      for (let k = count('SELECT COUNT(*) AS n FROM custody_events'); k <= 20_000; k++) db.custody.append({ officer: 'Bench Officer', action: 'item.viewed', target: `item:${k * 37}`, details: { as: 'bench' } });
    })();
    console.log(
      `views: text on ${textIds.length.toLocaleString('en')} items, ${run.suggestions.toLocaleString('en')} suggestions, a tag on 1 item in 10, 20,000 custody events, in ${ms(performance.now() - t0)}`,
    );
  }
}

// 2. The host in its own process (as npm run dev:web runs it: its synchronous SQLite work must
// not stall this process, which drives the browser and takes the times), and the page, already
// signed in (the session is put where the app keeps it).
const expected = {
  largest: String(service.listItems({ casePath: dir, sort: 'size', desc: true, limit: 1 }).items[0]!.id),
  smallest: String(service.listItems({ casePath: dir, sort: 'size', desc: false, limit: 1 }).items[0]!.id),
};
service.close();
// BENCH_PROFILE=<folder>: a V8 CPU profile of the host (node --cpu-prof) and of the page during
// the fast scroll (Chromium's profiler), for test/bench/cpuprofile-top.ts.
const profileDir = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : null;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const child = spawn(
  process.execPath,
  [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), join(projectRoot, 'src/host/main.ts'), '--data', join(dir, '..', 'ui-host-data'), '--renderer', rendererRoot],
  {
    // The host says how long each contract call took (EVIDENCE_HOST_TIMINGS): summed per phase below.
    env: { ...process.env, EVIDENCE_SCRYPT_N: String(2 ** 14), EVIDENCE_HOST_TIMINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
/** The host's call times: method, ms in the service, ms with the output checked and sent. */
const timings: { method: string; ms: number; all: number }[] = [];
const phases: { label: string; from: number }[] = [];
const phase = (label: string) => phases.push({ label, from: timings.length });
{
  let rest = '';
  child.stderr.on('data', (b: Buffer) => {
    const lines = (rest + b.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const m = /^\[timing\] (\S+) ([\d.]+) ([\d.]+)$/.exec(line);
      if (m) timings.push({ method: m[1]!, ms: Number(m[2]), all: Number(m[3]) });
      else process.stderr.write(`${line}\n`);
    }
  });
}
const hostUrl = await new Promise<string>((res, rej) => {
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
    if (m) res(m[1]!);
  });
  child.on('exit', (code) => rej(new Error(`the host exited (${code})`)));
});
const host = {
  url: hostUrl,
  close: async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  },
};
const origin = new URL(hostUrl).origin;
const token = new URL(hostUrl).searchParams.get('token')!;
const signedIn = (await (
  await fetch(`${origin}/api/signIn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Evidence-Token': token },
    body: JSON.stringify({ casePath: dir, officer: 'Bench Officer', password: PASSWORD }),
  })
).json()) as { ok: boolean; value: { session: string } };
if (!signedIn.ok) throw new Error(`sign-in failed: ${JSON.stringify(signedIn)}`);
const session = signedIn.value.session;
const browser = await chromium.launch({ executablePath: chromiumPath.path, args: CHROMIUM_ARGS });
const results: string[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.addInitScript(
    (s) => {
      sessionStorage.setItem('evidence.signed', JSON.stringify(s));
      localStorage.setItem('evidence.theme', 'light');
    },
    { casePath: dir, session, officer: 'Bench Officer', role: 'admin' },
  );
  // The first open (cold: the page's scripts, SQLite's page cache), then three measured loads.
  phase('first open (cold)');
  let t0 = performance.now();
  await page.goto(host.url);
  await page.locator('[data-testid="row"][data-id]').first().waitFor({ timeout: 60_000 });
  results.push(`first open (cold): first rows after ${ms(performance.now() - t0)}`);
  t0 = 0;
  // The navigation counts (counters kept by the writer, catalogue/counts.ts).
  const countsShown = () => page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="nav-images"] .nav-count')?.textContent ?? ''), undefined, { timeout: 120_000 });
  let t = performance.now();
  await countsShown();
  results.push(`first open: navigation counts (caseOverview, from the counters) ready ${ms(performance.now() - t)} after the first rows`);
  phase('three loads');
  const firstRows: number[] = [];
  for (let k = 0; k < 3; k++) {
    t = performance.now();
    await page.goto(host.url);
    await page.locator('[data-testid="row"][data-id]').first().waitFor({ timeout: 60_000 });
    firstRows.push(performance.now() - t);
    await countsShown();
  }
  const status = await page.getByTestId('table-status').textContent();
  results.push(`time to first rows: ${firstRows.map(ms).join(', ')} (median ${ms(firstRows.sort((a, b) => a - b)[1]!)}; target < 1 s) — ${status?.split('↑')[0]?.trim()}`);

  // Sort on size: the largest item must come first.
  const { largest, smallest } = expected;
  phase('sorts');
  const sorts: number[] = [];
  for (const [want, label] of [
    [largest, 'desc'],
    [smallest, 'asc'],
    [largest, 'desc'],
  ] as const) {
    const t = performance.now();
    await page.getByTestId('th-size').click();
    await page.waitForFunction((w) => document.querySelector('[data-testid="row"]')?.getAttribute('data-id') === w, want, { timeout: 30_000 });
    sorts.push(performance.now() - t);
    void label;
  }
  results.push(`sort on size (click to first row): ${sorts.map(ms).join(', ')} (target < 500 ms)`);

  // Scrolling: rAF deltas while a list scrolls (the catalogue's table, or a view's list).
  const scrollIn = async (testId: string, pxPerFrame: number, frames: number) =>
    page.evaluate(
      ({ testId, pxPerFrame, frames }) =>
        new Promise<{ p50: number; p95: number; max: number; n: number; top: number }>((res) => {
          const el = document.querySelector(`[data-testid="${testId}"]`) as HTMLElement;
          const deltas: number[] = [];
          let last = performance.now();
          let n = 0;
          const step = (t: number) => {
            deltas.push(t - last);
            last = t;
            el.scrollTop += pxPerFrame;
            if (++n < frames) requestAnimationFrame(step);
            else {
              const d = deltas.slice(1).sort((a, b) => a - b);
              const q = (p: number) => d[Math.min(d.length - 1, Math.floor(p * d.length))]!;
              res({ p50: q(0.5), p95: q(0.95), max: d[d.length - 1]!, n: d.length, top: el.scrollTop });
            }
          };
          requestAnimationFrame((t) => {
            last = t;
            requestAnimationFrame(step);
          });
        }),
      { testId, pxPerFrame, frames },
    );
  const scroll = (pxPerFrame: number, frames: number) => scrollIn('catalogue-table', pxPerFrame, frames);
  await page.getByTestId('catalogue-table').focus();
  // Where the main thread's time goes while scrolling (Chromium's own counters).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
  phase('steady scroll');
  const before = await metrics();
  const steady = await scroll(112, 600);
  const after = await metrics();
  const spent = (k: string) => ((after[k]! - before[k]!) * 1000) / steady.n;
  results.push(
    `scroll, steady (4 rows/frame, ${steady.n} frames): p50 ${steady.p50.toFixed(1)} ms, p95 ${steady.p95.toFixed(1)} ms, max ${steady.max.toFixed(1)} ms (target p95 < 33 ms); ` +
      `main thread per frame: script ${spent('ScriptDuration').toFixed(1)} ms, layout ${spent('LayoutDuration').toFixed(1)} ms, style ${spent('RecalcStyleDuration').toFixed(1)} ms, all tasks ${spent('TaskDuration').toFixed(1)} ms`,
  );
  phase('fast scroll');
  if (profileDir) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const fast = await scroll(840, 600);
  if (profileDir) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(profileDir, 'page-fast-scroll.cpuprofile'), JSON.stringify(profile));
  }
  results.push(
    `scroll, fast (30 rows/frame, new pages fetched, ${fast.n} frames): p50 ${fast.p50.toFixed(1)} ms, p95 ${fast.p95.toFixed(1)} ms, max ${fast.max.toFixed(1)} ms; reached row ${Math.floor(fast.top / 28).toLocaleString('en')}`,
  );
  // A jump to the middle of the million: time until its rows are on screen.
  phase('jump to the middle');
  t = performance.now();
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="catalogue-table"]') as HTMLElement;
    el.scrollTop = el.scrollHeight / 2;
  });
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="row"]')];
    return rows.length > 0 && rows.every((r) => r.getAttribute('data-id'));
  });
  results.push(`jump to row ~${Math.floor(N / 2).toLocaleString('en')}: rows on screen after ${ms(performance.now() - t)}`);
  // The same fast scroll there, half a million rows deep (each new page is read that deep).
  phase('fast scroll, deep');
  const deep = await scroll(840, 300);
  results.push(
    `scroll, fast at row ~${Math.floor(N / 2).toLocaleString('en')} (30 rows/frame, ${deep.n} frames): p50 ${deep.p50.toFixed(1)} ms, p95 ${deep.p95.toFixed(1)} ms, max ${deep.max.toFixed(1)} ms; reached row ${Math.floor(deep.top / 28).toLocaleString('en')}`,
  );

  // The review views: the click (or the search) to the first row, then a fast scroll of 30 rows
  // a frame (each view's own row height).
  const rowHeight = (row: string) =>
    page.evaluate((row) => {
      const rows = [...document.querySelectorAll(`[data-testid="${row}"]`)].map((r) => r.getBoundingClientRect().height);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 28;
    }, row);
  const view = async (label: string, open: () => Promise<void>, row: string, list: string, status?: string) => {
    phase(label);
    const t = performance.now();
    await open();
    try {
      await page.locator(`[data-testid="${row}"]`).first().waitFor({ timeout: 60_000 });
    } catch {
      results.push(`${label}: no rows within 60 s`);
      return;
    }
    const first = performance.now() - t;
    const said = status ? ((await page.getByTestId(status).textContent()) ?? '').split('·')[0]!.trim() : '';
    const h = await rowHeight(row);
    await page.getByTestId(list).focus();
    const fast = await scrollIn(list, Math.round(30 * h), 300);
    results.push(
      `${label}: first rows after ${ms(first)}${said ? ` (${said})` : ''}; fast scroll (30 rows/frame, ${fast.n} frames): p50 ${fast.p50.toFixed(1)} ms, p95 ${fast.p95.toFixed(1)} ms, max ${fast.max.toFixed(1)} ms; reached row ${Math.floor(fast.top / h).toLocaleString('en')}`,
    );
  };
  await view(
    'search results (未払い, full text)',
    async () => {
      await page.getByTestId('nav-search').click();
      await page.getByTestId('search-input').fill('未払い');
      await page.getByTestId('search-input').press('Enter');
    },
    'search-hit',
    'search-results',
    'search-status',
  );
  await view('suggestions queue', () => page.getByTestId('nav-suggestions').click(), 'suggestion', 'suggest-list');
  await view('Tagged view (a tag on 100,000 items)', () => page.getByTestId('nav-tag-bench-batch').click(), 'row', 'catalogue-table', 'table-status');
  await view('custody log (pages of 200 events)', () => page.getByTestId('nav-custody').click(), 'custody-event', 'custody-log', 'custody-status');
  // The custody log is read a page at a time (useCustodyPages.ts): a jump lands on positions not
  // loaded yet; time until the rows there are real events (no placeholder left on screen).
  const custodyJump = async (label: string, to: 'middle' | 'end') => {
    const t = performance.now();
    await page.getByTestId('custody-log').evaluate((el, to) => (el.scrollTop = to === 'end' ? el.scrollHeight : el.scrollHeight / 2), to);
    try {
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="custody-event-pending"]').length === 0 && document.querySelectorAll('[data-testid="custody-event"]').length > 0,
        undefined,
        { timeout: 30_000 },
      );
      results.push(`custody log, ${label}: rows on screen after ${ms(performance.now() - t)}`);
    } catch {
      results.push(`custody log, ${label}: no rows within 30 s`);
    }
  };
  phase('custody log jumps');
  await custodyJump('jump to the middle (a page by offset)', 'middle');
  await custodyJump('jump to the end (a page by offset)', 'end');
  // One page up from the end: the page before a loaded one, by keyset on the seq.
  {
    const t = performance.now();
    await page.getByTestId('custody-log').evaluate((el) => (el.scrollTop = Math.max(0, el.scrollTop - 200 * 40 - el.clientHeight)));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="custody-event-pending"]').length === 0, undefined, { timeout: 30_000 }).catch(() => undefined);
    results.push(`custody log, one page up from the end (keyset before): rows on screen after ${ms(performance.now() - t)}`);
  }
} finally {
  await browser.close();
  await host.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
const os = await import('node:os');
console.log(
  `\nbench:ui — ${N.toLocaleString('en')} items, Chromium ${chromiumPath.path}, this machine (${os.availableParallelism()} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} at the end, ${loadAtStart} at the start: other work on the machine slows every figure)`,
);
for (const r of results) console.log(`  ${r}`);
// Where the host's time went: each phase's contract calls (ms in the service; with the output
// checked and sent in brackets).
console.log('\n  host, per phase (calls: median / p95 / max ms in the service [max with the output checked and sent]):');
phases.forEach((p, k) => {
  const calls = timings.slice(p.from, phases[k + 1]?.from ?? timings.length);
  const byMethod = new Map<string, typeof calls>();
  for (const c of calls) byMethod.set(c.method, [...(byMethod.get(c.method) ?? []), c]);
  const parts = [...byMethod].map(([m, cs]) => {
    const v = cs.map((c) => c.ms).sort((a, b) => a - b);
    const q = (x: number) => v[Math.min(v.length - 1, Math.floor(x * v.length))]!.toFixed(1);
    return `${m} ×${cs.length} ${q(0.5)} / ${q(0.95)} / ${v[v.length - 1]!.toFixed(1)} [${Math.max(...cs.map((c) => c.all)).toFixed(1)}]`;
  });
  console.log(`    ${p.label}: ${parts.join('; ') || 'no calls'}`);
});
