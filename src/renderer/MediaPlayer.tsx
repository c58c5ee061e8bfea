// Video and audio in the preview: played by the browser's own <video>/<audio> from the engine's
// content URL, which answers byte ranges (the player seeks without the whole file), with the
// same sandboxing headers as images (CSP sandbox, nosniff, no caching). Beside the player: what
// the engine read from the file at ingest (movie header times, the phone's local creation date,
// location, camera, pixel size) and what the player learnt decoding it (length, frame size).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Output, getClient } from './api.ts';
import { formatDuration, formatTime } from './format.ts';
import type { Signed } from './SignIn.tsx';
import './media.css';

type Item = Output<'getItem'>;

interface Played {
  duration: number | null;
  width: number | null;
  height: number | null;
}

/** The engine's movie facts (metadata.ts MetadataRecord.movie), those worth showing. */
function movieFacts(item: Item): [string, string][] {
  const fields = item.metadata?.fields as Record<string, unknown> | null | undefined;
  const movie = (fields?.['movie'] ?? null) as Record<string, unknown> | null;
  const pixels = (fields?.['pixels'] ?? null) as { width?: number; height?: number } | null;
  const out: [string, string][] = [];
  const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
  const created = str(movie?.['created']);
  if (created) out.push(['created', formatTime(created)]);
  const local = str(movie?.['creationDate']);
  if (local) out.push(['creationDate', local]);
  const loc = str(movie?.['location']);
  if (loc) out.push(['location', loc]);
  const camera = [str(movie?.['make']) ?? item.metadata?.make, str(movie?.['model']) ?? item.metadata?.model].filter(Boolean).join(' ');
  if (camera) out.push(['camera', camera]);
  const software = str(movie?.['software']);
  if (software) out.push(['software', software]);
  if (pixels?.width) out.push(['pixels', `${pixels.width} × ${pixels.height}`]);
  return out;
}

export function MediaPlayer({ signed, item, kind }: { signed: Signed; item: Item; kind: 'video' | 'audio' }) {
  const { t } = useTranslation();
  const [played, setPlayed] = useState<Played | null>(null);
  const [failed, setFailed] = useState(false);
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    setPlayed(null);
    setFailed(false);
  }, [item.id]);
  const src = getClient().contentUrl(signed.session, item.id);
  const onMeta = () => {
    const el = ref.current;
    if (!el) return;
    const v = el as HTMLVideoElement;
    setPlayed({ duration: Number.isFinite(el.duration) ? el.duration : null, width: v.videoWidth || null, height: v.videoHeight || null });
  };
  const common = {
    ref,
    src,
    controls: true,
    preload: 'metadata',
    controlsList: 'nodownload',
    onLoadedMetadata: onMeta,
    onError: () => setFailed(true),
    'data-testid': `preview-${kind}`,
  } as const;
  const facts = movieFacts(item);
  return (
    <div className="media-player" data-testid="media-player">
      {failed ? (
        <p className="muted" data-testid="media-failed">
          ⚠ {t('media.cannotPlay', { type: item.mime ?? '?' })}
        </p>
      ) : kind === 'video' ? (
        <video className="preview-video" {...common} />
      ) : (
        <audio className="preview-audio" {...common} />
      )}
      <dl className="media-facts" data-testid="media-facts">
        {played?.duration != null && (
          <div className="kv">
            <dt>{t('media.duration')}</dt>
            <dd data-testid="media-duration">{formatDuration(played.duration)}</dd>
          </div>
        )}
        {played?.width != null && (
          <div className="kv">
            <dt>{t('media.frame')}</dt>
            <dd>
              {played.width} × {played.height}
            </dd>
          </div>
        )}
        {facts.map(([k, v]) => (
          <div className="kv" key={k}>
            <dt>{t(`media.fact.${k}`)}</dt>
            <dd className={k === 'location' ? 'mono' : undefined}>{v}</dd>
          </div>
        ))}
      </dl>
      <p className="muted small">{t('media.streamed')}</p>
    </div>
  );
}
