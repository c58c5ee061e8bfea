// Left navigation with counts: the catalogue by family of types, problems, GPS, the gallery,
// exhibits and ingest. Counts come from caseOverview (SQL aggregates in the engine).
import { useTranslation } from 'react-i18next';
import type { Tag } from '../shared/contract.ts';
import { FAMILY_NAMES } from '../shared/outputs.ts';
import type { Output } from './api.ts';
import type { CatalogueFilter } from './Catalogue.tsx';
import { formatCount } from './format.ts';
import { tagLabel } from './Tags.tsx';

export type Family = 'images' | 'videos' | 'audio' | 'documents' | 'spreadsheets' | 'archives' | 'databases' | 'chats' | 'other';
export type Preset = 'all' | Family | 'errors' | 'mismatch' | 'gps' | 'knownBad';
export type View = { kind: 'catalogue'; preset: Preset } | { kind: 'gallery' } | { kind: 'exhibits' } | { kind: 'ingest' }
  // The review screens (issue 14): search, the suggestions queue, and the items of one tag.
  | { kind: 'search' }
  | { kind: 'suggestions' }
  | { kind: 'tagged'; tag: string }
  // Bundles for prosecutors (issue 13): the Export wizard.
  | { kind: 'export' }
  // Verify and the custody log (issue 14 items 6-7).
  | { kind: 'verify' }
  // Hash sets and officers (issue 14 item 8).
  | { kind: 'hashsets' }
  | { kind: 'officers' }
  | { kind: 'custody' };

/**
 * The catalogue filter a navigation entry stands for (null: the entry keeps the current filter).
 * One mapping for the case's workspace and the bundle review's, so an entry filters alike in both.
 */
export function filterForView(v: View): CatalogueFilter | null {
  if (v.kind === 'tagged') return { tag: v.tag };
  if (v.kind === 'gallery') return { family: 'images' };
  if (v.kind !== 'catalogue') return null;
  if (v.preset === 'errors') return { errors: true };
  if (v.preset === 'mismatch') return { mismatch: true };
  if (v.preset === 'gps') return { hasGps: true };
  if (v.preset === 'knownBad') return { knownBad: true };
  if ((FAMILY_NAMES as readonly string[]).includes(v.preset)) return { family: v.preset as Family };
  return {};
}

const FAMILY_ICONS: Record<Family, string> = {
  images: '▣',
  videos: '▶',
  audio: '♪',
  documents: '¶',
  spreadsheets: '▦',
  archives: '▤',
  databases: '◫',
  chats: '✉',
  other: '•',
};

export function Nav({
  view,
  onChoose,
  overview,
  tags = [],
  pending,
  hidden = [],
  only,
  knownBad,
}: {
  view: View;
  onChoose: (v: View) => void;
  overview: Output<'caseOverview'> | null;
  /** The case's tags with their counts (the "Tagged" view). */
  tags?: Tag[];
  /** Suggestions waiting for a decision. */
  pending?: number;
  /** Entries not offered (e.g. what the officer's role may not do). */
  hidden?: string[];
  /** Only these entries (a bundle under review offers only what it can do: the catalogue, search, gallery, filters). */
  only?: string[];
  /** Items in a known-bad hash set (undefined: the case has none): an alert. */
  knownBad?: number;
}) {
  const { t, i18n } = useTranslation();
  const n = (x: number | undefined) => formatCount(x, i18n.language);
  const isPreset = (p: Preset) => view.kind === 'catalogue' && view.preset === p;
  const item = (key: string, label: string, icon: string, count: number | undefined, active: boolean, go: () => void, alert = false) =>
    hidden.includes(key) || (only && !only.includes(key)) ? null : (
    <li key={key}>
      <button type="button" className={`nav-item ${active ? 'active' : ''}`} aria-current={active ? 'page' : undefined} onClick={go} data-testid={`nav-${key}`}>
        <span className="nav-icon" aria-hidden="true">
          {icon}
        </span>
        <span className="nav-label">{label}</span>
        {count !== undefined && <span className={`nav-count ${alert && count > 0 ? 'alert' : ''}`}>{n(count)}</span>}
      </button>
    </li>
  );
  return (
    <nav className="nav" aria-label={t('nav.label')}>
      {/* A bundle under review offers none of the case's screens. */}
      {!only && <h3>{t('nav.case')}</h3>}
      <ul>
        {item('exhibits', t('nav.exhibits'), '◈', overview?.exhibits, view.kind === 'exhibits', () => onChoose({ kind: 'exhibits' }))}
        {item('ingest', t('nav.ingest'), '⇩', undefined, view.kind === 'ingest', () => onChoose({ kind: 'ingest' }))}
        {item('export', t('bundle.nav.export'), '⇪', undefined, view.kind === 'export', () => onChoose({ kind: 'export' }))}
        {item('custody', t('custodyUi.nav.custody'), '§', undefined, view.kind === 'custody', () => onChoose({ kind: 'custody' }))}
        {item('verify', t('custodyUi.nav.verify'), '✔', undefined, view.kind === 'verify', () => onChoose({ kind: 'verify' }))}
        {item('hashsets', t('admin.nav.hashsets'), '#', undefined, view.kind === 'hashsets', () => onChoose({ kind: 'hashsets' }))}
        {item('officers', t('admin.nav.officers'), '☺', undefined, view.kind === 'officers', () => onChoose({ kind: 'officers' }))}
      </ul>
      <h3>{t('nav.catalogue')}</h3>
      <ul>
        {item('search', t('review.nav.search'), '⌕', undefined, view.kind === 'search', () => onChoose({ kind: 'search' }))}
        {item('all', t('nav.all'), '☰', overview?.items, isPreset('all'), () => onChoose({ kind: 'catalogue', preset: 'all' }))}
        {FAMILY_NAMES.map((f) => item(f, t(`families.${f}`), FAMILY_ICONS[f], overview?.families[f], isPreset(f), () => onChoose({ kind: 'catalogue', preset: f })))}
        {item('gallery', t('nav.gallery'), '▩', overview?.families.images, view.kind === 'gallery', () => onChoose({ kind: 'gallery' }))}
      </ul>
      <h3>{t('nav.review')}</h3>
      <ul>
        {knownBad !== undefined && knownBad > 0 && item('knownBad', t('admin.nav.knownBad'), '☣', knownBad, isPreset('knownBad'), () => onChoose({ kind: 'catalogue', preset: 'knownBad' }), true)}
        {item('errors', t('nav.errors'), '⚠', overview?.errors, isPreset('errors'), () => onChoose({ kind: 'catalogue', preset: 'errors' }), true)}
        {item('mismatch', t('nav.mismatch'), '≠', overview?.mismatches, isPreset('mismatch'), () => onChoose({ kind: 'catalogue', preset: 'mismatch' }), true)}
        {item('gps', t('nav.gps'), '◎', overview?.gps, isPreset('gps'), () => onChoose({ kind: 'catalogue', preset: 'gps' }))}
        {item('suggestions', t('review.nav.suggestions'), '✦', pending, view.kind === 'suggestions', () => onChoose({ kind: 'suggestions' }), true)}
      </ul>
      <h3>{t('review.nav.tagged')}</h3>
      <ul data-testid="nav-tagged">
        {tags.filter((x) => x.count > 0).length === 0 && <li className="muted small nav-empty">{t('review.nav.noTags')}</li>}
        {tags
          .filter((x) => x.count > 0)
          .map((x) => (
            <li key={x.id}>
              <button
                type="button"
                className={`nav-item ${view.kind === 'tagged' && view.tag === x.id ? 'active' : ''}`}
                aria-current={view.kind === 'tagged' && view.tag === x.id ? 'page' : undefined}
                onClick={() => onChoose({ kind: 'tagged', tag: x.id })}
                data-testid={`nav-tag-${x.id}`}
              >
                <span className="nav-icon" aria-hidden="true">
                  <span className="tag-dot" style={{ background: x.colour }} />
                </span>
                <span className="nav-label">{tagLabel(x, i18n.language)}</span>
                <span className="nav-count" data-testid="nav-tag-count">{n(x.count)}</span>
              </button>
            </li>
          ))}
      </ul>
    </nav>
  );
}
