// The catalogue: a virtualized table (TanStack Virtual) over the engine's listItems, fetched a
// page at a time as rows come into view (never the whole set), sorted by the engine on any
// column (click a header), filtered above (type family, exhibit, extension mismatch, GPS, date
// range, errors, path), with a column chooser, keyboard navigation (arrows move, Space previews,
// Enter opens the detail, Home/End/PageUp/PageDown, / searches) and many-row selection
// (shift/ctrl-click, shift+arrows, ctrl+A).
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Input, ItemRow } from '../shared/contract.ts';
import { type Output, getClient } from './api.ts';
import { formatBytes, formatCount, formatTime } from './format.ts';
import type { Family } from './Nav.tsx';
import { FilterSelects } from './FilterSelects.tsx';
import { ColumnResizers, fitColumns, useColumnWidths, useInnerWidth } from './ColumnResizers.tsx';
import { RowTags, SelectionActions, TagsContext, changeTags, favouriteTags } from './Tags.tsx';
import { KnownBadFlag } from './Hashsets.tsx';
import type { Tag } from '../shared/contract.ts';

type ListInput = Input<'listItems'>;
export type SortKey = NonNullable<ListInput['sort']>;
export interface CatalogueFilter {
  family?: Family;
  exhibit?: string;
  mismatch?: boolean;
  hasGps?: boolean;
  errors?: boolean;
  dateField?: 'mtime' | 'taken_at';
  dateFrom?: string;
  dateTo?: string;
  pathContains?: string;
  /** Only items carrying this tag (the "Tagged" view, or the tag filter). */
  tag?: string;
  /** Only items in a known-bad hash set (the navigation's alert). */
  knownBad?: boolean;
  /** false: known-good items hidden (the default once the case has a known-good set). */
  knownGood?: boolean;
  /** The folder tree's choice (FolderTree.tsx): a source, a folder or container in it, and whether everything under it. */
  source?: number;
  folder?: string;
  folderDeep?: boolean;
}

export const PAGE = 100;
const ROW_HEIGHT = 28;

interface Column {
  key: string;
  sort: SortKey;
  /** Preferred width; `min`: the least it is shrunk to so the columns fit the table (fitColumns). */
  width: number;
  min: number;
  cell: (r: ItemRow) => React.ReactNode;
  align?: 'right';
}

/** A cell's text, cut with an ellipsis when the column is narrow; the whole of it on hover. */
const text = (s: string, className = ''): React.ReactNode => (
  <span className={`cell-text ${className}`} title={s}>
    {s}
  </span>
);

export function columns(): Column[] {
  // Preferred widths fill a 1366x768 screen beside the navigation and the folder tree; with the
  // item panel open too, each column gives way down to its least width (ColumnResizers.tsx
  // fitColumns) and the path takes whatever is left. Any column can still be dragged wider.
  return [
    { key: 'id', sort: 'id', width: 72, min: 56, align: 'right', cell: (r) => r.id },
    {
      key: 'name',
      sort: 'name',
      width: 200,
      min: 100,
      cell: (r) => (
        <>
          {r.error ? <span className="flag err" title={r.error}>⚠</span> : null}
          {r.ext_mismatch ? <span className="flag warn" title="extension mismatch">≠</span> : null}
          {r.lat !== null ? <span className="flag gps" title={`${r.lat}, ${r.lon}`}>◎</span> : null}
          <KnownBadFlag sets={r.knownBad} />
          {text(r.name || r.path)}
          <RowTags ids={r.tagIds} />
        </>
      ),
    },
    { key: 'path', sort: 'path', width: 200, min: 84, cell: (r) => text(r.path, 'mono') },
    { key: 'exhibit', sort: 'exhibit', width: 90, min: 64, cell: (r) => text(r.exhibit ?? '') },
    { key: 'size', sort: 'size', width: 80, min: 68, align: 'right', cell: (r) => (r.kind === 'file' ? text(formatBytes(r.size)) : '') },
    { key: 'type', sort: 'mime', width: 130, min: 60, cell: (r) => text(r.mime ?? (r.kind !== 'file' ? r.kind : '')) },
    {
      key: 'ext',
      sort: 'ext_mismatch',
      width: 80,
      min: 56,
      cell: (r) => (r.ext_mismatch ? <span className="warn-text">≠ .{r.detected_ext}</span> : r.detected_ext ? `.${r.detected_ext}` : ''),
    },
    { key: 'mtime', sort: 'mtime', width: 208, min: 92, cell: (r) => text(formatTime(r.mtime)) },
    { key: 'taken', sort: 'taken_at', width: 208, min: 92, cell: (r) => text(formatTime(r.taken_at)) },
    { key: 'gps', sort: 'gps', width: 170, min: 80, cell: (r) => (r.lat !== null && r.lon !== null ? text(`${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}`) : '') },
    // The whole hash, shown as far as the column is wide (about 14 digits by default), in full on
    // hover and when the column is dragged wide.
    { key: 'sha256', sort: 'sha256', width: 120, min: 60, cell: (r) => text(r.sha256 ?? '', 'mono') },
    { key: 'error', sort: 'error', width: 260, min: 80, cell: (r) => (r.error ? text(r.error, 'err-text') : '') },
  ];
}

/** The column that takes the table's spare width: the path, else the name. */
const flexColumn = (keys: string[]): string | null => (keys.includes('path') ? 'path' : keys.includes('name') ? 'name' : null);

// Shown until the officer chooses (the column chooser has the rest: ID, exhibit, extension, taken,
// GPS, error). The name cell already flags an error (⚠), a mismatch (≠) and GPS (◎).
const DEFAULT_VISIBLE = ['name', 'path', 'size', 'type', 'mtime', 'sha256'];

function savedColumns(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem('evidence.columns') ?? 'null') as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? v : DEFAULT_VISIBLE;
  } catch {
    return DEFAULT_VISIBLE;
  }
}

export function Catalogue(props: {
  casePath: string;
  filter: CatalogueFilter;
  setFilter: (f: CatalogueFilter) => void;
  exhibits: Output<'listExhibits'>;
  reloadKey: number;
  openId: number | null;
  onOpen: (id: number | null) => void;
  /** Called once the first page of rows is on screen. */
  onFirstRows?: () => void;
  /** The signed-in session: tagging the selection (the engine checks the role). */
  session?: string;
  /** Opens the Export wizard with the selected rows' ids (issue 13). */
  onExport?: (ids: number[]) => void;
  /** false: the role may not tag (a reviewer): no selection actions, no number keys. */
  canTag?: boolean;
  /** The case has known-good items: how many are hidden, and the toggle that shows them. */
  knownGood?: { hidden: number; shown: boolean; onToggle: (show: boolean) => void };
}) {
  const { t, i18n } = useTranslation();
  const client = getClient();
  const { casePath, filter, setFilter } = props;
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'id', desc: false });
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, ItemRow[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [visible, setVisible] = useState<string[]>(savedColumns);
  const [chooser, setChooser] = useState(false);
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const anchor = useRef(0);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const firstRows = useRef(props.onFirstRows);
  firstRows.current = props.onFirstRows;
  const tagsState = useContext(TagsContext);
  const [tagNote, setTagNote] = useState<string | null>(null);
  const [tagging, setTagging] = useState(false);

  const allColumns = useMemo(columns, []);
  const cols = useMemo(() => allColumns.filter((c) => visible.includes(c.key)), [allColumns, visible]);
  // Column widths the officer dragged (ColumnResizers.tsx), remembered in this browser profile.
  const [widths, setWidths] = useColumnWidths();
  // Fitted to the table's inner width (followed as the tree or the item panel opens and closes).
  const inner = useInnerWidth(scroller);
  const fitted = useMemo(() => fitColumns(cols, inner, widths, flexColumn(visible)), [cols, inner, widths, visible]);
  const widthOf = (c: Column): number => fitted[c.key] ?? c.width;
  const template = cols.map((c) => `${widthOf(c)}px`).join(' ');
  const width = cols.reduce((a, c) => a + widthOf(c), 0);

  const query = useMemo(
    () => ({ casePath, ...filter, sort: sort.key, desc: sort.desc }),
    [casePath, filter, sort],
  );

  const fetchPage = useCallback(
    async (page: number, gen: number) => {
      if (loading.current.has(page)) return;
      loading.current.add(page);
      try {
        const r = await client.call('listItems', { ...query, limit: PAGE, offset: page * PAGE });
        if (gen !== generation.current) return;
        setTotal(r.total);
        setPages((prev) => new Map(prev).set(page, r.items));
        if (page === 0) firstRows.current?.();
      } catch (err) {
        if (gen === generation.current) setError((err as Error).message);
      } finally {
        loading.current.delete(page);
      }
    },
    [client, query],
  );

  // A new query (filter, sort, reload): start again from the first page.
  useEffect(() => {
    generation.current++;
    loading.current.clear();
    setPages(new Map());
    setTotal(null);
    setError(null);
    setSelected(new Set());
    setTagNote(null);
    setFocus(0);
    anchor.current = 0;
    scroller.current?.scrollTo({ top: 0 });
    void fetchPage(0, generation.current);
  }, [fetchPage, props.reloadKey]);

  // A tag changed somewhere (the case's tags and counts were asked again): the rows on screen are
  // asked again in place, so their chips follow without losing the scroll or the selection.
  const pagesRef = useRef(pages);
  pagesRef.current = pages;
  const tagsSeen = useRef(tagsState.tags);
  useEffect(() => {
    if (tagsSeen.current === tagsState.tags) return;
    tagsSeen.current = tagsState.tags;
    const gen = generation.current;
    for (const p of pagesRef.current.keys()) {
      void client.call('listItems', { ...query, limit: PAGE, offset: p * PAGE }).then(
        (r) => {
          if (gen !== generation.current) return;
          // An untagged item leaves a view filtered by its tag: the count follows too.
          setTotal(r.total);
          setPages((prev) => new Map(prev).set(p, r.items));
        },
        () => undefined,
      );
    }
  }, [tagsState.tags, client, query]);

  const count = total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const first = virtualRows[0]?.index ?? 0;
  const last = virtualRows[virtualRows.length - 1]?.index ?? 0;

  // Fetch the pages the visible rows fall in (and only those).
  useEffect(() => {
    if (total === null) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
      if (!pages.has(p)) void fetchPage(p, generation.current);
    }
  }, [first, last, total, pages, fetchPage]);

  const rowAt = (i: number): ItemRow | undefined => pages.get(Math.floor(i / PAGE))?.[i % PAGE];

  const moveTo = (i: number, extend: boolean) => {
    if (count === 0) return;
    const to = Math.max(0, Math.min(count - 1, i));
    setFocus(to);
    if (extend) {
      const [a, b] = [Math.min(anchor.current, to), Math.max(anchor.current, to)];
      const s = new Set<number>();
      for (let k = a; k <= b && s.size < 100_000; k++) s.add(k);
      setSelected(s);
    } else {
      anchor.current = to;
      setSelected(new Set([to]));
    }
    virtualizer.scrollToIndex(to, { align: 'auto' });
    if (props.openId !== null) {
      const r = rowAt(to);
      if (r) props.onOpen(r.id);
    }
  };

  /** The ids of the selected rows (pages not loaded yet are asked for, a range at a time). */
  const selectedIds = async (): Promise<number[]> => {
    const idx = [...selected].sort((a, b) => a - b);
    if (idx.length === 0) return [];
    const missing = idx.filter((i) => !rowAt(i));
    const fetched = new Map<number, number>();
    if (missing.length) {
      const lo = missing[0]!;
      const hi = missing[missing.length - 1]!;
      const r = await client.call('listItems', { ...query, limit: Math.min(100_000, hi - lo + 1), offset: lo });
      r.items.forEach((row, k) => fetched.set(lo + k, row.id));
    }
    return idx.map((i) => rowAt(i)?.id ?? fetched.get(i)).filter((x): x is number => x !== undefined);
  };
  const applyTag = async (tag: Tag, untag: boolean, comment?: string) => {
    if (!props.session || props.canTag === false || tagging) return;
    setTagging(true);
    setError(null);
    try {
      const ids = await selectedIds();
      if (ids.length) setTagNote(await changeTags(props.session, tag, ids, untag, i18n.language, comment));
      tagsState.reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setTagging(false);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    // Number keys 1-9 tag the selection with the favourite tags (shift: remove that tag).
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (digit && !e.ctrlKey && !e.metaKey && !e.altKey && props.session && props.canTag !== false) {
      const tag = favouriteTags(tagsState.tags)[Number(digit[1]) - 1];
      if (tag && selected.size > 0) {
        e.preventDefault();
        void applyTag(tag, e.shiftKey);
      }
      return;
    }
    const perPage = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    switch (e.key) {
      case 'ArrowDown':
        moveTo(focus + 1, e.shiftKey);
        break;
      case 'ArrowUp':
        moveTo(focus - 1, e.shiftKey);
        break;
      case 'PageDown':
        moveTo(focus + perPage, e.shiftKey);
        break;
      case 'PageUp':
        moveTo(focus - perPage, e.shiftKey);
        break;
      case 'Home':
        moveTo(0, e.shiftKey);
        break;
      case 'End':
        moveTo(count - 1, e.shiftKey);
        break;
      case ' ': {
        const r = rowAt(focus);
        if (r) props.onOpen(props.openId === r.id ? null : r.id);
        break;
      }
      case 'Enter': {
        const r = rowAt(focus);
        if (r) {
          props.onOpen(r.id);
          // Move into the detail panel, ready to read or copy a hash.
          setTimeout(() => (document.querySelector('[data-testid="item-detail"]') as HTMLElement | null)?.focus(), 50);
        }
        break;
      }
      case 'Escape':
        props.onOpen(null);
        break;
      case 'a':
        if (e.ctrlKey || e.metaKey) {
          const s = new Set<number>();
          for (let k = 0; k < Math.min(count, 100_000); k++) s.add(k);
          setSelected(s);
          break;
        }
        return;
      case '/':
        search.current?.focus();
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const onRowClick = (i: number, e: React.MouseEvent) => {
    scroller.current?.focus();
    setFocus(i);
    if (e.shiftKey) {
      const [a, b] = [Math.min(anchor.current, i), Math.max(anchor.current, i)];
      const s = new Set<number>();
      for (let k = a; k <= b; k++) s.add(k);
      setSelected(s);
    } else if (e.ctrlKey || e.metaKey) {
      const s = new Set(selected);
      if (s.has(i)) s.delete(i);
      else s.add(i);
      setSelected(s);
      anchor.current = i;
    } else {
      anchor.current = i;
      setSelected(new Set([i]));
      const r = rowAt(i);
      if (r) props.onOpen(r.id);
    }
  };

  // A stable click handler for the memoized rows (the latest state is read through the ref).
  const clickRef = useRef(onRowClick);
  clickRef.current = onRowClick;
  const onClickRow = useCallback((i: number, e: React.MouseEvent) => clickRef.current(i, e), []);

  const clickHeader = (key: SortKey) => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key === 'size' }));
  const set = (patch: Partial<CatalogueFilter>) => setFilter({ ...filter, ...patch });
  const toggleColumn = (key: string) => {
    const next = visible.includes(key) ? visible.filter((k) => k !== key) : allColumns.map((c) => c.key).filter((k) => k === key || visible.includes(k));
    if (next.length === 0) return;
    setVisible(next);
    localStorage.setItem('evidence.columns', JSON.stringify(next));
  };

  // The filter bar and the header row do not change while scrolling: built once per change, so a
  // scroll frame re-renders only the rows that moved in.
  const filterBar = useMemo(
    () => (
      <div className="filters" role="search">
        <FilterSelects testIds="filter" value={filter} exhibits={props.exhibits} onChange={set} />
        <label className="check">
          <input type="checkbox" data-testid="filter-mismatch" checked={!!filter.mismatch} onChange={(e) => set({ mismatch: e.target.checked || undefined })} />
          {t('filters.mismatch')}
        </label>
        <label className="check">
          <input type="checkbox" data-testid="filter-gps" checked={!!filter.hasGps} onChange={(e) => set({ hasGps: e.target.checked || undefined })} />
          {t('filters.gps')}
        </label>
        {props.knownGood && (
          <label className="check known-good-toggle" title={props.knownGood.shown ? undefined : t('admin.knownGood.hidden', { count: props.knownGood.hidden, n: formatCount(props.knownGood.hidden, i18n.language) })}>
            <input type="checkbox" data-testid="filter-known-good" checked={props.knownGood.shown} onChange={(e) => props.knownGood?.onToggle(e.target.checked)} />
            {t('admin.knownGood.show')}
            {!props.knownGood.shown && (
              <span className="muted small" data-testid="known-good-hidden">
                ({t('admin.knownGood.hidden', { count: props.knownGood.hidden, n: formatCount(props.knownGood.hidden, i18n.language) })})
              </span>
            )}
          </label>
        )}
        <label className="check">
          <input type="checkbox" data-testid="filter-errors" checked={!!filter.errors} onChange={(e) => set({ errors: e.target.checked || undefined })} />
          {t('filters.errors')}
        </label>
        <label>
          <span>{t('filters.date')}</span>
          <select data-testid="filter-date-field" value={filter.dateField ?? 'mtime'} onChange={(e) => set({ dateField: e.target.value as 'mtime' | 'taken_at' })}>
            <option value="mtime">{t('columns.mtime')}</option>
            <option value="taken_at">{t('columns.taken')}</option>
          </select>
          <input type="date" data-testid="filter-date-from" value={filter.dateFrom ?? ''} onChange={(e) => set({ dateFrom: e.target.value || undefined })} aria-label={t('filters.from')} />
          <span aria-hidden="true">–</span>
          <input type="date" data-testid="filter-date-to" value={filter.dateTo ?? ''} onChange={(e) => set({ dateTo: e.target.value || undefined })} aria-label={t('filters.to')} />
        </label>
        <label className="grow">
          <span className="sr-only">{t('filters.path')}</span>
          <input
            ref={search}
            type="search"
            data-testid="filter-path"
            placeholder={t('filters.pathPlaceholder')}
            defaultValue={filter.pathContains ?? ''}
            onKeyDown={(e) => {
              if (e.key === 'Enter') set({ pathContains: (e.target as HTMLInputElement).value || undefined });
              if (e.key === 'Escape') scroller.current?.focus();
            }}
          />
        </label>
        <div
          className="chooser"
          onKeyDown={(e) => {
            // Esc closes the column chooser and gives the focus back to its button.
            if (e.key === 'Escape' && chooser) {
              e.stopPropagation();
              setChooser(false);
              (e.currentTarget.querySelector('[data-testid="column-chooser"]') as HTMLElement | null)?.focus();
            }
          }}
        >
          <button type="button" onClick={() => setChooser(!chooser)} aria-expanded={chooser} data-testid="column-chooser">
            ☷ {t('catalogue.columns')}
          </button>
          {chooser && (
            <div className="popover" role="menu" data-testid="column-menu">
              {allColumns.map((c) => (
                <label key={c.key} className="check">
                  <input type="checkbox" checked={visible.includes(c.key)} onChange={() => toggleColumn(c.key)} data-testid={`column-${c.key}`} />
                  {t(`columns.${c.key}`)}
                </label>
              ))}
            </div>
          )}
        </div>
      </div>
    ),
    [filter, props.exhibits, chooser, visible, i18n.language, tagsState.tags, props.knownGood?.shown, props.knownGood?.hidden],
  );
  const headerRow = useMemo(
    () => (
        <div className="thead" role="row" style={{ gridTemplateColumns: template, width }}>
          {cols.map((c) => (
            <button
              key={c.key}
              type="button"
              role="columnheader"
              className={`th ${c.align === 'right' ? 'right' : ''} ${sort.key === c.sort ? 'sorted' : ''}`}
              aria-sort={sort.key === c.sort ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              onClick={() => clickHeader(c.sort)}
              // Sorting from the keyboard: a header is a Tab stop; Enter or Space sorts by it
              // (kept from the table's own keys, which open the focused row).
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') e.stopPropagation();
              }}
              data-testid={`th-${c.key}`}
              title={t(`columns.${c.key}`)}
            >
              <span className="cell-text">
                {t(`columns.${c.key}`)}
                {sort.key === c.sort ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </span>
            </button>
          ))}
          <ColumnResizers columns={cols.map((c) => ({ key: c.key, width: widthOf(c), label: t(`columns.${c.key}`) }))} onResize={setWidths} />
        </div>
    ),
    [cols, template, width, sort, i18n.language, widths],
  );

  return (
    <section className="catalogue" aria-label={t('catalogue.label')}>
      {filterBar}
      <div className="table-status" data-testid="table-status" aria-live="polite">
        {total === null ? t('common.loading') : t('catalogue.count', { n: formatCount(total, i18n.language) })}
        {selected.size > 1 && <span data-testid="selected-count"> · {t('catalogue.selected', { n: formatCount(selected.size, i18n.language) })}</span>}
        <span className="muted keys"> {t('catalogue.keys')}</span>
      </div>
      {props.session && props.canTag !== false && selected.size > 1 && <SelectionActions count={selected.size} onApply={(tag, untag, comment) => void applyTag(tag, untag, comment)} busy={tagging} />}
      {props.onExport && selected.size > 1 && (
        <div className="selection-export">
          <button type="button" className="btn-small" data-testid="selection-export" onClick={() => void selectedIds().then((ids) => props.onExport?.(ids), (err: Error) => setError(err.message))}>
            ⇪ {t('bundle.nav.export')}…
          </button>
        </div>
      )}
      {tagNote && (
        <div className="banner notice" role="status" data-testid="tag-note">
          ✔ {tagNote}
        </div>
      )}
      {error && (
        <div className="banner error" role="alert">
          ⚠ {error}
        </div>
      )}
      <div
        className="table"
        ref={scroller}
        tabIndex={0}
        role="grid"
        aria-rowcount={count}
        aria-label={t('catalogue.label')}
        onKeyDown={onKeyDown}
        data-testid="catalogue-table"
      >
        {headerRow}
        <div className="tbody" style={{ height: virtualizer.getTotalSize(), width }}>
          {virtualRows.map((v) => {
            const r = rowAt(v.index);
            return (
              <Row
                key={v.key}
                index={v.index}
                start={v.start}
                row={r}
                cols={cols}
                template={template}
                selected={selected.has(v.index)}
                focused={v.index === focus}
                open={!!r && props.openId === r.id}
                onClick={onClickRow}
              />
            );
          })}
        </div>
        {total === 0 && <p className="empty-table">{t('catalogue.empty')}</p>}
      </div>
    </section>
  );
}

/** One table row, re-rendered only when its own data, place or state changes (smooth scrolling). */
const Row = memo(function Row(p: {
  index: number;
  start: number;
  row: ItemRow | undefined;
  cols: Column[];
  template: string;
  selected: boolean;
  focused: boolean;
  open: boolean;
  onClick: (i: number, e: React.MouseEvent) => void;
}) {
  const r = p.row;
  return (
    <div
      role="row"
      aria-rowindex={p.index + 1}
      aria-selected={p.selected}
      className={`tr ${p.selected ? 'selected' : ''} ${p.focused ? 'focused' : ''} ${p.open ? 'open' : ''} ${r?.error ? 'has-error' : ''} ${r?.knownBad ? 'known-bad' : ''}`}
      style={{ transform: `translateY(${p.start}px)`, gridTemplateColumns: p.template }}
      onClick={(e) => p.onClick(p.index, e)}
      // A shift-click extends the selection of rows, not a selection of their text.
      onMouseDown={(e) => {
        if (e.shiftKey) e.preventDefault();
      }}
      data-testid="row"
      data-id={r?.id}
    >
      {r
        ? p.cols.map((c) => (
            <div key={c.key} role="gridcell" className={`td ${c.align === 'right' ? 'right' : ''}`} data-col={c.key}>
              {c.cell(r)}
            </div>
          ))
        : p.cols.map((c) => (
            <div key={c.key} className="td placeholder">
              …
            </div>
          ))}
    </div>
  );
});
