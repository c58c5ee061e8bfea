// Bundles for prosecutors (issue 13): `evidence export` and `evidence bundle verify` as child
// processes, checked with the standard tools a prosecutor or defence expert would use
// (sha256sum, hashdeep, openssl, unzip), and every tamper case caught and named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canonicalJson } from '../../src/core/custody/canonical.ts';
import type { BundleReport } from '../../src/core/bundle/verify.ts';
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import { hasTool, removeTree, runCliChild } from './helpers.ts';
import { mkdtempSync } from 'node:fs';
import Database from 'better-sqlite3';
import { EvidenceService } from '../../src/core/service.ts';
import { tmpdir } from 'node:os';

let root: string;
let casePath: string;
let bundle: string;
let zipBundle: string;
const env = (): NodeJS.ProcessEnv => ({ EVIDENCE_RECEIPTS_DIR: join(root, 'receipts') });

async function ok(args: string[]): Promise<string> {
  const r = await runCliChild(args, { env: env() });
  assert.equal(r.code, 0, `evidence ${args.join(' ')} exited ${r.code}: ${r.err}\n${r.out}`);
  return r.out;
}

function sh(cmd: string, args: string[], cwd: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A fresh copy of the intact bundle to tamper with. */
function copyOf(name: string): string {
  const dest = join(root, 'tamper', name);
  mkdirSync(join(root, 'tamper'), { recursive: true });
  cpSync(bundle, dest, { recursive: true });
  return dest;
}

async function verify(path: string): Promise<{ code: number; report: BundleReport; text: string }> {
  // --json only (each child costs seconds on a loaded machine); `text` is the findings' plain words,
  // the very lines the text output prints (the intact bundle's test runs the text output too).
  const j = await runCliChild(['bundle', 'verify', path, '--json'], { env: env() });
  const report = JSON.parse(j.out) as BundleReport;
  return { code: j.code, report, text: [...report.intact, ...report.findings.map((f) => f.message)].join('\n') };
}

function whats(r: BundleReport): string[] {
  return [...new Set(r.findings.map((f) => f.what))].sort();
}

const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-bundle-'));
  casePath = join(root, 'case');
  const src = join(root, 'export');
  mkdirSync(join(src, 'DCIM'), { recursive: true });
  mkdirSync(join(src, 'other'), { recursive: true });
  writeFileSync(join(src, 'DCIM', 'IMG_0001.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(5000, 7)]));
  writeFileSync(join(src, 'CON.txt'), 'reserved on Windows');
  writeFileSync(join(src, 'notes.txt'), 'lower case');
  writeFileSync(join(src, 'other', 'NOTES.TXT'), 'upper case, same name on Windows and macOS');
  writeFileSync(join(src, 'what?.txt'), 'a question mark');
  writeFileSync(join(src, 'trailing. '), 'trailing dot and space');
  // A Shift_JIS name (「あ.txt」), not valid UTF-8: its bytes must survive in the manifest.
  writeFileSync(Buffer.concat([Buffer.from(`${src}/`), Buffer.from([0x82, 0xa0]), Buffer.from('.txt')]), 'shift_jis name');
  writeFileSync(join(src, 'private.txt'), 'not exported: another suspect');
  await ok(['case', 'init', casePath, '--name', 'Operation Sakura', '--number', 'KH-2026-0142', '--officer', 'DS Tanaka']);
  await ok(['exhibit', 'add', casePath, '--number', 'EXH-001', '--seal', 'S-0091']);
  await ok(['ingest', casePath, src, '--exhibit', 'EXH-001', '--workers', '1']);
  const ls = JSON.parse(await ok(['ls', casePath, '--json'])) as { items: { id: number; path: string; kind: string }[] };
  const ids = ls.items.filter((i) => i.kind === 'file' && i.path !== 'private.txt').map((i) => i.id);
  const privateId = ls.items.find((i) => i.path === 'private.txt')!.id;
  await ok(['tag', casePath, 'target-list', ...ids.map(String)]);
  await ok(['tag', casePath, 'scam-manual', String(privateId)]);
  bundle = join(root, 'bundle-2026-12');
  zipBundle = join(root, 'bundle-2026-12.zip');
  await ok(['export', casePath, '--tag', 'target-list', '--out', bundle]);
  await ok(['export', casePath, '--tag', 'target-list', '--out', zipBundle, '--zip', '--lang', 'ja']);
});

after(() => removeTree(root));

describe('an intact bundle', () => {
  test('holds the files, hash lists, custody excerpt and signature', () => {
    const names = readdirSync(bundle).sort();
    for (const n of ['README.txt', 'SHA256SUMS', 'checkpoint.json', 'checkpoint.sig', 'custody.jsonl', 'files', 'hashdeep.txt', 'manifest.json', 'signer.pub']) {
      assert.ok(names.includes(n), `${n} in the bundle`);
    }
    const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(m.items.length, 7);
    assert.equal(m.exportedBy.name, 'DS Tanaka');
    assert.match(m.exportedBy.keyFingerprint, /^[0-9a-f]{16}$/);
    assert.deepEqual(m.selection.tags, ['target-list']);
    // Safe names, unique regardless of case, the original bytes kept.
    const files = readdirSync(join(bundle, 'files')).sort();
    assert.ok(files.includes('_CON.txt'), files.join(', '));
    assert.ok(files.includes('what_.txt'));
    assert.ok(files.includes('trailing'));
    const lower = files.filter((f) => f.toLowerCase().startsWith('notes'));
    assert.equal(new Set(lower.map((f) => f.toLowerCase())).size, 2, `no two names differ only by case: ${lower.join(', ')}`);
    const sjis = m.items.find((i) => i.nameBytes.hex === '82a02e747874');
    assert.ok(sjis, 'the Shift_JIS name bytes are in the manifest');
    assert.ok(m.items.every((i) => i.file.startsWith('files/') && i.devicePath.length > 0));
    // The custody excerpt withholds the other suspect's file, but keeps every link.
    const lines = readFileSync(join(bundle, 'custody.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));
    assert.ok(!readFileSync(join(bundle, 'custody.jsonl'), 'utf8').includes('scam-manual'), 'the tag of an item not exported is withheld');
    assert.ok(lines.some((l) => l.withheld === true));
    assert.equal(lines[lines.length - 1]!.action, 'bundle.exported');
  });

  test('sha256sum -c, hashdeep and openssl pass', (t) => {
    assert.equal(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], bundle).code, 0);
    if (hasTool('hashdeep')) {
      const h = sh('hashdeep', ['-l', '-a', '-k', 'hashdeep.txt', '-r', 'files'], bundle);
      assert.equal(h.code, 0, h.out);
      assert.match(h.out, /Audit passed/);
    } else t.diagnostic('hashdeep not installed: its check skipped');
    if (hasTool('openssl')) {
      const o = sh('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'signer.pub', '-rawin', '-in', 'checkpoint.json', '-sigfile', 'checkpoint.sig'], bundle);
      assert.equal(o.code, 0, o.out);
      // The key fingerprint as the README says to compute it.
      const der = spawnSync('openssl', ['pkey', '-pubin', '-in', 'signer.pub', '-outform', 'DER'], { cwd: bundle });
      const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(sha256(der.stdout).slice(0, 16), m.exportedBy.keyFingerprint);
    }
  });

  test('evidence bundle verify says intact (exit 0), folder and ZIP', async () => {
    const v = await verify(bundle);
    assert.equal(v.code, 0, v.text);
    assert.equal(v.report.ok, true);
    assert.equal(v.report.checked.files, 7);
    const text = await runCliChild(['bundle', 'verify', bundle], { env: env() });
    assert.equal(text.code, 0);
    assert.match(text.out, /^INTACT: the bundle is exactly as the officer signed it\.$/m);
    const z = await verify(zipBundle);
    assert.equal(z.code, 0, z.text);
    assert.equal(z.report.kind, 'zip');
  });

  test('unzip -t passes on the ZIP, which unpacks into one folder', (t) => {
    if (!hasTool('unzip')) return t.skip('unzip not installed');
    const r = sh('unzip', ['-t', zipBundle], root);
    assert.equal(r.code, 0, r.out);
    const list = sh('unzip', ['-Z1', zipBundle], root).out.trim().split('\n');
    assert.ok(list.every((n) => n.startsWith('bundle-2026-12/')), list.join('\n'));
    // Unzipped, it checks with sha256sum like the folder.
    const out = join(root, 'unzipped');
    mkdirSync(out);
    assert.equal(sh('unzip', ['-q', zipBundle, '-d', out], root).code, 0);
    assert.equal(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], join(out, 'bundle-2026-12')).code, 0);
  });

  test('re-zipped by hand (deflated, with or without a top folder), it still verifies', async (t) => {
    if (!hasTool('zip')) return t.skip('zip not installed');
    const z = join(root, 'rezipped.zip');
    assert.equal(sh('zip', ['-qr', z, '.'], bundle).code, 0);
    const v = await verify(z);
    assert.equal(v.code, 0, v.text);
    assert.equal(v.report.checked.files, 7);
  });

  test('--ids, --search and --exhibit add up; a folder selected is skipped and named', async () => {
    const ls = JSON.parse(await ok(['ls', casePath, '--json'])) as { items: { id: number; path: string; kind: string }[] };
    const dirId = ls.items.find((i) => i.kind === 'dir')!.id;
    const privateId = ls.items.find((i) => i.path === 'private.txt')!.id;
    const out = join(root, 'by-ids');
    const r = JSON.parse(await ok(['export', casePath, '--ids', `${dirId},${privateId}`, '--search', 'question', '--out', out, '--json'])) as {
      files: number;
      skipped: { id: number }[];
    };
    assert.deepEqual(r.skipped.map((s) => s.id), [dirId]);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual(m.items.map((i) => i.devicePath).sort(), ['private.txt', 'what?.txt']);
    assert.equal(m.skipped[0]!.id, dirId);
    // This time the other suspect's file is exported: its tag event is given in full.
    assert.ok(readFileSync(join(out, 'custody.jsonl'), 'utf8').includes('scam-manual'));
    const all = JSON.parse(await ok(['export', casePath, '--exhibit', 'EXH-001', '--out', join(root, 'by-exhibit'), '--json'])) as { files: number };
    assert.equal(all.files, 8);
  });

  test('export refuses to write over an existing bundle', async () => {
    const r = await runCliChild(['export', casePath, '--tag', 'target-list', '--out', bundle], { env: env() });
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /already exists/);
  });
});

describe('a touched bundle', () => {
  test('one byte of one file: sha256sum, hashdeep and verify all fail, naming the file', async () => {
    const b = copyOf('byte');
    const m = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')) as Manifest;
    const target = m.items[0]!.file;
    const p = join(b, ...target.split('/'));
    const data = readFileSync(p);
    data[Math.floor(data.length / 2)]! ^= 0x01;
    writeFileSync(p, data);
    assert.notEqual(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], b).code, 0);
    if (hasTool('hashdeep')) assert.notEqual(sh('hashdeep', ['-l', '-a', '-k', 'hashdeep.txt', '-r', 'files'], b).code, 0);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['file-changed']);
    assert.equal(v.report.findings[0]!.file, target);
    assert.match(v.text, /was changed: its size|MD5, SHA-1, SHA-256 differ/);
  });

  test('a file added', async () => {
    const b = copyOf('added');
    writeFileSync(join(b, 'files', 'planted.jpg'), 'planted');
    if (hasTool('hashdeep')) assert.notEqual(sh('hashdeep', ['-l', '-a', '-k', 'hashdeep.txt', '-r', 'files'], b).code, 0);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['file-added']);
    assert.match(v.text, /files\/planted\.jpg was added/);
  });

  test('a file removed', async () => {
    const b = copyOf('removed');
    const m = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')) as Manifest;
    unlinkSync(join(b, ...m.items[1]!.file.split('/')));
    assert.notEqual(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], b).code, 0);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['file-missing']);
    assert.match(v.text, /is missing: it was removed/);
  });

  test('a name changed', async () => {
    const b = copyOf('renamed');
    const m = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')) as Manifest;
    const from = m.items[2]!.file;
    renameSync(join(b, ...from.split('/')), join(b, 'files', 'innocent.txt'));
    assert.notEqual(sh('sha256sum', ['-c', '--strict', 'SHA256SUMS'], b).code, 0);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['file-renamed']);
    assert.match(v.text, /was renamed to files\/innocent\.txt/);
  });

  test('the manifest edited', async () => {
    const b = copyOf('manifest');
    const p = join(b, 'manifest.json');
    const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
    m.items[0]!.devicePath = 'Downloads/someone-else.jpg';
    writeFileSync(p, JSON.stringify(m, null, 2));
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['manifest-changed']);
    assert.match(v.text, /manifest\.json is not the one the officer signed/);
  });

  test('re-signed with another key (manifest edited, statement re-signed, signer.pub replaced)', async () => {
    const b = copyOf('resigned');
    const mp = join(b, 'manifest.json');
    const m = JSON.parse(readFileSync(mp, 'utf8')) as Manifest;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const fp = sha256(Buffer.from(spki, 'base64')).slice(0, 16);
    m.exportedBy.publicKey = spki;
    m.exportedBy.keyFingerprint = fp;
    const manifestText = `${JSON.stringify(m, null, 2)}\n`;
    writeFileSync(mp, manifestText);
    const st = JSON.parse(readFileSync(join(b, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
    st.public_key = spki;
    st.key_fingerprint = fp;
    st.manifest_sha256 = sha256(manifestText);
    const text = canonicalJson(st);
    writeFileSync(join(b, 'checkpoint.json'), text);
    writeFileSync(join(b, 'checkpoint.sig'), sign(null, Buffer.from(text), privateKey));
    writeFileSync(join(b, 'signer.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    // The forger's own signature verifies with openssl: only the bundle's content catches it.
    if (hasTool('openssl')) assert.equal(sh('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'signer.pub', '-rawin', '-in', 'checkpoint.json', '-sigfile', 'checkpoint.sig'], b).code, 0);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.ok(whats(v.report).includes('signer-mismatch'), whats(v.report).join(', '));
    assert.ok(whats(v.report).includes('signer-unannounced'), whats(v.report).join(', '));
    assert.match(v.text, /re-signed by someone else/);
  });

  test('a custody line edited', async () => {
    const b = copyOf('custody-edit');
    const p = join(b, 'custody.jsonl');
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    const i = lines.findIndex((l) => l.includes('"action":"item.tagged"') || l.includes('"action":"items.tagged"'));
    assert.ok(i >= 0);
    lines[i] = lines[i]!.replace('"officer":"DS Tanaka"', '"officer":"DS Suzuki"');
    writeFileSync(p, `${lines.join('\n')}\n`);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['custody-altered', 'document-changed']);
    assert.equal(v.report.findings.find((f) => f.what === 'custody-altered')!.seq, i + 1);
    assert.match(v.text, new RegExp(`custody event ${i + 1} \\(.*\\) was altered`));
  });

  test('a custody line dropped', async () => {
    const b = copyOf('custody-drop');
    const p = join(b, 'custody.jsonl');
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    lines.splice(4, 1);
    writeFileSync(p, `${lines.join('\n')}\n`);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.ok(whats(v.report).includes('custody-gap'), whats(v.report).join(', '));
    assert.ok(whats(v.report).includes('document-changed'));
    assert.match(v.text, /custody event 5 is missing from custody\.jsonl/);
  });

  test('the last custody line dropped (the export event): the head no longer matches', async () => {
    const b = copyOf('custody-tail');
    const p = join(b, 'custody.jsonl');
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    lines.pop();
    writeFileSync(p, `${lines.join('\n')}\n`);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.ok(whats(v.report).includes('custody-head'), whats(v.report).join(', '));
  });

  test('the ZIP truncated', async () => {
    const z = join(root, 'tamper', 'cut.zip');
    mkdirSync(join(root, 'tamper'), { recursive: true });
    cpSync(zipBundle, z);
    truncateSync(z, Math.floor(statSync(z).size * 0.6));
    const v = await verify(z);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['zip-damaged'], 'one finding, not one per file');
    assert.match(v.text, /cut short|truncated/);
  });

  test('a byte changed inside the ZIP', async () => {
    const z = join(root, 'tamper', 'byte.zip');
    cpSync(zipBundle, z);
    const data = readFileSync(z);
    // The JPEG's filler bytes (0x07 x 5000) are stored as they are: change one in the middle.
    const at = data.indexOf(Buffer.alloc(64, 7)) + 100;
    data[at] = 8;
    writeFileSync(z, data);
    const v = await verify(z);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['file-changed']);
  });

  test('a receipt edited', async () => {
    const b = copyOf('receipt');
    const p = join(b, 'receipts.jsonl');
    const lines = readFileSync(p, 'utf8').trim().split('\n');
    assert.ok(lines.length > 0, 'the case had receipts: they are in the bundle');
    const r = JSON.parse(lines[0]!) as Record<string, unknown>;
    r.head_hash = 'f'.repeat(64);
    lines[0] = canonicalJson(r);
    writeFileSync(p, `${lines.join('\n')}\n`);
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.deepEqual(whats(v.report), ['document-changed', 'receipt-invalid']);
  });

  test('a bundle of a newer format version is not judged', async () => {
    const b = copyOf('version');
    const p = join(b, 'manifest.json');
    const m = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    m.formatVersion = 2;
    writeFileSync(p, JSON.stringify(m, null, 2));
    const v = await verify(b);
    assert.equal(v.code, 1);
    assert.ok(whats(v.report).includes('format-version'), whats(v.report).join(', '));
    assert.match(v.text, /format version 2; this app reads version 1: update the app/);
  });

  test('not a bundle: exit 2; missing path: exit 3', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    appendFileSync(join(empty, 'x.txt'), 'x');
    const r = await runCliChild(['bundle', 'verify', empty], { env: env() });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /not a bundle/);
    const m = await runCliChild(['bundle', 'verify', join(root, 'nope')], { env: env() });
    assert.equal(m.code, 3);
    rmSync(empty, { recursive: true });
  });

  test('an export stopped midway (Ctrl-C, cancel) leaves nothing behind and records no export', async () => {
    const service = new EvidenceService({ scryptN: 2 ** 14, receiptsDir: null });
    try {
      const { session } = service.signIn({ casePath, officer: 'DS Tanaka', password: process.env.EVIDENCE_PASSWORD! });
      const headBefore = service.custodyLog({ casePath, action: 'bundle.exported' }).length;
      const stop = new AbortController();
      const out = join(root, 'stopped');
      await assert.rejects(
        service.exportBundle({ session, selection: { tags: ['target-list'] }, out }, { signal: stop.signal, onProgress: (p) => p.filesDone >= 1 && stop.abort() }),
        (err: Error & { code?: string }) => err.code === 'CANCELLED',
      );
      assert.ok(!readdirSync(root).some((n) => n.includes('stopped')), 'no bundle and no partial folder');
      assert.equal(service.custodyLog({ casePath, action: 'bundle.exported' }).length, headBefore);
      service.signOut({ session });
    } finally {
      service.close();
    }
  });

  // Last: it damages the case's store.
  test('a stored copy that no longer matches the catalogue stops the export (exit 8), leaving nothing', async () => {
    const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as Manifest;
    const victim = m.items.find((i) => i.name === 'notes.txt')!;
    const db = new Database(join(casePath, 'store', 'objects.db'));
    const changed = db.prepare('UPDATE objects SET data = ? WHERE sha256 = ?').run(Buffer.from('LOWER CASE'), victim.sha256).changes;
    db.close();
    assert.equal(changed, 1, 'the small file is a blob of objects.db');
    const out = join(root, 'from-damaged');
    const before = readFileSync(join(casePath, 'case.db')).length;
    const r = await runCliChild(['export', casePath, '--tag', 'target-list', '--out', out], { env: env() });
    assert.equal(r.code, 8, r.err);
    assert.match(r.err, new RegExp(`item ${victim.id} .*no longer matches the hashes recorded at ingest`));
    assert.ok(!readdirSync(root).some((n) => n.startsWith('from-damaged') || n.startsWith('.from-damaged')), 'no bundle and no partial folder left');
    assert.ok(before > 0);
  });
});
