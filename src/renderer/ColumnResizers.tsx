// Drag handles between the catalogue's header cells (issue 14, small screens): drag with the
// pointer, or focus a handle and press ←/→ (Shift for larger steps); a double-click gives the
// column its default width back. Widths are kept per browser profile (the officer's) in
// localStorage. The handles sit over the header row, outside the header buttons (a control
// inside a button is not allowed), so sorting by a click stays as it was.
//
// Fitting (issue 14, 1366x768): columns the officer has not sized share the table's width. Each
// has a preferred width and a least width; when the preferred widths do not fit, every such
// column gives up room in proportion to what it can give (down to its least width), and when
// they more than fit, the flexible column (the path) takes the rest. A width the officer dragged
// is kept as it is. So the default columns fit beside the folder tree and the item panel with no
// sideways scroll, and a column cut short ends in an ellipsis with its full text on hover.
import { type RefObject, useCallback, useLayoutEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import './tree.css';

const STORE = 'evidence.columnWidths';
const MIN = 48;
const MAX = 1200;

export type Widths = Record<string, number>;
/** A column's new width, or null for its default. */
export type Resize = (key: string, width: number | null) => void;

function readWidths(): Widths {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? '{}') as unknown;
    if (!v || typeof v !== 'object') return {};
    return Object.fromEntries(Object.entries(v).filter(([, w]) => typeof w === 'number' && w >= MIN && w <= MAX)) as Widths;
  } catch {
    return {};
  }
}

/** The remembered widths and the setter that keeps them. */
export function useColumnWidths(): [Widths, Resize] {
  const [widths, setState] = useState<Widths>(readWidths);
  const resize = useCallback<Resize>((key, width) => {
    setState((w) => {
      const next = { ...w };
      if (width === null) delete next[key];
      else next[key] = Math.round(Math.min(MAX, Math.max(MIN, width)));
      localStorage.setItem(STORE, JSON.stringify(next));
      return next;
    });
  }, []);
  return [widths, resize];
}

/** A column's preferred and least widths, in CSS pixels. */
export interface ColumnSize {
  key: string;
  width: number;
  min: number;
}

/**
 * The widths the columns are drawn at in a table `avail` px wide (null: not measured yet, the
 * preferred widths): saved widths as they are; the others at their preferred widths, shrunk in
 * proportion to their room above the least width when they do not fit, and the flexible column
 * (`flexKey`, unless the officer sized it) given what is left when they more than fit. The sum
 * never exceeds `avail` unless even the least widths do not fit.
 */
export function fitColumns(cols: ColumnSize[], avail: number | null, saved: Widths, flexKey: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  const free = cols.filter((c) => saved[c.key] === undefined);
  for (const c of cols) out[c.key] = saved[c.key] ?? c.width;
  if (avail === null || free.length === 0) return out;
  const fixed = cols.reduce((a, c) => a + (saved[c.key] ?? 0), 0);
  const want = free.reduce((a, c) => a + c.width, 0);
  const room = avail - fixed;
  if (want <= room) {
    const flex = free.find((c) => c.key === flexKey);
    if (flex) out[flex.key] = flex.width + (room - want);
    return out;
  }
  const give = free.reduce((a, c) => a + Math.max(0, c.width - c.min), 0);
  const cut = Math.min(want - room, give);
  let used = 0;
  for (const c of free) {
    const w = give > 0 ? Math.floor(c.width - (cut * Math.max(0, c.width - c.min)) / give) : c.width;
    out[c.key] = Math.max(c.min, w);
    used += out[c.key]!;
  }
  // Rounding down leaves a pixel or two: the flexible column (else the first) takes them back.
  const spare = room - used;
  const back = free.find((c) => c.key === flexKey) ?? free[0]!;
  if (spare > 0) out[back.key] = out[back.key]! + spare;
  return out;
}

/** The inner width of a scrolling element (without its scroll bar), followed as it changes. */
export function useInnerWidth(ref: RefObject<HTMLElement | null>): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => setWidth(el.clientWidth);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function ColumnResizers(props: { columns: { key: string; width: number; label: string }[]; onResize: Resize }) {
  const { t } = useTranslation();
  let left = 0;
  const total = props.columns.reduce((a, c) => a + c.width, 0);
  return (
    <>
      {props.columns.map((c) => {
        left += c.width;
        // Centred on the column's right edge; the last one inside the table (no sideways scroll for it).
        const at = Math.min(left - 4, total - 8);
        return (
          <div
            key={c.key}
            role="separator"
            aria-orientation="vertical"
            aria-label={t('tree.resize', { column: c.label })}
            aria-valuenow={c.width}
            aria-valuemin={MIN}
            aria-valuemax={MAX}
            tabIndex={0}
            className="col-resizer"
            data-testid={`resize-${c.key}`}
            style={{ left: at }}
            onPointerDown={(e) => {
              e.preventDefault();
              e.stopPropagation();
              const el = e.currentTarget;
              el.setPointerCapture(e.pointerId);
              const startX = e.clientX;
              const start = c.width;
              const move = (m: PointerEvent): void => props.onResize(c.key, start + m.clientX - startX);
              const up = (): void => {
                el.removeEventListener('pointermove', move);
                el.removeEventListener('pointerup', up);
              };
              el.addEventListener('pointermove', move);
              el.addEventListener('pointerup', up);
            }}
            onClick={(e) => e.stopPropagation()}
            onDoubleClick={(e) => {
              e.stopPropagation();
              props.onResize(c.key, null);
            }}
            onKeyDown={(e) => {
              const step = e.shiftKey ? 64 : 16;
              if (e.key === 'ArrowLeft') props.onResize(c.key, c.width - step);
              else if (e.key === 'ArrowRight') props.onResize(c.key, c.width + step);
              else return;
              e.preventDefault();
              e.stopPropagation();
            }}
          />
        );
      })}
    </>
  );
}
