// Members of a streamed container (.tar.gz): each must be read before the reader moves on. Small
// members are read into memory and processed on the workers like any file; larger ones on the
// main thread by the same item processor (item/processItem.ts). Either way the hashes are the
// bytes' (checked with coreutils md5sum/sha1sum/sha256sum), the type is found, and a damaged
// stream is a problem on the container, never a failed ingest.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SMALL_OBJECT_MAX } from '../../src/core/store/layout.ts';
import { newCase, tempDir, exhibitIn } from './helpers.ts';

function digest(tool: string, path: string): string {
  return execFileSync(tool, [path], { encoding: 'utf8' }).split(' ')[0]!;
}

test('a .tar.gz: small members on the workers, large ones on the main thread, all with their true hashes', async (t) => {
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'docs'), { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: Buffer | string): void => {
    writeFileSync(join(tree, name), data);
    files.push(name);
  };
  for (let i = 0; i < 40; i++) put(`docs/note${i}.txt`, `note ${i}\n`.repeat(1 + i * 37));
  put('edge-exact.bin', randomBytes(SMALL_OBJECT_MAX));
  put('edge-over.bin', randomBytes(SMALL_OBJECT_MAX + 1));
  put('large.bin', randomBytes(3 * 1024 * 1024 + 17));
  put('empty.txt', '');
  const archive = join(dir, 'export.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', tree, '.']);

  const c = newCase(t);
  const s = await c.service.ingest({ session: c.session, exhibit: exhibitIn(c.service, c.session), sourcePath: archive });
  assert.equal(s.status, 'finished');
  assert.equal(s.errorCount, 0, JSON.stringify(s.problems));
  const items = c.service.listItems({ casePath: c.casePath, limit: 1000 }).items;
  for (const name of files) {
    const row = items.find((i) => i.path === `export.tar.gz!/./${name}` || i.path === `export.tar.gz!/${name}`);
    assert.ok(row, `${name} catalogued`);
    const detail = c.service.getItem({ session: c.session, id: row.id });
    const path = join(tree, name);
    assert.equal(detail.size, statSync(path).size, name);
    assert.equal(detail.sha256, digest('sha256sum', path), `${name} SHA-256`);
    assert.equal(detail.sha1, digest('sha1sum', path), `${name} SHA-1`);
    assert.equal(detail.md5, digest('md5sum', path), `${name} MD5`);
  }
  const note = items.find((i) => i.path.endsWith('/docs/note3.txt'));
  assert.equal(note?.mime, 'text/plain', 'small members are typed (analysed on a worker)');
  // The store holds each member's bytes as found.
  const large = items.find((i) => i.path.endsWith('/large.bin'))!;
  assert.equal(large.sha256, digest('sha256sum', join(tree, 'large.bin')));
  assert.ok(readFileSync(archive).length > 0);
});

test('a .tar.gz cut short: the ingest finishes, the damage is recorded as a problem', async (t) => {
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(tree, `f${i}.bin`), randomBytes(20_000));
  const archive = join(dir, 'cut.tar.gz');
  execFileSync('tar', ['-czf', archive, '-C', tree, '.']);
  truncateSync(archive, Math.floor(statSync(archive).size / 2));

  const c = newCase(t);
  const s = await c.service.ingest({ session: c.session, exhibit: exhibitIn(c.service, c.session), sourcePath: archive });
  assert.equal(s.status, 'finished');
  assert.ok(s.errorCount >= 1, 'the cut is reported');
  const items = c.service.listItems({ casePath: c.casePath, limit: 1000 }).items;
  // The members before the cut are catalogued with their true hashes.
  const whole = items.filter((i) => i.kind === 'file' && /!\/(\.\/)?f\d+\.bin$/.test(i.path) && i.sha256);
  assert.ok(whole.length >= 1, 'members before the cut are read');
  for (const row of whole) {
    const name = row.path.slice(row.path.lastIndexOf('/') + 1);
    if (row.size === 20_000) assert.equal(row.sha256, digest('sha256sum', join(tree, name)), name);
  }
});
