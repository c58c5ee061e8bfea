// One search box over the case (issue 14): besides the items' text, `search` lists the items the
// query names (a device path or file name, every term in it) or whose hash it is (MD5, SHA-1,
// SHA-256 or a SHA-256 prefix as the catalogue shows), with the same filters; listings carry the
// rows' tag ids (the chips on a row). Through the service and the CLI, on a real ingest.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JA_NOTICE } from '../fixtures/texts.ts';
import { TEST_PASSWORD } from '../setup.ts';
import { newCase, runCli, tempDir } from './helpers.ts';

const PHOTO = Buffer.from('not really a photo, but bytes with a hash of their own');

test('search finds names, device paths and hashes beside the text, with filters; rows carry their tag ids', async (t) => {
  const { service, casePath, session, officer } = newCase(t);
  const root = join(tempDir(t), 'export');
  mkdirSync(join(root, 'DCIM', '100APPLE'), { recursive: true });
  mkdirSync(join(root, 'Documents'), { recursive: true });
  writeFileSync(join(root, 'Documents', '未払い通知.txt'), JA_NOTICE);
  writeFileSync(join(root, 'Documents', 'other.txt'), 'nothing to see');
  writeFileSync(join(root, 'DCIM', '100APPLE', 'IMG_0042.bin'), PHOTO);
  service.addExhibit({ session, number: 'EXH-001' });
  await service.ingest({ session, sourcePath: root, exhibit: 'EXH-001' });

  // Japanese: the text hit and the file named after it.
  const ja = service.search({ session, query: '未払い' });
  assert.deepEqual(ja.hits.map((h) => h.path), ['Documents/未払い通知.txt']);
  assert.deepEqual(ja.named?.hits.map((h) => [h.path, h.field]), [['Documents/未払い通知.txt', 'path']]);
  const mark = ja.named!.hits[0]!.snippets[0]!;
  assert.equal(mark.text.slice(mark.hits[0]![0], mark.hits[0]![1]), '未払い');

  // A device path, case-insensitive, every term.
  const img = service.search({ session, query: 'dcim img_0042' });
  assert.equal(img.total, 0, 'no text holds it');
  assert.deepEqual(img.named?.hits.map((h) => h.path), ['DCIM/100APPLE/IMG_0042.bin']);

  // Hashes: whole SHA-256, its 16-digit prefix (as the catalogue shows it), MD5, SHA-1.
  const sha256 = createHash('sha256').update(PHOTO).digest('hex');
  for (const q of [sha256, sha256.slice(0, 16).toUpperCase(), createHash('md5').update(PHOTO).digest('hex'), createHash('sha1').update(PHOTO).digest('hex')]) {
    const r = service.search({ session, query: q });
    assert.deepEqual(r.named?.hits.map((h) => [h.path, h.field]), [['DCIM/100APPLE/IMG_0042.bin', 'hash']], q);
  }
  const byPrefix = service.search({ session, query: sha256.slice(0, 16) }).named!.hits[0]!.snippets[0]!;
  assert.deepEqual(byPrefix, { text: sha256, hits: [[0, 16]] });

  // The catalogue's filters apply: another exhibit finds nothing; a later page repeats no names.
  assert.equal(service.search({ session, query: 'IMG_0042', exhibit: 'EXH-404' }).named?.total, 0);
  assert.equal(service.search({ session, query: 'txt', offset: 1 }).named, undefined);

  // Rows carry their tags (the chips), only when they have some.
  const id = img.named!.hits[0]!.id;
  assert.equal(service.listItems({ casePath }).items.some((r) => r.tagIds), false);
  service.tagItems({ session, tag: 'premises-photo', ids: [id] });
  const rows = service.listItems({ casePath }).items;
  assert.deepEqual(rows.find((r) => r.id === id)?.tagIds, ['premises-photo']);
  assert.equal(rows.filter((r) => r.tagIds).length, 1);
  assert.deepEqual(service.search({ session, query: 'IMG_0042' }).named?.hits[0]?.tags, ['premises-photo']);

  // The CLI prints the same list.
  const pw = join(tempDir(t), 'pw');
  writeFileSync(pw, TEST_PASSWORD);
  const cli = await runCli(['search', casePath, sha256.slice(0, 16), '--officer', officer, '--password-file', pw]);
  assert.equal(cli.code, 0, cli.err);
  assert.match(cli.out, /In names, paths and hashes: 1 item\(s\)/);
  assert.match(cli.out, new RegExp(`${id}  DCIM/100APPLE/IMG_0042\\.bin  \\(EXH-001\\)  \\[premises-photo\\]`));
  assert.match(cli.out, new RegExp(`hash «${sha256.slice(0, 16)}»${sha256.slice(16)}`));
});
