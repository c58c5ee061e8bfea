// Archives end to end, through the real CLI in a child process: the same files ingested as a
// folder, as ZIPs (stored and deflated), as a TAR and as a .tar.gz give the same hashes and
// types; each container is an item with its own hashes; nested archives give '!/' paths; a lab
// USB drive full of hostile archives is ingested to the end with every problem recorded on its
// item; and nothing is written outside the case folder (the export, the temp folder and the
// working directory are checked).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  badCrcZip,
  deepZip,
  duplicatesZip,
  encryptedZip,
  fakeZip,
  ffsZip,
  lyingSizeZip,
  manyEntriesZip,
  namesZip,
  nestedZipTarZip,
  overlapBombZip,
  paxTar,
  ratioBombZip,
  sampleFiles,
  sha256,
  slipTar,
  slipZip,
  tarGzOf,
  tarOf,
  truncate,
  writeTree,
  zerosTarGz,
  zipOf,
} from '../fixtures/archives.ts';
import { type CliResult, recordExhibitAt, runCliChild, tempDir } from './helpers.ts';

interface Row {
  id: number;
  path: string;
  kind: string;
  size: number | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  mime: string | null;
  detected_ext: string | null;
  container: string | null;
  depth: number;
  parent_id: number | null;
  error: string | null;
  path_raw: Buffer | null;
  link_target: string | null;
}

/** Every item of one exhibit, read straight from case.db (an oracle outside the engine). */
function itemsOf(casePath: string, exhibit: string): Map<string, Row> {
  const db = new Database(join(casePath, 'case.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT i.id, i.path, i.kind, i.size, i.md5, i.sha1, i.sha256, i.mime, i.detected_ext, i.container, i.depth, i.parent_id,
                i.error, i.path_raw, i.link_target
           FROM items i JOIN sources s ON s.id = i.source_id JOIN exhibits e ON e.id = s.exhibit_id
          WHERE e.number = ? ORDER BY i.id`,
      )
      .all(exhibit) as Row[];
    return new Map(rows.map((r) => [r.path, r]));
  } finally {
    db.close();
  }
}

/** Every file under a folder with its SHA-256: to prove a folder was not touched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${statSync(p).size}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

function allNames(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      out.push(e.name);
      if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

interface Lab {
  root: string;
  exports: string;
  casePath: string;
  /** Empty folders given to the CLI as its working directory and its TMPDIR. */
  cwd: string;
  tmp: string;
  cli(args: string[]): Promise<CliResult>;
}

async function lab(t: Parameters<typeof tempDir>[0]): Promise<Lab> {
  const root = tempDir(t, 'evidence-archives-');
  const exports = join(root, 'exports');
  const casePath = join(root, 'case');
  const cwd = join(root, 'cwd');
  const tmp = join(root, 'tmp');
  for (const d of [exports, cwd, tmp]) mkdirSync(d, { recursive: true });
  const cli = (args: string[]): Promise<CliResult> => runCliChild(args, { cwd, env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp } });
  const init = await cli(['case', 'init', casePath, '--name', 'Operation Archive', '--number', 'KH-2026-0777', '--officer', 'Sgt. Dara Sok']);
  assert.equal(init.code, 0, init.err);
  return { root, exports, casePath, cwd, tmp, cli };
}

function assertNothingOutside(l: Lab, exportsBefore: Record<string, string>): void {
  assert.deepEqual(readdirSync(l.cwd), [], 'nothing written in the working directory');
  assert.deepEqual(readdirSync(l.tmp), [], 'nothing left in the temp folder');
  assert.deepEqual(snapshot(l.exports), exportsBefore, 'the exports are untouched');
  assert.deepEqual(readdirSync(l.root).sort(), ['case', 'cwd', 'exports', 'tmp'], 'nothing beside the case folder');
}

test('same files as a folder, stored ZIP, deflated ZIP, TAR and .tar.gz: same hashes and types; containers hashed', { timeout: 180_000 }, async (t) => {
  const l = await lab(t);
  const files = sampleFiles();
  writeTree(join(l.exports, 'phone'), files);
  const archives: Record<string, Buffer> = {
    'phone-stored.zip': zipOf(files, 0),
    'phone-deflated.zip': zipOf(files, 8),
    'phone.tar': tarOf(files),
    'phone.tar.gz': tarGzOf(files),
  };
  for (const [name, data] of Object.entries(archives)) writeFileSync(join(l.exports, name), data);
  const before = snapshot(l.exports);

  recordExhibitAt(l.casePath, 'EXH-FOLDER');
  const ing = await l.cli(['ingest', l.casePath, join(l.exports, 'phone'), '--exhibit', 'EXH-FOLDER']);
  assert.equal(ing.code, 0, ing.err);
  const folder = itemsOf(l.casePath, 'EXH-FOLDER');
  for (const [i, name] of Object.keys(archives).entries()) {
    recordExhibitAt(l.casePath, `EXH-${i + 1}`);
    const r = await l.cli(['ingest', l.casePath, join(l.exports, name), '--exhibit', `EXH-${i + 1}`]);
    assert.equal(r.code, 0, `${name}: ${r.err}`);
    assert.match(r.out, /problems: +0/, `${name}: ${r.out}`);
    const items = itemsOf(l.casePath, `EXH-${i + 1}`);
    const container = items.get(name)!;
    assert.ok(container, `${name} is an item itself`);
    assert.equal(container.sha256, sha256(archives[name]!), `${name}: the acquisition hash of what was received`);
    assert.equal(container.container, name.endsWith('.zip') ? 'zip' : name.endsWith('.tar') ? 'tar' : 'tar.gz');
    assert.equal(container.depth, 0);
    for (const f of files) {
      const a = folder.get(f.path)!;
      const b = items.get(`${name}!/${f.path}`);
      assert.ok(b, `${name}!/${f.path} recorded`);
      assert.equal(b.error, null, `${b.path}: ${b.error}`);
      assert.equal(b.depth, 1);
      assert.equal(b.parent_id, container.id);
      for (const k of ['md5', 'sha1', 'sha256', 'size', 'mime', 'detected_ext'] as const) {
        assert.equal(b[k], a[k], `${name}!/${f.path}: ${k} as in the folder`);
      }
      assert.equal(b.sha256, sha256(f.data));
    }
    const dirs = [...items.values()].filter((r) => r.kind === 'dir').map((r) => r.path);
    assert.ok(dirs.includes(`${name}!/Documents/deep/er/still`), `${name}: folders recorded`);
  }
  const v = await l.cli(['verify', l.casePath]);
  assert.equal(v.code, 0, v.out + v.err);
  assertNothingOutside(l, before);
});

test('nested archives: ZIP in TAR in ZIP gives !/ paths and a parent chain; nesting stops at the depth limit', { timeout: 120_000 }, async (t) => {
  const l = await lab(t);
  writeFileSync(join(l.exports, 'outer.zip'), nestedZipTarZip());
  writeFileSync(join(l.exports, 'deep.zip'), deepZip(10));
  const before = snapshot(l.exports);
  recordExhibitAt(l.casePath, 'EXH-N');
  const r = await l.cli(['ingest', l.casePath, l.exports, '--exhibit', 'EXH-N']);
  assert.equal(r.code, 0, r.err);
  const items = itemsOf(l.casePath, 'EXH-N');
  const deep = items.get('outer.zip!/level1/inner.tar!/inner.zip!/deep.txt')!;
  assert.ok(deep, [...items.keys()].join('\n'));
  assert.equal(deep.sha256, sha256(Buffer.from('three levels down\n')));
  assert.equal(deep.depth, 3);
  const chain: string[] = [];
  let cur: Row | undefined = deep;
  const byId = new Map([...items.values()].map((x) => [x.id, x]));
  while (cur) {
    chain.push(cur.path);
    cur = cur.parent_id ? byId.get(cur.parent_id) : undefined;
  }
  assert.deepEqual(chain, [
    'outer.zip!/level1/inner.tar!/inner.zip!/deep.txt',
    'outer.zip!/level1/inner.tar!/inner.zip',
    'outer.zip!/level1/inner.tar',
    'outer.zip',
  ]);
  assert.equal(items.get('outer.zip!/level1/inner.tar')!.container, 'tar');
  assert.equal(items.get('outer.zip!/level1/inner.tar!/inner.zip')!.container, 'zip');
  // deep.zip holds level2.zip ... level10.zip: opened down to the limit (8), the next one recorded, not opened.
  const last = [...items.values()].filter((x) => x.path.startsWith('deep.zip!/')).sort((a, b) => b.depth - a.depth)[0]!;
  assert.equal(last.depth, 8);
  const stopped = [...items.values()].find((x) => x.path.endsWith('level9.zip'))!;
  assert.match(stopped.error ?? '', /not opened: a zip nested deeper than 8 levels/);
  assert.ok(stopped.sha256, 'the unopened archive is still hashed');
  assertNothingOutside(l, before);
});

test('a lab USB drive of hostile archives: ingested to the end, every problem on its item, nothing written outside the case', { timeout: 300_000 }, async (t) => {
  const l = await lab(t);
  const usb = join(l.exports, 'usb');
  mkdirSync(usb);
  const files = sampleFiles();
  const enc = encryptedZip();
  const crc = badCrcZip();
  const ffs = ffsZip();
  const put: Record<string, Buffer> = {
    'ffs.zip': ffs.zip,
    'slip.zip': slipZip(),
    'slip.tar': slipTar(),
    'bomb.zip': overlapBombZip(200, 1024 * 1024),
    'ratio.zip': ratioBombZip(50).zip,
    'liar.zip': lyingSizeZip(50),
    'encrypted.zip': enc.zip,
    'dups.zip': duplicatesZip(),
    'names.zip': namesZip(),
    'cut.zip': truncate(zipOf(files, 8, { dirs: false }), 0.5),
    'cut.tar': truncate(tarOf(files), 0.5),
    'cut.tar.gz': truncate(tarGzOf(files), 0.5),
    'photo.zip': fakeZip(),
    'crc.zip': crc.zip,
    'pax.tar': paxTar().tar,
    'zeros.tar.gz': zerosTarGz(50),
    'many.zip': manyEntriesZip(20_000),
  };
  for (const [name, data] of Object.entries(put)) writeFileSync(join(usb, name), data);
  const before = snapshot(l.exports);

  recordExhibitAt(l.casePath, 'EXH-USB');
  const r = await l.cli(['ingest', l.casePath, usb, '--exhibit', 'EXH-USB', '--json']);
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as { status: string; errorCount: number };
  assert.equal(summary.status, 'finished');
  assert.ok(summary.errorCount > 200);
  const items = itemsOf(l.casePath, 'EXH-USB');
  const get = (p: string): Row => {
    const x = items.get(p);
    assert.ok(x, `no item ${p}`);
    return x;
  };
  const expectError = (p: string, re: RegExp): void => assert.match(get(p).error ?? '(none)', re, p);

  // Every archive on the drive is an item with its own hashes.
  for (const [name, data] of Object.entries(put)) assert.equal(get(name).sha256, sha256(data), name);

  // Zip slip: names kept as written, flagged, bytes hashed.
  for (const p of ['slip.zip!/../evil.txt', 'slip.zip!//../etc/passwd', 'slip.zip!/C:\\Windows\\x.txt', 'slip.zip!/dir\\sub\\x.txt', 'slip.tar!/../evil.txt']) {
    expectError(p, /^hostile name: .*\(recorded, never used as a path\)/);
    assert.ok(get(p).sha256, `${p} hashed`);
  }
  // A device's root is not an attack: a full-file-system zip's '/private/var/...' members keep
  // their leading '/' in the path and have no problem; '../x' and 'C:\x' in it still do.
  for (const name of ffs.rooted) assert.equal(get(`ffs.zip!/${name}`).error, null, name);
  for (const p of ['slip.zip!//etc/passwd', 'slip.tar!//etc/passwd']) {
    assert.equal(get(p).error, null, p);
    assert.ok(get(p).sha256, `${p} hashed`);
  }
  expectError('ffs.zip!/../x', /^hostile name: '\.\.' segment/);
  expectError('ffs.zip!/C:\\x', /^hostile name: Windows drive letter/);
  assert.equal([...items.values()].filter((r) => r.path.startsWith('ffs.zip!/') && r.error).length, 2);
  // Links: recorded with their targets, never followed.
  assert.equal(get('slip.zip!/link-in').kind, 'symlink');
  assert.equal(get('slip.zip!/link-in').link_target, 'ok.txt');
  expectError('slip.tar!/sub/link-out', /symlink points outside the archive/);
  assert.equal(get('slip.tar!/hard-out').link_target, '../../etc/passwd');
  expectError('slip.tar!/hard-out', /hardlink target is a hostile path/);
  assert.equal(get('slip.tar!/dev/tty0').kind, 'device');
  assert.equal(get('slip.tar!/run/fifo').kind, 'fifo');
  // Bombs.
  assert.ok(get('bomb.zip!/f000').sha256);
  for (let i = 1; i < 200; i++) {
    const p = `bomb.zip!/f${String(i).padStart(3, '0')}`;
    expectError(p, /^overlaps another member \(zip bomb technique\): not extracted/);
    assert.equal(get(p).sha256, null);
  }
  expectError('ratio.zip!/zeros.bin', /^compression ratio \d+:1 exceeds the limit \(1000:1/);
  assert.equal(get('ratio.zip!/zeros.bin').sha256, null);
  expectError('liar.zip!/liar.bin', /more than its declared 1000 bytes/);
  assert.equal(get('liar.zip!/liar.bin').sha256, null);
  expectError('zeros.tar.gz!/', /compression ratio exceeds the limit/);
  // Encrypted and unsupported: raw bytes hashed.
  expectError('encrypted.zip!/secret.txt', /^encrypted, not extracted/);
  assert.equal(get('encrypted.zip!/secret.txt').sha256, sha256(enc.raws['secret.txt']!));
  assert.equal(get('encrypted.zip!/aes.txt').sha256, sha256(enc.raws['aes.txt']!));
  assert.equal(get('encrypted.zip!/packed.bz2.txt').sha256, sha256(enc.raws['packed.bz2.txt']!));
  // Duplicates and NFC/NFD: both kept, distinct ids.
  assert.notEqual(get('dups.zip!/dup.txt').id, get('dups.zip!/dup.txt [duplicate 2]').id);
  expectError('dups.zip!/dup.txt [duplicate 2]', /duplicate name/);
  expectError('dups.zip!/cafe\u0301.txt', /Unicode normalization/);
  assert.notEqual(get('dups.zip!/caf\u00e9.txt').sha256, get('dups.zip!/cafe\u0301.txt').sha256);
  // Non-UTF-8 names: read, raw bytes kept.
  assert.ok(get('names.zip!/sjis/連絡先.txt').path_raw);
  assert.ok(get('names.zip!/cp437/Übersicht_é.txt').path_raw);
  // Truncated archives.
  expectError('cut.zip!/', /^not a complete ZIP: .*members recovered from their local headers/);
  expectError('cut.zip!/DCIM/100APPLE/IMG_0001.JPG', /recovered from its local header/);
  assert.equal(get('cut.zip!/DCIM/100APPLE/IMG_0001.JPG').sha256, sha256(files[0]!.data));
  expectError('cut.tar!/', /truncated/);
  expectError('cut.tar.gz!/', /TAR\.GZ stream damaged|truncated/);
  // Not really a ZIP: a PNG named .zip is catalogued as the PNG it is, and not opened.
  assert.equal(get('photo.zip').mime, 'image/png');
  assert.equal(get('photo.zip').container, null);
  assert.ok(![...items.keys()].some((p) => p.startsWith('photo.zip!/')));
  // Bad CRC: recorded as a mismatch, the bytes as found hashed.
  expectError('crc.zip!/altered.txt', /CRC-32 mismatch/);
  assert.equal(get('crc.zip!/altered.txt').sha256, sha256(crc.data));
  // PAX long names.
  assert.ok([...items.keys()].some((p) => p.startsWith('pax.tar!/very-long-folder-name/') && p.endsWith('final-file-name.txt')));
  // Many entries.
  assert.equal([...items.keys()].filter((p) => p.startsWith('many.zip!/')).length, 20_000);

  // Nothing was extracted anywhere: no file of those names exists on disk, outside or inside the case.
  const onDisk = new Set([...allNames(l.root)]);
  for (const n of ['evil.txt', 'passwd', 'x.txt', 'up.txt', 'dup.txt', 'zeros.bin', 'deep.txt', 'secret.txt']) {
    assert.ok(!onDisk.has(n), `${n} was written to disk`);
  }
  const v = await l.cli(['verify', l.casePath]);
  assert.equal(v.code, 0, v.out + v.err);
  assertNothingOutside(l, before);
});
