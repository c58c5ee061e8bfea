// The custody actions of the Custody screen, each a dialog over one engine method (as the CLI's
// `evidence custody ...` commands): the exhibit's chain-of-custody form (custodyForm, printable),
// a transfer signed by both officers (the receiving officer signs in here: signIn gives their
// session for transferCustody, signed out again after, as the CLI does), a seal broken or a new
// seal applied (recordSeal), and a checkpoint signed by the officer (checkpoint).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Exhibit } from '../shared/contract.ts';
import { getClient, type Output } from './api.ts';

/** What a dialog did, as translation keys: shown in the language of the moment (it may change after). */
export type DoneNote = { key: string; opts: Record<string, string | number> }[];

function Dialog(props: { title: string; testId: string; onClose: () => void; onSubmit?: () => void; busy?: boolean; error?: string | null; wide?: boolean; children: React.ReactNode; footer: React.ReactNode }) {
  const id = `${props.testId}-title`;
  // Esc closes the dialog wherever the focus is (also when nothing in it has the focus yet).
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close.current();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="modal-backdrop custody-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <form
        className={`modal custody-dialog ${props.wide ? 'wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={id}
        data-testid={props.testId}
        onSubmit={(e) => {
          e.preventDefault();
          if (!props.busy) props.onSubmit?.();
        }}
      >
        <header>
          <h2 id={id}>{props.title}</h2>
        </header>
        <div className="custody-dialog-body">
          {props.children}
          {props.error && (
            <div className="banner error" role="alert" data-testid={`${props.testId}-error`}>
              ⚠ {props.error}
            </div>
          )}
        </div>
        <footer>{props.footer}</footer>
      </form>
    </div>
  );
}

function Buttons(props: { submit: string; busy?: boolean; disabled?: boolean; onClose: () => void; testId: string }) {
  const { t } = useTranslation();
  return (
    <>
      <button type="button" className="btn-quiet" onClick={props.onClose}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="btn-primary" disabled={props.busy || props.disabled} data-testid={`${props.testId}-submit`}>
        {props.busy ? t('common.working') : props.submit}
      </button>
    </>
  );
}

/** The chain-of-custody form as the engine prints it; Print prints this form alone (custody.css). */
export function FormDialog(props: { casePath: string; exhibit: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getClient()
      .call('custodyForm', { casePath: props.casePath, exhibit: props.exhibit })
      .then(setText, (e: Error) => setError(e.message));
  }, [props.casePath, props.exhibit]);
  return (
    <Dialog
      title={t('custodyUi.form.title', { n: props.exhibit })}
      testId="custody-form"
      onClose={props.onClose}
      error={error}
      wide
      footer={
        <>
          <button type="button" className="btn-quiet" onClick={props.onClose}>
            {t('custodyUi.form.close')}
          </button>
          <button type="button" className="btn-primary" onClick={() => window.print()} disabled={text === null} data-testid="custody-form-print">
            ⎙ {t('custodyUi.form.print')}
          </button>
        </>
      }
    >
      {text === null && !error ? <p className="muted">{t('common.loading')}</p> : <pre className="custody-form-text" data-testid="custody-form-text">{text}</pre>}
    </Dialog>
  );
}

export function TransferDialog(props: { casePath: string; session: string; me: string; exhibit: Exhibit; onClose: () => void; onDone: (note: DoneNote) => void }) {
  const { t } = useTranslation();
  const [officers, setOfficers] = useState<Output<'listOfficers'>>([]);
  const [to, setTo] = useState('');
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    first.current?.focus();
    getClient()
      .call('listOfficers', { casePath: props.casePath })
      .then((o) => setOfficers(o.filter((x) => x.name !== props.me && x.status === 'active' && x.role !== 'reviewer')), (e: Error) => setError(e.message));
  }, [props.casePath, props.me]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    const client = getClient();
    let toSession: string | null = null;
    try {
      toSession = (await client.call('signIn', { casePath: props.casePath, officer: to, password })).session;
      const ev = await client.call('transferCustody', { session: props.session, toSession, exhibit: props.exhibit.number, reason: reason.trim() });
      props.onDone([{ key: 'custodyUi.transfer.done', opts: { n: props.exhibit.number, to, seq: ev.seq } }]);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      // The receiving officer's session served this one signature: close it (a checkpoint, as the CLI does).
      if (toSession) await client.call('signOut', { session: toSession }).catch(() => undefined);
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('custodyUi.transfer.title', { n: props.exhibit.number })}
      testId="transfer-dialog"
      onClose={props.onClose}
      onSubmit={() => void submit()}
      busy={busy}
      error={error}
      footer={<Buttons submit={t('custodyUi.transfer.submit')} busy={busy} disabled={!to || !password || !reason.trim()} onClose={props.onClose} testId="transfer" />}
    >
      <p className="small">{t('custodyUi.transfer.explain')}</p>
      <label>
        {t('custodyUi.transfer.to')}
        <select ref={first} value={to} onChange={(e) => setTo(e.target.value)} required data-testid="transfer-to">
          <option value="">{t('custodyUi.transfer.choose')}</option>
          {officers.map((o) => (
            <option key={o.name} value={o.name}>
              {o.name} ({t(`roles.${o.role}`, o.role)})
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('custodyUi.transfer.password')}
        <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} required data-testid="transfer-password" />
      </label>
      <label>
        {t('custodyUi.transfer.reason')}
        <textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required data-testid="transfer-reason" />
      </label>
    </Dialog>
  );
}

export function SealDialog(props: { session: string; exhibit: Exhibit; action: 'broken' | 'resealed'; onClose: () => void; onDone: (note: DoneNote) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [seal, setSeal] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reseal = props.action === 'resealed';
  const n = props.exhibit.number;
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const ev = await getClient().call('recordSeal', { session: props.session, exhibit: n, action: props.action, reason: reason.trim(), newSeal: reseal ? seal.trim() : null });
      props.onDone([reseal ? { key: 'custodyUi.seal.resealed', opts: { n, seal: seal.trim(), seq: ev.seq } } : { key: 'custodyUi.seal.broken', opts: { n, seq: ev.seq } }]);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={reseal ? t('custodyUi.seal.resealTitle', { n }) : t('custodyUi.seal.breakTitle', { n })}
      testId="seal-dialog"
      onClose={props.onClose}
      onSubmit={() => void submit()}
      busy={busy}
      error={error}
      footer={
        <Buttons
          submit={reseal ? t('custodyUi.seal.submitReseal') : t('custodyUi.seal.submitBreak')}
          busy={busy}
          disabled={!reason.trim() || (reseal && !seal.trim())}
          onClose={props.onClose}
          testId="seal"
        />
      }
    >
      {reseal && (
        <label>
          {t('custodyUi.seal.newSeal')}
          <input autoFocus value={seal} onChange={(e) => setSeal(e.target.value)} required data-testid="seal-new" />
        </label>
      )}
      <label>
        {t('custodyUi.seal.reason')}
        <textarea autoFocus={!reseal} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required data-testid="seal-reason" />
      </label>
    </Dialog>
  );
}

export function CheckpointDialog(props: { session: string; onClose: () => void; onDone: (note: DoneNote) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const cp = await getClient().call('checkpoint', { session: props.session, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      const note: DoneNote = [{ key: 'custodyUi.checkpoint.done', opts: { seq: cp.seq, code: cp.receipt.code } }];
      if (cp.receipt.failed.length) note.push({ key: 'custodyUi.checkpoint.failed', opts: { n: cp.receipt.failed.length, where: cp.receipt.failed.map((f) => f.folder).join(', ') } });
      props.onDone(note);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t('custodyUi.checkpoint.title')}
      testId="checkpoint-dialog"
      onClose={props.onClose}
      onSubmit={() => void submit()}
      busy={busy}
      error={error}
      footer={<Buttons submit={t('custodyUi.checkpoint.submit')} busy={busy} onClose={props.onClose} testId="checkpoint" />}
    >
      <p className="small">{t('custodyUi.checkpoint.explain')}</p>
      <label>
        {t('custodyUi.checkpoint.reason')}
        <textarea autoFocus rows={2} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="checkpoint-reason" />
      </label>
    </Dialog>
  );
}
