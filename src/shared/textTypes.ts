// Which detected types are text, and how a text type is written with its encoding. Shared by the
// engine (which files text extraction reads), the CLI and the UI (how the type is shown).

/** Types sniffed as text besides text/*: text extraction reads these. */
export const TEXT_MIMES: readonly string[] = ['application/json', 'application/x-ndjson', 'application/xml', 'application/x-plist', 'message/rfc822'];

export function isTextMime(mime: string | null | undefined): boolean {
  return !!mime && (mime.startsWith('text/') || TEXT_MIMES.includes(mime));
}

/**
 * The type with the encoding text extraction detected, as `file --mime` writes it
 * ("text/plain; charset=shift_jis"); the type alone when it is not text or no encoding is known.
 * The catalogue's type column stays the bare type, so filters match it exactly.
 */
export function typeWithCharset(mime: string | null, encoding: string | null | undefined): string | null {
  if (!mime) return null;
  return encoding && isTextMime(mime) ? `${mime}; charset=${encoding.toLowerCase()}` : mime;
}
