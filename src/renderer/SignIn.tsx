// First run and sign-in: open a case (folder, officer, password) or create one (folder, name,
// number, officer, password). Recent cases fill the folder field in one click.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecentCaseEntry } from '../preload/bridge.ts';
import { getClient } from './api.ts';
import { PathField } from './FolderPicker.tsx';
import { OpenBundle, type ReviewInfo } from './OpenBundle.tsx';

export interface Signed {
  casePath: string;
  session: string;
  officer: string;
  role: string;
  /** Set when the "session" is a bundle opened for review (read-only; casePath is the bundle). */
  review?: ReviewInfo;
}

export function SignIn({ onSigned, toggles }: { onSigned: (s: Signed) => void; toggles: React.ReactNode }) {
  const { t } = useTranslation();
  const client = getClient();
  const [mode, setMode] = useState<'open' | 'create' | 'bundle'>('open');
  const [recent, setRecent] = useState<RecentCaseEntry[]>([]);
  const [casePath, setCasePath] = useState('');
  const [officer, setOfficer] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [number, setNumber] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** The new case's recovery code: shown once, before the first sign-in, until the officer says it is written down. */
  const [recovery, setRecovery] = useState<string | null>(null);
  const [written, setWritten] = useState(false);

  useEffect(() => {
    client.recentCases().then(
      (r) => {
        setRecent(r);
        if (r.length === 0) setMode('create');
      },
      () => setRecent([]),
    );
  }, [client]);

  const signIn = async (path: string, who: string, pw: string) => {
    const s = await client.call('signIn', { casePath: path, officer: who, password: pw });
    const info = await client.call('caseInfo', { casePath: path });
    await client.rememberCase({ path, name: info.name, number: info.number }).catch(() => undefined);
    onSigned({ casePath: path, session: s.session, officer: s.officer, role: s.role });
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (mode === 'create' && password !== confirm) {
      setError(t('signIn.passwordsDiffer'));
      return;
    }
    setBusy(true);
    try {
      if (mode === 'create') {
        const created = await client.call('createCase', { casePath, name, number, officer, password });
        // The engine keeps only a verifier of the code: this is the one moment it can be read.
        setRecovery(created.recoveryCode);
        return;
      }
      await signIn(casePath, officer, password);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const continueAfterRecovery = async () => {
    setBusy(true);
    setError(null);
    try {
      await signIn(casePath, officer, password);
      setRecovery(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const recoveryCard = recovery && (
    <section className="signin-card" aria-labelledby="recovery-title" data-testid="recovery-card">
      <h1 id="recovery-title">{t('signIn.recoveryTitle')}</h1>
      <p>{t('signIn.recoveryHelp', { officer })}</p>
      <p className="recovery-code mono" data-testid="recovery-code">
        {recovery}
      </p>
      <p>
        <button type="button" className="btn" onClick={() => void client.copyText(recovery).catch(() => undefined)} data-testid="recovery-copy">
          {t('signIn.recoveryCopy')}
        </button>
      </p>
      <p className="muted">{t('signIn.recoveryOnce')}</p>
      <label className="check">
        <input type="checkbox" checked={written} onChange={(e) => setWritten(e.target.checked)} data-testid="recovery-written" />
        {t('signIn.recoveryWritten')}
      </label>
      {error && (
        <p className="form-error" role="alert" data-testid="signin-error">
          ⚠ {error}
        </p>
      )}
      <button type="button" className="btn-primary" disabled={!written || busy} onClick={() => void continueAfterRecovery()} data-testid="recovery-continue">
        {busy ? t('common.working') : t('signIn.recoveryContinue')}
      </button>
    </section>
  );

  return (
    <div className="signin-page">
      <header className="signin-top">
        <span className="brand">◈ {__APP_NAME__}</span>
        {toggles}
      </header>
      <div className="signin-body">
        {recoveryCard || (
        <section className="signin-card" aria-labelledby="signin-title">
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={mode === 'open'} data-testid="tab-open" onClick={() => setMode('open')}>
              {t('signIn.openTab')}
            </button>
            <button type="button" role="tab" aria-selected={mode === 'create'} data-testid="tab-create" onClick={() => setMode('create')}>
              {t('signIn.createTab')}
            </button>
            <button type="button" role="tab" aria-selected={mode === 'bundle'} data-testid="tab-bundle" onClick={() => setMode('bundle')}>
              {t('bundle.open.tab')}
            </button>
          </div>
          {mode === 'bundle' ? (
            <OpenBundle onOpened={onSigned} />
          ) : (
          <>
          <h1 id="signin-title">{mode === 'open' ? t('signIn.openTitle') : t('signIn.createTitle')}</h1>
          <p className="muted">{mode === 'open' ? t('signIn.openHelp') : t('signIn.createHelp')}</p>
          <form onSubmit={submit} className="form" data-testid={mode === 'open' ? 'signin-form' : 'create-form'}>
            <label>
              {t('signIn.caseFolder')}
              <PathField value={casePath} onChange={setCasePath} kind="folder" testId="case-path" required />
            </label>
            {mode === 'create' && (
              <div className="row2">
                <label>
                  {t('signIn.caseNumber')}
                  <input data-testid="case-number" value={number} onChange={(e) => setNumber(e.target.value)} required placeholder="KH-2026-0142" />
                </label>
                <label>
                  {t('signIn.caseName')}
                  <input data-testid="case-name" value={name} onChange={(e) => setName(e.target.value)} required placeholder={t('signIn.caseNamePlaceholder')} />
                </label>
              </div>
            )}
            <label>
              {t('signIn.officer')}
              <input data-testid="officer" value={officer} onChange={(e) => setOfficer(e.target.value)} required autoComplete="username" placeholder="Sgt. Dara Sok" />
            </label>
            <label>
              {t('signIn.password')}
              <input data-testid="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete={mode === 'create' ? 'new-password' : 'current-password'} />
            </label>
            {mode === 'create' && (
              <label>
                {t('signIn.confirm')}
                <input data-testid="password-confirm" type="password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required autoComplete="new-password" />
              </label>
            )}
            {error && (
              <p className="form-error" role="alert" data-testid="signin-error">
                ⚠ {error}
              </p>
            )}
            <button type="submit" className="btn-primary" disabled={busy} data-testid={mode === 'open' ? 'signin-submit' : 'create-submit'}>
              {busy ? t('common.working') : mode === 'open' ? t('signIn.signIn') : t('signIn.createAndSignIn')}
            </button>
          </form>
          </>
          )}
        </section>
        )}
        {!recovery && recent.length > 0 && (
          <aside className="recent" aria-label={t('signIn.recent')}>
            <h2>{t('signIn.recent')}</h2>
            <ul>
              {recent.map((r) => (
                <li key={r.path}>
                  <button
                    type="button"
                    className="recent-item"
                    onClick={() => {
                      setMode('open');
                      setCasePath(r.path);
                    }}
                  >
                    <strong>{r.number}</strong> {r.name}
                    <span className="muted mono small">{r.path}</span>
                  </button>
                </li>
              ))}
            </ul>
          </aside>
        )}
      </div>
    </div>
  );
}
