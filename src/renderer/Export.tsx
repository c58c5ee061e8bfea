// The Export wizard (issue 13): what (tags, exhibits, a search, the catalogue's selection, or
// everything), where (a new or empty folder, or a ZIP file), the report's language; then the job's
// progress from its events, cancel; then the bundle checked as a prosecutor would check it
// (verifyBundle on what was written) and where its report is. Every step is one contract call,
// as `evidence export` and `evidence bundle verify` make it.
import { useContext, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BundleReport, ExportResult, Input } from '../shared/contract.ts';
import type { Client, Output } from './api.ts';
import { getClient } from './api.ts';
import { BundleVerdict } from './BundleVerdict.tsx';
import { localizedError } from './errorText.ts';
import { PathField } from './FolderPicker.tsx';
import { formatBytes, formatCount, formatDuration } from './format.ts';
import type { Signed } from './SignIn.tsx';
import { TagChip, TagsContext } from './Tags.tsx';
import { type Job, type JobState, useJob } from './useJob.ts';
import './bundle.css';

export interface ExportJobState extends JobState<'export', Input<'startExport'>> {
  /** The written bundle checked afresh (verifyBundle), once the job has finished. */
  verification: BundleReport | null;
  verifyError: string | null;
}

export interface ExportJob extends Omit<Job<'export', Input<'startExport'>>, 'state'> {
  state: ExportJobState | null;
}

/** The export job of this window, kept above the screens so leaving the screen does not lose it. */
export function useExportJob(client: Client): ExportJob {
  // The check of what was written, by the job it belongs to (a new job starts unchecked).
  const [check, setCheck] = useState<{ jobId: string; verification: BundleReport | null; verifyError: string | null } | null>(null);
  const job = useJob(client, 'export', (req: Input<'startExport'>) => client.call('startExport', req), {
    // Checked as the prosecutor will check it: the bundle on disk, not what the job thinks it wrote.
    onFinished: (result, jobId) => {
      client.call('verifyBundle', { path: result.path }).then(
        (verification) => setCheck({ jobId, verification, verifyError: null }),
        (err: Error) => setCheck({ jobId, verification: null, verifyError: err.message }),
      );
    },
  });
  const state = useMemo<ExportJobState | null>(() => {
    if (!job.state) return null;
    const mine = check?.jobId === job.state.jobId ? check : null;
    return { ...job.state, verification: mine?.verification ?? null, verifyError: mine?.verifyError ?? null };
  }, [job.state, check]);
  return { ...job, state };
}

/** What the wizard was opened with: the catalogue's selection and the search box's words. */
export interface ExportPreset {
  ids?: number[];
  search?: string;
}

/** Where report.html is in what was written (inside the ZIP, for a ZIP). */
function reportPath(r: ExportResult): string {
  // In a ZIP everything is inside one folder named like the file (nothing spills when unzipped).
  const inZip = `${(r.path.split(/[\\/]/).pop() ?? '').replace(/\.zip$/i, '')}/report.html`;
  return r.zip ? `${r.path} → ${inZip}` : `${r.path.replace(/[\\/]+$/, '')}/report.html`;
}

function toggle(list: string[], x: string): string[] {
  return list.includes(x) ? list.filter((y) => y !== x) : [...list, x];
}

export function Export(props: { signed: Signed; exhibits: Output<'listExhibits'>; job: ExportJob; preset?: ExportPreset }) {
  const { t, i18n } = useTranslation();
  const { job, signed } = props;
  const { tags } = useContext(TagsContext);
  const n = (x: number | undefined) => formatCount(x, i18n.language);
  const s = job.state;
  const [chosenTags, setChosenTags] = useState<string[]>(s?.request.selection.tags ?? []);
  const [chosenExhibits, setChosenExhibits] = useState<string[]>(s?.request.selection.exhibits ?? []);
  const [useSearch, setUseSearch] = useState(!!props.preset?.search && !props.preset.ids?.length);
  const [search, setSearch] = useState(props.preset?.search ?? '');
  const selection = props.preset?.ids ?? [];
  const [useSelection, setUseSelection] = useState(selection.length > 0);
  const [all, setAll] = useState(false);
  const [destination, setDestination] = useState('');
  const [zip, setZip] = useState(false);
  const [lang, setLang] = useState<'en' | 'ja'>(i18n.language.startsWith('ja') ? 'ja' : 'en');
  const [copied, setCopied] = useState(false);

  const tagged = tags.filter((x) => x.count > 0);
  const chosen = all || chosenTags.length > 0 || chosenExhibits.length > 0 || (useSearch && search.trim() !== '') || (useSelection && selection.length > 0);
  const running = !!s?.running;

  const start = (e: React.FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    void job.start({
      session: signed.session,
      selection: {
        tags: chosenTags.length ? chosenTags : undefined,
        exhibits: chosenExhibits.length ? chosenExhibits : undefined,
        search: useSearch && search.trim() ? search.trim() : undefined,
        ids: useSelection && selection.length ? selection : undefined,
        all: all || undefined,
      },
      destination,
      zip,
      lang,
    });
  };

  const p = s?.progress;
  const pct = p && p.bytesTotal > 0 ? Math.min(100, (100 * p.bytesDone) / p.bytesTotal) : p && p.filesTotal > 0 ? (100 * p.filesDone) / p.filesTotal : 0;
  const r = s?.result;

  if (s) {
    return (
      <section className="export page" aria-label={t('bundle.nav.export')} data-testid="export-page">
        <div className="page-head">
          <h2>{t('bundle.export.title')}</h2>
        </div>
        <div className="card progress-card" data-testid="export-progress" aria-live="polite">
          <div className="page-head">
            <h3 data-testid="export-state">
              {running
                ? s.cancelling
                  ? `■ ${t('bundle.export.cancelling')}`
                  : `⟳ ${t(`bundle.export.phase.${p?.phase ?? 'copying'}`)}`
                : s.error
                  ? s.error.code === 'CANCELLED'
                    ? `■ ${t('bundle.export.cancelled')}`
                    : `✖ ${t('bundle.export.failed')}`
                  : `✔ ${t('bundle.export.written')}`}
            </h3>
            {running && (
              <button type="button" onClick={() => void job.cancel(signed.session)} disabled={s.cancelling} data-testid="export-cancel">
                ■ {t('bundle.export.cancel')}
              </button>
            )}
            {!running && (
              <button type="button" onClick={job.reset} data-testid="export-another">
                {t('bundle.export.another')}
              </button>
            )}
          </div>
          {(running || (p && !r)) && (
            <>
              <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
                <div style={{ width: `${pct}%` }} />
              </div>
              <p className="small" data-testid="export-files">
                {t('bundle.export.files', { done: n(p?.filesDone ?? 0), total: n(p?.filesTotal ?? 0) })} · {formatBytes(p?.bytesDone ?? 0)} / {formatBytes(p?.bytesTotal ?? 0)}
              </p>
            </>
          )}
          {s.error && s.error.code !== 'CANCELLED' && (
            <p className="banner error" role="alert" data-testid="export-error">
              ⚠ {localizedError(s.error.code, s.error.message)}
            </p>
          )}
          {job.startError && (
            <p className="banner error" role="alert">
              ⚠ {job.startError}
            </p>
          )}
          {r && (
            <div data-testid="export-result">
              <p data-testid="export-summary">
                {t('bundle.export.summary', { files: n(r.files), bytes: formatBytes(r.bytes), time: formatDuration(r.elapsedMs / 1000) })}
                <span className="muted small"> · {t('bundle.export.signer', { fp: r.keyFingerprint })}</span>
              </p>
              {r.skipped.length > 0 && (
                <div className="banner warn" data-testid="export-skipped">
                  {t('bundle.export.skipped', { count: r.skipped.length, n: n(r.skipped.length) })}
                  <ul>
                    {r.skipped.map((x) => (
                      <li key={x.id}>
                        <span className="mono small">{x.path}</span>: {x.reason}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              {r.notRendered.length > 0 && <p className="banner warn">{t('bundle.export.notRendered', { list: r.notRendered.join(', ') })}</p>}
              {s.verification ? (
                <BundleVerdict report={s.verification} />
              ) : s.verifyError ? (
                <p className="banner error" role="alert">
                  ⚠ {s.verifyError}
                </p>
              ) : (
                <p className="muted">⟳ {t('bundle.export.checking')}</p>
              )}
              <div className="report-path">
                <h3>{t('bundle.export.report')}</h3>
                <p className="small">{t('bundle.export.reportHelp')}</p>
                <p>
                  <code className="mono" data-testid="export-report-path">
                    {reportPath(r)}
                  </code>{' '}
                  <button
                    type="button"
                    className="btn-small"
                    data-testid="export-copy-report"
                    onClick={() =>
                      void getClient()
                        .copyText(r.zip ? r.path : reportPath(r))
                        .then(() => setCopied(true), () => setCopied(false))
                    }
                  >
                    {copied ? `✔ ${t('bundle.export.copied')}` : t('bundle.export.copyPath')}
                  </button>
                </p>
              </div>
            </div>
          )}
        </div>
      </section>
    );
  }

  return (
    <section className="export page" aria-label={t('bundle.nav.export')} data-testid="export-page">
      <div className="page-head">
        <h2>{t('bundle.export.title')}</h2>
      </div>
      <p className="muted">{t('bundle.export.help')}</p>
      <form className="form card export-form" onSubmit={start} data-testid="export-form">
        <fieldset>
          <legend>{t('bundle.export.step1')}</legend>
          <div className="export-what">
            <div>
              <h4>{t('bundle.export.byTags')}</h4>
              {tagged.length === 0 && <p className="muted small">{t('bundle.export.noTags')}</p>}
              {tagged.map((x) => (
                <label key={x.id} className="check">
                  <input type="checkbox" checked={chosenTags.includes(x.id)} onChange={() => setChosenTags(toggle(chosenTags, x.id))} data-testid={`export-tag-${x.id}`} />
                  <TagChip tag={x} /> <span className="muted small">{n(x.count)}</span>
                </label>
              ))}
            </div>
            <div>
              <h4>{t('bundle.export.byExhibits')}</h4>
              {props.exhibits.length === 0 && <p className="muted small">{t('bundle.export.noExhibits')}</p>}
              {props.exhibits.map((x) => (
                <label key={x.number} className="check">
                  <input type="checkbox" checked={chosenExhibits.includes(x.number)} onChange={() => setChosenExhibits(toggle(chosenExhibits, x.number))} data-testid={`export-exhibit-${x.number}`} />
                  <strong>{x.number}</strong> <span className="muted small">{x.description ?? ''}</span>
                </label>
              ))}
            </div>
            <div>
              <label className="check">
                <input type="checkbox" checked={useSearch} onChange={(e) => setUseSearch(e.target.checked)} data-testid="export-use-search" />
                {t('bundle.export.bySearch')}
              </label>
              <input
                type="search"
                value={search}
                onChange={(e) => {
                  setSearch(e.target.value);
                  setUseSearch(e.target.value.trim() !== '');
                }}
                placeholder={t('bundle.export.searchPlaceholder')}
                data-testid="export-search"
                aria-label={t('bundle.export.bySearch')}
              />
              {selection.length > 0 && (
                <label className="check">
                  <input type="checkbox" checked={useSelection} onChange={(e) => setUseSelection(e.target.checked)} data-testid="export-use-selection" />
                  {t('bundle.export.bySelection', { count: selection.length, n: n(selection.length) })}
                </label>
              )}
              <label className="check">
                <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} data-testid="export-all" />
                {t('bundle.export.everything')}
              </label>
            </div>
          </div>
          <p className="muted small">{chosen ? t('bundle.export.union') : t('bundle.export.nothingChosen')}</p>
        </fieldset>
        <fieldset>
          <legend>{t('bundle.export.step2')}</legend>
          <label>
            {zip ? t('bundle.export.destinationZip') : t('bundle.export.destination')}
            <PathField value={destination} onChange={setDestination} kind="folder" testId="export-destination" required />
          </label>
        </fieldset>
        <fieldset>
          <legend>{t('bundle.export.step3')}</legend>
          <div className="row2">
            <div role="radiogroup" aria-label={t('bundle.export.format')}>
              <span className="label">{t('bundle.export.format')}</span>
              <label className="check">
                <input type="radio" name="export-format" checked={!zip} onChange={() => setZip(false)} data-testid="export-folder" />
                {t('bundle.export.folder')}
              </label>
              <label className="check">
                <input type="radio" name="export-format" checked={zip} onChange={() => setZip(true)} data-testid="export-zip" />
                {t('bundle.export.zip')}
              </label>
            </div>
            <label>
              {t('bundle.export.language')}
              <select value={lang} onChange={(e) => setLang(e.target.value as 'en' | 'ja')} data-testid="export-lang">
                <option value="en">English</option>
                <option value="ja">日本語</option>
              </select>
            </label>
          </div>
        </fieldset>
        {job.startError && (
          <p className="form-error" role="alert" data-testid="export-start-error">
            ⚠ {job.startError}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn-primary" disabled={!chosen || !destination.trim()} data-testid="export-start">
            ⇪ {t('bundle.export.start')}
          </button>
        </div>
      </form>
    </section>
  );
}
