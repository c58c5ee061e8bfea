// File names in a bundle's files/ folder that every common system can hold: a prosecutor may copy
// the bundle to Windows, macOS or Linux, to NTFS, exFAT, APFS or ext4. The original name (its exact
// bytes) and the device path stay in the manifest; the bundle name only has to be safe, readable,
// unique and the same every time the same items are exported.
//
// Rules, in order:
// - Unicode NFC (macOS would otherwise store a decomposed form of what Linux wrote composed).
// - Characters Windows refuses (< > : " / \ | ? *) and control characters (U+0000-U+001F,
//   U+007F-U+009F) become "_"; so do lone surrogates (not encodable in UTF-8 or NTFS).
// - No trailing dots or spaces (Windows drops them silently, so two names would become one), and
//   no leading spaces; an empty name, "." and ".." become "_".
// - Windows device names (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also with superscript digits, and
//   whatever follows a dot: "nul.txt", "CON .log") get a leading "_".
// - At most MAX_NAME_BYTES bytes of UTF-8, cut at a character boundary, the extension kept.
// - Unique regardless of case and Unicode form (NTFS, APFS and exFAT ignore case): a name already
//   taken gets " (item <id>)" before its extension; items are named in id order, so the same
//   selection always gives the same names.

/**
 * Bytes of one name. ext4 and APFS allow 255 bytes, NTFS 255 UTF-16 units; 150 leaves room for
 * the " (item 123456789)" suffix and keeps "<bundle>\files\<name>" under Windows' 260-character
 * path limit for a bundle copied to a short folder.
 */
export const MAX_NAME_BYTES = 150;

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/iu;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** `s` cut to at most `max` UTF-8 bytes without splitting a character (or a surrogate pair). */
function cutToBytes(s: string, max: number): string {
  if (utf8Length(s) <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const len = utf8Length(ch);
    if (n + len > max) break;
    out += ch;
    n += len;
  }
  return out;
}

/** Splits "name.ext" into stem and extension (".ext", at most 16 characters; none for ".bashrc"). */
function splitExt(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 17) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/** One name made safe on its own (no uniqueness): see the rules above. */
export function safeName(original: string): string {
  let s = original.normalize('NFC');
  // Lone surrogates cannot be written as UTF-8 or stored by NTFS.
  s = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '_');
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[<>:"/\\|?*\u0000-\u001f\u007f-\u009f]/g, '_');
  // Bidi and other invisible format characters (U+202E, U+200B...): a name like 'x\u202egpj.jpg'
  // would show on screen with a false extension; evidence names never need them in a file name.
  s = s.replace(/\p{Cf}/gu, '_');
  s = s.replace(/^ +/, '').replace(/[. ]+$/, '');
  if (s === '' || s === '.' || s === '..') s = '_';
  const device = s.split('.')[0]!.trimEnd();
  if (WINDOWS_DEVICE.test(device)) s = `_${s}`;
  if (utf8Length(s) > MAX_NAME_BYTES) {
    const { stem, ext } = splitExt(s);
    s = cutToBytes(stem, MAX_NAME_BYTES - utf8Length(ext)).replace(/[. ]+$/, '') + ext;
    if (s.startsWith('.') || s === '') s = `_${s}`;
  }
  return s;
}

/** The key under which two names collide on a case-insensitive, normalising file system. */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

/**
 * Gives each item (in the order given; callers pass id order) a unique safe name. Deterministic:
 * the same items in the same order always get the same names.
 */
export class SafeNamer {
  private readonly taken = new Set<string>();

  /** Reserves names that are not items' (none in files/ today; kept for callers that need it). */
  reserve(name: string): void {
    this.taken.add(collisionKey(name));
  }

  name(original: string, itemId: number): string {
    const base = safeName(original);
    if (this.claim(base)) return base;
    const { stem, ext } = splitExt(base);
    for (let n = 0; ; n++) {
      const suffix = n === 0 ? ` (item ${itemId})` : ` (item ${itemId}-${n + 1})`;
      const candidate = cutToBytes(stem, MAX_NAME_BYTES - utf8Length(suffix) - utf8Length(ext)) + suffix + ext;
      if (this.claim(candidate)) return candidate;
    }
  }

  private claim(name: string): boolean {
    const k = collisionKey(name);
    if (this.taken.has(k)) return false;
    this.taken.add(k);
    return true;
  }
}
