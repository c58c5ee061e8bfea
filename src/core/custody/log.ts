// The chain-of-custody log (DESIGN.md section 5). Each event's hash is SHA-256 over the
// canonical JSON of the row's fields and the previous row's hash, so an edited, removed or
// re-ordered row breaks the chain at that row. Triggers make the table append-only; verifying
// does not trust them (an attacker can drop them) and re-walks the whole chain instead.
import type { CustodyEvent, ChainProblem, ChainReport } from '../../shared/outputs.ts';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { isWellFormedText, visible } from '../../shared/text.ts';
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';
import { type Clock, stamp } from '../time.ts';
import { canonicalJson } from './canonical.ts';

export const GENESIS_HASH = '0'.repeat(64);

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { CustodyEvent, ChainProblem, ChainReport };

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

/**
 * The first string in an event that is not well-formed Unicode (a lone UTF-16 surrogate), with
 * where it is, or null. Such a string cannot be stored as written: SQLite keeps text as UTF-8, so
 * the surrogate comes back as U+FFFD and the row no longer matches its hash; in the details it
 * survives only as a JSON escape that standard tools (jq, Python) read differently again.
 */
function illFormed(value: unknown, where: string): { where: string; text: string } | null {
  if (typeof value === 'string') return isWellFormedText(value) ? null : { where, text: value };
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = illFormed(value[i], `${where}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const bad = illFormed(k, `${where} key`) ?? illFormed(v, `${where}.${k}`);
    if (bad) return bad;
  }
  return null;
}

function fromRow(r: Row): CustodyEvent {
  return { ...r, details: JSON.parse(r.details) as Record<string, unknown> };
}

export class CustodyLog {
  private readonly db: DB;
  private readonly clock: Clock;
  private readonly host = hostname();
  /**
   * Called inside the append's transaction with each new event: the signed-in sessions of this
   * process sign their officer's events as they are written (custody/attribution.ts).
   */
  afterAppend: ((e: CustodyEvent) => void) | null = null;

  constructor(db: DB, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * Appends one event. Runs inside its own transaction (or the caller's), reading the head and
   * writing the new row atomically, so two writers can never chain onto the same head.
   */
  append(ev: NewEvent): CustodyEvent {
    // Defence in depth (the contract already refuses such input): an event that could not be read
    // back exactly as hashed would break the append-only chain for good, so it is never written.
    const bad = illFormed({ officer: ev.officer, action: ev.action, target: ev.target ?? null, reason: ev.reason ?? null, details: ev.details ?? {} }, 'event');
    if (bad) {
      throw new EvidenceError(
        'USAGE',
        `Not recorded: ${bad.where.replace(/^event\./, '')} ("${visible(bad.text.slice(0, 80))}${bad.text.length > 80 ? '…' : ''}") is not valid Unicode text (it holds a lone UTF-16 surrogate). Correct the text and try again.`,
      );
    }
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
      this.afterAppend?.(full);
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

/**
 * Walks the whole log in sequence order and recomputes every hash. Reports every row whose
 * content no longer matches its hash, whose prev_hash does not match the row before, and every
 * run of missing sequence numbers (deleted rows). After a problem the walk goes on from the
 * row's own stored hash, so each later row is judged against its actual predecessor and one
 * altered row is one finding, not a cascade.
 */
export function verifyChain(db: DB): ChainReport {
  let prevHash: string | null = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  const problems: ChainProblem[] = [];
  const rows = db.prepare('SELECT * FROM custody_events ORDER BY seq').iterate() as IterableIterator<Row>;
  for (const row of rows) {
    count++;
    if (row.seq !== expectedSeq) {
      // seq is the primary key and rows come in order: a jump means rows were deleted.
      const last = row.seq - 1;
      problems.push({
        seq: expectedSeq,
        problem: 'gap',
        message: `custody event ${expectedSeq} is missing${last > expectedSeq ? `, and every event up to ${last}` : ''} (the log jumps from ${expectedSeq - 1} to ${row.seq}): rows were deleted`,
      });
      // The deleted row's hash is unknown: this row's link cannot be checked, only its content.
      prevHash = null;
    }
    expectedSeq = row.seq + 1;
    let ev: CustodyEvent;
    try {
      ev = fromRow(row);
    } catch {
      problems.push({ seq: row.seq, problem: 'bad-details', message: `custody event ${row.seq} has unreadable details` });
      prevHash = row.hash;
      continue;
    }
    if (prevHash !== null && ev.prev_hash !== prevHash) {
      problems.push({
        seq: row.seq,
        problem: 'broken-link',
        message: `custody event ${row.seq} does not follow event ${row.seq - 1}: its prev_hash does not match (rows were removed, inserted, re-ordered or re-written)`,
      });
    }
    if (hashEvent(ev) !== ev.hash) {
      problems.push({
        seq: row.seq,
        problem: 'hash-mismatch',
        message: `custody event ${row.seq} was altered after it was written: its content no longer matches its hash`,
      });
    }
    prevHash = row.hash;
  }
  const head = db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; hash: string }
    | undefined;
  return {
    ok: problems.length === 0,
    events: count,
    headSeq: head?.seq ?? 0,
    headHash: head?.hash ?? GENESIS_HASH,
    firstBad: problems[0] ?? null,
    problems,
  };
}
