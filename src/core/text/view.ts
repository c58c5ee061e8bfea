// An item's extracted text as the engine indexed it, to read (issue 14, item 4): the words of a
// document, a spreadsheet's rows (cells separated by tabs), a chat's "time speaker: message"
// lines, never the raw bytes of the file. Read a page at a time (a text can hold a million
// characters, and no screen should carry all of them), with the places a search query occurs,
// found as the search's snippets find them (search.ts termPattern), so what the officer searched
// for can be shown and reached in the text.
import type { ItemTextPage } from '../../shared/outputs.ts';
import type { DB } from '../db/open.ts';
import { EvidenceError } from '../errors.ts';
import { parseQuery, termPattern } from '../search/search.ts';
import { CHAT_KINDS, chatLines, chatSpeakers } from './chatLines.ts';
import { itemText, itemTextInfo } from './store.ts';

/** Characters per page unless asked otherwise: a few dozen screens of prose. */
export const TEXT_PAGE_CHARS = 50_000;
/** The most a page may hold. */
export const TEXT_PAGE_MAX = 200_000;
/** Hits listed per text (their total is counted up to the same bound). */
export const TEXT_HITS_MAX = 1000;

export type { ItemTextPage };

export interface TextPageOptions {
  /** First character of the page (UTF-16 code units, as JavaScript counts); moved back off a surrogate pair's second half. */
  offset?: number;
  limit?: number;
  /** A search query: where its terms occur in the whole text. */
  query?: string | null;
}

function isLowSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Where the query's terms occur in a text, in order: [start, end) of each, at most TEXT_HITS_MAX. */
export function hitRanges(text: string, query: string | null | undefined): { hits: [number, number][]; total: number } {
  const terms = query ? parseQuery(query) : [];
  if (terms.length === 0) return { hits: [], total: 0 };
  const hits: [number, number][] = [];
  for (const m of text.matchAll(termPattern(terms))) {
    if (m[0].length === 0) continue;
    hits.push([m.index, m.index + m[0].length]);
    if (hits.length >= TEXT_HITS_MAX) break;
  }
  return { hits, total: hits.length };
}

/**
 * One page of an item's extracted text, with what extraction recorded about it. An item that was
 * never read for text (an image, a video) is a clear NOT_FOUND, not an empty page.
 */
export function itemTextPage(db: DB, itemId: number, opts: TextPageOptions = {}): ItemTextPage {
  const info = itemTextInfo(db, itemId);
  if (!info) {
    throw new EvidenceError('NOT_FOUND', `Item ${itemId} has no extracted text: it was not read for text (images, video and other binary files are not), or not yet (run evidence reindex).`);
  }
  const text = itemText(db, itemId) ?? '';
  const limit = Math.min(Math.max(1, opts.limit ?? TEXT_PAGE_CHARS), TEXT_PAGE_MAX);
  let start = Math.min(Math.max(0, opts.offset ?? 0), text.length);
  // A page never begins or ends between the two halves of one character.
  if (start > 0 && start < text.length && isLowSurrogate(text, start)) start--;
  let end = Math.min(text.length, start + limit);
  if (end < text.length && isLowSurrogate(text, end)) end++;
  const found = hitRanges(text, opts.query);
  const pageText = text.slice(start, end);
  // A chat's lines come with their parts, so the view shows speakers without guessing at the text.
  const speakers = CHAT_KINDS.has(info.kind) ? chatSpeakers(text) : null;
  return {
    id: itemId,
    format: info.kind,
    encoding: info.encoding,
    chars: text.length,
    truncated: info.truncated,
    error: info.error,
    offset: start,
    text: pageText,
    next: end < text.length ? end : null,
    hits: found.hits,
    hitsTotal: found.total,
    chat: speakers ? { speakers, lines: chatLines(pageText, speakers) } : null,
  };
}
