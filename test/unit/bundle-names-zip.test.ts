// Bundle file names safe on Windows, macOS and Linux, and the streamed ZIP writer (stored,
// ZIP64), checked with unzip -t and with the app's own ZIP reader.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { collisionKey, MAX_NAME_BYTES, SafeNamer, safeName } from '../../src/core/bundle/safeNames.ts';
import { ZipWriter } from '../../src/core/bundle/zipWriter.ts';
import { centralDirectory, decodeZipName, findEnd, openRandomAccess, readLocalHeader } from '../../src/core/formats/zip.ts';
import { hasTool, tempDir } from './helpers.ts';

test('safeName: characters Windows refuses, controls, trailing dots and spaces', () => {
  assert.equal(safeName('a:b*c?d"e<f>g|h\\i/j.txt'), 'a_b_c_d_e_f_g_h_i_j.txt');
  assert.equal(safeName('tab\there\nnewline\u007f.txt'), 'tab_here_newline_.txt');
  assert.equal(safeName('report. . '), 'report');
  assert.equal(safeName('  leading'), 'leading');
  assert.equal(safeName(''), '_');
  assert.equal(safeName('.'), '_');
  assert.equal(safeName('..'), '_');
  assert.equal(safeName('...'), '_');
  assert.equal(safeName('\ud800lone.txt'), '_lone.txt');
  assert.equal(safeName('ok 😀 名前.jpg'), 'ok 😀 名前.jpg');
  // A right-to-left override shows 'invoice\u202egpj.exe' on screen as 'invoiceexe.jpg': a false extension.
  assert.equal(safeName('invoice\u202egpj.exe'), 'invoice_gpj.exe');
  assert.equal(safeName('a\u200bb.txt'), 'a_b.txt');
});

test('safeName: Windows device names, with or without an extension, any case', () => {
  for (const n of ['CON', 'con', 'PRN.txt', 'aux.tar.gz', 'NUL', 'COM1.log', 'lpt9', 'COM¹', 'CON .txt', 'conin$']) {
    assert.ok(safeName(n).startsWith('_'), `${n} -> ${safeName(n)}`);
  }
  for (const n of ['CONSOLE.txt', 'nullable', 'COM10', 'icon.png']) assert.equal(safeName(n), n);
});

test('safeName: NFC, so macOS and Linux store the same name', () => {
  const decomposed = 'cafe\u0301.txt';
  assert.equal(safeName(decomposed), 'caf\u00e9.txt');
  assert.equal(safeName('が.txt'.normalize('NFD')), 'が.txt');
});

test('safeName: long names cut at a character boundary, the extension kept', () => {
  const long = `${'写真'.repeat(200)}.jpeg`;
  const s = safeName(long);
  assert.ok(Buffer.byteLength(s) <= MAX_NAME_BYTES, String(Buffer.byteLength(s)));
  assert.ok(s.endsWith('.jpeg'));
  assert.ok(!s.includes('\ufffd'));
  const emoji = safeName(`${'😀'.repeat(100)}.txt`);
  assert.ok(Buffer.byteLength(emoji) <= MAX_NAME_BYTES);
  assert.ok(/^(😀)+\.txt$/u.test(emoji), 'no surrogate pair split');
});

test('SafeNamer: collisions by case and Unicode form resolved deterministically by item id', () => {
  const run = (): string[] => {
    const n = new SafeNamer();
    return [
      n.name('IMG_0001.JPG', 3),
      n.name('img_0001.jpg', 7),
      n.name('IMG_0001.JPG', 9),
      n.name('cafe\u0301.txt', 10),
      n.name('caf\u00e9.txt', 11),
      n.name('a:b', 12),
      n.name('a?b', 13),
      n.name('img_0001 (item 7).jpg', 14),
    ];
  };
  const a = run();
  assert.deepEqual(a, run(), 'same input, same names');
  assert.deepEqual(a, [
    'IMG_0001.JPG',
    'img_0001 (item 7).jpg',
    'IMG_0001 (item 9).JPG',
    'café.txt',
    'café (item 11).txt',
    'a_b',
    'a_b (item 13)',
    'img_0001 (item 7) (item 14).jpg',
  ]);
  assert.equal(new Set(a.map(collisionKey)).size, a.length);
  const n = new SafeNamer();
  const long = `${'x'.repeat(300)}.bin`;
  const first = n.name(long, 1);
  const second = n.name(long, 2);
  assert.notEqual(first, second);
  assert.ok(Buffer.byteLength(second) <= MAX_NAME_BYTES && second.endsWith(' (item 2).bin'));
});

async function writeZip(path: string, forceZip64: boolean, files: { name: string; data: Buffer }[]): Promise<void> {
  const z = await ZipWriter.create(path, { forceZip64, mtime: new Date('2026-12-01T10:20:30Z') });
  for (const f of files) {
    const m = await z.begin(f.name, f.data.byteLength);
    // In pieces, as the exporter streams.
    for (let i = 0; i < f.data.byteLength; i += 1000) await m.write(f.data.subarray(i, i + 1000));
    await m.end();
  }
  await z.close();
}

function readBack(path: string): Map<string, string> {
  const ra = openRandomAccess({ type: 'file', path, size: readFileSync(path).byteLength });
  try {
    const end = findEnd(ra)!;
    const out = new Map<string, string>();
    for (const r of centralDirectory(ra, end.at).records()) {
      const lh = readLocalHeader(ra, r.relativeOffsetOfLocalHeader)!;
      const data = ra.read(lh.dataStart, r.compressedSize);
      assert.equal(lh.record.crc32, r.crc32, 'CRC in the local header, written in place');
      out.set(decodeZipName(r.fileName, r.generalPurposeBitFlag, r.extraFields).text, createHash('sha256').update(data).digest('hex'));
    }
    return out;
  } finally {
    ra.close();
  }
}

for (const forceZip64 of [false, true]) {
  test(`ZipWriter (${forceZip64 ? 'ZIP64 records' : 'plain'}): unzip -t passes; names in UTF-8; bytes and CRC exact`, async (t) => {
    const dir = tempDir(t);
    const zip = join(dir, 'b.zip');
    const files = [
      { name: 'bundle/README.txt', data: Buffer.from('readme') },
      { name: 'bundle/files/写真 1.jpg', data: Buffer.alloc(123_457, 0xab) },
      { name: 'bundle/files/empty', data: Buffer.alloc(0) },
    ];
    await writeZip(zip, forceZip64, files);
    const back = readBack(zip);
    for (const f of files) assert.equal(back.get(f.name), createHash('sha256').update(f.data).digest('hex'), f.name);
    if (!hasTool('unzip')) return t.skip('unzip not installed');
    const r = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No errors detected/);
    const bytes = readFileSync(zip);
    const z64End = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
    assert.equal(bytes.includes(z64End), forceZip64, 'ZIP64 end record present only when asked for (or needed)');
    if (forceZip64) assert.equal(bytes.readUInt16LE(bytes.length - 22 + 10), 0xffff, 'the classic end record defers to ZIP64');
  });
}

test('ZipWriter: a member longer or shorter than announced is refused', async (t) => {
  const dir = tempDir(t);
  const z = await ZipWriter.create(join(dir, 'x.zip'));
  const m = await z.begin('a', 3);
  await assert.rejects(m.write(Buffer.from('abcd')), /more bytes than the 3 announced/);
  await z.abandon();
  const z2 = await ZipWriter.create(join(dir, 'y.zip'));
  const m2 = await z2.begin('a', 3);
  await m2.write(Buffer.from('ab'));
  await assert.rejects(m2.end(), /2 bytes written, 3 announced/);
  await z2.abandon();
  // And never writes over an existing file.
  writeFileSync(join(dir, 'exists.zip'), 'x');
  await assert.rejects(ZipWriter.create(join(dir, 'exists.zip')), /EEXIST/);
});
