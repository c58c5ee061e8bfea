// Officers (issue 14 item 8; examiners and admins only, as the engine enforces): who works the
// case, their role and state; add one, disable, enable or unlock with a reason. Every change is
// the engine's (addOfficer, setOfficerStatus) and a custody event; the screen asks and shows.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLE_NAMES } from '../shared/outputs.ts';
import type { Role } from '../shared/roles.ts';
import { type Output, getClient } from './api.ts';
import { formatTime } from './format.ts';
import type { Signed } from './SignIn.tsx';
import './admin.css';

type Officer = Output<'listOfficers'>[number];
type Change = { name: string; status: 'active' | 'disabled'; action: 'disable' | 'enable' | 'unlock' };

const EMPTY = { name: '', badge: '', unit: '', role: 'officer' as Role, password: '' };

export function Officers({ signed }: { signed: Signed }) {
  const { t } = useTranslation();
  const client = getClient();
  const [officers, setOfficers] = useState<Officer[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [form, setForm] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [change, setChange] = useState<Change | null>(null);
  const [reason, setReason] = useState('');

  const load = useCallback(async () => {
    try {
      setOfficers(await client.call('listOfficers', { casePath: signed.casePath }));
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client, signed.casePath]);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (f: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      setNote(await f());
      await load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const add = (e: React.FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const o = await client.call('addOfficer', {
        session: signed.session,
        name: form.name,
        badge: form.badge.trim() || null,
        unit: form.unit.trim() || null,
        role: form.role,
        password: form.password,
      });
      setForm(EMPTY);
      setAdding(false);
      return t('admin.officers.added', { name: o.name, role: t(`roles.${o.role}`) });
    });
  };

  const confirm = (e: React.FormEvent) => {
    e.preventDefault();
    if (!change) return;
    const c = change;
    void run(async () => {
      const o = await client.call('setOfficerStatus', { session: signed.session, name: c.name, status: c.status, reason });
      setChange(null);
      setReason('');
      return t(`admin.officers.changed.${o.status === 'disabled' ? 'disabled' : 'active'}`, { name: o.name });
    });
  };

  const set = (k: keyof typeof EMPTY, v: string) => setForm({ ...form, [k]: v });

  return (
    <section className="page officers" aria-label={t('admin.officers.label')} data-testid="officers">
      <div className="page-head">
        <h2>{t('admin.officers.label')}</h2>
        <button type="button" className="btn-primary" onClick={() => setAdding(!adding)} data-testid="officer-add">
          ＋ {t('admin.officers.add')}
        </button>
      </div>
      <p className="muted">{t('admin.officers.intro')}</p>
      {error && (
        <p className="banner error" role="alert" data-testid="officer-error">
          ⚠ {error}
        </p>
      )}
      {note && (
        <p className="banner notice" role="status" data-testid="officer-note">
          ✔ {note}
        </p>
      )}
      {adding && (
        <form className="form card" onSubmit={add} data-testid="officer-form">
          <h3>{t('admin.officers.add')}</h3>
          <div className="row3">
            <label>
              {t('admin.officers.name')}
              <input data-testid="officer-name" value={form.name} onChange={(e) => set('name', e.target.value)} required maxLength={200} autoComplete="off" />
            </label>
            <label>
              {t('admin.officers.badge')}
              <input data-testid="officer-badge" value={form.badge} onChange={(e) => set('badge', e.target.value)} maxLength={200} />
            </label>
            <label>
              {t('admin.officers.unit')}
              <input data-testid="officer-unit" value={form.unit} onChange={(e) => set('unit', e.target.value)} maxLength={200} />
            </label>
          </div>
          <div className="row3">
            <label>
              {t('admin.officers.role')}
              <select data-testid="officer-role" value={form.role} onChange={(e) => set('role', e.target.value)}>
                {ROLE_NAMES.map((r) => (
                  <option key={r} value={r}>
                    {t(`roles.${r}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('admin.officers.password')}
              <input
                type="password"
                data-testid="officer-password"
                value={form.password}
                onChange={(e) => set('password', e.target.value)}
                required
                minLength={8}
                autoComplete="new-password"
              />
              <span className="muted small">{t('admin.officers.passwordHint')}</span>
            </label>
          </div>
          <div className="actions">
            <button type="button" onClick={() => setAdding(false)}>
              {t('admin.officers.cancel')}
            </button>
            <button type="submit" className="btn-primary" disabled={busy} data-testid="officer-submit">
              {t('admin.officers.submit')}
            </button>
          </div>
        </form>
      )}
      {change && (
        <form className="card officer-reason" onSubmit={confirm} data-testid="officer-reason-form">
          <strong>
            {t(`admin.officers.${change.action}`)}: {change.name}
          </strong>
          <label>
            <span className="sr-only">{t('admin.officers.reason')}</span>
            <input
              data-testid="officer-reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder={t('admin.officers.reason')}
              required
              maxLength={10_000}
              autoFocus
            />
          </label>
          <button type="submit" className="btn-primary" disabled={busy || !reason.trim()} data-testid="officer-confirm">
            {t('admin.officers.confirm')}
          </button>
          <button type="button" onClick={() => setChange(null)}>
            {t('admin.officers.cancel')}
          </button>
        </form>
      )}
      {officers && (
        <table className="simple" data-testid="officer-list">
          <thead>
            <tr>
              <th>{t('admin.officers.columns.name')}</th>
              <th>{t('admin.officers.columns.role')}</th>
              <th>{t('admin.officers.columns.status')}</th>
              <th>{t('admin.officers.columns.badge')}</th>
              <th>{t('admin.officers.columns.unit')}</th>
              <th>{t('admin.officers.columns.key')}</th>
              <th>{t('admin.officers.columns.created')}</th>
              <th>
                <span className="sr-only">{t('admin.officers.columns.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {officers.map((o) => (
              <tr key={o.name} data-testid="officer-row" data-name={o.name} data-status={o.status} className={o.name === signed.officer ? 'me' : ''}>
                <td>
                  {o.name}
                  {o.name === signed.officer ? <span className="muted small"> ({t('admin.officers.you')})</span> : null}
                </td>
                <td>{t(`roles.${o.role}`)}</td>
                <td>
                  <span className={`badge ${o.status === 'active' ? 'ok' : o.status === 'locked' ? 'warn' : 'bad'}`} data-testid="officer-status">
                    {t(`admin.officers.status.${o.status}`)}
                  </span>
                </td>
                <td>{o.badge ?? ''}</td>
                <td>{o.unit ?? ''}</td>
                <td className="mono small">{o.hasPassword ? o.keyFingerprint ?? '' : t('admin.officers.noPassword')}</td>
                <td>{formatTime(o.createdAt)}</td>
                <td className="actions-cell">
                  {o.status === 'active' && o.name !== signed.officer && o.hasPassword && (
                    <button type="button" className="btn-small" onClick={() => setChange({ name: o.name, status: 'disabled', action: 'disable' })} data-testid="officer-disable">
                      {t('admin.officers.disable')}
                    </button>
                  )}
                  {o.status === 'disabled' && (
                    <button type="button" className="btn-small" onClick={() => setChange({ name: o.name, status: 'active', action: 'enable' })} data-testid="officer-enable">
                      {t('admin.officers.enable')}
                    </button>
                  )}
                  {o.status === 'locked' && (
                    <button type="button" className="btn-small" onClick={() => setChange({ name: o.name, status: 'active', action: 'unlock' })} data-testid="officer-unlock">
                      {t('admin.officers.unlock')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
