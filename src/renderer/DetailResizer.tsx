// The item panel's left edge, dragged (or moved with ←/→ when focused) to make the panel wider
// or narrower (issue 14, small screens). The width is the workspace's --detail-width (trip.css)
// and is remembered on this computer.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import './trip.css';

const KEY = 'evidence.detailWidth';
const MIN = 300;
/** The catalogue keeps at least this much of the window beside the navigation. */
const MAIN_MIN = 420;

function workspace(): HTMLElement | null {
  return document.querySelector('.workspace');
}

function clamp(px: number): number {
  const max = Math.max(MIN, window.innerWidth - 214 - MAIN_MIN);
  return Math.round(Math.min(max, Math.max(MIN, px)));
}

function apply(px: number): number {
  const w = clamp(px);
  workspace()?.style.setProperty('--detail-width', `${w}px`);
  return w;
}

export function DetailResizer() {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const saved = Number(localStorage.getItem(KEY));
    if (saved > 0) apply(saved);
  }, []);
  const current = () => ref.current?.parentElement?.getBoundingClientRect().width ?? MIN;
  const set = (px: number) => {
    const w = apply(px);
    localStorage.setItem(KEY, String(w));
    ref.current?.setAttribute('aria-valuenow', String(w));
  };
  return (
    <div
      ref={ref}
      className="detail-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label={t('trip.resizeDetail')}
      aria-valuemin={MIN}
      tabIndex={0}
      data-testid="detail-resizer"
      // A drag of the edge is not a text selection across the page.
      onMouseDown={(e) => e.preventDefault()}
      onPointerDown={(e) => {
        e.preventDefault();
        const el = e.currentTarget;
        el.setPointerCapture(e.pointerId);
        const startX = e.clientX;
        const startW = current();
        const move = (m: PointerEvent) => set(startW + (startX - m.clientX));
        // No text selection while the edge is dragged across the page.
        document.body.style.userSelect = 'none';
        const up = () => {
          document.body.style.userSelect = '';
          el.removeEventListener('pointermove', move);
          el.removeEventListener('pointerup', up);
          el.removeEventListener('pointercancel', up);
        };
        el.addEventListener('pointermove', move);
        el.addEventListener('pointerup', up);
        el.addEventListener('pointercancel', up);
      }}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 80 : 20;
        if (e.key === 'ArrowLeft') set(current() + step);
        else if (e.key === 'ArrowRight') set(current() - step);
        else return;
        e.preventDefault();
      }}
    />
  );
}
