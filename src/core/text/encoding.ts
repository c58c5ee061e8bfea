// Decoding text of unknown encoding: the encodings met on phones seized in this field (UTF-8,
// UTF-16 with or without BOM, Shift_JIS, EUC-JP, ISO-2022-JP, GB18030, Big5, Windows-1252).
// Decoding is Node's TextDecoder (full ICU); detection is ours: byte-order marks, escape
// sequences, UTF-16's zero bytes, strict decoding as each candidate, then plausibility of what
// each candidate gives (kana for Japanese, the common characters of each Chinese standard), with
// chardet's statistical guess as the tie-breaker between the Chinese encodings.
import { analyse } from 'chardet';

export interface Decoded {
  text: string;
  /** WHATWG name of the encoding used ('utf-8', 'shift_jis', 'utf-16le', ...). */
  encoding: string;
  /** A BOM was present (and removed). */
  bom: boolean;
}

/** Encodings we detect, by WHATWG label. */
export const DETECTED_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'shift_jis', 'euc-jp', 'iso-2022-jp', 'gb18030', 'big5', 'windows-1252'] as const;

function tryDecode(bytes: Uint8Array, encoding: string, tolerateTail = 0): string | null {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    if (tolerateTail <= 0) return null;
    // A prefix of a longer file may end in the middle of a character: forgive the last bytes.
    for (let cut = 1; cut <= tolerateTail && cut < bytes.length; cut++) {
      try {
        return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, bytes.length - cut));
      } catch {
        /* try a shorter cut */
      }
    }
    return null;
  }
}

/** Decodes with a known encoding, replacing what does not decode (U+FFFD). */
export function decodeAs(bytes: Uint8Array, encoding: string): string {
  try {
    return new TextDecoder(encoding, { ignoreBOM: false }).decode(bytes);
  } catch {
    // An unknown label (from a mail header, a meta tag): fall back to detection.
    return decodeText(bytes).text;
  }
}

export function isKnownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

function bomOf(b: Uint8Array): { encoding: string; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * UTF-16 without a BOM: ASCII characters (digits, punctuation, line ends) have a zero byte,
 * odd-placed in little-endian, even-placed in big-endian, and other encodings of text have no
 * zero bytes at all. For text with no ASCII at all, the strict decode and plausibility decide.
 */
function utf16Guess(b: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(b.length - (b.length % 2), 64 * 1024);
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZeros++;
    if (b[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.1 && evenZeros < oddZeros * 0.1) return 'utf-16le';
  if (evenZeros > pairs * 0.1 && oddZeros < evenZeros * 0.1) return 'utf-16be';
  return null;
}

/** ISO-2022-JP (mail): 7-bit, with ESC $ B / ESC $ @ / ESC ( J / ESC ( B shifts. */
function looksIso2022jp(b: Uint8Array): boolean {
  let esc = false;
  for (let i = 0; i < Math.min(b.length, 256 * 1024); i++) {
    const c = b[i]!;
    if (c >= 0x80) return false;
    if (c === 0x1b && b[i + 1] === 0x24 && (b[i + 2] === 0x42 || b[i + 2] === 0x40)) esc = true;
  }
  return esc;
}

interface Profile {
  chars: number;
  nonAscii: number;
  kana: number;
  halfKana: number;
  cjk: number;
  hangul: number;
  latin1: number;
  odd: number;
  replacement: number;
  /** Characters from the most common ~ 500 in Japanese or Chinese text (see COMMON_HAN). */
  commonHan: number;
}

// Frequent characters of Japanese and (simplified and traditional) Chinese writing. A wrong
// guess among the CJK double-byte encodings still decodes (the byte ranges overlap), but into
// rare characters: real text is dominated by these.
const COMMON_HAN = new Set(
  [...'的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现与其间问很最重并物应战向由新情外正加定平相全何实意部女力把成代名法制别通金但业内西东高信立员点月分每者关身白表社打数资费款账银行付钱汇转额欠未払利用料金円様電話番号住所氏名連絡返弁護士請求支確認至急訴訟裁判催促会員登録解約手続日本東京都大阪府県市区町村目丁番地号様方的国語會說這們為個來時裡後麼還發當對開過學經頭現問應實體從樣點長時間電話號碼帳戶銀匯轉額費聯絡請確認']
    .map((c) => c.codePointAt(0)!),
);

function profile(s: string): Profile {
  const p: Profile = { chars: 0, nonAscii: 0, kana: 0, halfKana: 0, cjk: 0, hangul: 0, latin1: 0, odd: 0, replacement: 0, commonHan: 0 };
  const limit = Math.min(s.length, 200_000);
  for (let i = 0; i < limit; i++) {
    const c = s.charCodeAt(i);
    p.chars++;
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) p.odd++;
      continue;
    }
    p.nonAscii++;
    if (c >= 0x3040 && c <= 0x30ff) p.kana++;
    else if (c >= 0xff61 && c <= 0xff9f) p.halfKana++;
    else if (c >= 0x4e00 && c <= 0x9fff) {
      p.cjk++;
      if (COMMON_HAN.has(c)) p.commonHan++;
    } else if (c >= 0xac00 && c <= 0xd7a3) p.hangul++;
    else if (c >= 0xa0 && c <= 0x24f) p.latin1++;
    else if (c === 0xfffd) p.replacement++;
    else if ((c >= 0x80 && c < 0xa0) || (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xd800 && c <= 0xdfff)) p.odd++;
  }
  return p;
}

/** How much a decoding looks like real text in the language its encoding is for. */
function plausibility(encoding: string, p: Profile): number {
  if (p.nonAscii === 0) return 1;
  const bad = (p.odd + p.replacement * 2) / p.nonAscii;
  const base = 1 - bad;
  switch (encoding) {
    case 'shift_jis':
    case 'euc-jp':
      // Japanese prose and lists are full of kana; half-width kana are rare in real text but
      // are what Chinese or Latin bytes often turn into.
      return base + (p.kana / p.nonAscii) * 2 + (p.commonHan / p.nonAscii) - (p.halfKana / p.nonAscii) * 2;
    case 'gb18030':
    case 'big5':
      return base + (p.commonHan / p.nonAscii) * 1.5 - (p.kana / p.nonAscii) * 0.5 - (p.latin1 / p.nonAscii);
    case 'utf-16le':
    case 'utf-16be':
      return base + ((p.kana + p.commonHan) / p.nonAscii) * 1.5;
    case 'windows-1252':
      // Latin text: accented letters stand alone between ASCII letters.
      return base + (p.latin1 / p.nonAscii) * 1.2 - (p.nonAscii / Math.max(1, p.chars)) * 2;
    default:
      return base;
  }
}

const CHARDET_NAMES: Record<string, string> = {
  'Shift_JIS': 'shift_jis',
  'EUC-JP': 'euc-jp',
  'GB18030': 'gb18030',
  'Big5': 'big5',
  'windows-1252': 'windows-1252',
  'ISO-8859-1': 'windows-1252',
};

/**
 * Decodes bytes of unknown encoding. `prefix` says the bytes are the start of a longer file (a
 * character cut at the end is forgiven). Never throws: the last resort is Windows-1252, which
 * decodes anything.
 */
export function decodeText(bytes: Uint8Array, prefix = false): Decoded {
  const bom = bomOf(bytes);
  if (bom) return { text: new TextDecoder(bom.encoding, { ignoreBOM: true }).decode(bytes.subarray(bom.length)), encoding: bom.encoding, bom: true };
  const tail = prefix ? 3 : 0;
  const u16 = utf16Guess(bytes);
  if (u16) {
    const t = tryDecode(bytes, u16, prefix ? 1 : 0);
    if (t !== null) return { text: t, encoding: u16, bom: false };
  }
  // Before UTF-8: ISO-2022-JP is 7-bit, so it is valid UTF-8 too.
  if (looksIso2022jp(bytes)) return { text: new TextDecoder('iso-2022-jp').decode(bytes), encoding: 'iso-2022-jp', bom: false };
  const utf8 = tryDecode(bytes, 'utf-8', tail);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8', bom: false };

  const sample = bytes.subarray(0, Math.min(bytes.length, 32 * 1024));
  // EUC-KR is left out: its byte ranges are EUC-JP's and GB2312's, and Korean text is not what
  // these phones hold; a Korean file decodes as one of the others and is flagged by its garble.
  const candidates = ['shift_jis', 'euc-jp', 'gb18030', 'big5', 'windows-1252'];
  // A sample cut from a longer file may end mid-character, so the strict test forgives the tail.
  const sampleTail = prefix || sample.length < bytes.length ? 3 : 0;
  const scored: { encoding: string; score: number }[] = [];
  for (const enc of candidates) {
    const t = enc === 'windows-1252' ? new TextDecoder(enc).decode(sample) : tryDecode(sample, enc, sampleTail);
    if (t === null) continue;
    scored.push({ encoding: enc, score: plausibility(enc, profile(t)) });
  }
  // UTF-16 with no ASCII at all has no zero bytes to go by: compete on plausibility too.
  if (bytes.length % 2 === 0 || prefix) {
    for (const enc of ['utf-16le', 'utf-16be']) {
      const t = tryDecode(sample, enc, 1);
      if (t === null) continue;
      scored.push({ encoding: enc, score: plausibility(enc, profile(t)) - 0.3 });
    }
  }
  scored.sort((a, b) => b.score - a.score);
  if (scored.length > 1 && scored[0]!.score - scored[1]!.score < 0.3) {
    // Close call (typically GB18030 against Big5, whose byte ranges overlap): ask chardet's
    // character-frequency statistics, on a small sample (it is the slow part of detection).
    try {
      const hints = new Map<string, number>();
      for (const m of analyse(sample.subarray(0, 8192))) {
        const name = CHARDET_NAMES[m.name];
        if (name && !hints.has(name)) hints.set(name, m.confidence / 100);
      }
      for (const s of scored) s.score += (hints.get(s.encoding) ?? 0) * 0.5;
      scored.sort((a, b) => b.score - a.score);
    } catch {
      /* no hint */
    }
  }
  const best = scored[0]?.encoding ?? 'windows-1252';
  return { text: new TextDecoder(best).decode(bytes), encoding: best, bom: false };
}

/**
 * True when the start of a file looks like text in some encoding rather than binary data:
 * no NUL bytes (except UTF-16's pattern) and few control characters.
 */
export function looksLikeText(head: Uint8Array): boolean {
  const n = Math.min(head.length, 8192);
  if (n === 0) return false;
  if (bomOf(head)) return true;
  if (utf16Guess(head.subarray(0, n))) return true;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i]!;
    if (c === 0) return false;
    if (c < 0x09 || (c > 0x0d && c < 0x20 && c !== 0x1b)) control++;
  }
  return control / n < 0.02;
}
