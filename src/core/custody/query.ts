// Finding custody events: by exhibit (its own events and those of the ingests of its exports),
// item (its own and its source's), officer, action (exact, or a family like "ingest"), and time.
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';
import type { CustodyEvent } from './log.ts';

/** An ISO 8601 time with its offset, as the UTC string the log stores (which sorts as text). */
function instant(s: string, what: string): string {
  const t = Date.parse(s);
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(s.trim()) || Number.isNaN(t)) {
    throw new EvidenceError('USAGE', `--${what} "${s}" is not a time with its offset. Write it like 2026-11-20T14:05:00+07:00.`);
  }
  return new Date(t).toISOString();
}

export interface LogFilter {
  exhibit?: string;
  item?: number;
  officer?: string;
  /** "ingest.finished" exactly, or "ingest" for every ingest.* action. */
  action?: string;
  target?: string;
  /** ISO 8601 instants (any offset); compared as UTC. */
  since?: string;
  until?: string;
  limit?: number;
}

/** The WHERE clause (with its parameters) that a filter makes; '1' when it filters nothing. */
function whereOf(db: DB, f: LogFilter): { where: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const targets: string[] = [];
  if (f.exhibit) {
    targets.push(`exhibit:${f.exhibit}`);
    for (const s of db
      .prepare('SELECT s.id FROM sources s JOIN exhibits e ON e.id = s.exhibit_id WHERE e.number = ?')
      .all(f.exhibit) as { id: number }[]) {
      targets.push(`source:${s.id}`);
    }
  }
  if (f.item !== undefined) {
    targets.push(`item:${f.item}`);
    const src = db.prepare('SELECT source_id FROM items WHERE id = ?').get(f.item) as { source_id: number } | undefined;
    if (src) targets.push(`source:${src.source_id}`);
  }
  if (f.exhibit || f.item !== undefined) {
    where.push(`target IN (${targets.map((_, i) => `@t${i}`).join(', ')})`);
    targets.forEach((t, i) => (params[`t${i}`] = t));
  }
  if (f.target) {
    where.push('target = @target');
    params.target = f.target;
  }
  if (f.officer) {
    where.push('officer = @officer');
    params.officer = f.officer;
  }
  if (f.action) {
    // A family matches by exact prefix (LIKE would treat "_" as a wildcard and ignore case).
    where.push(f.action.includes('.') ? 'action = @action' : "(action = @action OR substr(action, 1, length(@action) + 1) = @action || '.')");
    params.action = f.action;
  }
  if (f.since) {
    where.push('at_utc >= @since');
    params.since = instant(f.since, 'since');
  }
  if (f.until) {
    where.push('at_utc <= @until');
    params.until = instant(f.until, 'until');
  }
  return { where: where.length ? where.map((w) => `(${w})`).join(' AND ') : '1', params };
}

type StoredRow = Omit<CustodyEvent, 'details'> & { details: string };
const fromRow = (r: StoredRow): CustodyEvent => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> });

/** Every matching event in sequence order (the first `limit` when given). */
export function queryLog(db: DB, f: LogFilter = {}): CustodyEvent[] {
  const { where, params } = whereOf(db, f);
  const limit = f.limit ? `LIMIT ${Math.max(1, Math.floor(f.limit))}` : '';
  const rows = db.prepare(`SELECT * FROM custody_events WHERE ${where} ORDER BY seq ${limit}`).all(params) as StoredRow[];
  return rows.map(fromRow);
}

/**
 * Where a page starts. Keyset on the event's seq when the caller knows a neighbouring page
 * (`after` its last event, `before` its first): the index on seq finds the page at once however
 * deep it is. `at` an event: the page (aligned to `limit`) that holds it, found by keyset too.
 * `offset` is for a jump into the middle (a dragged scrollbar), where no neighbour is known.
 */
export interface LogPageRequest {
  after?: number;
  before?: number;
  at?: number;
  offset?: number;
  limit?: number;
}

export interface LogPage {
  events: CustodyEvent[];
  /** How many events match the filter in all. */
  total: number;
  /** The position of events[0] among them (0-based). */
  offset: number;
  /** With `at`: that event's position among them, or null when the filter leaves it out. */
  at: number | null;
}

export const LOG_PAGE_DEFAULT = 200;
export const LOG_PAGE_MAX = 1000;

/** One page of the filtered log in sequence order, with the filter's total and the page's position. */
export function queryLogPage(db: DB, f: LogFilter = {}, p: LogPageRequest = {}): LogPage {
  const { where, params } = whereOf(db, f);
  const limit = Math.min(LOG_PAGE_MAX, Math.max(1, Math.floor(p.limit ?? LOG_PAGE_DEFAULT)));
  const count = (extra: string, bound?: number): number =>
    (db.prepare(`SELECT COUNT(*) AS n FROM custody_events WHERE ${where}${extra}`).get(bound === undefined ? params : { ...params, bound }) as { n: number }).n;
  const rows = (extra: string, order: 'ASC' | 'DESC', n: number, bound?: number, skip = 0): CustodyEvent[] => {
    if (n <= 0) return [];
    const got = db
      .prepare(`SELECT * FROM custody_events WHERE ${where}${extra} ORDER BY seq ${order} LIMIT ${n} OFFSET ${skip}`)
      .all(bound === undefined ? params : { ...params, bound }) as StoredRow[];
    const evs = got.map(fromRow);
    return order === 'DESC' ? evs.reverse() : evs;
  };
  const total = count('');
  if (p.at !== undefined) {
    const position = count(' AND seq < @bound', p.at);
    const present = (db.prepare(`SELECT 1 FROM custody_events WHERE ${where} AND seq = @bound`).get({ ...params, bound: p.at }) as unknown) !== undefined;
    const start = Math.floor(Math.min(position, Math.max(0, total - 1)) / limit) * limit;
    const events = [...rows(' AND seq < @bound', 'DESC', position - start, p.at), ...rows(' AND seq >= @bound', 'ASC', limit - (position - start), p.at)];
    return { events, total, offset: start, at: present ? position : null };
  }
  if (p.after !== undefined) {
    return { events: rows(' AND seq > @bound', 'ASC', limit, p.after), total, offset: count(' AND seq <= @bound', p.after), at: null };
  }
  if (p.before !== undefined) {
    const events = rows(' AND seq < @bound', 'DESC', limit, p.before);
    return { events, total, offset: count(' AND seq < @bound', p.before) - events.length, at: null };
  }
  const offset = Math.max(0, Math.floor(p.offset ?? 0));
  return { events: rows('', 'ASC', limit, undefined, offset), total, offset, at: null };
}

/**
 * The same page over events already in memory, in sequence order (a bundle's log in review
 * mode, which is filtered as it is read): the same request gives the same page as queryLogPage.
 */
export function pageOfEvents(all: CustodyEvent[], p: LogPageRequest = {}): LogPage {
  const limit = Math.min(LOG_PAGE_MAX, Math.max(1, Math.floor(p.limit ?? LOG_PAGE_DEFAULT)));
  const total = all.length;
  const firstAtOrAfter = (seq: number): number => {
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  if (p.at !== undefined) {
    const position = firstAtOrAfter(p.at);
    const start = Math.floor(Math.min(position, Math.max(0, total - 1)) / limit) * limit;
    return { events: all.slice(start, start + limit), total, offset: start, at: all[position]?.seq === p.at ? position : null };
  }
  if (p.after !== undefined) {
    const start = firstAtOrAfter(p.after + 1);
    return { events: all.slice(start, start + limit), total, offset: start, at: null };
  }
  if (p.before !== undefined) {
    const end = firstAtOrAfter(p.before);
    const start = Math.max(0, end - limit);
    return { events: all.slice(start, end), total, offset: start, at: null };
  }
  const offset = Math.max(0, Math.floor(p.offset ?? 0));
  return { events: all.slice(offset, offset + limit), total, offset, at: null };
}
