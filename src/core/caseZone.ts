// The case's time zone (issue 14, "times everywhere in UTC"): the zone the case is worked in
// (e.g. Asia/Phnom_Penh, ICT +07:00), kept in the case's settings so every front door shows the
// case's times in it, whichever machine opens the case. Times stay recorded in UTC with the
// recording machine's offset; this setting only says how to show them. Setting it is a custody
// event, so who changed how the case's times read, and when, is on the record.
import type { Case } from './case.ts';
import { EvidenceError } from './errors.ts';
import { requirePermission, type SignedIn } from './officers/accounts.ts';

/** True for an IANA zone name this runtime knows (Asia/Phnom_Penh, UTC, ...). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The case's time zone, or null when none was set (front doors then use their machine's). */
export function caseTimeZone(kase: Case): string | null {
  const z = (kase.settings() as { timeZone?: unknown }).timeZone;
  return typeof z === 'string' && isTimeZone(z) ? z : null;
}

/** Sets the case's time zone (null clears it), recorded in the custody log. */
export function setCaseTimeZone(kase: Case, who: SignedIn, zone: string | null): string | null {
  requirePermission(who, 'record-exhibit', "set the case's time zone");
  if (zone !== null && !isTimeZone(zone)) {
    throw new EvidenceError('USAGE', `"${zone}" is not a time zone name. Write it like Asia/Phnom_Penh, Asia/Tokyo or UTC.`);
  }
  const before = caseTimeZone(kase);
  if (before === zone) return zone;
  kase.db.transaction(() => {
    const settings = { ...(kase.settings() as Record<string, unknown>) };
    if (zone === null) delete settings.timeZone;
    else settings.timeZone = zone;
    kase.db.prepare('UPDATE cases SET settings = ? WHERE id = 1').run(JSON.stringify(settings));
    kase.custody.append({
      officer: who.name,
      action: 'case.time-zone-set',
      target: `case:${kase.info().uuid}`,
      details: { from: before, to: zone },
    });
  })();
  return zone;
}
