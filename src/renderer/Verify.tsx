// Verify: the engine's verification of the whole case as a job (startVerify), followed live by
// its events as Ingest follows an ingest: every stored file hashed again against the catalogue,
// and the chain of custody with its checkpoints and transfers. The results are grouped (match,
// changed, missing), each changed or missing file naming the items whose content it is, which
// open in the detail panel; a broken chain links to the event in the custody log. The engine
// records each run in the log (verify.run), which is what the header's files badge reads.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustodyEvent, VerifyProgress, VerifyReport } from '../shared/contract.ts';
import type { Client } from './api.ts';
import { formatBytes, formatCount } from './format.ts';
import { type Job, type JobState, useJob } from './useJob.ts';
import './custody.css';

/** What the job was started with: the signed-in officer's session. */
export type VerifyJobState = JobState<'verify', string>;
export type VerifyJob = Job<'verify', string>;

/** The verify job of this window, kept above the screens so leaving the screen does not lose it. */
export function useVerifyJob(client: Client, onDone: () => void): VerifyJob {
  return useJob(client, 'verify', (session: string) => client.call('startVerify', { session }), { onFinished: () => onDone(), onFailed: () => onDone() });
}

/** The first event a custody report names as wrong (0 when it names none). */
export function brokenSeq(c: VerifyReport['custody']): number {
  return c.findings[0]?.seq ?? c.chain.firstBad?.seq ?? 0;
}

export function Verify(props: {
  session: string;
  job: VerifyJob;
  openId: number | null;
  onOpenItem: (id: number) => void;
  onShowEvent: (seq: number) => void;
}) {
  const { t, i18n } = useTranslation();
  const n = (x: number | undefined) => formatCount(x, i18n.language);
  const s = props.job.state;
  const r = s?.result ?? null;
  const p = s?.progress ?? null;
  const pct = p && p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : p && p.objectsTotal > 0 ? Math.floor((100 * p.objectsDone) / p.objectsTotal) : 0;
  const changed = r?.problems.filter((x) => x.status === 'changed') ?? [];
  const missing = r?.problems.filter((x) => x.status === 'missing') ?? [];

  const group = (kind: 'changed' | 'missing', list: VerifyReport['problems']) => (
    <section className={`verify-group ${list.length ? 'bad' : ''}`} data-testid={`verify-${kind}`}>
      <h3>
        {list.length ? '✖' : '✔'} {t(`verifyUi.groups.${kind}`)} <span className="verify-count">{n(list.length)}</span>
      </h3>
      {list.length === 0 ? (
        <p className="muted small">{t('verifyUi.noneChanged')}</p>
      ) : (
        <ul className="verify-problems">
          {list.map((x) => (
            <li key={x.sha256} data-testid="verify-problem" data-sha256={x.sha256}>
              <div className="small muted">{t('verifyUi.itemsOf')}</div>
              <ul>
                {x.items.map((it) => (
                  <li key={it.id}>
                    <button
                      type="button"
                      className={`linkish ${props.openId === it.id ? 'active' : ''}`}
                      onClick={() => props.onOpenItem(it.id)}
                      data-testid="verify-item"
                      data-id={it.id}
                    >
                      #{it.id} {it.path}
                    </button>
                  </li>
                ))}
              </ul>
              <div className="small">{x.detail}</div>
              <code className="small muted">{x.sha256}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );

  return (
    <section className="verify-view" aria-label={t('verifyUi.label')} data-testid="verify-view">
      <header className="screen-head">
        <h2>{t('verifyUi.label')}</h2>
        <p className="muted small">{t('verifyUi.intro')}</p>
        <button type="button" className="btn-primary" disabled={s?.running} onClick={() => void props.job.start(props.session)} data-testid="verify-start">
          {s?.running ? t('verifyUi.running') : r ? t('verifyUi.again') : t('verifyUi.start')}
        </button>
      </header>
      {props.job.startError && (
        <div className="banner error" role="alert">
          ⚠ {props.job.startError}
        </div>
      )}
      {s?.running && (
        <div className="verify-progress" data-testid="verify-progress" aria-live="polite">
          <progress max={100} value={pct} aria-label={t('verifyUi.running')} />
          <span>
            {pct}% · {t('verifyUi.files', { done: n(p?.objectsDone ?? 0), total: n(p?.objectsTotal ?? 0) })} ·{' '}
            {t('verifyUi.bytes', { done: formatBytes(p?.bytesDone ?? 0), total: formatBytes(p?.bytesTotal ?? 0) })}
          </span>
        </div>
      )}
      {s?.error && (
        <div className="banner error" role="alert" data-testid="verify-failed">
          ⚠ {s.error.code === 'CANCELLED' ? t('verifyUi.cancelled') : t('verifyUi.failed', { message: s.error.message })}
        </div>
      )}
      {r && (
        <div className="verify-result" data-testid="verify-result" data-ok={r.ok ? 'true' : 'false'}>
          <p className={`verify-verdict ${r.ok ? 'ok' : 'bad'}`} data-testid="verify-verdict">
            {r.ok ? t('verifyUi.okAll', { n: n(r.objects.total) }) : t('verifyUi.notOk')}
          </p>
          <div className="verify-groups">
            <section className="verify-group" data-testid="verify-ok">
              <h3>
                ✔ {t('verifyUi.groups.ok')} <span className="verify-count">{n(r.objects.matched)}</span>
              </h3>
              <p className="muted small">{t('verifyUi.okCount', { count: r.objects.matched, n: n(r.objects.matched) })}</p>
            </section>
            {group('changed', changed)}
            {group('missing', missing)}
          </div>
          {r.unstored.length > 0 && (
            <section className="verify-group bad" data-testid="verify-unstored">
              <h3>
                ⚠ {t('verifyUi.unstored')} <span className="verify-count">{n(r.unstored.length)}</span>
              </h3>
              <ul>
                {r.unstored.map((u) => (
                  <li key={u.id}>
                    <button type="button" className="linkish" onClick={() => props.onOpenItem(u.id)}>
                      #{u.id} {u.path}
                    </button>{' '}
                    <span className="small muted">{u.error}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {r.unfinished.length > 0 && (
            <section className="verify-group bad" data-testid="verify-unfinished">
              <h3>⚠ {t('verifyUi.unfinished')}</h3>
              <ul>
                {r.unfinished.map((u) => (
                  <li key={u.source} className="small">
                    {u.path} ({u.status})
                  </li>
                ))}
              </ul>
            </section>
          )}
          <p className="verify-chain" data-testid="verify-chain">
            {r.custody.ok ? (
              t('verifyUi.chainOk', { n: n(r.chain.events) })
            ) : (
              <>
                <span className="bad-text">{t('verifyUi.chainBad', { n: brokenSeq(r.custody) })}</span>{' '}
                <button type="button" className="linkish" onClick={() => props.onShowEvent(brokenSeq(r.custody))} data-testid="verify-show-event">
                  {t('verifyUi.showInLog')}
                </button>
              </>
            )}
          </p>
          <p className="muted small">{t('verifyUi.elapsed', { ms: n(r.elapsedMs) })}</p>
        </div>
      )}
    </section>
  );
}

/** The latest verify.run event of the case: what the engine recorded of its last Verify run. */
export function useLastVerify(client: Client, casePath: string, reloadKey: number): CustodyEvent | null | undefined {
  const [last, setLast] = useState<CustodyEvent | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    client.call('custodyLog', { casePath, action: 'verify.run' }).then(
      (evs) => live && setLast(evs[evs.length - 1] ?? null),
      () => live && setLast(null),
    );
    return () => {
      live = false;
    };
  }, [client, casePath, reloadKey]);
  useEffect(() => lastVerifyStore.set(last ?? null), [last]);
  return last;
}

// The last verify.run of the open case, for the item panel's warning (StoredCopyWarning) without
// asking the log once per opened item.
const lastVerifyStore = (() => {
  let value: CustodyEvent | null = null;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set: (v: CustodyEvent | null) => {
      value = v;
      for (const l of listeners) l();
    },
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
})();

/**
 * On an item whose stored copy the last Verify found changed or missing: says so above its
 * preview, since the preview shows the stored copy as it is now. The run's custody event names
 * the first 50 problems (verifyCase.ts); the Verify screen lists them all.
 */
export function StoredCopyWarning(props: { sha256: string | null }) {
  const { t, i18n } = useTranslation();
  const last = useSyncExternalStore(lastVerifyStore.subscribe, lastVerifyStore.get);
  const problems = (last?.details as { problems?: { status: string; sha256: string }[] } | undefined)?.problems ?? [];
  const found = props.sha256 ? problems.find((p) => p.sha256 === props.sha256) : undefined;
  if (!found || !last) return null;
  return (
    <div className="banner error" role="alert" data-testid="item-stored-changed">
      ✖ {t(found.status === 'missing' ? 'verifyUi.itemMissing' : 'verifyUi.itemChanged', { at: new Date(last.at_utc).toLocaleString(i18n.language) })}
    </div>
  );
}

/** Hours and minutes of an instant in this computer's zone (the full time and UTC in the title). */
function hhmm(iso: string, lang: string): string {
  return new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

/**
 * The header's files badge, beside the chain's: what the last Verify found in the stored files
 * ("Files verified at 14:05", "2 files changed"), or that none has run; a running Verify's share.
 * A click opens the Verify screen.
 */
export function FilesBadge(props: { last: CustodyEvent | null | undefined; job: VerifyJobState | null; onShow: () => void }) {
  const { t, i18n } = useTranslation();
  const { last, job } = props;
  if (job?.running) {
    const p = job.progress;
    const pct = p && p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
    return (
      <button type="button" className="badge busy" onClick={props.onShow} data-testid="files-badge" data-state="running">
        ⟳ {t('chainBadge.verifying', { pct })}
      </button>
    );
  }
  if (last === undefined) return null;
  if (last === null) {
    return (
      <button type="button" className="badge neutral" onClick={props.onShow} title={t('chainBadge.filesNeverTitle')} data-testid="files-badge" data-state="never">
        ? {t('chainBadge.filesNever')}
      </button>
    );
  }
  const d = last.details as { objects?: { changed?: number; missing?: number } };
  const changed = d.objects?.changed ?? 0;
  const missing = d.objects?.missing ?? 0;
  const at = `${new Date(last.at_utc).toLocaleString(i18n.language)} (UTC ${last.at_utc})`;
  if (changed === 0 && missing === 0) {
    return (
      <button type="button" className="badge ok" onClick={props.onShow} title={t('chainBadge.filesOkTitle', { at })} data-testid="files-badge" data-state="ok">
        ✔ {t('chainBadge.filesOk', { time: hhmm(last.at_utc, i18n.language) })}
      </button>
    );
  }
  const words = [
    changed ? t('chainBadge.filesChanged', { count: changed, n: formatCount(changed, i18n.language) }) : null,
    missing ? t('chainBadge.filesMissing', { count: missing, n: formatCount(missing, i18n.language) }) : null,
  ].filter(Boolean);
  return (
    <button type="button" className="badge bad" onClick={props.onShow} title={t('chainBadge.filesBadTitle', { at })} data-testid="files-badge" data-state="bad">
      ✖ {words.join(' · ')}
    </button>
  );
}
