// Text out of markup: HTML (scripts and styles dropped, block elements as line breaks,
// entities decoded) and the XML of office documents (a small tag scanner: these files are
// machine-written, and nothing here needs a full parser).

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  yen: '¥', euro: '€', pound: '£', cent: '¢', sect: '§', para: '¶', middot: '·', deg: '°', plusmn: '±',
  times: '×', divide: '÷', hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  sbquo: '‚', bdquo: '„', laquo: '«', raquo: '»', bull: '•', dagger: '†', prime: '′', larr: '←', rarr: '→',
  uarr: '↑', darr: '↓', harr: '↔', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', zwnj: '\u200c', zwj: '\u200d',
  shy: '\u00ad', iexcl: '¡', iquest: '¿', ordf: 'ª', ordm: 'º', frac12: '½', frac14: '¼', frac34: '¾', micro: 'µ',
  agrave: 'à', aacute: 'á', acirc: 'â', atilde: 'ã', auml: 'ä', aring: 'å', aelig: 'æ', ccedil: 'ç',
  egrave: 'è', eacute: 'é', ecirc: 'ê', euml: 'ë', igrave: 'ì', iacute: 'í', icirc: 'î', iuml: 'ï',
  ntilde: 'ñ', ograve: 'ò', oacute: 'ó', ocirc: 'ô', otilde: 'õ', ouml: 'ö', oslash: 'ø', ugrave: 'ù',
  uacute: 'ú', ucirc: 'û', uuml: 'ü', yacute: 'ý', yuml: 'ÿ', szlig: 'ß', Agrave: 'À', Aacute: 'Á',
  Acirc: 'Â', Atilde: 'Ã', Auml: 'Ä', Aring: 'Å', AElig: 'Æ', Ccedil: 'Ç', Egrave: 'È', Eacute: 'É',
  Ecirc: 'Ê', Euml: 'Ë', Igrave: 'Ì', Iacute: 'Í', Icirc: 'Î', Iuml: 'Ï', Ntilde: 'Ñ', Ograve: 'Ò',
  Oacute: 'Ó', Ocirc: 'Ô', Otilde: 'Õ', Ouml: 'Ö', Oslash: 'Ø', Ugrave: 'Ù', Uacute: 'Ú', Ucirc: 'Û',
  Uuml: 'Ü', Yacute: 'Ý',
};

/** Decodes character references: named (the common ones), decimal and hexadecimal. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});?/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED[ref] ?? m;
  });
}

const BLOCK = new Set([
  'p', 'div', 'br', 'li', 'ul', 'ol', 'tr', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article',
  'header', 'footer', 'blockquote', 'pre', 'hr', 'title', 'dt', 'dd', 'nav', 'aside', 'main', 'form', 'address', 'figure',
]);
const CELL = new Set(['td', 'th']);

/** The readable text of an HTML document. */
export function htmlToText(html: string): string {
  const s = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  let out = '';
  const re = /<\/?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>|<![^>]*>|<\?[^>]*>/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out += s.slice(last, m.index);
    last = re.lastIndex;
    const tag = m[1]?.toLowerCase();
    if (!tag) continue;
    if (BLOCK.has(tag)) out += '\n';
    else if (CELL.has(tag)) out += '\t';
    else if (tag === 'img') {
      const alt = /\balt\s*=\s*("([^"]*)"|'([^']*)')/i.exec(m[0]);
      if (alt) out += ` ${alt[2] ?? alt[3] ?? ''} `;
    }
  }
  out += s.slice(last);
  return tidy(decodeEntities(out));
}

/** Collapses runs of spaces and blank lines; keeps line structure. */
export function tidy(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]*\n[ \t\u00a0]*/g, '\n')
    .replace(/[ \u00a0]{2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The charset an HTML document declares for itself, if any (<meta charset> or http-equiv). */
export function htmlDeclaredCharset(head: Uint8Array): string | null {
  const s = new TextDecoder('latin1').decode(head.subarray(0, Math.min(head.length, 4096)));
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/i.exec(s);
  return m ? m[1]!.toLowerCase() : null;
}

export interface XmlTextRules {
  /** Elements whose text is kept (local names, e.g. 't' for w:t); all text when absent. */
  keep?: Set<string>;
  /** Elements whose text is dropped with everything inside (e.g. 'rPh', phonetic readings). */
  skip?: Set<string>;
  /** Elements that end a line when they close (e.g. 'p'). */
  lineEnd?: Set<string>;
  /** Elements that are a tab (opening, empty, or closing, e.g. 'tab'). */
  tab?: Set<string>;
  /** Elements that end a cell with a tab when they close. */
  cellEnd?: Set<string>;
  /** Empty elements that are a line break (e.g. 'br'). */
  br?: Set<string>;
  /** Empty elements that are spaces ('s' in ODF, with a text:c count). */
  space?: Set<string>;
}

/**
 * The text of an XML document under simple rules, by scanning tags: text inside `keep`
 * elements (or everywhere), line and cell ends where the rules say. Stops at `maxChars`.
 */
export function xmlText(xml: string, rules: XmlTextRules, maxChars = Infinity): string {
  const parts: string[] = [];
  let size = 0;
  let keepDepth = 0;
  let skipDepth = 0;
  const re = /<(\/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*?)(\/?)>|<!\[CDATA\[([\s\S]*?)\]\]>|<[!?][^>]*>|([^<]+)/g;
  const push = (s: string): void => {
    parts.push(s);
    size += s.length;
  };
  for (let m = re.exec(xml); m && size < maxChars; m = re.exec(xml)) {
    const text = m[7] ?? m[6];
    if (text !== undefined) {
      if (skipDepth === 0 && (!rules.keep || keepDepth > 0)) push(m[6] !== undefined ? text : decodeEntities(text));
      continue;
    }
    const name = m[3];
    if (!name) continue;
    const closing = m[1] === '/';
    const empty = m[5] === '/';
    if (rules.skip?.has(name)) {
      if (!empty) skipDepth += closing ? -1 : 1;
      if (skipDepth < 0) skipDepth = 0;
      continue;
    }
    if (rules.keep?.has(name) && !empty) keepDepth += closing ? -1 : 1;
    if (keepDepth < 0) keepDepth = 0;
    if (skipDepth > 0) continue;
    if (rules.tab?.has(name) && !closing) push('\t');
    else if (rules.br?.has(name)) push('\n');
    else if (rules.space?.has(name)) {
      const c = /\bc="(\d+)"/.exec(m[4] ?? '');
      push(' '.repeat(Math.min(100, c ? Number(c[1]) : 1)));
    }
    if ((closing || empty) && rules.lineEnd?.has(name)) push('\n');
    if ((closing || empty) && rules.cellEnd?.has(name)) push('\t');
  }
  return parts.join('');
}
