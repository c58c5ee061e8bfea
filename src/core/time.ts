// Time as the custody log and the catalogue record it: UTC instant plus the local offset and
// IANA zone name of the machine that did the work, so a case worked in UTC+7 and reviewed in
// UTC+9 reads correctly in both places.

export interface Clock {
  now(): Date;
  /** IANA zone name, e.g. "Asia/Phnom_Penh". */
  zoneName(): string;
}

export const systemClock: Clock = {
  now: () => new Date(),
  zoneName: () => Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
};

/** "+07:00" for a date seen in the given zone (or the process zone). */
export function offsetOf(date: Date, zone?: string): string {
  let minutes: number;
  if (zone) {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      timeZoneName: 'longOffset',
    }).formatToParts(date);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
    minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
  } else {
    minutes = -date.getTimezoneOffset();
  }
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface Stamp {
  utc: string;
  offset: string;
  zone: string;
}

export function stamp(clock: Clock): Stamp {
  const d = clock.now();
  const zone = clock.zoneName();
  return { utc: d.toISOString(), offset: offsetOf(d, zone), zone };
}

/** A UTC instant shown in local time with its offset: "2026-11-29 08:30:00 +07:00". */
export function formatLocal(utc: string, zone?: string): string {
  const d = new Date(utc);
  const off = offsetOf(d, zone);
  const sign = off.startsWith('-') ? -1 : 1;
  const [h, m] = off.slice(1).split(':').map(Number);
  const local = new Date(d.getTime() + sign * ((h ?? 0) * 60 + (m ?? 0)) * 60_000);
  return `${local.toISOString().slice(0, 19).replace('T', ' ')} ${off}`;
}

/** Nanosecond file time (from a bigint stat) as ISO 8601 UTC with 9 fractional digits. */
export function nsToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  const base = new Date(Number(ms)).toISOString(); // ...sss Z
  return `${base.slice(0, 19)}.${frac}Z`;
}
