// Signed checkpoints of the custody chain and the full custody verification an examiner runs:
// the hash chain row by row, every checkpoint's signature and key, the chain against what each
// checkpoint vouched for, and the two signatures of every custody transfer.
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';
import { keyFingerprint, signText, verifyText } from '../officers/crypto.ts';
import type { SignedIn } from '../officers/accounts.ts';
import { canonicalJson } from './canonical.ts';
import { type ChainReport, verifyChain } from './log.ts';

export interface Checkpoint {
  id: number;
  seq: number;
  head_hash: string;
  at_utc: string;
  officer: string;
  public_key: string;
  statement: string;
  signature: string;
}

/** The exact text an officer signs for a checkpoint (canonical JSON; documented in the README). */
export function checkpointStatement(f: { caseUuid: string; seq: number; headHash: string; atUtc: string; officer: string; publicKey: string }): string {
  return canonicalJson({
    type: 'evidence-catalogue/custody-checkpoint',
    version: 1,
    case: f.caseUuid,
    seq: f.seq,
    head_hash: f.headHash,
    at_utc: f.atUtc,
    officer: f.officer,
    public_key: f.publicKey,
  });
}

/** Signs the current head of the chain and records it (and a custody event saying so). */
export function makeCheckpoint(kase: Case, who: SignedIn, reason: string): Checkpoint {
  return kase.db.transaction((): Checkpoint => {
    const head = kase.custody.head();
    const atUtc = kase.clock.now().toISOString();
    const statement = checkpointStatement({
      caseUuid: kase.info().uuid,
      seq: head.seq,
      headHash: head.hash,
      atUtc,
      officer: who.name,
      publicKey: who.publicKey,
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
    return { id, seq: head.seq, head_hash: head.hash, at_utc: atUtc, officer: who.name, public_key: who.publicKey, statement, signature };
  }).immediate();
}

export function latestCheckpoint(db: DB): Checkpoint | null {
  return (db.prepare('SELECT * FROM checkpoints ORDER BY id DESC LIMIT 1').get() as Checkpoint | undefined) ?? null;
}

export interface CustodyFinding {
  /** The first custody event concerned (or the checkpoint's sequence number). */
  seq: number;
  what:
    | 'chain-broken'
    | 'tail-deleted'
    | 'rewritten'
    | 'bad-signature'
    | 'unknown-key'
    | 'checkpoint-missing'
    | 'transfer-signature';
  message: string;
}

export interface CustodyReport {
  ok: boolean;
  chain: ChainReport;
  checkpoints: { total: number; verified: number; latest: { id: number; seq: number; officer: string; at_utc: string } | null };
  transfers: { total: number; verified: number };
  findings: CustodyFinding[];
}

/**
 * Verifies the custody log as an independent examiner would. `external` is a checkpoint kept
 * outside the case (from a bundle, or printed on a form): it catches a log whose checkpoints
 * table was also rolled back.
 */
export function verifyCustody(db: DB, external: Checkpoint[] = []): CustodyReport {
  const chain = verifyChain(db);
  const findings: CustodyFinding[] = [];
  if (chain.firstBad) findings.push({ seq: chain.firstBad.seq, what: 'chain-broken', message: chain.firstBad.message });

  const knownKeys = new Map(
    (db.prepare('SELECT public_key, officer FROM officer_keys').all() as { public_key: string; officer: string }[]).map((k) => [k.public_key, k.officer]),
  );
  const hashAt = db.prepare('SELECT hash FROM custody_events WHERE seq = ?');
  const caseUuid = (db.prepare('SELECT uuid FROM cases WHERE id = 1').get() as { uuid: string }).uuid;
  const stored = db.prepare('SELECT * FROM checkpoints ORDER BY id').all() as Checkpoint[];
  const all = [...stored, ...external.map((c) => ({ ...c, id: c.id ?? 0 }))];
  let verified = 0;
  for (const cp of all) {
    const label = cp.id ? `checkpoint ${cp.id}` : 'the external checkpoint';
    const expectStatement = checkpointStatement({
      caseUuid,
      seq: cp.seq,
      headHash: cp.head_hash,
      atUtc: cp.at_utc,
      officer: cp.officer,
      publicKey: cp.public_key,
    });
    if (cp.statement !== expectStatement || !verifyText(cp.public_key, cp.statement, cp.signature)) {
      findings.push({
        seq: cp.seq,
        what: 'bad-signature',
        message: `${label} (event ${cp.seq}, signed by ${cp.officer}) has a signature that does not verify: the checkpoint or the chain it vouches for was re-written`,
      });
      continue;
    }
    const owner = knownKeys.get(cp.public_key);
    if (owner !== cp.officer) {
      findings.push({
        seq: cp.seq,
        what: 'unknown-key',
        message: `${label} is signed by a key that is not registered to ${cp.officer} in this case (fingerprint ${keyFingerprint(cp.public_key)})`,
      });
      continue;
    }
    const at = hashAt.get(cp.seq) as { hash: string } | undefined;
    if (!at) {
      findings.push({
        seq: chain.headSeq + 1,
        what: 'tail-deleted',
        message: `the log ends at event ${chain.headSeq}, but ${label} vouches for ${cp.seq} events: events ${chain.headSeq + 1} to ${cp.seq} were deleted`,
      });
      continue;
    }
    if (at.hash !== cp.head_hash) {
      findings.push({
        seq: cp.seq,
        what: 'rewritten',
        message: `event ${cp.seq} is not the one ${label} signed: the log up to it was re-written (hashes recomputed)`,
      });
      continue;
    }
    verified++;
  }
  // Every checkpoint the log announces must still be in the checkpoints table.
  const storedIds = new Set(stored.map((c) => c.id));
  for (const ev of db.prepare("SELECT seq, target FROM custody_events WHERE action = 'custody.checkpoint'").all() as { seq: number; target: string }[]) {
    const id = Number(ev.target.split(':')[1]);
    if (!storedIds.has(id)) {
      findings.push({ seq: ev.seq, what: 'checkpoint-missing', message: `checkpoint ${id}, recorded at event ${ev.seq}, is missing from the checkpoints table` });
    }
  }
  // Transfers carry both officers' signatures over the transfer statement.
  let transfers = 0;
  let transfersOk = 0;
  for (const ev of db.prepare("SELECT seq, details FROM custody_events WHERE action = 'custody.transferred' ORDER BY seq").all() as { seq: number; details: string }[]) {
    transfers++;
    const d = JSON.parse(ev.details) as { statement?: string; signatures?: { officer: string; public_key: string; signature: string }[] };
    const sigs = d.signatures ?? [];
    const good =
      typeof d.statement === 'string' &&
      sigs.length === 2 &&
      sigs.every((s) => knownKeys.get(s.public_key) === s.officer && verifyText(s.public_key, d.statement!, s.signature));
    if (good) transfersOk++;
    else findings.push({ seq: ev.seq, what: 'transfer-signature', message: `the custody transfer at event ${ev.seq} does not carry two valid officer signatures` });
  }
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
    findings,
  };
}
