// Paths longer than PATH_MAX (issue 9, defect 7): phone dumps nest folders until the full path
// passes Linux's 4096-byte limit, where opening by the full path fails (ENAMETOOLONG). Every
// item must still be catalogued, and every file hashed and stored: the walk goes on from an open
// handle on a nearer folder. The tree is built and checked with the shell (cd one level at a
// time), independently of the app.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { type CliResult, runCliChild, tempDir, recordExhibitAt, EXH } from './helpers.ts';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const show = (r: CliResult): string => `exit ${r.code}\n--- stdout\n${r.out.slice(-3000)}\n--- stderr\n${r.err.slice(-3000)}`;

/** 24 levels of 200-byte names: the deepest paths are about 4,900 bytes, past PATH_MAX (4096). */
const LEVELS = 24;
const levelName = (i: number): string => `level${String(i).padStart(2, '0')}_${'d'.repeat(192)}`;
const SMALL_OBJECT_MAX = 256 * 1024;

function bash(script: string, cwd: string): string {
  const r = spawnSync('bash', ['-euc', script], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `bash failed: ${r.stderr}`);
  return r.stdout;
}

test('paths longer than PATH_MAX: every item catalogued, every file hashed and stored (issue 9, defect 7)', async (t) => {
  if (process.platform !== 'linux') return t.skip('reading past PATH_MAX goes through /proc/self/fd, which is Linux only');
  const caseDir = join(tempDir(t, 'ev-long-case-'), 'case');
  // Node cannot remove what it cannot name; rm works one level at a time.
  const work = mkdtempSync(join(tmpdir(), 'ev-long-'));
  t.after(() => spawnSync('rm', ['-rf', work]));
  const exportDir = join(work, 'export');
  // Files at each depth: small ones (blobs), one large one (a store file) and a link, deepest last.
  const expected = new Map<string, Buffer>();
  const links: string[] = [];
  let script = 'mkdir export && cd export && printf "top\\n" > top.txt\n';
  expected.set('top.txt', Buffer.from('top\n'));
  let rel = '';
  for (let i = 0; i < LEVELS; i++) {
    rel = rel ? `${rel}/${levelName(i)}` : levelName(i);
    script += `mkdir ${levelName(i)} && cd ${levelName(i)}\n`;
    const text = `depth ${i}\n`;
    script += `printf '${text.replace('\n', '\\n')}' > note.txt\n`;
    expected.set(`${rel}/note.txt`, Buffer.from(text));
    if (i === LEVELS - 2) {
      // 300 KiB: a store file, not a blob; read through the folder handle as a stream.
      script += 'head -c 307200 /dev/zero | tr "\\0" "x" > video.bin\n';
      expected.set(`${rel}/video.bin`, Buffer.alloc(300 * 1024, 'x'));
      script += 'ln -s note.txt link.txt\n';
      links.push(`${rel}/link.txt`);
    }
  }
  bash(script, work);
  const deepest = `${exportDir}/${rel}/note.txt`;
  assert.ok(Buffer.byteLength(deepest) > 4096, `the test tree reaches past PATH_MAX (${Buffer.byteLength(deepest)} bytes)`);
  assert.equal(existsSync(deepest), false, 'the deepest file cannot be opened by its full path');
  // An outside tool's hashes, reading one level at a time.
  const theirs = new Map<string, string>();
  const hashAll = `walk() { for f in *; do
      if [ -L "$f" ]; then :; elif [ -d "$f" ]; then (cd "$f" && prefix="$prefix$f/" walk);
      elif [ -f "$f" ]; then printf '%s  %s\\n' "$(sha256sum < "$f" | cut -c1-64)" "$prefix$f"; fi; done; }
    prefix= walk`;
  for (const line of bash(hashAll, exportDir).split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.*)$/.exec(line);
    if (m) theirs.set(m[2]!, m[1]!);
  }

  const init = await runCliChild(['case', 'init', caseDir, '--name', 'Deep paths', '--number', 'KH-2026-0911', '--officer', 'DS Tanaka']);
  assert.equal(init.code, 0, show(init));
  recordExhibitAt(caseDir);
  const r = await runCliChild(['ingest', caseDir, exportDir, '--exhibit', EXH, '--json']);
  assert.equal(r.code, 0, show(r));
  const s = JSON.parse(r.out) as { sourceId: number; errorCount: number; files: number; folders: number; links: number; problems: unknown[] };
  assert.equal(s.errorCount, 0, `no problems: ${JSON.stringify(s.problems)}`);
  assert.deepEqual([s.files, s.folders, s.links], [expected.size, LEVELS, links.length]);

  const db = new Database(join(caseDir, 'case.db'), { readonly: true });
  const objects = new Database(join(caseDir, 'store', 'objects.db'), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const rows = db.prepare('SELECT path, kind, size, sha256, error, link_target FROM items WHERE source_id = ?').all(s.sourceId) as {
      path: string;
      kind: string;
      size: number;
      sha256: string | null;
      error: string | null;
      link_target: string | null;
    }[];
    const byPath = new Map(rows.map((x) => [x.path, x]));
    assert.equal(rows.length, expected.size + LEVELS + links.length);
    for (const [path, data] of expected) {
      const it = byPath.get(path);
      assert.ok(it, `${path.slice(-60)} is catalogued`);
      assert.deepEqual([it.kind, it.error, it.size, it.sha256], ['file', null, data.byteLength, sha256(data)], path.slice(-60));
      assert.equal(theirs.get(path), it.sha256, `sha256sum agrees on ${path.slice(-60)}`);
      const stored =
        data.byteLength > SMALL_OBJECT_MAX
          ? readFileSync(join(caseDir, 'store', it.sha256!.slice(0, 2), it.sha256!.slice(2, 4), it.sha256!))
          : (objects.prepare('SELECT data FROM objects WHERE sha256 = ?').get(it.sha256) as { data: Buffer }).data;
      assert.equal(sha256(stored), it.sha256, `the stored copy of ${path.slice(-60)} is its bytes`);
    }
    assert.equal(theirs.size, expected.size, 'the outside tool sees the same files');
    for (const l of links) assert.deepEqual([byPath.get(l)?.kind, byPath.get(l)?.link_target], ['symlink', 'note.txt']);
    const dirs = rows.filter((x) => x.kind === 'dir');
    assert.equal(dirs.length, LEVELS);
    assert.ok(dirs.every((d) => d.error === null));
  } finally {
    db.close();
    objects.close();
  }
  // The case opens no folder handle for good: a second run of the same command does not fail.
  const again = await runCliChild(['ingest', caseDir, exportDir, '--exhibit', EXH, '--json']);
  assert.ok(again.code === 0 || (again.code === 4 && /already/i.test(again.err + again.out)), show(again));
});
