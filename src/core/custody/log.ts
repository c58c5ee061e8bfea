// The chain-of-custody log (DESIGN.md section 5). Each event's hash is SHA-256 over the
// canonical JSON of the row's fields and the previous row's hash, so an edited, removed or
// re-ordered row breaks the chain at that row. Triggers make the table append-only; verifying
// does not trust them (an attacker can drop them) and re-walks the whole chain instead.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { DB } from '../db/open.ts';
import { type Clock, stamp } from '../time.ts';
import { canonicalJson } from './canonical.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface CustodyEvent {
  seq: number;
  at_utc: string;
  tz_offset: string;
  tz_name: string;
  officer: string;
  host: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface NewEvent {
  officer: string;
  action: string;
  target?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** The bytes that are hashed for one event: every field but `hash`, canonical JSON. */
export function eventHashInput(e: Omit<CustodyEvent, 'hash'>): string {
  return canonicalJson({
    seq: e.seq,
    at_utc: e.at_utc,
    tz_offset: e.tz_offset,
    tz_name: e.tz_name,
    officer: e.officer,
    host: e.host,
    action: e.action,
    target: e.target,
    reason: e.reason,
    details: e.details,
    prev_hash: e.prev_hash,
  });
}

export function hashEvent(e: Omit<CustodyEvent, 'hash'>): string {
  return createHash('sha256').update(eventHashInput(e), 'utf8').digest('hex');
}

interface Row extends Omit<CustodyEvent, 'details'> {
  details: string;
}

function fromRow(r: Row): CustodyEvent {
  return { ...r, details: JSON.parse(r.details) as Record<string, unknown> };
}

export class CustodyLog {
  private readonly db: DB;
  private readonly clock: Clock;
  private readonly host = hostname();

  constructor(db: DB, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * Appends one event. Runs inside its own transaction (or the caller's), reading the head and
   * writing the new row atomically, so two writers can never chain onto the same head.
   */
  append(ev: NewEvent): CustodyEvent {
    const run = this.db.transaction((): CustodyEvent => {
      const head = this.db
        .prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1')
        .get() as { seq: number; hash: string } | undefined;
      const t = stamp(this.clock);
      const base: Omit<CustodyEvent, 'hash'> = {
        seq: (head?.seq ?? 0) + 1,
        at_utc: t.utc,
        tz_offset: t.offset,
        tz_name: t.zone,
        officer: ev.officer,
        host: this.host,
        action: ev.action,
        target: ev.target ?? null,
        reason: ev.reason ?? null,
        details: ev.details ?? {},
        prev_hash: head?.hash ?? GENESIS_HASH,
      };
      const full: CustodyEvent = { ...base, hash: hashEvent(base) };
      this.db
        .prepare(
          `INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash)
           VALUES (@seq, @at_utc, @tz_offset, @tz_name, @officer, @host, @action, @target, @reason, @details, @prev_hash, @hash)`,
        )
        .run({ ...full, details: canonicalJson(full.details) });
      return full;
    });
    return run.immediate();
  }

  head(): { seq: number; hash: string } {
    const h = this.db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined;
    return h ?? { seq: 0, hash: GENESIS_HASH };
  }
}

export interface ChainProblem {
  seq: number;
  problem: 'hash-mismatch' | 'broken-link' | 'gap' | 'bad-details';
  message: string;
}

export interface ChainReport {
  ok: boolean;
  events: number;
  headSeq: number;
  headHash: string;
  firstBad: ChainProblem | null;
}

/**
 * Walks the whole log in sequence order and recomputes every hash. Reports the first row whose
 * content no longer matches its hash, whose prev_hash does not match the row before, or where a
 * sequence number is missing (a deleted row).
 */
export function verifyChain(db: DB): ChainReport {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  let firstBad: ChainProblem | null = null;
  const rows = db.prepare('SELECT * FROM custody_events ORDER BY seq').iterate() as IterableIterator<Row>;
  for (const row of rows) {
    count++;
    if (firstBad) continue;
    if (row.seq !== expectedSeq) {
      firstBad = {
        seq: expectedSeq,
        problem: 'gap',
        message: `custody event ${expectedSeq} is missing (the log jumps from ${expectedSeq - 1} to ${row.seq}): rows were deleted`,
      };
      continue;
    }
    let ev: CustodyEvent;
    try {
      ev = fromRow(row);
    } catch {
      firstBad = { seq: row.seq, problem: 'bad-details', message: `custody event ${row.seq} has unreadable details` };
      continue;
    }
    if (ev.prev_hash !== prevHash) {
      firstBad = {
        seq: row.seq,
        problem: 'broken-link',
        message: `custody event ${row.seq} does not follow event ${row.seq - 1}: its prev_hash does not match (rows were removed, inserted or re-ordered)`,
      };
      continue;
    }
    if (hashEvent(ev) !== ev.hash) {
      firstBad = {
        seq: row.seq,
        problem: 'hash-mismatch',
        message: `custody event ${row.seq} was altered after it was written: its content no longer matches its hash`,
      };
      continue;
    }
    prevHash = ev.hash;
    expectedSeq++;
  }
  const head = db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; hash: string }
    | undefined;
  return {
    ok: firstBad === null,
    events: count,
    headSeq: head?.seq ?? 0,
    headHash: head?.hash ?? GENESIS_HASH,
    firstBad,
  };
}
