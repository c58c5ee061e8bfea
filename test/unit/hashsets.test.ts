// Known-hash sets: every format imported and matched, hashdeep's and coreutils' own output used
// as sets (independent oracles), matching at import and at the end of an ingest, the known-bad
// and known-good filters, custody events, roles, and the CLI.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { detectFormat } from '../../src/core/hashsets/formats.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { prng } from '../fixtures/detect.ts';
import { digestsOf, newCase, run, runCli, tempDir, toolOrSkip, exhibitIn, recordExhibitAt, EXH } from './helpers.ts';

interface TreeFile {
  rel: string;
  data: Buffer;
  md5: string;
  sha1: string;
  sha256: string;
}

/** A small export: 12 files of seeded bytes (two with the same content), one with a comma in its name. */
function makeTree(t: TestContext): { root: string; files: TreeFile[] } {
  const root = join(tempDir(t), 'export');
  const r = prng(99);
  const files: TreeFile[] = [];
  for (let i = 0; i < 12; i++) {
    const dir = i < 6 ? 'DCIM' : 'Documents';
    mkdirSync(join(root, dir), { recursive: true });
    const data = i === 11 ? files[0]!.data : Buffer.from(Array.from({ length: 200 + i * 37 }, () => Math.floor(r() * 256)));
    const rel = `${dir}/${i === 7 ? 'list, final.csv' : `file-${i}.bin`}`;
    writeFileSync(join(root, rel), data);
    files.push({ rel, data, ...digestsOf(data) });
  }
  return { root, files };
}

function sha256File(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

test('every set format is detected, imported and matched; file hash and counts in the custody log', async (t) => {
  const { service, casePath, session } = newCase(t);
  const { root, files } = makeTree(t);
  await service.ingest({ session, sourcePath: root, exhibit: exhibitIn(service, session, 'EXH-001') });
  const dir = tempDir(t);
  const sets: { file: string; format: string; want: number[]; entries: number; skipped?: number }[] = [];
  const byIdx = (idx: number[]): TreeFile[] => idx.map((i) => files[i]!);
  const put = (name: string, body: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };

  // NSRL RDS v3: a SQLite FILE table with sha256, sha1, md5 (some rows with only an MD5).
  const rds = join(dir, 'RDS_2024.12.1_modern_minimal.db');
  const db = new Database(rds);
  db.exec('CREATE TABLE FILE (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, file_size INTEGER, package_id INTEGER)');
  const ins = db.prepare('INSERT INTO FILE VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const f of byIdx([0, 1])) ins.run(f.sha256.toUpperCase(), f.sha1.toUpperCase(), f.md5.toUpperCase(), '00000000', f.rel, f.data.length, 1);
  ins.run(null, null, files[2]!.md5.toUpperCase(), '0', 'md5-only', 1, 1);
  for (let i = 0; i < 50; i++) ins.run(createHash('sha256').update(`other ${i}`).digest('hex'), null, null, '0', `other ${i}`, 1, 1);
  db.close();
  sets.push({ file: rds, format: 'nsrl-rds', want: [0, 1, 2, 11], entries: 53 });

  // NSRL legacy NSRLFile.txt.
  const legacy = ['"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"'];
  for (const f of byIdx([3, 4])) legacy.push(`"${f.sha1.toUpperCase()}","${f.md5.toUpperCase()}","0A1B2C3D","${f.rel.replace(/"/g, '""')}",${f.data.length},1234,"358",""`);
  legacy.push('"NOT-A-HASH","","","junk",0,0,"",""');
  sets.push({ file: put('NSRLFile.txt', `${legacy.join('\r\n')}\r\n`), format: 'nsrl-legacy', want: [3, 4], entries: 2, skipped: 1 });

  // md5sum / sha1sum / sha256sum output, and the BSD --tag form.
  sets.push({ file: put('set.md5', files.slice(5, 7).map((f) => `${f.md5}  ${f.rel}\n`).join('')), format: 'md5sum', want: [5, 6], entries: 2 });
  sets.push({ file: put('set.sha1', `${files[7]!.sha1} *${files[7]!.rel}\n`), format: 'sha1sum', want: [7], entries: 1 });
  sets.push({ file: put('set.sha256', `SHA256 (${files[8]!.rel}) = ${files[8]!.sha256}\n`), format: 'sha256sum', want: [8], entries: 1 });
  // A plain list (mixed algorithms, comments, a bad line).
  sets.push({ file: put('plain.txt', `# seized laptop list\n${files[9]!.sha1}\n\n${files[10]!.md5.toUpperCase()}\nnot a hash\n`), format: 'plain', want: [9, 10], entries: 2, skipped: 1 });
  // CSV with a hash column, semicolons and quotes.
  sets.push({ file: put('export.csv', `"File name";"Size";"SHA-256"\n"${files[3]!.rel}";${files[3]!.data.length};"${files[3]!.sha256}"\n"x";1;""\n`), format: 'csv', want: [3], entries: 1, skipped: 1 });

  for (const [i, s] of sets.entries()) {
    assert.equal(detectFormat(s.file), s.format, `${s.file} detected`);
    const r = await service.importHashset({ session, file: s.file, name: `set ${i} (${s.format})`, kind: 'bad' });
    assert.equal(r.set.format, s.format);
    assert.equal(r.set.entries, s.entries, `${s.format} entries`);
    assert.equal(r.skipped, s.skipped ?? 0, `${s.format} skipped`);
    const wantItems = new Set(s.want.map((k) => files[k]!.rel));
    assert.equal(r.matched, wantItems.size, `${s.format} matched`);
    assert.equal(r.set.fileSha256, sha256File(s.file));
    const ev = service.custodyLog({ casePath, action: 'hashset.imported' }).at(-1)!;
    assert.equal(ev.details.fileSha256, sha256File(s.file));
    assert.equal(ev.details.format, s.format);
    assert.equal(ev.details.matchedItems, wantItems.size);
    assert.equal(ev.details.kind, 'known-bad');
  }
  // Every file but the one in no set is known-bad now.
  const bad = service.listItems({ casePath, knownBad: true, kind: 'file' });
  assert.deepEqual(bad.items.map((it) => it.path).sort(), files.map((f) => f.rel).sort());
  const clean = service.listItems({ casePath, knownBad: false, kind: 'file' });
  assert.equal(clean.total, 0);
  // The item shows which sets it is in, and by which hash.
  const id = bad.items.find((it) => it.path === files[2]!.rel)!.id;
  const item = service.getItem({ session, id });
  assert.deepEqual(item.hashsetMatches.map((m) => [m.set, m.kind, m.algo]), [['set 0 (nsrl-rds)', 'bad', 'md5']]);
  // Forcing the wrong format is caught, not silently empty.
  await assert.rejects(service.importHashset({ session, file: sets[0]!.file.replace('.db', '.db'), name: 'wrong', kind: 'bad', format: 'plain' }), /holds no valid hashes/);
  await assert.rejects(service.importHashset({ session, file: sets[1]!.file, name: 'set 1 (nsrl-legacy)', kind: 'bad' }), (e: Error & { code?: string }) => e.code === 'CONFLICT');
});

test('hashdeep -c md5,sha256 -r output as a known-bad set: imported before the ingest, matched at its end; sha256sum output as known-good hides', async (t) => {
  if (!toolOrSkip(t, 'hashdeep', 'the set file is made by hashdeep itself')) return;
  if (!toolOrSkip(t, 'sha256sum')) return;
  const { service, casePath, session } = newCase(t);
  const { root, files } = makeTree(t);
  const dir = tempDir(t);
  const hd = join(dir, 'known-bad.hashdeep');
  writeFileSync(hd, run('hashdeep', ['-c', 'md5,sha256', '-r', root]));
  const good = join(dir, 'good.sha256');
  writeFileSync(good, run('sha256sum', [join(root, files[5]!.rel), join(root, files[6]!.rel)]));
  const bad = await service.importHashset({ session, file: hd, name: 'lab known-bad', kind: 'bad' });
  assert.equal(bad.set.format, 'hashdeep');
  assert.equal(bad.set.entries, new Set(files.map((f) => f.sha256)).size, 'one SHA-256 entry per distinct file (the strongest hash kept)');
  assert.equal(bad.set.sha256, bad.set.entries);
  assert.equal(bad.matched, 0, 'nothing ingested yet');
  const g = await service.importHashset({ session, file: good, name: 'vendor good', kind: 'good', format: 'sha256sum' });
  assert.equal(g.set.entries, 2);

  const s = await service.ingest({ session, sourcePath: root, exhibit: exhibitIn(service, session, 'EXH-001') });
  assert.equal(s.analysis?.knownBad, files.length);
  assert.equal(s.analysis?.knownGood, 2);
  // The ingest's finished event records what matched.
  const finished = service.custodyLog({ casePath, action: 'ingest.finished' }).at(-1)!;
  assert.equal(finished.target, `source:${s.sourceId}`);
  const analysis = finished.details.analysis as { knownBad: number; knownGood: number; perSet: Record<string, number> };
  assert.deepEqual(analysis.perSet, { 'lab known-bad': files.length, 'vendor good': 2 });
  assert.equal(analysis.knownBad, files.length);

  assert.equal(service.listItems({ casePath, knownBad: true, kind: 'file' }).total, files.length);
  const review = service.listItems({ casePath, knownGood: false, kind: 'file' });
  assert.deepEqual(review.items.map((i) => i.path).sort(), files.filter((_, i) => i !== 5 && i !== 6).map((f) => f.rel).sort());
  assert.equal(service.listItems({ casePath, knownGood: true }).total, 2);
  const sets = service.listHashsets({ casePath });
  assert.deepEqual(sets.map((x) => [x.name, x.kind, x.matches]), [['lab known-bad', 'bad', files.length], ['vendor good', 'good', 2]]);
});

test('reviewers may not import hash sets; bad input is refused with a clear message', async (t) => {
  const { service, casePath, session } = newCase(t);
  service.addOfficer({ session, name: 'Prosecutor Ito', role: 'reviewer', password: TEST_PASSWORD });
  const rev = service.signIn({ casePath, officer: 'Prosecutor Ito', password: TEST_PASSWORD }).session;
  const dir = tempDir(t);
  const f = join(dir, 'x.txt');
  writeFileSync(f, `${'a'.repeat(64)}\n`);
  await assert.rejects(service.importHashset({ session: rev, file: f, name: 'x', kind: 'bad' }), /is a reviewer and may not import hash sets/);
  const junk = join(dir, 'junk.txt');
  writeFileSync(junk, 'hello\nworld\n');
  await assert.rejects(service.importHashset({ session, file: junk, name: 'j', kind: 'bad' }), /Cannot tell the format .* --format/);
  await assert.rejects(service.importHashset({ session, file: join(dir, 'missing.txt'), name: 'm', kind: 'bad' }), /Cannot read the hash set/);
  assert.equal(service.listHashsets({ casePath }).length, 0, 'nothing half-imported');
});

test('CLI: evidence hashset import / ls, evidence ls --known-bad / --hide-known-good, evidence show', async (t) => {
  const root0 = tempDir(t);
  const casePath = join(root0, 'case');
  assert.equal((await runCli(['case', 'init', casePath, '--name', 'Op', '--number', 'N-1', '--officer', 'DS Tanaka'])).code, 0);
  const { root, files } = makeTree(t);
  recordExhibitAt(casePath);
  assert.equal((await runCli(['ingest', casePath, root, '--exhibit', EXH, '--officer', 'DS Tanaka'])).code, 0);
  const set = join(root0, 'bad.md5');
  writeFileSync(set, `${files[1]!.md5}  x\n${files[2]!.md5}  y\n`);
  const usage = await runCli(['hashset', 'import', casePath, set, '--name', 'bad']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--known-bad or --known-good/);
  const imp = await runCli(['hashset', 'import', casePath, set, '--name', 'lab bad', '--known-bad']);
  assert.equal(imp.code, 0, imp.err);
  assert.match(imp.out, /Hash set 1 "lab bad" imported as KNOWN-BAD \(md5sum\)/);
  assert.match(imp.out, /matched: {2}2 items of this case/);
  const ls = JSON.parse((await runCli(['ls', casePath, '--known-bad', '--json'])).out) as { total: number; items: { id: number; path: string }[] };
  assert.deepEqual(ls.items.map((i) => i.path).sort(), [files[1]!.rel, files[2]!.rel].sort());
  const good = join(root0, 'good.txt');
  writeFileSync(good, `${files[3]!.sha1}\n`);
  assert.equal((await runCli(['hashset', 'import', casePath, good, '--name', 'nsrl', '--known-good', '--format', 'plain'])).code, 0);
  const hidden = JSON.parse((await runCli(['ls', casePath, '--hide-known-good', '--kind', 'file', '--json'])).out) as { total: number };
  assert.equal(hidden.total, files.length - 1);
  const hls = await runCli(['hashset', 'ls', casePath]);
  assert.match(hls.out, /lab bad\s+KNOWN-BAD\s+md5sum\s+2\s+2/);
  assert.match(hls.out, /nsrl\s+known-good\s+plain\s+1\s+1/);
  const show = await runCli(['show', casePath, String(ls.items[0]!.id)]);
  assert.match(show.out, /KNOWN-BAD: in hash set "lab bad" \(by MD5\)/);
});
