// Text of office documents from their XML: Word (DOCX), Excel (XLSX: shared strings, inline
// strings and values, row by row, tab between cells), PowerPoint (PPTX: slides, then notes) and
// OpenDocument (ODT/ODS/ODP: content.xml).
import { decodeEntities, xmlText } from './markup.ts';
import { ZipParts } from '../formats/zip.ts';

export type OfficeKind = 'docx' | 'xlsx' | 'pptx' | 'odf';

/** Which kind of office document a ZIP is, from its parts (the name may lie). */
export function officeKindOf(zip: ZipParts): OfficeKind | null {
  if (zip.has('word/document.xml')) return 'docx';
  if (zip.has('xl/workbook.xml')) return 'xlsx';
  if (zip.has('ppt/presentation.xml')) return 'pptx';
  if (zip.has('content.xml') && (zip.has('mimetype') || zip.has('META-INF/manifest.xml'))) return 'odf';
  return null;
}

const byNumber = (prefix: string) => (a: string, b: string) =>
  Number(/(\d+)\.xml$/.exec(a.slice(prefix.length))?.[1] ?? 0) - Number(/(\d+)\.xml$/.exec(b.slice(prefix.length))?.[1] ?? 0);

function docxText(zip: ZipParts, maxChars: number): string {
  const rules = {
    keep: new Set(['t', 'delText']),
    skip: new Set(['tabs', 'instrText']),
    lineEnd: new Set(['p']),
    tab: new Set(['tab']),
    br: new Set(['br', 'cr']),
    cellEnd: new Set(['tc']),
  };
  const names = zip.names();
  const order = [
    'word/document.xml',
    ...names.filter((n) => /^word\/header\d*\.xml$/.test(n)).sort(byNumber('word/header')),
    ...names.filter((n) => /^word\/footer\d*\.xml$/.test(n)).sort(byNumber('word/footer')),
    'word/footnotes.xml',
    'word/endnotes.xml',
    'word/comments.xml',
  ];
  const out: string[] = [];
  let size = 0;
  for (const n of order) {
    if (size >= maxChars) break;
    const xml = zip.text(n);
    if (!xml) continue;
    const t = xmlText(xml, rules, maxChars - size);
    out.push(t);
    size += t.length;
  }
  return out.join('\n');
}

/** Shared strings: one per <si>, its runs joined, phonetic readings (<rPh>) left out. */
function sharedStrings(zip: ZipParts): string[] {
  const xml = zip.text('xl/sharedStrings.xml');
  if (!xml) return [];
  const out: string[] = [];
  const rules = { keep: new Set(['t']), skip: new Set(['rPh', 'phoneticPr']) };
  const re = /<(?:\w+:)?si\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:\w+:)?si>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1] ? xmlText(m[1], rules) : '');
  return out;
}

function sheetOrder(zip: ZipParts): { name: string; path: string }[] {
  const wb = zip.text('xl/workbook.xml') ?? '';
  const rels = zip.text('xl/_rels/workbook.xml.rels') ?? '';
  const targets = new Map<string, string>();
  for (const m of rels.matchAll(/<Relationship\b([^>]*)\/?>/g)) {
    const id = /\bId="([^"]*)"/.exec(m[1]!)?.[1];
    const target = /\bTarget="([^"]*)"/.exec(m[1]!)?.[1];
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  }
  const sheets: { name: string; path: string }[] = [];
  for (const m of wb.matchAll(/<(?:\w+:)?sheet\b([^>]*)\/?>/g)) {
    const name = decodeEntities(/\bname="([^"]*)"/.exec(m[1]!)?.[1] ?? '');
    const rid = /\br:id="([^"]*)"/.exec(m[1]!)?.[1] ?? /\b\w+:id="([^"]*)"/.exec(m[1]!)?.[1];
    const path = rid ? targets.get(rid) : undefined;
    if (path && zip.has(path)) sheets.push({ name, path });
  }
  if (sheets.length === 0) {
    for (const n of zip.names().filter((x) => /^xl\/worksheets\/sheet\d+\.xml$/.test(x)).sort(byNumber('xl/worksheets/sheet'))) {
      sheets.push({ name: n.slice('xl/worksheets/'.length, -4), path: n });
    }
  }
  return sheets;
}

function xlsxText(zip: ZipParts, maxChars: number): string {
  const strings = sharedStrings(zip);
  const out: string[] = [];
  let size = 0;
  const push = (s: string): void => {
    out.push(s);
    size += s.length + 1;
  };
  const inline = { keep: new Set(['t']), skip: new Set(['rPh', 'phoneticPr']) };
  for (const sheet of sheetOrder(zip)) {
    if (size >= maxChars) break;
    const xml = zip.text(sheet.path);
    if (!xml) continue;
    push(`# ${sheet.name}`);
    for (const row of xml.matchAll(/<(?:\w+:)?row\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:\w+:)?row>)/g)) {
      if (size >= maxChars) break;
      const cells: string[] = [];
      for (const c of (row[1] ?? '').matchAll(/<(?:\w+:)?c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:\w+:)?c>)/g)) {
        const type = /\bt="([^"]*)"/.exec(c[1]!)?.[1] ?? 'n';
        const body = c[2] ?? '';
        const v = /<(?:\w+:)?v>([\s\S]*?)<\/(?:\w+:)?v>/.exec(body)?.[1];
        let value = '';
        if (type === 's') value = v !== undefined ? (strings[Number(v)] ?? '') : '';
        else if (type === 'inlineStr') value = xmlText(body, inline);
        else if (type === 'b') value = v === '1' ? 'TRUE' : v === '0' ? 'FALSE' : '';
        else value = v !== undefined ? decodeEntities(v) : '';
        cells.push(value.replace(/[\t\r\n]+/g, ' '));
      }
      while (cells.length && cells[cells.length - 1] === '') cells.pop();
      if (cells.length) push(cells.join('\t'));
    }
  }
  return out.join('\n');
}

function pptxText(zip: ZipParts, maxChars: number): string {
  const rules = { keep: new Set(['t']), lineEnd: new Set(['p']), br: new Set(['br']), tab: new Set(['tab']) };
  const names = zip.names();
  const slides = names.filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n)).sort(byNumber('ppt/slides/slide'));
  const notes = names.filter((n) => /^ppt\/notesSlides\/notesSlide\d+\.xml$/.test(n)).sort(byNumber('ppt/notesSlides/notesSlide'));
  const out: string[] = [];
  let size = 0;
  for (const n of [...slides, ...notes]) {
    if (size >= maxChars) break;
    const t = xmlText(zip.text(n) ?? '', rules, maxChars - size);
    out.push(t);
    size += t.length;
  }
  return out.join('\n\n');
}

function odfText(zip: ZipParts, maxChars: number): string {
  const xml = zip.text('content.xml') ?? '';
  // Only the document body: styles and font declarations hold no text worth searching.
  const body = /<office:body\b[\s\S]*<\/office:body>/.exec(xml)?.[0] ?? xml;
  return xmlText(
    body,
    {
      lineEnd: new Set(['p', 'h', 'table-row', 'list-item']),
      cellEnd: new Set(['table-cell']),
      tab: new Set(['tab']),
      br: new Set(['line-break']),
      space: new Set(['s']),
    },
    maxChars,
  );
}

/** The text of an office document, or throws with what is wrong with it. */
export function officeText(bytes: Uint8Array, maxChars: number, maxDecodedBytes: number): { kind: OfficeKind; text: string } {
  const zip = new ZipParts(bytes, maxDecodedBytes);
  const kind = officeKindOf(zip);
  if (!kind) throw new Error('a ZIP, but not a Word, Excel, PowerPoint or OpenDocument file');
  const text = kind === 'docx' ? docxText(zip, maxChars) : kind === 'xlsx' ? xlsxText(zip, maxChars) : kind === 'pptx' ? pptxText(zip, maxChars) : odfText(zip, maxChars);
  return { kind, text };
}
