// Chat exports officers meet, turned into one normalised line per message,
// "<time> <speaker>: <message>" (continuation lines of a long message follow as they are), so
// search and the detectors see who said what and when:
// - WhatsApp .txt, Android ("12/31/23, 9:41 PM - Name: msg") and iOS ("[31/12/2023, 21:41:05]
//   Name: msg"), in any locale's date order: day-first or month-first is decided from the dates
//   themselves (a first number over 12 means day-first, a second over 12 month-first); when
//   every date is ambiguous, the dates are kept as written rather than guessed.
// - LINE .txt ("[LINE] ...とのトーク履歴", day lines "2024/01/05(金)", times with 午前/午後,
//   tab-separated time, name and message, multi-line messages in double quotes).
// - Telegram Desktop result.json (one chat, or a full export with chats and contacts); message
//   text as a string or as an array of plain strings and entities.

// ---------------------------------------------------------------------------------------------
// WhatsApp

const WA_DATE = String.raw`(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})`;
const WA_TIME = String.raw`(午前|午後|오전|오후)?\s?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[\s\u202f\u00a0]?([AaPp])\.?\s?[Mm]\.?)?`;
const WA_IOS = new RegExp(String.raw`^[\u200e\u200f]?\[${WA_DATE},?\s${WA_TIME}\]\s(.*)$`);
const WA_ANDROID = new RegExp(String.raw`^[\u200e\u200f]?${WA_DATE},?\s${WA_TIME}\s[-–]\s(.*)$`);

interface WaMessage {
  date: [string, string, string];
  time: { ampm: string | undefined; prefix: string | undefined; h: number; m: string; s: string | undefined };
  rawStamp: string;
  body: string[];
}

function matchWhatsApp(line: string): { m: RegExpExecArray; ios: boolean } | null {
  const ios = WA_IOS.exec(line);
  if (ios) return { m: ios, ios: true };
  const android = WA_ANDROID.exec(line);
  return android ? { m: android, ios: false } : null;
}

/** True when most of the first lines are WhatsApp message lines. */
export function looksLikeWhatsApp(text: string): boolean {
  const lines = firstLines(text, 40);
  if (lines.length === 0) return false;
  const hits = lines.filter((l) => matchWhatsApp(l) !== null).length;
  return hits >= Math.min(2, lines.length) && hits >= lines.length * 0.3;
}

function firstLines(text: string, n: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < n && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (line.trim()) out.push(line);
    start = end + 1;
  }
  return out;
}

function hour24(h: number, ampm: string | undefined, prefix: string | undefined): number {
  const pm = (ampm && ampm.toLowerCase() === 'p') || prefix === '午後' || prefix === '오후';
  const am = (ampm && ampm.toLowerCase() === 'a') || prefix === '午前' || prefix === '오전';
  if (pm) return h === 12 ? 12 : h + 12;
  if (am) return h === 12 ? 0 : h;
  return h;
}

const pad2 = (n: number | string): string => String(n).padStart(2, '0');

export function whatsAppText(text: string): string {
  const messages: WaMessage[] = [];
  const preamble: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const hit = matchWhatsApp(raw);
    if (!hit) {
      if (messages.length) messages[messages.length - 1]!.body.push(raw);
      else if (raw.trim()) preamble.push(raw);
      continue;
    }
    const m = hit.m;
    const stampEnd = hit.ios ? raw.indexOf(']') + 1 : raw.search(/\s[-–]\s/);
    messages.push({
      date: [m[1]!, m[2]!, m[3]!],
      time: { prefix: m[4], h: Number(m[5]), m: m[6]!, s: m[7], ampm: m[8] },
      rawStamp: raw.slice(0, stampEnd).replace(/^[\u200e\u200f]?\[?|\]$/g, '').trim(),
      body: [m[9]!],
    });
  }
  // Which number is the day: decided from the dates, never from a guess about the locale.
  let order: 'ymd' | 'dmy' | 'mdy' | null = null;
  if (messages.some((x) => x.date[0].length === 4)) order = 'ymd';
  else if (messages.some((x) => Number(x.date[0]) > 12)) order = 'dmy';
  else if (messages.some((x) => Number(x.date[1]) > 12)) order = 'mdy';
  const out: string[] = [...preamble];
  for (const x of messages) {
    let stamp: string;
    if (order) {
      const [a, b, c] = x.date;
      const [y, mo, d] = order === 'ymd' ? [a, b, c] : order === 'dmy' ? [c, b, a] : [c, a, b];
      const year = y.length <= 2 ? `20${pad2(y)}` : y;
      const h = hour24(x.time.h, x.time.ampm, x.time.prefix);
      stamp = `${year}-${pad2(mo)}-${pad2(d)} ${pad2(h)}:${x.time.m}${x.time.s ? `:${x.time.s}` : ''}`;
    } else {
      stamp = x.rawStamp;
    }
    const [first, ...rest] = x.body;
    const line = (first ?? '').replace(/^[\u200e\u200f]/, '');
    // "Name: message"; a line with no speaker is a system message ("Messages are end-to-end encrypted").
    const colon = line.indexOf(': ');
    const speaker = colon > 0 && colon <= 80 ? line.slice(0, colon) : null;
    const msg = speaker ? line.slice(colon + 2).replace(/^[\u200e\u200f]/, '') : line;
    out.push(speaker ? `${stamp} ${speaker}: ${msg}` : `${stamp} ${msg}`);
    for (const r of rest) out.push(r);
  }
  while (out.length && !out[out.length - 1]!.trim()) out.pop();
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// LINE

const LINE_HEADER = /^\uFEFF?\[LINE\]\s*(.*)$/;
const LINE_DAY = [
  /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})\s*(?:[（(][^)）]{1,4}[)）]|[月火水木金土日]曜日?)?\s*$/,
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/,
];
const LINE_MSG = /^(午前|午後)?(\d{1,2}):(\d{2})(?:\s?([AaPp])[Mm])?\t(.*)$/;

export function looksLikeLine(text: string): boolean {
  const lines = firstLines(text, 40);
  if (lines.length === 0) return false;
  if (LINE_HEADER.test(lines[0]!)) return true;
  const msgs = lines.filter((l) => LINE_MSG.test(l) && l.split('\t').length >= 2).length;
  const days = lines.filter((l) => LINE_DAY.some((r) => r.test(l))).length;
  return days >= 1 && msgs >= 2;
}

function dayOf(line: string): string | null {
  const a = LINE_DAY[0]!.exec(line);
  if (a) return `${a[1]}-${pad2(a[2]!)}-${pad2(a[3]!)}`;
  const b = LINE_DAY[1]!.exec(line);
  if (b) return `${b[3]}-${pad2(b[1]!)}-${pad2(b[2]!)}`;
  return null;
}

/** A quoted LINE message ends on a line whose closing quote is not a doubled one. */
function closesQuote(s: string): boolean {
  const m = /"+$/.exec(s);
  return m !== null && m[0].length % 2 === 1;
}

export function lineText(text: string): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let day = '';
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const header = LINE_HEADER.exec(raw);
    if (header && out.length === 0) {
      out.push(`[LINE] ${header[1]}`);
      continue;
    }
    const d = dayOf(raw);
    if (d) {
      day = d;
      continue;
    }
    const m = LINE_MSG.exec(raw);
    if (!m) {
      if (raw.trim()) out.push(raw);
      continue;
    }
    const h = hour24(Number(m[2]), m[4], m[1]);
    const stamp = `${day ? `${day} ` : ''}${pad2(h)}:${m[3]}`;
    const fields = m[5]!.split('\t');
    let speaker: string | null = null;
    let msg: string;
    if (fields.length >= 2) {
      speaker = fields[0]!;
      msg = fields.slice(1).join('\t');
    } else {
      msg = fields[0]!; // a system line: "田中がグループに参加しました。"
    }
    const body = [msg];
    if (msg.startsWith('"') && !(msg.length > 1 && closesQuote(msg))) {
      // A multi-line message: quoted, continuing until the closing quote.
      while (i + 1 < lines.length) {
        const next = lines[++i]!;
        body.push(next);
        if (closesQuote(next)) break;
      }
    }
    let joined = body.join('\n');
    if (joined.startsWith('"') && closesQuote(joined) && joined.length > 1) joined = joined.slice(1, -1).replace(/""/g, '"');
    out.push(speaker !== null ? `${stamp} ${speaker}: ${joined}` : `${stamp} ${joined}`);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Telegram Desktop (result.json)

interface TgEntity {
  type?: string;
  text?: string;
  href?: string;
}

interface TgMessage {
  type?: string;
  date?: string;
  from?: string | null;
  actor?: string | null;
  action?: string;
  text?: string | (string | TgEntity)[];
  file?: string;
  file_name?: string;
  photo?: string;
  media_type?: string;
  sticker_emoji?: string;
  forwarded_from?: string | null;
  contact_information?: { first_name?: string; last_name?: string; phone_number?: string };
  location_information?: { latitude?: number; longitude?: number };
}

interface TgChat {
  name?: string | null;
  type?: string;
  id?: number | string;
  messages?: TgMessage[];
}

interface TgExport extends TgChat {
  chats?: { list?: TgChat[] };
  left_chats?: { list?: TgChat[] };
  contacts?: { list?: { first_name?: string; last_name?: string; phone_number?: string; date?: string }[] };
  personal_information?: { first_name?: string; last_name?: string; phone_number?: string; username?: string };
}

/** A parsed JSON document that is a Telegram Desktop export. */
export function isTelegramExport(doc: unknown): boolean {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return false;
  const d = doc as TgExport;
  const isChat = (c: TgChat | undefined): boolean => !!c && Array.isArray(c.messages) && (c.messages.length === 0 || typeof c.messages[0]?.date === 'string');
  return isChat(d) || (Array.isArray(d.chats?.list) && d.chats.list.every((c) => Array.isArray(c.messages)));
}

function tgText(t: TgMessage['text']): string {
  if (typeof t === 'string') return t;
  if (!Array.isArray(t)) return '';
  return t.map((e) => (typeof e === 'string' ? e : (e.text ?? ''))).join('');
}

function tgDate(d: string | undefined): string {
  return d ? d.replace('T', ' ') : '';
}

function tgChatLines(chat: TgChat, out: string[], maxChars: number, size: { n: number }): void {
  out.push(`# Chat: ${chat.name ?? '(no name)'}${chat.type ? ` (${chat.type})` : ''}`);
  for (const m of chat.messages ?? []) {
    if (size.n >= maxChars) return;
    const bits: string[] = [];
    const text = tgText(m.text);
    if (m.forwarded_from) bits.push(`[forwarded from ${m.forwarded_from}]`);
    if (text) bits.push(text);
    if (m.photo) bits.push('[photo]');
    if (m.file) bits.push(`[${m.media_type ?? 'file'}: ${m.file_name ?? m.file}]`);
    if (m.sticker_emoji) bits.push(`[sticker ${m.sticker_emoji}]`);
    if (m.contact_information) {
      const c = m.contact_information;
      bits.push(`[contact: ${[c.first_name, c.last_name].filter(Boolean).join(' ')} ${c.phone_number ?? ''}]`.replace(/ \]$/, ']'));
    }
    if (m.location_information) bits.push(`[location: ${m.location_information.latitude}, ${m.location_information.longitude}]`);
    let line: string;
    if (m.type === 'service') line = `${tgDate(m.date)} ${m.actor ?? ''} [${m.action ?? 'service'}]${bits.length ? ` ${bits.join(' ')}` : ''}`;
    else line = `${tgDate(m.date)} ${m.from ?? '(deleted account)'}: ${bits.join(' ')}`;
    out.push(line);
    size.n += line.length + 1;
  }
}

export function telegramText(doc: unknown, maxChars = Infinity): string {
  const d = doc as TgExport;
  const out: string[] = [];
  const size = { n: 0 };
  const me = d.personal_information;
  if (me) out.push(`# Account: ${[me.first_name, me.last_name].filter(Boolean).join(' ')} ${me.phone_number ?? ''} ${me.username ? `@${me.username}` : ''}`.trim());
  if (d.contacts?.list?.length) {
    out.push('# Contacts');
    for (const c of d.contacts.list) out.push(`${[c.first_name, c.last_name].filter(Boolean).join(' ')}\t${c.phone_number ?? ''}`);
  }
  if (Array.isArray(d.messages)) tgChatLines(d, out, maxChars, size);
  for (const c of [...(d.chats?.list ?? []), ...(d.left_chats?.list ?? [])]) {
    if (size.n >= maxChars) break;
    tgChatLines(c, out, maxChars, size);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Any other JSON: its values, one "key: value" line each, so names and numbers in an app's
// data file are searchable without the punctuation.

export function jsonText(doc: unknown, maxChars = Infinity): string {
  const out: string[] = [];
  let size = 0;
  const walk = (v: unknown, key: string, depth: number): void => {
    if (size >= maxChars || depth > 64) return;
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
      return;
    }
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, k, depth + 1);
      return;
    }
    const line = key ? `${key}: ${String(v)}` : String(v);
    out.push(line);
    size += line.length + 1;
  };
  walk(doc, '', 0);
  return out.join('\n');
}
