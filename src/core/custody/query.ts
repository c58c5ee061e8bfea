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

export function queryLog(db: DB, f: LogFilter = {}): CustodyEvent[] {
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
  const limit = f.limit ? `LIMIT ${Math.max(1, Math.floor(f.limit))}` : '';
  const rows = db
    .prepare(`SELECT * FROM custody_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${limit}`)
    .all(params) as (Omit<CustodyEvent, 'details'> & { details: string })[];
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}
