// The TAR readers (plain TAR from a file or memory, .tar.gz streamed, any TAR stream) on
// generated archives, cross-checked against tar-stream (an independent parser), and on the real
// TARs in ../shared/samples/filetypes.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { tarGzReader, tarNumber, tarReader, tarStreamEntries } from '../../src/core/sources/tar.ts';
import { type ContainerBytes, type ContainerLimits, type ContainerReader, DEFAULT_LIMITS, type SourceEntry } from '../../src/core/sources/types.ts';
import { zipReader } from '../../src/core/sources/zip.ts';
import {
  HOSTILE_ZIP_NAMES,
  badChecksumTar,
  buildTar,
  contentOf,
  paxTar,
  sampleFiles,
  seeded,
  sha256,
  slipTar,
  tarGzOf,
  tarOf,
  truncate,
  zerosTarGz,
} from '../fixtures/archives.ts';
import { samplesOrSkip, tempDir } from './helpers.ts';

function put(dir: string, name: string, data: Buffer): ContainerBytes {
  const path = join(dir, name);
  writeFileSync(path, data);
  return { type: 'file', path, size: data.byteLength };
}

const asBytes = (data: Buffer): ContainerBytes => ({ type: 'bytes', data: new Uint8Array(data) });

function ctxOf(prefix: string, limits: Partial<ContainerLimits> = {}) {
  return { prefix, depth: 1, limits: { ...DEFAULT_LIMITS, ...limits } };
}

/** Entries with their contents read as they come (streams must be read before the next entry). */
async function readAll(entries: AsyncIterable<SourceEntry>): Promise<{ entry: SourceEntry; data: Buffer | null; readError: string | null }[]> {
  const out: { entry: SourceEntry; data: Buffer | null; readError: string | null }[] = [];
  for await (const e of entries) {
    let data: Buffer | null = null;
    let readError: string | null = null;
    if (e.content) {
      try {
        data = await contentOf(e.content);
      } catch (err) {
        readError = (err as Error).message;
      }
    }
    out.push({ entry: e, data, readError });
  }
  return out;
}

async function listOf(reader: ContainerReader, bytes: ContainerBytes, prefix: string, limits: Partial<ContainerLimits> = {}) {
  return readAll(reader.entries(bytes, ctxOf(prefix, limits)));
}

type Way = 'tar file' | 'tar bytes' | 'tar stream' | 'tar.gz file' | 'tar.gz bytes';
const WAYS: Way[] = ['tar file', 'tar bytes', 'tar stream', 'tar.gz file', 'tar.gz bytes'];

/** The same TAR read each way the readers offer. */
function readWay(way: Way, tar: Buffer, dir: string, prefix: string, limits: Partial<ContainerLimits> = {}) {
  switch (way) {
    case 'tar file':
      return listOf(tarReader, put(dir, 'x.tar', tar), prefix, limits);
    case 'tar bytes':
      return listOf(tarReader, asBytes(tar), prefix, limits);
    case 'tar stream':
      // Odd chunk sizes, so headers and members straddle chunks.
      return readAll(tarStreamEntries(Readable.from(chunks(tar, 777)), ctxOf(prefix, limits)));
    case 'tar.gz file':
      return listOf(tarGzReader, put(dir, 'x.tar.gz', gzipSync(tar)), prefix, limits);
    case 'tar.gz bytes':
      return listOf(tarGzReader, asBytes(gzipSync(tar)), prefix, limits);
  }
}

function* chunks(b: Buffer, n: number): Generator<Buffer> {
  for (let i = 0; i < b.byteLength; i += n) yield b.subarray(i, i + n);
}

for (const way of WAYS) {
  test(`sample export as ${way}: every file and folder, exact bytes, modes, owners, times`, async (t) => {
    const files = sampleFiles();
    const got = await readWay(way, tarOf(files), tempDir(t), 'export.tar');
    const m = new Map(got.map((g) => [g.entry.path, g]));
    assert.equal(m.size, got.length, 'unique paths');
    for (const f of files) {
      const g = m.get(`export.tar!/${f.path}`);
      assert.ok(g, f.path);
      assert.equal(g.entry.kind, 'file');
      assert.equal(g.entry.error, null);
      assert.equal(g.readError, null);
      assert.deepEqual(g.data, f.data, `${f.path} bytes`);
      assert.equal(g.entry.size, f.data.byteLength);
      assert.equal(g.entry.mode, 0o100644);
      assert.equal(g.entry.uid, 1000);
      assert.equal(g.entry.extra?.uname, 'officer');
      assert.equal(g.entry.mtime, '2024-03-01T12:34:56.000Z');
      const c = g.entry.content!;
      if (way === 'tar file') assert.equal(c.type, 'range');
      else if (way === 'tar bytes') assert.equal(c.type, 'bytes');
      else assert.equal(c.type, f.data.byteLength > 256 * 1024 ? 'stream' : 'bytes', `${f.path} in a stream`);
    }
    const dirs = got.filter((g) => g.entry.kind === 'dir');
    assert.ok(dirs.some((d) => d.entry.path === 'export.tar!/DCIM/100APPLE'));
    for (const d of dirs) assert.equal(d.entry.mode, 0o040755);
    assert.equal(got.length, files.length + dirs.length, 'no container problem entry');
  });
}

test('.tar.gz: members left unread, or read half-way, are skipped correctly', async (t) => {
  const files = sampleFiles();
  const bytes = put(tempDir(t), 'x.tar.gz', tarGzOf(files));
  // Never open any stream: the reader moves past each member itself.
  const seen: string[] = [];
  for await (const e of tarGzReader.entries(bytes, ctxOf('x.tar.gz'))) seen.push(e.path);
  assert.equal(seen.length, got(files));
  // Read only the first chunk of each streamed member, then ask for the next entry.
  const after: Record<string, Buffer> = {};
  for await (const e of tarGzReader.entries(bytes, ctxOf('x.tar.gz'))) {
    if (e.content?.type === 'stream') {
      const s = e.content.open();
      for await (const chunk of s) {
        void chunk;
        break;
      }
    } else if (e.content) {
      after[e.path] = await contentOf(e.content);
    }
  }
  for (const f of files.filter((f) => f.data.byteLength <= 256 * 1024)) assert.deepEqual(after[`x.tar.gz!/${f.path}`], f.data);
});

function got(files: { path: string }[]): number {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return files.length + dirs.size;
}

test('PAX and GNU extensions: long names, exact times, owners, non-ASCII and non-UTF-8 names, v7 headers', async (t) => {
  const { tar, longName, gnuLongName } = paxTar();
  for (const way of WAYS) {
    const list = await readWay(way, tar, tempDir(t), 'p.tar');
    const m = new Map(list.map((g) => [g.entry.path, g.entry]));
    const long = m.get(`p.tar!/${longName}`)!;
    assert.ok(long, `${way}: PAX long name (${[...m.keys()].join(' | ')})`);
    assert.equal(long.mtime, '2023-11-14T22:13:20.123456789Z', 'PAX mtime to the nanosecond');
    assert.equal(long.atime, '2023-11-14T22:13:21.500000000Z');
    assert.equal(long.error, null);
    const ru = m.get('p.tar!/фото/снимок.jpg')!;
    assert.equal(ru.uid, 4242);
    assert.equal(ru.gid, 4343);
    assert.equal(ru.extra?.uname, 'сотрудник');
    assert.equal(ru.pathRaw, null);
    const gnu = m.get(`p.tar!/${gnuLongName}`)!;
    assert.ok(gnu, 'GNU long name');
    assert.equal(gnu.extra?.format, 'gnu');
    assert.equal(m.get('p.tar!/old-v7.txt')!.extra?.format, 'v7');
    const bad = list.find((g) => g.entry.pathRaw)!.entry;
    assert.deepEqual(Buffer.from(bad.pathRaw!), Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]));
    assert.equal(bad.path, 'p.tar!/bad\\xFF\\xFE.txt', 'invalid bytes shown as \\xNN, as the folder walk shows them');
    assert.equal(list.length, 5, 'global and per-file PAX headers and the GNU long-name record are not entries');
  }
});

test('hostile TAR: zip slip names, symlinks and hardlinks (recorded, never followed), devices and FIFOs', async (t) => {
  for (const way of WAYS) {
    const list = await readWay(way, slipTar(), tempDir(t), 's.tar');
    const m = new Map(list.map((g) => [g.entry.path, g]));
    for (const [i, name] of HOSTILE_ZIP_NAMES.entries()) {
      const g = m.get(`s.tar!/${name}`)!;
      assert.ok(g, name);
      assert.match(g.entry.error ?? '', /^hostile name: .*\(recorded, never used as a path\)$/);
      assert.deepEqual(g.data, Buffer.from(`hostile ${i}\n`), 'still hashed');
    }
    const linkIn = m.get('s.tar!/link-in')!.entry;
    assert.equal(linkIn.kind, 'symlink');
    assert.equal(linkIn.linkTarget, 'ok.txt');
    assert.equal(linkIn.error, null);
    assert.equal(linkIn.content, null);
    assert.equal(linkIn.mode! & 0o170000, 0o120000);
    const linkOut = m.get('s.tar!/sub/link-out')!.entry;
    assert.match(linkOut.error ?? '', /symlink points outside the archive/);
    const hardIn = m.get('s.tar!/hard-in')!.entry;
    assert.equal(hardIn.kind, 'other');
    assert.equal(hardIn.extra?.link, 'hard');
    assert.equal(hardIn.linkTarget, 'ok.txt');
    assert.equal(hardIn.content, null);
    assert.equal(hardIn.error, null);
    assert.match(m.get('s.tar!/hard-out')!.entry.error ?? '', /hardlink target is a hostile path/);
    const tty = m.get('s.tar!/dev/tty0')!.entry;
    assert.equal(tty.kind, 'device');
    assert.deepEqual(tty.extra?.device, { type: 'character', major: 4, minor: 0 });
    assert.equal(tty.mode! & 0o170000, 0o020000);
    assert.equal(m.get('s.tar!/dev/sda')!.entry.kind, 'device');
    const fifo = m.get('s.tar!/run/fifo')!.entry;
    assert.equal(fifo.kind, 'fifo');
    assert.equal(fifo.content, null);
  }
});

test('truncated TARs (cut anywhere) end with the member or the container flagged, never a throw', async (t) => {
  const tar = tarOf(sampleFiles());
  const dir = tempDir(t);
  for (const fraction of [0.001, 0.1, 0.35, 0.5, 0.8, 0.9995]) {
    const cut = truncate(tar, fraction);
    for (const way of WAYS) {
      const list = await readWay(way, cut, dir, 'cut.tar');
      const problems = list.filter((g) => g.entry.path === 'cut.tar!/');
      assert.equal(problems.length, 1, `${way} at ${fraction}: one container entry`);
      assert.match(problems[0]!.entry.error ?? '', /truncated|not a readable|no end-of-archive marker/);
      for (const g of list) {
        // A member cut short is flagged on the entry (or its stream fails): never silently short.
        if (g.data && g.entry.size !== null) assert.equal(g.data.byteLength, g.entry.size, `${way}: ${g.entry.path}`);
      }
    }
  }
  // A gzip stream cut short.
  const gz = truncate(gzipSync(tar), 0.6);
  const list = await listOf(tarGzReader, put(dir, 'cut.tar.gz', gz), 'cut.tar.gz');
  assert.match(list.at(-1)!.entry.error ?? '', /TAR\.GZ stream damaged|truncated/);
});

test('a damaged header stops the read with its offset; not a TAR at all says so', async (t) => {
  const dir = tempDir(t);
  for (const way of WAYS) {
    const list = await readWay(way, badChecksumTar(), dir, 'b.tar');
    assert.equal(list[0]!.entry.path, 'b.tar!/first.txt');
    assert.deepEqual(list[0]!.data, Buffer.from('first\n'));
    assert.equal(list.length, 2);
    assert.match(list[1]!.entry.error ?? '', /damaged header at offset 1024 \(checksum mismatch\) after 1 entries: the rest is not read/);
  }
  for (const [name, data] of [
    ['noise.tar', seeded(5, 4096)],
    ['empty.tar', Buffer.alloc(0)],
    ['short.tar', Buffer.from('hello')],
  ] as const) {
    const list = await listOf(tarReader, put(dir, name, data), name);
    assert.equal(list.length, 1);
    assert.match(list[0]!.entry.error ?? '', /^not a readable TAR: /);
  }
  const gz = await listOf(tarGzReader, put(dir, 'not.tar.gz', gzipSync(Buffer.from('just text, not a tar'))), 'not.tar.gz');
  assert.match(gz[0]!.entry.error ?? '', /^not a readable TAR\.GZ/);
  const notGz = await listOf(tarGzReader, put(dir, 'plain.tgz', Buffer.from('not gzip at all')), 'plain.tgz');
  assert.match(notGz[0]!.entry.error ?? '', /^not a readable TAR\.GZ/);
});

test('an archive without its end-of-archive blocks is read, and the missing marker noted', async (t) => {
  const files = sampleFiles().slice(0, 2);
  const list = await readWay('tar file', buildTar(files.map((f) => ({ name: f.path, data: f.data })), { end: false }), tempDir(t), 'n.tar');
  assert.equal(list.length, 3);
  assert.match(list[2]!.entry.error ?? '', /no end-of-archive marker/);
});

test('limits: entries, total size, and the compression ratio of a .tar.gz', async (t) => {
  const dir = tempDir(t);
  const files = sampleFiles();
  const tar = tarOf(files);
  const few = await readWay('tar file', tar, dir, 'l.tar', { maxEntries: 3 });
  assert.equal(few.length, 4);
  assert.match(few[3]!.entry.error ?? '', /entry limit reached: 3 entries read/);
  const small = await readWay('tar.gz file', tar, dir, 'l.tar', { maxTotalBytes: 200 * 1024 });
  assert.match(small.at(-1)!.entry.error ?? '', /total size limit reached/);

  const bomb = put(dir, 'zeros.tar.gz', zerosTarGz(50));
  const stopped = await listOf(tarGzReader, bomb, 'zeros.tar.gz', { maxRatio: 100 });
  assert.match(stopped[0]!.readError ?? '', /compression ratio exceeds the limit \(100:1\)/, 'the member stream is stopped');
  assert.match(stopped.at(-1)!.entry.error ?? '', /compression ratio exceeds the limit \(100:1\)/);
  const allowed = await listOf(tarGzReader, bomb, 'zeros.tar.gz', { maxRatio: 1_000_000 });
  assert.equal(allowed[0]!.readError, null);
  assert.equal(allowed[0]!.data!.byteLength, 50 * 1024 * 1024);
});

test('duplicate names in a TAR (an appended archive): all kept, distinct paths', async (t) => {
  const tar = buildTar([
    { name: 'a.txt', data: Buffer.from('v1\n') },
    { name: 'a.txt', data: Buffer.from('v2\n') },
  ]);
  const list = await readWay('tar file', tar, tempDir(t), 'd.tar');
  assert.deepEqual(
    list.map((g) => g.entry.path),
    ['d.tar!/a.txt', 'd.tar!/a.txt [duplicate 2]'],
  );
  assert.match(list[1]!.entry.error ?? '', /duplicate name/);
  assert.deepEqual(list[1]!.data, Buffer.from('v2\n'));
});

test('names that are not UTF-8 never read alike: distinct paths, raw bytes kept, no false duplicates', async (t) => {
  const tar = buildTar([
    { name: Buffer.from([0x61, 0xff, 0x2e, 0x74]), data: Buffer.from('1') },
    { name: Buffer.from([0x61, 0xfe, 0x2e, 0x74]), data: Buffer.from('2') },
    { name: Buffer.from('\ufeffa.t'), data: Buffer.from('3') },
    { name: Buffer.from('a.t'), data: Buffer.from('4') },
  ]);
  const list = await readWay('tar bytes', tar, tempDir(t), 'r.tar');
  assert.deepEqual(
    list.map((g) => g.entry.path),
    ['r.tar!/a\\xFF.t', 'r.tar!/a\\xFE.t', 'r.tar!/\ufeffa.t', 'r.tar!/a.t'],
  );
  for (const g of list) assert.equal(g.entry.error, null, g.entry.path);
  assert.deepEqual(Buffer.from(list[0]!.entry.pathRaw!), Buffer.from([0x61, 0xff, 0x2e, 0x74]));
});

test('numeric fields: octal with spaces and NULs, GNU base-256, garbage refused', () => {
  const f = (s: string | number[]) => Buffer.from(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  assert.equal(tarNumber(f('0000644\0'), 0, 8), 0o644);
  assert.equal(tarNumber(f('   644 \0'), 0, 8), 0o644);
  assert.equal(tarNumber(f('\0\0\0\0\0\0\0\0'), 0, 8), 0);
  assert.equal(tarNumber(f([0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]), 0, 12), 2 * 2 ** 32);
  assert.equal(tarNumber(f('12x4567\0'), 0, 8), null);
});

test('agrees with tar-stream (an independent parser) on names, types, sizes and link targets', async (t) => {
  const cases: [string, Buffer][] = [
    ['sample', tarOf(sampleFiles())],
    ['pax', paxTar().tar],
    ['slip', slipTar()],
  ];
  const dir = tempDir(t);
  for (const [label, tar] of cases) {
    const theirs: { name: string; type: string; size: number; linkname: string | null }[] = [];
    // (allowUnknownFormat: the v7 header has no magic; the published types omit the option.)
    const ex = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
    const done = new Promise<void>((resolve, reject) => {
      ex.on('entry', (h, stream, next) => {
        theirs.push({ name: h.name, type: h.type ?? '', size: h.size ?? 0, linkname: h.linkname ?? null });
        stream.on('end', next);
        stream.resume();
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
    });
    ex.end(tar);
    await done;
    const ours = (await readWay('tar file', tar, dir, 'x.tar')).map((g) => g.entry);
    assert.equal(ours.length, theirs.length, label);
    const kindOf: Record<string, string> = {
      file: 'file',
      directory: 'dir',
      symlink: 'symlink',
      link: 'other',
      'character-device': 'device',
      'block-device': 'device',
      fifo: 'fifo',
    };
    for (let i = 0; i < ours.length; i++) {
      const o = ours[i]!;
      const th = theirs[i]!;
      if (o.pathRaw === null) assert.equal(o.path, `x.tar!/${th.name.replace(/\/+$/, '')}`, label);
      assert.equal(o.kind, kindOf[th.type], `${label}: ${th.name}`);
      if (o.kind === 'file') assert.equal(o.size, th.size);
      if (th.linkname && o.kind !== 'file') assert.equal(o.linkTarget, th.linkname);
    }
  }
});

test('real TARs (../shared/samples/filetypes): read exactly; a truncated one recorded as such', async (t) => {
  const dir = samplesOrSkip(t, 'filetypes');
  if (!dir) return;
  const open = (name: string): ContainerBytes => ({ type: 'file', path: join(dir, name), size: statSync(join(dir, name)).size });
  const fromZip = await listOf(zipReader, open('fixture.zip'), 'fixture.zip');
  const jpg = fromZip[0]!.data!;
  for (const [reader, name] of [
    [tarReader, 'fixture.tar'],
    [tarGzReader, 'fixture.tar.gz'],
  ] as const) {
    const list = await listOf(reader, open(name), name);
    assert.deepEqual(
      list.map((g) => g.entry.path),
      [`${name}!/test.jpg`],
    );
    const e = list[0]!;
    assert.equal(e.entry.error, null);
    assert.equal(e.entry.mtime, '2013-08-19T22:26:44.000Z');
    assert.equal(e.entry.extra?.uname, 'Johan');
    assert.equal(sha256(e.data!), sha256(jpg), 'the same photo as in fixture.zip');
  }
  // fixture-pax.tar is the first 2 KiB of a Linux source tarball: global PAX header, a folder,
  // then a member whose data is cut off.
  const pax = await listOf(tarReader, open('fixture-pax.tar'), 'fixture-pax.tar');
  assert.deepEqual(
    pax.map((g) => [g.entry.path, g.entry.kind]),
    [
      ['fixture-pax.tar!/linux-6.7.12', 'dir'],
      ['fixture-pax.tar!/linux-6.7.12/.clang-format', 'file'],
      ['fixture-pax.tar!/', 'other'],
    ],
  );
  assert.match(pax[1]!.entry.error ?? '', /truncated: the archive ends inside this member \(0 of 20561 bytes present\)/);
  assert.equal(pax[1]!.entry.content, null);
  assert.match(pax[2]!.entry.error ?? '', /truncated/);
  // The raw sample bytes are the same whichever way the TAR is read.
  const viaStream = await readAll(tarStreamEntries(Readable.from([readFileSync(join(dir, 'fixture.tar'))]), ctxOf('fixture.tar')));
  assert.equal(sha256(viaStream[0]!.data!), sha256(jpg));
});
