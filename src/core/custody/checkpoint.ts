// Signed checkpoints of the custody chain and the full custody verification an examiner runs:
// the hash chain row by row, every checkpoint's signature and key, the chain against what each
// checkpoint vouched for, and the two signatures of every custody transfer.
import type { Checkpoint, CustodyFinding, CustodyReport } from '../../shared/outputs.ts';
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';
import { keyFingerprint, signText, verifyText } from '../officers/crypto.ts';
import type { SignedIn } from '../officers/accounts.ts';
import { lastSignInSeq, verifyAttribution } from './attribution.ts';
import { canonicalJson } from './canonical.ts';
import { verifyChain } from './log.ts';
import { type ReceiptSources, type ReceiptWrite, verifyReceipts, witnessFolders, writeReceipts } from './receipts.ts';
import { verifyState } from './state.ts';

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Checkpoint, CustodyFinding, CustodyReport };

/**
 * What a version 2 checkpoint adds (attribution.ts, receipts.ts): the first event of the signer's
 * session (the signature vouches for the signer's events from there to the head), the key
 * fingerprints of every officer at that moment, the witness folders, and whether the signer is
 * signing out (then the sign-out must follow as event seq + 2).
 */
export interface CheckpointScope {
  fromSeq: number;
  officers: Record<string, string>;
  witnesses: string[];
  signOut: boolean;
}

/** The exact text an officer signs for a checkpoint (canonical JSON; documented in the README). */
export function checkpointStatement(f: {
  caseUuid: string;
  seq: number;
  headHash: string;
  atUtc: string;
  officer: string;
  publicKey: string;
  scope?: CheckpointScope;
}): string {
  const v1 = {
    type: 'evidence-catalogue/custody-checkpoint',
    version: 1,
    case: f.caseUuid,
    seq: f.seq,
    head_hash: f.headHash,
    at_utc: f.atUtc,
    officer: f.officer,
    public_key: f.publicKey,
  };
  if (!f.scope) return canonicalJson(v1);
  return canonicalJson({
    ...v1,
    version: 2,
    key_fingerprint: keyFingerprint(f.publicKey),
    from_seq: f.scope.fromSeq,
    officers: f.scope.officers,
    witnesses: f.scope.witnesses,
    sign_out: f.scope.signOut,
  });
}

/** The scope a stored statement carries (version 2), as written, to rebuild it for checking. */
function scopeOf(statement: string): CheckpointScope | undefined {
  const st = parseDetails(statement);
  if (st.version !== 2) return undefined;
  return { fromSeq: st.from_seq as number, officers: st.officers as Record<string, string>, witnesses: st.witnesses as string[], signOut: st.sign_out as boolean };
}

/** Every officer's key fingerprint now (the keys sign-in unlocks), for a checkpoint to record. */
function officerKeys(db: DB): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of db.prepare('SELECT name, secrets FROM officers WHERE secrets IS NOT NULL ORDER BY name').all() as { name: string; secrets: string }[]) {
    try {
      out[r.name] = keyFingerprint((JSON.parse(r.secrets) as { publicKey: string }).publicKey);
    } catch {
      /* an unreadable account cannot sign in either */
    }
  }
  return out;
}

export interface CheckpointOptions {
  /** The first event of the signer's session (default: their latest sign-in). */
  fromSeq?: number;
  /** Signing out: the officer.signed-out event is recorded with the checkpoint. */
  signOut?: boolean;
  /** The app-data receipts folder (null or absent: only witness folders get the receipt). */
  receiptsDir?: string | null;
}

/**
 * Signs the current head of the chain and records it (and a custody event saying so; at a
 * sign-out, the sign-out event too, in the same transaction). Then appends the receipt outside
 * the case: a receipt that cannot be written never undoes the checkpoint, it is reported.
 */
export function makeCheckpoint(kase: Case, who: SignedIn, reason: string, opts: CheckpointOptions = {}): Checkpoint & { receipt: ReceiptWrite } {
  let witnesses: string[] = [];
  const cp = kase.db.transaction((): Checkpoint => {
    const head = kase.custody.head();
    const atUtc = kase.clock.now().toISOString();
    witnesses = witnessFolders(kase.db);
    const statement = checkpointStatement({
      caseUuid: kase.info().uuid,
      seq: head.seq,
      headHash: head.hash,
      atUtc,
      officer: who.name,
      publicKey: who.publicKey,
      scope: {
        fromSeq: opts.fromSeq ?? lastSignInSeq(kase.db, who.name) ?? head.seq,
        officers: officerKeys(kase.db),
        witnesses,
        signOut: opts.signOut === true,
      },
    });
    const signature = signText(who.privateKey, statement);
    const id = Number(
      kase.db
        .prepare('INSERT INTO checkpoints (seq, head_hash, at_utc, officer, public_key, statement, signature) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(head.seq, head.hash, atUtc, who.name, who.publicKey, statement, signature).lastInsertRowid,
    );
    kase.custody.append({
      officer: who.name,
      action: 'custody.checkpoint',
      target: `checkpoint:${id}`,
      reason,
      details: { checkpoint: id, seq: head.seq, head_hash: head.hash, signature, keyFingerprint: keyFingerprint(who.publicKey) },
    });
    if (opts.signOut) {
      kase.custody.append({ officer: who.name, action: 'officer.signed-out', target: `officer:${who.name}`, details: { checkpoint: id } });
    }
    return { id, seq: head.seq, head_hash: head.hash, at_utc: atUtc, officer: who.name, public_key: who.publicKey, statement, signature };
  }).immediate();
  const receipt = writeReceipts({
    caseUuid: kase.info().uuid,
    seq: cp.seq,
    headHash: cp.head_hash,
    statement: cp.statement,
    signature: cp.signature,
    appDir: opts.receiptsDir ?? null,
    witnesses,
  });
  return { ...cp, receipt };
}

export function latestCheckpoint(db: DB): Checkpoint | null {
  return (db.prepare('SELECT * FROM checkpoints ORDER BY id DESC LIMIT 1').get() as Checkpoint | undefined) ?? null;
}

export interface CustodyVerifyOptions {
  /** Where to look for receipts; none given: the witness folders the case names only. */
  receipts?: ReceiptSources;
}

interface EventRow {
  seq: number;
  action: string;
  target: string | null;
  details: string;
}

function parseDetails(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Verifies the custody log as an independent examiner would. `external` is a checkpoint kept
 * outside the case (from a bundle, or printed on a form): it catches a log whose checkpoints
 * table was also rolled back.
 */
export function verifyCustody(db: DB, external: Checkpoint[] = [], opts: CustodyVerifyOptions = {}): CustodyReport {
  const chain = verifyChain(db);
  const findings: CustodyFinding[] = [];
  for (const p of chain.problems) findings.push({ seq: p.seq, what: 'chain-broken', message: p.message });

  // A key counts only when the log itself announced it: an officer.added event for that officer
  // naming the key's fingerprint. A row slipped into officer_keys by editing the database is not
  // trusted, and is named.
  const announced = new Map<string, number>(); // "officer\nfingerprint" -> seq of officer.added
  for (const ev of db.prepare("SELECT seq, action, target, details FROM custody_events WHERE action = 'officer.added' ORDER BY seq").all() as EventRow[]) {
    const d = parseDetails(ev.details);
    const name = typeof d.name === 'string' ? d.name : (ev.target ?? '').replace(/^officer:/, '');
    const k = `${name}\n${String(d.keyFingerprint)}`;
    if (!announced.has(k)) announced.set(k, ev.seq);
  }
  const registered = db.prepare('SELECT public_key, officer FROM officer_keys ORDER BY rowid').all() as { public_key: string; officer: string }[];
  const knownKeys = new Map<string, string>();
  const unannounced: { public_key: string; officer: string }[] = [];
  for (const k of registered) {
    if (announced.has(`${k.officer}\n${keyFingerprint(k.public_key)}`)) knownKeys.set(k.public_key, k.officer);
    else unannounced.push(k);
  }

  const hashAt = db.prepare('SELECT hash FROM custody_events WHERE seq = ?');
  const eventAt = db.prepare('SELECT seq, action, target, details FROM custody_events WHERE seq = ?');
  const caseUuid = (db.prepare('SELECT uuid FROM cases WHERE id = 1').get() as { uuid: string }).uuid;
  const stored = db.prepare('SELECT * FROM checkpoints ORDER BY id').all() as Checkpoint[];
  const all = [...stored, ...external.map((c) => ({ ...c, id: c.id ?? 0 }))];

  // First pass: each checkpoint's signature, key, and whether the chain still has the head it signed.
  type Outcome = { cp: Checkpoint; label: string; state: 'bad' | 'missing-head' | 'mismatch' | 'matches' };
  const outcomes: Outcome[] = [];
  for (const cp of all) {
    const label = cp.id ? `checkpoint ${cp.id}` : 'the external checkpoint';
    const expectStatement = checkpointStatement({
      caseUuid,
      seq: cp.seq,
      headHash: cp.head_hash,
      atUtc: cp.at_utc,
      officer: cp.officer,
      publicKey: cp.public_key,
      scope: scopeOf(cp.statement),
    });
    if (cp.statement !== expectStatement || !verifyText(cp.public_key, cp.statement, cp.signature)) {
      findings.push({
        seq: cp.seq,
        what: 'bad-signature',
        message: `${label} (event ${cp.seq}, signed by ${cp.officer}) has a signature that does not verify: the checkpoint or the chain it vouches for was re-written`,
      });
      outcomes.push({ cp, label, state: 'bad' });
      continue;
    }
    const owner = knownKeys.get(cp.public_key);
    if (owner !== cp.officer) {
      findings.push({
        seq: cp.seq,
        what: 'unknown-key',
        message: `${label} (event ${cp.seq}) is signed by a key that is not registered to ${cp.officer} in this case (fingerprint ${keyFingerprint(cp.public_key)})`,
      });
      outcomes.push({ cp, label, state: 'bad' });
      continue;
    }
    const at = hashAt.get(cp.seq) as { hash: string } | undefined;
    outcomes.push({ cp, label, state: !at ? 'missing-head' : at.hash !== cp.head_hash ? 'mismatch' : 'matches' });
  }

  // Second pass: what the good signatures say about the log.
  let verified = 0;
  for (const o of outcomes) {
    const { cp, label } = o;
    if (o.state === 'bad') continue;
    if (o.state === 'missing-head') {
      if (cp.seq > chain.headSeq) {
        findings.push({
          seq: chain.headSeq + 1,
          what: 'tail-deleted',
          message: `the log ends at event ${chain.headSeq}, but ${label} vouches for ${cp.seq} events: events ${chain.headSeq + 1} to ${cp.seq} (at least) were deleted`,
        });
      } else {
        findings.push({ seq: cp.seq, what: 'chain-broken', message: `event ${cp.seq}, which ${label} signed as the head of the log, was deleted` });
      }
      continue;
    }
    if (o.state === 'mismatch') {
      // The re-write lies after the last event a still-matching checkpoint vouches for.
      const lastGood = Math.max(0, ...outcomes.filter((x) => x.state === 'matches' && x.cp.seq < cp.seq).map((x) => x.cp.seq));
      findings.push({
        seq: lastGood + 1,
        what: 'rewritten',
        message: `event ${cp.seq} is not the one ${label} signed: the log was re-written (hashes recomputed) somewhere in events ${lastGood + 1} to ${cp.seq}`,
      });
      continue;
    }
    // A stored checkpoint is recorded by the very next event, in the same transaction: if that
    // event is gone, the log was cut after the checkpoint; if it says something else, it was replaced.
    if (cp.id) {
      const next = eventAt.get(cp.seq + 1) as EventRow | undefined;
      if (!next) {
        if (cp.seq + 1 > chain.headSeq) {
          findings.push({
            seq: cp.seq + 1,
            what: 'tail-deleted',
            message: `the log ends at event ${chain.headSeq}, but ${label} was recorded as event ${cp.seq + 1}: events from ${cp.seq + 1} on were deleted`,
          });
        }
        // (a missing middle row is already named by the chain check)
        continue;
      }
      const d = parseDetails(next.details);
      if (next.action !== 'custody.checkpoint' || next.target !== `checkpoint:${cp.id}`) {
        findings.push({
          seq: cp.seq + 1,
          what: 'checkpoint-altered',
          message: `${label} says it was recorded at event ${cp.seq + 1}, but that event is ${`${next.action} ${next.target ?? ''}`.trim()}: the checkpoints table or the log was edited`,
        });
        continue;
      }
      if (d.signature !== cp.signature || d.head_hash !== cp.head_hash || d.seq !== cp.seq) {
        findings.push({
          seq: cp.seq + 1,
          what: 'checkpoint-altered',
          message: `${label} is not the checkpoint event ${cp.seq + 1} recorded when it was made: the checkpoints table was edited`,
        });
        continue;
      }
    }
    verified++;
  }

  // Every checkpoint the log announces must still be in the checkpoints table.
  const storedIds = new Set(stored.map((c) => c.id));
  for (const ev of db.prepare("SELECT seq, target FROM custody_events WHERE action = 'custody.checkpoint' ORDER BY seq").all() as { seq: number; target: string | null }[]) {
    const id = Number((ev.target ?? '').split(':')[1]);
    if (!storedIds.has(id)) {
      findings.push({ seq: ev.seq, what: 'checkpoint-missing', message: `checkpoint ${id}, recorded at event ${ev.seq}, is missing from the checkpoints table (deleted)` });
    }
  }

  // Transfers carry both officers' signatures over the transfer statement, which must say what
  // the event says: this exhibit, from this officer to that one.
  let transfers = 0;
  let transfersOk = 0;
  for (const ev of db.prepare("SELECT seq, action, target, details FROM custody_events WHERE action = 'custody.transferred' ORDER BY seq").all() as EventRow[]) {
    transfers++;
    const d = parseDetails(ev.details) as { from?: string; to?: string; statement?: string; signatures?: { officer: string; public_key: string; signature: string }[] };
    const sigs = Array.isArray(d.signatures) ? d.signatures : [];
    const said = typeof d.statement === 'string' ? parseDetails(d.statement) : {};
    const bad: string[] = [];
    if (typeof d.statement !== 'string') bad.push('it has no signed statement');
    else if (said.from !== d.from || said.to !== d.to || `exhibit:${String(said.exhibit)}` !== ev.target) {
      bad.push('the signed statement does not name the same exhibit and officers as the event');
    }
    for (const who of [d.from, d.to]) {
      const s = sigs.filter((x) => x.officer === who);
      if (s.length !== 1) bad.push(`it carries ${s.length ? 'more than one signature' : 'no signature'} of ${String(who)}`);
      else if (knownKeys.get(s[0]!.public_key) !== who) bad.push(`the signature of ${String(who)} is by a key not registered to them`);
      else if (!verifyText(s[0]!.public_key, d.statement ?? '', s[0]!.signature)) bad.push(`the signature of ${String(who)} does not verify`);
    }
    if (sigs.length !== 2) bad.push(`it carries ${sigs.length} signatures, not 2`);
    if (bad.length === 0) transfersOk++;
    else {
      findings.push({
        seq: ev.seq,
        what: 'transfer-signature',
        message: `the custody transfer at event ${ev.seq} does not carry two valid officer signatures: ${[...new Set(bad)].join('; ')}`,
      });
    }
  }

  // Keys in officer_keys that no officer.added event announced were slipped in by editing the
  // database. Named at the first event signed with one, else at the officer's own record.
  for (const k of unannounced) {
    const fp = keyFingerprint(k.public_key);
    const usedAt = [
      ...all.filter((c) => c.public_key === k.public_key).map((c) => c.seq),
      ...(db.prepare("SELECT seq FROM custody_events WHERE action = 'custody.transferred' AND instr(details, ?) > 0").all(k.public_key) as { seq: number }[]).map(
        (r) => r.seq,
      ),
    ];
    const added = [...announced.entries()].find(([key]) => key.startsWith(`${k.officer}\n`))?.[1];
    findings.push({
      seq: usedAt.length ? Math.min(...usedAt) : (added ?? 0),
      what: 'unannounced-key',
      message: `the signing key ${fp} registered to ${k.officer} in officer_keys was never announced by an officer.added custody event: it was added by editing the database, and nothing it signed is trusted`,
    });
  }

  // Every event proven by its officer's key, and the log against every receipt outside the case.
  const attribution = verifyAttribution(db);
  findings.push(...attribution.findings);
  const receipts = verifyReceipts(db, caseUuid, opts.receipts ?? {});
  findings.push(...receipts.findings);

  // The catalogue and every piece of state, replayed from the log and compared with the tables.
  // Only against a log that verifies: once events are missing, forged, re-written or vouched for
  // by a bad signature, what a replay gives means nothing, and every difference would only
  // repeat the problem already named.
  if (findings.length === 0) findings.push(...verifyState(db).findings);

  findings.sort((a, b) => a.seq - b.seq);
  const latest = stored[stored.length - 1];
  return {
    ok: findings.length === 0,
    chain,
    checkpoints: {
      total: all.length,
      verified,
      latest: latest ? { id: latest.id, seq: latest.seq, officer: latest.officer, at_utc: latest.at_utc } : null,
    },
    transfers: { total: transfers, verified: transfersOk },
    attribution: attribution.summary,
    receipts: receipts.report,
    findings,
  };
}
