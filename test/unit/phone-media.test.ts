// Phone media in the engine (issue 14, item 5): HEIC photos decoded by libheif (WebAssembly, on a
// worker) into thumbnails and the preview's large rendition, with the right pixels; the engine's
// thread keeps answering while a 12-megapixel iPhone photo decodes; a damaged HEIC is a plain,
// remembered failure; a failure remembered before the decoder existed is tried again; video and
// audio are served as media (with ranges) through both front doors, everything else as before.
// test/fixtures/phone-media/tiny.heic (64 x 48: red | blue over green, 654 bytes) was made with
// libheif's heif-enc 1.15 (x265) from a generated PNG; tiny.mp4 (2 s, 160 x 120, H.264 + AAC)
// with ffmpeg's testsrc and sine sources. The real iPhone photos of ../shared/samples are used in
// place when present.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { decodeHeif, isHeif } from '../../src/core/preview/heic.ts';
import { servedType } from '../../src/core/preview/content.ts';
import { VIEW_PX } from '../../src/core/preview/thumbs.ts';
import { contentResponse } from '../../src/main/contentProtocol.ts';
import { newCase, samplesOrSkip, tempDir, exhibitIn } from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/phone-media');
const TINY_HEIC = join(FIXTURES, 'tiny.heic');

/** The RGB of pixel (x, y) of RGBA (or RGB) pixels `width` wide. */
function rgbAt(data: Uint8Array, width: number, channels: number, x: number, y: number): [number, number, number] {
  const i = (y * width + x) * channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

function near(got: [number, number, number], want: [number, number, number], what: string): void {
  assert.ok(
    got.every((v, k) => Math.abs(v - want[k]!) <= 45),
    `${what}: got rgb(${got.join(', ')}), want about rgb(${want.join(', ')})`,
  );
}

/** The fixture's three areas, checked on any decoded copy (scaled to width x height). */
function checkTiny(data: Uint8Array, width: number, height: number, channels: number): void {
  near(rgbAt(data, width, channels, Math.round(width * 0.15), Math.round(height * 0.2)), [220, 30, 30], 'top left is red');
  near(rgbAt(data, width, channels, Math.round(width * 0.85), Math.round(height * 0.2)), [30, 60, 220], 'top right is blue');
  near(rgbAt(data, width, channels, Math.round(width * 0.5), Math.round(height * 0.92)), [30, 200, 60], 'bottom is green');
}

test('libheif decodes a HEIC photo to its pixels on its worker', async () => {
  const img = await decodeHeif(readFileSync(TINY_HEIC));
  assert.equal(img.width, 64);
  assert.equal(img.height, 48);
  assert.equal(img.rgba.length, 64 * 48 * 4);
  checkTiny(img.rgba, 64, 48, 4);
  assert.ok(isHeif('image/heic') && isHeif('image/heif') && !isHeif('image/avif') && !isHeif('image/jpeg'));
  // Not a HEIC at all, and one cut short: refused with the decoder's reason, the worker still there for the next.
  await assert.rejects(decodeHeif(Buffer.from('not an image at all, just some words')), /libheif/);
  await assert.rejects(decodeHeif(readFileSync(TINY_HEIC).subarray(0, 300)), /libheif/);
  assert.equal((await decodeHeif(readFileSync(TINY_HEIC))).width, 64);
});

test('HEIC items get a thumbnail and the preview rendition; a damaged one is remembered; a pre-decoder failure is retried', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'DCIM');
  mkdirSync(join(src, '100APPLE'), { recursive: true });
  copyFileSync(TINY_HEIC, join(src, '100APPLE', 'IMG_0001.HEIC'));
  // The same photo with one byte more at its end: another object, whose failure was remembered by an older engine.
  writeFileSync(join(src, '100APPLE', 'IMG_0002.HEIC'), Buffer.concat([readFileSync(TINY_HEIC), Buffer.from([0])]));
  writeFileSync(join(src, '100APPLE', 'IMG_0003.HEIC'), readFileSync(TINY_HEIC).subarray(0, 400));
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session) });
  const items = tc.service.listItems({ casePath: tc.casePath, kind: 'file' }).items;
  const byName = new Map(items.map((i) => [i.name, i]));
  const photo = byName.get('IMG_0001.HEIC')!;
  assert.ok(isHeif(photo.mime), `detected as HEIC/HEIF (${photo.mime})`);

  const thumb = await tc.service.itemThumbnail(tc.session, photo.id);
  assert.equal(thumb.mime, 'image/webp');
  const decoded = await sharp(thumb.data).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([decoded.info.width, decoded.info.height], [64, 48], 'never enlarged');
  checkTiny(decoded.data, decoded.info.width, decoded.info.height, decoded.info.channels);
  assert.equal((await tc.service.itemThumbnail(tc.session, photo.id)).cached, true, 'kept in thumbs.db');
  const view = await tc.service.itemThumbnail(tc.session, photo.id, 'view');
  assert.equal((await sharp(view.data).metadata()).width, 64, `the view rendition (up to ${VIEW_PX} px)`);

  // A failure written before the engine had a HEIC decoder (no "libheif" in it) is tried again.
  const older = byName.get('IMG_0002.HEIC')!;
  const thumbs = new Database(join(tc.casePath, 'store', 'thumbs.db'));
  thumbs
    .prepare('INSERT OR REPLACE INTO thumbs (sha256, size, px, mime, data, error, made_at) VALUES (?, ?, 256, NULL, NULL, ?, ?)')
    .run(older.sha256, older.size, 'the image could not be decoded (Support for this compression format has not been built in: HEVC)', new Date().toISOString());
  thumbs.close();
  assert.equal((await tc.service.itemThumbnail(tc.session, older.id)).cached, false, 'made now');

  // A damaged photo: a plain failure naming the decoder, remembered (not decoded again on every scroll).
  const damaged = byName.get('IMG_0003.HEIC')!;
  await assert.rejects(tc.service.itemThumbnail(tc.session, damaged.id), (e: Error & { code?: string }) => e.code === 'USAGE' && /libheif/.test(e.message));
  const db = new Database(join(tc.casePath, 'store', 'thumbs.db'), { readonly: true });
  t.after(() => db.close());
  const row = db.prepare('SELECT error FROM thumbs WHERE sha256 = ?').get(damaged.sha256) as { error: string };
  assert.match(row.error, /libheif/);
});

test('a real iPhone HEIC decodes at full size while the engine thread keeps answering', async (t) => {
  const dir = samplesOrSkip(t, 'exif/heic/mobile');
  if (!dir) return;
  const bytes = readFileSync(join(dir, 'iphone_13_pro_max.HEIC'));
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  const img = await decodeHeif(bytes);
  const took = performance.now() - started;
  clearInterval(tick);
  assert.deepEqual([img.width, img.height], [3024, 4032], 'portrait, as the phone showed it');
  assert.ok(worst < Math.max(250, took / 4), `the thread stalled ${worst.toFixed(0)} ms during a ${took.toFixed(0)} ms decode`);
  t.diagnostic(`12 Mpx HEIC decoded in ${took.toFixed(0)} ms; longest pause of the engine thread ${worst.toFixed(0)} ms`);
});

test('video and audio are served as media with ranges, everything else as before', async (t) => {
  assert.equal(servedType('video/mp4'), 'video/mp4');
  assert.equal(servedType('video/quicktime'), 'video/quicktime');
  assert.equal(servedType('audio/mpeg'), 'audio/mpeg');
  assert.equal(servedType('audio/x-m4a'), 'audio/x-m4a');
  assert.equal(servedType('text/html'), 'application/octet-stream');
  assert.equal(servedType('image/svg+xml'), 'application/octet-stream');
  assert.equal(servedType('video/mp4; codecs="x"'), 'application/octet-stream', 'no parameters smuggled into the header');

  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  mkdirSync(src);
  copyFileSync(join(FIXTURES, 'tiny.mp4'), join(src, 'clip.mp4'));
  copyFileSync(TINY_HEIC, join(src, 'IMG_0001.HEIC'));
  await tc.service.ingest({ session: tc.session, exhibit: exhibitIn(tc.service, tc.session), sourcePath: src });
  const items = tc.service.listItems({ casePath: tc.casePath, kind: 'file' }).items;
  const clip = items.find((i) => i.name === 'clip.mp4')!;
  const photo = items.find((i) => i.name === 'IMG_0001.HEIC')!;
  const bytes = readFileSync(join(FIXTURES, 'tiny.mp4'));
  const r = await contentResponse(tc.service, new Request(`app://evidence/api/items/${clip.id}/content?session=${tc.session}`, { headers: { range: 'bytes=100-199' } }));
  assert.ok(r);
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-type'), 'video/mp4');
  assert.equal(r.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
  assert.equal(r.headers.get('content-security-policy'), "sandbox; default-src 'none'");
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes.subarray(100, 200));
  // The preview's HEIC rendition through the app:// door.
  const v = await contentResponse(tc.service, new Request(`app://evidence/api/items/${photo.id}/thumb?session=${tc.session}&size=view`));
  assert.equal(v?.status, 200);
  assert.equal(v?.headers.get('content-type'), 'image/webp');
  assert.equal((await sharp(Buffer.from(await v!.arrayBuffer())).metadata()).height, 48);
});

test('a thumbnail still being made when the case is closed: refused in plain words (its view cannot be recorded), no internal error', async (t) => {
  const tc = newCase(t);
  const src = join(tempDir(t), 'DCIM');
  mkdirSync(src, { recursive: true });
  copyFileSync(TINY_HEIC, join(src, 'IMG_0001.HEIC'));
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session) });
  const photo = tc.service.listItems({ casePath: tc.casePath, kind: 'file' }).items[0]!;
  // Asked, then the window closes the case before libheif has decoded it.
  const pending = tc.service.itemThumbnail(tc.session, photo.id);
  tc.service.close();
  await assert.rejects(pending, (e: Error & { code?: string }) => {
    assert.ok(e.code && e.code !== 'INTERNAL', `an engine error with its code, not ${e.name}: ${e.message}`);
    return true;
  });
});
