// Android backups (`adb backup` .ab files): a text header, then a TAR, zlib-compressed when the
// header says so, AES-256 encrypted when it says that.
//
//   ANDROID BACKUP\n  <version>\n  <compressed 0|1>\n  <encryption: none | AES-256>\n
//   (AES-256 only:) <user password salt hex>\n <master key checksum salt hex>\n
//                   <PBKDF2 rounds>\n <user key IV hex>\n <encrypted master key blob hex>\n
//
// Unencrypted backups are read as the TAR inside, streamed (tarStreamEntries); encrypted ones
// are catalogued as such (one entry saying so, with the header's facts), never decrypted.
import { closeSync, constants, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createInflate } from 'node:zlib';
import { errorMessage } from '../errors.ts';
import { containerProblem, depthProblem } from './detect.ts';
import { tarStreamEntries } from './tar.ts';
import type { ContainerBytes, ContainerContext, ContainerReader, SourceEntry } from './types.ts';

export const AB_MAGIC = 'ANDROID BACKUP';
export const AB_ENCRYPTED_ERROR = 'encrypted Android backup (AES-256): catalogued as such, not decrypted';

export interface AndroidBackupHeader {
  /** Backup format version (1 to 5 as of Android 14). */
  version: number | null;
  compressed: boolean | null;
  /** 'none', 'AES-256', or whatever other text the header holds. */
  encryption: string | null;
  encrypted: boolean;
  /** Bytes before the payload, once the header is complete; null when it is not. */
  headerLength: number | null;
  userPasswordSalt?: string;
  masterKeyChecksumSalt?: string;
  pbkdf2Rounds?: number;
  userKeyIv?: string;
  /** Length in hex digits of the encrypted master key blob (the blob itself is not kept). */
  masterKeyBlobHexLength?: number;
  /** Why the header is not usable (truncated, malformed), or null. */
  error: string | null;
}

/** How much of the file is read to parse the header (ample: an AES-256 header is ~600 bytes). */
export const AB_HEAD_BYTES = 64 * 1024;
const MAX_LINE = 4096;

/**
 * The header of an Android backup from its first bytes, or null when they do not start with
 * "ANDROID BACKUP\n". A truncated or malformed header comes back with `error` set.
 */
export function androidBackupHeader(head: Uint8Array): AndroidBackupHeader | null {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const magic = `${AB_MAGIC}\n`;
  if (buf.length < magic.length || buf.toString('latin1', 0, magic.length) !== magic) return null;
  const lines: string[] = [];
  let pos = magic.length;
  const nextLine = (): string | null => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > MAX_LINE) return null;
    const line = buf.toString('latin1', pos, nl);
    pos = nl + 1;
    lines.push(line);
    return line;
  };
  const h: AndroidBackupHeader = {
    version: null,
    compressed: null,
    encryption: null,
    encrypted: false,
    headerLength: null,
    error: null,
  };
  const fail = (msg: string): AndroidBackupHeader => {
    h.error = msg;
    return h;
  };
  const v = nextLine();
  if (v === null) return fail('Android backup header is truncated (no version line)');
  if (!/^\d{1,6}$/.test(v)) return fail(`Android backup header has an invalid version line: ${JSON.stringify(v.slice(0, 40))}`);
  h.version = Number(v);
  const c = nextLine();
  if (c === null) return fail('Android backup header is truncated (no compression line)');
  if (c !== '0' && c !== '1') return fail(`Android backup header has an invalid compression flag: ${JSON.stringify(c.slice(0, 40))}`);
  h.compressed = c === '1';
  const enc = nextLine();
  if (enc === null) return fail('Android backup header is truncated (no encryption line)');
  h.encryption = enc.slice(0, 100);
  if (enc === 'none') {
    h.headerLength = pos;
    return h;
  }
  h.encrypted = true;
  if (enc !== 'AES-256') {
    h.headerLength = pos;
    return fail(`Android backup uses an unknown encryption (${JSON.stringify(h.encryption)}): not read`);
  }
  const names = ['userPasswordSalt', 'masterKeyChecksumSalt', 'pbkdf2Rounds', 'userKeyIv', 'masterKeyBlob'] as const;
  const vals: string[] = [];
  for (const n of names) {
    const l = nextLine();
    if (l === null) return fail(`Android backup header is truncated (no ${n} line)`);
    vals.push(l);
  }
  const hex = /^[0-9A-Fa-f]*$/;
  if (hex.test(vals[0]!)) h.userPasswordSalt = vals[0]!;
  if (hex.test(vals[1]!)) h.masterKeyChecksumSalt = vals[1]!;
  if (/^\d{1,9}$/.test(vals[2]!)) h.pbkdf2Rounds = Number(vals[2]);
  if (hex.test(vals[3]!)) h.userKeyIv = vals[3]!;
  if (hex.test(vals[4]!)) h.masterKeyBlobHexLength = vals[4]!.length;
  h.headerLength = pos;
  return h;
}

/** The header facts worth keeping on the item. */
function headerFacts(h: AndroidBackupHeader): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: h.version,
    compressed: h.compressed,
    encryption: h.encryption,
    headerLength: h.headerLength,
  };
  for (const k of ['userPasswordSalt', 'masterKeyChecksumSalt', 'pbkdf2Rounds', 'userKeyIv', 'masterKeyBlobHexLength'] as const) {
    if (h[k] !== undefined) out[k] = h[k];
  }
  return { androidBackup: out };
}

function readHead(bytes: ContainerBytes, n: number): Uint8Array {
  if (bytes.type === 'bytes') return bytes.data.subarray(0, n);
  const fd = openSync(bytes.path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const buf = Buffer.alloc(n);
    let off = 0;
    while (off < n) {
      const r = readSync(fd, buf, off, n - off, off);
      if (r === 0) break;
      off += r;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * The backup's TAR as a stream: the bytes after the header, inflated when compressed. For a
 * compressed backup, `compressed()` counts the zlib bytes consumed so far, which the TAR reader
 * uses for its compression-ratio limit (bomb guard); its entry and byte limits apply as well.
 */
function payloadStream(bytes: ContainerBytes, h: AndroidBackupHeader): { out: Readable; parts: Readable[]; compressed: (() => number) | undefined } {
  const start = h.headerLength ?? 0;
  const raw: Readable =
    bytes.type === 'bytes'
      ? Readable.from([Buffer.from(bytes.data.buffer, bytes.data.byteOffset, bytes.data.byteLength).subarray(start)])
      : createReadStream('', { fd: openSync(bytes.path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)), start, highWaterMark: 256 * 1024 });
  if (!h.compressed) return { out: raw, parts: [raw], compressed: undefined };
  let compressed = 0;
  const inflate = createInflate();
  raw.on('data', (c: Buffer) => (compressed += c.byteLength));
  raw.on('error', (err) => inflate.destroy(err));
  raw.pipe(inflate);
  return { out: inflate, parts: [raw, inflate], compressed: () => compressed };
}

export const androidBackupReader: ContainerReader = {
  kind: 'ab',
  async *entries(bytes: ContainerBytes, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
    const deep = depthProblem(ctx);
    if (deep) {
      yield deep;
      return;
    }
    let head: Uint8Array;
    try {
      head = readHead(bytes, AB_HEAD_BYTES);
    } catch (err) {
      yield containerProblem(ctx, `Android backup could not be read: ${errorMessage(err)}`);
      return;
    }
    const h = androidBackupHeader(head);
    if (!h) {
      yield containerProblem(ctx, "not an Android backup (no 'ANDROID BACKUP' header): not expanded");
      return;
    }
    if (h.encrypted && h.encryption === 'AES-256' && !h.error) {
      yield containerProblem(ctx, AB_ENCRYPTED_ERROR, headerFacts(h));
      return;
    }
    if (h.error) {
      yield containerProblem(ctx, h.error, headerFacts(h));
      return;
    }
    let payload: ReturnType<typeof payloadStream>;
    try {
      payload = payloadStream(bytes, h);
    } catch (err) {
      yield containerProblem(ctx, `Android backup could not be read: ${errorMessage(err)}`, headerFacts(h));
      return;
    }
    const { out, parts, compressed } = payload;
    const label = h.compressed ? 'Android backup (zlib-compressed TAR)' : 'Android backup (TAR)';
    try {
      // The TAR reader records a damaged or truncated stream (zlib errors included) as a note on
      // the container and keeps every member read before it.
      yield* tarStreamEntries(out, ctx, compressed ? { compressedBytes: compressed, label } : { label });
    } catch (err) {
      yield containerProblem(ctx, `Android backup data is corrupt or truncated: ${errorMessage(err)}`, headerFacts(h));
    } finally {
      for (const p of parts) p.destroy();
    }
  },
};
