// Helpers for the officer, exhibit and custody tests: a raw look at case.db (no engine code),
// the documented canonical JSON written out here a second time, a settable clock, re-chaining
// a log the way an attacker would, and assertions on the engine's coded errors.
import '../setup.ts';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../src/core/time.ts';

export const GENESIS = '0'.repeat(64);

/** Sorted-keys JSON, no whitespace, keys in code-point order (what jq -cS and Python's sort_keys give). */
export function sortedJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
}

export interface EventRow {
  seq: number;
  at_utc: string;
  tz_offset: string;
  tz_name: string;
  officer: string;
  host: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The README's hash of one row: SHA-256 of the canonical JSON of every field but `hash`. */
export function rowHash(r: EventRow): string {
  const body = {
    seq: r.seq,
    at_utc: r.at_utc,
    tz_offset: r.tz_offset,
    tz_name: r.tz_name,
    officer: r.officer,
    host: r.host,
    action: r.action,
    target: r.target,
    reason: r.reason,
    details: JSON.parse(r.details) as unknown,
    prev_hash: r.prev_hash,
  };
  return createHash('sha256').update(sortedJson(body), 'utf8').digest('hex');
}

export const dbFile = (casePath: string): string => join(casePath, 'case.db');

/** Runs `fn` on a writable connection to case.db, then closes it. */
export function withDb<T>(casePath: string, fn: (db: Database.Database) => T): T {
  const db = new Database(dbFile(casePath), { fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function events(casePath: string): EventRow[] {
  return withDb(casePath, (db) => db.prepare('SELECT * FROM custody_events ORDER BY seq').all() as EventRow[]);
}

export function actions(casePath: string): string[] {
  return events(casePath).map((e) => e.action);
}

export function details(e: EventRow): Record<string, unknown> {
  return JSON.parse(e.details) as Record<string, unknown>;
}

/**
 * What an attacker with the database (and no officer's key) can do: change rows from `fromSeq`
 * on with `edit`, then recompute every prev_hash and hash after it so the chain links again.
 */
export function rechain(casePath: string, fromSeq: number, edit: (r: EventRow) => EventRow): void {
  withDb(casePath, (db) => {
    db.exec('DROP TRIGGER IF EXISTS custody_events_no_update');
    const rows = db.prepare('SELECT * FROM custody_events ORDER BY seq').all() as EventRow[];
    const upd = db.prepare('UPDATE custody_events SET officer=@officer, action=@action, target=@target, reason=@reason, details=@details, prev_hash=@prev_hash, hash=@hash WHERE seq=@seq');
    db.transaction(() => {
      let prev = GENESIS;
      for (const r0 of rows) {
        let r = r0;
        if (r.seq >= fromSeq) {
          r = edit({ ...r0 });
          r.prev_hash = prev;
          r.hash = rowHash(r);
          upd.run(r);
        }
        prev = r.hash;
      }
    })();
  });
}

/** A clock whose time and zone the test sets. */
export function fixedClock(iso: string, zone: string): Clock & { set(iso: string): void; zone(z: string): void } {
  let now = new Date(iso);
  let tz = zone;
  return {
    now: () => new Date(now),
    zoneName: () => tz,
    set: (s) => {
      now = new Date(s);
    },
    zone: (z) => {
      tz = z;
    },
  };
}

/** Asserts `fn` throws an engine error with this code (and message). */
export function throwsCode(fn: () => unknown, code: string, message?: RegExp, label = ''): void {
  assert.throws(
    fn,
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      assert.equal(e.code, code, `${label} error code (message: ${e.message})`);
      if (message) assert.match(e.message ?? '', message, label);
      return true;
    },
    label || undefined,
  );
}

export async function rejectsCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    const e = err as { code?: string; message?: string };
    assert.equal(e.code, code, `error code (message: ${e.message})`);
    if (message) assert.match(e.message ?? '', message);
    return true;
  });
}

/** Ed25519 verification with node:crypto alone, from an SPKI DER public key in base64. */
export function ed25519Verifies(spkiB64: string, text: string, sigB64: string): boolean {
  const key = createPublicKey({ key: Buffer.from(spkiB64, 'base64'), format: 'der', type: 'spki' });
  assert.equal(key.asymmetricKeyType, 'ed25519');
  return cryptoVerify(null, Buffer.from(text, 'utf8'), key, Buffer.from(sigB64, 'base64'));
}

/** A PEM public key written by hand from SPKI DER (base64 in 64-character lines). */
export function writePem(path: string, spkiB64: string): void {
  const lines = Buffer.from(spkiB64, 'base64').toString('base64').match(/.{1,64}/g) ?? [];
  writeFileSync(path, `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`);
}

/** Temporarily sets environment variables around an async function. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
