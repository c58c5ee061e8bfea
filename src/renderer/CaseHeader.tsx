// The case header, always in view: case number and name, the signed-in officer, exhibit and item
// counts, and the custody chain's status as a badge with an icon and a word (never colour alone).
import { useTranslation } from 'react-i18next';
import type { Output } from './api.ts';
import { CaseZone } from './CaseZone.tsx';
import { formatCount } from './format.ts';
import type { IngestJobState } from './Ingest.tsx';
import type { Signed } from './SignIn.tsx';

export function CaseHeader(props: {
  info: Output<'caseInfo'> | null;
  signed: Signed;
  custody: Output<'verifyCustody'> | null;
  job: IngestJobState | null;
  onSignOut: () => void;
  onShowIngest: () => void;
  /** The case's time zone was changed in the header: ask the case again. */
  onZoneChanged?: () => void;
  toggles: React.ReactNode;
  /** Opens the custody log at the first event verification names (a click on the broken badge). */
  onShowBroken?: (seq: number) => void;
  /** What the last Verify run found in the stored files, beside the chain's badge (Verify.tsx). */
  files?: React.ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const { info, custody, job } = props;
  const broken = custody && !custody.ok ? (custody.findings[0]?.seq ?? custody.chain.firstBad?.seq ?? 0) : null;
  return (
    <header className="case-header" data-testid="case-header">
      <div className="case-id">
        <span className="case-number" data-testid="case-number-label">
          {info?.number ?? '…'}
        </span>
        <span className="case-name" title={info?.name ?? ''} data-testid="case-name-label">
          {info?.name ?? ''}
        </span>
      </div>
      <dl className="case-facts">
        <div>
          <dt>{t('header.officer')}</dt>
          <dd className="officer-name" title={props.signed.officer} data-testid="header-officer">
            {props.signed.officer} <span className="muted">({t(`roles.${props.signed.role}`, props.signed.role)})</span>
          </dd>
        </div>
        <div>
          <dt>{t('header.exhibits')}</dt>
          <dd data-testid="header-exhibits">{formatCount(info?.exhibits, i18n.language)}</dd>
        </div>
        <div>
          <dt>{t('header.items')}</dt>
          <dd data-testid="header-items">{formatCount(info?.items, i18n.language)}</dd>
        </div>
        <div>
          <dt className="sr-only">{t('trip.zone')}</dt>
          <dd>
            <CaseZone zone={info?.timeZone} signed={props.signed} onChanged={() => props.onZoneChanged?.()} />
          </dd>
        </div>
      </dl>
      <div className="chain" data-testid="chain-status">
        {custody === null ? (
          <span className="badge neutral">… {t('header.checking')}</span>
        ) : custody.ok ? (
          // The chain's badge covers the log only (its title says so); the files badge beside it
          // tells what the last Verify found in the stored files.
          <span className="badge ok" title={t('chainBadge.chainTitle', { n: custody.chain.events })} data-testid="chain-ok">
            ✔ {t('header.verified')}
          </span>
        ) : (
          <button
            type="button"
            className="badge bad"
            title={`${t('chainBadge.brokenTitle')}\n${custody.findings.map((f) => f.message).join('\n')}`}
            onClick={() => props.onShowBroken?.(broken ?? 0)}
            data-testid="chain-broken"
          >
            ✖ {broken ? t('header.brokenAt', { n: broken }) : t('header.broken')}
          </button>
        )}
        {props.files}
      </div>
      {job?.running && (
        <button
          type="button"
          className="badge busy"
          onClick={props.onShowIngest}
          title={job.progress?.stage && job.progress.stage !== 'catalogue' ? t('header.buildingSearchTitle') : undefined}
          data-testid="header-job"
        >
          ⟳{' '}
          {job.progress?.stage && job.progress.stage !== 'catalogue'
            ? // The catalogue is complete; what runs now is the search's text and index.
              t('header.buildingSearch', { pct: (job.progress.stageTotal ?? 0) > 0 ? Math.floor((100 * (job.progress.stageDone ?? 0)) / job.progress.stageTotal!) : 0 })
            : t('header.ingesting', { pct: job.progress && job.progress.bytesTotal > 0 ? Math.floor((100 * job.progress.bytesDone) / job.progress.bytesTotal) : 0 })}
        </button>
      )}
      <div className="spacer" />
      {props.toggles}
      <button type="button" className="btn-quiet" onClick={props.onSignOut} data-testid="sign-out">
        {t('header.signOut')}
      </button>
    </header>
  );
}
