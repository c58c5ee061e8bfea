// The hashes we record are the ones an examiner gets from the standard tools: md5sum, sha1sum,
// sha256sum and hashdeep, over the same files. Sizes around the store's small/large threshold,
// the read-chunk size, an empty file and a 5 MiB file, and the real samples where present.
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Case } from '../../src/core/case.ts';
import { SMALL_OBJECT_MAX } from '../../src/core/store/layout.ts';
import { pseudoRandom } from '../fixtures/tree.ts';
import { digestsOf, hasTool, newCase, run, samplesOrSkip, tempDir, exhibitIn } from './helpers.ts';

const MiB = 1024 * 1024;
const SIZES: Record<string, number> = {
  'empty.bin': 0,
  'one-byte.bin': 1,
  'small-below.bin': SMALL_OBJECT_MAX - 1,
  'small-at.bin': SMALL_OBJECT_MAX,
  'small-above.bin': SMALL_OBJECT_MAX + 1,
  'chunk-below.bin': MiB - 1,
  'chunk-at.bin': MiB,
  'chunk-above.bin': MiB + 1,
  'five-mib.bin': 5 * MiB,
  'Camera Roll/写真 0001.jpg': 4096,
  'nested/a/b/c/d/e/deep.dat': 12_345,
};

type Digests = { md5: string; sha1: string; sha256: string };

/** `md5sum`-style output ("<hex>  <path>") into path -> hex. */
function parseSums(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const r = /^([0-9a-f]+) [ *](.+)$/.exec(line);
    if (r) m.set(r[2]!, r[1]!);
  }
  return m;
}

/** The three coreutils tools over the given relative paths, run in `root`. */
function coreutilsDigests(root: string, paths: string[]): Map<string, Digests> {
  const md5 = parseSums(run('md5sum', ['--', ...paths], { cwd: root }));
  const sha1 = parseSums(run('sha1sum', ['--', ...paths], { cwd: root }));
  const sha256 = parseSums(run('sha256sum', ['--', ...paths], { cwd: root }));
  const out = new Map<string, Digests>();
  for (const p of paths) out.set(p, { md5: md5.get(p)!, sha1: sha1.get(p)!, sha256: sha256.get(p)! });
  return out;
}

/** hashdeep -c md5,sha1,sha256 -r -l: path -> size and digests. */
function hashdeepDigests(root: string): Map<string, Digests & { size: number }> {
  const out = new Map<string, Digests & { size: number }>();
  for (const line of run('hashdeep', ['-c', 'md5,sha1,sha256', '-r', '-l', '.'], { cwd: root }).split('\n')) {
    if (!line || line.startsWith('%') || line.startsWith('#')) continue;
    const [size, md5, sha1, sha256, ...rest] = line.split(',');
    out.set(rest.join(',').replace(/^\.\//, ''), { size: Number(size), md5: md5!, sha1: sha1!, sha256: sha256! });
  }
  return out;
}

async function ingestAndRead(t: TestContext, root: string): Promise<{ casePath: string; items: Map<string, Digests & { size: number | null }> }> {
  const c = newCase(t);
  const s = await c.service.ingest({ session: c.session, exhibit: exhibitIn(c.service, c.session), sourcePath: root });
  assert.equal(s.status, 'finished');
  const items = new Map<string, Digests & { size: number | null }>();
  for (const row of c.service.listItems({ casePath: c.casePath, kind: 'file', limit: 100_000 }).items) {
    if (row.path.includes('!/')) continue; // members of archives: not files on disk
    const it = c.service.getItem({ session: c.session, id: row.id });
    assert.ok(it.md5 && it.sha1 && it.sha256, `${it.path}: not hashed (${it.error})`);
    items.set(it.path, { md5: it.md5, sha1: it.sha1, sha256: it.sha256, size: it.size });
  }
  c.service.close();
  return { casePath: c.casePath, items };
}

test('generated files: our MD5/SHA-1/SHA-256 equal md5sum, sha1sum, sha256sum and hashdeep', { timeout: 60_000 }, async (t) => {
  const root = join(tempDir(t), 'export');
  const contents = new Map<string, Buffer>();
  for (const [rel, size] of Object.entries(SIZES)) {
    const data = pseudoRandom(size, rel);
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), data);
    contents.set(rel, data);
  }
  const paths = [...contents.keys()];
  const { casePath, items } = await ingestAndRead(t, root);
  assert.deepEqual([...items.keys()].sort(), [...paths].sort());

  await t.test('sizes are recorded exactly', () => {
    for (const [rel, data] of contents) assert.equal(items.get(rel)!.size, data.length, rel);
  });

  await t.test('md5sum, sha1sum, sha256sum', (t2) => {
    for (const tool of ['md5sum', 'sha1sum', 'sha256sum']) {
      if (!hasTool(tool)) {
        t2.skip(`${tool} is not installed (coreutils): cannot compare with it`);
        return;
      }
    }
    const ref = coreutilsDigests(root, paths);
    for (const rel of paths) {
      const { size: _size, ...ours } = items.get(rel)!;
      assert.deepEqual(ours, ref.get(rel), rel);
    }
    // The empty file's digests are the well-known constants.
    assert.equal(items.get('empty.bin')!.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(items.get('empty.bin')!.md5, 'd41d8cd98f00b204e9800998ecf8427e');
  });

  await t.test('hashdeep -c md5,sha1,sha256', (t2) => {
    if (!hasTool('hashdeep')) {
      t2.skip('hashdeep is not installed: cannot compare with it');
      return;
    }
    const ref = hashdeepDigests(root);
    assert.equal(ref.size, paths.length);
    for (const rel of paths) assert.deepEqual(items.get(rel), ref.get(rel), rel);
  });

  await t.test('each object is stored once, where its size says, and re-hashes to its name', () => {
    const k = Case.open(casePath, { readonly: true });
    try {
      for (const [rel, data] of contents) {
        const { sha256 } = items.get(rel)!;
        const where = k.store.locate(sha256);
        assert.equal(where, data.length <= SMALL_OBJECT_MAX ? 'blob' : 'file', `${rel} (${data.length} bytes)`);
        const stored = where === 'blob' ? k.store.readBlob(sha256) : null;
        if (where === 'blob') {
          assert.ok(stored, `${rel}: blob missing`);
          assert.equal(digestsOf(stored).sha256, sha256, `${rel}: blob bytes`);
          assert.equal(stored.length, data.length);
        } else {
          const st = statSync(k.store.filePath(sha256));
          assert.equal(st.size, data.length);
          assert.equal(st.mode & 0o777, 0o400, `${rel}: store file must be read-only, the owner's only`);
        }
      }
    } finally {
      k.close();
    }
  });
});

test('samples: our hashes equal sha256sum/md5sum/sha1sum and hashdeep on every real file', { timeout: 60_000 }, async (t) => {
  const root = samplesOrSkip(t);
  if (!root) return;
  const { items } = await ingestAndRead(t, root);
  const paths = [...items.keys()].sort();
  assert.ok(paths.length >= 90, `${paths.length} sample files`);

  await t.test('md5sum, sha1sum, sha256sum', (t2) => {
    if (!hasTool('sha256sum') || !hasTool('md5sum') || !hasTool('sha1sum')) {
      t2.skip('coreutils md5sum/sha1sum/sha256sum not installed: cannot compare with them');
      return;
    }
    const ref = coreutilsDigests(root, paths);
    for (const rel of paths) {
      const { size: _size, ...ours } = items.get(rel)!;
      assert.deepEqual(ours, ref.get(rel), rel);
    }
  });

  await t.test('hashdeep', (t2) => {
    if (!hasTool('hashdeep')) {
      t2.skip('hashdeep is not installed: cannot compare with it');
      return;
    }
    const ref = hashdeepDigests(root);
    assert.deepEqual([...ref.keys()].sort(), paths);
    for (const rel of paths) assert.deepEqual(items.get(rel), ref.get(rel), rel);
  });
});
