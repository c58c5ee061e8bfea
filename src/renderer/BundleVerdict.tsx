// A bundle's verification as the engine reports it (verifyBundle / openBundle): a green "intact"
// with what was checked, or a red "not intact" with the plain list of what is not, each finding
// naming its file or custody event. Shown after an export and FIRST when a bundle is opened.
// No judgement of its own: ok and the findings are the engine's.
import { useTranslation } from 'react-i18next';
import type { BundleReport } from '../shared/contract.ts';
import { formatBytes, formatCount, formatTime } from './format.ts';
import './bundle.css';

export function BundleVerdict({ report, verdict }: { report: BundleReport; verdict?: string }) {
  const { t, i18n } = useTranslation();
  const n = (x: number) => formatCount(x, i18n.language);
  const c = report.checked;
  return (
    <section className={`bundle-verdict ${report.ok ? 'ok' : 'bad'}`} data-testid="bundle-verdict" data-ok={report.ok ? 'true' : 'false'} role={report.ok ? 'status' : 'alert'}>
      <h3 data-testid="bundle-verdict-title">{report.ok ? `✔ ${t('bundle.verify.intact')}` : `✖ ${t('bundle.verify.notIntact')}`}</h3>
      {verdict && <p className="verdict-line">{verdict}</p>}
      <p className="muted small mono">{report.path}</p>
      {report.ok ? (
        <p>{t('bundle.verify.intactHelp')}</p>
      ) : (
        <>
          <p>{t('bundle.verify.notIntactHelp')}</p>
          <ul className="findings" data-testid="bundle-findings">
            {report.findings.map((f, k) => (
              <li key={k} data-testid="bundle-finding" data-what={f.what}>
                {f.message}
                {f.file && <span className="mono small"> [{f.file}]</span>}
                {f.seq !== null && <span className="mono small"> [#{f.seq}]</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="small" data-testid="bundle-checked">
        {t('bundle.verify.checked', { files: n(c.files), bytes: formatBytes(c.bytes), documents: n(c.documents), lines: n(c.custodyLines) })}
      </p>
      {report.signer && <p className="small">{t('bundle.verify.signedBy', { name: report.signer.name, fp: report.signer.keyFingerprint })}</p>}
      {report.createdAt && <p className="small muted">{t('bundle.verify.created', { at: formatTime(report.createdAt) })}</p>}
      {report.intact.length > 0 && (
        <details>
          <summary>{t('bundle.verify.whatIsIntact')}</summary>
          <ul className="small">
            {report.intact.map((x, k) => (
              <li key={k}>✔ {x}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
