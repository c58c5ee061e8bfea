// iPhone backup reader: Manifest.db entries under domain/relativePath with the MBFile facts,
// the fileID check, missing and unlisted files, encrypted and old-format backups, device info,
// and hostile manifests (paths are text only, nothing followed, nothing written beside it).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  ENCRYPTED_NOTICE,
  FILEID_ERROR,
  MISSING_ERROR,
  UNLISTED_NOTICE,
  decodeMbFile,
  iosBackupEntries,
  iosBackupInfo,
  isIosBackup,
} from '../../src/core/sources/iosBackup.ts';
import { PlistError, PlistUid, parseBinaryPlist, parsePlist, parseXmlPlist, unarchive } from '../../src/core/sources/plist.ts';
import { DEFAULT_LIMITS, type SourceEntry } from '../../src/core/sources/types.ts';
import { makeEncryptedIosBackup, makeIosBackup, mbFileBlob, tempDir as fixtureDir, Uid, writeBinaryPlist, writeXmlPlist } from '../fixtures/devices.ts';

function tempDir(t: TestContext): string {
  const dir = fixtureDir('ios-test');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(root: string, limits = DEFAULT_LIMITS): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  for await (const e of iosBackupEntries(root, { limits })) out.push(e);
  return out;
}

function byPath(entries: SourceEntry[], path: string): SourceEntry {
  const e = entries.find((x) => x.path === path);
  assert.ok(e, `no entry ${path}; have ${entries.map((x) => x.path).join(', ')}`);
  return e;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const fsPathOf = (e: SourceEntry): string => {
  assert.equal(e.content?.type, 'file');
  return Buffer.from((e.content as { fsPath: Uint8Array }).fsPath).toString();
};

test('plist: binary and XML plists parse to the same values', () => {
  const value = { s: 'text', u: 'café ✓', i: 42, big: 5_000_000_000, neg: -7, f: 1.5, t: true, n: false, d: new Date('2025-01-02T03:04:05Z'), data: Buffer.from([1, 2, 3]), arr: [1, 'two', [3]], dict: { k: 'v' } };
  for (const parsed of [parsePlist(writeBinaryPlist(value)), parsePlist(Buffer.from(writeXmlPlist(value)))]) {
    const p = parsed as Record<string, unknown>;
    assert.equal(p['s'], 'text');
    assert.equal(p['u'], 'café ✓');
    assert.equal(p['i'], 42);
    assert.equal(p['big'], 5_000_000_000);
    assert.equal(p['neg'], -7);
    assert.equal(p['f'], 1.5);
    assert.equal(p['t'], true);
    assert.equal(p['n'], false);
    assert.equal((p['d'] as Date).toISOString(), '2025-01-02T03:04:05.000Z');
    assert.deepEqual([...(p['data'] as Uint8Array)], [1, 2, 3]);
    assert.deepEqual(p['arr'], [1, 'two', [3]]);
    assert.equal((p['dict'] as Record<string, unknown>)['k'], 'v');
  }
});

test('plist: malformed binary plists fail with PlistError, never hang or crash', () => {
  const good = writeBinaryPlist({ a: [1, 2, 3], b: 'x' });
  // Truncated at every length.
  for (let n = 0; n < good.length; n++) assert.throws(() => parseBinaryPlist(good.subarray(0, n)), PlistError);
  // A self-referencing array (cycle): one object, an array whose only element is itself.
  const cyc = Buffer.concat([
    Buffer.from('bplist00', 'latin1'),
    Buffer.from([0xa1, 0x00]), // array of 1, ref -> object 0
    Buffer.from([0x08]), // offset table: object 0 at 8
    Buffer.from([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10]),
  ]);
  assert.throws(() => parseBinaryPlist(cyc), /cycle/);
  // Random corruption of the object area: either parses or throws PlistError.
  for (let i = 8; i < good.length - 32; i++) {
    const bad = Buffer.from(good);
    bad[i] = bad[i]! ^ 0xff;
    try {
      parseBinaryPlist(bad);
    } catch (err) {
      assert.ok(err instanceof PlistError, String(err));
    }
  }
  assert.throws(() => parseXmlPlist('<plist><dict><key>a</key><string>x</dict></plist>'), PlistError);
  assert.throws(() => parsePlist(Buffer.from('not a plist')), PlistError);
});

test('plist: NSKeyedArchiver MBFile decodes with UIDs resolved', () => {
  const blob = mbFileBlob({ size: 1234, mode: 0o100644, mtime: 1_700_000_000, ctime: 1_700_000_001, birth: 1_600_000_000, relativePath: 'Library/a.db', inode: 77, uid: 501, gid: 20 });
  const raw = parsePlist(blob) as Record<string, unknown>;
  assert.equal(raw['$archiver'], 'NSKeyedArchiver');
  assert.ok((raw['$top'] as Record<string, unknown>)['root'] instanceof PlistUid);
  const obj = unarchive(raw as never) as Record<string, unknown>;
  assert.equal(obj['$class'], 'MBFile');
  assert.equal(obj['RelativePath'], 'Library/a.db');
  const mb = decodeMbFile(blob);
  assert.deepEqual(
    { size: mb.size, mode: mb.mode, uid: mb.uid, gid: mb.gid, inode: mb.inode, mtime: mb.mtime, ctime: mb.ctime, birthtime: mb.birthtime },
    { size: 1234, mode: 0o100644, uid: 501, gid: 20, inode: '77', mtime: '2023-11-14T22:13:20.000Z', ctime: '2023-11-14T22:13:21.000Z', birthtime: '2020-09-13T12:26:40.000Z' },
  );
  // A cyclic archive is refused.
  const cyc = writeBinaryPlist({ $archiver: 'NSKeyedArchiver', $top: { root: new Uid(1) }, $objects: ['$null', { next: new Uid(1) }] });
  assert.throws(() => unarchive(parsePlist(cyc)), /cycle/);
});

test('isIosBackup and iosBackupInfo: device facts from Info.plist and Manifest.plist', (t) => {
  const fx = makeIosBackup(tempDir(t));
  assert.equal(isIosBackup(fx.root), true);
  assert.equal(isIosBackup(join(fx.root, 'ff')), false);
  const info = iosBackupInfo(fx.root);
  assert.equal(info.format, 'manifest.db');
  assert.equal(info.encrypted, false);
  assert.equal(info.deviceName, fx.device.deviceName);
  assert.equal(info.productType, fx.device.productType);
  assert.equal(info.serialNumber, fx.device.serialNumber);
  assert.equal(info.imei, fx.device.imei);
  assert.equal(info.phoneNumber, fx.device.phoneNumber);
  assert.equal(info.lastBackupDate, fx.device.lastBackupDate.toISOString());
  assert.equal(info.productVersion, '17.4');
  assert.equal(info.manifestVersion, '10.0');
  assert.equal(info.wasPasscodeSet, true);
  assert.deepEqual(info.problems, []);
});

test('files appear under domain/relativePath with size, mode and times from the file blob', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  const entries = await collect(fx.root);
  for (const f of fx.files.filter((x) => x.flags === 1 && !x.missing)) {
    const e = byPath(entries, `${f.domain}/${f.relativePath}`);
    assert.equal(e.kind, 'file');
    assert.equal(e.size, f.data!.length);
    assert.equal(e.mode, f.mode);
    assert.equal(e.uid, 501);
    assert.equal(e.mtime, new Date(f.mtime * 1000).toISOString());
    assert.equal(e.ctime, new Date(f.ctime * 1000).toISOString());
    assert.equal(e.birthtime, new Date(f.birth * 1000).toISOString());
    assert.equal(e.atime, null);
    assert.equal(e.name, f.relativePath.split('/').pop());
    // The bytes come from the hashed file, <fileID[0:2]>/<fileID>.
    const p = fsPathOf(e);
    assert.equal(p, join(fx.root, f.fileID.slice(0, 2), f.fileID));
    assert.equal(sha256(readFileSync(p)), sha256(f.data!));
    assert.deepEqual(
      { ...e.extra },
      {
        fileID: f.fileID,
        domain: f.domain,
        relativePath: f.relativePath,
        hashedPath: `${f.fileID.slice(0, 2)}/${f.fileID}`,
        flags: 1,
        fileIdOk: !f.wrongFileId,
        protectionClass: 3,
      },
    );
    assert.equal(e.error, f.wrongFileId ? FILEID_ERROR : null);
  }
  const sms = byPath(entries, 'HomeDomain/Library/SMS/sms.db');
  const db = new Database(readFileSync(fsPathOf(sms)));
  assert.equal((db.prepare('SELECT count(*) AS n FROM message').get() as { n: number }).n, 2);
  db.close();
  // Non-ASCII relative paths are kept as text.
  byPath(entries, 'HomeDomain/Documents/café notes.txt');
  byPath(entries, 'CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG');
});

test('directories, the domain root and symlinks: recorded from Manifest.db, no content', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  const entries = await collect(fx.root);
  const home = byPath(entries, 'HomeDomain');
  assert.equal(home.kind, 'dir');
  assert.equal(home.content, null);
  assert.equal(home.mode, 0o40755);
  assert.equal(byPath(entries, 'HomeDomain/Library').kind, 'dir');
  const link = byPath(entries, 'HomeDomain/Library/SMS/Attachments');
  assert.equal(link.kind, 'symlink');
  assert.equal(link.linkTarget, '/private/var/mobile/Library/SMS/Attachments-real');
  assert.equal(link.content, null);
  assert.equal(link.error, null);
  assert.equal(link.extra?.['flags'], 4);
});

test('fileID check, listed-but-missing and unlisted files', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  const entries = await collect(fx.root);
  const forged = byPath(entries, 'HomeDomain/Library/Notes/notes.sqlite');
  assert.equal(forged.error, FILEID_ERROR);
  assert.equal(forged.extra?.['fileIdOk'], false);
  assert.ok(forged.content, 'a forged fileID is still read from where the manifest points');

  const missing = byPath(entries, 'MediaDomain/Library/SMS/Attachments/ab/00/IMG_9999.HEIC');
  assert.equal(missing.error, MISSING_ERROR);
  assert.equal(missing.content, null);
  assert.equal(missing.size, 'never written'.length, 'the size the manifest records is kept');

  const [u] = fx.unlisted;
  const extra = byPath(entries, `unlisted/${u!.hashedPath}`);
  assert.equal(extra.error, UNLISTED_NOTICE);
  assert.equal(extra.kind, 'file');
  assert.equal(sha256(readFileSync(fsPathOf(extra))), sha256(u!.data));
  assert.equal(extra.extra?.['hashedPath'], u!.hashedPath);

  // Nothing else is unlisted: every hashed file that Manifest.db lists is matched.
  const unlisted = entries.filter((e) => e.path.startsWith('unlisted/'));
  assert.deepEqual(unlisted.map((e) => e.path), [`unlisted/${u!.hashedPath}`]);

  // The backup's own files, under their own names (no prefix the export does not have).
  for (const name of ['Manifest.db', 'Manifest.plist', 'Info.plist', 'Status.plist']) {
    const m = byPath(entries, name);
    assert.equal(m.kind, 'file');
    assert.equal(fsPathOf(m), join(fx.root, name));
    assert.equal(m.error, null);
  }
  // Each listed row once, plus 4 metadata files and 1 unlisted.
  assert.equal(entries.length, fx.files.length + 4 + 1);
  assert.equal(new Set(entries.map((e) => e.path)).size, entries.length);
});

test('reading never writes beside the evidence (no -wal/-shm, Manifest.db unchanged)', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  const before = readdirSync(fx.root).sort();
  const st = statSync(join(fx.root, 'Manifest.db'));
  const hash = sha256(readFileSync(join(fx.root, 'Manifest.db')));
  await collect(fx.root);
  assert.deepEqual(readdirSync(fx.root).sort(), before);
  assert.equal(sha256(readFileSync(join(fx.root, 'Manifest.db'))), hash);
  assert.equal(statSync(join(fx.root, 'Manifest.db')).mtimeMs, st.mtimeMs);
});

test('encrypted backup: every file by hashed name, one clear notice, nothing misparsed', async (t) => {
  const fx = makeEncryptedIosBackup(tempDir(t));
  assert.equal(isIosBackup(fx.root), true);
  const info = iosBackupInfo(fx.root);
  assert.equal(info.encrypted, true);
  assert.equal(info.deviceName, 'Locked iPhone');
  const entries = await collect(fx.root);
  const manifest = byPath(entries, 'Manifest.db');
  assert.equal(manifest.error, ENCRYPTED_NOTICE);
  assert.equal(entries.filter((e) => e.error === ENCRYPTED_NOTICE).length, 1);
  for (const h of fx.hashed) {
    const e = byPath(entries, h.path);
    assert.equal(e.kind, 'file');
    assert.equal(e.extra?.['encryptedBackup'], true);
    assert.equal(e.extra?.['hashedPath'], h.path);
    assert.equal(e.error, null);
    assert.equal(sha256(readFileSync(fsPathOf(e))), sha256(h.data));
  }
  assert.ok(entries.every((e) => e.extra?.['encryptedBackup'] === true));
  assert.ok(!entries.some((e) => e.path.includes('Domain')), 'no domain paths invented');
});

test('a Manifest.db that is not SQLite is treated as encrypted even if Manifest.plist says not', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  writeFileSync(join(fx.root, 'Manifest.db'), Buffer.alloc(4096, 0xa5));
  const info = iosBackupInfo(fx.root);
  assert.equal(info.encrypted, true);
  assert.match(info.problems.join('\n'), /not an SQLite database/);
  const entries = await collect(fx.root);
  assert.equal(byPath(entries, 'Manifest.db').error, ENCRYPTED_NOTICE);
});

test('an unreadable Files table falls back to hashed names with the reason', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  const db = new Database(join(fx.root, 'Manifest.db'));
  db.exec('DROP TABLE Files');
  db.close();
  const entries = await collect(fx.root);
  assert.match(byPath(entries, 'Manifest.db').error ?? '', /Manifest\.db could not be read .*no such table: Files/);
  const [u] = fx.unlisted;
  byPath(entries, u!.hashedPath);
});

test('old Manifest.mbdb backups are recorded by hashed name only', async (t) => {
  const root = join(tempDir(t), 'old');
  mkdirSync(root);
  writeFileSync(join(root, 'Manifest.mbdb'), Buffer.from('mbdb\x05\x00'));
  writeFileSync(join(root, '3d0d7e5fb2ce288813306e4d4636395e047a3d28'), 'sms');
  assert.equal(isIosBackup(root), true);
  assert.equal(iosBackupInfo(root).format, 'manifest.mbdb');
  const entries = await collect(root);
  assert.match(byPath(entries, 'Manifest.mbdb').error ?? '', /iOS 9 or earlier/);
  assert.equal(byPath(entries, '3d0d7e5fb2ce288813306e4d4636395e047a3d28').kind, 'file');
});

test('hostile manifest rows: paths stay text, bad fileIDs and links on disk are never followed', async (t) => {
  const dir = tempDir(t);
  const fx = makeIosBackup(dir);
  const outside = join(dir, 'outside-secret.txt');
  writeFileSync(outside, 'must never be read through the backup');
  const db = new Database(join(fx.root, 'Manifest.db'));
  const ins = db.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)');
  const blob = (rel: string): Buffer => mbFileBlob({ size: 10, mode: 0o100644, mtime: 1, ctime: 1, birth: 1, relativePath: rel });
  // fileID that is a path: never joined onto the backup folder.
  ins.run('../../outside-secret.txt', 'HomeDomain', 'evil1', 1, blob('evil1'));
  // relativePath that climbs: a virtual path only; bytes come from the hashed name.
  const rel = '../../../../etc/passwd';
  const id2 = createHash('sha1').update(`HomeDomain-${rel}`).digest('hex');
  ins.run(id2, 'HomeDomain', rel, 1, blob(rel));
  // A symlink where the hashed file should be: recorded, not followed.
  const id3 = createHash('sha1').update('HomeDomain-evil3').digest('hex');
  ins.run(id3, 'HomeDomain', 'evil3', 1, blob('evil3'));
  mkdirSync(join(fx.root, id3.slice(0, 2)), { recursive: true });
  symlinkSync(outside, join(fx.root, id3.slice(0, 2), id3));
  // A corrupt file blob: the row is still recorded, with the reason.
  const id4 = createHash('sha1').update('HomeDomain-evil4').digest('hex');
  ins.run(id4, 'HomeDomain', 'evil4', 1, Buffer.from('bplist00 garbage'));
  db.close();

  const entries = await collect(fx.root);
  const e1 = byPath(entries, 'HomeDomain/evil1');
  assert.equal(e1.content, null);
  assert.match(e1.error ?? '', /not 40 hex digits/);
  assert.match(e1.error ?? '', /fileID does not match/);

  const e2 = byPath(entries, `HomeDomain/${rel}`);
  assert.equal(e2.content, null);
  assert.equal(e2.error, MISSING_ERROR);
  assert.equal(e2.extra?.['fileIdOk'], true);

  const e3 = byPath(entries, 'HomeDomain/evil3');
  assert.equal(e3.content, null);
  assert.match(e3.error ?? '', /symlink .* not followed/);

  const e4 = byPath(entries, 'HomeDomain/evil4');
  assert.match(e4.error ?? '', /file blob in Manifest\.db could not be read/);
  assert.equal(e4.kind, 'file');

  for (const e of entries) {
    if (e.content?.type === 'file') assert.ok(fsPathOf(e).startsWith(fx.root + '/'), fsPathOf(e));
  }
});

test('the entry limit stops the listing with a clear entry', async (t) => {
  const fx = makeIosBackup(tempDir(t));
  const entries = await collect(fx.root, { ...DEFAULT_LIMITS, maxEntries: 6 });
  assert.equal(entries.length, 7);
  assert.match(entries[6]!.error ?? '', /entry limit reached \(6\)/);
});

const journalBytes = (p: string): number[] => {
  const b = readFileSync(p);
  return [b[18]!, b[19]!];
};
const pathOf = (f: { domain: string; relativePath: string }): string => (f.relativePath === '' ? f.domain : `${f.domain}/${f.relativePath}`);

test('a WAL-mode Manifest.db (as current iPhones write it) is read like a rollback-journal one: every file under its real path', async (t) => {
  for (const journal of ['wal', 'delete'] as const) {
    const fx = makeIosBackup(tempDir(t), { journal });
    // Header bytes 18-19: 2 = WAL, 1 = rollback journal. SQLite cannot open a WAL database from memory.
    assert.deepEqual(journalBytes(join(fx.root, 'Manifest.db')), journal === 'wal' ? [2, 2] : [1, 1]);
    const entries = await collect(fx.root);
    for (const f of fx.files) assert.equal(byPath(entries, pathOf(f)).extra?.['fileID'], f.fileID, journal);
    const sms = fx.files.find((f) => f.relativePath === 'Library/SMS/sms.db')!;
    const e = byPath(entries, 'HomeDomain/Library/SMS/sms.db');
    assert.equal(e.size, sms.data!.length);
    assert.equal(e.mtime, new Date(sms.mtime * 1000).toISOString());
    const m = byPath(entries, 'Manifest.db');
    assert.equal(m.extra?.['journalMode'], journal === 'wal' ? 'wal' : 'rollback');
    assert.equal(m.extra?.['walBytesRead'], null, 'no -wal beside it');
    assert.equal(m.error, null);
    assert.deepEqual(entries.filter((x) => x.path.startsWith('unlisted/')).map((x) => x.path), [`unlisted/${fx.unlisted[0]!.hashedPath}`]);
    assert.ok(!entries.some((x) => x.path.startsWith('backup/')), 'no backup/ prefix the export does not have');
  }
});

test('a Manifest.db-wal holding committed rows is read with Manifest.db, in memory; the export is untouched', async (t) => {
  const fx = makeIosBackup(tempDir(t), { pendingWal: true });
  const db = join(fx.root, 'Manifest.db');
  const wal = join(fx.root, 'Manifest.db-wal');
  assert.deepEqual(journalBytes(db), [2, 2]);
  assert.ok(statSync(wal).size > 0);
  // Manifest.db alone has an empty Files table: the rows are only in the -wal.
  const alone = join(tempDir(t), 'Manifest.db');
  copyFileSync(db, alone);
  const solo = new Database(alone, { readonly: true });
  assert.equal((solo.prepare('SELECT count(*) AS n FROM Files').get() as { n: number }).n, 0);
  solo.close();

  const before = readdirSync(fx.root).sort();
  const sums = [db, wal].map((p) => [sha256(readFileSync(p)), statSync(p).mtimeMs]);
  const entries = await collect(fx.root);

  for (const f of fx.files) {
    const e = byPath(entries, pathOf(f));
    assert.equal(e.extra?.['fileID'], f.fileID);
    if (f.flags !== 1) continue;
    assert.equal(e.size, f.data!.length);
    assert.equal(e.mode, f.mode);
    assert.equal(e.mtime, new Date(f.mtime * 1000).toISOString());
    assert.equal(e.ctime, new Date(f.ctime * 1000).toISOString());
    assert.equal(e.birthtime, new Date(f.birth * 1000).toISOString());
    if (f.missing) assert.equal(e.error, MISSING_ERROR);
  }
  const m = byPath(entries, 'Manifest.db');
  assert.equal(m.extra?.['journalMode'], 'wal');
  assert.equal(m.extra?.['walBytesRead'], statSync(wal).size);
  assert.ok((m.extra?.['walFramesApplied'] as number) >= fx.files.length, 'one commit per row at least');
  assert.equal(m.error, null);
  // The -wal is one of the backup's own files, under its real name; not "unlisted".
  const w = byPath(entries, 'Manifest.db-wal');
  assert.equal(w.kind, 'file');
  assert.equal(fsPathOf(w), wal);
  assert.equal(w.error, null);
  assert.deepEqual(entries.filter((x) => x.path.startsWith('unlisted/')).map((x) => x.path), [`unlisted/${fx.unlisted[0]!.hashedPath}`]);
  assert.equal(entries.length, fx.files.length + 5 + 1);

  // Nothing written beside the evidence (no -shm), neither file changed.
  assert.deepEqual(readdirSync(fx.root).sort(), before);
  assert.deepEqual([db, wal].map((p) => [sha256(readFileSync(p)), statSync(p).mtimeMs]), sums);
});

test('a Manifest.db-wal that is a link is recorded and never followed; Manifest.db says its changes were not read', async (t) => {
  const dir = tempDir(t);
  const fx = makeIosBackup(dir);
  const outside = join(dir, 'outside.bin');
  writeFileSync(outside, 'not the backup');
  symlinkSync(outside, join(fx.root, 'Manifest.db-wal'));
  const entries = await collect(fx.root);
  const m = byPath(entries, 'Manifest.db');
  assert.match(m.error ?? '', /Manifest\.db-wal is a symlink, not a file: not followed, its changes not read/);
  assert.equal(m.extra?.['walBytesRead'], null);
  const w = byPath(entries, 'Manifest.db-wal');
  assert.equal(w.kind, 'symlink');
  assert.equal(w.content, null);
  for (const f of fx.files) byPath(entries, pathOf(f));
});

/** What SQLite itself reads from Manifest.db with this -wal beside it (a copy in a test folder). */
function sqliteFileIds(t: TestContext, db: Buffer, wal: Buffer): string[] {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'Manifest.db'), db);
  writeFileSync(join(dir, 'Manifest.db-wal'), wal);
  const d = new Database(join(dir, 'Manifest.db'), { readonly: true });
  try {
    return (d.prepare('SELECT fileID FROM Files ORDER BY fileID').pluck().all() as string[]);
  } finally {
    d.close();
  }
}

test('a -wal cut short or with an unfinished transaction: only what SQLite itself reads is listed (SQLite as the oracle)', async (t) => {
  const fx = makeIosBackup(tempDir(t), { pendingWal: true });
  const walPath = join(fx.root, 'Manifest.db-wal');
  const db = readFileSync(join(fx.root, 'Manifest.db'));
  const full = readFileSync(walPath);
  const pageSize = full.readUInt32BE(8);
  const frame = 24 + pageSize;
  const frames = (full.length - 32) / frame;
  assert.ok(Number.isInteger(frames) && frames >= fx.files.length);
  const counts = new Set<number>();
  // Cut at frame boundaries and in the middle of a frame.
  for (const cut of [32, 32 + frame, 32 + 3 * frame + 100, 32 + Math.floor(frames / 2) * frame, full.length - 1, full.length]) {
    const wal = full.subarray(0, cut);
    writeFileSync(walPath, wal);
    const theirs = sqliteFileIds(t, db, wal);
    const entries = await collect(fx.root);
    const ours = entries.filter((e) => typeof e.extra?.['fileID'] === 'string').map((e) => e.extra!['fileID'] as string).sort();
    assert.deepEqual(ours, theirs, `WAL cut at ${cut} of ${full.length} bytes`);
    counts.add(ours.length);
    // Hashed files of rows not (yet) committed are in the folder: listed as unlisted, not lost.
    const unlisted = entries.filter((e) => e.path.startsWith('unlisted/')).length;
    assert.equal(unlisted, 1 + fx.files.filter((f) => f.flags === 1 && !f.missing && !ours.includes(f.fileID)).length);
  }
  assert.ok(counts.has(0) && counts.has(fx.files.length) && counts.size >= 3, `row counts seen: ${[...counts].join(', ')}`);

  // A WAL whose header checksum fails: SQLite ignores it; so does the listing, saying so.
  const bad = Buffer.from(full);
  bad[24] = bad[24]! ^ 0xff;
  writeFileSync(walPath, bad);
  assert.deepEqual(sqliteFileIds(t, db, bad), []);
  const entries = await collect(fx.root);
  assert.match(byPath(entries, 'Manifest.db').error ?? '', /Manifest\.db-wal could not be applied \(WAL header checksum does not hold\): its changes are not in this listing/);
  assert.ok(!entries.some((e) => typeof e.extra?.['fileID'] === 'string'));
});
