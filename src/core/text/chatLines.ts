// Who said what and when, line by line, in a chat's extracted text (chat.ts writes one
// "<time> <speaker>: <message>" line per message, continuation lines as they are), so the
// "Extracted text" view can show a chat as a chat without guessing: the engine that wrote the
// lines says where each line's time and speaker are. Used for the chat formats only.
import type { TextKind } from './extract.ts';

export const CHAT_KINDS: ReadonlySet<TextKind> = new Set<TextKind>(['whatsapp', 'line', 'telegram']);

/** Where a message line's parts are, in UTF-16 units from the line's start; null for other lines. */
export interface ChatLine {
  /** [start, end) of the time stamp. */
  time: [number, number];
  /** Index into the text's speakers, or null for a system message (no speaker). */
  speaker: number | null;
  /** Where the message itself starts. */
  body: number;
}

/** The most speakers told apart (the rest share the last colour); a group chat rarely has more. */
export const CHAT_SPEAKERS_MAX = 64;

// chat.ts's normalised stamps: "2023-12-31 21:41[:05]" (WhatsApp with known date order, Telegram),
// "2024-01-05 21:41" or "21:41" (LINE, with or without its day), or a WhatsApp stamp kept as
// written when every date was ambiguous ("12/11/23, 9:41 PM").
const STAMP = new RegExp(
  String.raw`^(?:\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?|\d{2}:\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?\s(?:午前|午後|오전|오후)?\s?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[\s\u202f\u00a0]?[AaPp]\.?\s?[Mm]\.?)?)(?= )`,
);

function parse(line: string): { time: [number, number]; speaker: string | null; body: number } | null {
  const m = STAMP.exec(line);
  if (!m) return null;
  const afterStamp = m[0].length + 1;
  const colon = line.indexOf(': ', afterStamp);
  if (colon > afterStamp && colon - afterStamp <= 80) {
    return { time: [0, m[0].length], speaker: line.slice(afterStamp, colon), body: colon + 2 };
  }
  return { time: [0, m[0].length], speaker: null, body: afterStamp };
}

/** The speakers of a whole chat text, in order of first appearance (at most CHAT_SPEAKERS_MAX). */
export function chatSpeakers(text: string): string[] {
  const seen = new Set<string>();
  let start = 0;
  while (start <= text.length && seen.size < CHAT_SPEAKERS_MAX) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const p = parse(text.slice(start, end));
    if (p?.speaker) seen.add(p.speaker);
    start = end + 1;
  }
  return [...seen];
}

/** One entry per line of `page` (split on "\n"): its parts, or null for a line that is not a message. */
export function chatLines(page: string, speakers: readonly string[]): (ChatLine | null)[] {
  const index = new Map(speakers.map((s, i) => [s, i]));
  return page.split('\n').map((line) => {
    const p = parse(line);
    if (!p) return null;
    const speaker = p.speaker === null ? null : (index.get(p.speaker) ?? speakers.length - 1);
    return { time: p.time, speaker, body: p.body };
  });
}
