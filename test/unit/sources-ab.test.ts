// Android backup reader: the header (version, compression, encryption and its parameters), the
// TAR inside (plain or zlib), encrypted backups catalogued as such, and broken files recorded
// without stopping anything.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { AB_ENCRYPTED_ERROR, androidBackupHeader, androidBackupReader } from '../../src/core/sources/androidBackup.ts';
import { type ContainerBytes, type ContainerLimits, DEFAULT_LIMITS, type SourceEntry } from '../../src/core/sources/types.ts';
import { abHeader, tempDir as fixtureDir, makeAndroidBackups, makeTar } from '../fixtures/devices.ts';

function tempDir(t: TestContext): string {
  const dir = fixtureDir('ab-test');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fileBytes = (path: string): ContainerBytes => ({ type: 'file', path, size: statSync(path).size });
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Read {
  entry: SourceEntry;
  data: Buffer | null;
  /** An error reading the member's stream (the pipeline records it on the item). */
  readError: string | null;
}

/** Reads every entry and its bytes in order, as the pipeline does. */
async function collect(bytes: ContainerBytes, limits: ContainerLimits = DEFAULT_LIMITS, prefix = 'phone.ab'): Promise<Read[]> {
  const out: Read[] = [];
  for await (const entry of androidBackupReader.entries(bytes, { prefix, depth: 1, limits })) {
    let data: Buffer | null = null;
    let readError: string | null = null;
    const c = entry.content;
    if (c?.type === 'bytes') data = Buffer.from(c.data);
    else if (c?.type === 'stream') {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of c.open()) chunks.push(chunk as Buffer);
        data = Buffer.concat(chunks);
      } catch (err) {
        readError = (err as Error).message;
      }
    } else if (c?.type === 'range') {
      data = readFileSync(c.fsPath).subarray(c.offset, c.offset + c.length);
    } else if (c) assert.fail(`unexpected content ${c.type}`);
    out.push({ entry, data, readError });
  }
  return out;
}

test('androidBackupHeader: version, compression, encryption and the AES-256 parameters', () => {
  assert.equal(androidBackupHeader(Buffer.from('PK\x03\x04')), null);
  assert.equal(androidBackupHeader(Buffer.from('ANDROID BACKUPX\n')), null);
  const plain = androidBackupHeader(abHeader({ version: 1, compressed: false }));
  assert.deepEqual(plain, { version: 1, compressed: false, encryption: 'none', encrypted: false, headerLength: 'ANDROID BACKUP\n1\n0\nnone\n'.length, error: null });
  const z = androidBackupHeader(Buffer.concat([abHeader({ version: 5, compressed: true }), Buffer.from([0x78, 0x9c])]));
  assert.equal(z?.compressed, true);
  assert.equal(z?.version, 5);
  assert.equal(z?.headerLength, 'ANDROID BACKUP\n5\n1\nnone\n'.length);
  const headBytes = abHeader({ compressed: true, encryption: 'AES-256' });
  const enc = androidBackupHeader(Buffer.concat([headBytes, Buffer.alloc(100, 0xee)]));
  assert.ok(enc);
  assert.equal(enc.encrypted, true);
  assert.equal(enc.encryption, 'AES-256');
  assert.equal(enc.headerLength, headBytes.length);
  assert.equal(enc.pbkdf2Rounds, 10000);
  assert.match(enc.userPasswordSalt ?? '', /^[0-9A-F]{128}$/);
  assert.match(enc.masterKeyChecksumSalt ?? '', /^[0-9A-F]{128}$/);
  assert.match(enc.userKeyIv ?? '', /^[0-9A-F]{32}$/);
  assert.equal(enc.masterKeyBlobHexLength, 192);
  assert.equal(enc.error, null);
  // Truncated and malformed headers: recognised as Android backups, with the reason.
  assert.match(androidBackupHeader(Buffer.from('ANDROID BACKUP\n5\n'))?.error ?? '', /truncated \(no compression line\)/);
  assert.match(androidBackupHeader(Buffer.from('ANDROID BACKUP\nfive\n0\nnone\n'))?.error ?? '', /invalid version/);
  assert.match(androidBackupHeader(Buffer.from('ANDROID BACKUP\n5\n2\nnone\n'))?.error ?? '', /invalid compression flag/);
  assert.match(androidBackupHeader(headBytes.subarray(0, headBytes.length - 20))?.error ?? '', /truncated \(no masterKeyBlob line\)/);
  assert.match(androidBackupHeader(Buffer.from('ANDROID BACKUP\n5\n1\nROT13\n'))?.error ?? '', /unknown encryption/);
});

test('uncompressed and zlib-compressed backups list the TAR members with their bytes', async (t) => {
  const fx = await makeAndroidBackups(tempDir(t));
  assert.equal(androidBackupReader.kind, 'ab');
  for (const path of [fx.plain, fx.compressed]) {
    for (const bytes of [fileBytes(path), { type: 'bytes' as const, data: readFileSync(path) }]) {
      const got = await collect(bytes);
      assert.deepEqual(
        got.map((r) => r.entry.path),
        fx.members.map((m) => `phone.ab!/${m.name.replace(/\/$/, '')}`),
        path,
      );
      for (const m of fx.members) {
        const r = got.find((x) => x.entry.path === `phone.ab!/${m.name.replace(/\/$/, '')}`)!;
        assert.equal(r.entry.error, null);
        assert.equal(r.entry.mtime, '2025-01-15T08:00:00.000Z');
        if (m.type === 'directory') {
          assert.equal(r.entry.kind, 'dir');
          assert.equal(r.data, null);
        } else {
          assert.equal(r.entry.kind, 'file');
          assert.equal(r.entry.size, m.data!.length);
          assert.equal(sha256(r.data!), sha256(m.data!), m.name);
        }
      }
    }
  }
});

test('an encrypted backup is one entry saying so, with the header facts, never decrypted', async (t) => {
  const fx = await makeAndroidBackups(tempDir(t));
  const got = await collect(fileBytes(fx.encrypted));
  assert.equal(got.length, 1);
  const e = got[0]!.entry;
  assert.equal(e.path, 'phone.ab!/');
  assert.equal(e.kind, 'other');
  assert.equal(e.content, null);
  assert.equal(e.error, AB_ENCRYPTED_ERROR);
  const facts = e.extra?.['androidBackup'] as Record<string, unknown>;
  assert.equal(facts['encryption'], 'AES-256');
  assert.equal(facts['version'], 5);
  assert.equal(facts['compressed'], true);
  assert.equal(facts['pbkdf2Rounds'], 10000);
  assert.equal(typeof facts['userPasswordSalt'], 'string');
});

test('a truncated compressed backup: members before the damage kept, the damage recorded', async (t) => {
  const fx = await makeAndroidBackups(tempDir(t));
  const got = await collect(fileBytes(fx.truncated));
  assert.ok(got.length >= 2);
  assert.equal(got[0]!.entry.path, 'phone.ab!/apps/com.example.chat/_manifest');
  assert.equal(sha256(got[0]!.data!), sha256(fx.members[0]!.data!));
  const last = got[got.length - 1]!.entry;
  assert.equal(last.path, 'phone.ab!/');
  assert.match(last.error ?? '', /unexpected end of file|truncated|damaged/);
});

test('not an Android backup, a broken header, garbage after a good header: recorded, never thrown', async (t) => {
  const dir = tempDir(t);
  const fx = await makeAndroidBackups(dir);
  const notAb = await collect(fileBytes(fx.notAb));
  assert.equal(notAb.length, 1);
  assert.match(notAb[0]!.entry.error ?? '', /not an Android backup/);

  const badHeader = join(dir, 'bad-header.ab');
  writeFileSync(badHeader, 'ANDROID BACKUP\n5\n');
  const bh = await collect(fileBytes(badHeader));
  assert.equal(bh.length, 1);
  assert.match(bh[0]!.entry.error ?? '', /header is truncated/);

  const garbage = join(dir, 'garbage.ab');
  writeFileSync(garbage, Buffer.concat([abHeader({ compressed: true }), Buffer.from('this is not zlib data at all, not even close')]));
  const g = await collect(fileBytes(garbage));
  assert.equal(g.length, 1);
  assert.equal(g[0]!.entry.path, 'phone.ab!/');
  assert.ok(g[0]!.entry.error);

  const empty = join(dir, 'empty.ab');
  writeFileSync(empty, abHeader({ compressed: false }));
  const em = await collect(fileBytes(empty));
  assert.equal(em.length, 1);
  assert.ok(em[0]!.entry.error);
});

test('a backup whose TAR has no end-of-archive blocks still yields every member', async (t) => {
  const dir = tempDir(t);
  const fx = await makeAndroidBackups(dir);
  const noEnd = fx.tar.subarray(0, fx.tar.length - 1024);
  assert.ok(noEnd.subarray(noEnd.length - 512).some((b) => b !== 0), 'the cut removed only the end blocks');
  const path = join(dir, 'noend.ab');
  writeFileSync(path, Buffer.concat([abHeader({ compressed: true }), deflateSync(noEnd)]));
  const got = await collect(fileBytes(path));
  const files = got.filter((r) => r.entry.kind === 'file');
  assert.equal(files.length, fx.members.filter((m) => m.type !== 'directory').length);
});

test('the compression-ratio limit stops a zlib bomb inside a backup', async (t) => {
  const dir = tempDir(t);
  const tar = await makeTar([{ name: 'apps/x/f/zeros.bin', data: Buffer.alloc(8 * 1024 * 1024) }]);
  const path = join(dir, 'bomb.ab');
  writeFileSync(path, Buffer.concat([abHeader({ compressed: true }), deflateSync(tar, { level: 9 })]));
  const got = await collect(fileBytes(path), { ...DEFAULT_LIMITS, maxRatio: 50 });
  // The member being read when the ratio passes the limit fails with the reason, and the
  // container records the stop; nothing past it is read.
  const member = got.find((r) => r.entry.path === 'phone.ab!/apps/x/f/zeros.bin');
  assert.ok(member);
  assert.match(member.readError ?? '', /compression ratio exceeds the limit \(50:1\)/);
  assert.equal(member.data, null);
  const problem = got.find((r) => r.entry.path === 'phone.ab!/');
  assert.ok(problem, 'the container records the stop');
  assert.ok(problem.entry.error);
});

test('nesting deeper than the limit is recorded, not opened', async (t) => {
  const fx = await makeAndroidBackups(tempDir(t));
  const out: SourceEntry[] = [];
  for await (const e of androidBackupReader.entries(fileBytes(fx.plain), { prefix: 'deep.ab', depth: 9, limits: DEFAULT_LIMITS })) out.push(e);
  assert.equal(out.length, 1);
  assert.match(out[0]!.error ?? '', /nesting depth 9 exceeds the limit/);
});
