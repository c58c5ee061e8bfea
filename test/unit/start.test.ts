// `npm start` (scripts/start.js) where the Electron binary is absent: it builds the renderer,
// starts the browser host and says so in one line with the reason and the URL, which answers.
// ELECTRON_OVERRIDE_DIST_PATH points at an empty folder so the test takes this path on a machine
// with Electron too. The real script, the real Vite build, the real host; stopped with SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

test('npm start without the Electron binary starts the browser host and says why and where, in one line', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'evidence-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const renderer = join(dir, 'renderer');
  const noElectron = join(dir, 'no-electron');
  const child = spawn(
    process.execPath,
    [join(root, 'scripts', 'start.js'), '--renderer', renderer, '--data', join(dir, 'data'), '--root', dir],
    { cwd: root, env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: noElectron }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const stdoutLines: string[] = [];
  const firstLine = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      stdoutLines.push(l);
      if (stdoutLines.length === 1) res(l);
    });
    child.on('exit', (code) => rej(new Error(`start.js exited (${code}) before its line: ${stderr}`)));
  });

  assert.match(firstLine, /browser host instead of the Electron window/);
  assert.ok(firstLine.includes(join(noElectron, 'electron')), `the reason names the missing binary: ${firstLine}`);
  const url = /open (http:\/\/127\.0\.0\.1:\d+\/\S*) in a browser/.exec(firstLine)?.[1];
  assert.ok(url, `the line carries the URL: ${firstLine}`);
  assert.ok(existsSync(join(renderer, 'index.html')), 'the renderer was built where --renderer says');

  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, 'SIGTERM reaches the host, which stops cleanly');
  assert.deepEqual(stdoutLines, [firstLine], 'one line on stdout, nothing else');
});
