// Officer accounts: who may do what in a case, and proof of who did it. Roles are enforced
// here, in the engine, so no front door can skip them.
import { type Officer, ROLE_NAMES } from '../../shared/outputs.ts';
import { can, type Permission } from '../../shared/roles.ts';
import type { KeyObject } from 'node:crypto';
import type { Case } from '../case.ts';
import { EvidenceError } from '../errors.ts';
import { createSecrets, DEFAULT_SCRYPT_N, keyFingerprint, type OfficerSecrets, unlock } from './crypto.ts';
import { checkOfficerName } from './names.ts';
import { checkRecoveryCode } from './recovery.ts';

export const ROLES = ROLE_NAMES;
export type Role = (typeof ROLES)[number];

// The roles and their permissions are one table shared with the app (src/shared/roles.ts).
export type { Permission };

/** Failed sign-ins in a row before an account locks (an examiner or admin unlocks it). */
export const MAX_FAILED_SIGN_INS = 5;

export { can };

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Officer };

/** A signed-in officer: their name and role, and their private key for signing checkpoints. */
export interface SignedIn {
  name: string;
  role: Role;
  publicKey: string;
  privateKey: KeyObject;
}

export interface NewOfficer {
  name: string;
  badge?: string | null;
  unit?: string | null;
  role: Role;
  password: string;
}

interface OfficerRow {
  name: string;
  badge: string | null;
  unit: string | null;
  role: Role;
  status: Officer['status'];
  secrets: string | null;
  failed_sign_ins: number;
  created_at: string;
  created_by: string | null;
}

export function requirePermission(who: SignedIn, p: Permission, what: string): void {
  if (!can(who.role, p)) {
    throw new EvidenceError('FORBIDDEN', `${who.name} is a ${who.role} and may not ${what}. Ask an examiner or admin.`);
  }
}

function checkPassword(password: string): void {
  if (password.length < 8) throw new EvidenceError('USAGE', 'A password needs at least 8 characters.');
}

function toOfficer(r: OfficerRow): Officer {
  const secrets = r.secrets ? (JSON.parse(r.secrets) as OfficerSecrets) : null;
  return {
    name: r.name,
    badge: r.badge,
    unit: r.unit,
    role: r.role,
    status: r.status,
    hasPassword: secrets !== null,
    keyFingerprint: secrets ? keyFingerprint(secrets.publicKey) : null,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

function row(kase: Case, name: string): OfficerRow | undefined {
  return kase.db.prepare('SELECT * FROM officers WHERE name = ?').get(name) as OfficerRow | undefined;
}

/** Every officer name in the case (accounts and names recorded before accounts existed). */
export function officerNames(kase: Case): string[] {
  return (kase.db.prepare('SELECT name FROM officers').all() as { name: string }[]).map((r) => r.name);
}

/**
 * Creates an account. `by` is the signed-in examiner or admin adding it; null only for the
 * first officer of a new case (who becomes its admin).
 */
export function addOfficer(
  kase: Case,
  by: SignedIn | null,
  o: NewOfficer,
  kdfN = DEFAULT_SCRYPT_N,
  /** The case's recovery code, for its first admin (recovery.ts): stored and announced with the account. */
  recovery?: { secret: string; fingerprint: string },
): Officer {
  if (by) requirePermission(by, 'manage-officers', 'add officers');
  else if ((kase.db.prepare('SELECT COUNT(*) AS n FROM officers WHERE secrets IS NOT NULL').get() as { n: number }).n > 0) {
    throw new EvidenceError('FORBIDDEN', 'Only a signed-in examiner or admin can add officers.');
  }
  // NFC, no invisible or control characters, no look-alike of an officer already in the case.
  const name = checkOfficerName(o.name, officerNames(kase));
  checkPassword(o.password);
  const existing = row(kase, name);
  if (existing?.secrets) throw new EvidenceError('CONFLICT', `An officer named "${name}" already exists in this case.`);
  const secrets = createSecrets(o.password, kdfN);
  const now = kase.clock.now().toISOString();
  kase.db.transaction(() => {
    if (existing) {
      // A name recorded before accounts existed gets its account now.
      kase.db
        .prepare('UPDATE officers SET badge = ?, unit = ?, role = ?, status = ?, secrets = ?, created_by = ? WHERE name = ?')
        .run(o.badge ?? null, o.unit ?? null, o.role, 'active', JSON.stringify(secrets), by?.name ?? name, name);
    } else {
      kase.db
        .prepare('INSERT INTO officers (name, badge, unit, role, status, secrets, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(name, o.badge ?? null, o.unit ?? null, o.role, 'active', JSON.stringify(secrets), now, by?.name ?? name);
    }
    kase.db.prepare('INSERT INTO officer_keys (public_key, officer, created_at) VALUES (?, ?, ?)').run(secrets.publicKey, name, now);
    if (recovery) kase.db.prepare('INSERT INTO case_recovery (officer, secret, created_at) VALUES (?, ?, ?)').run(name, recovery.secret, now);
    kase.custody.append({
      officer: by?.name ?? name,
      action: 'officer.added',
      target: `officer:${name}`,
      details: {
        name,
        badge: o.badge ?? null,
        unit: o.unit ?? null,
        role: o.role,
        keyFingerprint: keyFingerprint(secrets.publicKey),
        ...(recovery ? { recoveryCode: recovery.fingerprint } : {}),
      },
    });
  })();
  return toOfficer(row(kase, name)!);
}

export function listOfficers(kase: Case): Officer[] {
  return (kase.db.prepare('SELECT * FROM officers ORDER BY created_at, name').all() as OfficerRow[]).map(toOfficer);
}

/**
 * Checks an officer's password and unwraps their signing key. Every attempt is a custody event;
 * repeated failures lock the account.
 */
export function signIn(kase: Case, name: string, password: string, location?: string | null): SignedIn {
  // Names are stored NFC: the same name typed in decomposed form (e.g. on macOS) is the same officer.
  if (!row(kase, name)) name = name.normalize('NFC').trim();
  const r = row(kase, name);
  // Every attempt is a custody event, including those refused before any password is checked.
  const refuse = (code: 'AUTH_FAILED' | 'OFFICER_DISABLED' | 'OFFICER_LOCKED', why: string, message: string): never => {
    kase.custody.append({
      officer: name,
      action: 'officer.sign-in-refused',
      target: `officer:${name}`,
      details: { why, location: location ?? null },
    });
    throw new EvidenceError(code, message);
  };
  if (!r) {
    return refuse('AUTH_FAILED', 'unknown officer', `There is no officer "${name}" in this case. An examiner or admin can add one with: evidence officer add`);
  }
  if (!r.secrets) {
    return refuse(
      'AUTH_FAILED',
      'no account (name only)',
      `"${name}" was recorded by name only and has no password yet. An examiner or admin can set one with: evidence officer add --name "${name}" ...`,
    );
  }
  if (r.status === 'disabled') {
    return refuse('OFFICER_DISABLED', 'account disabled', `The account of ${name} is disabled. Ask an examiner or admin to enable it.`);
  }
  if (r.status === 'locked') {
    return refuse(
      'OFFICER_LOCKED',
      'account locked',
      `The account of ${name} is locked after ${MAX_FAILED_SIGN_INS} wrong passwords. Ask an examiner or admin to unlock it (evidence officer enable).`,
    );
  }
  const secrets = JSON.parse(r.secrets) as OfficerSecrets;
  const key = unlock(secrets, password);
  if (!key) {
    const failed = r.failed_sign_ins + 1;
    const lock = failed >= MAX_FAILED_SIGN_INS;
    kase.db.transaction(() => {
      kase.db.prepare('UPDATE officers SET failed_sign_ins = ?, status = ? WHERE name = ?').run(failed, lock ? 'locked' : r.status, name);
      kase.custody.append({
        officer: name,
        action: lock ? 'officer.locked' : 'officer.sign-in-failed',
        target: `officer:${name}`,
        details: { failedInARow: failed, status: lock ? 'locked' : r.status, location: location ?? null },
      });
    })();
    throw new EvidenceError(
      lock ? 'OFFICER_LOCKED' : 'AUTH_FAILED',
      lock
        ? `Wrong password for ${name}; the account is now locked after ${failed} failures. Ask an examiner or admin to unlock it.`
        : `Wrong password for ${name} (${failed} of ${MAX_FAILED_SIGN_INS} attempts before the account locks).`,
    );
  }
  return recordSignIn(kase, { name, role: r.role, publicKey: secrets.publicKey, privateKey: key }, { location: location ?? null });
}

/**
 * Throws unless the officer's account is still active: a session outlives neither a disabled
 * nor a locked account (the service checks this on every call, not only at sign-in).
 */
export function assertActive(kase: Case, name: string): void {
  const r = row(kase, name);
  if (!r || !r.secrets) throw new EvidenceError('AUTH_FAILED', `There is no officer account "${name}" in this case. Sign in again.`);
  if (r.status === 'disabled') throw new EvidenceError('OFFICER_DISABLED', `The account of ${name} was disabled. Ask an examiner or admin to enable it.`);
  if (r.status === 'locked') throw new EvidenceError('OFFICER_LOCKED', `The account of ${name} is locked. Ask an examiner or admin to unlock it (evidence officer enable).`);
}

/** Disables, enables or unlocks an account. */
export function setOfficerStatus(kase: Case, by: SignedIn, name: string, status: 'active' | 'disabled', reason: string): Officer {
  requirePermission(by, 'manage-officers', 'change officer accounts');
  const r = row(kase, name);
  if (!r) throw new EvidenceError('NOT_FOUND', `There is no officer "${name}" in this case.`);
  if (name === by.name && status === 'disabled') throw new EvidenceError('USAGE', 'You cannot disable your own account.');
  kase.db.transaction(() => {
    kase.db.prepare('UPDATE officers SET status = ?, failed_sign_ins = 0 WHERE name = ?').run(status, name);
    kase.custody.append({
      officer: by.name,
      action: status === 'disabled' ? 'officer.disabled' : r.status === 'locked' ? 'officer.unlocked' : 'officer.enabled',
      target: `officer:${name}`,
      reason,
      // The new state in full, so a replay of the log gives the table (custody/state.ts).
      details: { previous: r.status, status, failedInARow: 0 },
    });
  })();
  return toOfficer(row(kase, name)!);
}

/**
 * Signs in the officer whose account is locked, with the case's recovery code and their own
 * password (the code alone proves nobody's identity, and the password alone is what a lock
 * stops). The account stays locked until finishRecoveryUnlock, which the service calls once the
 * session signs the officer's events, so the unlock is attributed by key like any other event.
 * A wrong code or password is a refused sign-in, in the log.
 */
export function recoverySignIn(kase: Case, name: string, code: string, password: string, location?: string | null): SignedIn {
  if (!row(kase, name)) name = name.normalize('NFC').trim();
  const r = row(kase, name);
  const refuse = (why: string, message: string): never => {
    kase.custody.append({ officer: name, action: 'officer.sign-in-refused', target: `officer:${name}`, details: { why, location: location ?? null } });
    throw new EvidenceError('AUTH_FAILED', message);
  };
  if (!r || !r.secrets) return refuse('unknown officer (recovery code)', `There is no officer account "${name}" in this case.`);
  if (r.status !== 'locked') {
    throw new EvidenceError(
      'CONFLICT',
      r.status === 'disabled'
        ? `The account of ${name} is disabled, not locked: only an examiner or admin can enable it (evidence officer enable).`
        : `The account of ${name} is not locked: sign in as usual.`,
    );
  }
  if (!checkRecoveryCode(kase, name, code)) {
    return refuse(
      'wrong recovery code',
      `That is not the recovery code of ${name}. The code was shown once when the case was created; ask another examiner or admin to unlock the account (evidence officer enable).`,
    );
  }
  const secrets = JSON.parse(r.secrets) as OfficerSecrets;
  const key = unlock(secrets, password);
  if (!key) return refuse('wrong password (recovery code)', `Wrong password for ${name}: the recovery code unlocks the account only with the officer's own password.`);
  return recordSignIn(kase, { name, role: r.role, publicKey: secrets.publicKey, privateKey: key }, { location: location ?? null, with: 'recovery code' });
}

/** A sign-in that succeeded: the run of failures ends, and the custody log says who signed in, how and where. */
function recordSignIn(kase: Case, who: SignedIn, details: { location: string | null; with?: string }): SignedIn {
  kase.db.transaction(() => {
    kase.db.prepare('UPDATE officers SET failed_sign_ins = 0 WHERE name = ?').run(who.name);
    kase.custody.append({
      officer: who.name,
      action: 'officer.signed-in',
      target: `officer:${who.name}`,
      details: { role: who.role, ...details },
    });
  })();
  return who;
}

/** Unlocks the account of the officer signed in by recoverySignIn, within their signed session. */
export function finishRecoveryUnlock(kase: Case, who: SignedIn, reason: string): Officer {
  kase.db.transaction(() => {
    kase.db.prepare("UPDATE officers SET status = 'active', failed_sign_ins = 0 WHERE name = ?").run(who.name);
    kase.custody.append({
      officer: who.name,
      action: 'officer.unlocked',
      target: `officer:${who.name}`,
      reason,
      details: { previous: 'locked', status: 'active', failedInARow: 0, with: 'recovery code' },
    });
  })();
  return toOfficer(row(kase, who.name)!);
}
