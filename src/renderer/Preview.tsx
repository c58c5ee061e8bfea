// Safe previews: evidence is never executed. The engine sends only images as images (decoded by
// <img>, never as documents) and video and audio as media (played by <video>/<audio> in ranges);
// everything else arrives as opaque bytes that are shown here as text (decoded with the detected
// encoding) or hex, and PDFs are drawn on a canvas by pdf.js with eval off and no scripting, no
// links, no forms. Only the first 256 KiB are fetched (a Range request) for text and hex. What
// the engine extracted and indexed (a DOCX's words, a PDF's text, an XLSX's rows) is its own
// view, "Extracted text" (TextView.tsx); HEIC photos are decoded by the engine (libheif).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Output, getClient } from './api.ts';
import { decodeText, hexDump, looksLikeText } from './format.ts';
import type { Signed } from './SignIn.tsx';
import { ZoomBox } from './ZoomBox.tsx';
import { localizedError } from './errorText.ts';
import { MediaPlayer } from './MediaPlayer.tsx';
import { TextView } from './TextView.tsx';

type Item = Output<'getItem'>;
const TEXT_BYTES = 256 * 1024;
const HEX_BYTES = 4096;
const PDF_MAX = 64 * 1024 * 1024;

const IMAGE = /^image\/(jpeg|png|gif|webp|bmp|avif|heic|heif|x-icon|vnd\.microsoft\.icon)$/;
const TEXTY = /^(text\/|application\/(json|xml|x-plist|x-sh|javascript|x-ndjson|rtf|x-subrip)|message\/rfc822|image\/svg\+xml)/;

export type PreviewKind = 'image' | 'pdf' | 'text' | 'hex' | 'none' | 'extracted' | 'video' | 'audio';
/** Modes whose labels are in locales.media.ts. */
const MEDIA_MODES = new Set<PreviewKind>(['extracted', 'video', 'audio']);
/** Photos the browser cannot decode: the engine's rendition is shown (thumbs.ts VIEW_PX). */
const ENGINE_DECODED = /^image\/(heic|heif|heic-sequence|heif-sequence)$/;
const VIEW_PX = 2048;

export function previewKind(item: Pick<Item, 'kind' | 'mime' | 'sha256'>): PreviewKind {
  if (item.kind !== 'file' || !item.sha256) return 'none';
  if (item.mime && IMAGE.test(item.mime)) return 'image';
  if (item.mime === 'application/pdf') return 'pdf';
  if (item.mime?.startsWith('video/')) return 'video';
  if (item.mime?.startsWith('audio/')) return 'audio';
  if (item.mime && TEXTY.test(item.mime)) return 'text';
  // No magic bytes (plain text, CSV, logs...): look at the bytes; binary goes to hex.
  if (!item.mime || item.mime === 'application/octet-stream') return 'text';
  return 'hex';
}

/** True when the type is unknown and the preview must decide text or hex from the bytes. */
function sniffed(item: Pick<Item, 'mime'>): boolean {
  return !item.mime || item.mime === 'application/octet-stream';
}

async function fetchBytes(signed: Signed, id: number, n: number): Promise<{ bytes: Uint8Array; total: number | null }> {
  return fetchRange(signed, id, 0, n);
}

/** `n` bytes from `start` (a Range request), and the item's whole size. */
async function fetchRange(signed: Signed, id: number, start: number, n: number): Promise<{ bytes: Uint8Array; total: number | null }> {
  const res = await getClient().fetchContent(signed.session, id, { start, end: start + n - 1 });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    const message = body?.error?.message ?? `HTTP ${res.status}`;
    throw new Error(body?.error?.code ? localizedError(body.error.code, message) : message);
  }
  const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? res.headers.get('content-length') ?? NaN);
  return { bytes: new Uint8Array(await res.arrayBuffer()), total: Number.isFinite(total) ? total : null };
}

/**
 * The views an item offers, its own first: the extracted text wherever the engine indexed some
 * (never the raw bytes decoded as text for a document: that is gibberish), hex always.
 */
export function previewModes(initial: PreviewKind, hasText: boolean): PreviewKind[] {
  const extracted: PreviewKind[] = hasText ? ['extracted'] : [];
  switch (initial) {
    case 'image':
    case 'video':
    case 'audio':
      return [initial, ...extracted, 'hex'];
    case 'pdf':
      return ['pdf', ...extracted, 'hex'];
    case 'text':
      return ['text', ...extracted, 'hex'];
    case 'hex':
      return hasText ? ['extracted', 'hex'] : ['hex', 'text'];
    default:
      return [];
  }
}

/** The view an item opens in: at a search hit, its text with the hit; a document, its text; else its own. */
function openingKind(item: Item, searched: boolean, hasText: boolean): PreviewKind {
  const own = previewKind(item);
  if (hasText && (searched || own === 'hex')) return 'extracted';
  return own;
}

export function Preview({ signed, item, query }: { signed: Signed; item: Item; query?: string | null }) {
  const { t } = useTranslation();
  const initial = previewKind(item);
  // A bundle under review carries no extracted text (only how much there was): not offered there.
  const hasText = (item.textIndex?.chars ?? 0) > 0 && !signed.review;
  const [kind, setKind] = useState<PreviewKind>(() => openingKind(item, !!query, hasText));
  const [imageFailed, setImageFailed] = useState(false);
  // Why an image did not load, when the engine refused it (an altered stored copy): <img> cannot
  // read the refusal, so one byte is asked for to hear it.
  const [refused, setRefused] = useState<string | null>(null);
  useEffect(() => {
    setKind(openingKind(item, !!query, hasText));
    setImageFailed(false);
    setRefused(null);
  }, [item, query, hasText]);
  const onImageError = () => {
    setImageFailed(true);
    fetchRange(signed, item.id, 0, 1).then(
      () => undefined,
      (err: Error) => setRefused(err.message),
    );
  };

  if (kind === 'none') return <p className="muted">{t('preview.none')}</p>;
  const modes = previewModes(initial, hasText);
  const engineDecoded = !!item.mime && ENGINE_DECODED.test(item.mime);
  return (
    <div className="preview" data-testid="preview" data-kind={kind}>
      <div className="preview-modes" role="group">
        {modes.map((m) => (
          <button key={m} type="button" className={`btn-small ${kind === m ? 'active' : ''}`} aria-pressed={kind === m} onClick={() => setKind(m)}>
            {t(MEDIA_MODES.has(m) ? `media.mode.${m}` : `preview.${m}`)}
          </button>
        ))}
      </div>
      {kind === 'image' &&
        (imageFailed ? (
          refused ? (
            <p className="err-text" data-testid="preview-refused">
              ⚠ {refused}
            </p>
          ) : (
            <p className="muted" data-testid="preview-image-failed">
              ⚠ {t('preview.imageFailed')}
            </p>
          )
        ) : (
          <>
            <ZoomBox>
              <img
                className="preview-image"
                src={engineDecoded ? getClient().thumbUrl(signed.session, item.id, 'view') : getClient().contentUrl(signed.session, item.id)}
                alt={item.name}
                data-testid="preview-image"
                onError={onImageError}
                decoding="async"
              />
            </ZoomBox>
            {engineDecoded && (
              <p className="muted small preview-note" data-testid="preview-heic-note">
                {t('media.heicDecoded', { px: VIEW_PX })}
              </p>
            )}
          </>
        ))}
      {kind === 'extracted' && <TextView signed={signed} item={item} query={query} />}
      {(kind === 'video' || kind === 'audio') && <MediaPlayer signed={signed} item={item} kind={kind} />}
      {kind === 'text' && <TextPreview signed={signed} item={item} onBinary={sniffed(item) ? () => setKind('hex') : undefined} />}
      {kind === 'hex' && <HexPreview signed={signed} item={item} />}
      {kind === 'pdf' && <PdfPreview signed={signed} item={item} onFail={() => setKind(hasText ? 'extracted' : 'hex')} />}
    </div>
  );
}

function TextPreview({ signed, item, onBinary }: { signed: Signed; item: Item; onBinary?: () => void }) {
  const { t } = useTranslation();
  const [state, setState] = useState<{ text: string; encoding: string; cut: boolean; binary: boolean } | { error: string } | null>(null);
  useEffect(() => {
    let live = true;
    fetchBytes(signed, item.id, TEXT_BYTES).then(
      ({ bytes, total }) => {
        if (!live) return;
        const hint = (item.extra as { encoding?: string } | null)?.encoding ?? null;
        if (onBinary && !looksLikeText(bytes)) return onBinary();
        const d = decodeText(bytes, hint);
        setState({ ...d, cut: (total ?? 0) > bytes.length, binary: !looksLikeText(bytes) });
      },
      (err: Error) => live && setState({ error: err.message }),
    );
    return () => {
      live = false;
    };
  }, [signed, item, onBinary]);
  if (!state) return <p className="muted">{t('common.loading')}</p>;
  if ('error' in state) return <p className="err-text">⚠ {state.error}</p>;
  return (
    <>
      <p className="muted small" data-testid="text-encoding">
        {t('preview.encoding', { enc: state.encoding })}
        {state.cut ? ` · ${t('preview.firstBytes', { n: TEXT_BYTES / 1024 })}` : ''}
        {state.binary ? ` · ${t('preview.looksBinary')}` : ''}
      </p>
      <pre className="preview-text" data-testid="preview-text">
        {state.text}
      </pre>
    </>
  );
}

/** The hex view, 4 KiB a page (issue 14: beyond the first 4 KiB): previous/next and a jump to an offset. */
function HexPreview({ signed, item }: { signed: Signed; item: Item }) {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(0);
  const [shown, setShown] = useState<{ page: number; dump: string; total: number | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [jump, setJump] = useState('');
  useEffect(() => {
    let live = true;
    setError(null);
    fetchRange(signed, item.id, page * HEX_BYTES, HEX_BYTES).then(
      ({ bytes, total }) => live && setShown({ page, dump: hexDump(bytes, page * HEX_BYTES), total }),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [signed, item, page]);
  if (error) return <p className="err-text">⚠ {error}</p>;
  if (shown === null) return <p className="muted">{t('common.loading')}</p>;
  const total = shown.total ?? item.size ?? 0;
  const pages = Math.max(1, Math.ceil(total / HEX_BYTES));
  const from = shown.page * HEX_BYTES;
  const to = Math.min(total, from + HEX_BYTES) - 1;
  const n = (x: number) => x.toLocaleString(i18n.language);
  const go = () => {
    const s = jump.trim().toLowerCase();
    const off = /^0x[0-9a-f]+$/.test(s) ? parseInt(s.slice(2), 16) : /^\d+$/.test(s) ? Number(s) : NaN;
    if (Number.isFinite(off) && off >= 0 && off < Math.max(total, 1)) setPage(Math.floor(off / HEX_BYTES));
  };
  return (
    <>
      <div className="hex-pager" data-testid="hex-pager">
        <button type="button" className="btn-small" disabled={shown.page === 0} onClick={() => setPage(shown.page - 1)} data-testid="hex-prev" aria-label={t('trip.hexPrev')}>
          ◀
        </button>
        <span className="small" data-testid="hex-range">
          {t('trip.hexRange', { from: `0x${from.toString(16)}`, to: `0x${Math.max(from, to).toString(16)}`, total: n(total), page: n(shown.page + 1), pages: n(pages) })}
        </span>
        <button type="button" className="btn-small" disabled={shown.page + 1 >= pages} onClick={() => setPage(shown.page + 1)} data-testid="hex-next" aria-label={t('trip.hexNext')}>
          ▶
        </button>
        <input
          className="hex-jump mono"
          value={jump}
          placeholder="0x1f40"
          aria-label={t('trip.hexGoto')}
          title={t('trip.hexGoto')}
          onChange={(e) => setJump(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && go()}
          data-testid="hex-goto"
        />
      </div>
      <pre className="preview-hex" data-testid="preview-hex">
        {shown.dump}
      </pre>
    </>
  );
}

function PdfPreview({ signed, item, onFail }: { signed: Signed; item: Item; onFail: () => void }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<string>(t('common.loading'));
  useEffect(() => {
    let live = true;
    let destroy: (() => void) | null = null;
    (async () => {
      if ((item.size ?? 0) > PDF_MAX) throw new Error(t('preview.pdfTooLarge'));
      const res = await getClient().fetchContent(signed.session, item.id);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const data = new Uint8Array(await res.arrayBuffer());
      const { renderPdf } = await import('./pdf.ts');
      const r = await renderPdf(data, box.current!, 4, () => live);
      destroy = r.destroy;
      if (live) setStatus(t('preview.pdfPages', { shown: r.shown, total: r.pages }));
    })().catch((err: unknown) => {
      if (!live) return;
      setStatus(`⚠ ${t('preview.pdfFailed')}: ${String((err as Error)?.message ?? err)}`);
      setTimeout(() => live && onFail(), 1500);
    });
    return () => {
      live = false;
      destroy?.();
    };
  }, [signed, item, onFail, t]);
  return (
    <>
      <p className="muted small" data-testid="pdf-status">
        {status}
      </p>
      <div className="preview-pdf" ref={box} data-testid="preview-pdf" />
    </>
  );
}
