// Ingest: choose the export (path field + Browse: the native dialog in the desktop app, the
// host's folder picker in a browser) and the exhibit, start it as a job, watch it live (files,
// bytes, rate, ETA, current path, errors so far), cancel it, resume it (start the same again:
// the engine continues where it stopped), and read the summary with the problems at the end.
// An ingest needs an exhibit the case holds: there is no "no exhibit" choice, and with none
// recorded the screen says so and leads to the Exhibits screen's form.
// An export the case already holds is refused by the engine (ALREADY_INGESTED, naming the earlier
// source); ingesting it again as a new source is offered here, with a reason for the custody log.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { IngestProgress, Input } from '../shared/contract.ts';
import type { Client, Output } from './api.ts';
import { localizedError } from './errorText.ts';
import { PathField } from './FolderPicker.tsx';
import './trip.css';
import './ingest.css';
import { formatBytes, formatCount, formatDuration } from './format.ts';
import type { Signed } from './SignIn.tsx';
import { type Job, type JobState, useJob } from './useJob.ts';

export type IngestJobState = JobState<'ingest', Input<'startIngest'>>;
export type IngestJob = Job<'ingest', Input<'startIngest'>>;

/** The ingest job of this window, kept above the screens so leaving the screen does not lose it. */
export function useIngestJob(client: Client, onDone: () => void): IngestJob {
  const catalogueReady = useRef(false);
  return useJob(
    client,
    'ingest',
    (req: Input<'startIngest'>) => {
      catalogueReady.current = false;
      return client.call('startIngest', req);
    },
    {
      // Past the catalogue stage the catalogue is complete: refresh the counts and listings
      // now, so it can be browsed while search is still being built.
      onProgress: (progress) => {
        if (progress.stage && progress.stage !== 'catalogue' && !catalogueReady.current) {
          catalogueReady.current = true;
          onDone();
        }
      },
      onFinished: () => onDone(),
      onFailed: () => onDone(),
    },
  );
}

export function Ingest(props: {
  signed: Signed;
  exhibits: Output<'listExhibits'>;
  job: IngestJob;
  onOpenCatalogue: () => void;
  /** Opens the suggestions queue (the summary says how many the detectors raised). */
  onReviewSuggestions?: () => void;
  /** Shows the catalogue at a problem's path (the summary's problems are links). */
  onOpenPath?: (path: string) => void;
  onExhibitsChanged: () => void;
  /** Opens the Exhibits screen with its form: an ingest needs an exhibit the case holds. */
  onRecordExhibit?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { job, signed } = props;
  const s = job.state;
  const [source, setSource] = useState(s?.request.sourcePath ?? '');
  const [exhibit, setExhibit] = useState<string>(s?.request.exhibit ?? props.exhibits[props.exhibits.length - 1]?.number ?? '');
  const [kind, setKind] = useState<string>('');
  const [expand, setExpand] = useState(true);
  const n = (x: number | undefined) => formatCount(x, i18n.language);

  useEffect(() => {
    if (!exhibit && props.exhibits.length > 0) setExhibit(props.exhibits[props.exhibits.length - 1]!.number);
  }, [props.exhibits, exhibit]);

  const start = (req?: Input<'startIngest'>) =>
    job.start(
      req ?? {
        session: signed.session,
        sourcePath: source,
        exhibit,
        kind: (kind || undefined) as Input<'startIngest'>['kind'],
        expand,
      },
    );

  const [againOpen, setAgainOpen] = useState(false);
  const already = s?.error?.code === 'ALREADY_INGESTED';
  // A source that could not be read before anything was done (a wrong path): there is nothing to
  // resume; the path in the form above is what to fix, then start again.
  const wrongSource = !!s?.error && ['SOURCE_UNREADABLE', 'NOT_FOUND', 'USAGE'].includes(s.error.code) && (s.progress?.filesDone ?? 0) === 0;

  const p = s?.progress;
  // The catalogue stage by bytes (large files), the later stages by items.
  const stage = p?.stage ?? 'catalogue';
  const pct =
    stage !== 'catalogue'
      ? p && (p.stageTotal ?? 0) > 0 ? Math.min(100, (100 * (p.stageDone ?? 0)) / p.stageTotal!) : 0
      : p && p.bytesTotal > 0 ? Math.min(100, (100 * p.bytesDone) / p.bytesTotal) : p && p.filesTotal > 0 ? (100 * p.filesDone) / p.filesTotal : 0;
  const running = !!s?.running;
  const r = s?.result;

  return (
    <section className="ingest page" aria-label={t('nav.ingest')}>
      <h2>{t('ingest.title')}</h2>
      <form
        className="form card"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
        data-testid="ingest-form"
      >
        <label>
          {t('ingest.source')}
          <PathField value={source} onChange={setSource} kind="either" testId="ingest-source" required />
        </label>
        {/* No empty choice: every file must trace to an exhibit (the engine refuses EXHIBIT_REQUIRED). */}
        {props.exhibits.length === 0 && (
          <div className="banner warn need-exhibit" role="status" data-testid="ingest-need-exhibit">
            <span>⚠ {t('ingest.needExhibit')}</span>
            {props.onRecordExhibit && (
              <button type="button" className="btn-primary" onClick={props.onRecordExhibit} data-testid="ingest-record-exhibit">
                ＋ {t('ingest.recordExhibit')}
              </button>
            )}
          </div>
        )}
        <div className="row3">
          <label>
            {t('ingest.exhibit')} *
            <select
              data-testid="ingest-exhibit"
              value={exhibit}
              required
              disabled={props.exhibits.length === 0}
              title={t('ingest.chooseExhibit')}
              onChange={(e) => setExhibit(e.target.value)}
            >
              {props.exhibits.map((x) => (
                <option key={x.number} value={x.number}>
                  {x.number}
                  {x.description ? ` · ${x.description}` : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('ingest.kind')}
            <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="ingest-kind">
              <option value="">{t('ingest.kindAuto')}</option>
              {['folder', 'ios-backup', 'file', 'zip', 'tar', 'tar.gz', 'ab', 'ufdr'].map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={expand} onChange={(e) => setExpand(e.target.checked)} />
            {t('ingest.expand')}
          </label>
        </div>
        {job.startError && (
          <p className="form-error" role="alert" data-testid="ingest-start-error">
            ⚠ {job.startError}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn-primary" disabled={running || !source || !exhibit} data-testid="ingest-start">
            ⇩ {t('ingest.start')}
          </button>
        </div>
      </form>

      {s && (
        <div className="card progress-card" data-testid="ingest-progress" aria-live="polite">
          <div className="page-head">
            <h3 data-testid="ingest-state">
              {running
                ? s.cancelling
                  ? `■ ${t('ingest.cancelling')}`
                  : `⟳ ${p?.phase === 'scanning' ? t('ingest.scanning') : t('ingest.running')}`
                : already
                  ? `⚠ ${t('ingest.alreadyTitle')}`
                  : s.error
                  ? `✖ ${t('ingest.failed')}`
                  : r?.status === 'interrupted'
                    ? `■ ${t('ingest.interrupted')}`
                    : `✔ ${t('ingest.finished')}`}
            </h3>
            {running && (
              <button type="button" onClick={() => void job.cancel(signed.session)} disabled={s.cancelling} data-testid="ingest-cancel">
                ■ {t('common.cancel')}
              </button>
            )}
            {!running && already && (
              <button type="button" onClick={() => setAgainOpen(true)} data-testid="ingest-again">
                ⇩ {t('ingest.again')}
              </button>
            )}
            {!running && (r?.status === 'interrupted' || s.error) && !already && !wrongSource && (
              <button type="button" className="btn-primary" onClick={() => void start({ ...s.request, session: signed.session })} data-testid="ingest-resume">
                ▶ {t('ingest.resume')}
              </button>
            )}
          </div>
          {p?.warnings?.map((w, i) => (
            <p key={i} className="banner warn" role="status" data-testid="ingest-warning">
              ⚠ {t('ingest.warning')}: {w}
            </p>
          ))}
          {(running || p) && !already && (
            <>
              {running && p && p.phase !== 'scanning' && <StageSteps p={p} n={n} />}
              {running && stage !== 'catalogue' && (
                <div className="banner info catalogue-ready" role="status" data-testid="ingest-catalogue-ready">
                  <span>✔ {t('ingest.catalogueReady')}</span>
                  <button type="button" onClick={props.onOpenCatalogue} data-testid="ingest-open-catalogue-early">
                    ☰ {t('ingest.openCatalogue')}
                  </button>
                </div>
              )}
              <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
                <div style={{ width: `${pct}%` }} />
              </div>
              <dl className="stats" data-testid="ingest-stats">
                <div>
                  <dt>{t('ingest.files')}</dt>
                  <dd data-testid="ingest-files">
                    {n(p?.filesDone)} / {n(p?.filesTotal)}
                  </dd>
                </div>
                <div>
                  <dt>{t('ingest.bytes')}</dt>
                  <dd>
                    {formatBytes(p?.bytesDone ?? 0)} / {formatBytes(p?.bytesTotal ?? 0)}
                  </dd>
                </div>
                <div>
                  <dt>{t('ingest.rate')}</dt>
                  <dd>{formatBytes(Math.round(p?.bytesPerSecond ?? 0))}/s</dd>
                </div>
                <div>
                  <dt>{t('ingest.eta')}</dt>
                  <dd>{running ? formatDuration(p?.etaSeconds) : '—'}</dd>
                </div>
                <div>
                  <dt>{t('ingest.errors')}</dt>
                  <dd className={p && p.errors > 0 ? 'err-text' : ''} data-testid="ingest-errors">
                    {p && p.errors > 0 ? '⚠ ' : ''}
                    {n(p?.errors ?? 0)}
                  </dd>
                </div>
              </dl>
              {running && (
                <p className="mono small current-path" data-testid="ingest-current">
                  {p?.currentPath ?? ''}
                </p>
              )}
            </>
          )}
          {s.error && (
            <p className="banner error" role="alert" data-testid="ingest-error">
              ⚠ {localizedError(s.error.code, s.error.message)}
              {wrongSource && <span data-testid="ingest-check-path"> {t('trip.checkPath')}</span>}
            </p>
          )}
          {againOpen && s.error && (
            <AgainDialog
              message={s.error.message}
              onCancel={() => setAgainOpen(false)}
              onConfirm={(reason) => {
                setAgainOpen(false);
                void start({ ...s.request, session: signed.session, again: true, reason });
              }}
            />
          )}
          {r && (
            <div className="summary" data-testid="ingest-summary">
              <p>
                {t(r.status === 'interrupted' ? 'ingest.summaryInterrupted' : 'ingest.summaryFinished', {
                  files: n(r.files),
                  bytes: formatBytes(r.bytes),
                  time: formatDuration(r.elapsedMs / 1000),
                })}
                {r.resumed ? ` ${t('ingest.resumedNote', { n: n(r.alreadyDone) })}` : ''}
              </p>
              <dl className="stats">
                <div>
                  <dt>{t('ingest.items')}</dt>
                  <dd data-testid="summary-items">{n(r.items)}</dd>
                </div>
                <div>
                  <dt>{t('ingest.files')}</dt>
                  <dd data-testid="summary-files">{n(r.files)}</dd>
                </div>
                <div>
                  <dt>{t('ingest.duplicates')}</dt>
                  <dd>{n(r.duplicates)}</dd>
                </div>
                <div>
                  <dt>{t('ingest.errors')}</dt>
                  <dd className={r.errorCount ? 'err-text' : ''} data-testid="summary-errors">
                    {r.errorCount ? '⚠ ' : '✔ '}
                    {n(r.errorCount)}
                  </dd>
                </div>
              </dl>
              {r.problems.length > 0 && (
                <>
                  <h4>{t('ingest.problems')}</h4>
                  <ul className="problems" data-testid="summary-problems">
                    {r.problems.map((pr, i) => (
                      <li key={i}>
                        {props.onOpenPath ? (
                          <button type="button" className="link-button mono" onClick={() => props.onOpenPath?.(pr.path)} title={t('trip.openPath')} data-testid="problem-path">
                            {pr.path}
                          </button>
                        ) : (
                          <span className="mono">{pr.path}</span>
                        )}
                        <span className="err-text"> — {pr.error}</span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {/* What the detectors raised at the end of the ingest (issue 14): the count, and the queue. */}
              {r.analysis && (
                <p className="suggest-raised" data-testid="summary-suggestions">
                  <span>✦ {t('review.suggest.raised', { n: n(r.analysis.suggestions) })}</span>
                  {r.analysis.suggestions > 0 && props.onReviewSuggestions && (
                    <button type="button" className="btn-small" onClick={props.onReviewSuggestions} data-testid="review-suggestions">
                      {t('review.suggest.review')}
                    </button>
                  )}
                </p>
              )}
              <button type="button" className="btn-primary" onClick={props.onOpenCatalogue} data-testid="open-catalogue">
                ☰ {t('ingest.openCatalogue')}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

const STAGES = ['catalogue', 'text', 'index'] as const;

/**
 * The ingest's stages in order (catalogue, then text and detectors, then the search index): done,
 * current (with its count) or still to come, so the officer sees what is usable already.
 */
function StageSteps(props: { p: IngestProgress; n: (x: number | undefined) => string }) {
  const { t } = useTranslation();
  const { p, n } = props;
  const current = STAGES.indexOf(p.stage ?? 'catalogue');
  return (
    <ol className="stages" aria-label={t('ingest.stages')} data-testid="ingest-stages">
      {STAGES.map((st, k) => {
        const state = k < current ? 'done' : k === current ? 'current' : 'todo';
        const done = k === current ? (p.stageDone ?? (st === 'catalogue' ? p.filesDone : 0)) : undefined;
        const total = k === current ? (p.stageTotal ?? (st === 'catalogue' ? p.filesTotal : 0)) : undefined;
        return (
          <li key={st} className={`stage ${state}`} data-stage={st} data-state={state} aria-current={state === 'current' ? 'step' : undefined}>
            <span className="stage-mark">{state === 'done' ? '✔' : state === 'current' ? '⟳' : k + 1}</span>
            <span className="stage-name">{t(`ingest.stage.${st}`)}</span>
            <span className="stage-detail small">
              {state === 'current'
                ? t('ingest.stageCount', { done: n(done), total: n(total), unit: t(st === 'catalogue' ? 'ingest.unitFiles' : 'ingest.unitItems') })
                : t(`ingest.stageHint.${st}`)}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

/** Asks for the reason before an export the case already holds is ingested again as a new source. */
function AgainDialog(props: { message: string; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  const ok = reason.trim().length > 0;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onCancel()}>
      <form
        className="modal again-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="again-title"
        data-testid="again-dialog"
        onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) props.onConfirm(reason.trim());
        }}
      >
        <header>
          <h2 id="again-title">{t('ingest.againTitle')}</h2>
        </header>
        <div className="again-body">
          <p className="small">{props.message}</p>
          <p>{t('ingest.againExplain')}</p>
          <label>
            {t('ingest.againReason')}
            <textarea ref={field} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required data-testid="again-reason" />
          </label>
        </div>
        <footer>
          <button type="button" onClick={props.onCancel} data-testid="again-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn-primary" disabled={!ok} data-testid="again-confirm">
            ⇩ {t('ingest.againConfirm')}
          </button>
        </footer>
      </form>
    </div>
  );
}
