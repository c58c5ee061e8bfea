// Review notes (issue 13): what a prosecutor or a defence expert writes about a bundle's items,
// kept in a file of their own beside the bundle, never in it (the bundle stays exactly as the
// officer signed it).
//
// Where: beside the bundle (its parent folder), named after the bundle and the reviewer:
//   <bundle>.review-<officer>.jsonl   the notes, one JSON object per line
//   <bundle>.review-<officer>.key     the reviewer's Ed25519 key, wrapped by their password
// The bundle's name is in the file name so that two bundles side by side on one stick (a first
// delivery and a later one) do not mix their notes; the officer's name is made safe for every file
// system (anything but letters, digits, '.', '_', '-' becomes '-', with a short hash of the exact
// name when anything was changed, so "A B" and "A-B" never share a file).
//
// The key: made on the reviewer's first note, with the password they give (at least 8
// characters), sealed exactly as an officer's key in a case (officers/crypto.ts: scrypt, then
// AES-256-GCM of the private key), in a 0600 file. It lives beside the notes it signs because a
// reviewer has no account anywhere (a bundle has no sign-in) and the notes must stay checkable
// wherever they are copied; its public key and fingerprint are written in the notes file's first
// line, and the reviewer gives that fingerprint on paper, as officers do for theirs.
//
// Each line: canonical JSON (custody/canonical.ts) of its fields, `hash` = SHA-256 of that JSON
// without `hash` and `signature`, `prev_hash` = the hash of the line before (zeros for the first),
// `signature` = Ed25519 by the reviewer's key of the hash (as text), base64. Line 1 is the header
// (the reviewer, their public key, the bundle it is about), signed by that key. Checking a file
// recomputes every hash, follows every link and checks every signature, and names each line that
// fails, in words: an edited note is named by its line; a removed or inserted one breaks a link.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ReviewNote, ReviewNotes, ReviewNotesFile } from '../../shared/outputs.ts';
import { canonicalJson } from '../custody/canonical.ts';
import { GENESIS_HASH } from '../custody/log.ts';
import { EvidenceError } from '../errors.ts';
import { createSecrets, keyFingerprint, type OfficerSecrets, signText, unlock, verifyText } from '../officers/crypto.ts';
import { type Clock, stamp } from '../time.ts';

export const REVIEW_NOTES_TYPE = 'evidence-catalogue/review-notes';
export const REVIEWER_KEY_TYPE = 'evidence-catalogue/reviewer-key';

/** The name of a bundle as its notes files carry it: the folder's or the ZIP's, without ".zip". */
function bundleBase(bundle: string): string {
  return basename(resolve(bundle)).replace(/\.zip$/i, '');
}

/** The officer's name as a safe part of a file name (see the header). */
export function safeOfficer(officer: string): string {
  const safe = officer.normalize('NFC').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 60);
  if (safe === officer) return safe;
  return `${safe || 'reviewer'}-${createHash('sha256').update(officer, 'utf8').digest('hex').slice(0, 8)}`;
}

export function notesPaths(bundle: string, officer: string): { notes: string; key: string } {
  const base = join(dirname(resolve(bundle)), `${bundleBase(bundle)}.review-${safeOfficer(officer)}`);
  return { notes: `${base}.jsonl`, key: `${base}.key` };
}

interface Line {
  [k: string]: unknown;
  seq: number;
  prev_hash: string;
  hash: string;
  signature: string;
}

function hashOf(fields: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(fields), 'utf8').digest('hex');
}

/** Checks one notes file: every hash, link, sequence number and signature; names each bad line. */
export function checkNotesFile(file: string, bundleId: string | null): ReviewNotesFile {
  const out: ReviewNotesFile = { file, officer: null, keyFingerprint: null, bundleId: null, ok: false, notes: [], problems: [] };
  const raw = readFileSync(file, 'utf8').split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  let key: string | null = null;
  let prev = GENESIS_HASH;
  let expectSeq = 0;
  raw.forEach((text, i) => {
    const n = i + 1;
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
      if (l === null || typeof l !== 'object' || typeof l.hash !== 'string' || typeof l.prev_hash !== 'string' || typeof l.seq !== 'number') throw new Error('not a note');
    } catch {
      out.problems.push({ line: n, what: 'unreadable', message: `Line ${n} is not a review note (not a JSON object with seq, prev_hash and hash): it was damaged or edited.` });
      prev = '';
      expectSeq++;
      return;
    }
    const { hash, signature, ...fields } = l;
    const hashOk = hashOf(fields) === hash;
    if (n === 1) {
      if (l['type'] !== REVIEW_NOTES_TYPE || typeof l['public_key'] !== 'string') {
        out.problems.push({ line: 1, what: 'header', message: `Line 1 is not the header of a review notes file (type ${REVIEW_NOTES_TYPE} with the reviewer's public key): the file was altered or is not one.` });
      } else {
        key = l['public_key'] as string;
        out.officer = typeof l['officer'] === 'string' ? l['officer'] : null;
        out.keyFingerprint = keyFingerprint(key);
        out.bundleId = typeof l['bundle'] === 'string' ? l['bundle'] : null;
        if (l['key_fingerprint'] !== out.keyFingerprint) {
          out.problems.push({ line: 1, what: 'header', message: "Line 1 gives a key fingerprint that is not its public key's: the header was altered." });
        }
        if (bundleId && out.bundleId !== bundleId) {
          out.problems.push({ line: 1, what: 'bundle', message: `These notes are about bundle ${out.bundleId ?? '?'}, not this one (${bundleId}): they were written beside another bundle of the same name.` });
        }
      }
    }
    const lineOk: boolean[] = [];
    if (l.seq !== expectSeq) {
      out.problems.push({ line: n, what: 'seq', message: `Line ${n} is note ${l.seq} where note ${expectSeq} was due: a line was removed, inserted or moved.` });
      lineOk.push(false);
    }
    expectSeq = l.seq + 1;
    if (!hashOk) {
      out.problems.push({ line: n, what: 'hash', message: `Line ${n}${n > 1 ? ` (note ${l.seq} on item ${String(l['item'])})` : ''} was edited: its content no longer matches its hash.` });
      lineOk.push(false);
    }
    if (prev !== '' && l.prev_hash !== prev) {
      out.problems.push({ line: n, what: 'link', message: `Line ${n} does not follow line ${n - 1}: its prev_hash is not that line's hash (a line was removed, inserted or rewritten before it).` });
      lineOk.push(false);
    }
    if (hashOk && (!key || typeof signature !== 'string' || !verifyText(key, hash, signature))) {
      out.problems.push({ line: n, what: 'signature', message: `Line ${n}'s signature is not the reviewer's (key ${out.keyFingerprint ?? 'unknown'}): it was written or rewritten by someone else.` });
      lineOk.push(false);
    }
    prev = hash;
    if (n > 1) {
      out.notes.push({
        line: n,
        seq: l.seq,
        item: typeof l['item'] === 'number' ? l['item'] : 0,
        file: String(l['file'] ?? ''),
        sha256: String(l['sha256'] ?? ''),
        text: String(l['text'] ?? ''),
        officer: String(l['officer'] ?? ''),
        at: String(l['at_utc'] ?? ''),
        hash,
        ok: lineOk.length === 0,
      });
    }
  });
  if (raw.length === 0) out.problems.push({ line: 1, what: 'header', message: 'The file is empty: its header (the reviewer and their key) is missing.' });
  out.ok = out.problems.length === 0;
  return out;
}

/** Every reviewer's notes beside a bundle, each file checked. */
export function listReviewNotes(bundle: string, bundleId: string | null): ReviewNotes {
  const dir = dirname(resolve(bundle));
  const prefix = `${bundleBase(bundle)}.review-`;
  const files = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith('.jsonl')).sort() : [];
  const checked = files.map((n) => checkNotesFile(join(dir, n), bundleId));
  return { bundle: resolve(bundle), ok: checked.every((f) => f.ok), files: checked };
}

interface KeyFile {
  type: string;
  officer: string;
  secrets: OfficerSecrets;
}

/**
 * Adds a note, signed by the reviewer: their key is made on first use (with this password) or
 * unlocked with it. Refused on a notes file that does not check (a note is never chained to a
 * broken file), on a wrong password, and on a key that is not the one the file names.
 */
export function addReviewNote(
  bundle: string,
  target: { bundleId: string; caseUuid: string; id: number; file: string; sha256: string },
  officer: string,
  password: string,
  text: string,
  opts: { clock: Clock; scryptN: number },
): { file: string; keyFingerprint: string; keyCreated: boolean; note: ReviewNote } {
  const body = text.trim();
  if (!body) throw new EvidenceError('USAGE', 'A note needs some text.');
  const paths = notesPaths(bundle, officer);
  let keyCreated = false;
  let kf: KeyFile;
  if (existsSync(paths.key)) {
    try {
      kf = JSON.parse(readFileSync(paths.key, 'utf8')) as KeyFile;
      if (kf.type !== REVIEWER_KEY_TYPE || !kf.secrets?.publicKey) throw new Error('not a key file');
    } catch {
      throw new EvidenceError('USAGE', `${paths.key} is not a reviewer's key file: it was damaged or replaced. Keep it as it is; notes cannot be added under ${officer}'s name until it is restored.`);
    }
  } else {
    if (existsSync(paths.notes)) {
      throw new EvidenceError(
        'NOT_FOUND',
        `The key that signed ${paths.notes} is not beside it (${paths.key} is missing). Restore it from where the notes were written; a new key would not be the reviewer's the notes name.`,
      );
    }
    if (password.length < 8) throw new EvidenceError('USAGE', 'Choose a password of at least 8 characters for your reviewer key (it is made now, on your first note).');
    kf = { type: REVIEWER_KEY_TYPE, officer, secrets: createSecrets(password, opts.scryptN) };
    writeNew(paths.key, `${JSON.stringify(kf, null, 2)}\n`, 0o600);
    keyCreated = true;
  }
  const privateKey = unlock(kf.secrets, password);
  if (!privateKey) throw new EvidenceError('AUTH_FAILED', `Wrong password for ${officer}'s reviewer key (${paths.key}). Nothing was written.`);
  const publicKey = kf.secrets.publicKey;
  const fp = keyFingerprint(publicKey);

  const sign = (fields: Record<string, unknown>): Line => {
    const hash = hashOf(fields);
    return { ...(fields as { seq: number; prev_hash: string }), hash, signature: signText(privateKey, hash) };
  };
  const lines: string[] = [];
  let prev = GENESIS_HASH;
  let seq = 1;
  if (existsSync(paths.notes)) {
    const check = checkNotesFile(paths.notes, target.bundleId);
    if (!check.ok) {
      throw new EvidenceError(
        'CONFLICT',
        `${paths.notes} does not check (${check.problems.map((p) => p.message).join(' ')}) No note was added: a note is never chained to a damaged file. Keep the file as it is and show it to whoever checks the notes.`,
      );
    }
    if (check.keyFingerprint !== fp) throw new EvidenceError('AUTH_FAILED', `${paths.notes} is signed with key ${check.keyFingerprint}, not the key in ${paths.key} (${fp}). Nothing was written.`);
    const raw = readFileSync(paths.notes, 'utf8').trimEnd().split('\n');
    const last = JSON.parse(raw[raw.length - 1]!) as Line;
    prev = last.hash;
    seq = last.seq + 1;
  } else {
    const s = stamp(opts.clock);
    const header = sign({
      type: REVIEW_NOTES_TYPE,
      version: 1,
      seq: 0,
      bundle: target.bundleId,
      bundle_name: bundleBase(bundle),
      case: target.caseUuid,
      officer,
      public_key: publicKey,
      key_fingerprint: fp,
      created_at: s.utc,
      prev_hash: GENESIS_HASH,
    });
    lines.push(canonicalJson(header));
    prev = header.hash;
  }
  const s = stamp(opts.clock);
  const note = sign({
    type: 'note',
    seq,
    bundle: target.bundleId,
    item: target.id,
    file: target.file,
    sha256: target.sha256,
    text: body,
    officer,
    at_utc: s.utc,
    tz_offset: s.offset,
    tz_name: s.zone,
    prev_hash: prev,
  });
  lines.push(canonicalJson(note));
  appendSynced(paths.notes, `${lines.join('\n')}\n`);
  const check = checkNotesFile(paths.notes, target.bundleId);
  const written = check.notes[check.notes.length - 1]!;
  return { file: paths.notes, keyFingerprint: fp, keyCreated, note: written };
}

function writeNew(file: string, data: string, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function appendSynced(file: string, data: string): void {
  const fd = openSync(file, 'a', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
