// Exhibits: the list, a form to record one (as the seizure form asks), and the details of one
// with its custody history.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Output, getClient } from './api.ts';
import { displayZone, formatCount, formatTime, ownZone, wallTimeToIso, zoneChoices } from './format.ts';
import type { Signed } from './SignIn.tsx';
import { can } from '../shared/roles.ts';
import { Time } from './Time.tsx';
import './trip.css';

type Exhibit = Output<'listExhibits'>[number];

const FIELDS = [
  ['number', 'exhibits.number', true],
  ['sealNumber', 'exhibits.seal', false],
  ['description', 'exhibits.description', false],
  ['deviceMake', 'exhibits.make', false],
  ['deviceModel', 'exhibits.model', false],
  ['serial', 'exhibits.serial', false],
  ['imei', 'exhibits.imei', false],
  ['condition', 'trip.condition', false],
  ['seizedBy', 'exhibits.seizedBy', false],
  ['seizedAt', 'exhibits.seizedAt', false],
  ['seizedWhere', 'exhibits.seizedWhere', false],
] as const;

export function Exhibits({ signed, exhibits, onChanged, onIngest }: { signed: Signed; exhibits: Exhibit[]; onChanged: () => Promise<void> | void; onIngest: () => void }) {
  const { t, i18n } = useTranslation();
  // A reviewer reads the exhibits; recording one and ingesting into it are for the roles that may.
  const mayRecord = can(signed.role, 'record-exhibit');
  const mayIngest = can(signed.role, 'ingest');
  // Opened at once on a case with no exhibit. "Record an exhibit" opens it (never toggles it
  // shut): the list may arrive after the screen, and a click must not close a form it opened.
  const [adding, setAdding] = useState(exhibits.length === 0 && mayRecord);
  const [form, setForm] = useState<Record<string, string>>({});
  // "Seized at" is picked as a wall-clock time in the officer's zone (the case's when it has one,
  // else this computer's) and recorded as ISO 8601 with that zone's offset, as the engine asks.
  const [zone, setZone] = useState(displayZone);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [detail, setDetail] = useState<Output<'getExhibit'> | null>(null);

  useEffect(() => {
    if (!open) return setDetail(null);
    getClient()
      .call('getExhibit', { casePath: signed.casePath, number: open })
      .then(setDetail, (e: Error) => setError(e.message));
  }, [open, signed.casePath, exhibits]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    const input: Record<string, string | null> = {};
    for (const [k] of FIELDS) input[k] = form[k]?.trim() ? form[k]!.trim() : null;
    if (input.seizedAt) input.seizedAt = wallTimeToIso(input.seizedAt, zone) ?? input.seizedAt;
    try {
      const x = await getClient().call('addExhibit', { session: signed.session, ...input, number: input.number ?? '' });
      setForm({});
      setAdding(false);
      // The new exhibit opens at once: the lists' refresh waits for the custody check (a worker),
      // and opening it only after that undid a click the officer made on another exhibit meanwhile.
      setOpen(x.number);
      await onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section className="exhibits page" aria-label={t('nav.exhibits')}>
      <div className="page-head">
        <h2>{t('nav.exhibits')}</h2>
        {mayRecord && (
          <button type="button" className="btn-primary" onClick={() => setAdding(true)} data-testid="add-exhibit">
            ＋ {t('exhibits.add')}
          </button>
        )}
      </div>
      {adding && mayRecord && (
        // noValidate: the engine checks the whole form and answers every problem at once.
        <form className="form card" onSubmit={submit} noValidate data-testid="exhibit-form">
          <h3>{t('exhibits.new')}</h3>
          <div className="grid-form">
            {FIELDS.map(([k, label, required]) =>
              k === 'seizedAt' ? (
                <SeizedAtField key={k} label={t(label)} value={form[k] ?? ''} zone={zone} onChange={(v) => setForm({ ...form, [k]: v })} onZone={setZone} />
              ) : (
              <label key={k}>
                {t(label)}
                {required ? ' *' : ''}
                <input
                  data-testid={`exhibit-${k}`}
                  value={form[k] ?? ''}
                  required={required}
                  placeholder={k === 'condition' ? t('trip.conditionPlaceholder') : k === 'number' ? 'EXH-001' : ''}
                  onChange={(e) => setForm({ ...form, [k]: e.target.value })}
                />
              </label>
              ),
            )}
          </div>
          {error && (
            <div className="form-error" role="alert" data-testid="exhibit-problems">
              {error.includes('\n') ? (
                <>
                  ⚠ {t('trip.problems')}
                  <ul>
                    {error.split('\n').map((line, n) => (
                      <li key={n}>{line}</li>
                    ))}
                  </ul>
                </>
              ) : (
                <>⚠ {error}</>
              )}
            </div>
          )}
          <div className="actions">
            <button type="button" onClick={() => setAdding(false)}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="btn-primary" data-testid="exhibit-submit">
              {t('exhibits.record')}
            </button>
          </div>
        </form>
      )}
      {exhibits.length === 0 && !adding ? (
        <p className="muted">{t('exhibits.none')}</p>
      ) : (
        <table className="simple" data-testid="exhibit-list">
          <thead>
            <tr>
              <th>{t('exhibits.number')}</th>
              <th>{t('exhibits.seal')}</th>
              <th>{t('exhibits.device')}</th>
              <th>{t('exhibits.seizedBy')}</th>
              <th>{t('exhibits.seizedAt')}</th>
              <th>{t('exhibits.custodian')}</th>
              <th className="right">{t('header.items')}</th>
            </tr>
          </thead>
          <tbody>
            {exhibits.map((x) => (
              <tr key={x.number} className={open === x.number ? 'open' : ''} onClick={() => setOpen(x.number)} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && setOpen(x.number)}>
                <td>
                  <strong>{x.number}</strong>
                </td>
                <td>
                  {x.seal_number ?? '—'} {x.seal_number ? (x.sealed ? `✔ ${t('exhibits.sealed')}` : `✖ ${t('exhibits.unsealed')}`) : ''}
                </td>
                <td>
                  {[x.device_make, x.device_model].filter(Boolean).join(' ') || x.description || '—'}
                  {x.device_problems.length > 0 && (
                    <span className="err-text" title={t('exhibits.deviceProblems')} data-testid="exhibit-list-device-problem">
                      {' '}
                      ⚠
                    </span>
                  )}
                </td>
                <td>{x.seized_by ?? '—'}</td>
                <td>{x.seized_at ? formatTime(x.seized_at) : '—'}</td>
                <td>{x.custodian ?? '—'}</td>
                <td className="right">{formatCount(x.items, i18n.language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail && (
        <div className="card exhibit-detail" data-testid="exhibit-detail">
          <div className="page-head">
            <h3>
              {detail.number} {detail.description ? `· ${detail.description}` : ''}
            </h3>
            {mayIngest && (
              <button type="button" className="btn-primary" onClick={onIngest} data-testid="exhibit-ingest">
                ⇩ {t('exhibits.ingestInto')}
              </button>
            )}
          </div>
          {detail.device_problems.length > 0 && (
            // What an extraction report contradicts: the officer's record stays, a person decides.
            <div className="banner error" role="alert" data-testid="exhibit-device-problems">
              <strong>⚠ {t('exhibits.deviceProblems')}</strong>
              <ul>
                {detail.device_problems.map((m, n) => (
                  <li key={n}>
                    {t('exhibits.deviceProblem', { label: t(`exhibits.${m.field === 'device_make' ? 'make' : m.field === 'device_model' ? 'model' : m.field}`, m.label), recorded: m.recorded, reported: m.reported.join(' / ') })}{' '}
                    <span className="mono small muted">{m.report}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <dl className="grid-dl">
            {(
              [
                ['exhibits.seal', detail.seal_number],
                ['exhibits.make', detail.device_make],
                ['exhibits.model', detail.device_model],
                ['exhibits.serial', detail.serial],
                ['exhibits.imei', detail.imei],
                ['trip.condition', detail.condition],
                ['exhibits.seizedBy', detail.seized_by],
                ['exhibits.seizedAt', detail.seized_at ? <Time iso={detail.seized_at} testId="exhibit-detail-seizedAt" /> : null],
                ['exhibits.seizedWhere', detail.seized_where],
                ['exhibits.custodian', detail.custodian],
                ['exhibits.extractionType', detail.extraction_type],
                ['exhibits.extractionTool', [detail.extraction_tool, detail.extraction_tool_version].filter(Boolean).join(' ') || null],
                ['exhibits.recordedBy', `${detail.created_by} · ${formatTime(detail.created_at)}`],
              ] as const
            ).map(([k, v]) =>
              v ? (
                <div className="kv" key={k}>
                  <dt>{t(k)}</dt>
                  <dd>{v}</dd>
                </div>
              ) : null,
            )}
          </dl>
          <h4>{t('detail.custody')}</h4>
          <ol className="custody">
            {detail.history.map((e) => (
              <li key={e.seq}>
                <span className="mono small">#{e.seq}</span> <strong>{t(`actions.${e.action}`, e.action)}</strong> · {e.officer} ·{' '}
                <span className="muted">{formatTime(e.at_utc)}</span>
                {e.reason ? <span> — {e.reason}</span> : null}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

/** "Seized at": a date-time picker and the zone it is in, with the ISO value that will be recorded. */
function SeizedAtField(props: { label: string; value: string; zone: string; onChange: (v: string) => void; onZone: (zone: string) => void }) {
  const { t } = useTranslation();
  const own = ownZone();
  const iso = props.value ? wallTimeToIso(props.value, props.zone) : null;
  return (
    <div className="seized-at">
      <label>
        {props.label}
        <input type="datetime-local" step={1} data-testid="exhibit-seizedAt" value={props.value} onChange={(e) => props.onChange(e.target.value)} />
      </label>
      <label>
        {t('trip.zone')}
        <select data-testid="exhibit-seizedZone" value={props.zone} onChange={(e) => props.onZone(e.target.value)}>
          {[...new Set([props.zone, ...zoneChoices()])].map((z) => (
            <option key={z} value={z}>
              {z === own ? t('trip.zoneOwn', { zone: z }) : z}
            </option>
          ))}
        </select>
      </label>
      {iso && (
        <span className="muted small mono" data-testid="exhibit-seizedAt-iso">
          {t('trip.recordedAs', { iso })}
        </span>
      )}
    </div>
  );
}
