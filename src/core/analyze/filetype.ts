// File type by magic bytes (file-type), and whether the name's extension disagrees with it:
// a renamed file ("holiday.jpg" that is really a SQLite database) is a classic way to hide data.
import { fileTypeFromBuffer } from 'file-type';

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
  const ext = extensionOf(name) ?? '';
  if (ext === detectedExt) return false;
  if (FAMILY[detectedExt]?.includes(ext)) return false;
  // Symmetric aliases (e.g. jpeg detected as jpg, named .jpg).
  if (FAMILY[ext]?.includes(detectedExt)) return false;
  return true;
}

export async function detectType(head: Uint8Array): Promise<DetectedType> {
  if (head.byteLength === 0) return { mime: null, ext: null };
  const t = await fileTypeFromBuffer(head);
  return t ? { mime: t.mime, ext: t.ext } : { mime: null, ext: null };
}
