// The case's recovery code (issue 10, part 5). Five wrong passwords from anyone lock an account,
// and an admin's account is unlocked by another admin; but the only admin, locked by someone
// guessing at their password, would have no way back. So the officer who creates a case gets a
// recovery code, shown once (write it down, keep it sealed with the case papers). With it and
// their own password, that officer unlocks their account. Only a scrypt verifier of the code is
// kept; the log records its fingerprint (custody/state.ts checks the table against it), and
// every use, good or bad.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Case } from '../case.ts';
import { EvidenceError } from '../errors.ts';
import { DEFAULT_SCRYPT_N, type KdfParams } from './crypto.ts';

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 24 characters of 5 bits: 120 bits, far beyond guessing even without scrypt. */
const CODE_CHARS = 24;

interface RecoverySecret {
  kdf: KdfParams;
  verifier: string;
}

/** A new code, as shown: six groups of four characters. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(CODE_CHARS);
  let s = '';
  for (let i = 0; i < CODE_CHARS; i++) s += ALPHABET[bytes[i]! & 31];
  return s.match(/.{4}/g)!.join('-');
}

/** The code as typed, reduced to its characters: case, spaces and dashes do not matter; O is 0, I and L are 1. */
export function normaliseRecoveryCode(typed: string): string {
  return typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

function derive(code: string, kdf: KdfParams): Buffer {
  return scryptSync(normaliseRecoveryCode(code), Buffer.from(kdf.salt, 'base64'), 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r + 1024 * 1024,
  });
}

/** First 16 hex of SHA-256 of the stored verifier text: what the custody event records. */
export function recoveryFingerprint(secretJson: string): string {
  return createHash('sha256').update(secretJson, 'utf8').digest('hex').slice(0, 16);
}

/**
 * A new recovery code and what the case keeps of it: the verifier (for case_recovery) and its
 * fingerprint (for the creator's officer.added event, which records both; see addOfficer).
 * The code itself is returned to be shown once, and never stored.
 */
export function newRecoverySecret(N = DEFAULT_SCRYPT_N): { code: string; secret: string; fingerprint: string } {
  const code = newRecoveryCode();
  const kdf: KdfParams = { N, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
  const secret = JSON.stringify({ kdf, verifier: derive(code, kdf).toString('base64') } satisfies RecoverySecret);
  return { code, secret, fingerprint: recoveryFingerprint(secret) };
}

/** True when `typed` is the recovery code of `officer`; false when it is not, or they have none. */
export function checkRecoveryCode(kase: Case, officer: string, typed: string): boolean {
  const row = kase.db.prepare('SELECT secret FROM case_recovery WHERE officer = ?').get(officer) as { secret: string } | undefined;
  if (!row) return false;
  let s: RecoverySecret;
  try {
    s = JSON.parse(row.secret) as RecoverySecret;
  } catch {
    throw new EvidenceError('CASE_DAMAGED', `The recovery code record of ${officer} in case.db cannot be read.`);
  }
  const want = Buffer.from(s.verifier, 'base64');
  const got = derive(typed, s.kdf);
  return want.length === got.length && timingSafeEqual(want, got);
}
