// The suggestions review queue (issue 14 item 2): what the detectors raised (listSuggestions, as
// `evidence suggest ls`), each with its evidence (the rule, what it measured, samples of what it
// saw), accepted or rejected one or many (decideSuggestions, as `evidence suggest accept/reject`:
// accepting tags the item; both are custody events, and the engine checks the role). Keyboard:
// j/k move, shift+j/k extend, x toggles, a accepts, r rejects, Enter opens the item. The list is
// virtualised (TanStack Virtual) and fetched a page at a time.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Suggestion, SuggestionStatus } from '../shared/contract.ts';
import { getClient } from './api.ts';
import { formatCount, formatTime } from './format.ts';
import { TagChip, TagsContext, tagLabel } from './Tags.tsx';
import './review.css';

const PAGE = 200;

export function Suggestions(props: { casePath: string; session: string; openId: number | null; onOpen: (itemId: number | null) => void; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const { tags } = useContext(TagsContext);
  const [status, setStatus] = useState<SuggestionStatus>('pending');
  const [tag, setTag] = useState('');
  const [rows, setRows] = useState<Suggestion[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const anchor = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const loading = useRef(false);
  const n = (x: number) => formatCount(x, i18n.language);

  const load = useCallback(
    async (keepFocus = false) => {
      setError(null);
      try {
        const r = await getClient().call('listSuggestions', { casePath: props.casePath, status, tag: tag || undefined, limit: PAGE });
        setRows(r.suggestions);
        setTotal(r.total);
        setSelected(new Set());
        if (!keepFocus) setFocus(0);
        else setFocus((f) => Math.min(f, Math.max(0, r.suggestions.length - 1)));
      } catch (err) {
        setError((err as Error).message);
      }
    },
    [props.casePath, status, tag],
  );
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    scroller.current?.focus();
  }, []);

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 96, overscan: 4 });
  const vrows = virtualizer.getVirtualItems();
  const lastShown = vrows[vrows.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total === null || rows.length >= total || lastShown < rows.length - 5 || loading.current) return;
    loading.current = true;
    getClient()
      .call('listSuggestions', { casePath: props.casePath, status, tag: tag || undefined, limit: PAGE, offset: rows.length })
      .then((r) => setRows((x) => [...x, ...r.suggestions]), (err: Error) => setError(err.message))
      .finally(() => (loading.current = false));
  }, [lastShown, rows.length, total, props.casePath, status, tag]);

  /** The suggestions an action applies to: the selection, else the focused one. */
  const targets = (): Suggestion[] => {
    const picked = rows.filter((_, i) => selected.has(i));
    return picked.length ? picked : rows[focus] ? [rows[focus]!] : [];
  };
  const decide = async (decision: 'accepted' | 'rejected') => {
    const ids = targets()
      .filter((s) => s.status !== decision)
      .map((s) => s.id);
    if (!ids.length || busy) return;
    setBusy(true);
    setError(null);
    try {
      await getClient().call('decideSuggestions', { session: props.session, ids, decision });
      await load(true);
      props.onChanged();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const moveTo = (i: number, extend: boolean) => {
    if (!rows.length) return;
    const to = Math.max(0, Math.min(rows.length - 1, i));
    setFocus(to);
    if (extend) {
      const s = new Set<number>();
      for (let k = Math.min(anchor.current, to); k <= Math.max(anchor.current, to); k++) s.add(k);
      setSelected(s);
    } else anchor.current = to;
    virtualizer.scrollToIndex(to, { align: 'auto' });
    if (props.openId !== null && rows[to]) props.onOpen(rows[to]!.itemId);
  };
  const toggle = (i: number) => {
    const s = new Set(selected);
    if (s.has(i)) s.delete(i);
    else s.add(i);
    setSelected(s);
    anchor.current = i;
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case 'j':
      case 'J':
      case 'ArrowDown':
        moveTo(focus + 1, e.shiftKey);
        break;
      case 'k':
      case 'K':
      case 'ArrowUp':
        moveTo(focus - 1, e.shiftKey);
        break;
      case 'x':
      case ' ':
        toggle(focus);
        break;
      case 'a':
        void decide('accepted');
        break;
      case 'r':
        void decide('rejected');
        break;
      case 'Enter':
        if (rows[focus]) props.onOpen(rows[focus]!.itemId);
        break;
      case 'Escape':
        if (selected.size) setSelected(new Set());
        else props.onOpen(null);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const onRowClick = (i: number, e: React.MouseEvent) => {
    scroller.current?.focus();
    if (e.shiftKey) {
      const s = new Set<number>();
      for (let k = Math.min(anchor.current, i); k <= Math.max(anchor.current, i); k++) s.add(k);
      setSelected(s);
      setFocus(i);
      return;
    }
    if (e.ctrlKey || e.metaKey) {
      toggle(i);
      setFocus(i);
      return;
    }
    anchor.current = i;
    setFocus(i);
    if (rows[i]) props.onOpen(rows[i]!.itemId);
  };

  const count = targets().length;
  const statuses: SuggestionStatus[] = ['pending', 'accepted', 'rejected'];
  return (
    <section className="suggestions-view" aria-label={t('review.suggest.label')} data-testid="suggestions-view">
      <div className="filters">
        <div className="seg" role="tablist">
          {statuses.map((s) => (
            <button key={s} type="button" role="tab" aria-selected={status === s} className={status === s ? 'active' : ''} onClick={() => setStatus(s)} data-testid={`suggest-status-${s}`}>
              {t(`review.suggest.${s}`)}
            </button>
          ))}
        </div>
        <label>
          <span>{t('review.filters.tag')}</span>
          <select value={tag} onChange={(e) => setTag(e.target.value)} data-testid="suggest-tag">
            <option value="">{t('review.filters.anyTag')}</option>
            {tags.map((x) => (
              <option key={x.id} value={x.id}>
                {tagLabel(x, i18n.language)}
              </option>
            ))}
          </select>
        </label>
        {status !== 'accepted' && (
          <button type="button" className="btn-primary" disabled={busy || count === 0} onClick={() => void decide('accepted')} data-testid="suggest-accept">
            ✔ {count > 1 ? t('review.suggest.acceptN', { n: n(count) }) : t('review.suggest.accept')}
          </button>
        )}
        {status !== 'rejected' && (
          <button type="button" className="btn-small" disabled={busy || count === 0} onClick={() => void decide('rejected')} data-testid="suggest-reject">
            ✖ {count > 1 ? t('review.suggest.rejectN', { n: n(count) }) : t('review.suggest.reject')}
          </button>
        )}
      </div>
      <div className="table-status" aria-live="polite" data-testid="suggest-status">
        {total === null ? t('common.loading') : t('review.suggest.count', { count: total, n: n(total) })}
        {selected.size > 0 && <span data-testid="suggest-selected"> · {t('review.suggest.selected', { n: n(selected.size) })}</span>}
        <span className="muted keys"> {t('review.suggest.keys')}</span>
      </div>
      {error && (
        <div className="banner error" role="alert" data-testid="suggest-error">
          ⚠ {error}
        </div>
      )}
      {total === 0 && (
        <div className="empty-table" data-testid="suggest-none">
          <p>{t('review.suggest.none')}</p>
          <p className="muted">{t('review.suggest.noneHelp')}</p>
        </div>
      )}
      <div className="search-results" ref={scroller} tabIndex={0} onKeyDown={onKeyDown} role="listbox" aria-multiselectable="true" aria-label={t('review.suggest.label')} data-testid="suggest-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {vrows.map((v) => {
            const s = rows[v.index]!;
            const tagInfo = tags.find((x) => x.id === s.tag) ?? { id: s.tag, labelEn: s.tag, labelJa: null, colour: '#888888' };
            return (
              <div key={v.key} data-index={v.index} ref={virtualizer.measureElement} className="vrow" style={{ transform: `translateY(${v.start}px)` }}>
                <div
                  className={`result suggestion ${v.index === focus ? 'focused' : ''} ${selected.has(v.index) ? 'selected' : ''} ${props.openId === s.itemId ? 'open' : ''}`}
                  role="option"
                  aria-selected={selected.has(v.index)}
                  onClick={(e) => onRowClick(v.index, e)}
                  data-testid="suggestion"
                  data-id={s.id}
                  data-status={s.status}
                >
                  <div className="result-title">
                    <input
                      type="checkbox"
                      checked={selected.has(v.index)}
                      onClick={(e) => e.stopPropagation()}
                      onChange={() => toggle(v.index)}
                      aria-label={t('review.suggest.select')}
                      data-testid="suggestion-check"
                    />
                    <TagChip tag={tagInfo} />
                    <strong className="mono">{s.path}</strong>
                    <span className="muted small">{t('review.suggest.score', { n: s.score.toFixed(2) })}</span>
                    {s.status !== 'pending' && (
                      <span className={`badge ${s.status === 'accepted' ? 'ok' : 'neutral'}`} data-testid="suggestion-decided">
                        {s.status === 'accepted' ? '✔' : '✖'} {t('review.suggest.decidedBy', { status: t(`review.suggest.${s.status}`), officer: s.decidedBy ?? '' })}
                        {s.decidedAt ? ` · ${formatTime(s.decidedAt)}` : ''}
                      </span>
                    )}
                  </div>
                  <div className="evidence-summary" data-testid="suggestion-summary">
                    {s.evidence.summary}
                  </div>
                  <div className="muted small">
                    {t('review.suggest.rule')}: <span className="mono">{s.rule}</span> — {s.evidence.rule.description}
                  </div>
                  <Evidence s={s} />
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}

/** What the detector saw: its measures, keywords and samples, as text. */
function Evidence({ s }: { s: Suggestion }) {
  const { t } = useTranslation();
  const ev = s.evidence;
  const metrics = Object.entries(ev.metrics);
  const keywords = Object.entries(ev.keywords ?? {});
  const samples = Object.entries(ev.samples).filter(([, v]) => v.length);
  return (
    <dl className="evidence small" data-testid="suggestion-evidence">
      {metrics.length > 0 && (
        <div className="kv">
          <dt>{t('review.suggest.metrics')}</dt>
          <dd>{metrics.map(([k, v]) => `${k} ${v}`).join(' · ')}</dd>
        </div>
      )}
      {keywords.length > 0 && (
        <div className="kv">
          <dt>{t('review.suggest.keywords')}</dt>
          <dd>{keywords.map(([k, v]) => `${k} ×${v}`).join(' · ')}</dd>
        </div>
      )}
      {samples.map(([k, v]) => (
        <div className="kv" key={k}>
          <dt>
            {t('review.suggest.samples')} ({k})
          </dt>
          <dd className="mono">
            {v.slice(0, 6).join(' · ')}
            {v.length > 6 || ev.truncated ? ` … ${t('review.suggest.truncated')}` : ''}
          </dd>
        </div>
      ))}
    </dl>
  );
}
