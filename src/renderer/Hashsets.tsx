// Hash sets (issue 14 item 8): the case's known-good and known-bad sets (name, kind, hashes,
// items matched, imported when and by whom), and the import of a set as a job (startHashsetImport)
// followed by its events: reading, storing, matching, then the result. The engine streams the
// file and matches every item of the case; the screen only starts, follows and shows.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Input } from '../shared/contract.ts';
import { can } from '../shared/roles.ts';
import { type Output, getClient } from './api.ts';
import { PathField } from './FolderPicker.tsx';
import { formatBytes, formatCount, formatTime } from './format.ts';
import type { Signed } from './SignIn.tsx';
import { useJob } from './useJob.ts';
import './admin.css';

type Format = NonNullable<Input<'startHashsetImport'>['format']>;
const FORMATS: Format[] = ['auto', 'nsrl-rds', 'nsrl-legacy', 'hashdeep', 'md5sum', 'sha1sum', 'sha256sum', 'plain', 'csv'];

export function Hashsets({
  signed,
  onChanged,
  onShowKnownBad,
}: {
  signed: Signed;
  /** A set was imported: the case's counts and rows change (known-bad alerts, known-good hidden). */
  onChanged: () => void;
  onShowKnownBad: () => void;
}) {
  const { t, i18n } = useTranslation();
  const client = getClient();
  const n = (x: number | undefined) => formatCount(x, i18n.language);
  const mayImport = can(signed.role, 'ingest');
  const [sets, setSets] = useState<Output<'listHashsets'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [file, setFile] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'bad' | 'good'>('bad');
  const [format, setFormat] = useState<Format>('auto');
  const importJob = useJob(client, 'hashset', (req: Input<'startHashsetImport'>) => client.call('startHashsetImport', req), {
    onFinished: () => {
      void load();
      onChanged();
    },
  });
  const job = importJob.state;

  const load = useCallback(async () => {
    try {
      setSets(await client.call('listHashsets', { casePath: signed.casePath }));
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client, signed.casePath]);
  useEffect(() => {
    void load();
  }, [load]);

  const start = (ev: React.FormEvent) => {
    ev.preventDefault();
    setError(null);
    void importJob.start({ session: signed.session, file, name, kind, format });
  };
  const cancel = () => importJob.cancel(signed.session);

  const p = job?.progress;
  // Reading is most of the work on a big set; storing and matching are the last tenth.
  const pct = !job ? 0 : !job.running ? 100 : !p ? 0 : p.phase === 'reading' ? (90 * p.bytesRead) / Math.max(1, p.bytesTotal) : p.phase === 'sorting' ? 92 : 96;

  return (
    <section className="page hashsets" aria-label={t('admin.hashsets.label')} data-testid="hashsets">
      <div className="page-head">
        <h2>{t('admin.hashsets.label')}</h2>
      </div>
      <p className="muted">{t('admin.hashsets.intro')}</p>
      {(error ?? importJob.startError) && (
        <p className="banner error" role="alert" data-testid="hashset-error">
          ⚠ {error ?? importJob.startError}
        </p>
      )}
      {mayImport ? (
        <form className="form card" onSubmit={start} data-testid="hashset-form">
          <h3>{t('admin.hashsets.import')}</h3>
          <label>
            {t('admin.hashsets.file')}
            <PathField value={file} onChange={setFile} kind="file" testId="hashset-file" required />
          </label>
          <div className="row3">
            <label>
              {t('admin.hashsets.name')}
              <input data-testid="hashset-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t('admin.hashsets.namePlaceholder')} required maxLength={200} />
            </label>
            <label>
              {t('admin.hashsets.kind')}
              <select data-testid="hashset-kind" value={kind} onChange={(e) => setKind(e.target.value as 'bad' | 'good')}>
                <option value="bad">{t('admin.hashsets.bad')}</option>
                <option value="good">{t('admin.hashsets.good')}</option>
              </select>
            </label>
            <label>
              {t('admin.hashsets.format')}
              <select data-testid="hashset-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
                {FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f === 'auto' ? t('admin.hashsets.auto') : f}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="actions">
            <button type="submit" className="btn-primary" disabled={!!job?.running || !file || !name.trim()} data-testid="hashset-start">
              ⇩ {t('admin.hashsets.start')}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small" data-testid="hashset-no-import">
          {t('admin.hashsets.noImport')}
        </p>
      )}

      {job && (
        <div className="card progress-card" data-testid="hashset-progress" aria-live="polite">
          <div className="page-head">
            <h3 data-testid="hashset-state">
              {job.running
                ? `⟳ ${t(`admin.hashsets.phase.${p?.phase ?? 'reading'}`)}`
                : job.error
                  ? `✖ ${job.error.message}`
                  : `✔ ${t('admin.hashsets.done', { name: job.request.name, entries: n(job.result?.set.entries), matched: n(job.result?.matched) })}`}
            </h3>
            {job.running && (
              <button type="button" onClick={() => void cancel()} disabled={job.cancelling} data-testid="hashset-cancel">
                ■ {t('admin.hashsets.cancel')}
              </button>
            )}
            {!job.running && job.result && job.result.set.kind === 'bad' && job.result.matched > 0 && (
              <button type="button" className="btn-danger" onClick={onShowKnownBad} data-testid="hashset-show-matches">
                ⚠ {t('admin.hashsets.showMatches')}
              </button>
            )}
          </div>
          <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
            <div style={{ width: `${pct}%` }} />
          </div>
          <p className="muted small" data-testid="hashset-progress-text">
            {t('admin.hashsets.progress', {
              records: n(p?.records ?? job.result?.records ?? 0),
              read: formatBytes(p?.bytesRead ?? job.result?.set.fileSize ?? 0),
              total: formatBytes(p?.bytesTotal ?? job.result?.set.fileSize ?? 0),
            })}
            {job.result && job.result.skipped > 0 ? ` · ${t('admin.hashsets.skipped', { n: n(job.result.skipped) })}` : ''}
          </p>
        </div>
      )}

      {sets && sets.length === 0 && <p className="muted" data-testid="hashset-none">{t('admin.hashsets.none')}</p>}
      {sets && sets.length > 0 && (
        <table className="simple" data-testid="hashset-list">
          <thead>
            <tr>
              <th>{t('admin.hashsets.columns.name')}</th>
              <th>{t('admin.hashsets.columns.kind')}</th>
              <th className="right">{t('admin.hashsets.columns.entries')}</th>
              <th className="right">{t('admin.hashsets.columns.matches')}</th>
              <th>{t('admin.hashsets.columns.format')}</th>
              <th>{t('admin.hashsets.columns.importedAt')}</th>
              <th>{t('admin.hashsets.columns.by')}</th>
              <th>{t('admin.hashsets.columns.sha256')}</th>
            </tr>
          </thead>
          <tbody>
            {sets.map((s) => (
              <tr key={s.id} data-testid="hashset-row" data-kind={s.kind}>
                <td>{s.name}</td>
                <td>
                  <span className={`badge ${s.kind === 'bad' ? 'bad' : 'neutral'}`}>{s.kind === 'bad' ? `⚠ ${t('admin.hashsets.kindBad')}` : t('admin.hashsets.kindGood')}</span>
                </td>
                <td className="right">{n(s.entries)}</td>
                <td className="right" data-testid="hashset-matches">
                  {n(s.matches)}
                </td>
                <td className="mono small">{s.format}</td>
                <td>{formatTime(s.importedAt)}</td>
                <td>{s.officer}</td>
                <td className="mono small" title={s.fileSha256}>
                  {s.fileSha256.slice(0, 16)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The known-bad alert on a catalogue row: the sets' names on hover, a red mark in the name cell. */
export function KnownBadFlag({ sets }: { sets: string[] | undefined }) {
  const { t } = useTranslation();
  if (!sets?.length) return null;
  return (
    <span className="known-bad-flag" title={t('admin.knownBad.rowTitle', { sets: sets.join(', ') })} data-testid="row-known-bad">
      ⚠ {sets.join(', ')}
    </span>
  );
}

/** The item's hash set matches, known-bad first and in red: what a reviewer must not miss. */
export function HashsetMatches({ matches }: { matches: Output<'getItem'>['hashsetMatches'] }) {
  const { t } = useTranslation();
  const bad = matches.filter((m) => m.kind === 'bad');
  const good = matches.filter((m) => m.kind === 'good');
  if (matches.length === 0) return null;
  return (
    <>
      {bad.length > 0 && (
        <div className="banner error known-bad-alert" role="alert" data-testid="item-known-bad">
          <strong>⚠ {t('admin.knownBad.alert')}</strong>
          <div className="chips">
            {bad.map((m) => (
              <span key={m.setId} className="badge bad" title={t('admin.knownBad.matched', { set: m.set, algo: m.algo.toUpperCase() })}>
                {m.set}
              </span>
            ))}
          </div>
        </div>
      )}
      {good.length > 0 && (
        <p className="banner notice" data-testid="item-known-good">
          ✔ {t('admin.knownBad.good', { sets: good.map((m) => m.set).join(', ') })}
        </p>
      )}
    </>
  );
}

/**
 * The case's hash sets as the workspace needs them: how many items are known-bad (the navigation's
 * alert) and how many known-good items the catalogue hides. Asked only when the case has sets,
 * so a case without any pays nothing; asked again when `key` changes (an ingest, an import).
 */
export function useHashsetCounts(casePath: string, key: string | number): { sets: Output<'listHashsets'>; knownBad: number | undefined; knownGood: number } {
  const [state, setState] = useState<{ sets: Output<'listHashsets'>; knownBad: number | undefined; knownGood: number }>({ sets: [], knownBad: undefined, knownGood: 0 });
  // An import that finishes while the officer is on another screen changes the counts too.
  const [imported, setImported] = useState(0);
  useEffect(
    () =>
      getClient().onEvent((e) => {
        if (e.type === 'job.finished' && e.payload.job === 'hashset' && e.payload.casePath === casePath) setImported((k) => k + 1);
      }),
    [casePath],
  );
  useEffect(() => {
    let live = true;
    const client = getClient();
    void (async () => {
      try {
        const sets = await client.call('listHashsets', { casePath });
        const has = (k: 'bad' | 'good') => sets.some((s) => s.kind === k && s.matches > 0);
        const count = async (f: { knownBad?: boolean; knownGood?: boolean }) => (await client.call('listItems', { casePath, ...f, limit: 1 })).total;
        const [knownBad, knownGood] = await Promise.all([has('bad') ? count({ knownBad: true }) : 0, has('good') ? count({ knownGood: true }) : 0]);
        if (live) setState({ sets, knownBad, knownGood });
      } catch {
        // The counts are a help, not the evidence: the screens say what failed when they ask.
      }
    })();
    return () => {
      live = false;
    };
  }, [casePath, key, imported]);
  return state;
}
