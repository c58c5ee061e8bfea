// i18next with the two languages bundled (no loading from anywhere). The choice is remembered.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en, ja } from './locales.ts';
import { reviewEn, reviewJa } from './locales.review.ts';
import { mediaEn, mediaJa } from './locales.media.ts';
import { treeEn, treeJa } from './locales.tree.ts';
import { bundleEn, bundleJa } from './locales.bundle.ts';
import { custodyEn, custodyJa } from './locales.custody.ts';
import { errorsEn, errorsJa } from './locales.errors.ts';
import { tripEn, tripJa } from './locales.trip.ts';
import { adminEn, adminJa } from './locales.admin.ts';

function initialLanguage(): string {
  const saved = localStorage.getItem('evidence.lang');
  if (saved === 'en' || saved === 'ja') return saved;
  return navigator.language?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: { ...en, ...reviewEn, ...mediaEn, ...treeEn, ...bundleEn, ...custodyEn, ...errorsEn, ...tripEn, ...adminEn } }, ja: { translation: { ...ja, ...reviewJa, ...mediaJa, ...treeJa, ...bundleJa, ...custodyJa, ...errorsJa, ...tripJa, ...adminJa } } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLanguage(lang: string): void {
  localStorage.setItem('evidence.lang', lang);
  void i18n.changeLanguage(lang);
}

export default i18n;
