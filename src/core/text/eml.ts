// Text of an e-mail message (.eml, RFC 5322 + MIME): the address and subject headers (encoded
// words decoded: ISO-2022-JP, Shift_JIS, UTF-8, ...), then the text of the body: text/plain parts
// (text/html where a message has no plain alternative), base64 and quoted-printable undone,
// each part's charset honoured; attachments named; attached messages read the same way.
import { decodeAs, decodeText, isKnownEncoding } from './encoding.ts';
import { htmlToText } from './markup.ts';

const SHOWN_HEADERS = ['from', 'to', 'cc', 'bcc', 'reply-to', 'date', 'subject'];
const MAX_DEPTH = 10;
const MAX_PARTS = 1000;

/** True when the start of a file looks like a mail message (a few RFC 5322 header fields). */
export function looksLikeEmail(head: Uint8Array): boolean {
  const s = new TextDecoder('latin1').decode(head.subarray(0, Math.min(head.length, 4096)));
  const block = s.split(/\r?\n\r?\n/)[0] ?? '';
  const names = new Set([...block.matchAll(/^([A-Za-z][A-Za-z0-9-]*):/gm)].map((m) => m[1]!.toLowerCase()));
  const core = ['from', 'to', 'subject', 'date', 'message-id', 'received', 'mime-version', 'return-path'].filter((n) => names.has(n)).length;
  return core >= 3 && /^[A-Za-z][A-Za-z0-9-]*:/.test(block);
}

interface Headers {
  list: [string, string][];
  get(name: string): string | undefined;
}

function parseHeaders(raw: string): Headers {
  const list: [string, string][] = [];
  for (const line of raw.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    list.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  return { list, get: (name) => list.find(([n]) => n === name)?.[1] };
}

/** Splits a message (as a latin1 string: one char per byte) into its header block and body. */
function splitMessage(s: string): { headers: Headers; body: string } {
  const m = /\r?\n\r?\n/.exec(s);
  if (!m) return { headers: parseHeaders(s), body: '' };
  return { headers: parseHeaders(s.slice(0, m.index)), body: s.slice(m.index + m[0].length) };
}

function latin1Bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

function charsetDecode(bytes: Uint8Array, charset: string | undefined): string {
  const cs = charset?.trim().toLowerCase();
  if (cs && cs !== 'us-ascii' && isKnownEncoding(cs)) return decodeAs(bytes, cs);
  // No charset, or us-ascii (often a lie on 8-bit mail): detect.
  return decodeText(bytes).text;
}

/** Decodes RFC 2047 encoded words (=?charset?B?...?= and =?charset?Q?...?=) in a header value. */
export function decodeHeaderValue(raw: string): string {
  // Raw 8-bit header bytes (no encoded words) are most often UTF-8.
  const base = /[\x80-\xff]/.test(raw) ? decodeText(latin1Bytes(raw)).text : raw;
  // Whitespace between two encoded words is not part of the text.
  return base
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, enc: string, data: string) => {
      let bytes: Buffer;
      if (enc.toUpperCase() === 'B') bytes = Buffer.from(data, 'base64');
      else bytes = latin1Bytes(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))));
      return charsetDecode(bytes, charset);
    });
}

interface ContentType {
  type: string;
  params: Record<string, string>;
}

function parseParams(value: string): ContentType {
  const [type, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i <= 0) continue;
    const k = p.slice(0, i).trim().toLowerCase();
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    // RFC 2231 (name*=utf-8''...): decoded; continuations (name*0=) are joined by name.
    const ext = /^([^']*)'[^']*'(.*)$/.exec(v);
    if (k.endsWith('*') && ext) {
      try {
        v = charsetDecode(latin1Bytes(ext[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_m, x: string) => String.fromCharCode(Number.parseInt(x, 16)))), ext[1] || 'utf-8');
      } catch {
        /* keep as given */
      }
    }
    const key = k.replace(/\*(\d+)?\*?$/, '');
    params[key] = (params[key] && /\*\d+/.test(k) ? params[key] : '') + v;
  }
  return { type: (type ?? '').trim().toLowerCase() || 'text/plain', params };
}

function transferDecode(body: string, encoding: string | undefined): Buffer {
  const e = encoding?.trim().toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (e === 'quoted-printable') {
    return latin1Bytes(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))));
  }
  return latin1Bytes(body);
}

interface Walk {
  out: string[];
  parts: number;
  /** The charset of the first text part: what the message is "in", for the record. */
  charset: string | null;
}

function headerLines(h: Headers): string[] {
  const lines: string[] = [];
  for (const name of SHOWN_HEADERS) {
    for (const [n, v] of h.list) {
      if (n === name) lines.push(`${name[0]!.toUpperCase()}${name.slice(1)}: ${decodeHeaderValue(v)}`);
    }
  }
  return lines;
}

function walkPart(h: Headers, body: string, depth: number, w: Walk): void {
  if (++w.parts > MAX_PARTS || depth > MAX_DEPTH) return;
  const ct = parseParams(h.get('content-type') ?? 'text/plain');
  const disposition = parseParams(h.get('content-disposition') ?? 'inline');
  const filename = disposition.params.filename ?? ct.params.name;
  const named = filename ? decodeHeaderValue(filename) : null;
  if (ct.type.startsWith('multipart/')) {
    const boundary = ct.params.boundary;
    if (!boundary) return;
    const parts = splitMultipart(body, boundary);
    if (ct.type === 'multipart/alternative') {
      // The plain text when there is one, else the richest (last) alternative.
      const parsed = parts.map(splitMessage);
      const plain = parsed.find((p) => parseParams(p.headers.get('content-type') ?? 'text/plain').type === 'text/plain');
      const pick = plain ?? parsed[parsed.length - 1];
      if (pick) walkPart(pick.headers, pick.body, depth + 1, w);
      return;
    }
    for (const p of parts) {
      const m = splitMessage(p);
      walkPart(m.headers, m.body, depth + 1, w);
    }
    return;
  }
  if (ct.type === 'message/rfc822') {
    const inner = splitMessage(transferDecode(body, h.get('content-transfer-encoding')).toString('latin1'));
    w.out.push('', '[attached message]', ...headerLines(inner.headers), '');
    walkPart(inner.headers, inner.body, depth + 1, w);
    return;
  }
  const isAttachment = disposition.type === 'attachment' || (named !== null && !ct.type.startsWith('text/'));
  // Text parts, and text attachments (a CSV target list sent by mail is part of the message).
  if (ct.type.startsWith('text/')) {
    const bytes = transferDecode(body, h.get('content-transfer-encoding'));
    const text = charsetDecode(bytes, ct.params.charset);
    w.charset ??= ct.params.charset?.toLowerCase() ?? null;
    if (named) w.out.push(`[attachment: ${named} (${ct.type})]`);
    w.out.push(ct.type === 'text/html' ? htmlToText(text) : text.replace(/\r\n?/g, '\n'));
    return;
  }
  if (isAttachment || named) w.out.push(`[attachment: ${named ?? '(unnamed)'} (${ct.type})]`);
}

function splitMultipart(body: string, boundary: string): string[] {
  const delim = `--${boundary}`;
  const parts: string[] = [];
  const lines = body.split(/\r?\n/);
  let cur: string[] | null = null;
  for (const line of lines) {
    if (line.startsWith(delim)) {
      if (cur) parts.push(cur.join('\n'));
      if (line.startsWith(`${delim}--`)) {
        cur = null;
        break;
      }
      cur = [];
      continue;
    }
    cur?.push(line);
  }
  if (cur) parts.push(cur.join('\n'));
  return parts;
}

/** The text of a message: its headers, then its readable parts. */
export function emlText(bytes: Uint8Array): { text: string; encoding: string | null } {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const { headers, body } = splitMessage(s);
  const w: Walk = { out: [...headerLines(headers), ''], parts: 0, charset: null };
  walkPart(headers, body, 0, w);
  return { text: w.out.join('\n').trim(), encoding: w.charset };
}
