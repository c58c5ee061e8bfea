// Device exports through the CLI (its `main`, in this process), end to end: an iPhone backup
// folder (plain and encrypted), a Cellebrite UFDR (report facts on the items, the report's wrong
// MD5 flagged as a mismatch) and Android .ab files (compressed, uncompressed, encrypted), alone
// and inside a folder as a lab USB drive holds them.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  tempDir as fixtureDir,
  makeAndroidBackups,
  makeEncryptedIosBackup,
  makeIosBackup,
  makeUfdr,
  md5Hex,
  sha256Hex,
} from '../fixtures/devices.ts';

import { main } from '../../src/cli/main.ts';
import { recordExhibitAt } from './helpers.ts';

// The officer signs in for evidence work: one known password, and a low scrypt cost so the
// sign-ins stay cheap (as test/setup.ts does for the other tests; set here too so this file runs
// on its own).
process.env.EVIDENCE_PASSWORD ??= 'test-password-1234';
process.env.EVIDENCE_NEW_PASSWORD ??= process.env.EVIDENCE_PASSWORD;
process.env.EVIDENCE_TO_PASSWORD ??= process.env.EVIDENCE_PASSWORD;
process.env.EVIDENCE_SCRYPT_N ??= String(2 ** 14);

function tempDir(t: TestContext): string {
  const dir = fixtureDir('ingest-devices');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'evidence', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Item {
  id: number;
  path: string;
  kind: string;
  size: number | null;
  sha256: string | null;
  md5?: string | null;
  mtime: string | null;
  error: string | null;
  issues: { severity: 'problem' | 'notice'; code: string; message: string }[];
  extra?: Record<string, unknown> | null;
}

async function newCase(dir: string): Promise<string> {
  const casePath = join(dir, 'case');
  const r = await cli(['case', 'init', casePath, '--name', 'Operation Harbour', '--number', 'KH-2026-0007', '--officer', 'DS Lim']);
  assert.equal(r.code, 0, r.err);
  return casePath;
}

async function ingest(casePath: string, source: string, exhibit: string): Promise<string> {
  recordExhibitAt(casePath, exhibit, 'DS Lim');
  const r = await cli(['ingest', casePath, source, '--exhibit', exhibit, '--officer', 'DS Lim']);
  assert.equal(r.code, 0, `ingest ${source}: ${r.err}\n${r.out}`);
  return r.out;
}

async function items(casePath: string, exhibit: string): Promise<Item[]> {
  const r = await cli(['ls', casePath, '--exhibit', exhibit, '--limit', '100000', '--json']);
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as { items: Item[] }).items;
}

/** `show --json` of one item; its reader facts (`extra`) from the catalogue if show omits them. */
async function show(casePath: string, id: number): Promise<Item> {
  const r = await cli(['show', casePath, String(id), '--json']);
  assert.equal(r.code, 0, r.err);
  const item = JSON.parse(r.out) as Item;
  if (item.extra === undefined) {
    const db = new Database(join(casePath, 'case.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT extra FROM items WHERE id = ?').get(id) as { extra: string | null } | undefined;
      item.extra = row?.extra ? (JSON.parse(row.extra) as Record<string, unknown>) : null;
    } finally {
      db.close();
    }
  }
  return item;
}

function find(list: Item[], path: string): Item {
  const it = list.find((i) => i.path === path);
  assert.ok(it, `no item ${path}; have:\n${list.map((i) => i.path).join('\n')}`);
  return it;
}

test('iPhone backup folder: domain paths, blob times, fileID, missing and unlisted files', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const casePath = await newCase(dir);
  // Manifest.db in WAL mode with its rows still in Manifest.db-wal: read with it.
  const fx = makeIosBackup(join(dir, 'exports'), { pendingWal: true });
  const out = await ingest(casePath, fx.root, 'EXH-IOS');
  // Missing from the backup and a fileID mismatch are problems; a file the manifest does not list is a notice (issue 12 item 4).
  assert.match(out, /problems: +2/);
  assert.match(out, /notices: +1 /);
  const list = await items(casePath, 'EXH-IOS');

  const sms = fx.files.find((f) => f.relativePath === 'Library/SMS/sms.db')!;
  const smsItem = find(list, 'HomeDomain/Library/SMS/sms.db');
  assert.equal(smsItem.sha256, sha256Hex(sms.data!));
  assert.equal(smsItem.mtime, new Date(sms.mtime * 1000).toISOString());
  const full = await show(casePath, smsItem.id);
  assert.equal(full.extra?.['fileID'], sms.fileID);
  assert.equal(full.extra?.['hashedPath'], `${sms.fileID.slice(0, 2)}/${sms.fileID}`);
  assert.equal(full.extra?.['fileIdOk'], true);

  const jpg = fx.files.find((f) => f.relativePath.endsWith('IMG_0001.JPG'))!;
  assert.equal(find(list, 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG').sha256, sha256Hex(jpg.data!));

  assert.match(find(list, 'HomeDomain/Library/Notes/notes.sqlite').error ?? '', /fileID does not match SHA-1/);
  const missing = find(list, 'MediaDomain/Library/SMS/Attachments/ab/00/IMG_9999.HEIC');
  assert.match(missing.error ?? '', /listed in Manifest\.db but missing from the backup/);
  assert.equal(missing.sha256, null);
  const [u] = fx.unlisted;
  const unlisted = find(list, `unlisted/${u!.hashedPath}`);
  // A file the manifest does not list is a notice (a fact to look at), not a failure to read.
  assert.equal(unlisted.error, null);
  assert.deepEqual(unlisted.issues.map((i) => [i.severity, i.code]), [['notice', 'unlisted-in-manifest']]);
  assert.match(unlisted.issues[0]!.message, /not listed in Manifest\.db/);
  assert.equal(unlisted.sha256, sha256Hex(u!.data));
  assert.equal(find(list, 'HomeDomain/Library/SMS/Attachments').kind, 'symlink');
  // The backup's own files under their real names.
  assert.equal(find(list, 'Manifest.db').sha256, sha256Hex(readFileSync(join(fx.root, 'Manifest.db'))));
  assert.equal(find(list, 'Manifest.db-wal').sha256, sha256Hex(readFileSync(join(fx.root, 'Manifest.db-wal'))));
  assert.ok(find(list, 'Info.plist').sha256);
});

test('encrypted iPhone backup: catalogued by hashed name with one notice', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const casePath = await newCase(dir);
  const fx = makeEncryptedIosBackup(join(dir, 'exports'));
  const out = await ingest(casePath, fx.root, 'EXH-ENC');
  assert.match(out, /encrypted backup: Manifest\.db is encrypted, files catalogued by hashed name only/);
  const list = await items(casePath, 'EXH-ENC');
  for (const h of fx.hashed) assert.equal(find(list, h.path).sha256, sha256Hex(h.data));
  // The one notice is not a problem (issue 12 item 4).
  assert.equal(list.filter((i) => i.issues.some((x) => x.severity === 'notice')).length, 1);
  assert.equal(list.filter((i) => i.error).length, 0);
  assert.match(out, /problems: +0/);
});

test('UFDR: report facts on the items, a wrong MD5 in the report flagged on its item', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const casePath = await newCase(dir);
  const fx = makeUfdr(join(dir, 'exports'));
  await ingest(casePath, fx.path, 'EXH-UFDR');
  const list = await items(casePath, 'EXH-UFDR');
  const base = 'Exhibit7.ufdr!/';

  const img = fx.files[0]!;
  const imgItem = find(list, base + 'private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG');
  assert.equal(imgItem.sha256, sha256Hex(img.data));
  assert.equal(imgItem.error, null, 'matching report hashes raise nothing');
  const imgFull = await show(casePath, imgItem.id);
  assert.equal(imgFull.extra?.['devicePath'], img.devicePath);
  assert.deepEqual(imgFull.extra?.['deviceTimestamps'], Object.fromEntries(img.times.map((x) => [x.name, x.value])));
  assert.equal(imgFull.extra?.['reportId'], img.id);

  const wrong = fx.files.find((f) => f.md5Override)!;
  const wrongItem = find(list, base + 'private/var/mobile/Documents/wrong-hash.txt');
  assert.match(wrongItem.error ?? '', /hash mismatch/);
  assert.ok(wrongItem.error!.includes(wrong.md5Override!), wrongItem.error!);
  assert.ok(wrongItem.error!.includes(md5Hex(wrong.data)), 'the computed MD5 is shown beside the reported one');
  assert.equal(wrongItem.sha256, sha256Hex(wrong.data));

  // Hashes recorded in the MetaData section are compared too (they match here).
  assert.equal(find(list, base + 'files/Text/passwd.txt').error, null);
  assert.match(find(list, base + 'private/var/mobile/Media/Recordings/missing.m4a').error ?? '', /listed in report\.xml but missing from the UFDR/);
  // The UFDR itself is an item with its own hashes (what was received).
  assert.equal(find(list, 'Exhibit7.ufdr').sha256, sha256Hex(fx.bytes));

  // The examiner's view: the device path is the item's path, found by `ls --path Downloads`;
  // the report's times are the item's times, and `show` says where they came from.
  const r = await cli(['ls', casePath, '--path', 'Downloads', '--json']);
  assert.equal(r.code, 0, r.err);
  const hits = (JSON.parse(r.out) as { items: Item[] }).items;
  assert.deepEqual(hits.map((i) => i.path), [base + 'private/var/mobile/Downloads/wallets.txt']);
  const wallets = fx.files.find((f) => f.id === 'f-0007')!;
  const w = hits[0]!;
  assert.equal(w.sha256, sha256Hex(wallets.data));
  assert.equal(w.mtime, '2024-10-02T07:15:30.000Z');
  const wFull = await show(casePath, w.id);
  assert.equal(wFull.extra?.['foundAt'], 'files/Text/wallets.txt');
  const text = await cli(['show', casePath, String(w.id)]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /times from: extraction report/);
  assert.match(text.out, /born: +2024-10-01T06:00:00\.000Z/);
  assert.match(text.out, /accessed: +2024-10-03T10:00:00\.000Z/);
  assert.match(text.out, /found at: +files\/Text\/wallets\.txt/);
  assert.match(text.out, /on device: DELETED/);
  // The custody chain still verifies over the device paths and times.
  const v = await cli(['custody', 'verify', casePath]);
  assert.equal(v.code, 0, `${v.err}\n${v.out}`);
});

test('Android backups: compressed and not give the same members; encrypted is catalogued as such', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const casePath = await newCase(dir);
  const fx = await makeAndroidBackups(join(dir, 'exports'));
  await ingest(casePath, fx.compressed, 'EXH-AB1');
  await ingest(casePath, fx.plain, 'EXH-AB2');
  const a = await items(casePath, 'EXH-AB1');
  const b = await items(casePath, 'EXH-AB2');
  for (const m of fx.members.filter((x) => x.type !== 'directory')) {
    const ia = find(a, `compressed.ab!/${m.name}`);
    const ib = find(b, `plain.ab!/${m.name}`);
    assert.equal(ia.sha256, sha256Hex(m.data!));
    assert.equal(ib.sha256, ia.sha256);
    assert.equal(ia.error, null);
  }
  const out = await ingest(casePath, fx.encrypted, 'EXH-AB3');
  assert.match(out, /encrypted Android backup \(AES-256\): catalogued as such, not decrypted/);
  const c = await items(casePath, 'EXH-AB3');
  const container = find(c, 'encrypted.ab');
  assert.ok(container.sha256, 'the encrypted backup itself is hashed');
  assert.equal(c.filter((i) => i.path.startsWith('encrypted.ab!/') && i.sha256).length, 0, 'nothing decrypted');
});

test('a lab USB folder holding a UFDR and an .ab: each container opened', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const casePath = await newCase(dir);
  const usb = join(dir, 'usb');
  mkdirSync(join(usb, 'cellebrite'), { recursive: true });
  mkdirSync(join(usb, 'android'), { recursive: true });
  const ufdr = makeUfdr(join(dir, 'src-ufdr'));
  const ab = await makeAndroidBackups(join(dir, 'src-ab'));
  copyFileSync(ufdr.path, join(usb, 'cellebrite', 'Exhibit7.ufdr'));
  copyFileSync(ab.compressed, join(usb, 'android', 'phone.ab'));
  await ingest(casePath, usb, 'EXH-USB');
  const list = await items(casePath, 'EXH-USB');
  assert.match(find(list, 'cellebrite/Exhibit7.ufdr!/private/var/mobile/Documents/wrong-hash.txt').error ?? '', /hash mismatch/);
  const sms = find(list, 'cellebrite/Exhibit7.ufdr!/private/var/mobile/Library/SMS/sms.db');
  assert.equal((await show(casePath, sms.id)).extra?.['devicePath'], '/private/var/mobile/Library/SMS/sms.db');
  const photo = ab.members.find((m) => m.name.endsWith('photo.jpg'))!;
  assert.equal(find(list, 'android/phone.ab!/apps/com.example.chat/f/photo.jpg').sha256, sha256Hex(photo.data!));
});
