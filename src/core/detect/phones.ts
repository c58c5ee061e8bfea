// Phone numbers in text, for the regions of this field (Japan, where the victims are; Cambodia,
// Myanmar, Laos, Thailand, Vietnam, the Philippines, Indonesia, Malaysia, China and Korea, where
// the compounds and their staff are) and in international format (+CC or 00CC) from anywhere.
//
// How: candidates are cut from the text by a pattern of digit groups (separators - . ( ) and
// one space; full-width digits and dashes folded by NFKC first), then validated with
// libphonenumber-js's full ("max") metadata, which also gives the type (mobile, fixed line...).
// A national number (trunk prefix 0, or a Chinese 1xx mobile) is often valid in several of
// these regions at once (03-1234-5678 is Tokyo, but also a Cambodian mobile): each such number
// is given to the region that explains the most numbers of the same text, ties in the order of
// REGIONS (Japan first). libphonenumber's own findNumbers() was tried first: it is ~100x slower
// run once per region, and over Japanese CSV rows it missed numbers next to digits and found
// numbers in dates and decimals; cutting candidates ourselves is faster and more precise here.
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';

export const REGIONS = ['JP', 'KH', 'MM', 'TH', 'VN', 'CN', 'PH', 'ID', 'MY', 'KR', 'LA'] as const;
export type Region = (typeof REGIONS)[number];

export interface PhoneHit {
  /** E.164, e.g. +819012345678 */
  e164: string;
  /** The region the number belongs to ('001' style non-geographic numbers: null). */
  region: string | null;
  /** MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE, TOLL_FREE, VOIP, ... or null when unknown. */
  type: string | null;
  /** Written with + or 00 and a country code. */
  international: boolean;
  /** Offsets in the text given to findPhones (already NFKC-normalised by the caller). */
  start: number;
  end: number;
}

export interface PhoneOptions {
  /** Stop after this many candidates (counts are then lower bounds). */
  maxCandidates?: number;
}

// Digit groups separated by one separator: a hyphen of any kind (and the katakana long mark
// typed for one), a dot, one space, or a bracket with an optional space; optionally opening with
// + or (. Runs of digits glued to letters, dots or slashes (versions, decimals, paths) are not
// candidates. At least 8 digits in all is checked after.
const SEP = '(?:[-‐‑‒–—―−ー.]|[ \\t\\u3000]|\\)[ \\u3000]?|[ \\u3000]?\\()';
const RE_CANDIDATE = new RegExp(`(?<![\\p{L}\\p{N}+._/-])(?:\\+[ \\u3000]?|\\([ \\u3000]?)?\\d{1,15}(?:${SEP}\\d{1,10}){0,7}(?![\\p{N}]|[.,]\\d)`, 'gu');

interface RegionMeta {
  pattern: RegExp;
}

const countries = (metadata as unknown as { countries: Record<string, unknown[]> }).countries;
const REGION_META = new Map<Region, RegionMeta>(
  REGIONS.map((r) => [r, { pattern: new RegExp(`^(?:${String(countries[r]![2])})$`) }]),
);

/** Regions whose national-number pattern admits these digits written nationally (cheap pre-check). */
function plausibleRegions(digits: string): Region[] {
  const out: Region[] = [];
  for (const r of REGIONS) {
    const nsn = digits.startsWith('0') ? digits.slice(1) : digits;
    // Only a Chinese mobile is written without the trunk prefix 0 among these regions.
    if (!digits.startsWith('0') && !(r === 'CN' && /^1[3-9]\d{9}$/.test(digits))) continue;
    if (REGION_META.get(r)!.pattern.test(nsn)) out.push(r);
  }
  return out;
}

interface Parsed {
  e164: string;
  region: string | null;
  type: string | null;
}

function parseAs(raw: string, region: Region | undefined): Parsed | null {
  const p = parsePhoneNumberFromString(raw, region as CountryCode | undefined);
  if (!p || !p.isValid()) return null;
  return { e164: p.number, region: p.country ?? null, type: p.getType() ?? null };
}

interface Candidate {
  start: number;
  end: number;
  raw: string;
  digits: string;
  international: boolean;
}

function candidate(raw: string, start: number): Candidate {
  const digits = raw.replace(/\D/g, '');
  const international = raw.startsWith('+') || (digits.startsWith('00') && !digits.startsWith('000'));
  return { start, end: start + raw.length, raw, digits, international };
}

function isNationalShape(digits: string): boolean {
  return (digits.startsWith('0') || /^1[3-9]\d{9}$/.test(digits)) && digits.length <= 13;
}

function parseInternational(c: Candidate): Parsed | null {
  return parseAs(c.raw.startsWith('+') ? c.raw : `+${c.digits.slice(2)}`, undefined);
}

/** Valid in some region (every plausible one tried): used only to cut joined runs apart. */
function validSomewhere(c: Candidate): boolean {
  if (c.international) return parseInternational(c) !== null;
  if (!isNationalShape(c.digits)) return false;
  return plausibleRegions(c.digits).some((r) => parseAs(c.raw, r) !== null);
}

/**
 * Candidates in order. A run too long for one number ("090 1234 5678 03 1234 5678": numbers
 * side by side with one space) is cut at its spaces into the longest pieces that are valid.
 */
function* candidatesOf(text: string): Generator<Candidate> {
  for (const m of text.matchAll(RE_CANDIDATE)) {
    const c = candidate(m[0], m.index);
    if (c.digits.length < 8) continue;
    if (c.digits.length <= 15) {
      yield c;
      continue;
    }
    const parts = [...m[0].matchAll(/[^ \t\u3000]+/g)].map((p) => ({ start: p.index, end: p.index + p[0].length }));
    let i = 0;
    while (i < parts.length) {
      let next = i + 1;
      for (let j = parts.length - 1; j >= i; j--) {
        const piece = m[0].slice(parts[i]!.start, parts[j]!.end);
        const d = piece.replace(/\D/g, '');
        if (d.length > 15 || d.length < 8) continue;
        const pc = candidate(piece, m.index + parts[i]!.start);
        if (validSomewhere(pc)) {
          yield pc;
          next = j + 1;
          break;
        }
      }
      i = next;
    }
  }
}

/**
 * Every phone number found in the text, in order, each with its E.164 form, region and type.
 * The text should be NFKC-normalised (full-width digits to ASCII).
 */
export function findPhones(text: string, opts: PhoneOptions = {}): { hits: PhoneHit[]; truncated: boolean } {
  const max = opts.maxCandidates ?? 100_000;
  const hits: PhoneHit[] = [];
  const national: { c: Candidate; regions: Region[] }[] = [];
  let seen = 0;
  let truncated = false;
  for (const c of candidatesOf(text)) {
    if (++seen > max) {
      truncated = true;
      break;
    }
    if (c.international) {
      const p = parseInternational(c);
      if (p) hits.push({ ...p, international: true, start: c.start, end: c.end });
      continue;
    }
    if (!isNationalShape(c.digits)) continue;
    const regions = plausibleRegions(c.digits);
    if (regions.length) national.push({ c, regions });
  }
  // Vote on a sample with every plausible region, then resolve each number with the regions
  // in vote order, stopping at the first that finds it valid.
  const votes = new Map<Region, number>();
  const SAMPLE = 400;
  const sampled = new Map<number, Map<Region, Parsed>>();
  for (let i = 0; i < Math.min(SAMPLE, national.length); i++) {
    const { c, regions } = national[i]!;
    const valid = new Map<Region, Parsed>();
    for (const r of regions) {
      const p = parseAs(c.raw, r);
      if (p) {
        valid.set(r, p);
        votes.set(r, (votes.get(r) ?? 0) + 1);
      }
    }
    sampled.set(i, valid);
  }
  const rank = (r: Region): number => -(votes.get(r) ?? 0) * 100 + REGIONS.indexOf(r);
  for (let i = 0; i < national.length; i++) {
    const { c, regions } = national[i]!;
    const ordered = [...regions].sort((a, b) => rank(a) - rank(b));
    let found: Parsed | null = null;
    const pre = sampled.get(i);
    for (const r of ordered) {
      found = pre ? (pre.get(r) ?? null) : parseAs(c.raw, r);
      if (found) break;
    }
    if (found) hits.push({ ...found, international: false, start: c.start, end: c.end });
  }
  hits.sort((a, b) => a.start - b.start);
  return { hits, truncated };
}
