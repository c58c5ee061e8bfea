// Small display helpers: sizes, counts, dates, durations, hex dumps, text decoding.

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatCount(n: number | null | undefined, lang = 'en'): string {
  return n === null || n === undefined ? '' : n.toLocaleString(lang);
}

/**
 * An ISO time shown compactly in the display zone (the case's, else this computer's) with its
 * offset: 2024-03-01 21:05:09 +07:00. A time recorded without an offset (a camera's EXIF clock)
 * is shown as written; <Time> (Time.tsx) adds the UTC instant on hover and says so.
 */
export function formatTime(iso: string | null | undefined): string {
  return zonedTime(iso, displayZone()).text;
}

let caseZone: string | null = null;

/** The zone times are shown in: the case's time zone when it has one, else this computer's. */
export function displayZone(): string {
  return caseZone ?? ownZone();
}

/** Set from the case's settings (caseInfo.timeZone) when a case is opened or its zone changes. */
export function setDisplayZone(zone: string | null | undefined): void {
  caseZone = zone ?? null;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** A classic 16-bytes-per-line hex dump with offsets and printable ASCII. */
export function hexDump(bytes: Uint8Array, offset = 0): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${(offset + i).toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/**
 * Decodes text with its encoding: a BOM decides; else strict UTF-8; else Shift_JIS, EUC-JP,
 * GB18030 and Big5 in turn (strict); else windows-1252. Returns the text and the encoding used.
 */
export function decodeText(bytes: Uint8Array, hint?: string | null): { text: string; encoding: string } {
  const tryDecode = (enc: string): string | null => {
    try {
      return new TextDecoder(enc, { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'UTF-8 (BOM)' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'UTF-16LE' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'UTF-16BE' };
  if (hint) {
    const t = tryDecode(hint);
    if (t !== null) return { text: t, encoding: hint };
  }
  // A cut at the end of a range may split a character: allow the last 3 bytes to be incomplete.
  for (const cut of [0, 1, 2, 3]) {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length - cut));
      return { text, encoding: 'UTF-8' };
    } catch {
      /* next */
    }
  }
  for (const enc of ['shift_jis', 'euc-jp', 'gb18030', 'big5']) {
    const t = tryDecode(enc);
    if (t !== null) return { text: t, encoding: enc };
  }
  return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
}

/** True when bytes look like text (no NUL in the first few KiB, few control characters). */
export function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  if (n === 0) return true;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return bytes[0] === 0xff || bytes[0] === 0xfe; // UTF-16 with BOM
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  return control / n < 0.02;
}

// Times with their zone (issue 14): a time is shown in a chosen zone (the case's, else this
// computer's) with its offset, and the UTC instant on hover; a time written without an offset
// (an EXIF camera clock) is shown as written and says its zone is unknown.

/** Minutes east of UTC of an IANA `zone` at the instant `d`. */
export function zoneOffsetMinutes(d: Date, zone: string): number {
  const name = offsetFormat(zone).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
}

/**
 * One formatter per zone, made once: building an Intl.DateTimeFormat costs far more than using
 * one, and the catalogue formats two times per row, thirty new rows a frame when scrolled fast.
 */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
function offsetFormat(zone: string): Intl.DateTimeFormat {
  let f = offsetFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, f);
  }
  return f;
}

/** +07:00 for 420 minutes. */
export function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** This computer's IANA zone (the officer's, for a form filled here). */
export function ownZone(): string {
  // Asked once per page load (every formatted time asks it).
  ownZoneName ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return ownZoneName;
}
let ownZoneName: string | null = null;

/** Zones offered by the time pickers: this computer's first, then those the cases here work in. */
export function zoneChoices(): string[] {
  return [...new Set([ownZone(), 'Asia/Phnom_Penh', 'Asia/Bangkok', 'Asia/Ho_Chi_Minh', 'Asia/Tokyo', 'Asia/Singapore', 'Europe/London', 'UTC'])];
}

/**
 * A wall-clock time from a datetime-local picker ("2026-11-20T14:05") in `zone`, as ISO 8601 with
 * that zone's offset at that moment ("2026-11-20T14:05:00+07:00"); null when it is incomplete.
 */
export function wallTimeToIso(local: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // The offset at the instant itself (twice: the first guess may sit across a DST change).
  let off = zoneOffsetMinutes(new Date(asUtc), zone);
  off = zoneOffsetMinutes(new Date(asUtc - off * 60_000), zone);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${offsetText(off)}`;
}

/** A recorded time shown in `zone`: its local time with offset, and its UTC instant for the hover. */
export interface ZonedTime {
  text: string;
  /** The instant in UTC, or null when the time carries no offset (its zone is unknown). */
  utc: string | null;
}

/**
 * An ISO time in `zone` (an IANA name; the case's zone or this computer's): "2026-11-20 14:05:00
 * +07:00". A time without an offset (EXIF DateTimeOriginal) stays as written, with utc null.
 */
export function zonedTime(iso: string | null | undefined, zone: string): ZonedTime {
  if (!iso) return { text: '', utc: null };
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
  if (!m) return { text: iso, utc: null };
  if (!m[4]) return { text: `${m[1]} ${m[2]}`, utc: null };
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { text: iso, utc: null };
  const off = zoneOffsetMinutes(d, zone);
  const local = new Date(d.getTime() + off * 60_000).toISOString();
  return { text: `${local.slice(0, 10)} ${local.slice(11, 19)} ${offsetText(off)}`, utc: `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` };
}
