// Thumbnails for report.html (bundle/thumbnails.ts): real photos ingested into a real case, made
// small (at most 256 px, WebP) from the case store, embedded as data: URIs the report accepts;
// non-images and undecodable images get none, and the total is bounded.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { isSafeImageDataUri } from '../../src/core/bundle/report.ts';
import { reportThumbnails } from '../../src/core/bundle/thumbnails.ts';
import { Case } from '../../src/core/case.ts';
import { newCase, samplesOrSkip, tempDir, exhibitIn } from './helpers.ts';

test('report thumbnails: bounded WebP data: URIs of the exported images, none for other files', async (t) => {
  const samples = samplesOrSkip(t, 'exif/jpg');
  if (!samples) return;
  const tc = newCase(t);
  const src = join(tempDir(t), 'phone');
  mkdirSync(src);
  copyFileSync(join(samples, 'Canon_40D.jpg'), join(src, 'a.jpg'));
  copyFileSync(join(samples, 'gps', 'DSCN0010.jpg'), join(src, 'b.jpg'));
  writeFileSync(join(src, 'broken.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]));
  writeFileSync(join(src, 'note.txt'), 'not an image\n');
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session, 'EXH-001'), workers: 1 });
  const { items } = tc.service.listItems({ casePath: tc.casePath, kind: 'file', limit: 100 });
  const id = (name: string): number => items.find((i) => i.name === name)!.id;
  const kase = Case.open(tc.casePath);
  t.after(() => kase.close());
  const req = items.map((i) => ({ id: i.id, mime: i.mime }));

  const all = await reportThumbnails(kase, req);
  assert.deepEqual([...all.uris.keys()].sort(), [id('a.jpg'), id('b.jpg')].sort());
  for (const uri of all.uris.values()) {
    assert.ok(uri.startsWith('data:image/webp;base64,'));
    assert.ok(isSafeImageDataUri(uri), 'the report accepts it');
    const meta = await sharp(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64')).metadata();
    assert.equal(meta.format, 'webp');
    assert.ok(Math.max(meta.width!, meta.height!) <= 256, `${meta.width}x${meta.height}`);
  }
  assert.deepEqual(all.failed.map((f) => f.id), items.find((i) => i.name === 'broken.jpg')?.mime?.startsWith('image/') ? [id('broken.jpg')] : []);
  assert.ok(!all.uris.has(id('broken.jpg')), 'an undecodable image gets no thumbnail');
  assert.equal(all.omittedForSize, 0);
  assert.ok(!all.uris.has(id('note.txt')));

  // The bound: with room for about one thumbnail, the rest are counted as omitted, not made.
  const first = all.uris.get(id('a.jpg'))!;
  const oneSize = Buffer.from(first.slice(first.indexOf(',') + 1), 'base64').length;
  const bounded = await reportThumbnails(kase, req.filter((r) => r.id === id('a.jpg') || r.id === id('b.jpg')), oneSize);
  assert.equal(bounded.uris.size, 1);
  assert.equal(bounded.omittedForSize, 1);
});
