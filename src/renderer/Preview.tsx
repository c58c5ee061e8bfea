// Safe previews: evidence is never executed. The engine sends only images as images (decoded by
// <img>, never as documents); everything else arrives as opaque bytes that are shown here as text
// (decoded with the detected encoding) or hex, and PDFs are drawn on a canvas by pdf.js with
// eval off and no scripting, no links, no forms. Only the first 256 KiB are fetched (a Range
// request) for text and hex.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Output, getClient } from './api.ts';
import { decodeText, hexDump, looksLikeText } from './format.ts';
import type { Signed } from './SignIn.tsx';

type Item = Output<'getItem'>;
const TEXT_BYTES = 256 * 1024;
const HEX_BYTES = 4096;
const PDF_MAX = 64 * 1024 * 1024;

const IMAGE = /^image\/(jpeg|png|gif|webp|bmp|avif|heic|heif|x-icon|vnd\.microsoft\.icon)$/;
const TEXTY = /^(text\/|application\/(json|xml|x-plist|x-sh|javascript|x-ndjson|rtf|x-subrip)|message\/rfc822|image\/svg\+xml)/;

export type PreviewKind = 'image' | 'pdf' | 'text' | 'hex' | 'none';

export function previewKind(item: Pick<Item, 'kind' | 'mime' | 'sha256'>): PreviewKind {
  if (item.kind !== 'file' || !item.sha256) return 'none';
  if (item.mime && IMAGE.test(item.mime)) return 'image';
  if (item.mime === 'application/pdf') return 'pdf';
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
  const res = await getClient().fetchContent(signed.session, id, { start: 0, end: n - 1 });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  }
  const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? res.headers.get('content-length') ?? NaN);
  return { bytes: new Uint8Array(await res.arrayBuffer()), total: Number.isFinite(total) ? total : null };
}

export function Preview({ signed, item }: { signed: Signed; item: Item }) {
  const { t } = useTranslation();
  const initial = previewKind(item);
  const [kind, setKind] = useState<PreviewKind>(initial);
  const [imageFailed, setImageFailed] = useState(false);
  useEffect(() => {
    setKind(previewKind(item));
    setImageFailed(false);
  }, [item]);

  if (kind === 'none') return <p className="muted">{t('preview.none')}</p>;
  const modes: PreviewKind[] = initial === 'image' ? ['image', 'hex'] : initial === 'pdf' ? ['pdf', 'text', 'hex'] : ['text', 'hex'];
  return (
    <div className="preview" data-testid="preview" data-kind={kind}>
      <div className="preview-modes" role="group">
        {modes.map((m) => (
          <button key={m} type="button" className={`btn-small ${kind === m ? 'active' : ''}`} aria-pressed={kind === m} onClick={() => setKind(m)}>
            {t(`preview.${m}`)}
          </button>
        ))}
      </div>
      {kind === 'image' &&
        (imageFailed ? (
          <p className="muted" data-testid="preview-image-failed">
            ⚠ {t('preview.imageFailed')}
          </p>
        ) : (
          <img
            className="preview-image"
            src={getClient().contentUrl(signed.session, item.id)}
            alt={item.name}
            data-testid="preview-image"
            onError={() => setImageFailed(true)}
            decoding="async"
          />
        ))}
      {kind === 'text' && <TextPreview signed={signed} item={item} onBinary={sniffed(item) ? () => setKind('hex') : undefined} />}
      {kind === 'hex' && <HexPreview signed={signed} item={item} />}
      {kind === 'pdf' && <PdfPreview signed={signed} item={item} onFail={() => setKind('text')} />}
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

function HexPreview({ signed, item }: { signed: Signed; item: Item }) {
  const { t } = useTranslation();
  const [dump, setDump] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    fetchBytes(signed, item.id, HEX_BYTES).then(
      ({ bytes }) => live && setDump(hexDump(bytes)),
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [signed, item]);
  if (error) return <p className="err-text">⚠ {error}</p>;
  if (dump === null) return <p className="muted">{t('common.loading')}</p>;
  return (
    <>
      <p className="muted small">{t('preview.hexFirst', { n: HEX_BYTES })}</p>
      <pre className="preview-hex" data-testid="preview-hex">
        {dump}
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
