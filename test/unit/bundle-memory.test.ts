// A bundle of 10 GiB must not need 10 GiB of memory (issue 13): the exporter streams each stored
// copy into the bundle in 1 MiB pieces, hashing as it writes. Measured here with a 512 MiB file,
// exported as a folder and as a ZIP by the real CLI in a child process, its peak RSS read by
// GNU time: it must stay far below the file's size.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasTool, runCliChild, tempDir } from './helpers.ts';

const SIZE = 512 * 1024 * 1024;
/** Node itself, the case's SQLite and the CLI take ~100-150 MiB; the file must add almost nothing. */
const MAX_RSS = 256 * 1024 * 1024;

test('exporting a 512 MiB file keeps peak memory far below its size (folder and ZIP)', { timeout: 15 * 60_000 }, async (t) => {
  if (!hasTool('/usr/bin/time') && !hasTool('time')) return t.skip('GNU time (/usr/bin/time) is not installed: cannot measure the child process peak memory');
  const dir = tempDir(t, 'evidence-bundle-mem-');
  const src = join(dir, 'export');
  mkdirSync(src);
  // Not all zeros (a sparse or compressible file would flatter nothing here, but real data is random-ish).
  const fd = openSync(join(src, 'disk.img'), 'w');
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < SIZE / block.length; i++) {
    block.writeUInt32LE(i, 0);
    block.writeUInt32LE((i * 2654435761) >>> 0, 512);
    writeSync(fd, block);
  }
  closeSync(fd);
  const casePath = join(dir, 'case');
  const env = { EVIDENCE_RECEIPTS_DIR: 'none' };
  const ok = async (args: string[]): Promise<void> => {
    const r = await runCliChild(args, { env });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  };
  await ok(['case', 'init', casePath, '--name', 'Memory', '--number', 'M-1', '--officer', 'DS Tanaka']);
  await ok(['exhibit', 'add', casePath, '--number', 'EXH-1']);
  await ok(['ingest', casePath, src, '--exhibit', 'EXH-1', '--workers', '1']);
  for (const zip of [false, true]) {
    const out = join(dir, zip ? 'bundle.zip' : 'bundle');
    const rssFile = join(dir, `rss-${zip}`);
    const r = await runCliChild(['export', casePath, '--all', '--out', out, ...(zip ? ['--zip'] : [])], {
      env,
      prefix: ['/usr/bin/time', '-f', '%M', '-o', rssFile],
    });
    assert.equal(r.code, 0, r.err);
    const rss = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) * 1024;
    t.diagnostic(`export${zip ? ' --zip' : ''} of ${SIZE / 2 ** 20} MiB: peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(rss > 0 && rss < MAX_RSS, `peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB (limit ${MAX_RSS / 2 ** 20} MiB)`);
    const v = await runCliChild(['bundle', 'verify', out, '--json'], { env, prefix: ['/usr/bin/time', '-f', '%M', '-o', `${rssFile}-verify`] });
    assert.equal(v.code, 0, v.out);
    const vrss = Number(readFileSync(`${rssFile}-verify`, 'utf8').trim().split('\n').pop()) * 1024;
    t.diagnostic(`bundle verify${zip ? ' (ZIP)' : ''}: peak RSS ${(vrss / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(vrss < MAX_RSS, `verify peak RSS ${(vrss / 2 ** 20).toFixed(0)} MiB`);
  }
  if (hasTool('unzip')) assert.equal(spawnSync('unzip', ['-tq', join(dir, 'bundle.zip')]).status, 0);
});
