// A path field with a Browse button: the native dialog in the desktop app, a folder picker over
// the browser host's /api/ui/folders in a plain browser (where a web page cannot see paths).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type FolderListing, getClient } from './api.ts';
import { formatBytes } from './format.ts';

export function PathField(props: {
  value: string;
  onChange: (v: string) => void;
  kind: 'folder' | 'file' | 'either';
  testId: string;
  required?: boolean;
}) {
  const { t } = useTranslation();
  const client = getClient();
  const [picking, setPicking] = useState(false);
  const browse = async () => {
    if (client.chooseNative) {
      const p = await client.chooseNative(props.kind === 'file' ? 'file' : 'folder');
      if (p) props.onChange(p);
    } else {
      setPicking(true);
    }
  };
  return (
    <span className="path-field">
      <input
        data-testid={props.testId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        required={props.required}
        spellCheck={false}
        className="mono"
        placeholder={props.kind === 'folder' ? '/cases/op-sakura' : '/media/usb/phone-export'}
      />
      <button type="button" onClick={browse} data-testid={`${props.testId}-browse`}>
        {t('common.browse')}
      </button>
      {picking && (
        <FolderPicker
          start={props.value || null}
          allowFiles={props.kind !== 'folder'}
          onCancel={() => setPicking(false)}
          onPick={(p) => {
            props.onChange(p);
            setPicking(false);
          }}
        />
      )}
    </span>
  );
}

export function FolderPicker(props: { start: string | null; allowFiles: boolean; onPick: (p: string) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const client = getClient();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);

  const load = async (path: string | null) => {
    setError(null);
    try {
      setListing(await client.listFolder!(path));
    } catch (err) {
      if (path !== null) {
        // The typed path may not exist yet (a new case folder): show its parent instead.
        const parent = path.replace(/\/[^/]*\/?$/, '') || '/';
        if (parent !== path) return load(parent);
      }
      setError((err as Error).message);
    }
  };
  useEffect(() => {
    void load(props.start);
    dialog.current?.focus();
  }, []);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onCancel()}>
      <div
        className="modal picker"
        role="dialog"
        aria-modal="true"
        aria-label={t('picker.title')}
        tabIndex={-1}
        ref={dialog}
        data-testid="folder-picker"
        onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
      >
        <header>
          <h2>{t('picker.title')}</h2>
          <div className="mono small picker-path" data-testid="picker-path">
            {listing?.path ?? ''}
          </div>
        </header>
        {error && <p className="form-error">⚠ {error}</p>}
        <ul className="picker-list">
          {listing?.parent && (
            <li>
              <button type="button" onClick={() => load(listing.parent)}>
                ⬆ ..
              </button>
            </li>
          )}
          {listing?.entries
            .filter((e) => e.type === 'dir' || props.allowFiles)
            .map((e) => (
              <li key={e.path}>
                <button
                  type="button"
                  data-testid="picker-entry"
                  onClick={() => (e.type === 'dir' ? load(e.path) : props.onPick(e.path))}
                  title={e.path}
                >
                  {e.type === 'dir' ? '▸' : '·'} {e.name}
                  {e.type === 'file' && <span className="muted small"> {formatBytes(e.size)}</span>}
                </button>
              </li>
            ))}
        </ul>
        <footer>
          <button type="button" onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
          <button type="button" className="btn-primary" data-testid="picker-choose" disabled={!listing} onClick={() => listing && props.onPick(listing.path)}>
            {t('picker.chooseThis')}
          </button>
        </footer>
      </div>
    </div>
  );
}
