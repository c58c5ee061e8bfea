// Previews check the stored bytes against the item's recorded SHA-256 (src/core/preview/intact.ts):
// a stored copy changed on disk after ingest is refused with STORE_ALTERED by the browser host's
// content route and by the Electron app:// handler (never shown), its thumbnail too (even one cached
// before the change); an intact copy is served, in ranges, a large file hashed once for all its ranges.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileHashCount } from '../../src/core/preview/intact.ts';
import { startHost } from '../../src/host/server.ts';
import { contentResponse } from '../../src/main/contentProtocol.ts';
import { exifJpeg } from '../fixtures/images.ts';
import { TOKYO } from '../fixtures/tree.ts';
import { exhibitIn, newCase, tempDir } from './helpers.ts';

const storeFile = (casePath: string, sha: string): string => join(casePath, 'store', sha.slice(0, 2), sha.slice(2, 4), sha);

/** Overwrites a read-only store file with `data`, keeping its size and (if asked) its times. */
function overwrite(path: string, data: Buffer, keepTimes = true): void {
  const st = statSync(path);
  chmodSync(path, 0o600);
  writeFileSync(path, data);
  chmodSync(path, 0o400);
  if (keepTimes) utimesSync(path, st.atime, st.mtime);
}

test('an altered stored copy is refused by the content routes and thumbnails; an intact one is served, in ranges', async (t) => {
  const tc = newCase(t);
  const root = tempDir(t, 'evidence-intact-');
  const src = join(root, 'export');
  mkdirSync(src);
  const photo = exifJpeg(TOKYO, 'IMG_0001'); // small: a blob in store/objects.db
  // Large enough to be a file under store/ab/cd/ (over 256 KiB): a JPEG with bytes after its end.
  const bigPhoto = Buffer.concat([exifJpeg(TOKYO, 'IMG_0002'), Buffer.alloc(400_000, 0x20)]);
  const video = Buffer.alloc(3_000_000);
  for (let i = 0; i < video.length; i++) video[i] = (i * 31) & 0xff;
  writeFileSync(join(src, 'IMG_0001.JPG'), photo);
  writeFileSync(join(src, 'IMG_0002.JPG'), bigPhoto);
  writeFileSync(join(src, 'clip.bin'), video);
  await tc.service.ingest({ session: tc.session, sourcePath: src, exhibit: exhibitIn(tc.service, tc.session) });
  const items = tc.service.listItems({ casePath: tc.casePath, kind: 'file' }).items;
  const byName = (n: string) => items.find((i) => i.name === n)!;
  const [small, big, clip] = [byName('IMG_0001.JPG'), byName('IMG_0002.JPG'), byName('clip.bin')];

  const host = await startHost({ service: tc.service, rendererRoot: join(root, 'renderer'), dataDir: join(root, 'data'), browseRoot: root });
  t.after(() => host.close());
  const url = (id: number, what = 'content') => `${host.origin}/api/items/${id}/${what}?session=${tc.session}&token=${host.token}`;
  const refusal = async (res: Response): Promise<{ status: number; code: string; message: string }> => {
    const body = (await res.json()) as { error: { code: string; message: string } };
    return { status: res.status, ...body.error };
  };

  // Intact: served whole, in ranges; the large file is hashed once for all its ranges.
  assert.deepEqual(Buffer.from(await (await fetch(url(small.id))).arrayBuffer()), photo);
  const hashesBefore = fileHashCount();
  const whole = await fetch(url(clip.id));
  assert.equal(whole.status, 200);
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), video);
  for (const [a, b] of [[0, 99], [1_000_000, 1_000_999], [2_999_000, 2_999_999]] as const) {
    const r = await fetch(url(clip.id), { headers: { range: `bytes=${a}-${b}` } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes ${a}-${b}/${video.length}`);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), video.subarray(a, b + 1));
  }
  assert.equal(fileHashCount() - hashesBefore, 1, 'one whole-file hash for the whole and three ranges');
  for (const it of [small, big]) assert.equal((await fetch(url(it.id, 'thumb'))).status, 200, `thumbnail of ${it.name}`);

  // A file altered on disk with its size and modification time kept (only its ctime moves).
  const clipPath = storeFile(tc.casePath, clip.sha256!);
  const altered = Buffer.from(video);
  altered[1_500_000] = altered[1_500_000]! ^ 0xff;
  overwrite(clipPath, altered);
  for (const range of [undefined, 'bytes=0-99', 'bytes=1500000-1500009']) {
    const r = await refusal(await fetch(url(clip.id), range ? { headers: { range } } : {}));
    assert.equal(r.code, 'STORE_ALTERED', `range ${range ?? 'none'}`);
    assert.equal(r.status, 400);
    assert.match(r.message, new RegExp(`item ${clip.id} does not match its recorded SHA-256.*Run Verify`));
  }
  // The Electron app:// handler refuses it the same way.
  const viaProtocol = await contentResponse(tc.service, new Request(`app://evidence/api/items/${clip.id}/content?session=${tc.session}`));
  assert.equal((await refusal(viaProtocol!)).code, 'STORE_ALTERED');
  // Put back: served again (the file's new state is hashed afresh).
  overwrite(clipPath, video);
  assert.deepEqual(Buffer.from(await (await fetch(url(clip.id), { headers: { range: 'bytes=1500000-1500009' } })).arrayBuffer()), video.subarray(1_500_000, 1_500_010));

  // A truncated file: refused without hashing (its size is not the recorded size).
  const bigPath = storeFile(tc.casePath, big.sha256!);
  overwrite(bigPath, bigPhoto.subarray(0, bigPhoto.length - 10), false);
  const hashes = fileHashCount();
  assert.equal((await refusal(await fetch(url(big.id)))).code, 'STORE_ALTERED');
  assert.equal(fileHashCount(), hashes);
  // Its thumbnail was cached while intact; it is not shown now.
  assert.equal((await refusal(await fetch(url(big.id, 'thumb')))).code, 'STORE_ALTERED');

  // A blob altered in store/objects.db: content and the cached thumbnail are refused.
  const objects = new Database(join(tc.casePath, 'store', 'objects.db'));
  const changed = Buffer.from(photo);
  changed[changed.length - 3] = changed[changed.length - 3]! ^ 0x01;
  objects.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(changed, small.sha256);
  objects.close();
  assert.equal((await refusal(await fetch(url(small.id)))).code, 'STORE_ALTERED');
  assert.equal((await refusal(await fetch(url(small.id, 'thumb')))).code, 'STORE_ALTERED');
  assert.equal((await refusal(await fetch(url(small.id, 'thumb')))).code, 'STORE_ALTERED', 'and not remembered as undecodable');

  // Thumbnails made before the check existed (checked = 0) are made again, not trusted.
  const thumbs = new Database(join(tc.casePath, 'store', 'thumbs.db'));
  assert.deepEqual(thumbs.prepare('SELECT DISTINCT checked FROM thumbs WHERE data IS NOT NULL').all(), [{ checked: 1 }]);
  assert.equal((thumbs.prepare("SELECT count(*) AS n FROM thumbs WHERE error LIKE '%decoded%'").get() as { n: number }).n, 0);
  thumbs.close();
  assert.ok(readFileSync(clipPath).equals(video));
});
