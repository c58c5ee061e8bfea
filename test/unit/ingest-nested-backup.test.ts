// A lab USB drive: a folder holding an iPhone backup folder among other files. The backup is
// opened as a backup (files under their real domain/relativePath, '!/' after the backup folder),
// not catalogued as opaque hashed names, unless --no-expand.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeIosBackup } from '../fixtures/devices.ts';
import { newCase, tempDir, exhibitIn } from './helpers.ts';

test('an iPhone backup folder inside a folder export is opened as a backup', async (t) => {
  const usb = join(tempDir(t), 'usb');
  mkdirSync(join(usb, 'backups'), { recursive: true });
  writeFileSync(join(usb, 'readme.txt'), 'lab usb drive\n');
  const backup = makeIosBackup(join(usb, 'backups', 'iphone'));
  const c = newCase(t);
  const s = await c.service.ingest({ session: c.session, sourcePath: usb, exhibit: exhibitIn(c.service, c.session, 'EXH-001') });
  assert.equal(s.status, 'finished');
  const all = c.service.listItems({ casePath: c.casePath, limit: 1000 }).items;
  const backupDir = all.find((i) => i.kind === 'dir' && i.path.endsWith('!/HomeDomain'));
  assert.ok(backupDir, 'domains appear under the backup folder with !/');
  const prefix = backupDir.path.slice(0, backupDir.path.indexOf('!/'));
  const sms = all.find((i) => i.path === `${prefix}!/HomeDomain/Library/SMS/sms.db`);
  assert.ok(sms, 'sms.db under its real domain/relativePath');
  assert.equal(sms.mime, 'application/x-sqlite3');
  // No file of the backup is catalogued a second time under its hashed name.
  assert.ok(!all.some((i) => i.kind === 'file' && /\/[0-9a-f]{2}\/[0-9a-f]{40}$/.test(i.path) && !i.path.includes('!/')));
  const folder = c.service.listItems({ casePath: c.casePath, pathContains: prefix, kind: 'dir', limit: 10 }).items.find((i) => i.path === prefix);
  assert.ok(folder);
  assert.ok(backup.files.length > 0);
  assert.ok(all.some((i) => i.path === 'readme.txt' && i.sha256));
});

test('--no-expand catalogues the backup folder as plain files', async (t) => {
  const usb = join(tempDir(t), 'usb');
  makeIosBackup(join(usb, 'iphone'));
  const c = newCase(t);
  await c.service.ingest({ session: c.session, exhibit: exhibitIn(c.service, c.session), sourcePath: usb, expand: false });
  const all = c.service.listItems({ casePath: c.casePath, limit: 1000 }).items;
  assert.ok(!all.some((i) => i.path.includes('!/')), 'nothing opened');
  assert.ok(all.some((i) => i.path.endsWith('/Manifest.db')));
});
