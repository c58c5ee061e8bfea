// Metadata through the real ingest (issue 12 item 6): large photos and movies are stored as
// files and their metadata read from the store copy wherever it lies; a broken photo's parser
// error is on the item and counted as a problem; `evidence show` (a child process) prints where
// "taken" came from and the image's own size beside EXIF's claim.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gpsTags, heic, jpeg, movie, tiff } from '../fixtures/media.ts';
import { newCase, runCli, runCliChild, tempDir, exhibitIn } from './helpers.ts';

const phoneTiff = tiff({
  ifd0: [
    { tag: 0x010f, ascii: 'samsung' },
    { tag: 0x0110, ascii: 'SM-S918B' },
    { tag: 0x0112, short: [6] },
  ],
  exif: [
    { tag: 0x9003, ascii: '2024:03:05 14:22:33' },
    { tag: 0x9011, ascii: '+09:00' },
    { tag: 0xa002, long: [4000] },
    { tag: 0xa003, long: [3000] },
  ],
  gps: gpsTags(35.681236, 139.767125),
});

test('ingest: metadata beyond the first MiB of stored files, parser errors as problems, show', { timeout: 120_000 }, async (t) => {
  const src = join(tempDir(t), 'phone');
  mkdirSync(join(src, 'DCIM'), { recursive: true });
  const farJpeg = jpeg({ tiff: phoneTiff, padBytes: 1_200_000, width: 640, height: 480 });
  writeFileSync(join(src, 'DCIM/20240305_142233.jpg'), farJpeg);
  writeFileSync(join(src, 'DCIM/20240305_142234.heic'), heic({ tiff: phoneTiff, width: 4080, height: 3060, imageBytes: 1_500_000 }));
  writeFileSync(
    join(src, 'DCIM/IMG_0007.MOV'),
    movie({
      brand: 'qt  ',
      created: new Date('2024-03-05T05:22:33Z'),
      width: 1920,
      height: 1080,
      mdatBytes: 1_100_000,
      keys: { 'com.apple.quicktime.location.ISO6709': '+35.6812+139.7671+040.123/', 'com.apple.quicktime.creationdate': '2024-03-05T14:22:33+0900' },
    }),
  );
  writeFileSync(join(src, 'DCIM/20240305_142235.mp4'), movie({ created: new Date('2024-03-05T05:22:35Z'), width: 1280, height: 720, mdatBytes: 300_000, xyz: '+35.6812+139.7671/' }));
  const small = jpeg({ tiff: phoneTiff });
  writeFileSync(join(src, 'DCIM/cut.jpg'), small.subarray(0, small.indexOf('Exif\0\0') + 60));

  const c = newCase(t);
  const summary = await c.service.ingest({ session: c.session, sourcePath: src, exhibit: exhibitIn(c.service, c.session, 'EXH-001') });
  assert.equal(summary.status, 'finished');
  const { items } = c.service.listItems({ casePath: c.casePath, limit: 100 });
  const byPath = new Map(items.map((i) => [i.path, c.service.getItem({ session: c.session, id: i.id })]));
  const get = (p: string) => {
    const it = byPath.get(p);
    assert.ok(it, p);
    return { it, m: it.metadata!, f: it.metadata!.fields as Record<string, Record<string, unknown> & { width?: number }> };
  };

  for (const p of ['DCIM/20240305_142233.jpg', 'DCIM/20240305_142234.heic']) {
    const { it, m, f } = get(p);
    assert.ok((it.size ?? 0) > 1024 * 1024, `${p} is larger than the head the analyser is handed`);
    assert.equal(m.error, null, `${p}: ${m.error}`);
    assert.equal(m.taken_at, '2024-03-05T14:22:33+09:00', p);
    assert.equal(f['takenFrom'] as unknown, 'DateTimeOriginal');
    assert.ok(Math.abs(m.lat! - 35.681236) < 1e-6 && Math.abs(m.lon! - 139.767125) < 1e-6, p);
    assert.deepEqual([m.make, m.model, m.orientation], ['samsung', 'SM-S918B', 6]);
    assert.equal(f['exif']!['ExifImageWidth'], 4000, 'EXIF claim kept apart');
  }
  assert.deepEqual(get('DCIM/20240305_142233.jpg').f['pixels'], { width: 640, height: 480, from: 'JPEG SOF0' });
  assert.deepEqual(get('DCIM/20240305_142234.heic').f['pixels'], { width: 4080, height: 3060, from: 'HEIF ispe' });

  const mov = get('DCIM/IMG_0007.MOV');
  assert.equal(mov.m.taken_at, '2024-03-05T14:22:33+09:00');
  assert.deepEqual([mov.m.lat, mov.m.lon, mov.m.alt], [35.6812, 139.7671, 40.123]);
  const mp4 = get('DCIM/20240305_142235.mp4');
  assert.equal(mp4.m.taken_at, '2024-03-05T05:22:35+00:00');
  assert.equal(mp4.f['takenFrom'] as unknown, 'movie header creation time (UTC)');
  assert.equal(mp4.it.lat, 35.6812, 'the list row carries the movie GPS too');

  // The broken photo: the parser's message on the item, counted as a problem (never silent).
  const cut = get('DCIM/cut.jpg');
  assert.match(cut.m.error ?? '', /^metadata unreadable: .*cut short \(truncated file\)/);
  assert.match(cut.it.error ?? '', /metadata unreadable/);
  assert.ok(!JSON.stringify(cut.f).includes('{}'), 'no empty error objects');
  const fin = c.service.custodyLog({ casePath: c.casePath, action: 'ingest.finished' });
  assert.equal(fin[0]!.details.errors, 1, 'the metadata error counted as the one problem');
  const errs = c.service.listItems({ casePath: c.casePath, errors: true, limit: 100 });
  assert.deepEqual(errs.items.map((i) => i.path), ['DCIM/cut.jpg']);
  // In the problems-and-notices structure (catalogue/issues.ts): a problem with its code.
  assert.deepEqual(
    cut.it.issues.map((i) => [i.severity, i.code]),
    [['problem', 'metadata-unreadable']],
  );
  assert.match(cut.it.issues[0]!.message, /cut short \(truncated file\)/);
  assert.deepEqual(get('DCIM/20240305_142233.jpg').it.issues, [], 'no issue where all was read');

  // `evidence show`, as an officer runs it.
  const jpgId = String(items.find((i) => i.path === 'DCIM/20240305_142233.jpg')!.id);
  const shown = await runCliChild(['show', c.casePath, jpgId, '--officer', c.officer]);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /taken: +2024-03-05T14:22:33\+09:00 \(from DateTimeOriginal\)/);
  assert.match(shown.out, /pixels: +640 x 480 \(JPEG SOF0\); EXIF claims 4000 x 3000 \(DIFFERENT/);
  const movShown = await runCli(['show', c.casePath, String(items.find((i) => i.path === 'DCIM/IMG_0007.MOV')!.id), '--officer', c.officer]);
  assert.match(movShown.out, /taken: +2024-03-05T14:22:33\+09:00 \(from QuickTime creationdate \(local time\)\)/);
  assert.match(movShown.out, /GPS: +35\.6812000, 139\.7671000, 40\.123 m \(from meta com\.apple\.quicktime\.location\.ISO6709\)/);
  assert.match(movShown.out, /movie header: created 2024-03-05T05:22:33\+00:00 \(UTC\)/);
  const cutShown = await runCli(['show', c.casePath, String(items.find((i) => i.path === 'DCIM/cut.jpg')!.id), '--officer', c.officer]);
  assert.match(cutShown.out, /PROBLEM: +metadata unreadable: the JPEG's EXIF block at byte 2 is cut short \(truncated file\); EXIF: Segment unreachable \[metadata-unreadable\]/);
  assert.equal(cutShown.out.match(/metadata unreadable/g)?.length, 1, 'printed once');
});
