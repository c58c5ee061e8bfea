// Where a case may be made (core/casePath.ts): absolute paths only (the CLI resolves what the
// officer typed against the shell's folder, and says where it made the case); never on /proc,
// /sys, /dev or another kernel file system, refused at once; and the browser host, which once
// span for ever in Node's recursive mkdir under /proc, answers the refusal and keeps answering.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { Case } from '../../src/core/case.ts';
import { checkCasePath, makeFolders, pseudoFileSystemOf } from '../../src/core/casePath.ts';
import { EvidenceError } from '../../src/core/errors.ts';
import { EvidenceService } from '../../src/core/service.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { projectRoot, runCliChild, tempDir } from './helpers.ts';

const info = { name: 'Operation Sakura', number: 'KH-2026-0142', officer: 'Sok Dara' };
const linux = process.platform === 'linux';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof EvidenceError && err.code === 'USAGE' && pattern.test(err.message));
}

describe('case paths', () => {
  test('a relative path is refused by the engine with a clear message, and nothing is made in the working folder', (t) => {
    const before = readdirSync(process.cwd());
    refused(() => Case.create('cases/sakura', info), /"cases\/sakura" is a relative path\. Give the full path/);
    refused(() => Case.open('sakura'), /relative path/);
    refused(() => new EvidenceService().createCase({ casePath: './sakura', ...info, password: TEST_PASSWORD }), /relative path/);
    assert.deepEqual(readdirSync(process.cwd()), before);
    // The same folder given in full works.
    const dir = join(tempDir(t), 'cases', 'sakura');
    Case.create(dir, info).close();
    assert.ok(existsSync(join(dir, 'case.db')));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  test('pseudo file systems are refused at once, by path, through a symlink, and by statfs type', { skip: !linux && 'Linux file systems' }, (t) => {
    for (const p of ['/proc/x', '/proc/self/x/y', '/sys/x', '/dev/x', '/dev/shm/case']) {
      const t0 = performance.now();
      refused(() => Case.create(p, info), /file system, which shows the kernel's and devices' state and keeps no files/);
      assert.ok(performance.now() - t0 < 1000, `${p} refused in under a second`);
    }
    refused(() => Case.open('/proc/x'), /proc file system/);
    const link = join(tempDir(t), 'looks-local');
    symlinkSync('/proc', link);
    refused(() => checkCasePath(join(link, 'case')), /proc file system/);
    // /proc/self/... is /proc by path; /sys/fs/cgroup is a cgroup file system by its statfs type.
    assert.equal(pseudoFileSystemOf('/proc/self/fd'), '/proc');
    assert.equal(pseudoFileSystemOf(join(tempDir(t), 'a', 'b')), null);
  });

  test('makeFolders makes a path a folder at a time, accepts one that exists, and fails on a file in the way', (t) => {
    const root = tempDir(t);
    makeFolders(join(root, 'a', 'b', 'c'), 0o700);
    assert.ok(statSync(join(root, 'a', 'b', 'c')).isDirectory());
    makeFolders(join(root, 'a', 'b'));
    writeFileSync(join(root, 'file'), 'x');
    assert.throws(() => makeFolders(join(root, 'file', 'sub')), /ENOTDIR|EEXIST/);
    if (linux) assert.throws(() => makeFolders('/proc/x/y'), /ENOENT/, 'fails where Node\'s recursive mkdir spins');
  });

  test('the CLI resolves a relative case folder against the current folder and says where the case is', async (t) => {
    const cwd = tempDir(t);
    mkdirSync(join(cwd, 'cases'));
    const r = await runCliChild(['case', 'init', 'cases/sakura', '--name', info.name, '--number', info.number, '--officer', info.officer], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(join(cwd, 'cases', 'sakura', 'case.db')));
    assert.ok(r.out.includes(`in ${join(cwd, 'cases', 'sakura')};`), r.out);
    const info2 = await runCliChild(['case', 'info', 'sakura'], { cwd: join(cwd, 'cases') });
    assert.equal(info2.code, 0, info2.err);
    assert.match(info2.out, /KH-2026-0142/);
  });

  test('the browser host refuses a case under /proc at once and keeps answering', { skip: !linux && 'Linux /proc', timeout: 60_000 }, async (t) => {
    const root = tempDir(t);
    const renderer = join(root, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Evidence Catalogue</title>');
    const host = spawn(process.execPath, [join(projectRoot, 'src/host/main.ts'), '--renderer', renderer, '--data', join(root, 'data'), '--root', root], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => host.kill('SIGKILL'));
    const url = await new Promise<URL>((res, rej) => {
      createInterface({ input: host.stdout }).on('line', (l) => {
        const m = / at (http\S+)/.exec(l);
        if (m) res(new URL(m[1]!));
      });
      host.on('exit', (c) => rej(new Error(`host exited ${c}`)));
    });
    const token = url.searchParams.get('token')!;
    const api = (method: string, body: unknown) =>
      fetch(`${url.origin}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Evidence-Token': token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      }).then((r) => r.json() as Promise<{ ok: boolean; error?: { code: string; message: string } }>);

    for (const casePath of ['/proc/x', '/proc/x/y/z', 'relative/case']) {
      const t0 = performance.now();
      const r = await api('createCase', { casePath, ...info, password: TEST_PASSWORD });
      assert.equal(r.ok, false, casePath);
      assert.equal(r.error?.code, 'USAGE', casePath);
      assert.match(r.error!.message, casePath.startsWith('/') ? /proc file system/ : /relative path/);
      assert.ok(performance.now() - t0 < 5000, `${casePath} answered in ${Math.round(performance.now() - t0)} ms`);
    }
    assert.ok(!existsSync(join(root, 'relative')), "nothing made in the host's working folder");
    // Still answering: a real case made right after.
    const made = await api('createCase', { casePath: join(root, 'case'), ...info, password: TEST_PASSWORD });
    assert.equal(made.ok, true, JSON.stringify(made.error));
  });
});
