// Zoom on an image preview (issue 14): fit to the panel (the default), actual size, or steps in
// and out; the box scrolls when the image is larger than the panel. Only the display changes:
// the evidence's bytes are the same <img> the preview always shows.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import './trip.css';

const STEPS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8];

export function ZoomBox({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const [zoom, setZoom] = useState<number | 'fit'>('fit');
  const img = () => box.current?.querySelector('img') ?? null;

  useEffect(() => {
    const el = img();
    if (!el) return;
    const size = () => {
      if (zoom === 'fit') {
        el.style.width = '';
        el.style.maxWidth = '';
      } else if (el.naturalWidth > 0) {
        el.style.maxWidth = 'none';
        el.style.width = `${Math.round(el.naturalWidth * zoom)}px`;
      }
    };
    size();
    el.addEventListener('load', size);
    return () => el.removeEventListener('load', size);
  }, [zoom]);

  /** The scale shown now: the fitted one when fitting. */
  const current = (): number => {
    const el = img();
    if (zoom !== 'fit') return zoom;
    return el && el.naturalWidth > 0 ? el.getBoundingClientRect().width / el.naturalWidth : 1;
  };
  const step = (dir: 1 | -1) => {
    const c = current();
    const next = dir > 0 ? STEPS.find((s) => s > c + 1e-6) : [...STEPS].reverse().find((s) => s < c - 1e-6);
    if (next !== undefined) setZoom(next);
  };
  return (
    <div className="zoom">
      <div className="zoom-tools" role="toolbar" aria-label={t('trip.zoomIn')}>
        <button type="button" className="btn-small" onClick={() => step(-1)} aria-label={t('trip.zoomOut')} title={t('trip.zoomOut')} data-testid="zoom-out">
          −
        </button>
        <button type="button" className="btn-small" onClick={() => step(1)} aria-label={t('trip.zoomIn')} title={t('trip.zoomIn')} data-testid="zoom-in">
          ＋
        </button>
        <button type="button" className={`btn-small ${zoom === 'fit' ? 'active' : ''}`} aria-pressed={zoom === 'fit'} onClick={() => setZoom('fit')} data-testid="zoom-fit">
          {t('trip.zoomFit')}
        </button>
        <button type="button" className={`btn-small ${zoom === 1 ? 'active' : ''}`} aria-pressed={zoom === 1} onClick={() => setZoom(1)} data-testid="zoom-actual">
          {t('trip.zoomActual')}
        </button>
        <span className="muted small" data-testid="zoom-level">
          {zoom === 'fit' ? '' : `${Math.round(zoom * 100)}%`}
        </span>
      </div>
      <div ref={box} className={`zoom-box ${zoom === 'fit' ? 'fit' : ''}`} data-testid="zoom-box" onDoubleClick={() => setZoom(zoom === 'fit' ? 1 : 'fit')}>
        {children}
      </div>
    </div>
  );
}
