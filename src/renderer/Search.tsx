// One search box over the case (issue 14 item 1): the engine's `search` (the same function as
// `evidence search`): the items' text in any language, and the items the query names (device
// path, file name) or whose hash it is, narrowed by the catalogue's filters (the one item filter).
// Results in a virtualised list (TanStack Virtual), the next page fetched as the end comes into
// view; snippets are the engine's text with its hit ranges marked as <mark> elements: evidence
// text is only ever rendered as React text, never as HTML. A result opens the item at its hit.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SearchHit, SearchResult, Snippet } from '../shared/contract.ts';
import { type Output, getClient } from './api.ts';
import { formatBytes, formatCount } from './format.ts';
import type { Family } from './Nav.tsx';
import { FilterSelects } from './FilterSelects.tsx';
import { RowTags } from './Tags.tsx';
import { KnownBadFlag } from './Hashsets.tsx';
import './review.css';

const PAGE = 50;

export interface SearchState {
  query: string;
  family?: Family;
  exhibit?: string;
  tag?: string;
}

/** A snippet as text with its hits in <mark>: pieces of the evidence's text, each a React text node. */
export function MarkedSnippet({ s }: { s: Snippet }) {
  const parts: React.ReactNode[] = [];
  let pos = 0;
  s.hits.forEach(([a, b], k) => {
    if (a < pos) return;
    if (a > pos) parts.push(s.text.slice(pos, a));
    parts.push(<mark key={k}>{s.text.slice(a, b)}</mark>);
    pos = b;
  });
  if (pos < s.text.length) parts.push(s.text.slice(pos));
  return (
    <span className="snippet" data-testid="snippet">
      {parts}
    </span>
  );
}

type Entry = { kind: 'head'; text: string; sub?: string } | { kind: 'hit'; hit: SearchHit };

export function Search(props: {
  session: string;
  exhibits: Output<'listExhibits'>;
  state: SearchState;
  setState: (s: SearchState) => void;
  openId: number | null;
  onOpen: (hit: SearchHit | null, query: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const { state, setState } = props;
  const [first, setFirst] = useState<SearchResult | null>(null);
  const [more, setMore] = useState<SearchHit[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [focus, setFocus] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const loadingMore = useRef(false);
  const generation = useRef(0);
  const n = (x: number) => formatCount(x, i18n.language);

  const filters = { family: state.family, exhibit: state.exhibit, tag: state.tag };
  const run = useCallback(async () => {
    const gen = ++generation.current;
    setMore([]);
    setFocus(0);
    setError(null);
    if (!state.query.trim()) {
      setFirst(null);
      return;
    }
    setBusy(true);
    try {
      const r = await getClient().call('search', { session: props.session, query: state.query, ...filters, limit: PAGE });
      if (gen === generation.current) setFirst(r);
    } catch (err) {
      if (gen === generation.current) {
        setFirst(null);
        setError((err as Error).message);
      }
    } finally {
      if (gen === generation.current) setBusy(false);
    }
  }, [props.session, state.query, state.family, state.exhibit, state.tag]);

  useEffect(() => {
    void run();
  }, [run]);
  useEffect(() => {
    input.current?.focus();
  }, []);

  const textHits = first ? [...first.hits, ...more] : [];
  const entries: Entry[] = [];
  if (first) {
    const named = first.named;
    if (named && named.total > 0) {
      entries.push({
        kind: 'head',
        text: t('review.search.named', { n: n(named.total) }),
        sub: named.total > named.hits.length ? t('review.search.namedMore', { n: n(named.total), shown: n(named.hits.length) }) : undefined,
      });
      for (const hit of named.hits) entries.push({ kind: 'hit', hit });
    }
    entries.push({ kind: 'head', text: t('review.search.text', { n: n(first.total) }), sub: first.note ?? undefined });
    for (const hit of textHits) entries.push({ kind: 'hit', hit });
  }

  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (entries[i]?.kind === 'head' ? 34 : 74),
    overscan: 6,
  });
  const rows = virtualizer.getVirtualItems();
  const lastShown = rows[rows.length - 1]?.index ?? 0;

  // The next page of text hits once the end of the list comes into view.
  useEffect(() => {
    if (!first || loadingMore.current) return;
    if (textHits.length >= first.total || lastShown < entries.length - 5) return;
    loadingMore.current = true;
    const gen = generation.current;
    getClient()
      .call('search', { session: props.session, query: first.query, ...filters, limit: PAGE, offset: textHits.length })
      .then(
        (r) => {
          if (gen === generation.current) setMore((m) => [...m, ...r.hits]);
        },
        (err: Error) => setError(err.message),
      )
      .finally(() => (loadingMore.current = false));
  }, [lastShown, first, textHits.length]);

  const hitIndexes = entries.map((e, i) => (e.kind === 'hit' ? i : -1)).filter((i) => i >= 0);
  const open = (i: number) => {
    const e = entries[i];
    if (e?.kind === 'hit') props.onOpen(e.hit, first?.query ?? state.query);
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    const at = hitIndexes.indexOf(focus);
    let to: number | undefined;
    if (e.key === 'ArrowDown' || e.key === 'j') to = hitIndexes[Math.min(hitIndexes.length - 1, at + 1)];
    else if (e.key === 'ArrowUp' || e.key === 'k') to = hitIndexes[Math.max(0, at - 1)];
    else if (e.key === 'Enter') open(focus);
    else if (e.key === '/') input.current?.focus();
    else if (e.key === 'Escape') props.onOpen(null, state.query);
    else return;
    e.preventDefault();
    if (to !== undefined) {
      setFocus(to);
      virtualizer.scrollToIndex(to, { align: 'auto' });
      if (props.openId !== null) open(to);
    }
  };

  const submit = (q: string) => setState({ ...state, query: q });
  return (
    <section className="search-view" aria-label={t('review.search.label')} data-testid="search-view">
      <form
        className="search-bar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          submit(input.current?.value ?? '');
        }}
      >
        <input
          ref={input}
          type="search"
          defaultValue={state.query}
          placeholder={t('review.search.placeholder')}
          aria-label={t('review.search.label')}
          data-testid="search-input"
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && hitIndexes.length) {
              e.preventDefault();
              setFocus(hitIndexes[0]!);
              scroller.current?.focus();
            }
          }}
        />
        <button type="submit" className="btn-primary" data-testid="search-go" disabled={busy}>
          ⌕ {t('review.search.go')}
        </button>
      </form>
      <div className="filters">
        <FilterSelects testIds="search" value={state} exhibits={props.exhibits} onChange={(patch) => setState({ ...state, ...patch })} />
      </div>
      <div className="table-status" aria-live="polite" data-testid="search-status">
        {busy
          ? t('common.working')
          : first
            ? `${t('review.search.text', { n: n(first.total) })}${first.named ? ` · ${t('review.search.named', { n: n(first.named.total) })}` : ''} · ${t('review.search.elapsed', { ms: n(first.elapsedMs) })}`
            : t('review.search.help')}
        {first && <span className="muted keys"> {t('review.search.keys')}</span>}
      </div>
      {error && (
        <div className="banner error" role="alert" data-testid="search-error">
          ⚠ {error}
        </div>
      )}
      {first && first.total === 0 && !first.named?.total && <p className="empty-table" data-testid="search-none">{t('review.search.none')}</p>}
      <div className="search-results" ref={scroller} tabIndex={0} onKeyDown={onKeyDown} data-testid="search-results" role="listbox" aria-label={t('review.search.label')}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {rows.map((v) => {
            const e = entries[v.index]!;
            return (
              <div key={v.key} data-index={v.index} ref={virtualizer.measureElement} className="vrow" style={{ transform: `translateY(${v.start}px)` }}>
                {e.kind === 'head' ? (
                  <h3 className="result-head" data-testid="search-head">
                    {e.text}
                    {e.sub && <span className="muted small"> · {e.sub}</span>}
                  </h3>
                ) : (
                  <HitRow hit={e.hit} focused={v.index === focus} open={props.openId === e.hit.id} onClick={() => {
                    setFocus(v.index);
                    open(v.index);
                  }} />
                )}
              </div>
            );
          })}
        </div>
        {first && textHits.length < first.total && lastShown >= entries.length - 5 && <p className="muted small">{t('review.search.more')}</p>}
      </div>
    </section>
  );
}

function HitRow({ hit, focused, open, onClick }: { hit: SearchHit; focused: boolean; open: boolean; onClick: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <div
      className={`result ${focused ? 'focused' : ''} ${open ? 'open' : ''}`}
      role="option"
      aria-selected={open}
      onClick={onClick}
      data-testid="search-hit"
      data-id={hit.id}
      data-field={hit.field ?? 'text'}
    >
      <div className="result-title">
        <KnownBadFlag sets={hit.knownBad} />
        <strong>{hit.name || hit.path}</strong>
        <RowTags ids={hit.tags} />
        <span className="muted small">
          {[hit.exhibit, hit.format ?? hit.mime, hit.size !== null ? formatBytes(hit.size) : null, hit.field ? t(`review.search.${hit.field}`) : t('review.search.hits', { count: hit.occurrences, n: formatCount(hit.occurrences, i18n.language) })]
            .filter(Boolean)
            .join(' · ')}
        </span>
      </div>
      <div className="mono small muted result-path">{hit.path}</div>
      {hit.snippets.map((s, k) => (
        <div key={k} className="result-snippet">
          {hit.field === 'hash' && <span className="muted small">{t('review.search.hash')}: </span>}
          <MarkedSnippet s={s} />
        </div>
      ))}
    </div>
  );
}
