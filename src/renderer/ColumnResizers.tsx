// Drag handles between the catalogue's header cells (issue 14, small screens): drag with the
// pointer, or focus a handle and press ←/→ (Shift for larger steps); a double-click gives the
// column its default width back. Widths are kept per browser profile (the officer's) in
// localStorage. The handles sit over the header row, outside the header buttons (a control
// inside a button is not allowed), so sorting by a click stays as it was.
import { useCallback, useState } from 'react';
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

export function ColumnResizers(props: { columns: { key: string; width: number; label: string }[]; onResize: Resize }) {
  const { t } = useTranslation();
  let left = 0;
  return (
    <>
      {props.columns.map((c) => {
        left += c.width;
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
            style={{ left: left - 4 }}
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
