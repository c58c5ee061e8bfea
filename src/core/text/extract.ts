// Text for search, from one file: which format it is (by its content first, its name second),
// then that format's reader. Runs on the ingest workers (and for `evidence reindex`). Never
// throws: a file that cannot be read for text gives its error, and the ingest goes on.
import { isTextMime } from '../../shared/textTypes.ts';
import { errorMessage } from '../errors.ts';
import { isTelegramExport, jsonText, lineText, looksLikeLine, looksLikeWhatsApp, telegramText, whatsAppText } from './chat.ts';
import { emlText, looksLikeEmail } from './eml.ts';
import { decodeAs, decodeText, isKnownEncoding, looksLikeText } from './encoding.ts';
import { htmlDeclaredCharset, htmlToText } from './markup.ts';
import { officeText } from './office.ts';
import { pdfText } from './pdf.ts';

/** At most this much text is indexed per item (characters, after normalisation): about 300
 * pages of prose, or a target list of ~15,000 rows. The rest is cut and the item says so. */
export const TEXT_MAX_CHARS = 1024 * 1024;
/** Documents (PDF, office, JSON, mail) up to this size are read for text; larger ones are
 * recorded as too large (their text would be cut anyway, and parsing costs memory). */
export const TEXT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Plain text is read from its start up to this many bytes: enough for TEXT_MAX_CHARS in any
 * encoding (4 bytes per character at most), so a huge log costs no more than its first part. */
export const PLAIN_READ_BYTES = 4 * TEXT_MAX_CHARS;
/** The XML inside one office document may decompress to at most this much (zip-bomb bound). */
export const OFFICE_MAX_XML_BYTES = 64 * 1024 * 1024;

export const TEXT_KINDS = ['text', 'csv', 'html', 'json', 'docx', 'xlsx', 'pptx', 'odf', 'pdf', 'eml', 'whatsapp', 'line', 'telegram'] as const;
export type TextKind = (typeof TEXT_KINDS)[number];

/** What extraction learned about one item: stored in item_text, the text in text_index. */
export interface ItemText {
  kind: TextKind;
  /** NFKC-normalised text ('' when nothing could be read). */
  text: string;
  encoding: string | null;
  truncated: boolean;
  error: string | null;
}

export interface TextSource {
  /** The item's file name (for its extension). */
  name: string;
  /** The type detected from the bytes, if any. */
  mime: string | null;
  size: number;
  /** The first bytes of the file (all of it when small). */
  head: Uint8Array;
  /** Reads up to maxBytes from the start of the whole file (the store copy), when head is not all of it. */
  readPrefix?: (maxBytes: number) => Uint8Array;
}

const OFFICE_EXT = new Set(['docx', 'docm', 'dotx', 'dotm', 'xlsx', 'xlsm', 'xltx', 'xltm', 'pptx', 'pptm', 'ppsx', 'potx', 'odt', 'ods', 'odp', 'ott', 'ots', 'otp']);

function extOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

type Route = 'pdf' | 'office' | 'textual';

/** Whether and how a file is read for text; null for everything else (images, video, binaries). */
export function textRoute(name: string, detected: string | null, head: Uint8Array): Route | null {
  const ext = extOf(name);
  // application/octet-stream says only that the bytes are not text: decide as for no type.
  const mime = detected === 'application/octet-stream' ? null : detected;
  if (mime === 'application/pdf') return 'pdf';
  if (mime?.startsWith('application/vnd.openxmlformats-officedocument.') || mime?.startsWith('application/vnd.oasis.opendocument.')) return 'office';
  if ((mime === 'application/zip' || mime === null) && OFFICE_EXT.has(ext)) return 'office';
  if (mime === null) {
    if (ext === 'pdf' && head.length > 4 && new TextDecoder('latin1').decode(head.subarray(0, 1024)).includes('%PDF-')) return 'pdf';
    // Text has no magic number: whatever the name, the bytes must look like text.
    return looksLikeText(head) ? 'textual' : null;
  }
  if (isTextMime(mime)) return 'textual';
  return null;
}

/** Whether a file of this name and detected type may hold text (before looking at its bytes). */
export function mayHoldText(name: string, mime: string | null): boolean {
  if (mime === null) return true;
  return textRoute(name, mime, new Uint8Array(0)) !== null;
}

// Control characters other than tab, line feed, form feed and carriage return, DEL, and BOMs.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000e-\u001f\u007f\ufeff]/g;

/** Cleans and caps the text: NFKC (full-width digits and letters, half-width kana, compatibility
 * characters all fold to their usual forms, so a search finds them however they were typed),
 * control characters out, cut at TEXT_MAX_CHARS without splitting a character. */
export function finishText(kind: TextKind, text: string, encoding: string | null, truncated: boolean, error: string | null): ItemText {
  let t = text.length > TEXT_MAX_CHARS * 2 ? text.slice(0, TEXT_MAX_CHARS * 2) : text;
  if (t.length < text.length) truncated = true;
  t = t.normalize('NFKC').replace(CONTROL_CHARS, '').replace(/\r\n?/g, '\n');
  if (t.length > TEXT_MAX_CHARS) {
    let cut = TEXT_MAX_CHARS;
    const c = t.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    t = t.slice(0, cut);
    truncated = true;
  }
  return { kind, text: t, encoding, truncated, error };
}

function whole(src: TextSource, max: number): { bytes: Uint8Array; complete: boolean } {
  if (src.head.length >= src.size || !src.readPrefix) return { bytes: src.head, complete: src.head.length >= src.size };
  const bytes = src.readPrefix(Math.min(src.size, max));
  return { bytes, complete: bytes.length >= src.size };
}

function tooLarge(src: TextSource, what: string): string | null {
  return src.size > TEXT_MAX_FILE_BYTES
    ? `not read for text: ${what} of ${src.size} bytes is over the ${TEXT_MAX_FILE_BYTES / 1024 / 1024} MiB limit for text extraction`
    : null;
}

/** Extracts an item's text, or null when the file is not a kind that holds text. */
export async function extractItemText(src: TextSource): Promise<ItemText | null> {
  const route = textRoute(src.name, src.mime, src.head);
  if (!route) return null;
  const fallbackKind: TextKind = route === 'pdf' ? 'pdf' : route === 'office' ? officeKindByName(src.name) : kindByName(src.name);
  try {
    if (route === 'pdf') {
      const big = tooLarge(src, 'a PDF');
      if (big) return finishText('pdf', '', null, false, big);
      const { bytes } = whole(src, TEXT_MAX_FILE_BYTES);
      const r = await pdfText(bytes, TEXT_MAX_CHARS);
      return finishText('pdf', r.text, null, r.truncated, r.text.trim() ? null : `no text layer in ${r.pages} page(s) (a scan or images: OCR is not done)`);
    }
    if (route === 'office') {
      const big = tooLarge(src, 'an office document');
      if (big) return finishText(fallbackKind, '', null, false, big);
      const { bytes } = whole(src, TEXT_MAX_FILE_BYTES);
      const r = officeText(bytes, TEXT_MAX_CHARS + 1, OFFICE_MAX_XML_BYTES);
      return finishText(r.kind, r.text, 'utf-8', r.text.length > TEXT_MAX_CHARS, null);
    }
    return textual(src);
  } catch (err) {
    return finishText(fallbackKind, '', null, false, `text could not be extracted: ${errorMessage(err)}`);
  }
}

function officeKindByName(name: string): TextKind {
  const e = extOf(name);
  if (e.startsWith('doc') || e.startsWith('dot')) return 'docx';
  if (e.startsWith('xl')) return 'xlsx';
  if (e.startsWith('pp') || e.startsWith('po')) return 'pptx';
  return 'odf';
}

function kindByName(name: string): TextKind {
  const e = extOf(name);
  if (e === 'csv' || e === 'tsv') return 'csv';
  if (e === 'html' || e === 'htm' || e === 'xhtml') return 'html';
  if (e === 'json') return 'json';
  if (e === 'eml') return 'eml';
  return 'text';
}

function textual(src: TextSource): ItemText {
  const ext = extOf(src.name);
  const head = src.head;
  const startsJson = /^\s*[[{]/.test(new TextDecoder('latin1').decode(head.subarray(0, 64)).replace(/^\xef\xbb\xbf/, ''));
  // Mail and JSON need the whole file; the rest reads its start only.
  if (ext === 'eml' || looksLikeEmail(head)) {
    const big = tooLarge(src, 'a mail message');
    if (big) return finishText('eml', '', null, false, big);
    const { bytes } = whole(src, TEXT_MAX_FILE_BYTES);
    const r = emlText(bytes);
    return finishText('eml', r.text, r.encoding, false, null);
  }
  if (ext === 'json' || (startsJson && src.size <= TEXT_MAX_FILE_BYTES)) {
    const { bytes, complete } = whole(src, TEXT_MAX_FILE_BYTES);
    const d = decodeText(bytes, !complete);
    if (complete) {
      let doc: unknown;
      let parsed = false;
      try {
        doc = JSON.parse(d.text);
        parsed = true;
      } catch {
        /* not JSON after all */
      }
      if (parsed) {
        if (isTelegramExport(doc)) return finishText('telegram', telegramText(doc, TEXT_MAX_CHARS + 1), d.encoding, false, null);
        return finishText('json', jsonText(doc, TEXT_MAX_CHARS + 1), d.encoding, false, null);
      }
    }
    if (ext === 'json') {
      const why = complete ? 'not valid JSON: indexed as plain text' : `over the ${TEXT_MAX_FILE_BYTES / 1024 / 1024} MiB limit: the start indexed as plain text`;
      return finishText('json', d.text, d.encoding, !complete, why);
    }
    return plain(d.text, d.encoding, ext, !complete);
  }
  const { bytes, complete } = whole(src, PLAIN_READ_BYTES);
  const isHtml = ext === 'html' || ext === 'htm' || ext === 'xhtml' || /^\s*(<!doctype html|<html[\s>])/i.test(new TextDecoder('latin1').decode(bytes.subarray(0, 512)).replace(/^\xef\xbb\xbf/, ''));
  if (isHtml) {
    const declared = htmlDeclaredCharset(bytes);
    const d = declared && isKnownEncoding(declared) && !/^\xef\xbb\xbf|^\xff\xfe|^\xfe\xff/.test(new TextDecoder('latin1').decode(bytes.subarray(0, 3)))
      ? { text: decodeAs(bytes, declared), encoding: declared }
      : decodeText(bytes, !complete);
    return finishText('html', htmlToText(d.text), d.encoding, !complete, null);
  }
  const d = decodeText(bytes, !complete);
  return plain(d.text, d.encoding, ext, !complete);
}

function plain(text: string, encoding: string, ext: string, truncated: boolean): ItemText {
  if (ext === 'csv' || ext === 'tsv') return finishText('csv', text, encoding, truncated, null);
  if (looksLikeLine(text)) return finishText('line', lineText(text), encoding, truncated, null);
  if (looksLikeWhatsApp(text)) return finishText('whatsapp', whatsAppText(text), encoding, truncated, null);
  return finishText('text', text, encoding, truncated, null);
}
