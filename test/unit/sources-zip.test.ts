// The ZIP reader on generated archives (every hostile case the issue lists) and on the real
// archives in ../shared/samples/filetypes, plus container detection. Contents handed out as byte
// ranges are read back here with plain fs + zlib, decoded and checked against the original bytes
// and the recorded CRC-32, as the hashing worker would.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import { containerKindOf, hostileNameReasons } from '../../src/core/sources/detect.ts';
import { tarReader } from '../../src/core/sources/tar.ts';
import { type ContainerLimits, type ContainerBytes, DEFAULT_LIMITS, type SourceEntry } from '../../src/core/sources/types.ts';
import { decodeCp437 } from '../../src/core/formats/zip.ts';
import { zipHasRootMember } from '../../src/core/sources/ufdr.ts';
import { IntervalSet, zipReader } from '../../src/core/sources/zip.ts';
import { officeText } from '../../src/core/text/office.ts';
import {
  CAFE_NFC,
  CAFE_NFD,
  HOSTILE_ZIP_NAMES,
  SizeOverflow,
  SJIS_NAME,
  badCrcZip,
  buildZip,
  cdOverlapZip,
  contentOf,
  deepZip,
  duplicatesZip,
  encryptedZip,
  fakeZip,
  ffsZip,
  lyingSizeZip,
  manyEntriesZip,
  metadataZip,
  namesZip,
  nestedZipTarZip,
  overlapBombZip,
  quotedOverlapZip,
  ratioBombZip,
  readRange,
  sampleFiles,
  seeded,
  slipZip,
  tarGzOf,
  tarOf,
  zipOf,
} from '../fixtures/archives.ts';
import { samplesOrSkip, tempDir } from './helpers.ts';

type Mode = 'file' | 'bytes';

function put(dir: string, name: string, data: Buffer): ContainerBytes {
  const path = join(dir, name);
  writeFileSync(path, data);
  return { type: 'file', path, size: data.byteLength };
}

function asBytes(data: Buffer): ContainerBytes {
  return { type: 'bytes', data: new Uint8Array(data) };
}

async function entriesOf(bytes: ContainerBytes, limits: Partial<ContainerLimits> = {}, prefix = 'export.zip', depth = 1): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  for await (const e of zipReader.entries(bytes, { prefix, depth, limits: { ...DEFAULT_LIMITS, ...limits } })) out.push(e);
  return out;
}

function byPath(entries: SourceEntry[]): Map<string, SourceEntry> {
  const m = new Map<string, SourceEntry>();
  for (const e of entries) {
    assert.ok(!m.has(e.path), `paths are unique within a container (${e.path})`);
    m.set(e.path, e);
  }
  return m;
}

/** Decoded content, checked against the CRC-32 the reader passed on (ranges). */
async function checkedContent(e: SourceEntry): Promise<Buffer> {
  const data = await contentOf(e.content);
  if (e.content?.type === 'range' && e.content.crc32 !== undefined) {
    assert.equal(crc32(data) >>> 0, e.content.crc32, `${e.path}: CRC-32 of the decoded range`);
  }
  return data;
}

const bothModes: Mode[] = ['file', 'bytes'];

for (const method of [0, 8] as const) {
  for (const mode of bothModes) {
    test(`plain ZIP (${method === 0 ? 'stored' : 'deflated'}, ${mode}): every file and folder, exact bytes and CRC`, async (t) => {
      const files = sampleFiles();
      const zip = zipOf(files, method);
      const bytes = mode === 'file' ? put(tempDir(t), 'export.zip', zip) : asBytes(zip);
      const entries = await entriesOf(bytes);
      const m = byPath(entries);
      for (const f of files) {
        const e = m.get(`export.zip!/${f.path}`);
        assert.ok(e, `${f.path} listed`);
        assert.equal(e.kind, 'file');
        assert.equal(e.error, null);
        assert.equal(e.name, f.path.split('/').pop());
        assert.equal(e.size, f.data.byteLength);
        assert.equal(e.mode, 0o100644);
        assert.equal(e.pathRaw, null);
        assert.deepEqual(await checkedContent(e), f.data, `${f.path}: bytes`);
        if (mode === 'file') {
          assert.equal(e.content?.type, 'range');
          if (e.content?.type === 'range') assert.equal(e.content.codec, method === 8 && f.data.byteLength > 0 ? 'deflate-raw' : method === 8 ? 'deflate-raw' : 'none');
        } else if (f.data.byteLength > 256 * 1024 && method === 8) {
          assert.equal(e.content?.type, 'stream', 'a large deflated member of an in-memory ZIP is streamed');
        } else {
          assert.equal(e.content?.type, 'bytes');
        }
        assert.equal(e.extra?.dosTime, '2024-03-01T12:34:56', 'DOS time kept as local time without a zone');
        assert.equal(e.mtime, null, 'no UTC time claimed from a zone-less DOS time');
      }
      const dirs = entries.filter((e) => e.kind === 'dir').map((e) => e.path);
      assert.ok(dirs.includes('export.zip!/DCIM/100APPLE'), 'folders listed without their trailing slash');
      for (const d of entries.filter((e) => e.kind === 'dir')) assert.equal(d.content, null);
      assert.equal(entries.length, files.length + dirs.length, 'nothing else (no container problem entry)');
    });
  }
}

test('ZIP64 records (zip64 extra fields and end records) read like a plain ZIP', async (t) => {
  const files = sampleFiles();
  const zip = zipOf(files, 8, { zip64: true });
  const m = byPath(await entriesOf(put(tempDir(t), 'z64.zip', zip), {}, 'z64.zip'));
  for (const f of files) {
    const e = m.get(`z64.zip!/${f.path}`)!;
    assert.equal(e.error, null);
    assert.deepEqual(await checkedContent(e), f.data);
  }
});

test('names: UTF-8 flagged and unflagged, CP437, Shift_JIS; raw bytes kept where the text is a reading', async (t) => {
  for (const mode of bothModes) {
    const zip = namesZip();
    const m = byPath(await entriesOf(mode === 'file' ? put(tempDir(t), 'n.zip', zip) : asBytes(zip), {}, 'n.zip'));
    const flagged = m.get('n.zip!/utf8/日本語のメモ.txt')!;
    assert.equal(flagged.pathRaw, null, 'flagged UTF-8: the text is the name');
    const unflagged = m.get('n.zip!/utf8/café-unflagged.txt')!;
    assert.deepEqual(Buffer.from(unflagged.pathRaw!), Buffer.from('utf8/café-unflagged.txt'));
    assert.equal(unflagged.extra?.nameEncoding, 'utf-8 (unflagged)');
    const cp = m.get('n.zip!/cp437/Übersicht_é.txt')!;
    assert.ok(cp, `CP437 decoded (${[...m.keys()].join(', ')})`);
    assert.equal(cp.extra?.nameEncoding, 'cp437');
    assert.deepEqual(Buffer.from(cp.pathRaw!).subarray(6), Buffer.from([0x9a, ...Buffer.from('bersicht_'), 0x82, ...Buffer.from('.txt')]));
    const sj = m.get('n.zip!/sjis/連絡先.txt')!;
    assert.ok(sj, 'Shift_JIS decoded');
    assert.equal(sj.extra?.nameEncoding, 'shift_jis');
    assert.deepEqual(Buffer.from(sj.pathRaw!).subarray(5), SJIS_NAME);
    assert.equal(m.get('n.zip!/sjis/写真.jpg')?.extra?.nameEncoding, 'shift_jis', 'kanji-only Shift_JIS');
    assert.equal(m.get('n.zip!/sjis/テスト.txt')?.extra?.nameEncoding, 'shift_jis', 'katakana Shift_JIS');
    const gbk = m.get('n.zip!/gbk/照片/微信.jpg')!;
    assert.ok(gbk, `GBK decoded (${[...m.keys()].join(', ')})`);
    assert.equal(gbk.extra?.nameEncoding, 'gbk');
    assert.equal(gbk.name, '微信.jpg');
    for (const e of m.values()) assert.equal(e.error, null, e.path);
  }
  assert.equal(decodeCp437(Buffer.from([0x80, 0x9a, 0xe1, 0x41])), 'ÇÜßA');
  // The Info-ZIP Unicode Path field (0x7075) names the member when its CRC matches the raw name.
  const raw = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9, 0x2e, 0x74]); // "résumé.t" in Latin-1: neither UTF-8 nor meant as CP437
  const upath = (crc: number): Buffer => {
    const body = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from('résumé.t', 'utf8')]);
    body.writeUInt32LE(crc, 1);
    const head = Buffer.alloc(4);
    head.writeUInt16LE(0x7075, 0);
    head.writeUInt16LE(body.byteLength, 2);
    return Buffer.concat([head, body]);
  };
  const up = await entriesOf(asBytes(buildZip([
    { name: raw, data: Buffer.from('1'), extra: upath(crc32(raw) >>> 0) },
    { name: Buffer.concat([Buffer.from('x/'), raw]), data: Buffer.from('2'), extra: upath(0x1234) },
  ])), {}, 'u.zip');
  assert.equal(up[0]!.path, 'u.zip!/résumé.t');
  assert.equal(up[0]!.extra?.nameEncoding, 'utf-8 (unicode path field)');
  assert.deepEqual(Buffer.from(up[0]!.pathRaw!), raw);
  assert.equal(up[1]!.extra?.nameEncoding, 'cp437', 'a stale Unicode Path field (CRC mismatch) is ignored');
  // Flagged UTF-8 but not: shown as the folder walk shows such names (\xNN), bytes kept, noted.
  const liar = await entriesOf(asBytes(buildZip([
    { name: Buffer.from([0x61, 0xff, 0x2e, 0x74]), data: Buffer.from('1'), utf8: true },
    { name: Buffer.from([0x61, 0xfe, 0x2e, 0x74]), data: Buffer.from('2'), utf8: true },
  ])), {}, 'l.zip');
  assert.deepEqual(liar.map((e) => e.path), ['l.zip!/a\\xFF.t', 'l.zip!/a\\xFE.t']);
  assert.equal(liar[0]!.error, 'name flagged as UTF-8 but not valid UTF-8 (raw bytes kept)');
  assert.deepEqual(Buffer.from(liar[1]!.pathRaw!), Buffer.from([0x61, 0xfe, 0x2e, 0x74]));
});

test('metadata: Unix modes, extended-timestamp and NTFS times, comments, empty and large members', async (t) => {
  for (const mode of bothModes) {
    const zip = metadataZip();
    const m = byPath(await entriesOf(mode === 'file' ? put(tempDir(t), 'm.zip', zip) : asBytes(zip), {}, 'm.zip'));
    assert.equal(m.get('m.zip!/bin')!.kind, 'dir');
    assert.equal(m.get('m.zip!/bin')!.mode, 0o040755);
    const sh = m.get('m.zip!/bin/run.sh')!;
    assert.equal(sh.mode, 0o100755);
    assert.equal(sh.mtime, '2023-11-14T22:13:20.000Z', 'UTC time from the 0x5455 field');
    const nt = m.get('m.zip!/ntfs.txt')!;
    assert.equal(nt.mtime, '2024-03-01T12:34:56.123456700Z', 'NTFS times to 100 ns');
    assert.equal(nt.birthtime, nt.mtime);
    assert.equal(m.get('m.zip!/commented.txt')!.extra?.comment, 'officer note');
    const empty = m.get('m.zip!/empty.txt')!;
    assert.equal(empty.size, 0);
    assert.equal((await checkedContent(empty)).byteLength, 0);
    const big = m.get('m.zip!/big.bin')!;
    assert.deepEqual(await checkedContent(big), seeded(21, 300 * 1024));
  }
});

test('zip slip names are kept as written, flagged with the reason, and still hashed', async (t) => {
  for (const mode of bothModes) {
    const zip = slipZip();
    const entries = await entriesOf(mode === 'file' ? put(tempDir(t), 'slip.zip', zip) : asBytes(zip), {}, 'slip.zip');
    const m = byPath(entries);
    const expectReason: Record<string, RegExp> = {
      '../evil.txt': /'\.\.' segment/,
      '/../etc/passwd': /'\.\.' segment/,
      '//server/share/x.txt': /network path/,
      'C:\\Windows\\x.txt': /drive letter.*backslash/,
      'dir\\sub\\x.txt': /backslash/,
      'ok/../../up.txt': /'\.\.' segment/,
    };
    for (const [i, name] of HOSTILE_ZIP_NAMES.entries()) {
      const e = m.get(`slip.zip!/${name}`);
      assert.ok(e, `${name} recorded under its own name`);
      assert.match(e.error ?? '', /^hostile name: /);
      assert.match(e.error ?? '', /\(recorded, never used as a path\)/);
      assert.match(e.error ?? '', expectReason[name]!, `${name}: ${e.error}`);
      assert.deepEqual(await checkedContent(e), Buffer.from(`hostile ${i}\n`), 'its bytes are still hashed');
    }
    assert.equal(m.get('slip.zip!/ok.txt')!.error, null);
    // A device's root is not an attack: the leading '/' stays in the path, with no problem.
    assert.equal(m.get('slip.zip!//etc/passwd')!.error, null);
    assert.equal(m.get('slip.zip!//etc/passwd')!.name, 'passwd');
    const linkIn = m.get('slip.zip!/link-in')!;
    assert.equal(linkIn.kind, 'symlink');
    assert.equal(linkIn.linkTarget, 'ok.txt');
    assert.equal(linkIn.error, null);
    assert.equal(linkIn.content, null, 'a link is recorded, never followed or read as a file');
    const linkOut = m.get('slip.zip!/sub/link-out')!;
    assert.equal(linkOut.kind, 'symlink');
    assert.equal(linkOut.linkTarget, '../../etc/shadow');
    assert.match(linkOut.error ?? '', /symlink points outside the archive \(recorded, never followed\)/);
  }
  assert.deepEqual(hostileNameReasons('DCIM/IMG_0001.JPG'), []);
  assert.deepEqual(hostileNameReasons('a..b/c..'), [], "'..' inside a name is not a parent segment");
  assert.deepEqual(hostileNameReasons('/private/var/mobile/Library/SMS/sms.db'), [], "a device's root is not an attack");
  assert.match(hostileNameReasons('/private/../../etc/passwd').join(), /'\.\.' segment/);
  assert.match(hostileNameReasons('//server/share/x').join(), /network path/);
  assert.match(hostileNameReasons('\\\\server\\share\\x').join(), /UNC/);
  assert.match(hostileNameReasons('C:/x').join(), /drive letter/);
});

test("full-file-system dump: '/private/var/...' members are the device's root, no problem; '../x' and 'C:\\x' still flagged", async (t) => {
  const fx = ffsZip();
  for (const mode of bothModes) {
    const entries = await entriesOf(mode === 'file' ? put(tempDir(t), 'ffs.zip', fx.zip) : asBytes(fx.zip), {}, 'ffs.zip');
    const m = byPath(entries);
    for (const name of fx.rooted) {
      const e = m.get(`ffs.zip!/${name}`);
      assert.ok(e, `${name} kept with its leading '/'`);
      assert.equal(e.error, null, `${name}: ${e.error}`);
    }
    assert.equal(m.get('ffs.zip!//private/var/mobile/Library/SMS')!.kind, 'dir');
    const wallets = m.get('ffs.zip!//private/var/mobile/Containers/Data/Application/0A1B2C3D/Documents/wallets.txt')!;
    assert.equal(wallets.name, 'wallets.txt');
    assert.equal((await checkedContent(wallets)).toString(), 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t\n');
    assert.match(m.get('ffs.zip!/../x')!.error ?? '', /^hostile name: '\.\.' segment/);
    assert.match(m.get('ffs.zip!/C:\\x')!.error ?? '', /^hostile name: Windows drive letter/);
    assert.equal(entries.filter((e) => e.error !== null).length, 2, 'only the two attacks are problems');
  }
});

test('overlapping-kernel zip bomb: only the first member is read, every repeat flagged, nothing decoded for them', async (t) => {
  for (const mode of bothModes) {
    const zip = overlapBombZip(200, 1024 * 1024);
    assert.ok(zip.byteLength < 30_000, `the bomb is small (${zip.byteLength} bytes) and claims 200 MiB`);
    const entries = await entriesOf(mode === 'file' ? put(tempDir(t), 'bomb.zip', zip) : asBytes(zip), {}, 'bomb.zip');
    assert.equal(entries.length, 200);
    const [first, ...rest] = entries;
    assert.equal(first!.error, null);
    assert.deepEqual(await checkedContent(first!), Buffer.alloc(1024 * 1024, 0x61));
    for (const e of rest) {
      assert.match(e.error ?? '', /overlaps another member \(zip bomb technique\): not extracted/, e.path);
      assert.equal(e.content, null);
    }
  }
});

test('partial ("quoted") overlap and a member running into the central directory are flagged', async (t) => {
  const dir = tempDir(t);
  const q = byPath(await entriesOf(put(dir, 'q.zip', quotedOverlapZip()), {}, 'q.zip'));
  assert.equal(q.get('q.zip!/a.bin')!.error, null);
  assert.match(q.get('q.zip!/b.txt')!.error ?? '', /overlaps another member/);
  assert.equal(q.get('q.zip!/b.txt')!.content, null);
  const c = byPath(await entriesOf(put(dir, 'c.zip', cdOverlapZip()), {}, 'c.zip'));
  assert.equal(c.get('c.zip!/ok.txt')!.error, null);
  assert.match(c.get('c.zip!/greedy.bin')!.error ?? '', /overlaps the central directory/);
  assert.equal(c.get('c.zip!/greedy.bin')!.content, null);
});

test('IntervalSet: disjoint claims in any order, overlaps refused', () => {
  const s = new IntervalSet();
  const order = Array.from({ length: 5000 }, (_, i) => i).sort((a, b) => ((a * 7919) % 5003) - ((b * 7919) % 5003));
  for (const i of order) assert.ok(s.claim(i * 10, i * 10 + 10), `claim ${i}`);
  assert.ok(!s.claim(5, 6));
  assert.ok(!s.claim(49_995, 50_001));
  assert.ok(!s.claim(-5, 1));
  assert.ok(s.claim(50_000, 50_010));
  assert.ok(s.claim(-10, 0));
});

test('compression ratio limit: 50 MiB of zeros in 51 KiB is not extracted; a higher limit lets it through', async (t) => {
  const { zip, size } = ratioBombZip(50);
  const bytes = put(tempDir(t), 'ratio.zip', zip);
  const [e] = await entriesOf(bytes, {}, 'ratio.zip');
  assert.match(e!.error ?? '', /^compression ratio \d+:1 exceeds the limit \(1000:1/);
  assert.equal(e!.content, null);
  assert.equal(e!.size, size);
  const [ok] = await entriesOf(bytes, { maxRatio: 5000 }, 'ratio.zip');
  assert.equal(ok!.error, null);
  const data = await checkedContent(ok!);
  assert.equal(data.byteLength, size);
});

test('a member lying about its size: decoding stops one byte past the declared size', async (t) => {
  const zip = lyingSizeZip(50);
  const [e] = await entriesOf(put(tempDir(t), 'liar.zip', zip), {}, 'liar.zip');
  assert.equal(e!.content?.type, 'range');
  if (e!.content?.type === 'range') assert.equal(e!.content.size, 1000, 'the declared size goes to the worker, which stops at 1001');
  await assert.rejects(contentOf(e!.content), SizeOverflow);
  const [m] = await entriesOf(asBytes(zip), {}, 'liar.zip');
  assert.match(m!.error ?? '', /decompresses to more than its declared 1000 bytes/);
  assert.equal(m!.content, null);
});

test('limits: entry count and total size stop the read with one container entry saying so', async (t) => {
  const dir = tempDir(t);
  const many = put(dir, 'many.zip', manyEntriesZip(3000));
  const e1 = await entriesOf(many, { maxEntries: 1000 }, 'many.zip');
  assert.equal(e1.length, 1001);
  const last = e1.at(-1)!;
  assert.equal(last.path, 'many.zip!/');
  assert.equal(last.kind, 'other');
  assert.match(last.error ?? '', /entry limit reached: 1000 entries read, the central directory lists 3000/);
  assert.equal(last.content, null);

  const files = sampleFiles();
  const e2 = await entriesOf(put(dir, 'total.zip', zipOf(files, 8)), { maxTotalBytes: 500 * 1024 }, 'total.zip');
  const problem = e2.at(-1)!;
  assert.match(problem.error ?? '', /total size limit reached/);
  const hashed = e2.filter((e) => e.content).reduce((n, e) => n + (e.size ?? 0), 0);
  assert.ok(hashed <= 500 * 1024, `no more than the limit handed out (${hashed})`);
  const over = e2.at(-2)!;
  assert.equal(over.path, 'total.zip!/Movies/clip.mp4', 'the member that would cross the limit is recorded');
  assert.match(over.error ?? '', /total size limit reached \(500 KiB\): not extracted/);
  assert.equal(over.content, null);
});

/** A way to force garbage collection from a test run without --expose-gc. */
function forceGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

test('100,000 tiny entries: read in one pass, quickly, with bounded memory', { timeout: 120_000 }, async (t) => {
  const zip = manyEntriesZip(100_000);
  const bytes = put(tempDir(t), 'many.zip', zip);
  const gc = forceGc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  let n = 0;
  let retained = 0;
  for await (const e of zipReader.entries(bytes, { prefix: 'many.zip', depth: 1, limits: DEFAULT_LIMITS })) {
    n++;
    assert.equal(e.error, null);
    if (n === 77_777) {
      assert.equal(e.path, 'many.zip!/d76/f077776.txt');
      assert.deepEqual(await contentOf(e.content), Buffer.from('77776\n'));
    }
    if (n === 99_999) {
      gc();
      retained = process.memoryUsage().heapUsed - heapBefore;
    }
  }
  const ms = Date.now() - started;
  assert.equal(n, 100_000);
  // How long it takes is the benchmark's business (a loaded machine would fail a timed assertion); the time is reported below.
  // Entries are not held; the member names are (to catch duplicates): ~140 bytes each.
  assert.ok(retained < 48 * 1024 * 1024, `retained ${(retained / 1e6).toFixed(1)} MB near the end`);
  t.diagnostic(`100,000 entries in ${ms} ms, ${(retained / 1e6).toFixed(1)} MB retained near the end`);
});

test('duplicate names and NFC/NFD twins: all kept, distinct paths, each flagged', async (t) => {
  const m = byPath(await entriesOf(put(tempDir(t), 'd.zip', duplicatesZip()), {}, 'd.zip'));
  const first = m.get('d.zip!/dup.txt')!;
  const second = m.get('d.zip!/dup.txt [duplicate 2]')!;
  assert.equal(first.error, null);
  assert.match(second.error ?? '', /duplicate name/);
  assert.equal(second.name, 'dup.txt', 'the name itself is as written');
  assert.deepEqual(await checkedContent(first), Buffer.from('first\n'));
  assert.deepEqual(await checkedContent(second), Buffer.from('second\n'));
  const nfc = m.get(`d.zip!/${CAFE_NFC}`)!;
  const nfd = m.get(`d.zip!/${CAFE_NFD}`)!;
  assert.equal(nfc.error, null);
  assert.match(nfd.error ?? '', /Unicode normalization \(NFC\/NFD; both kept\)/);
  assert.deepEqual(await checkedContent(nfd), Buffer.from('nfd\n'));
});

test('encrypted members: "encrypted, not extracted", raw bytes hashed; unsupported methods likewise', async (t) => {
  const { zip, raws } = encryptedZip();
  for (const mode of bothModes) {
    const m = byPath(await entriesOf(mode === 'file' ? put(tempDir(t), 'enc.zip', zip) : asBytes(zip), {}, 'enc.zip'));
    const secret = m.get('enc.zip!/secret.txt')!;
    assert.match(secret.error ?? '', /^encrypted, not extracted/);
    assert.equal(secret.size, raws['secret.txt']!.byteLength, 'the size of what is hashed: the raw bytes');
    assert.equal(secret.extra?.declaredSize, 40);
    if (secret.content?.type === 'range') {
      assert.equal(secret.content.codec, 'none');
      assert.equal(secret.content.crc32, undefined, 'no CRC check on ciphertext');
    }
    assert.deepEqual(await contentOf(secret.content), raws['secret.txt']);
    const aes = m.get('enc.zip!/aes.txt')!;
    assert.match(aes.error ?? '', /^encrypted, not extracted \(WinZip AES\)/);
    assert.deepEqual(await contentOf(aes.content), raws['aes.txt']);
    const bz = m.get('enc.zip!/packed.bz2.txt')!;
    assert.equal(bz.error, 'compression method 12 (bzip2) not supported: raw bytes hashed');
    assert.deepEqual(await contentOf(bz.content), raws['packed.bz2.txt']);
    const plain = m.get('enc.zip!/plain.txt')!;
    assert.equal(plain.error, null);
    assert.deepEqual(await checkedContent(plain), Buffer.from('not encrypted\n'));
  }
});

test('a .zip that is a PNG, random bytes, nothing: one entry saying why, never a throw', async (t) => {
  const dir = tempDir(t);
  for (const [name, data] of [
    ['fake.zip', fakeZip()],
    ['noise.zip', seeded(99, 5000)],
    ['empty.zip', Buffer.alloc(0)],
  ] as const) {
    for (const bytes of [put(dir, name, data), asBytes(data)]) {
      const entries = await entriesOf(bytes, {}, name);
      assert.equal(entries.length, 1, name);
      assert.equal(entries[0]!.path, `${name}!/`);
      assert.equal(entries[0]!.kind, 'other');
      assert.match(entries[0]!.error ?? '', /^not a readable ZIP: no end-of-central-directory record \(not a ZIP, or truncated/);
      assert.equal(entries[0]!.content, null);
    }
  }
});

test('truncated ZIP: the members before the cut are recovered from their local headers, the cut one flagged', async (t) => {
  const dir = tempDir(t);
  const files = sampleFiles();
  const whole = zipOf(files, 8, { dirs: false });
  // Cut inside Movies/clip.mp4 (the 7th member): the six before it are whole.
  const clipAt = whole.indexOf(Buffer.from('Movies/clip.mp4')) - 30;
  const cut = whole.subarray(0, clipAt + 30 + 15 + 1000);
  for (const bytes of [put(dir, 'cut.zip', cut), asBytes(cut)]) {
    const entries = await entriesOf(bytes, {}, 'cut.zip');
    const problem = entries.at(-1)!;
    assert.equal(problem.path, 'cut.zip!/');
    assert.match(problem.error ?? '', /^not a complete ZIP: no end-of-central-directory record .*; 7 members recovered from their local headers/);
    for (const f of files.slice(0, 6)) {
      const e = entries.find((x) => x.path === `cut.zip!/${f.path}`)!;
      assert.ok(e, f.path);
      assert.match(e.error ?? '', /recovered from its local header/);
      assert.deepEqual(await checkedContent(e), f.data, `${f.path} recovered exactly`);
    }
    const clip = entries.find((x) => x.path === 'cut.zip!/Movies/clip.mp4')!;
    assert.match(clip.error ?? '', /member data runs past the end of the ZIP .*not extracted/);
    assert.equal(clip.content, null);
  }
  // End record intact, central directory wiped: the local headers are walked the same way.
  const wiped = Buffer.from(whole);
  const cd = wiped.readUInt32LE(wiped.byteLength - 22 + 16);
  wiped.fill(0, cd, wiped.byteLength - 22);
  const fromWiped = await entriesOf(asBytes(wiped), {}, 'wiped.zip');
  assert.match(fromWiped.at(-1)!.error ?? '', /^not a complete ZIP: its central directory cannot be read \(invalid central directory file header signature: 0x0\); 8 members recovered/);
  for (const f of files) assert.deepEqual(await checkedContent(fromWiped.find((e) => e.path === `wiped.zip!/${f.path}`)!), f.data);

  // A member written with a data descriptor has no sizes in its local header: the walk stops there.
  const dd = buildZip([
    { name: 'a.txt', data: Buffer.from('first\n') },
    { name: 'b.txt', data: Buffer.from('second\n'), method: 8, flags: 0x08, csize: 0 },
    { name: 'c.txt', data: Buffer.from('third\n') },
  ]);
  const cdStart = dd.readUInt32LE(dd.byteLength - 22 + 16);
  const entries = await entriesOf(asBytes(dd.subarray(0, cdStart)), {}, 'dd.zip');
  assert.deepEqual(
    entries.map((e) => e.path),
    ['dd.zip!/a.txt', 'dd.zip!/'],
  );
  assert.match(entries[1]!.error ?? '', /1 members recovered .*stopped at offset 41: a member written with a data descriptor/);
});

test('bad CRC: the range carries the recorded CRC (the worker flags the mismatch); in memory it is flagged at once', async (t) => {
  const { zip, data, recorded } = badCrcZip();
  const [e] = await entriesOf(put(tempDir(t), 'crc.zip', zip), {}, 'crc.zip');
  assert.equal(e!.content?.type, 'range');
  if (e!.content?.type === 'range') assert.equal(e!.content.crc32, recorded);
  const got = await contentOf(e!.content);
  assert.deepEqual(got, data, 'the bytes as found are what gets hashed');
  assert.notEqual(crc32(got) >>> 0, recorded);
  const [m] = await entriesOf(asBytes(zip), {}, 'crc.zip');
  assert.match(m!.error ?? '', /CRC-32 mismatch: the container records [0-9a-f]{8}, the bytes give [0-9a-f]{8}/);
  assert.deepEqual(await contentOf(m!.content), data);
});

test('bytes after the end of the ZIP are noted once; the members are still read', async (t) => {
  const files = sampleFiles().slice(0, 3);
  const zip = Buffer.concat([zipOf(files, 8), Buffer.from('trailing garbage '.repeat(10))]);
  const entries = await entriesOf(put(tempDir(t), 't.zip', zip), {}, 't.zip');
  const problem = entries.filter((e) => e.path === 't.zip!/');
  assert.equal(problem.length, 1);
  assert.match(problem[0]!.error ?? '', /170 bytes after the end of the ZIP/);
  for (const f of files) assert.deepEqual(await checkedContent(entries.find((e) => e.path === `t.zip!/${f.path}`)!), f.data);
});

test('bytes before the ZIP (a self-extractor stub): the members are found where they really are', async (t) => {
  const files = sampleFiles().slice(0, 4);
  const members = files.map((f) => ({ name: f.path, data: f.data, method: 8 as const }));
  const zip = buildZip(members, { prefix: Buffer.concat([Buffer.from('MZ'), seeded(5, 998)]) });
  for (const bytes of [put(tempDir(t), 'sfx.zip', zip), asBytes(zip)]) {
    const entries = await entriesOf(bytes, {}, 'sfx.zip');
    for (const f of files) assert.deepEqual(await checkedContent(entries.find((e) => e.path === `sfx.zip!/${f.path}`)!), f.data, f.path);
    assert.match(entries.at(-1)!.error ?? '', /^1000 bytes before the ZIP/);
    assert.equal(entries.length, files.length + 1);
  }
  // With offsets adjusted to the file (as zip -A does), it is an ordinary ZIP.
  const adjusted = buildZip(members, { prefix: Buffer.from('MZ'.padEnd(1000, '\0')), prefixAdjusted: true });
  const entries = await entriesOf(asBytes(adjusted), {}, 'sfx.zip');
  assert.equal(entries.length, files.length);
  for (const e of entries) assert.equal(e.error, null);
});

test('damaged central directories (seeded byte flips): every outcome recorded, never a throw', { timeout: 60_000 }, async (t) => {
  const base = zipOf(sampleFiles(), 8);
  const cdStart = base.readUInt32LE(base.byteLength - 22 + 16);
  const dir = tempDir(t);
  const rand = seeded(7, 4 * 300);
  for (let i = 0; i < 300; i++) {
    const z = Buffer.from(base);
    // Flip 1-4 bytes, mostly in the central directory and the local headers' fixed fields.
    const flips = 1 + (rand[i * 4]! % 4);
    for (let k = 0; k < flips; k++) {
      const r = rand.readUInt16LE((i * 4 + k) % (rand.byteLength - 2));
      const at = k % 2 === 0 ? cdStart + (r % (z.byteLength - cdStart)) : r % 64;
      z[at] = z[at]! ^ (1 << (r % 8));
    }
    const bytes = i % 2 ? asBytes(z) : put(dir, `f${i}.zip`, z);
    const entries = await entriesOf(bytes, {}, `f${i}.zip`);
    assert.ok(entries.length >= 1);
    const paths = new Set(entries.map((e) => e.path));
    assert.equal(paths.size, entries.length, 'paths stay unique');
  }
});

test('nesting: deep ZIP-in-ZIP stops at the depth limit; ZIP in TAR in ZIP gives !/ paths', async (t) => {
  const dir = tempDir(t);
  // Open every nested ZIP the way the pipeline does: from its bytes, one level deeper.
  let bytes: ContainerBytes = put(dir, 'level1.zip', deepZip(10));
  let prefix = 'level1.zip';
  let depth = 1;
  const limits = { ...DEFAULT_LIMITS, maxDepth: 8 };
  for (;;) {
    const entries = await entriesOf(bytes, limits, prefix, depth);
    const inner = entries.find((e) => e.name.endsWith('.zip'));
    if (depth > limits.maxDepth) {
      assert.equal(entries.length, 1);
      assert.match(entries[0]!.error ?? '', /nesting depth 9 exceeds the limit \(8\): container not expanded/);
      break;
    }
    if (!inner) {
      assert.fail(`no nested zip at depth ${depth}`);
    }
    bytes = asBytes(await contentOf(inner.content));
    prefix = inner.path;
    depth++;
  }
  assert.equal(prefix, 'level1.zip!/level2.zip!/level3.zip!/level4.zip!/level5.zip!/level6.zip!/level7.zip!/level8.zip!/level9.zip');

  const outer = await entriesOf(put(dir, 'outer.zip', nestedZipTarZip()), {}, 'outer.zip');
  const tarEntry = outer.find((e) => e.path === 'outer.zip!/level1/inner.tar')!;
  const tarEntries: SourceEntry[] = [];
  for await (const e of tarReader.entries(asBytes(await contentOf(tarEntry.content)), { prefix: tarEntry.path, depth: 2, limits: DEFAULT_LIMITS })) {
    tarEntries.push(e);
  }
  const innerZip = tarEntries.find((e) => e.name === 'inner.zip')!;
  assert.equal(innerZip.path, 'outer.zip!/level1/inner.tar!/inner.zip');
  const deep = await entriesOf(asBytes(await contentOf(innerZip.content)), {}, innerZip.path, 3);
  assert.equal(deep[0]!.path, 'outer.zip!/level1/inner.tar!/inner.zip!/deep.txt');
  assert.deepEqual(await contentOf(deep[0]!.content), Buffer.from('three levels down\n'));
});

test('containerKindOf: plain ZIPs, UFDRs, TARs, .tar.gz and Android backups; documents, 7z and RAR are not expanded', () => {
  const zip = zipOf(sampleFiles().slice(0, 1), 0);
  assert.equal(containerKindOf('application/zip', 'export.zip', zip), 'zip');
  assert.equal(containerKindOf('application/zip', 'case.ufdr', zip), 'zip');
  assert.equal(containerKindOf(null, 'export.zip', zip), 'zip');
  assert.equal(containerKindOf('application/zip', 'noext', zip), 'zip');
  assert.equal(containerKindOf('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'a.docx', zip), null);
  assert.equal(containerKindOf('application/zip', 'a.docx', zip), null, 'a document by its name');
  assert.equal(containerKindOf('application/vnd.android.package-archive', 'app.apk', zip), null);
  assert.equal(containerKindOf('application/java-archive', 'lib.jar', zip), null);
  assert.equal(containerKindOf('application/epub+zip', 'book.epub', zip), null);
  assert.equal(containerKindOf('image/png', 'fake.zip', fakeZip()), null, 'a PNG named .zip is not opened');
  const tar = tarOf(sampleFiles().slice(0, 2));
  assert.equal(containerKindOf('application/x-tar', 'a.tar', tar), 'tar');
  assert.equal(containerKindOf(null, 'renamed.bin', tar), 'tar', 'by the ustar magic');
  const tgz = tarGzOf(sampleFiles().slice(0, 2));
  assert.equal(containerKindOf('application/gzip', 'a.tar.gz', tgz), 'tar.gz');
  assert.equal(containerKindOf('application/gzip', 'a.tgz', tgz), 'tar.gz');
  assert.equal(containerKindOf('application/gzip', 'renamed.gz', tgz.subarray(0, 4096)), 'tar.gz', 'by the gunzipped head');
  assert.equal(containerKindOf('application/gzip', 'notes.txt.gz', Buffer.from('1f8b0800000000000003cb48cdc9c95728cf2fca49e1020000000000000000', 'hex')), null);
  assert.equal(containerKindOf(null, 'backup.ab', Buffer.from('ANDROID BACKUP\n5\n1\nnone\n')), 'ab');
  assert.equal(containerKindOf('application/x-7z-compressed', 'a.7z', Buffer.from('377abcaf271c', 'hex')), null);
  assert.equal(containerKindOf('application/x-rar-compressed', 'a.rar', Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1')), null);
  assert.equal(containerKindOf('text/plain', 'notes.txt', Buffer.from('hello')), null);
  assert.equal(containerKindOf(null, 'empty', Buffer.alloc(0)), null);
});

test('real archives (../shared/samples/filetypes): ZIP-based files read cleanly; 7z, RAR, xz are not expanded', async (t) => {
  const dir = samplesOrSkip(t, 'filetypes');
  if (!dir) return;
  const expectedKind: Record<string, string | null> = {
    'fixture.zip': 'zip',
    'fixture.tar': 'tar',
    'fixture-pax.tar': 'tar',
    'fixture.tar.gz': 'tar.gz',
    'fixture.docx': null,
    'fixture.xlsx': null,
    'fixture.pptx': null,
    'fixture.apk': null,
    'fixture.jar': null,
    'fixture.epub': null,
    'fixture.odt': null,
    'fixture.ods': null,
    'fixture.7z': null,
    'fixture.rar': null,
    'fixture.tar.xz': null,
    'fixture.bz2': null,
    'fixture.gz': null,
    'fixture.png': null,
  };
  for (const [name, kind] of Object.entries(expectedKind)) {
    const data: Buffer = readFileSync(join(dir, name));
    const ft = await fileTypeFromBuffer(data);
    assert.equal(containerKindOf(ft?.mime ?? null, name, data.subarray(0, 4096)), kind, `${name} (${ft?.mime})`);
  }
  // Every ZIP-based sample is a readable ZIP with exact CRCs, whether or not it is expanded by default.
  for (const name of ['fixture.zip', 'fixture.docx', 'fixture.xlsx', 'fixture.pptx', 'fixture.apk', 'fixture.jar', 'fixture.epub', 'fixture.odt']) {
    const path = join(dir, name);
    const entries = await entriesOf({ type: 'file', path, size: statSync(path).size }, {}, name);
    assert.ok(entries.length > 0, name);
    for (const e of entries) {
      assert.equal(e.error, null, `${e.path}: ${e.error}`);
      if (e.kind === 'file') await checkedContent(e);
    }
  }
  const zipEntries = await entriesOf({ type: 'file', path: join(dir, 'fixture.zip'), size: statSync(join(dir, 'fixture.zip')).size }, {}, 'fixture.zip');
  assert.deepEqual(
    zipEntries.map((e) => e.path),
    ['fixture.zip!/test.jpg'],
  );
  // 7z and RAR are not ZIPs: offered to the ZIP reader anyway, they are recorded as unreadable.
  for (const name of ['fixture.7z', 'fixture.rar']) {
    const path = join(dir, name);
    const entries = await entriesOf({ type: 'file', path, size: statSync(path).size }, {}, name);
    assert.equal(entries.length, 1);
    assert.match(entries[0]!.error ?? '', /^not a readable ZIP/);
  }
});

test('an empty ZIP (just the end record) has no entries and no problem', async () => {
  const entries = await entriesOf(asBytes(buildZip([])), {}, 'empty.zip');
  assert.deepEqual(entries, []);
  void readRange;
});

test('one ZIP format module: office text and UFDR detection read ZIP64 and ZIPs behind a stub as the reader does', () => {
  const xml = Buffer.from('<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Seized ledger</w:t></w:r></w:p></w:body></w:document>');
  const docx64 = buildZip([{ name: 'word/document.xml', data: xml, method: 8, zip64: true }], { zip64Eocd: true });
  assert.equal(officeText(docx64, 1000, 1 << 20).text.trim(), 'Seized ledger');
  // A self-extractor stub (or any glued-on header) moves every offset: the end record still finds them.
  const stub = Buffer.alloc(4096, 0x4d);
  const docx = Buffer.concat([stub, buildZip([{ name: 'word/document.xml', data: xml, method: 8 }])]);
  assert.equal(officeText(docx, 1000, 1 << 20).text.trim(), 'Seized ledger');
  const ufdr = Buffer.concat([stub, buildZip([{ name: 'report.xml', data: Buffer.from('<project/>') }])]);
  assert.equal(zipHasRootMember({ type: 'bytes', data: ufdr }), true);
  assert.equal(zipHasRootMember({ type: 'bytes', data: Buffer.concat([stub, buildZip([{ name: 'files/report.xml', data: xml }])]) }), false);
});
