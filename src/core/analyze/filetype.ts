// File type by magic bytes (file-type), and whether the name's extension disagrees with it:
// a renamed file ("holiday.jpg" that is really a SQLite database) is a classic way to hide data.
// Where file-type knows nothing (text has no magic number), the bytes are sniffed the way `file`
// does: a few signatures file-type lacks, then text and its kind (JSON, XML, CSV, HTML, mail),
// else application/octet-stream. MIME names follow file-type where it speaks (application/xml,
// application/x-sqlite3) and `file --mime-type` elsewhere.
import { fileTypeFromBuffer } from 'file-type';
import { looksLikeLine, looksLikeWhatsApp } from '../text/chat.ts';
import { looksLikeEmail } from '../text/eml.ts';
import { decodeText, looksLikeText } from '../text/encoding.ts';

export interface DetectedType {
  mime: string | null;
  ext: string | null;
}

/** Extensions that name the same format as the detected one, or a format built on it. */
const FAMILY: Record<string, string[]> = {
  jpg: ['jpeg', 'jpe', 'jfif'],
  tif: ['tiff', 'dng', 'nef', 'cr2', 'arw', 'orf', 'rw2', 'pef', 'srw'],
  heic: ['heif', 'hif'],
  mp4: ['m4v', 'm4a', 'm4b', 'm4p', 'mp4v', '3gp', 'mov'],
  m4a: ['mp4', 'm4b', 'aac'],
  mov: ['qt', 'mp4'],
  html: ['htm', 'xhtml'],
  xml: ['plist', 'svg', 'kml', 'gpx', 'xsd', 'xsl', 'rss', 'atom', 'xhtml'],
  zip: ['docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'jar', 'apk', 'ipa', 'epub', 'kmz', 'xpi', 'aab', 'ufdr', 'xps', 'cbz', 'whl', 'nupkg', 'vsix'],
  apk: ['zip', 'aab'],
  jar: ['zip', 'war', 'ear'],
  cfb: ['doc', 'xls', 'ppt', 'msg', 'msi', 'pub', 'vsd', 'cfb', 'db'],
  gz: ['tgz', 'gzip'],
  bz2: ['tbz', 'tbz2'],
  xz: ['txz'],
  mkv: ['webm', 'mka'],
  webm: ['mkv'],
  ogg: ['oga', 'ogv', 'opus', 'spx'],
  opus: ['ogg'],
  mp3: ['mpga'],
  sqlite: ['db', 'sqlite3', 'db3', 'sqlitedb', 'sqlite'],
  exe: ['dll', 'sys', 'scr', 'ocx', 'cpl', 'efi', 'com'],
  elf: ['so', 'o', 'bin', 'ko', ''],
  ttf: ['ttc'],
  ico: ['cur'],
  ps: ['eps'],
  ai: ['pdf'],
  pdf: ['ai'],
  wav: ['wave'],
  aif: ['aiff', 'aifc'],
  mpg: ['mpeg', 'vob'],
  asf: ['wmv', 'wma'],
  '3gp': ['3gpp', 'mp4'],
  avif: ['heif'],
  deb: ['ar'],
  ar: ['deb', 'a'],
};

export function extensionOf(name: string): string | null {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return null;
  return name.slice(dot + 1).toLowerCase();
}

/**
 * True when the file's own extension names a different format than its magic bytes. No
 * detection (plain text, unknown binary) is never a mismatch: absence of magic proves nothing.
 */
export function isExtensionMismatch(name: string, detectedExt: string | null): boolean {
  if (!detectedExt) return false;
  // Compound extensions file-type reports as one ("tar.gz").
  if (detectedExt.includes('.') && name.toLowerCase().endsWith(`.${detectedExt}`)) return false;
  const ext = extensionOf(name);
  // No extension claims no format (iPhone backups store every file under a hashed name without
  // one, and Unix programs have none): nothing to disagree with.
  if (ext === null) return false;
  if (ext === detectedExt) return false;
  if (FAMILY[detectedExt]?.includes(ext)) return false;
  // Symmetric aliases (e.g. jpeg detected as jpg, named .jpg).
  if (FAMILY[ext]?.includes(detectedExt)) return false;
  return true;
}

/**
 * The type of a file from its first bytes: magic numbers first (file-type), else sniffed
 * (sniffType). `name` gives the extension where the content alone cannot tell (a .json cut off
 * by the head, a semicolon-separated .csv); `complete` says `head` is the whole file.
 */
export async function detectType(head: Uint8Array, name = '', complete = true): Promise<DetectedType> {
  return refineType(await magicType(head), head, name, complete);
}

/** The final type from the magic-number one: an XML plist named as such, no magic sniffed. */
export function refineType(magic: DetectedType, head: Uint8Array, name: string, complete: boolean): DetectedType {
  if (magic.mime === 'application/xml') return { mime: isPlistXml(head) ? 'application/x-plist' : magic.mime, ext: magic.ext };
  return magic.mime ? magic : sniffType(head, name, complete);
}

/** The type by magic numbers only (file-type), or nulls. */
export async function magicType(head: Uint8Array): Promise<DetectedType> {
  if (head.byteLength === 0) return { mime: null, ext: null };
  const t = await fileTypeFromBuffer(head);
  return t ? { mime: t.mime, ext: t.ext } : { mime: null, ext: null };
}

const latin1 = (b: Uint8Array, n: number): string => new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, n)));
const startsWith = (b: Uint8Array, sig: string): boolean => latin1(b, sig.length) === sig;

/** An XML property list: its DOCTYPE or root element, near the start of the text. */
function isPlistXml(head: Uint8Array): boolean {
  const start = textStart(head, 2048);
  return start !== null && /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE\s+plist\b|<plist[\s>])/.test(start);
}

/** The first `n` bytes decoded as text (encoding detected, BOM and leading blanks removed). */
function textStart(head: Uint8Array, n: number): string | null {
  const sample = head.subarray(0, Math.min(head.length, n));
  if (!looksLikeText(sample)) return null;
  return decodeText(sample, sample.length < head.length).text.replace(/^[\s\ufeff]+/, '');
}

/**
 * The type of bytes file-type found no magic number in: a few signatures it lacks (binary plist,
 * Android backup), then text and its kind, else application/octet-stream. Empty is
 * inode/x-empty, as `file` says. Sniffed text types name no extension (`ext` null): a text
 * format proves nothing about a name, so it never makes an extension mismatch.
 */
export function sniffType(head: Uint8Array, name: string, complete: boolean): DetectedType {
  if (head.byteLength === 0) return { mime: complete ? 'inode/x-empty' : null, ext: null };
  // Signatures (binary plist, Android backup, SQLite: file-type has the last; kept for its header alone).
  if (startsWith(head, 'bplist0')) return { mime: 'application/x-bplist', ext: null };
  if (startsWith(head, 'ANDROID BACKUP\n')) return { mime: 'application/x-android-backup', ext: 'ab' };
  if (startsWith(head, 'SQLite format 3\0')) return { mime: 'application/x-sqlite3', ext: 'sqlite' };
  const ext = extensionOf(name);
  // A PDF with bytes before its header (file-type looks at offset 0 only); text extraction reads it.
  if (ext === 'pdf' && latin1(head, 1024).includes('%PDF-')) return { mime: 'application/pdf', ext: 'pdf' };
  // Text has no magic number: the bytes must decode as text, as text extraction decides.
  if (!looksLikeText(head)) return { mime: 'application/octet-stream', ext: null };
  const prefix = !complete || head.length > SNIFF_BYTES;
  const sample = head.subarray(0, Math.min(head.length, SNIFF_BYTES));
  const text = decodeText(sample, prefix).text.replace(/^[\s\ufeff]+/, '');
  return { mime: textKind(text, ext, prefix, head), ext: null };
}

/** How much of a text file's start is decoded to tell its kind (JSON is parsed whole up to this). */
const SNIFF_BYTES = 1024 * 1024;

function textKind(text: string, ext: string | null, prefix: boolean, head: Uint8Array): string {
  const lower = text.slice(0, 256).toLowerCase();
  if (lower.startsWith('<?xml')) return isPlistXml(head) ? 'application/x-plist' : 'application/xml';
  if (/^(<!--[\s\S]*?-->\s*)*(<!doctype\s+plist\b|<plist[\s>])/.test(lower)) return 'application/x-plist';
  if (/^(<!--[\s\S]*?-->\s*)*(<!doctype\s+html\b|<(html|head|body|title|script)[\s>])/.test(lower)) return 'text/html';
  if (looksLikeEmail(head)) return 'message/rfc822';
  if (text.startsWith('{') || text.startsWith('[')) {
    if (!prefix && parsesAsJson(text)) return 'application/json';
    if (ext === 'json') return 'application/json';
    if (isNdjson(text, prefix) || ext === 'ndjson' || ext === 'jsonl') return 'application/x-ndjson';
  }
  // A chat export's lines ("12/31/23, 9:41 PM - ...") can count the same commas; it is text, as
  // search types it, not a table.
  const delimited = delimitedKind(text, ext, prefix);
  if (delimited && !(ext !== 'csv' && ext !== 'tsv' && (looksLikeWhatsApp(text) || looksLikeLine(text)))) return delimited;
  return 'text/plain';
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON lines: two or more lines, each an object or array (the last may be cut in a prefix). */
function isNdjson(text: string, prefix: boolean): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (prefix) lines.pop();
  if (lines.length < 2) return false;
  return lines.slice(0, 100).every((l) => /^\s*[[{]/.test(l) && parsesAsJson(l));
}

/**
 * CSV and TSV. By name: a .csv or .tsv whose lines (up to 10) have the same number of
 * delimiters (comma, semicolon or tab; tab for .tsv). By content alone, as `file` does: at least
 * three ended lines (of the first ten) with the same number of commas outside quotes.
 */
function delimitedKind(text: string, ext: string | null, prefix: boolean): string | null {
  const lines = text.split(/\r?\n/);
  const ended = lines.slice(0, -1).slice(0, 10);
  // A last line without a line end counts by name when the file is whole (`file` ignores it).
  const named = (prefix || lines[lines.length - 1] === '' ? ended : lines).slice(0, 10);
  const same = (ls: string[], d: string): boolean => {
    const counts = ls.map((l) => fieldSeparators(l, d));
    return counts.length > 0 && counts[0]! > 0 && counts.every((c) => c === counts[0]);
  };
  if (ext === 'tsv' && same(named, '\t')) return 'text/tab-separated-values';
  if (ext === 'csv' && (same(named, ',') || same(named, ';') || same(named, '\t'))) return 'text/csv';
  if (ended.length >= 3 && same(ended, ',')) return 'text/csv';
  return null;
}

/** Delimiters in one line, outside double quotes. */
function fieldSeparators(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}
