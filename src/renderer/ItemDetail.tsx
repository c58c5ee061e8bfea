// The selected item in full: a safe preview, hashes with copy buttons, type and extension
// mismatch, times, GPS (coordinates and an offline plot), the reader's facts, all metadata, and
// the item's custody history. Opening it is recorded (item.viewed, once per session) by the engine.
import { useContext, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Output, getClient } from './api.ts';
import { formatBytes, formatTime } from './format.ts';
import { GpsPlot } from './GpsPlot.tsx';
import { Time } from './Time.tsx';
import { DetailResizer } from './DetailResizer.tsx';
import { exifMeaning, withMeaning } from '../shared/exifMeanings.ts';
import { Preview } from './Preview.tsx';
import { typeWithCharset } from '../shared/textTypes.ts';
import type { Signed } from './SignIn.tsx';
import type { SearchHit } from '../shared/contract.ts';
import { MarkedSnippet } from './Search.tsx';
import { ItemTagsNotes, TagsContext } from './Tags.tsx';
import { HashsetMatches } from './Hashsets.tsx';
import { can } from '../shared/roles.ts';
import { StoredCopyWarning } from './Verify.tsx';

type Item = Output<'getItem'>;

function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'idle' | 'done' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="btn-small"
      aria-label={`${t('detail.copy')} ${label}`}
      data-testid={`copy-${label}`}
      onClick={() =>
        getClient()
          .copyText(text)
          .then(
            () => setState('done'),
            () => setState('failed'),
          )
          .finally(() => setTimeout(() => setState('idle'), 1500))
      }
    >
      {state === 'done' ? `✔ ${t('detail.copied')}` : state === 'failed' ? `✖ ${t('detail.copyFailed')}` : `${t('detail.copy')}`}
    </button>
  );
}

function Row({ k, v, mono, testId }: { k: string; v: React.ReactNode; mono?: boolean; testId?: string }) {
  if (v === null || v === undefined || v === '') return null;
  return (
    <div className="kv">
      <dt>{k}</dt>
      <dd className={mono ? 'mono' : ''} data-testid={testId}>
        {v}
      </dd>
    </div>
  );
}

/** A part of the metadata record (metadata.ts MetadataRecord): exif, pixels, takenFrom, movie, errors. */
function metaPart(fields: Record<string, unknown> | null | undefined, key: string): unknown {
  return fields ? fields[key] ?? null : null;
}

/** The size the image itself declares, and which structure said so. */
function pixelsText(fields: Record<string, unknown> | null | undefined): string | null {
  const p = metaPart(fields, 'pixels') as { width?: number; height?: number; from?: string } | null;
  return p && p.width !== undefined ? `${p.width} × ${p.height} (${p.from})` : null;
}

/** EXIF's claimed size, kept apart: it can differ from the pixels after a resize or an edit. */
function claimedText(fields: Record<string, unknown> | null | undefined): string | null {
  const exif = (metaPart(fields, 'exif') ?? fields) as Record<string, unknown> | null;
  const w = exif?.['ExifImageWidth'];
  const h = exif?.['ExifImageHeight'];
  return typeof w === 'number' && typeof h === 'number' ? `${w} × ${h}` : null;
}

/** The EXIF Flash field with its meaning, or null when the camera wrote none. */
function exifFlash(fields: Record<string, unknown> | null | undefined, lang: 'en' | 'ja'): string | null {
  const exif = (metaPart(fields, 'exif') ?? fields) as Record<string, unknown> | null;
  const v = exif?.['Flash'];
  return typeof v === 'number' ? withMeaning('Flash', v, lang) : null;
}

function flatten(o: Record<string, unknown>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, key));
    else out.push([key, Array.isArray(v) ? JSON.stringify(v) : String(v)]);
  }
  return out;
}

export function ItemDetail({
  signed,
  id,
  onClose,
  hit,
  review,
}: {
  signed: Signed;
  id: number;
  onClose: () => void;
  /** A bundle under review: its read-only panel (tags as exported, review notes) replaces tagging and notes. */
  review?: (item: Item) => React.ReactNode;
  /** The search hit the item was opened at (its snippets shown first). */
  hit?: { hit: SearchHit; query: string } | null;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language.startsWith('ja') ? 'ja' : 'en';
  const [item, setItem] = useState<Item | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Asked again after a tag or note changes (the engine's answer, not a local guess).
  const [version, setVersion] = useState(0);
  // A tag changed elsewhere (an accepted suggestion, the selection's action): the case's tags are
  // asked again, and so is the item.
  const { tags: caseTags } = useContext(TagsContext);
  useEffect(() => {
    getClient()
      .call('getItem', { session: signed.session, id })
      .then(setItem, (err: Error) => setError(err.message));
  }, [signed.session, id, version, caseTags]);

  return (
    <aside
      className="detail"
      aria-label={t('detail.label')}
      data-testid="item-detail"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          onClose();
          (document.querySelector('[data-testid="catalogue-table"]') as HTMLElement | null)?.focus();
        }
      }}
    >
      <DetailResizer />
      <header className="detail-head">
        <h2 title={item?.path}>{item?.name || item?.path || `#${id}`}</h2>
        <button type="button" className="btn-quiet" onClick={onClose} aria-label={t('common.close')} data-testid="detail-close">
          ✕
        </button>
      </header>
      {error && <p className="banner error">⚠ {error}</p>}
      {item && (
        <div className="detail-body">
          <StoredCopyWarning sha256={item.sha256} />
          {item.error && (
            <div className="banner error" role="alert" data-testid="item-error">
              <strong>⚠ {t('detail.error')}:</strong> {item.error}
            </div>
          )}
          {/* Notices are facts to know, not failures (catalogue/issues.ts): shown apart, never as an error. */}
          {item.issues.some((i) => i.severity === 'notice') && (
            <div className="banner notice" data-testid="item-notices">
              <strong>ⓘ {t('detail.notices')}:</strong>
              <ul>
                {item.issues
                  .filter((i) => i.severity === 'notice')
                  .map((i, n) => (
                    <li key={n}>
                      {i.message} <span className="mono small muted">[{i.code}]</span>
                    </li>
                  ))}
              </ul>
            </div>
          )}
          {hit && hit.hit.snippets.length > 0 && (
            <div className="hit-banner" data-testid="detail-hit">
              <strong>⌕ {t('review.search.foundHere', { query: hit.query })}</strong>
              {hit.hit.snippets.map((s, k) => (
                <div key={k} className="result-snippet">
                  <MarkedSnippet s={s} />
                </div>
              ))}
            </div>
          )}
          <HashsetMatches matches={item.hashsetMatches} />
          {review ? (
            review(item)
          ) : (
            <ItemTagsNotes
              session={signed.session}
              itemId={item.id}
              tags={item.tags}
              notes={item.notes}
              onChanged={() => setVersion((v) => v + 1)}
              canTag={can(signed.role, 'tag')}
              canNote={can(signed.role, 'note')}
            />
          )}
          <section>
            <h3>{t('detail.preview')}</h3>
            {/* Opened at a text hit: the extracted text with the query's hits marked, the first scrolled to. */}
            <Preview signed={signed} item={item} query={hit && !hit.hit.field ? hit.query : null} />
          </section>
          <section>
            <h3>{t('detail.hashes')}</h3>
            <dl className="hashes">
              {(['md5', 'sha1', 'sha256'] as const).map((h) =>
                item[h] ? (
                  <div className="kv hash" key={h}>
                    <dt>{h === 'md5' ? 'MD5' : h === 'sha1' ? 'SHA-1' : 'SHA-256'}</dt>
                    <dd className="mono" data-testid={`hash-${h}`}>
                      {item[h]}
                    </dd>
                    <CopyButton text={item[h]!} label={h} />
                  </div>
                ) : null,
              )}
              {!item.sha256 && <p className="muted">{t('detail.noHashes')}</p>}
            </dl>
          </section>
          <section>
            <h3>{t('detail.type')}</h3>
            <dl>
              <Row k={t('detail.kind')} v={item.kind} />
              <Row k={t('detail.size')} v={item.size !== null ? `${formatBytes(item.size)} (${item.size.toLocaleString()} B)` : null} />
              <Row k={t('detail.mime')} v={typeWithCharset(item.mime, item.textIndex?.encoding)} testId="detail-mime" />
              <Row k={t('detail.extension')} v={item.ext ? `.${item.ext}` : null} />
              <Row k={t('detail.detected')} v={item.detected_ext ? `.${item.detected_ext}` : null} />
              {item.ext_mismatch ? (
                <div className="kv">
                  <dt>{t('detail.mismatch')}</dt>
                  <dd>
                    <span className="badge warn" data-testid="detail-mismatch">
                      ≠ {t('detail.mismatchText', { ext: item.ext ?? '', detected: item.detected_ext ?? '' })}
                    </span>
                  </dd>
                </div>
              ) : null}
            </dl>
          </section>
          {item.lat !== null && item.lon !== null && (
            <section data-testid="detail-gps">
              <h3>{t('detail.location')}</h3>
              <dl>
                <Row k={t('detail.coordinates')} v={`${item.lat.toFixed(6)}, ${item.lon.toFixed(6)}`} mono testId="gps-coordinates" />
                <Row k={t('detail.altitude')} v={item.metadata?.alt != null ? `${item.metadata.alt.toFixed(1)} m` : null} />
              </dl>
              <GpsPlot lat={item.lat} lon={item.lon} />
            </section>
          )}
          <section>
            <h3>{t('detail.times')}</h3>
            <dl>
              <Row k={t('detail.taken')} v={item.taken_at ? <Time iso={item.taken_at} testId="detail-taken" /> : null} />
              {item.taken_at && <Row k={t('detail.takenFrom')} v={metaPart(item.metadata?.fields, 'takenFrom') as string | null} testId="detail-taken-from" />}
              <Row k={t('detail.mtime')} v={item.mtime ? <Time iso={item.mtime} testId="detail-mtime" /> : null} />
              <Row k={t('detail.ctime')} v={item.ctime ? <Time iso={item.ctime} /> : null} />
              <Row k={t('detail.atime')} v={item.atime ? <Time iso={item.atime} /> : null} />
              <Row k={t('detail.birth')} v={item.birthtime ? <Time iso={item.birthtime} /> : null} />
              <Row k={t('detail.added')} v={item.added_at ? <Time iso={item.added_at} /> : null} />
            </dl>
          </section>
          <section>
            <h3>{t('detail.source')}</h3>
            <dl>
              <Row k={t('detail.exhibit')} v={item.exhibit} />
              <Row k={t('detail.path')} v={item.path} mono />
              <Row k={t('detail.sourcePath')} v={`${item.source_path} (${item.source_kind})`} mono />
              <Row k={t('detail.container')} v={item.container} />
              <Row k={t('detail.mode')} v={item.mode !== null ? item.mode.toString(8) : null} mono />
              <Row k={t('detail.linkTarget')} v={item.link_target} mono />
              {item.extra && flatten(item.extra).map(([k, v]) => <Row key={k} k={k} v={v} mono />)}
            </dl>
          </section>
          {item.metadata && (
            <section>
              <h3>{t('detail.metadata')}</h3>
              <dl>
                <Row k={t('detail.camera')} v={[item.metadata.make, item.metadata.model].filter(Boolean).join(' ')} />
                <Row
                  k={t('detail.orientation')}
                  v={item.metadata.orientation !== null && item.metadata.orientation !== undefined ? withMeaning('Orientation', item.metadata.orientation, lang) : null}
                  testId="detail-orientation"
                />
                <Row k={t('trip.flash')} v={exifFlash(item.metadata.fields, lang)} testId="detail-flash" />
                <Row k={t('detail.pixels')} v={pixelsText(item.metadata.fields)} testId="detail-pixels" />
                <Row k={t('detail.exifClaims')} v={claimedText(item.metadata.fields)} testId="detail-exif-size" />
                {item.metadata.error && <Row k={t('detail.metadataError')} v={<span className="err-text">{item.metadata.error}</span>} />}
              </dl>
              {item.metadata.fields && (
                <details>
                  <summary>{t('detail.allFields', { n: Object.keys(item.metadata.fields).length })}</summary>
                  <dl className="fields">
                    {flatten(item.metadata.fields).map(([k, v]) => {
                      // A coded EXIF value (Orientation, Flash, ...) with what it means.
                      const meaning = /^\d+$/.test(v) ? exifMeaning(k, Number(v), lang) : null;
                      return <Row key={k} k={k} v={meaning ? `${v} (${meaning})` : v.length > 300 ? `${v.slice(0, 300)}…` : v} mono />;
                    })}
                  </dl>
                </details>
              )}
            </section>
          )}
          <section>
            <h3>{t('detail.custody')}</h3>
            <ol className="custody" data-testid="item-custody">
              {item.custody.map((e) => (
                <li key={e.seq}>
                  <span className="mono small">#{e.seq}</span> <strong>{t(`actions.${e.action}`, e.action)}</strong> · {e.officer} ·{' '}
                  <span className="muted">
                    {formatTime(e.at_utc)}
                    {e.tz_name && e.tz_name !== 'UTC' ? ` (${e.tz_name} ${e.tz_offset})` : ''}
                  </span>
                </li>
              ))}
            </ol>
          </section>
        </div>
      )}
    </aside>
  );
}
