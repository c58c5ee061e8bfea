// Untrusted text at the edges: what a seized device, an archive or a hand-edited case may put in
// a file name, an exhibit number or a comment must never act on the terminal or the page that
// shows it, nor reach the custody log in a form that cannot be read back as written.
// Pure TypeScript (no Node, no DOM): the engine, the CLI, the host and the renderer share it.

/** An unpaired UTF-16 surrogate: a high one not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Characters shown escaped by `visible`: C0 controls (ESC, CR, LF, tab, BEL...), DEL and the C1
 * controls (a terminal may take U+009B as CSI), the bidirectional controls that reorder what is
 * displayed (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), the Unicode line and paragraph
 * separators, and lone surrogates (they cannot be encoded as UTF-8 at all).
 */
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]|${LONE_SURROGATE.source}`, 'g');

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text as it may be shown to a person: printable characters of any script (Japanese, Khmer,
 * emoji) unchanged; control and bidi characters and lone surrogates written out as escapes
 * (`\x1b`, `\n`, `\u202e`, `\ud800`), so a file name cannot clear the screen, retitle the
 * window, overwrite a line or reverse the text after it. Backslashes are left as they are (Windows
 * paths stay readable); `--json` gives the exact text.
 */
export function visible(s: string): string {
  return s.replace(UNSAFE, escapeOne);
}

/** True when `s` is well-formed Unicode: no lone surrogate (String.prototype.isWellFormed, ES2024). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * A record id as typed or sent in a URL: a positive decimal integer, nothing else. `Number()`
 * would also take "0x10", "1e2", "1.0", " 7" or "" (as 0); parseInt takes "12abc". Returns null
 * for anything else.
 */
export function strictId(s: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** A count as typed (a limit, an offset, a number of threads): 0 or a positive decimal integer. */
export function strictCount(s: string): number | null {
  if (s === '0') return 0;
  return strictId(s);
}
