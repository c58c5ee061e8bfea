// Known-hash set file formats, read as streams of records. Each record keeps its strongest hash
// (SHA-256, else SHA-1, else MD5): an item matches on any of its three hashes, so a weaker
// second hash of the same file adds nothing but size.
//
//   nsrl-rds     NSRL RDS v3: a SQLite database with a FILE table (sha256, sha1, md5 columns)
//   nsrl-legacy  NSRL RDS 2.x NSRLFile.txt: quoted CSV, "SHA-1","MD5","CRC32","FileName",...
//   hashdeep     %%%% HASHDEEP-1.0, then %%%% size,md5,sha256,filename (columns as declared),
//                ## comments, then one CSV line per file (the file name may hold commas)
//   md5sum, sha1sum, sha256sum
//                "<hex>  <name>" or "<hex> *<name>" (GNU), and the BSD/--tag form
//                "SHA256 (<name>) = <hex>"
//   plain        one hash per line (MD5, SHA-1 or SHA-256 by length); # comments
//   csv          a header naming a hash column (md5, sha1 / sha-1, sha256 / sha-256, or hash),
//                delimiter , ; or tab, fields optionally quoted
// Blank lines and lines that hold no valid hash are counted as skipped, never fatal.
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { EvidenceError } from '../errors.ts';

export const HASHSET_FORMATS = ['nsrl-rds', 'nsrl-legacy', 'hashdeep', 'md5sum', 'sha1sum', 'sha256sum', 'plain', 'csv'] as const;
export type HashsetFormat = (typeof HASHSET_FORMATS)[number];
export type Algo = 'md5' | 'sha1' | 'sha256';

export const ALGO_HEX: Record<Algo, number> = { md5: 32, sha1: 40, sha256: 64 };

export interface HashRecord {
  algo: Algo;
  /** Lowercase hex. */
  hex: string;
}

const HEX = /^[0-9a-fA-F]+$/;

export function algoOfHex(hex: string): Algo | null {
  if (!HEX.test(hex)) return null;
  return hex.length === 32 ? 'md5' : hex.length === 40 ? 'sha1' : hex.length === 64 ? 'sha256' : null;
}

/** The strongest valid hash among the candidates, or null. */
export function strongest(c: { md5?: string | null; sha1?: string | null; sha256?: string | null }): HashRecord | null {
  for (const algo of ['sha256', 'sha1', 'md5'] as const) {
    const v = c[algo]?.trim();
    if (v && v.length === ALGO_HEX[algo] && HEX.test(v)) return { algo, hex: v.toLowerCase() };
  }
  return null;
}

/** Splits one CSV line (RFC 4180 quoting, no embedded newlines) on a delimiter. */
export function splitCsv(line: string, delim = ','): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === delim) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function headOf(file: string, n = 65536): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

const HASH_COLUMN = /^(md5|sha-?1|sha-?256|hash|hashes|digest|checksum)$/i;

/** Tells the format from the file's first bytes. */
export function detectFormat(file: string): HashsetFormat {
  const head = headOf(file);
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'nsrl-rds';
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  if (text.startsWith('%%%% HASHDEEP')) return 'hashdeep';
  const lines = text.split(/\r?\n/).slice(0, -1).filter((l) => l.trim() && !l.startsWith('#'));
  if (lines.length === 0) throw new EvidenceError('USAGE', `${file} holds no hash lines. Give a hash set file (see --format).`);
  const first = lines[0]!;
  if (/^"SHA-1","MD5"/i.test(first)) return 'nsrl-legacy';
  const sum = /^\\?([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}) [ *]./.exec(first) ?? /^(?:MD5|SHA1|SHA256) \(.*\) = ([0-9a-fA-F]+)$/.exec(first);
  if (sum) {
    const a = algoOfHex(sum[1]!);
    if (a) return a === 'md5' ? 'md5sum' : a === 'sha1' ? 'sha1sum' : 'sha256sum';
  }
  const sample = lines.slice(0, 100);
  if (algoOfHex(first.trim()) && sample.filter((l) => algoOfHex(l.trim()) !== null).length > sample.length / 2) return 'plain';
  for (const d of [',', ';', '\t']) {
    if (first.includes(d) && splitCsv(first, d).some((c) => HASH_COLUMN.test(c.trim()))) return 'csv';
  }
  throw new EvidenceError(
    'USAGE',
    `Cannot tell the format of ${file} from its first lines ("${first.slice(0, 80)}"). Give it with --format (${HASHSET_FORMATS.join(', ')}).`,
  );
}

export interface ReadProgress {
  bytesRead: number;
}

/**
 * The lines of a text file, a chunk's worth at a time (a partial last line is carried over).
 * Reading with `for await` over the stream keeps backpressure: memory holds one chunk of 1 MiB
 * and its lines, whatever the file's size.
 */
async function* lineBatches(file: string, progress: ReadProgress, onChunk: (b: Buffer) => void): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let first = true;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    const buf = chunk as Buffer;
    progress.bytesRead += buf.length;
    onChunk(buf);
    let text = carry + decoder.decode(buf, { stream: true });
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      carry = text;
      continue;
    }
    carry = text.slice(cut + 1);
    yield text.slice(0, cut).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
  const rest = carry + decoder.decode();
  if (rest) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

function sumLine(line: string, want: Algo | null): HashRecord | null {
  let l = line;
  if (l.startsWith('\\')) l = l.slice(1);
  let hex: string | undefined;
  const bsd = /^(?:MD5|SHA1|SHA256) \(.*\) = ([0-9a-fA-F]+)$/.exec(l);
  if (bsd) hex = bsd[1];
  else {
    const sp = l.indexOf(' ');
    hex = sp > 0 ? l.slice(0, sp) : l;
  }
  const algo = algoOfHex(hex ?? '');
  if (!algo || (want && algo !== want)) return null;
  return { algo, hex: hex!.toLowerCase() };
}

/** A line's record; null for a line with no valid hash (skipped); undefined for a line that is not data (header, comment, blank). */
type LineParser = (line: string) => HashRecord | null | undefined;

function parserFor(file: string, format: Exclude<HashsetFormat, 'nsrl-rds'>): LineParser {
  switch (format) {
    case 'plain':
      return (line) => {
        const t = line.trim();
        if (!t || t.startsWith('#')) return undefined;
        const a = algoOfHex(t);
        return a ? { algo: a, hex: t.toLowerCase() } : null;
      };
    case 'md5sum':
    case 'sha1sum':
    case 'sha256sum': {
      const want: Algo = format === 'md5sum' ? 'md5' : format === 'sha1sum' ? 'sha1' : 'sha256';
      return (line) => (!line.trim() || line.startsWith('#') ? undefined : sumLine(line, want));
    }
    case 'nsrl-legacy': {
      let cols: string[] | null = null;
      return (line) => {
        if (!line.trim()) return undefined;
        const f = splitCsv(line);
        if (!cols) {
          cols = f.map((c) => c.trim().toLowerCase());
          return undefined;
        }
        return strongest({ sha1: f[cols.indexOf('sha-1')], md5: f[cols.indexOf('md5')], sha256: cols.includes('sha-256') ? f[cols.indexOf('sha-256')] : null });
      };
    }
    case 'hashdeep': {
      let cols: string[] | null = null;
      return (line) => {
        if (line.startsWith('%%%% HASHDEEP')) return undefined;
        if (line.startsWith('%%%% ')) {
          cols = line.slice(5).split(',').map((c) => c.trim().toLowerCase());
          return undefined;
        }
        if (line.startsWith('##') || !line.trim()) return undefined;
        if (!cols) throw new EvidenceError('USAGE', `${file}: a hashdeep file needs its "%%%% size,md5,..." header before the first hash line.`);
        // The file name is last and may hold commas: only the fields before it are read.
        const parts = line.split(',');
        const c = cols;
        const get = (name: string): string | undefined => {
          const i = c.indexOf(name);
          return i >= 0 && i < c.length - 1 ? parts[i] : undefined;
        };
        return strongest({ md5: get('md5'), sha1: get('sha1'), sha256: get('sha256') });
      };
    }
    case 'csv': {
      let delim = ',';
      let idx: { md5: number; sha1: number; sha256: number; hash: number } | null = null;
      return (line) => {
        if (!line.trim()) return undefined;
        if (!idx) {
          delim = [',', ';', '\t'].find((d) => line.includes(d) && splitCsv(line, d).some((c) => HASH_COLUMN.test(c.trim()))) ?? ',';
          const h = splitCsv(line, delim).map((c) => c.trim().toLowerCase().replace(/[^a-z0-9]/g, ''));
          idx = { md5: h.indexOf('md5'), sha1: h.indexOf('sha1'), sha256: h.indexOf('sha256'), hash: h.findIndex((c) => ['hash', 'hashes', 'digest', 'checksum'].includes(c)) };
          if (Object.values(idx).every((i) => i < 0)) {
            throw new EvidenceError('USAGE', `${file}: the first line of a CSV hash set must name a hash column (md5, sha1, sha256 or hash); it is "${line.slice(0, 80)}".`);
          }
          return undefined;
        }
        const f = splitCsv(line, delim);
        const at = (i: number): string | undefined => (i >= 0 ? f[i] : undefined);
        const r = strongest({ md5: at(idx.md5), sha1: at(idx.sha1), sha256: at(idx.sha256) });
        if (r || idx.hash < 0) return r;
        const v = at(idx.hash)?.trim() ?? '';
        const a = algoOfHex(v);
        return a ? { algo: a, hex: v.toLowerCase() } : null;
      };
    }
  }
}

/**
 * Reads a text-format set file, a batch of records per chunk read (null: a line that held no
 * valid hash). `onChunk` sees every byte read: the importer hashes the file with it, so the
 * recorded SHA-256 is of exactly what was read.
 */
export async function* readTextSet(
  file: string,
  format: Exclude<HashsetFormat, 'nsrl-rds'>,
  progress: ReadProgress,
  onChunk: (b: Buffer) => void,
): AsyncGenerator<(HashRecord | null)[]> {
  const parse = parserFor(file, format);
  for await (const lines of lineBatches(file, progress, onChunk)) {
    const out: (HashRecord | null)[] = [];
    for (const line of lines) {
      const r = parse(line);
      if (r !== undefined) out.push(r);
    }
    yield out;
  }
}
