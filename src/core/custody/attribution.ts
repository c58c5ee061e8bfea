// Who made each custody event, proven with keys (DESIGN.md section 5; issue 10, parts 1 and 4).
//
// An event names an officer, but anyone holding case.db can write a row with a correct chain
// hash. So an event counts as that officer's only when a signature by the officer's own key
// covers it, made with the key the log announced for them (officer.added, with its fingerprint):
//
// - the checkpoint at sign-out (and one asked for during a session) signs a statement that names
//   the officer and the session's first event (`from_seq`): "my events from from_seq to seq, whose
//   head is head_hash". The head hash commits to every event before it, so one signature proves
//   the whole run; the checkpoint's own event and the sign-out that follow it are tied to it
//   (the sign-out checkpoint says a sign-out follows, so that last event cannot go unnoticed);
// - a session's running record (table session_heads) is the same statement re-signed after every
//   event the session writes, so a session cut short by a crash or a power cut still proves its
//   events; case creation is the creator's first such session.
//
// Events outside every signed run are "unattributed": written without the app, or by a session
// whose record is gone. Refused sign-ins are the only events made without a key by nature (a
// wrong password proves nobody); they are counted, never attributed.
import type { AttributionWhat, OfficerAttribution, AttributionSummary } from '../../shared/outputs.ts';
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';
import type { SignedIn } from '../officers/accounts.ts';
import { keyFingerprint, type OfficerSecrets, signText, unlock, verifyText } from '../officers/crypto.ts';
import { canonicalJson } from './canonical.ts';
import type { CustodyEvent } from './log.ts';

export const SESSION_STATEMENT_TYPE = 'evidence-catalogue/custody-session';

/** Events made without any key by their nature: a refused or failed sign-in proves nobody. */
export const KEYLESS_ACTIONS: ReadonlySet<string> = new Set(['officer.sign-in-refused', 'officer.sign-in-failed', 'officer.locked']);

/** How far back in time (ms) one event may be dated against the one before it: clocks drift. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** The text a session's running record signs (canonical JSON; documented in the README). */
export function sessionStatement(f: { caseUuid: string; officer: string; publicKey: string; fromSeq: number; seq: number; headHash: string; atUtc: string }): string {
  return canonicalJson({
    type: SESSION_STATEMENT_TYPE,
    version: 1,
    case: f.caseUuid,
    officer: f.officer,
    public_key: f.publicKey,
    from_seq: f.fromSeq,
    seq: f.seq,
    head_hash: f.headHash,
    at_utc: f.atUtc,
  });
}

const uuids = new WeakMap<DB, string>();
function caseUuidOf(db: DB): string {
  let u = uuids.get(db);
  if (!u) {
    u = (db.prepare('SELECT uuid FROM cases WHERE id = 1').get() as { uuid: string }).uuid;
    uuids.set(db, u);
  }
  return u;
}

// -------------------------------------------------------------------------------------------
// Signing: the sessions of this process sign their officer's events as they are written.

interface Signer {
  token: string;
  who: Pick<SignedIn, 'name' | 'publicKey' | 'privateKey'>;
  fromSeq: number;
}

const sessions = new WeakMap<Case, Signer[]>();

function signHead(kase: Case, s: Signer, head: { seq: number; hash: string }): void {
  const atUtc = kase.clock.now().toISOString();
  const statement = sessionStatement({
    caseUuid: caseUuidOf(kase.db),
    officer: s.who.name,
    publicKey: s.who.publicKey,
    fromSeq: s.fromSeq,
    seq: head.seq,
    headHash: head.hash,
    atUtc,
  });
  kase.db
    .prepare(
      `INSERT INTO session_heads (officer, from_seq, seq, head_hash, at_utc, public_key, statement, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (officer, from_seq) DO UPDATE SET seq = excluded.seq, head_hash = excluded.head_hash, at_utc = excluded.at_utc,
         public_key = excluded.public_key, statement = excluded.statement, signature = excluded.signature`,
    )
    .run(s.who.name, s.fromSeq, head.seq, head.hash, atUtc, s.who.publicKey, statement, signText(s.who.privateKey, statement));
}

/**
 * Starts signing `who`'s events in this case: from now on, every event recorded under their
 * name re-signs the session's record (inside the same transaction as the event).
 */
export function openSession(kase: Case, token: string, who: SignedIn, fromSeq: number): void {
  let list = sessions.get(kase);
  if (!list) {
    const mine: Signer[] = (list = []);
    sessions.set(kase, mine);
    const before = kase.custody.afterAppend;
    kase.custody.afterAppend = (e: CustodyEvent) => {
      before?.(e);
      // The officer's most recent session in this process signs (any of theirs covers the event).
      for (let i = mine.length - 1; i >= 0; i--) {
        if (mine[i]!.who.name === e.officer) {
          signHead(kase, mine[i]!, e);
          return;
        }
      }
    };
  }
  const s: Signer = { token, who, fromSeq };
  list.push(s);
  signHead(kase, s, kase.custody.head());
}

/** Stops signing for a session (at its sign-out). */
export function closeSession(kase: Case, token: string): void {
  const list = sessions.get(kase);
  if (!list) return;
  const i = list.findIndex((s) => s.token === token);
  if (i >= 0) list.splice(i, 1);
}

/** The sequence number of the officer's latest sign-in: where a new session's events begin. */
export function lastSignInSeq(db: DB, officer: string): number | null {
  const r = db.prepare("SELECT MAX(seq) AS s FROM custody_events WHERE action = 'officer.signed-in' AND officer = ?").get(officer) as { s: number | null };
  return r.s;
}

/**
 * Case creation is its creator's first session: the events written before anyone could sign
 * in (case.created, the creator's officer.added) are signed with the key just made, unlocked
 * once more with the password just chosen.
 */
export function signCreation(kase: Case, officer: string, password: string): void {
  const row = kase.db.prepare('SELECT secrets FROM officers WHERE name = ?').get(officer) as { secrets: string | null } | undefined;
  if (!row?.secrets) return;
  const secrets = JSON.parse(row.secrets) as OfficerSecrets;
  const privateKey = unlock(secrets, password);
  if (!privateKey) return;
  signHead(kase, { token: '', who: { name: officer, publicKey: secrets.publicKey, privateKey }, fromSeq: 1 }, kase.custody.head());
}

// -------------------------------------------------------------------------------------------
// Verifying.

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { AttributionWhat, OfficerAttribution, AttributionSummary };

export interface AttributionFinding {
  seq: number;
  what: AttributionWhat;
  message: string;
}

/** The key fingerprints the log announced, per officer, in log order. */
export function announcedKeys(db: DB): Map<string, { seq: number; fingerprint: string }[]> {
  const out = new Map<string, { seq: number; fingerprint: string }[]>();
  for (const r of db.prepare("SELECT seq, target, details FROM custody_events WHERE action = 'officer.added' ORDER BY seq").all() as {
    seq: number;
    target: string | null;
    details: string;
  }[]) {
    let d: Record<string, unknown> = {};
    try {
      d = JSON.parse(r.details) as Record<string, unknown>;
    } catch {
      /* an unreadable row is named by the chain check */
    }
    const name = typeof d.name === 'string' ? d.name : (r.target ?? '').replace(/^officer:/, '');
    if (typeof d.keyFingerprint !== 'string') continue;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push({ seq: r.seq, fingerprint: d.keyFingerprint });
  }
  return out;
}

/** The fingerprint announced for `officer` at or before event `seq`, or null. */
export function keyAt(keys: Map<string, { seq: number; fingerprint: string }[]>, officer: string, seq: number): string | null {
  let fp: string | null = null;
  for (const a of keys.get(officer) ?? []) {
    if (a.seq > seq) break;
    fp = a.fingerprint;
  }
  return fp;
}

/** "2026-12-04 13:52:07 UTC" */
export function utcText(iso: string): string {
  return Number.isNaN(Date.parse(iso)) ? String(iso) : `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function duration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

/** Sorted, merged [from, to] ranges and a binary-search lookup. */
class Ranges {
  private list: [number, number][] = [];
  private merged: [number, number][] | null = null;
  add(from: number, to: number): void {
    if (to >= from) this.list.push([from, to]);
    this.merged = null;
  }
  has(seq: number): boolean {
    if (!this.merged) {
      const sorted = [...this.list].sort((a, b) => a[0] - b[0]);
      const m: [number, number][] = [];
      for (const r of sorted) {
        const last = m[m.length - 1];
        if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
        else m.push([r[0], r[1]]);
      }
      this.merged = m;
    }
    let lo = 0;
    let hi = this.merged.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = this.merged[mid]!;
      if (seq < a) hi = mid - 1;
      else if (seq > b) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

interface CheckpointRow {
  id: number;
  seq: number;
  officer: string;
  public_key: string;
  statement: string;
  signature: string;
}

interface SessionRow {
  officer: string;
  from_seq: number;
  seq: number;
  head_hash: string;
  at_utc: string;
  public_key: string;
  statement: string;
  signature: string;
}

function parseObject(s: string | null): Record<string, unknown> {
  if (!s) return {};
  try {
    const v = JSON.parse(s) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const actionWords = (actions: string[]): string => {
  const shown = actions.slice(0, 3).join(', ');
  return actions.length > 3 ? `${shown} and ${actions.length - 3} more` : shown;
};

/**
 * Checks, for every event, that its officer's key signed it; that times do not run backwards;
 * that the officers' keys each checkpoint recorded are those the log announced; and that a
 * sign-out checkpoint is followed by its sign-out.
 */
export function verifyAttribution(db: DB): { findings: AttributionFinding[]; summary: AttributionSummary } {
  const findings: AttributionFinding[] = [];
  const caseUuid = caseUuidOf(db);
  const headSeq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM custody_events').get() as { s: number }).s;
  const hashAt = db.prepare('SELECT hash FROM custody_events WHERE seq = ?').pluck();
  const eventAt = db.prepare('SELECT seq, officer, action, target, details FROM custody_events WHERE seq = ?');
  const keys = announcedKeys(db);
  const lastSignIn = db.prepare("SELECT MAX(seq) FROM custody_events WHERE action = 'officer.signed-in' AND officer = ? AND seq <= ?").pluck();

  // Checkpoints: each claims its officer's events from the session's start to its head. A
  // checkpoint whose signature, key or head is wrong is named by the checkpoint checks; its
  // claim still stands here, so one tampered checkpoint is one finding, not one per event.
  const claims = new Map<string, Ranges>();
  const claim = (officer: string, from: number, to: number): void => {
    let r = claims.get(officer);
    if (!r) claims.set(officer, (r = new Ranges()));
    r.add(from, to);
  };
  const cpById = new Map<number, CheckpointRow>();
  for (const cp of db.prepare('SELECT id, seq, officer, public_key, statement, signature FROM checkpoints ORDER BY id').all() as CheckpointRow[]) {
    cpById.set(cp.id, cp);
    const st = parseObject(cp.statement);
    const v2 = st.version === 2 && Number.isInteger(st.from_seq);
    // A version 1 statement (made before sessions were signed) names no first event: its
    // session began at the officer's last sign-in before it, as the signed log itself shows.
    const from = v2 ? (st.from_seq as number) : ((lastSignIn.get(cp.officer, cp.seq) as number | null) ?? cp.seq);
    claim(cp.officer, Math.max(1, from), cp.seq);
    if (!v2 || st.officer !== cp.officer) continue;
    // What the statement says counts only if its signature verifies (a bad one is named by the
    // checkpoint checks). Checked only where the statement disagrees with the log: agreeing, it
    // adds nothing to prove, and a million-event log has thousands of checkpoints.
    let signatureOk: boolean | null = null;
    const genuine = (): boolean => (signatureOk ??= verifyText(cp.public_key, cp.statement, cp.signature));

    // The officers' keys the checkpoint recorded are the ones the log had announced by then.
    const recorded = st.officers !== null && typeof st.officers === 'object' ? (st.officers as Record<string, unknown>) : {};
    for (const [name, fp] of Object.entries(recorded)) {
      const announced = keyAt(keys, name, cp.seq);
      if (announced !== fp && genuine()) {
        findings.push({
          seq: cp.seq,
          what: 'key-mismatch',
          message: `checkpoint ${cp.id} (event ${cp.seq}, signed by ${cp.officer}) records the signing key ${String(fp)} for ${name}, but the log ${announced ? `announced ${announced}` : 'never announced a key for them'} by then: an officer's key was replaced in the database`,
        });
      }
    }

    // A sign-out checkpoint says its sign-out follows: event seq+1 records the checkpoint, event
    // seq+2 is the sign-out. (A missing or different seq+1 is named by the checkpoint checks.)
    const recordedBy = eventAt.get(cp.seq + 1) as { action: string; target?: string } | undefined;
    if (st.sign_out === true && recordedBy?.action === 'custody.checkpoint' && recordedBy.target === `checkpoint:${cp.id}`) {
      const out = eventAt.get(cp.seq + 2) as { seq: number; officer: string; action: string; details: string } | undefined;
      if (!out) {
        if (genuine())
          findings.push({
            seq: cp.seq + 2,
            what: 'sign-out-deleted',
            message: `checkpoint ${cp.id} was signed as ${cp.officer} signed out, so event ${cp.seq + 2} must be that sign-out, but the log ends at event ${cp.seq + 1}: the final sign-out was deleted`,
          });
      } else if ((out.action !== 'officer.signed-out' || out.officer !== cp.officer || parseObject(out.details).checkpoint !== cp.id) && genuine()) {
        findings.push({
          seq: cp.seq + 2,
          what: 'sign-out-deleted',
          message: `event ${cp.seq + 2} must be the sign-out of ${cp.officer} that checkpoint ${cp.id} announced, but it is ${out.action} by ${out.officer}: the sign-out was deleted (or replaced)`,
        });
      }
    }
  }

  // Session records, checked only where they are the proof of some event.
  const sessionsOf = new Map<string, SessionRow[]>();
  for (const s of db.prepare('SELECT * FROM session_heads ORDER BY from_seq').all() as SessionRow[]) {
    let l = sessionsOf.get(s.officer);
    if (!l) sessionsOf.set(s.officer, (l = []));
    l.push(s);
  }
  const sessionState = new Map<SessionRow, boolean>();
  const usedSessions = new Set<SessionRow>();
  const checkSession = (s: SessionRow): boolean => {
    const known = sessionState.get(s);
    if (known !== undefined) return known;
    const label = `the signed record of ${s.officer}'s session from event ${s.from_seq}`;
    const expected = sessionStatement({
      caseUuid,
      officer: s.officer,
      publicKey: s.public_key,
      fromSeq: s.from_seq,
      seq: s.seq,
      headHash: s.head_hash,
      atUtc: s.at_utc,
    });
    let bad: AttributionFinding | null = null;
    if (s.statement !== expected || !verifyText(s.public_key, s.statement, s.signature)) {
      bad = { seq: s.from_seq, what: 'session-record', message: `${label} has a signature that does not verify: it was forged or altered, and proves nothing` };
    } else {
      const fp = keyFingerprint(s.public_key);
      const announced = keyAt(keys, s.officer, s.seq);
      if (announced !== fp) {
        bad = {
          seq: s.from_seq,
          what: 'session-record',
          message: `${label} is signed with the key ${fp}, which the log never announced for ${s.officer}${announced ? ` (it announced ${announced})` : ''}: nothing it signs is trusted`,
        };
      } else if (s.seq > headSeq) {
        bad = {
          seq: headSeq + 1,
          what: 'tail-deleted',
          message: `the log ends at event ${headSeq}, but ${label} was signed up to event ${s.seq}: events ${headSeq + 1} to ${s.seq} (at least) were deleted`,
        };
      } else if (hashAt.get(s.seq) !== s.head_hash) {
        bad = {
          seq: s.from_seq,
          what: 'rewritten',
          message: `event ${s.seq} is not the one ${label} signed: the log was re-written (hashes recomputed) somewhere in events ${s.from_seq} to ${s.seq}`,
        };
      }
    }
    if (bad) findings.push(bad);
    sessionState.set(s, bad === null);
    return bad === null;
  };

  const per = new Map<string, OfficerAttribution>();
  const stats = (officer: string): OfficerAttribution => {
    let o = per.get(officer);
    if (!o) {
      const list = keys.get(officer);
      per.set(officer, (o = { officer, keyFingerprint: list?.[list.length - 1]?.fingerprint ?? null, events: 0, signedAtCheckpoints: 0, signedBySessionRecord: 0, unattributed: 0 }));
    }
    return o;
  };
  let keyless = 0;
  let unattributed = 0;
  // Runs of unattributed events (adjacent sequence numbers), named once each.
  let run: { from: number; to: number; officers: Set<string>; actions: string[] } | null = null;
  const flush = (): void => {
    if (!run) return;
    const who = [...run.officers];
    const range = run.from === run.to ? `event ${run.from}` : `events ${run.from} to ${run.to}`;
    findings.push({
      seq: run.from,
      what: 'unattributed',
      message:
        `${range} (${actionWords(run.actions)}), recorded as ${who.join(' and ')}, ${run.from === run.to ? 'is' : 'are'} not signed by ${who.length === 1 ? 'that officer\'s' : 'their'} key: ` +
        'no signed session covers them. They were written into case.db without the app (forged), or by a session whose signed record was removed',
    });
    run = null;
  };

  let prevT = Number.NaN;
  let prevAt = '';
  const rows = db
    .prepare(
      "SELECT seq, officer, action, at_utc, target, CASE WHEN action = 'officer.signed-out' THEN details END AS details FROM custody_events ORDER BY seq",
    )
    .raw()
    .iterate() as IterableIterator<[number, string, string, string, string | null, string | null]>;
  for (const [seq, officer, action, atUtc, target, details] of rows) {
    // Times follow the order of the log (within what clocks drift).
    const t = Date.parse(atUtc);
    if (!Number.isNaN(prevT) && t < prevT - CLOCK_TOLERANCE_MS) {
      findings.push({
        seq,
        what: 'backdated',
        message: `event ${seq} (${action} by ${officer}) is dated ${utcText(atUtc)}, ${duration(prevT - t)} before the event recorded ahead of it (${utcText(prevAt)}): its time was set back (backdated), or the computer's clock was wrong`,
      });
    }
    if (!Number.isNaN(t) && (Number.isNaN(prevT) || t > prevT)) {
      prevT = t;
      prevAt = atUtc;
    }

    if (KEYLESS_ACTIONS.has(action)) {
      keyless++;
      flush();
      continue;
    }
    const o = stats(officer);
    o.events++;
    let ok = false;
    if (action === 'custody.checkpoint') {
      const cp = cpById.get(Number((target ?? '').split(':')[1]));
      ok = cp !== undefined && cp.officer === officer && cp.seq + 1 === seq;
    } else if (action === 'officer.signed-out') {
      const cp = cpById.get(Number(parseObject(details).checkpoint));
      ok = cp !== undefined && cp.officer === officer && cp.seq + 2 === seq;
    }
    if (ok || claims.get(officer)?.has(seq)) {
      o.signedAtCheckpoints++;
      flush();
      continue;
    }
    // Not under any checkpoint: a session's running record may prove it.
    const candidates = sessionsOf.get(officer) ?? [];
    let proven = false;
    let claimed = false;
    // The latest sessions that began at or before the event (concurrent sessions overlap).
    let hi = candidates.length - 1;
    while (hi >= 0 && candidates[hi]!.from_seq > seq) hi--;
    for (let i = hi, n = 0; i >= 0 && n < 64; i--, n++) {
      const s = candidates[i]!;
      if (s.seq < seq) continue;
      claimed = true;
      if (checkSession(s)) {
        proven = true;
        usedSessions.add(s);
        break;
      }
    }
    if (proven) {
      o.signedBySessionRecord++;
      flush();
      continue;
    }
    o.unattributed++;
    unattributed++;
    if (claimed) {
      // Its session record is bad, and already named.
      flush();
      continue;
    }
    if (run && run.to === seq - 1) {
      run.to = seq;
      run.officers.add(officer);
      run.actions.push(action);
    } else {
      flush();
      run = { from: seq, to: seq, officers: new Set([officer]), actions: [action] };
    }
  }
  flush();

  return {
    findings,
    summary: {
      officers: [...per.values()],
      keyless,
      unattributed,
      // (The case's creation, events from 1, is a session of its own that ends without a sign-out.)
      openSessions: [...usedSessions].filter((s) => s.from_seq > 1).map((s) => ({ officer: s.officer, fromSeq: s.from_seq, seq: s.seq })),
    },
  };
}
