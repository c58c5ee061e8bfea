// An empty case says what to do first (issue 14): record the seized device as an exhibit, then
// ingest its export into it, each step a button. Shown above the (empty) catalogue until the
// case holds items, and only to a role that may do those steps.
import { useTranslation } from 'react-i18next';
import { can } from '../shared/roles.ts';
import './trip.css';

export function FirstSteps(props: { role: string; exhibits: number; onRecordExhibit: () => void; onIngest: () => void }) {
  const { t } = useTranslation();
  if (!can(props.role, 'record-exhibit') && !can(props.role, 'ingest')) return null;
  const haveExhibit = props.exhibits > 0;
  return (
    <section className="first-steps card" aria-labelledby="first-steps-title" data-testid="first-steps">
      <h2 id="first-steps-title">{t('trip.firstStepsTitle')}</h2>
      <ol>
        <li className={haveExhibit ? 'done' : ''}>
          <span>
            {haveExhibit ? '✔ ' : ''}
            {t('trip.firstStepExhibit')}
          </span>
          {can(props.role, 'record-exhibit') && (
            <button type="button" className={haveExhibit ? '' : 'btn-primary'} onClick={props.onRecordExhibit} data-testid="first-step-exhibit">
              ＋ {t('trip.firstStepExhibitButton')}
            </button>
          )}
        </li>
        <li>
          <span>{t('trip.firstStepIngest')}</span>
          {can(props.role, 'ingest') && (
            <button
              type="button"
              className={haveExhibit ? 'btn-primary' : ''}
              disabled={!haveExhibit}
              title={haveExhibit ? undefined : t('trip.ingestNeedsExhibit')}
              onClick={props.onIngest}
              data-testid="first-step-ingest"
            >
              ⇩ {t('trip.firstStepIngestButton')}
            </button>
          )}
        </li>
      </ol>
      {!haveExhibit && (
        <p className="muted small" data-testid="first-steps-needs-exhibit">
          {t('trip.ingestNeedsExhibit')}
        </p>
      )}
    </section>
  );
}
