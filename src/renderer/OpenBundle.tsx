// Review mode in the window (issue 13): open a bundle (folder or ZIP) from the first screen, see
// its verification FIRST (green intact, or red with the plain list of what is not, and the choice
// to browse read-only anyway or go back), then browse it read-only under a "Review mode" banner:
// the same catalogue, item, previews, search and filters as a case, with nothing that changes
// anything (no ingest, tags, export or exhibits: hidden, not refused after the fact). Review notes
// are the one thing a reviewer writes, to a signed file beside the bundle (addReviewNote), listed
// with their chain checked (listReviewNotes). Closing the bundle returns to the first screen.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReviewBundle, ReviewNotes, SearchHit, Tag } from '../shared/contract.ts';
import { FAMILY_NAMES } from '../shared/outputs.ts';
import { type Output, getClient } from './api.ts';
import { BundleVerdict } from './BundleVerdict.tsx';
import { Catalogue, type CatalogueFilter } from './Catalogue.tsx';
import { PathField } from './FolderPicker.tsx';
import { formatBytes, formatCount, formatTime } from './format.ts';
import { Gallery } from './Gallery.tsx';
import { ItemDetail } from './ItemDetail.tsx';
import { filterForView, Nav, type View } from './Nav.tsx';
import { Search, type SearchState } from './Search.tsx';
import type { Signed } from './SignIn.tsx';
import { TagChip, TagsContext } from './Tags.tsx';
import './bundle.css';

/** What a signed-in "session" carries when it is a bundle opened for review. */
export interface ReviewInfo {
  bundle: ReviewBundle;
  intact: boolean;
  verdict: string;
}

/**
 * The navigation a review offers: the catalogue, search, gallery and the problem filters, all
 * answered from the bundle. Everything else (ingest, export, exhibits, suggestions, custody,
 * verify, hash sets, officers) is a case's and is not shown, rather than refused after a click.
 */
const REVIEW_NAV = ['search', 'all', ...FAMILY_NAMES, 'gallery', 'errors', 'mismatch', 'gps'];

/** The first screen's "Open a bundle": the path, the verification, then browse or go back. */
export function OpenBundle({ onOpened }: { onOpened: (s: Signed) => void }) {
  const { t } = useTranslation();
  const client = getClient();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [opened, setOpened] = useState<Output<'openBundle'> | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setOpened(await client.call('openBundle', { path }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const back = async () => {
    // Nothing was changed; the review session is simply ended.
    if (opened?.session) await client.call('closeBundle', { session: opened.session }).catch(() => undefined);
    setOpened(null);
  };

  const browse = () => {
    if (!opened?.session || !opened.bundle) return;
    onOpened({
      casePath: opened.bundle.path,
      session: opened.session,
      officer: '',
      role: 'reviewer',
      review: { bundle: opened.bundle, intact: opened.intact, verdict: opened.verdict },
    });
  };

  if (opened) {
    return (
      <div className="open-bundle-result" data-testid="bundle-opened">
        <h1>{t('bundle.open.title')}</h1>
        <BundleVerdict report={opened.verification} verdict={opened.verdict} />
        {opened.problem && (
          <p className="banner error" role="alert" data-testid="bundle-problem">
            <strong>{t('bundle.open.cannotBrowse')}:</strong> {opened.problem}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => void back()} data-testid="bundle-back">
            ← {t('bundle.open.back')}
          </button>
          {opened.session && opened.bundle && (
            <button type="button" className={opened.intact ? 'btn-primary' : ''} onClick={browse} data-testid="bundle-browse">
              {opened.intact ? t('bundle.open.browse') : t('bundle.open.browseAnyway')}
            </button>
          )}
        </div>
      </div>
    );
  }

  return (
    <>
      <h1 id="signin-title">{t('bundle.open.title')}</h1>
      <p className="muted">{t('bundle.open.help')}</p>
      <form onSubmit={submit} className="form" data-testid="bundle-form">
        <label>
          {t('bundle.open.path')}
          <PathField value={path} onChange={setPath} kind="either" testId="bundle-path" required />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="bundle-error">
            ⚠ {error}
          </p>
        )}
        <button type="submit" className="btn-primary" disabled={busy || !path.trim()} data-testid="bundle-submit">
          {busy ? t('bundle.open.checking') : t('bundle.open.submit')}
        </button>
      </form>
    </>
  );
}

/** The reviewer's name and key password, typed once per review (kept in memory only). */
interface Reviewer {
  name: string;
  password: string;
}

/** The review panel of an item: its tags and case notes as the bundle carries them, and review notes. */
function ReviewItemPanel(props: {
  path: string;
  item: Output<'getItem'>;
  notes: ReviewNotes | null;
  reviewer: Reviewer;
  setReviewer: (r: Reviewer) => void;
  onAdded: () => void;
}) {
  const { t } = useTranslation();
  const { item, reviewer } = props;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const mine = (props.notes?.files ?? []).flatMap((f) => f.notes.filter((x) => x.item === item.id).map((x) => ({ ...x, fileOk: f.ok })));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await getClient().call('addReviewNote', { path: props.path, item: item.id, text, officer: reviewer.name, password: reviewer.password });
      setText('');
      setDone(`${t('bundle.review.noteAdded', { seq: r.note.seq, file: r.file })}${r.keyCreated ? ` · ${t('bundle.review.keyCreated', { fp: r.keyFingerprint })}` : ''}`);
      props.onAdded();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section data-testid="review-item-tags">
        <h3>{t('bundle.review.tags')}</h3>
        <div className="chips">
          {item.tags.length === 0 ? <span className="muted">{t('review.tags.none')}</span> : item.tags.map((x) => <TagChip key={x.tag} tag={x} />)}
        </div>
        {item.notes.length > 0 && (
          <>
            <h3>{t('bundle.review.bundleNotes')}</h3>
            <ol className="notes">
              {item.notes.map((x) => (
                <li key={x.id} className={x.removed ? 'removed' : ''}>
                  <div className="note-head muted small">
                    {x.officer} · {formatTime(x.at)}
                  </div>
                  <div className="note-text">{x.text}</div>
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
      <section className="review-note-box" data-testid="review-note-box">
        <h3>{t('bundle.review.itemNotes')}</h3>
        {mine.length === 0 ? (
          <p className="muted small">{t('bundle.review.noNotes')}</p>
        ) : (
          <ol className="notes">
            {mine.map((x) => (
              <li key={`${x.officer}-${x.seq}`} data-testid="review-item-note">
                <div className="note-head muted small">
                  {x.officer} · {formatTime(x.at)} · #{x.seq} {x.ok && x.fileOk ? '✔' : `✖ ${t('bundle.review.noteBad')}`}
                </div>
                <div className="note-text">{x.text}</div>
              </li>
            ))}
          </ol>
        )}
        <form className="form" onSubmit={submit}>
          <label>
            {t('bundle.review.noteLabel')}
            <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} placeholder={t('bundle.review.notePlaceholder')} data-testid="review-note-text" />
          </label>
          <div className="row2">
            <label>
              {t('bundle.review.reviewer')}
              <input value={reviewer.name} onChange={(e) => props.setReviewer({ ...reviewer, name: e.target.value })} autoComplete="username" data-testid="review-note-officer" required />
            </label>
            <label>
              {t('bundle.review.password')}
              <input type="password" value={reviewer.password} onChange={(e) => props.setReviewer({ ...reviewer, password: e.target.value })} autoComplete="current-password" data-testid="review-note-password" required />
            </label>
          </div>
          <p className="muted small">{t('bundle.review.passwordHelp')}</p>
          {error && (
            <p className="form-error" role="alert" data-testid="review-note-error">
              ⚠ {error}
            </p>
          )}
          {done && (
            <p className="small ok-text" role="status" data-testid="review-note-done">
              ✔ {done}
            </p>
          )}
          <button type="submit" className="btn-small" disabled={busy || !text.trim() || !reviewer.name.trim() || !reviewer.password} data-testid="review-note-add">
            {t('bundle.review.addNote')}
          </button>
        </form>
      </section>
    </>
  );
}

/** Every reviewer's notes beside the bundle, each file's chain and signatures as the engine checked them. */
function ReviewNotesList({ notes, onOpen }: { notes: ReviewNotes | null; onOpen: (id: number) => void }) {
  const { t } = useTranslation();
  const files = notes?.files ?? [];
  return (
    <section className="page review-notes" aria-label={t('bundle.review.notes')} data-testid="review-notes">
      <div className="page-head">
        <h2>{t('bundle.review.notes')}</h2>
      </div>
      {files.length === 0 && <p className="muted">{t('bundle.review.noNotes')}</p>}
      {files.map((f) => (
        <div key={f.file} className={`card review-notes-file ${f.ok ? '' : 'bad'}`} data-testid="review-notes-file">
          <h3>
            {f.officer ?? '?'} <span className={`badge ${f.ok ? 'ok' : 'bad'}`}>{f.ok ? `✔ ${t('bundle.review.fileOk')}` : `✖ ${t('bundle.review.fileBad')}`}</span>
          </h3>
          <p className="muted small mono">
            {f.file} · {t('bundle.review.key', { fp: f.keyFingerprint ?? '?' })}
          </p>
          {f.problems.length > 0 && (
            <ul className="findings">
              {f.problems.map((x, k) => (
                <li key={k}>
                  #{x.line}: {x.message}
                </li>
              ))}
            </ul>
          )}
          <ol className="notes">
            {f.notes.map((x) => (
              <li key={x.line} data-testid="review-note">
                <div className="note-head muted small">
                  #{x.seq} · {formatTime(x.at)} ·{' '}
                  <button type="button" className="bundle-link" onClick={() => onOpen(x.item)}>
                    {t('bundle.review.item', { id: x.item })}
                  </button>{' '}
                  <span className="mono">{x.file}</span> {x.ok ? '✔' : `✖ ${t('bundle.review.noteBad')}`}
                </div>
                <div className="note-text">{x.text}</div>
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

/** The workspace of a bundle under review: read-only, with the banner always in view. */
export function ReviewWorkspace({ signed, review, onClosed, toggles }: { signed: Signed; review: ReviewInfo; onClosed: () => void; toggles: React.ReactNode }) {
  const { t, i18n } = useTranslation();
  const client = getClient();
  const path = signed.casePath;
  const [view, setView] = useState<View | { kind: 'review-notes' }>({ kind: 'catalogue', preset: 'all' });
  const [filter, setFilter] = useState<CatalogueFilter>({});
  const [openId, setOpenId] = useState<number | null>(null);
  const [overview, setOverview] = useState<Output<'caseOverview'> | null>(null);
  const [exhibits, setExhibits] = useState<Output<'listExhibits'>>([]);
  const [tags, setTags] = useState<Tag[]>([]);
  const [notes, setNotes] = useState<ReviewNotes | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [searchState, setSearchState] = useState<SearchState>({ query: '' });
  const [hit, setHit] = useState<{ hit: SearchHit; query: string } | null>(null);
  const [reviewer, setReviewer] = useState<Reviewer>({ name: '', password: '' });

  const loadNotes = useCallback(() => {
    client.call('listReviewNotes', { path }).then(setNotes, (err: Error) => setError(err.message));
  }, [client, path]);
  useEffect(() => {
    Promise.all([client.call('caseOverview', { casePath: path }), client.call('listExhibits', { casePath: path }), client.call('listTags', { session: signed.session })]).then(
      ([o, x, tg]) => {
        setOverview(o);
        setExhibits(x);
        setTags(tg);
      },
      (err: Error) => setError(err.message),
    );
    loadNotes();
  }, [client, path, signed.session, loadNotes]);
  const tagsState = useMemo(() => ({ tags, reload: () => undefined }), [tags]);

  const choose = (v: View) => {
    setView(v);
    if (v.kind !== view.kind) setOpenId(null);
    setHit(null);
    const f = filterForView(v);
    if (f) setFilter(f);
  };

  const close = async () => {
    await client.call('closeBundle', { session: signed.session }).catch(() => undefined);
    onClosed();
  };

  const noteCount = (notes?.files ?? []).reduce((a, f) => a + f.notes.length, 0);
  const b = review.bundle;
  const renderMain = () => {
    switch (view.kind) {
      case 'review-notes':
        return <ReviewNotesList notes={notes} onOpen={setOpenId} />;
      case 'search':
        return (
          <Search
            session={signed.session}
            exhibits={exhibits}
            state={searchState}
            setState={setSearchState}
            openId={openId}
            onOpen={(h, query) => {
              setHit(h ? { hit: h, query } : null);
              setOpenId(h?.id ?? null);
            }}
          />
        );
      case 'gallery':
        return <Gallery signed={signed} filter={filter} reloadKey={0} onOpen={setOpenId} />;
      default:
        // No session given: the catalogue offers no tagging of a selection.
        return <Catalogue casePath={path} filter={filter} setFilter={setFilter} exhibits={exhibits} reloadKey={0} openId={openId} onOpen={setOpenId} />;
    }
  };

  return (
    <TagsContext.Provider value={tagsState}>
      <div className={`workspace review-mode ${openId !== null ? 'with-detail' : ''}`} data-testid="review-workspace">
        <header className="case-header review-header" data-testid="case-header">
          <div className="review-banner" role="status" data-testid="review-banner" title={t('bundle.review.bannerHelp')}>
            ◉ {t('bundle.review.banner')}
          </div>
          <div className="case-id">
            <span className="case-number" data-testid="case-number-label">
              {b.case.number}
            </span>
            <span className="case-name" data-testid="case-name-label">
              {b.case.name}
            </span>
          </div>
          <dl className="case-facts">
            <div>
              <dt>{t('bundle.review.exportedBy')}</dt>
              <dd>{b.exportedBy.name}</dd>
            </div>
            <div>
              <dt>{t('header.items')}</dt>
              <dd data-testid="header-items">
                {formatCount(b.items, i18n.language)} · {formatBytes(b.bytes)}
              </dd>
            </div>
          </dl>
          <span className={`badge ${review.intact ? 'ok' : 'bad'}`} title={review.verdict} data-testid="review-intact">
            {review.intact ? `✔ ${t('bundle.verify.intact')}` : `✖ ${t('bundle.review.notIntact')}`}
          </span>
          <div className="spacer" />
          <button type="button" className={`btn-quiet ${view.kind === 'review-notes' ? 'active' : ''}`} onClick={() => setView({ kind: 'review-notes' })} data-testid="nav-review-notes">
            ✎ {t('bundle.review.notesCount', { n: formatCount(noteCount, i18n.language) })}
          </button>
          {toggles}
          <button type="button" className="btn-quiet" onClick={() => void close()} data-testid="close-bundle">
            {t('bundle.review.close')}
          </button>
        </header>
        <Nav view={view.kind === 'review-notes' ? { kind: 'catalogue', preset: 'all' } : view} onChoose={choose} overview={overview} tags={tags} only={REVIEW_NAV} />
        <main className="main-pane">
          <p className="banner review-explain small">{t('bundle.review.bannerHelp')}</p>
          {error && (
            <div className="banner error" role="alert">
              ⚠ {error}
            </div>
          )}
          {renderMain()}
        </main>
        {openId !== null && (
          <ItemDetail
            key={openId}
            signed={signed}
            id={openId}
            hit={hit?.hit.id === openId ? hit : null}
            onClose={() => setOpenId(null)}
            review={(item) => <ReviewItemPanel path={path} item={item} notes={notes} reviewer={reviewer} setReviewer={setReviewer} onAdded={loadNotes} />}
          />
        )}
      </div>
    </TagsContext.Provider>
  );
}
