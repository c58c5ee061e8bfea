// The app: sign-in (first run, open or create a case) and, once signed in, the workspace in the
// layout officers know from forensic tools (DESIGN.md section 10): the case header always in
// view, navigation with counts on the left, the catalogue (table or gallery) in the centre with
// its filters, the selected item's detail on the right. Long work (ingest) runs as a job and
// reports by events, so the window never blocks.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { methodNames } from '../shared/contract.ts';
import { getClient } from './api.ts';
import { FolderTree } from './FolderTree.tsx';
import { Catalogue, type CatalogueFilter } from './Catalogue.tsx';
import { CaseHeader } from './CaseHeader.tsx';
import { setDisplayZone } from './format.ts';
import { SkipLink } from './SkipLink.tsx';
import { FirstSteps } from './FirstSteps.tsx';
import { Custody } from './Custody.tsx';
import { Exhibits } from './Exhibits.tsx';
import { Export, useExportJob } from './Export.tsx';
import { ReviewWorkspace } from './OpenBundle.tsx';
import { Gallery } from './Gallery.tsx';
import { Ingest, useIngestJob } from './Ingest.tsx';
import { ItemDetail } from './ItemDetail.tsx';
import { filterForView, Nav, type View } from './Nav.tsx';
import { SignIn, type Signed } from './SignIn.tsx';
import { Search, type SearchState } from './Search.tsx';
import { Suggestions } from './Suggestions.tsx';
import { FilesBadge, Verify, useLastVerify, useVerifyJob } from './Verify.tsx';
import { TagsContext } from './Tags.tsx';
import { Hashsets, useHashsetCounts } from './Hashsets.tsx';
import { Officers } from './Officers.tsx';
import { hiddenNav } from './abilities.ts';
import { can } from '../shared/roles.ts';
import type { SearchHit, Tag } from '../shared/contract.ts';
import type { Output } from './api.ts';
import { setLanguage } from './i18n.ts';

/** How many engine methods the bridge offers (the contract's, not the shell's extras). */
export function bridgeMethodCount(w: Pick<Window, 'evidence'>): number {
  const e = w.evidence as unknown as Record<string, unknown> | undefined;
  return e ? methodNames.filter((m) => typeof e[m] === 'function').length : 0;
}

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('evidence.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function savedSession(): Signed | null {
  try {
    const s = JSON.parse(sessionStorage.getItem('evidence.signed') ?? 'null') as Signed | null;
    return s && typeof s.session === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function App() {
  const { t, i18n } = useTranslation();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [signed, setSigned] = useState<Signed | null>(savedSession);
  const client = getClient();

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('evidence.theme', theme);
  }, [theme]);
  useEffect(() => {
    document.documentElement.lang = i18n.language;
  }, [i18n.language]);

  const onSigned = useCallback((s: Signed | null) => {
    if (s) sessionStorage.setItem('evidence.signed', JSON.stringify(s));
    else sessionStorage.removeItem('evidence.signed');
    setSigned(s);
  }, []);

  const toggles = (
    <div className="toggles">
      <button
        type="button"
        className="btn-quiet"
        data-testid="theme-toggle"
        onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        title={t('app.themeTitle')}
      >
        {theme === 'dark' ? `☀ ${t('app.light')}` : `☾ ${t('app.dark')}`}
      </button>
      <label className="lang">
        <span className="sr-only">{t('app.language')}</span>
        <select data-testid="language" value={i18n.language.startsWith('ja') ? 'ja' : 'en'} onChange={(e) => setLanguage(e.target.value)}>
          <option value="en">English</option>
          <option value="ja">日本語</option>
        </select>
      </label>
    </div>
  );

  const methods = bridgeMethodCount(window);
  return (
    <div className="app">
      {signed?.review ? (
        <ReviewWorkspace signed={signed} review={signed.review} onClosed={() => onSigned(null)} toggles={toggles} />
      ) : signed ? (
        <Workspace signed={signed} onSignOut={() => onSigned(null)} toggles={toggles} />
      ) : (
        <SignIn onSigned={onSigned} toggles={toggles} />
      )}
      <footer className="app-status" data-testid="app-status">
        <span>
          <strong data-testid="app-name">{__APP_NAME__}</strong> <span data-testid="app-version">version {__APP_VERSION__}</span>
        </span>
        <span>{t('app.offline')}</span>
        <span data-testid="bridge-status">
          {client.kind === 'electron'
            ? methods > 0
              ? `Engine ready (${methods} methods)`
              : 'Engine not connected'
            : t('app.browserHost')}
        </span>
      </footer>
    </div>
  );
}

type CaseInfo = Output<'caseInfo'>;
type Overview = Output<'caseOverview'>;
type Custody = Output<'verifyCustody'>;

function Workspace({ signed, onSignOut, toggles }: { signed: Signed; onSignOut: () => void; toggles: React.ReactNode }) {
  const { t } = useTranslation();
  const client = getClient();
  const [info, setInfo] = useState<CaseInfo | null>(null);
  const [overview, setOverview] = useState<Overview | null>(null);
  const [custody, setCustody] = useState<Custody | null>(null);
  const [view, setView] = useState<View>({ kind: 'catalogue', preset: 'all' });
  const [filter, setFilter] = useState<CatalogueFilter>({});
  const [openId, setOpenId] = useState<number | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  // Hash sets (issue 14 item 8): known-bad items counted for the navigation's alert; known-good
  // items hidden from the catalogue and gallery unless the officer shows them.
  const [hashsetKey, setHashsetKey] = useState(0);
  const hashsetCounts = useHashsetCounts(signed.casePath, `${reloadKey}:${hashsetKey}`);
  const [showKnownGood, setShowKnownGood] = useState(false);
  const hideKnownGood = hashsetCounts.knownGood > 0 && !showKnownGood;
  const viewFilter = useMemo<CatalogueFilter>(() => (hideKnownGood ? { ...filter, knownGood: false } : filter), [filter, hideKnownGood]);
  const [exhibits, setExhibits] = useState<Output<'listExhibits'>>([]);
  const [error, setError] = useState<string | null>(null);
  const casePath = signed.casePath;
  // The review screens (issue 14): the case's tags with counts, suggestions waiting, the search
  // box's state (kept while the officer looks at a hit) and the hit an item was opened at.
  const [tags, setTags] = useState<Tag[]>([]);
  const [pending, setPending] = useState<number | undefined>(undefined);
  const [searchState, setSearchState] = useState<SearchState>({ query: '' });
  const [hit, setHit] = useState<{ hit: SearchHit; query: string } | null>(null);
  const refreshReview = useCallback(async () => {
    try {
      const [tg, sg] = await Promise.all([
        client.call('listTags', { session: signed.session }),
        client.call('listSuggestions', { casePath, status: 'pending', limit: 1 }),
      ]);
      setTags(tg);
      setPending(sg.total);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client, casePath, signed.session]);
  const tagsState = useMemo(() => ({ tags, reload: () => void refreshReview() }), [tags, refreshReview]);

  const refresh = useCallback(async () => {
    try {
      const [i, o, x] = await Promise.all([
        client.call('caseInfo', { casePath }),
        client.call('caseOverview', { casePath }),
        client.call('listExhibits', { casePath }),
      ]);
      // Every time of the case is shown in the case's zone from now on (format.ts).
      setDisplayZone(i.timeZone);
      setInfo(i);
      setOverview(o);
      setExhibits(x);
      setCustody(await client.call('verifyCustody', { casePath }));
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client, casePath]);

  // The whole-case counts, the tags and the suggestions: asked for once the catalogue's first
  // rows are in (or after 1.5 s on another screen), so rows come first.
  const [rowsReady, setRowsReady] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setRowsReady(true), 1500);
    return () => clearTimeout(t);
  }, []);
  useEffect(() => {
    if (rowsReady) void refresh();
  }, [refresh, rowsReady]);
  // The tags and the suggestions waiting too (a count of the pending suggestions takes 0.1-0.3 s
  // at 1,000,000 items, and the host answers one call at a time): after the first rows.
  useEffect(() => {
    if (rowsReady) void refreshReview();
  }, [refreshReview, rowsReady]);
  const onFirstRows = useCallback(() => setRowsReady(true), []);

  const job = useIngestJob(client, () => {
    void refresh();
    void refreshReview();
    setReloadKey((k) => k + 1);
  });

  // The export job (issue 13) lives here too, so leaving the wizard does not lose its progress.
  const exportJob = useExportJob(client);
  const [exportIds, setExportIds] = useState<number[] | undefined>(undefined);

  // Verify and the custody log (issue 14 items 6-7): the verify job lives here so leaving the
  // screen does not lose it; the header's files badge reads the engine's last verify.run event;
  // a click on the broken chain opens the log at the event.
  const [verifiedKey, setVerifiedKey] = useState(0);
  const verifyJob = useVerifyJob(client, () => {
    void refresh();
    setVerifiedKey((k) => k + 1);
  });
  const lastVerify = useLastVerify(client, casePath, verifiedKey);
  const [custodyFocus, setCustodyFocus] = useState<{ seq: number; nonce: number } | null>(null);
  const showEvent = (seq: number) => {
    setCustodyFocus({ seq, nonce: Date.now() });
    setView({ kind: 'custody' });
  };

  const choose = (v: View) => {
    if (v.kind === 'custody') setCustodyFocus(null);
    if (v.kind === 'export') setExportIds(undefined);
    setView(v);
    if (v.kind !== view.kind) setOpenId(null);
    setHit(null);
    const f = filterForView(v);
    if (f) setFilter(f);
  };

  const signOut = async () => {
    try {
      await client.call('signOut', { session: signed.session });
    } catch {
      /* the session may be gone already (host restarted) */
    }
    onSignOut();
  };

  const renderMain = () => {
    switch (view.kind) {
      case 'exhibits':
        return <Exhibits signed={signed} exhibits={exhibits} onChanged={refresh} onIngest={() => setView({ kind: 'ingest' })} />;
      case 'export':
        return <Export signed={signed} exhibits={exhibits} job={exportJob} preset={{ search: searchState.query, ids: exportIds }} />;
      case 'ingest':
        return <Ingest signed={signed} exhibits={exhibits} job={job} onOpenCatalogue={() => choose({ kind: 'catalogue', preset: 'all' })} onExhibitsChanged={refresh} onReviewSuggestions={() => choose({ kind: 'suggestions' })}
            onRecordExhibit={() => choose({ kind: 'exhibits' })}
            onOpenPath={(path) => {
              choose({ kind: 'catalogue', preset: 'all' });
              setFilter({ pathContains: path });
            }}
          />;
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
      case 'suggestions':
        return (
          <Suggestions
            casePath={casePath}
            session={signed.session}
            openId={openId}
            onOpen={setOpenId}
            onChanged={() => void refreshReview()}
          />
        );
      case 'verify':
        return <Verify session={signed.session} job={verifyJob} openId={openId} onOpenItem={setOpenId} onShowEvent={showEvent} />;
      case 'custody':
        return (
          <Custody
            casePath={casePath}
            session={signed.session}
            me={signed.officer}
            role={signed.role}
            exhibits={exhibits}
            report={custody}
            focus={custodyFocus}
            onOpenItem={setOpenId}
            onChanged={() => {
              void refresh();
              setVerifiedKey((k) => k + 1);
            }}
          />
        );
      case 'hashsets':
        return <Hashsets signed={signed} onChanged={() => setHashsetKey((k) => k + 1)} onShowKnownBad={() => choose({ kind: 'catalogue', preset: 'knownBad' })} />;
      case 'officers':
        return <Officers signed={signed} />;
      case 'gallery':
        return <Gallery signed={signed} filter={viewFilter} reloadKey={reloadKey + hashsetKey} onOpen={setOpenId} openId={openId} />;
      default:
        return (
          <>
          {info?.items === 0 && (
            <FirstSteps role={signed.role} exhibits={exhibits.length} onRecordExhibit={() => choose({ kind: 'exhibits' })} onIngest={() => choose({ kind: 'ingest' })} />
          )}
          <div className="with-tree">
          <FolderTree
            casePath={casePath}
            reloadKey={reloadKey}
            value={{ source: filter.source, folder: filter.folder, folderDeep: filter.folderDeep }}
            onChange={(c) => setFilter({ ...filter, source: c.source, folder: c.folder, folderDeep: c.folderDeep })}
          />
          <Catalogue
            casePath={casePath}
            filter={viewFilter}
            setFilter={({ knownGood: _shownOrHidden, ...f }) => setFilter(f)}
            exhibits={exhibits}
            reloadKey={reloadKey + hashsetKey}
            canTag={can(signed.role, 'tag')}
            knownGood={hashsetCounts.knownGood > 0 ? { hidden: hashsetCounts.knownGood, shown: showKnownGood, onToggle: setShowKnownGood } : undefined}
            openId={openId}
            onOpen={setOpenId}
            onFirstRows={onFirstRows}
            session={signed.session}
            onExport={
              can(signed.role, 'export')
                ? (ids) => {
                    setExportIds(ids);
                    setView({ kind: 'export' });
                    setOpenId(null);
                  }
                : undefined
            }
          />
          </div>
          </>
        );
    }
  };

  const withDetail = openId !== null && view.kind !== 'exhibits' && view.kind !== 'ingest' && view.kind !== 'export';
  return (
    <TagsContext.Provider value={tagsState}>
    <div className={`workspace ${withDetail ? 'with-detail' : ''}`}>
      <SkipLink />
      <CaseHeader info={info} signed={signed} custody={custody} job={job.state} onSignOut={signOut} toggles={toggles}
        onShowIngest={() => setView({ kind: 'ingest' })}
        onZoneChanged={() => void refresh()}
        onShowBroken={showEvent}
        files={<FilesBadge last={lastVerify} job={verifyJob.state} onShow={() => choose({ kind: 'verify' })} />}
      />
      <Nav view={view} onChoose={choose} overview={overview} tags={tags} pending={pending} hidden={hiddenNav(signed.role)} knownBad={hashsetCounts.knownBad} />
      <main className="main-pane">
        {error && (
          <div className="banner error" role="alert">
            ⚠ {error}
          </div>
        )}
        {!can(signed.role, 'tag') && (
          <p className="banner notice read-only-note" data-testid="read-only-note">
            ⓘ {t('admin.readOnly', { role: t(`roles.${signed.role}`, { defaultValue: signed.role }) })}
          </p>
        )}
        {renderMain()}
      </main>
      {withDetail && openId !== null && (
        <ItemDetail
          key={openId}
          signed={signed}
          id={openId}
          hit={hit?.hit.id === openId ? hit : null}
          onClose={() => setOpenId(null)}
        />
      )}
    </div>
    </TagsContext.Provider>
  );
}
