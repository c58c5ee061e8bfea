// A gallery of the case's images with the engine's thumbnails (made and cached in the case),
// virtualized by rows so a case with 100,000 photos scrolls as smoothly as one with ten.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ItemRow } from '../shared/contract.ts';
import { getClient } from './api.ts';
import type { CatalogueFilter } from './Catalogue.tsx';
import { formatCount } from './format.ts';
import { KnownBadFlag } from './Hashsets.tsx';
import type { Signed } from './SignIn.tsx';

const TILE = 168;
const PAGE = 120;

export function Gallery({ signed, filter, reloadKey, onOpen, openId }: { signed: Signed; filter: CatalogueFilter; reloadKey: number; onOpen: (id: number) => void; openId?: number | null }) {
  const { t, i18n } = useTranslation();
  const client = getClient();
  const scroller = useRef<HTMLDivElement>(null);
  const [cols, setCols] = useState(4);
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, ItemRow[]>>(new Map());
  const loading = useRef(new Set<number>());
  const gen = useRef(0);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setCols(Math.max(1, Math.floor((el.clientWidth - 8) / TILE))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const fetchPage = useCallback(
    async (p: number, g: number) => {
      if (loading.current.has(p)) return;
      loading.current.add(p);
      try {
        const r = await client.call('listItems', { casePath: signed.casePath, ...filter, family: 'images', limit: PAGE, offset: p * PAGE });
        if (g !== gen.current) return;
        setTotal(r.total);
        setPages((prev) => new Map(prev).set(p, r.items));
      } finally {
        loading.current.delete(p);
      }
    },
    [client, signed.casePath, filter],
  );

  useEffect(() => {
    gen.current++;
    loading.current.clear();
    setPages(new Map());
    setTotal(null);
    void fetchPage(0, gen.current);
  }, [fetchPage, reloadKey]);

  const rows = Math.ceil((total ?? 0) / cols);
  const v = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => TILE, overscan: 3 });
  const vr = v.getVirtualItems();
  const firstItem = (vr[0]?.index ?? 0) * cols;
  const lastItem = ((vr[vr.length - 1]?.index ?? 0) + 1) * cols - 1;
  useEffect(() => {
    if (total === null) return;
    for (let p = Math.floor(firstItem / PAGE); p <= Math.floor(Math.min(lastItem, total - 1) / PAGE); p++) {
      if (!pages.has(p)) void fetchPage(p, gen.current);
    }
  }, [firstItem, lastItem, total, pages, fetchPage]);

  const at = (i: number) => pages.get(Math.floor(i / PAGE))?.[i % PAGE];

  // The focus follows the opened tile: opening one narrows the gallery (the item panel takes its
  // place), the tiles reflow, and the tile the officer opened is scrolled to and keeps the focus.
  useEffect(() => {
    if (openId === null || openId === undefined) return;
    let index = -1;
    for (const [p, items] of pages) {
      const k = items.findIndex((x) => x.id === openId);
      if (k >= 0) index = p * PAGE + k;
    }
    if (index < 0) return;
    v.scrollToIndex(Math.floor(index / cols), { align: 'auto' });
    const id = requestAnimationFrame(() => {
      const active = document.activeElement as HTMLElement | null;
      if (active && active !== document.body && !active.classList.contains('tile')) return;
      scroller.current?.querySelector<HTMLElement>(`[data-testid="tile"][data-id="${openId}"]`)?.focus();
    });
    return () => cancelAnimationFrame(id);
  }, [openId, cols, pages, v]);
  return (
    <section className="gallery" aria-label={t('nav.gallery')}>
      <div className="table-status" data-testid="gallery-status">
        {total === null ? t('common.loading') : t('gallery.count', { n: formatCount(total, i18n.language) })}
        <span className="muted"> · {t('gallery.note')}</span>
      </div>
      <div className="gallery-scroll" ref={scroller} data-testid="gallery">
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {vr.map((row) => (
            <div key={row.key} className="gallery-row" style={{ transform: `translateY(${row.start}px)` }}>
              {Array.from({ length: cols }, (_, c) => {
                const i = row.index * cols + c;
                if (total !== null && i >= total) return null;
                const it = at(i);
                return (
                  <button
                    // Keyed by position in the whole list, not in the row: after a reflow a tile is the same item.
                    key={i}
                    type="button"
                    className={`tile ${it && it.id === openId ? 'open' : ''} ${it?.knownBad ? 'known-bad' : ''}`}
                    onClick={() => it && onOpen(it.id)}
                    aria-current={it && it.id === openId ? 'true' : undefined}
                    data-testid="tile"
                    data-id={it?.id}
                    title={it?.path}
                  >
                    {it ? <Thumb signed={signed} item={it} /> : <span className="thumb-empty">…</span>}
                    <span className="tile-name">
                      <KnownBadFlag sets={it?.knownBad} />
                      {it?.name ?? ''}
                    </span>
                  </button>
                );
              })}
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}

function Thumb({ signed, item }: { signed: Signed; item: ItemRow }) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState(false);
  if (failed || !item.sha256) return <span className="thumb-empty">⚠ {t('gallery.noThumb')}</span>;
  return <img src={getClient().thumbUrl(signed.session, item.id)} alt={item.name} loading="lazy" decoding="async" onError={() => setFailed(true)} />;
}
