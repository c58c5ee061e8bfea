// "Extracted text": what the engine read from an item and indexed for search (getItemText), not
// its raw bytes: a document's words, a spreadsheet's rows (cells shown apart), a chat's lines.
// Shown a page at a time (the engine pages it; no megabytes in the DOM), with the hits of the
// search the item was opened from marked as the engine placed them, the first one scrolled to,
// and buttons (or n / N) to go from hit to hit across pages. Evidence text is only ever React
// text: never HTML.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Output, getClient } from './api.ts';
import type { Signed } from './SignIn.tsx';
import './media.css';

/** A page, and the offset it was asked at (the engine may start it one unit earlier, off a surrogate pair). */
type Page = Output<'getItemText'> & { askedAt: number };
/** Characters per page asked of the engine. */
export const PAGE_CHARS = 50_000;
const TABULAR = new Set(['xlsx', 'csv']);

/** The page that holds character `at` (pages start at multiples of PAGE_CHARS). */
function pageStartOf(at: number): number {
  return Math.floor(at / PAGE_CHARS) * PAGE_CHARS;
}

interface Segment {
  text: string;
  /** Index of the hit in the whole text's list, when this piece is (part of) one. */
  hit: number | null;
}

/** The page's lines, each cut into plain pieces and hit pieces (a hit may span lines). */
function linesOf(page: Page): Segment[][] {
  const out: Segment[][] = [];
  const hits = page.hits.map((h, k) => ({ a: h[0], b: h[1], k })).filter((h) => h.b > page.offset && h.a < page.offset + page.text.length);
  let lineStart = page.offset;
  for (const line of page.text.split('\n')) {
    const lineEnd = lineStart + line.length;
    const segs: Segment[] = [];
    let pos = 0;
    for (const h of hits) {
      if (h.b <= lineStart || h.a >= lineEnd) continue;
      const from = Math.max(h.a - lineStart, pos);
      const to = Math.min(h.b, lineEnd) - lineStart;
      if (to <= from) continue;
      if (from > pos) segs.push({ text: line.slice(pos, from), hit: null });
      segs.push({ text: line.slice(from, to), hit: h.k });
      pos = to;
    }
    if (pos < line.length || segs.length === 0) segs.push({ text: line.slice(pos), hit: null });
    out.push(segs);
    lineStart = lineEnd + 1;
  }
  return out;
}

function Pieces({ segs, current }: { segs: Segment[]; current: number | null }) {
  return (
    <>
      {segs.map((s, i) =>
        s.hit === null ? (
          s.text
        ) : (
          <mark key={i} data-hit={s.hit} className={s.hit === current ? 'current' : undefined}>
            {s.text}
          </mark>
        ),
      )}
    </>
  );
}

/** The pieces of a line between characters `from` and `to` (hit pieces cut where they cross). */
function slice(segs: Segment[], from: number, to: number): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  for (const s of segs) {
    const a = Math.max(from, pos);
    const b = Math.min(to, pos + s.text.length);
    if (b > a) out.push({ text: s.text.slice(a - pos, b - pos), hit: s.hit });
    pos += s.text.length;
  }
  return out;
}

/** Speaker colours (the CSS picks them as --speaker-0 … --speaker-7, in both themes). */
const SPEAKER_COLOURS = 8;
type ChatParts = NonNullable<Page['chat']>;

/**
 * A chat message as the engine placed its parts: time, speaker (coloured), message; the first
 * speaker on the left and the others on the right in a two-person chat (as a phone shows one side
 * apart), everyone on the left in a group, each in their colour. A line that is not a message (a
 * continuation, a header) follows the message above it.
 */
function ChatMessage({ segs, parts, chat, prev, current }: { segs: Segment[]; parts: ChatParts['lines'][number]; chat: ChatParts; prev: number | null; current: number | null }) {
  const len = segs.reduce((n, s) => n + s.text.length, 0);
  const speaker = parts ? parts.speaker : prev;
  const side = speaker !== null && chat.speakers.length === 2 && speaker === 1 ? 'right' : 'left';
  const colour = speaker === null ? undefined : `var(--speaker-${speaker % SPEAKER_COLOURS})`;
  const style = colour ? ({ '--who': colour } as React.CSSProperties) : undefined;
  if (!parts) {
    return (
      <div className={`chat-line chat-more ${side}${speaker === null ? ' system' : ''}`} style={style}>
        <Pieces segs={segs} current={current} />
      </div>
    );
  }
  return (
    <div className={`chat-line chat-msg ${side}${parts.speaker === null ? ' system' : ''}`} style={style} data-speaker={parts.speaker ?? undefined}>
      <span className="chat-time">
        <Pieces segs={slice(segs, parts.time[0], parts.time[1])} current={current} />
      </span>{' '}
      {parts.speaker !== null && (
        <>
          <span className="chat-speaker">
            <Pieces segs={slice(segs, parts.time[1] + 1, parts.body - 2)} current={current} />
          </span>
          <span className="chat-colon">: </span>
        </>
      )}
      <span className="chat-body">
        <Pieces segs={slice(segs, parts.body, len)} current={current} />
      </span>
    </div>
  );
}

/** A spreadsheet row: its cells (separated by tabs in the extracted text) side by side. */
function Cells({ segs, current }: { segs: Segment[]; current: number | null }) {
  const cells: Segment[][] = [[]];
  for (const s of segs) {
    const parts = s.text.split('\t');
    parts.forEach((p, i) => {
      if (i > 0) cells.push([]);
      if (p) cells[cells.length - 1]!.push({ text: p, hit: s.hit });
    });
  }
  return (
    <>
      {cells.map((c, i) => (
        <span key={i} className="text-cell">
          <Pieces segs={c} current={current} />
        </span>
      ))}
    </>
  );
}

export function TextView({ signed, item, query }: { signed: Signed; item: { id: number }; query?: string | null }) {
  const { t } = useTranslation();
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [offset, setOffset] = useState<number | null>(null);
  const [current, setCurrent] = useState<number | null>(null);
  const box = useRef<HTMLDivElement>(null);

  // First ask: the first page with the query's hits; with hits, go to the page of the first one.
  useEffect(() => {
    let live = true;
    setPage(null);
    setOffset(null);
    setError(null);
    setCurrent(null);
    getClient()
      .call('getItemText', { session: signed.session, id: item.id, query: query || undefined, limit: PAGE_CHARS })
      .then(
        (p) => {
          if (!live) return;
          if (p.hits.length > 0) {
            setCurrent(0);
            const start = pageStartOf(p.hits[0]![0]);
            if (start !== 0) return setOffset(start);
          }
          setPage({ ...p, askedAt: 0 });
          setOffset(0);
        },
        (err: Error) => live && setError(err.message),
      );
    return () => {
      live = false;
    };
  }, [signed.session, item.id, query]);

  // Another page (paging, or the page of another hit).
  useEffect(() => {
    if (offset === null || (page && page.askedAt === offset)) return;
    let live = true;
    getClient()
      .call('getItemText', { session: signed.session, id: item.id, query: query || undefined, offset, limit: PAGE_CHARS })
      .then(
        (p) => live && setPage({ ...p, askedAt: offset }),
        (err: Error) => live && setError(err.message),
      );
    return () => {
      live = false;
    };
  }, [offset, page, signed.session, item.id, query]);

  // The current hit scrolled to the middle of the text box once its page is drawn (the box alone
  // scrolls: the detail panel keeps the hit count and the modes where they were), and the box
  // brought into the panel's view if it is below it.
  useEffect(() => {
    const body = box.current;
    if (!page || current === null || !body) return;
    const el = body.querySelector(`mark[data-hit="${current}"]`) as HTMLElement | null;
    if (!el) return;
    body.scrollTop += el.getBoundingClientRect().top - body.getBoundingClientRect().top - body.clientHeight / 2;
    body.scrollIntoView({ block: 'nearest' });
  }, [page, current]);

  const lines = useMemo(() => (page ? linesOf(page) : []), [page]);
  // The engine says a text is a chat and where each line's time and speaker are (never guessed here).
  const chat = page?.chat ?? null;
  // For each line, the speaker of the message it continues.
  const speakerBefore = useMemo(() => {
    const out: (number | null)[] = [];
    let who: number | null = null;
    for (const l of chat?.lines ?? []) {
      if (l) who = l.speaker;
      out.push(who);
    }
    return out;
  }, [chat]);
  if (error) return <p className="err-text" data-testid="text-view-error">⚠ {error}</p>;
  if (!page) return <p className="muted">{t('common.loading')}</p>;

  const goHit = (k: number) => {
    const n = page.hits.length;
    if (n === 0) return;
    const next = ((k % n) + n) % n;
    setCurrent(next);
    const start = pageStartOf(page.hits[next]![0]);
    if (start !== page.askedAt) setOffset(start);
  };
  const tabular = TABULAR.has(page.format);
  const end = page.offset + page.text.length;
  return (
    <div
      className="text-view"
      data-testid="text-view"
      data-format={page.format}
      onKeyDown={(e) => {
        if (e.key === 'n' || e.key === 'N') {
          e.preventDefault();
          goHit((current ?? -1) + (e.key === 'n' ? 1 : -1));
        }
      }}
    >
      <p className="muted small text-view-facts" data-testid="text-view-facts">
        {t('media.text.facts', { format: t(`media.format.${page.format}`, page.format), n: page.chars.toLocaleString() })}
        {page.encoding ? ` · ${t('preview.encoding', { enc: page.encoding })}` : ''}
        {page.truncated ? ` · ${t('media.text.truncated')}` : ''}
        {page.error ? ` · ⚠ ${page.error}` : ''}
      </p>
      {query && (
        <div className="text-view-hits" role="group" aria-label={t('media.text.hitsLabel')}>
          <span data-testid="text-view-hit-count">
            {page.hits.length === 0
              ? t('media.text.noHits', { query })
              : t('media.text.hitOf', { k: (current ?? 0) + 1, n: page.hitsTotal, more: page.hitsTotal >= 1000 ? '+' : '', query })}
          </span>
          {page.hits.length > 1 && (
            <>
              <button type="button" className="btn-small" onClick={() => goHit((current ?? 0) - 1)} aria-label={t('media.text.prevHit')} data-testid="text-prev-hit">
                ↑
              </button>
              <button type="button" className="btn-small" onClick={() => goHit((current ?? -1) + 1)} aria-label={t('media.text.nextHit')} data-testid="text-next-hit">
                ↓
              </button>
            </>
          )}
        </div>
      )}
      <div className={`text-view-body${tabular ? ' tabular' : ''}${chat ? ' chat' : ''}`} ref={box} tabIndex={0} data-testid="text-view-body" aria-label={t('media.text.label')}>
        {chat
          ? lines.map((segs, i) => (
              <ChatMessage key={i} segs={segs} parts={chat.lines[i] ?? null} chat={chat} prev={speakerBefore[i] ?? null} current={current} />
            ))
          : lines.map((segs, i) => (
              <div key={i} className="text-line">
                {tabular ? <Cells segs={segs} current={current} /> : <Pieces segs={segs} current={current} />}
              </div>
            ))}
      </div>
      {(page.offset > 0 || page.next !== null) && (
        <div className="text-view-pages" role="group" aria-label={t('media.text.pagesLabel')}>
          <button type="button" className="btn-small" disabled={page.offset === 0} onClick={() => setOffset(Math.max(0, page.askedAt - PAGE_CHARS))} data-testid="text-prev-page">
            ◀ {t('media.text.prevPage')}
          </button>
          <span className="muted small" data-testid="text-view-range">
            {t('media.text.range', { from: (page.offset + 1).toLocaleString(), to: end.toLocaleString(), n: page.chars.toLocaleString() })}
          </span>
          <button type="button" className="btn-small" disabled={page.next === null} onClick={() => page.next !== null && setOffset(page.next)} data-testid="text-next-page">
            {t('media.text.nextPage')} ▶
          </button>
        </div>
      )}
    </div>
  );
}
