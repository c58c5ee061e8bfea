// Officer names are how the custody log, the forms and every screen say who did what, so two
// officers must never look alike. A name is NFC-normalised; it may not hold control, format
// (zero-width, bidi), private-use or unassigned characters, nor anything Unicode marks as
// default-ignorable (invisible); a word may not mix scripts the way look-alike names do (Latin
// with Cyrillic or Greek: "Аdmin A" with a Cyrillic А); and a name whose skeleton (what it looks
// like, after Unicode compatibility folding and a table of look-alike letters, in the spirit of
// Unicode TS #39) equals an existing officer's is refused.
import { EvidenceError } from '../errors.ts';

/** The longest officer name accepted (characters). */
export const NAME_MAX = 100;

// Invisible or reordering characters: controls, format characters (ZWSP, ZWJ, LRM/RLM, bidi
// embeddings and isolates, BOM), default-ignorables (soft hyphen, variation selectors, Hangul
// fillers, CGJ), private use, unassigned, lone surrogates, line and paragraph separators.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
/** Spaces other than the plain space and the ideographic space (U+3000) used in Japanese names. */
const ODD_SPACE = /[^\P{Zs} \u3000]/u;

const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Thai',
  'Lao',
  'Khmer',
  'Myanmar',
  'Devanagari',
  'Bengali',
  'Tamil',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Bopomofo',
].map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);

/** Mixes Unicode TS #39 calls "highly restrictive": Latin with the scripts written beside it. */
const ALLOWED_MIXES = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

function scriptOf(ch: string): string | null {
  if (!/\p{L}/u.test(ch)) return null;
  for (const [name, re] of SCRIPTS) if (re.test(ch)) return name;
  return 'Other';
}

// Letters of other scripts that look like Latin ones (a subset of Unicode's confusables.txt
// covering Cyrillic, Greek and Latin look-alikes).
const LOOKALIKE: Record<string, string> = {
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', У: 'Y', Ү: 'Y', Ѕ: 'S', І: 'I', Ї: 'I', Ј: 'J', Ԛ: 'Q', Ԝ: 'W', Ӏ: 'I',
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', ү: 'y', х: 'x', ѕ: 's', і: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  α: 'a', ο: 'o', ν: 'v', ι: 'i', ρ: 'p', υ: 'u', χ: 'x', γ: 'y', κ: 'k',
  ı: 'i', ɑ: 'a', ℓ: 'l', ǀ: 'l',
};
// Strokes and digits that pass for letters in most fonts: capital I, small l, 1, |; 0 and O.
const STROKES: Record<string, string> = { I: 'l', '1': 'l', '|': 'l', '0': 'O' };

const mapped = (s: string, table: Record<string, string>): string => [...s].map((ch) => table[ch] ?? ch).join('');
const tidy = (s: string): string =>
  s
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/\s+/gu, ' ')
    .trim();

/**
 * What a name looks like, twice: as written (look-alike letters and strokes folded: "Admin I",
 * "Admin l" and "Аdmin I" are one) and regardless of case ("ADMIN A" and "Admin A"). Two names
 * with a key in common read the same on screen and on paper.
 */
export function nameSkeletons(name: string): [string, string] {
  const folded = mapped(name.normalize('NFKC'), LOOKALIKE);
  const visual = tidy(mapped(folded, STROKES));
  const caseless = tidy(mapped(folded.toLowerCase().normalize('NFKC'), LOOKALIKE));
  return [visual, caseless];
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The name as it will be stored (NFC, trimmed), or a plain-words refusal. `existing` are the
 * names already in the case; the same name exactly is the caller's business (an account for a
 * name recorded earlier), a look-alike of one is refused.
 */
export function checkOfficerName(raw: string, existing: readonly string[] = []): string {
  const name = raw.normalize('NFC').trim();
  if (!name) throw new EvidenceError('USAGE', 'An officer needs a name.');
  if ([...name].length > NAME_MAX) throw new EvidenceError('USAGE', `An officer name holds at most ${NAME_MAX} characters.`);
  for (const ch of name) {
    if (INVISIBLE.test(ch) || ODD_SPACE.test(ch)) {
      throw new EvidenceError(
        'USAGE',
        `The name holds an invisible or control character (${codePoint(ch)}) that would make it look like another name. Type the name with ordinary letters and spaces only.`,
      );
    }
  }
  if (!/\p{L}/u.test(name)) throw new EvidenceError('USAGE', 'An officer name needs letters.');
  for (const word of name.split(/[\s\u3000]+/u)) {
    const scripts = new Set<string>();
    for (const ch of word) {
      const s = scriptOf(ch);
      if (s) scripts.add(s);
    }
    if (scripts.size > 1 && !ALLOWED_MIXES.some((ok) => [...scripts].every((s) => ok.has(s)))) {
      throw new EvidenceError(
        'USAGE',
        `"${word}" mixes ${[...scripts].join(' and ')} letters in one word, as look-alike names do (a Cyrillic "А" for a Latin "A"). Type the name in one script.`,
      );
    }
  }
  const [visual, caseless] = nameSkeletons(name);
  for (const other of existing) {
    if (other === name) continue;
    const [v, c] = nameSkeletons(other);
    if (v === visual || c === caseless) {
      throw new EvidenceError(
        'CONFLICT',
        `"${name}" looks the same as the officer "${other}" already in this case: the custody log could not tell them apart. Use a distinguishing name (e.g. add a rank, initial or badge number).`,
      );
    }
  }
  return name;
}
