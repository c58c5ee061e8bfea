// The custody log in the window (issue 14 item 7): the engine's custody log (custodyPage) with
// its filters (exhibit, item, officer, action or a family of actions, a date range), every event's
// action in words (one table, locales.custody.ts), virtualised and read a page at a time
// (useCustodyPages.ts: a 20,000-event log opens with its first 200 events); an event's details,
// hash and UTC time beside the list. Opened at an event (the header's "Chain broken at #N"), it
// shows that event with what verification found, in words. An exhibit chosen in the filter offers
// its custody actions: the printable chain-of-custody form, transfer, seal broken and reseal; a
// checkpoint is signed from the screen's head (CustodyDialogs.tsx).
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustodyEvent, CustodyReport, Exhibit } from '../shared/contract.ts';
import { getClient, type Output } from './api.ts';
import { CheckpointDialog, type DoneNote, FormDialog, SealDialog, TransferDialog } from './CustodyDialogs.tsx';
import { formatCount } from './format.ts';
import { can } from '../shared/roles.ts';
import { actionCodes, custodyEn } from './locales.custody.ts';
import { type CustodyQuery, useCustodyPages } from './useCustodyPages.ts';
import './custody.css';

const ROW = 40;

export interface CustodyFilter {
  exhibit?: string;
  item?: number;
  officer?: string;
  action?: string;
  /** Days (YYYY-MM-DD) in this computer's time zone. */
  since?: string;
  until?: string;
}

/** The local wall-clock time where the event was recorded (its own offset, part of the hashed row). */
export function recordedLocalTime(atUtc: string, offset: string): string {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const local = new Date(Date.parse(atUtc) + minutes * 60_000);
  return `${local.toISOString().slice(0, 19).replace('T', ' ')} ${m ? offset : '+00:00'}`;
}

/** A day in this computer's zone as an ISO instant with its offset (the engine wants one). */
function dayBound(day: string, end: boolean): string {
  const d = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00'}`);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const mm = String(Math.abs(off) % 60).padStart(2, '0');
  return `${day}T${end ? '23:59:59.999' : '00:00:00'}${sign}${hh}:${mm}`;
}

/** The action in words, in the UI's language; an unknown code shows as itself. */
export function useActionName(): (code: string) => string {
  const { t } = useTranslation();
  return useCallback((code: string) => t(`custodyActions.${code}`, { defaultValue: code }), [t]);
}

/** What an event concerns, in words ("Exhibit EXH-001", "Item 16"); the case's own id as "This case". */
export function useTargetWords(): (target: string | null) => string {
  const { t } = useTranslation();
  return useCallback(
    (target: string | null) => {
      if (!target) return '—';
      if (target === 'case') return t('custodyUi.targets.case');
      const m = /^([a-z-]+):(.*)$/s.exec(target);
      if (!m || !(m[1]! in custodyEn.custodyUi.targets)) return target;
      return t(`custodyUi.targets.${m[1]}`, { id: m[2] });
    },
    [t],
  );
}

export function Custody(props: {
  casePath: string;
  session: string;
  me: string;
  exhibits: Exhibit[];
  /** The latest custody verification (the header's): names what is wrong at an event. */
  report: CustodyReport | null;
  /** Open the log at this event (and clear the filters so it is in the list). */
  focus: { seq: number; nonce: number } | null;
  onOpenItem: (id: number) => void;
  /** Something was recorded: the header, exhibits and counts are asked again. */
  onChanged: () => void;
  /** The signed-in officer's role: transfer and seals only for the roles that may (shared/roles.ts); absent, all are shown. */
  role?: string;
}) {
  const { t, i18n } = useTranslation();
  const actionName = useActionName();
  const targetWords = useTargetWords();
  const n = (x: number) => formatCount(x, i18n.language);
  const [filter, setFilter] = useState<CustodyFilter>({});
  const [officers, setOfficers] = useState<Output<'listOfficers'>>([]);
  const [selected, setSelected] = useState<number | null>(props.focus?.seq ?? null);
  // The selected row's position in the list (the keyboard moves it; its event may still be loading).
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<DoneNote | null>(null);
  const [dialog, setDialog] = useState<null | 'form' | 'transfer' | 'break' | 'reseal' | 'checkpoint'>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);

  // Opened at an event: every event in view, that one selected.
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  useEffect(() => {
    if (!props.focus) return;
    selectedRef.current = props.focus.seq;
    setSelected(props.focus.seq);
    setFilter({});
  }, [props.focus]);

  useEffect(() => {
    getClient()
      .call('listOfficers', { casePath: props.casePath })
      .then(setOfficers, (e: Error) => setError(e.message));
  }, [props.casePath, reloadKey]);

  // A new query when the filters change or something was recorded; the list opens at the
  // selected event (kept across a filter change when the filters keep it).
  const query = useMemo<CustodyQuery>(() => {
    const q: CustodyQuery = { casePath: props.casePath };
    if (filter.exhibit) q.exhibit = filter.exhibit;
    if (filter.item) q.item = filter.item;
    if (filter.officer) q.officer = filter.officer;
    if (filter.action) q.action = filter.action;
    if (filter.since) q.since = dayBound(filter.since, false);
    if (filter.until) q.until = dayBound(filter.until, true);
    return q;
    // reloadKey: the same filters read again after a recording.
  }, [props.casePath, filter, reloadKey]);
  const log = useCustodyPages(
    query,
    useCallback(() => selectedRef.current, []),
  );
  const total = log.total ?? 0;
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });
  const rows = virtualizer.getVirtualItems();
  const firstRow = rows[0]?.index ?? 0;
  const lastRow = rows.at(-1)?.index ?? -1;
  const { want } = log;
  useEffect(() => {
    if (lastRow >= 0) want(firstRow, lastRow);
  }, [want, firstRow, lastRow]);

  // Where the list opened: that row selected and in view (none when the filters leave it out).
  useEffect(() => {
    if (!log.opened) return;
    setCursor(log.opened.index);
    if (log.opened.index !== null) virtualizer.scrollToIndex(log.opened.index, { align: 'center' });
  }, [log.opened]);
  // A new list without an event to open at starts with no row selected.
  useEffect(() => {
    if (selectedRef.current === null) setCursor(null);
  }, [query]);

  // The row the cursor is on, once its page is in, is the selection.
  const sel = cursor === null ? null : (log.eventAt(cursor) ?? null);
  useEffect(() => {
    if (sel && sel.seq !== selected) setSelected(sel.seq);
  }, [sel, selected]);

  const brokenAt = props.focus?.seq ?? null;
  const findings = useMemo(() => (props.report && brokenAt !== null ? props.report.findings.filter((f) => f.seq === brokenAt) : []), [props.report, brokenAt]);
  const chainProblems = useMemo(() => (props.report && brokenAt !== null ? props.report.chain.problems.filter((p) => p.seq === brokenAt) : []), [props.report, brokenAt]);
  const exhibit = props.exhibits.find((x) => x.number === filter.exhibit) ?? null;
  const families = Object.keys(custodyEn.custodyFamilies);
  const set = (patch: Partial<CustodyFilter>) => setFilter((f) => ({ ...f, ...patch }));
  const done = (message: DoneNote) => {
    setDialog(null);
    setNote(message);
    setReloadKey((k) => k + 1);
    props.onChanged();
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (!total) return;
    const at = cursor ?? -1;
    let to: number | undefined;
    if (e.key === 'ArrowDown') to = Math.min(total - 1, at + 1);
    else if (e.key === 'ArrowUp') to = Math.max(0, at - 1);
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = total - 1;
    else return;
    e.preventDefault();
    setCursor(to);
    virtualizer.scrollToIndex(to, { align: 'auto' });
  };

  const target = (ev: CustodyEvent) => {
    // The item a target names opens in the item panel.
    const m = /^item:(\d+)$/.exec(ev.target ?? '');
    if (m)
      return (
        <button type="button" className="linkish" onClick={() => props.onOpenItem(Number(m[1]))} data-testid="event-item">
          {targetWords(ev.target)}
        </button>
      );
    return <span title={ev.target ?? undefined}>{targetWords(ev.target)}</span>;
  };

  return (
    <section className="custody-view" aria-label={t('custodyUi.log.label')} data-testid="custody-view">
      <header className="screen-head custody-head">
        <div>
          <h2>{t('custodyUi.log.label')}</h2>
          <p className="muted small">{t('custodyUi.log.intro')}</p>
        </div>
        <button type="button" className="btn-primary" onClick={() => setDialog('checkpoint')} data-testid="checkpoint-open">
          ✍ {t('custodyUi.checkpoint.button')}
        </button>
      </header>

      {brokenAt !== null && (findings.length > 0 || chainProblems.length > 0 || (props.report && !props.report.ok)) && (
        <div className="banner error custody-broken" role="alert" data-testid="broken-reason">
          <strong>✖ {t('custodyUi.broken.title', { n: brokenAt })}</strong>
          <p className="small">{t('custodyUi.broken.intro')}</p>
          <ul>
            {findings.map((f, k) => (
              <li key={`f${k}`} data-what={f.what}>
                {t(`custodyUi.broken.what.${f.what}`, { defaultValue: f.message })}
              </li>
            ))}
            {findings.length === 0 && chainProblems.length > 0 && <li data-what="chain-broken">{t('custodyUi.broken.what.chain-broken')}</li>}
            {log.opened && log.opened.index === null && selected === brokenAt && <li>{t('custodyUi.broken.notShown', { n: brokenAt })}</li>}
          </ul>
          {(findings.length > 0 || chainProblems.length > 0) && (
            <details>
              <summary className="small">{t('custodyUi.broken.engine')}</summary>
              <ul className="small">
                {[...chainProblems.map((p) => p.message), ...findings.map((f) => f.message)].map((m, k) => (
                  <li key={k}>{m}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
      {note && (
        <div className="banner notice" role="status" data-testid="custody-note">
          ✔ {note.map((x) => t(x.key, x.opts)).join(' ')}
        </div>
      )}
      {(error ?? log.error) && (
        <div className="banner error" role="alert" data-testid="custody-error">
          ⚠ {error ?? log.error}
        </div>
      )}

      <div className="filters custody-filters" data-testid="custody-filters">
        <label>
          <span>{t('custodyUi.log.exhibit')}</span>
          <select value={filter.exhibit ?? ''} onChange={(e) => set({ exhibit: e.target.value || undefined })} data-testid="custody-filter-exhibit">
            <option value="">{t('custodyUi.log.anyExhibit')}</option>
            {props.exhibits.map((x) => (
              <option key={x.number} value={x.number}>
                {x.number}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('custodyUi.log.item')}</span>
          <input
            type="number"
            min={1}
            className="custody-item-input"
            value={filter.item ?? ''}
            onChange={(e) => set({ item: e.target.value ? Math.max(1, Math.floor(Number(e.target.value))) : undefined })}
            data-testid="custody-filter-item"
          />
        </label>
        <label>
          <span>{t('custodyUi.log.officer')}</span>
          <select value={filter.officer ?? ''} onChange={(e) => set({ officer: e.target.value || undefined })} data-testid="custody-filter-officer">
            <option value="">{t('custodyUi.log.anyOfficer')}</option>
            {officers.map((o) => (
              <option key={o.name} value={o.name}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('custodyUi.log.action')}</span>
          <select value={filter.action ?? ''} onChange={(e) => set({ action: e.target.value || undefined })} data-testid="custody-filter-action">
            <option value="">{t('custodyUi.log.anyAction')}</option>
            {families.map((f) => (
              <optgroup key={f} label={t(`custodyFamilies.${f}`)}>
                <option value={f}>{t('custodyUi.log.family', { family: t(`custodyFamilies.${f}`) })}</option>
                {actionCodes()
                  .filter((c) => c.startsWith(`${f}.`))
                  .map((c) => (
                    <option key={c} value={c}>
                      {actionName(c)}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          <span>{t('custodyUi.log.since')}</span>
          <input type="date" value={filter.since ?? ''} onChange={(e) => set({ since: e.target.value || undefined })} data-testid="custody-filter-since" />
        </label>
        <label>
          <span>{t('custodyUi.log.until')}</span>
          <input type="date" value={filter.until ?? ''} onChange={(e) => set({ until: e.target.value || undefined })} data-testid="custody-filter-until" />
        </label>
        <button type="button" className="btn-quiet" onClick={() => setFilter({})} disabled={Object.values(filter).every((v) => v === undefined)} data-testid="custody-filter-clear">
          {t('custodyUi.log.clear')}
        </button>
      </div>

      {exhibit && (
        <div className="custody-exhibit" data-testid="custody-exhibit">
          <strong>{t('custodyUi.exhibit.label', { n: exhibit.number })}</strong>
          <span data-testid="custody-exhibit-custodian">{exhibit.custodian ? t('custodyUi.exhibit.custodian', { who: exhibit.custodian }) : t('custodyUi.exhibit.noCustodian')}</span>
          <span className={`badge ${exhibit.seal_number ? (exhibit.sealed ? 'ok' : 'warn') : 'neutral'}`} data-testid="custody-exhibit-seal">
            {exhibit.seal_number
              ? exhibit.sealed
                ? `✔ ${t('custodyUi.exhibit.sealed', { seal: exhibit.seal_number })}`
                : `✂ ${t('custodyUi.exhibit.unsealed', { seal: exhibit.seal_number })}`
              : t('custodyUi.exhibit.noSeal')}
          </span>
          <span className="spacer" />
          <button type="button" className="btn-small" onClick={() => setDialog('form')} data-testid="custody-form-open">
            ⎙ {t('custodyUi.exhibit.form')}
          </button>
          {(props.role === undefined || can(props.role, 'transfer')) && (
            <button type="button" className="btn-small" onClick={() => setDialog('transfer')} data-testid="transfer-open">
              ⇄ {t('custodyUi.exhibit.transfer')}
            </button>
          )}
          {props.role !== undefined && !can(props.role, 'record-exhibit') ? null : exhibit.sealed && exhibit.seal_number ? (
            <button type="button" className="btn-small" onClick={() => setDialog('break')} data-testid="seal-break-open">
              ✂ {t('custodyUi.exhibit.breakSeal')}
            </button>
          ) : (
            <button type="button" className="btn-small" onClick={() => setDialog('reseal')} data-testid="reseal-open">
              ⛉ {t('custodyUi.exhibit.reseal')}
            </button>
          )}
        </div>
      )}
      {!exhibit && props.exhibits.length > 0 && <p className="muted small custody-hint">{t('custodyUi.exhibit.choose')}</p>}

      <div className="table-status" aria-live="polite" data-testid="custody-status">
        {log.total === null ? t('common.loading') : t('custodyUi.log.count', { count: total, n: n(total) })}
      </div>
      <div className="custody-body">
        <div className="custody-list" role="grid" aria-rowcount={total} aria-label={t('custodyUi.log.label')}>
          <div className="custody-row custody-row-head" role="row">
            <span role="columnheader">{t('custodyUi.log.seq')}</span>
            <span role="columnheader">{t('custodyUi.log.at')}</span>
            <span role="columnheader">{t('custodyUi.log.who')}</span>
            <span role="columnheader">{t('custodyUi.log.what')}</span>
            <span role="columnheader">{t('custodyUi.log.target')}</span>
          </div>
          <div className="custody-scroll" ref={scroller} tabIndex={0} onKeyDown={onKeyDown} data-testid="custody-log">
            {log.total === 0 && <p className="muted custody-empty">{t('custodyUi.log.none')}</p>}
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {rows.map((r) => {
                const ev = log.eventAt(r.index);
                if (!ev)
                  return (
                    <div
                      key={`pending-${r.index}`}
                      role="row"
                      aria-busy="true"
                      className="custody-row pending"
                      style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${r.start}px)` }}
                      data-testid="custody-event-pending"
                    >
                      <span className="muted">…</span>
                    </div>
                  );
                const bad = brokenAt !== null && ev.seq === brokenAt;
                return (
                  <div
                    key={ev.seq}
                    role="row"
                    aria-selected={ev.seq === selected}
                    className={`custody-row ${ev.seq === selected ? 'selected' : ''} ${bad ? 'bad' : ''}`}
                    style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${r.start}px)` }}
                    onClick={() => {
                      setCursor(r.index);
                      setSelected(ev.seq);
                    }}
                    data-testid="custody-event"
                    data-seq={ev.seq}
                    data-action={ev.action}
                  >
                    <span className="seq">
                      {bad && '✖ '}
                      {ev.seq}
                    </span>
                    <span title={t('custodyUi.log.utc', { t: ev.at_utc })}>{recordedLocalTime(ev.at_utc, ev.tz_offset)}</span>
                    <span className="ellipsis">{ev.officer}</span>
                    <span className="ellipsis" data-testid="event-action" title={ev.action}>
                      {actionName(ev.action)}
                    </span>
                    <span className="ellipsis muted" title={ev.target ?? undefined}>{ev.reason ? `${targetWords(ev.target)} · ${ev.reason}` : targetWords(ev.target)}</span>
                  </div>
                );
              })}
            </div>
          </div>
        </div>
        {sel && (
          <aside className={`custody-event-detail ${brokenAt === sel.seq ? 'bad' : ''}`} data-testid="custody-event-detail" data-seq={sel.seq}>
            <h3>
              #{sel.seq} {actionName(sel.action)}
            </h3>
            <dl>
              <dt>{t('custodyUi.log.at')}</dt>
              <dd>
                {recordedLocalTime(sel.at_utc, sel.tz_offset)} ({sel.tz_name})<br />
                <span className="muted small">{t('custodyUi.log.utc', { t: sel.at_utc })}</span>
              </dd>
              <dt>{t('custodyUi.log.who')}</dt>
              <dd>
                {sel.officer} <span className="muted small">@ {sel.host}</span>
              </dd>
              <dt>{t('custodyUi.log.what')}</dt>
              <dd>
                {actionName(sel.action)} <span className="muted small">({t('custodyUi.log.code', { code: sel.action })})</span>
              </dd>
              <dt>{t('custodyUi.log.target')}</dt>
              <dd>{target(sel)}</dd>
              {sel.reason && (
                <>
                  <dt>{t('custodyUi.log.reason')}</dt>
                  <dd data-testid="event-reason">{sel.reason}</dd>
                </>
              )}
              <dt>{t('custodyUi.log.details')}</dt>
              <dd>
                <pre className="custody-details">{JSON.stringify(sel.details, null, 2)}</pre>
              </dd>
              <dt>{t('custodyUi.log.hash', { h: '' })}</dt>
              <dd>
                <code className="small hash">{sel.hash}</code>
              </dd>
            </dl>
          </aside>
        )}
      </div>

      {dialog === 'checkpoint' && <CheckpointDialog session={props.session} onClose={() => setDialog(null)} onDone={done} />}
      {dialog === 'form' && exhibit && <FormDialog casePath={props.casePath} exhibit={exhibit.number} onClose={() => setDialog(null)} />}
      {dialog === 'transfer' && exhibit && <TransferDialog casePath={props.casePath} session={props.session} me={props.me} exhibit={exhibit} onClose={() => setDialog(null)} onDone={done} />}
      {(dialog === 'break' || dialog === 'reseal') && exhibit && (
        <SealDialog session={props.session} exhibit={exhibit} action={dialog === 'break' ? 'broken' : 'resealed'} onClose={() => setDialog(null)} onDone={done} />
      )}
    </section>
  );
}
