// Problems versus notices (issue 12 item 4). Every message the readers write is classified with
// a stable code and a severity (src/core/catalogue/issues.ts); only problems are counted (the
// ingest summary, `ls --errors`, the navigation's count), notices are shown on the item. End to
// end through the real CLI as child processes: a ZIP with an encrypted member (a notice), a member
// whose CRC-32 disagrees (a problem), a Shift_JIS name (a notice) and a plain member.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { ISSUE_RULES, hasProblem, issuesOfError, itemIssues, problemText, splitMessages } from '../../src/core/catalogue/issues.ts';
import { buildZip, SJIS_NAME } from '../fixtures/archives.ts';
import { type CliResult, recordExhibitAt, runCliChild, tempDir } from './helpers.ts';

const OFFICER = 'DS Lim';

/** Messages as the readers write them (copied from their sources), with the code and severity each must get. */
const SAMPLES: [message: string, code: string, severity: 'problem' | 'notice'][] = [
  ['could not read: EACCES: permission denied', 'read-failed', 'problem'],
  ["could not list the folder's contents: permission denied (EACCES): this account may not read it; nothing inside it is catalogued", 'read-failed', 'problem'],
  ['could not read: decodes to more than its declared 100 bytes (a zip-bomb technique): stopped, not stored', 'declared-size-exceeded', 'problem'],
  ['could not read: truncated: 10 of 20 bytes present', 'truncated', 'problem'],
  ['the file ended early while it was read: 20 bytes when opened, 10 read (was it cut short or changed during the ingest?); the hashes are of the 10 bytes read', 'truncated', 'problem'],
  ['hash mismatch: the extraction report records MD5 0123, this app computed 4567; the extraction tool and this app disagree', 'hash-mismatch', 'problem'],
  ['CRC-32 mismatch: the container records 12345678, the bytes give 9abcdef0 (damaged or altered member; hashes are of the bytes as found)', 'crc-mismatch', 'problem'],
  ['truncated: the archive ends inside this member (5 of 9 bytes present): not extracted', 'truncated', 'problem'],
  ['decompresses to 3 bytes, fewer than the 9 declared (damaged or truncated)', 'truncated', 'problem'],
  ['listed in report.xml but missing from the UFDR', 'missing-from-export', 'problem'],
  ['listed in Manifest.db but missing from the backup', 'missing-from-export', 'problem'],
  ['fileID does not match SHA-1(domain-relativePath): Manifest.db altered?', 'fileid-mismatch', 'problem'],
  ["hostile name: '..' path traversal; backslash in the name (a folder separator to Windows tools) (recorded, never used as a path)", 'hostile-name', 'problem'],
  ['compression ratio 5000:1 exceeds the limit (1000:1; 1.0 GiB declared from 200 KiB): not extracted (zip bomb guard)', 'zip-bomb-guard', 'problem'],
  ['total size limit reached (1.0 GiB): not extracted', 'limit-reached', 'problem'],
  ['not opened: a zip nested deeper than 8 levels', 'nested-too-deep', 'problem'],
  ['not a complete ZIP: no end-of-central-directory record (not a ZIP, or truncated: 963 KiB present); 15 members recovered from their local headers', 'damaged-container', 'problem'],
  ['Android backup (zlib-compressed TAR) stream damaged after 2 entries (Z_BUF_ERROR: unexpected end of file): the rest is not read', 'damaged-container', 'problem'],
  ['Android backup header is truncated (no version line)', 'damaged-container', 'problem'],
  ['encrypted, not extracted: raw bytes hashed', 'encrypted-raw', 'notice'],
  ['encrypted, not extracted (WinZip AES): raw bytes hashed', 'encrypted-raw', 'notice'],
  ['encrypted Android backup (AES-256): catalogued as such, not decrypted', 'encrypted-backup', 'notice'],
  ['encrypted backup: Manifest.db is encrypted, files catalogued by hashed name only', 'encrypted-backup', 'notice'],
  ['compression method 12 (bzip2) not supported: raw bytes hashed', 'method-unsupported-raw', 'notice'],
  ['GNU sparse file: the stored data is hashed as it is (holes not expanded)', 'sparse-file', 'notice'],
  ['symlink points outside the archive (recorded, never followed)', 'link-not-followed', 'notice'],
  ['a symlink where the backup keeps Manifest.db: recorded, not followed', 'link-not-followed', 'notice'],
  ["duplicate name: an earlier member has the same name (both kept; this one's path is marked [duplicate 2])", 'duplicate-name', 'notice'],
  ["name collides with an earlier member ('café.txt') under Unicode normalization (NFC/NFD; both kept)", 'unicode-collision', 'notice'],
  ['present in the backup folder but not listed in Manifest.db', 'unlisted-in-manifest', 'notice'],
  ['no report.xml at the root of this UFDR: members catalogued as a plain ZIP', 'not-a-ufdr', 'notice'],
  ['no end-of-archive marker: the archive may be truncated (every member present was read)', 'no-end-marker', 'notice'],
];

test('every message the readers write gets its code and severity', () => {
  for (const [message, code, severity] of SAMPLES) {
    assert.deepEqual(issuesOfError(message), [{ severity, code, message }], message);
  }
  // Each code is one severity only.
  const sev = new Map<string, string>();
  for (const r of ISSUE_RULES) {
    assert.ok(!sev.has(r.code) || sev.get(r.code) === r.severity, r.code);
    sev.set(r.code, r.severity);
  }
});

test("messages joined with '; ' are split where they were joined, not inside brackets or a message's own clauses", () => {
  assert.deepEqual(splitMessages('a (x; y); b [c; d]; e'), ['a (x; y)', 'b [c; d]', 'e']);
  const mixed = "encrypted, not extracted: raw bytes hashed; duplicate name: an earlier member has the same name (both kept; this one's path is marked [duplicate 2]); CRC-32 mismatch: the container records 00000001, the bytes give 00000002";
  assert.deepEqual(issuesOfError(mixed).map((i) => `${i.severity}:${i.code}`), ['notice:encrypted-raw', 'notice:duplicate-name', 'problem:crc-mismatch']);
  assert.equal(problemText(mixed), 'CRC-32 mismatch: the container records 00000001, the bytes give 00000002');
  // A message with clauses of its own stays whole.
  const hash = 'hash mismatch: the extraction report records MD5 0123, this app computed 4567; the extraction tool and this app disagree';
  assert.equal(issuesOfError(hash).length, 1);
  // Notices alone: no problem, nothing to count.
  assert.equal(problemText('GNU sparse file: the stored data is hashed as it is (holes not expanded)'), null);
  assert.equal(hasProblem(null), false);
  // A message no rule knows is a problem (a failure is never hidden by default), even after a notice.
  assert.deepEqual(issuesOfError('GNU sparse file: holes not expanded; something new went wrong').map((i) => `${i.severity}:${i.code}`), [
    'notice:sparse-file',
    'problem:unclassified',
  ]);
  // The name's encoding, from the reader's facts, is a notice too.
  assert.deepEqual(itemIssues(null, { nameEncoding: 'shift_jis' }).map((i) => i.code), ['name-decoded']);
});

async function ok(args: string[]): Promise<string> {
  const r: CliResult = await runCliChild(args, { env: { EVIDENCE_OFFICER: OFFICER } });
  assert.equal(r.code, 0, `evidence ${args.join(' ')}\n${r.err}\n${r.out}`);
  return r.out;
}

interface Row {
  id: number;
  path: string;
  error: string | null;
  issues: { severity: string; code: string; message: string }[];
}

test('a ZIP through the CLI: the encrypted member and the Shift_JIS name are notices, the CRC mismatch is the one problem', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t);
  const casePath = join(dir, 'case');
  await ok(['case', 'init', casePath, '--name', 'Operation Harbour', '--number', 'KH-2026-0007', '--officer', OFFICER]);
  const altered = Buffer.from('these bytes were altered after zipping\n');
  const zipPath = join(dir, 'export.zip');
  writeFileSync(
    zipPath,
    buildZip([
      { name: 'secret.txt', raw: Buffer.alloc(52, 7), method: 8, flags: 1, size: 40, crc: 0x12345678 },
      { name: 'altered.txt', data: altered, crc: (crc32(altered) ^ 0x5a5a5a5a) >>> 0 },
      { name: SJIS_NAME, data: Buffer.from('shift_jis name\n') },
      { name: 'plain.txt', data: Buffer.from('nothing to say\n'), method: 8 },
    ]),
  );
  recordExhibitAt(casePath, 'EXH-1');
  const out = await ok(['ingest', casePath, zipPath, '--exhibit', 'EXH-1']);
  assert.match(out, /problems: +1\b/);
  assert.match(out, /notices: +1\b/); // the encrypted member (a decoded name is noticed on its item)
  assert.match(out, /! export\.zip!\/altered\.txt: CRC-32 mismatch/);
  assert.match(out, /notice: export\.zip!\/secret\.txt: encrypted, not extracted/);

  const all = (JSON.parse(await ok(['ls', casePath, '--json'])) as { items: Row[] }).items;
  const by = (name: string): Row => {
    const r = all.find((i) => i.path.endsWith(name));
    assert.ok(r, `${name} in ${all.map((i) => i.path).join(', ')}`);
    return r;
  };
  const secret = by('secret.txt');
  assert.equal(secret.error, null, 'a notice is not an error');
  assert.deepEqual(secret.issues.map((i) => [i.severity, i.code]), [['notice', 'encrypted-raw']]);
  const crc = by('altered.txt');
  assert.match(crc.error ?? '', /^CRC-32 mismatch/);
  assert.deepEqual(crc.issues.map((i) => [i.severity, i.code]), [['problem', 'crc-mismatch']]);
  const sjis = all.find((i) => i.issues.some((x) => x.code === 'name-decoded'));
  assert.ok(sjis, 'the Shift_JIS name is noticed');
  assert.equal(sjis.error, null);
  assert.equal(by('plain.txt').issues.length, 0);

  // ls --errors: the problem only.
  const errors = (JSON.parse(await ok(['ls', casePath, '--errors', '--json'])) as { items: Row[] }).items;
  assert.deepEqual(errors.map((i) => i.path), [crc.path]);

  // show: the notice on the item, marked as such, with its code; the problem as PROBLEM.
  const shown = await ok(['show', casePath, String(secret.id)]);
  assert.match(shown, /notice: +encrypted, not extracted: raw bytes hashed \[encrypted-raw\]/);
  assert.doesNotMatch(shown, /PROBLEM/);
  const shownCrc = await ok(['show', casePath, String(crc.id)]);
  assert.match(shownCrc, /PROBLEM: +CRC-32 mismatch.*\[crc-mismatch\]/);
  const json = JSON.parse(await ok(['show', casePath, String(secret.id), '--json'])) as Row;
  assert.deepEqual(json.issues.map((i) => i.code), ['encrypted-raw']);
  assert.equal(json.error, null);

  // The stored text is what the custody log committed: verify still passes.
  const v = await runCliChild(['custody', 'verify', casePath], { env: { EVIDENCE_OFFICER: OFFICER } });
  assert.equal(v.code, 0, `${v.err}\n${v.out}`);
});
