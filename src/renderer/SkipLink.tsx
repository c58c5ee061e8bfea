// "Skip to the items" (issue 14, keyboard): the first Tab stop of the workspace. Shown only when
// focused; Enter moves the focus straight to the catalogue's table (or the gallery's first tile,
// or the main pane of any other screen) instead of ~30 Tabs through the header and navigation.
import { useTranslation } from 'react-i18next';
import './trip.css';

function target(): HTMLElement | null {
  return (
    document.querySelector<HTMLElement>('[data-testid="catalogue-table"]') ??
    document.querySelector<HTMLElement>('[data-testid="tile"]') ??
    document.querySelector<HTMLElement>('main')
  );
}

export function SkipLink() {
  const { t } = useTranslation();
  return (
    <a
      href="#main"
      className="skip-link"
      data-testid="skip-link"
      onClick={(e) => {
        // In-page only: the focus moves, the page does not navigate.
        e.preventDefault();
        const el = target();
        if (!el) return;
        if (el.tagName === 'MAIN' && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
        el.focus();
      }}
    >
      {t('trip.skipToTable')}
    </a>
  );
}
