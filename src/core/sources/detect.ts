// Which files found during an ingest are containers to open, and the checks every archive reader
// shares: hostile member names, duplicate and Unicode-colliding names, container-level problems.
//
// Expanded: plain ZIP (and .ufdr, a ZIP with report.xml), TAR, gzip-compressed TAR, Android
// backups. Not expanded, on purpose:
// - ZIP-based documents and packages (docx/xlsx/pptx, odt/ods/odp, epub, apk/aab, jar/war, ipa,
//   xpi, kmz, ...): they are single documents to an examiner, catalogued as one item each.
// - 7z, RAR, xz, bzip2 and a lone .gz that is not a TAR: no reader here; they are catalogued as
//   archives not expanded.
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { blankEntry } from './types.ts';
import type { ContainerContext, EntryKind, SourceEntry } from './types.ts';
import { decodeName } from './folder.ts';
import { nsToIso } from '../time.ts';

export type ContainerKind = 'zip' | 'tar' | 'tar.gz' | 'ab';

/** ZIP-based formats that are documents or packages, not archives to expand. */
const ZIP_DOCUMENT_EXTENSIONS = new Set([
  'docx', 'docm', 'dotx', 'dotm', 'xlsx', 'xlsm', 'xltx', 'pptx', 'pptm', 'potx', 'ppsx',
  'odt', 'ods', 'odp', 'odg', 'odf', 'ott', 'epub', 'apk', 'aab', 'apks', 'xapk', 'jar', 'war',
  'ear', 'ipa', 'xpi', 'crx', 'kmz', 'xps', 'oxps', 'cbz', 'whl', 'nupkg', 'vsix', '3mf', 'usdz',
  'key', 'numbers', 'pages', 'sketch', 'idml', 'appx', 'msix',
]);

const ZIP_DOCUMENT_MIMES = [
  'application/vnd.openxmlformats-officedocument.',
  'application/vnd.oasis.opendocument.',
  'application/vnd.ms-',
  'application/epub+zip',
  'application/vnd.android.package-archive',
  'application/java-archive',
  'application/x-xpinstall',
  'application/vnd.google-earth.kmz',
  'model/3mf',
];

function extensionOf(lowerName: string): string {
  const slash = Math.max(lowerName.lastIndexOf('/'), lowerName.lastIndexOf('\\'));
  const base = lowerName.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1);
}

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.byteLength < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

const ANDROID_BACKUP_MAGIC = [...'ANDROID BACKUP\n'].map((c) => c.charCodeAt(0));
const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar" (POSIX "ustar\0" and GNU "ustar ")

/**
 * True when a 512-byte block is a TAR header: its checksum (the header's bytes summed with the
 * checksum field read as spaces) matches the recorded one, unsigned or (old tars) signed.
 */
export function tarChecksumOk(block: Uint8Array): boolean {
  if (block.byteLength < 512) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (unsigned === 8 * 0x20) return false; // an all-zero block
  let recorded = 0;
  let digits = 0;
  for (let i = 148; i < 156; i++) {
    const b = block[i]!;
    if (b === 0x20 || b === 0) {
      if (digits > 0) break;
      continue;
    }
    if (b < 0x30 || b > 0x37) return false;
    recorded = recorded * 8 + (b - 0x30);
    digits++;
  }
  return digits > 0 && (recorded === unsigned || recorded === signed);
}

function looksLikeTar(head: Uint8Array): boolean {
  return startsWith(head, USTAR, 257) || tarChecksumOk(head);
}

/** The first bytes of a gzip stream, decompressed as far as a small head allows. */
function gunzipHead(head: Uint8Array): Uint8Array | null {
  try {
    // 4 KiB of deflate cannot expand past ~4 MiB; a partial stream is fine with SYNC_FLUSH.
    return gunzipSync(head.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return null;
  }
}

/**
 * The kind of container a file is, from its detected MIME type (file-type, may be null), its
 * name and its first bytes (at least 512; 4 KiB or more is better for .tar.gz). Null: not a
 * container this app expands (documents, 7z, RAR, xz, plain files).
 */
export function containerKindOf(mime: string | null, name: string, head: Uint8Array): ContainerKind | null {
  const lower = name.toLowerCase();
  const ext = extensionOf(lower);
  if (startsWith(head, ANDROID_BACKUP_MAGIC)) return 'ab';

  const zipMagic = startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(head, [0x50, 0x4b, 0x07, 0x08]);
  const zipDocument = ZIP_DOCUMENT_EXTENSIONS.has(ext) || (mime !== null && ZIP_DOCUMENT_MIMES.some((m) => mime.startsWith(m)));
  if (zipMagic || mime === 'application/zip') {
    // A file named .zip/.ufdr is expanded whatever file-type thinks of its first member.
    if (ext === 'zip' || ext === 'ufdr') return 'zip';
    if (zipDocument) return null;
    return mime === 'application/zip' || mime === null ? 'zip' : null;
  }

  if (mime === 'application/x-tar' || looksLikeTar(head)) return 'tar';

  if (startsWith(head, [0x1f, 0x8b, 0x08])) {
    if (lower.endsWith('.tar.gz') || ext === 'tgz' || lower.endsWith('.tar.gzip')) return 'tar.gz';
    const inner = gunzipHead(head);
    if (inner && looksLikeTar(inner.subarray(0, 512))) return 'tar.gz';
    return null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Shared by the archive readers.

/**
 * Why a member name would be dangerous if an extractor used it as a path (zip slip and its
 * relatives), or null. Checked on the name exactly as the archive records it.
 *
 * One leading '/' is not among them: full-file-system dumps of phones store `/private/var/...`,
 * the device's root (unzip and tar strip it when extracting). The name, and so the item's path,
 * keeps it as a recorded fact; no name is ever used as a path here. '..' segments, drive letters,
 * backslashes and network paths (`//server/share`, `\\server\share`) still count.
 */
export function hostileNameReasons(name: string): string[] {
  const reasons: string[] = [];
  if (name.length === 0) reasons.push('empty name');
  if (name.includes('\0')) reasons.push('NUL character in the name');
  if (name.startsWith('//')) reasons.push("network path (starts with '//')");
  if (/^[A-Za-z]:/.test(name)) reasons.push('Windows drive letter (absolute path)');
  if (name.startsWith('\\\\')) reasons.push('Windows network (UNC) path');
  else if (name.startsWith('\\')) reasons.push("absolute Windows path (starts with '\\')");
  if (name.includes('\\')) reasons.push('backslash in the name (a folder separator to Windows tools)');
  if (name.split(/[/\\]/).includes('..')) reasons.push("'..' segment (zip slip: climbs out of the extraction folder)");
  return reasons;
}

export function hostileNameError(name: string): string | null {
  const reasons = hostileNameReasons(name);
  return reasons.length ? `hostile name: ${reasons.join('; ')} (recorded, never used as a path)` : null;
}

/**
 * True when a link target, taken relative to the folder of the link, leaves the archive's root
 * (absolute, drive letter, or more '..' than there are folders above the link).
 */
export function linkEscapes(linkPath: string, target: string): boolean {
  if (target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target)) return true;
  let depth = linkPath.split('/').filter((p) => p !== '' && p !== '.').length - 1;
  for (const part of target.split(/[/\\]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * Keeps member paths unique within one container while keeping every member. A name that
 * repeats an earlier member's exactly (an extractor would overwrite one with the other) gets a
 * " [duplicate N]" mark on its virtual path (its name stays as written) and a note; a name equal
 * to an earlier one only after Unicode normalization (NFC/NFD: macOS and Windows would collide
 * them) keeps its path and gets a note. The empty member path is reserved for the container's
 * own problem entry (`${prefix}!/`).
 */
export class NameIndex {
  private readonly exact = new Set<string>(['']);
  private readonly normalized = new Map<string, string>();

  place(member: string): { member: string; note: string | null } {
    let note: string | null = null;
    // eslint-disable-next-line no-control-regex
    const key = /^[\x00-\x7f]*$/.test(member) ? member : member.normalize('NFC');
    const first = this.normalized.get(key);
    if (first === undefined) this.normalized.set(key, member);
    else if (first !== member) note = `name collides with an earlier member ('${first}') under Unicode normalization (NFC/NFD; both kept)`;
    if (!this.exact.has(member)) {
      this.exact.add(member);
      return { member, note };
    }
    for (let n = 2; ; n++) {
      const alt = `${member} [duplicate ${n}]`;
      if (this.exact.has(alt)) continue;
      this.exact.add(alt);
      const dup = member === ''
        ? `empty member name: recorded as '[duplicate ${n}]'`
        : `duplicate name: an earlier member has the same name (both kept; this one's path is marked [duplicate ${n}])`;
      return { member: alt, note: note ? `${dup}; ${note}` : dup };
    }
  }
}

export { blankEntry } from './types.ts';

/**
 * A problem with the container as a whole (not a ZIP at all, truncated, a limit reached): one
 * entry at `${prefix}!/`, kind 'other', no content, so the ingest records it and goes on.
 */
export function containerProblem(ctx: ContainerContext, message: string, extra?: Record<string, unknown>): SourceEntry {
  const e = blankEntry(`${ctx.prefix}!/`, 'other');
  e.name = '';
  e.error = message;
  if (extra) e.extra = extra;
  return e;
}

/** Null when the container may be opened at this depth, else the problem entry to yield. */
export function depthProblem(ctx: ContainerContext): SourceEntry | null {
  if (ctx.depth <= ctx.limits.maxDepth) return null;
  return containerProblem(
    ctx,
    `nesting depth ${ctx.depth} exceeds the limit (${ctx.limits.maxDepth}): container not expanded`,
  );
}

// ignoreBOM: a leading U+FEFF is kept (by default it is dropped, so "\uFEFFa" would read as "a").
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 text of raw bytes, or null when they are not valid UTF-8. */
export function utf8OrNull(raw: Uint8Array): string | null {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return null;
  }
}

/** UTF-8 text with U+FFFD for invalid bytes: for free text (comments), never for names. */
export function utf8Lenient(raw: Uint8Array): string {
  return lenientUtf8.decode(raw);
}

/**
 * A name from raw bytes, as the folder walk reads names: UTF-8 when valid; otherwise valid
 * sequences as text and each invalid byte as \xNN (one-to-one, so two different names never read
 * alike), with the raw bytes kept.
 */
export function nameFromBytes(raw: Uint8Array): { text: string; raw: Buffer | null } {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const d = decodeName(b);
  return d.clean ? { text: d.text, raw: null } : { text: d.text, raw: Buffer.from(b) };
}

/** Whole or fractional Unix seconds as ISO 8601 UTC; null outside the range JavaScript dates cover. */
export function unixSecondsToIso(seconds: number): string | null {
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 8.64e12) return null;
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/**
 * A decimal seconds string as PAX records it ("1700000000.123456789", maybe negative) as ISO
 * 8601 UTC keeping every recorded fractional digit up to nanoseconds.
 */
export function decimalSecondsToIso(text: string): string | null {
  const m = /^(-?)(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const frac = (m[3] ?? '').slice(0, 9).padEnd(9, '0');
  let ns = BigInt(m[2]!) * 1_000_000_000n + BigInt(frac);
  if (m[1] === '-') ns = -ns;
  if (ns / 1_000_000_000n > 8_640_000_000_000n || ns / 1_000_000_000n < -8_640_000_000_000n) return null;
  if (!m[3]) return new Date(Number(ns / 1_000_000n)).toISOString();
  return nsToIso(ns);
}

/** S_IFMT bits and the entry kind they name. */
export const S_IFMT = 0o170000;
export function kindOfMode(mode: number): EntryKind | null {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o020000:
    case 0o060000:
      return 'device';
    default:
      return null;
  }
}

/** "1.5 MiB"-style size for messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
