// Issue 14 ("engine messages and action names stay in English in the Japanese UI"): every string
// the UI can show exists in both languages. Each locale file under src/renderer (locales*.ts,
// including ones added later) is read as it is: its English table and its Japanese one must hold
// the same keys, no Japanese value may be empty or still the English sentence, every placeholder
// ({{n}}) must survive translation, each file must be merged into i18n.ts, and every engine
// error code (src/core/errors.ts) must have its sentence (locales.errors.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';

const rendererDir = resolve(import.meta.dirname, '../../src/renderer');
const localeFiles = readdirSync(rendererDir)
  .filter((f) => /^locales(\..+)?\.ts$/.test(f))
  .sort();

type Table = Record<string, string>;

/** i18next tables may nest ({ custodyActions: { 'item.tagged': ... } }): flattened to dotted keys. */
function flatten(value: unknown, prefix = '', out: Table = {}): Table {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = value as string;
  return out;
}

/** The file's English and Japanese tables: exports named en/ja, or <x>En/<x>Ja. */
async function tablesOf(file: string): Promise<Array<{ name: string; en: Table; ja: Table }>> {
  const mod = (await import(pathToFileURL(join(rendererDir, file)).href)) as Record<string, unknown>;
  const pairs: Array<{ name: string; en: Table; ja: Table }> = [];
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value !== 'object' || value === null) continue;
    const jaName = name === 'en' ? 'ja' : name.endsWith('En') ? `${name.slice(0, -2)}Ja` : null;
    if (!jaName) continue;
    const ja = mod[jaName];
    assert.ok(ja && typeof ja === 'object', `${file}: ${name} has no Japanese table ${jaName}`);
    pairs.push({ name, en: flatten(value), ja: flatten(ja) });
  }
  return pairs;
}

/** Words an English sentence would have and a Japanese one would not (acronyms like SHA-256, EXIF, IMEI pass). */
const ENGLISH_WORD = /\b[a-z]{3,}\b/;
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();

describe('locales complete', () => {
  test('there are locale files to check', () => {
    assert.ok(localeFiles.includes('locales.ts') && localeFiles.includes('locales.errors.ts'), localeFiles.join(', '));
  });

  for (const file of localeFiles) {
    test(`${file}: English and Japanese hold the same keys, all translated`, async () => {
      const pairs = await tablesOf(file);
      assert.ok(pairs.length > 0, `${file} exports no en/ja tables`);
      for (const { name, en, ja } of pairs) {
        const missing = Object.keys(en).filter((k) => !(k in ja));
        const extra = Object.keys(ja).filter((k) => !(k in en));
        assert.deepEqual(missing, [], `${file} ${name}: keys with no Japanese`);
        assert.deepEqual(extra, [], `${file} ${name}: Japanese keys with no English`);
        const untranslated = Object.keys(en).filter((k) => {
          const j = ja[k];
          return typeof j !== 'string' || j.trim() === '' || (j === en[k] && ENGLISH_WORD.test(j.replace(/\{\{[^}]*\}\}/g, '')));
        });
        assert.deepEqual(untranslated, [], `${file} ${name}: Japanese still empty or English`);
        const lost = Object.keys(en).filter((k) => typeof en[k] === 'string' && placeholders(en[k]).join() !== placeholders(String(ja[k])).join());
        assert.deepEqual(lost, [], `${file} ${name}: placeholders differ between English and Japanese`);
      }
    });
  }

  test('every locale file is merged into i18n.ts', () => {
    const i18n = readFileSync(join(rendererDir, 'i18n.ts'), 'utf8');
    for (const file of localeFiles) assert.match(i18n, new RegExp(`from '\\./${file.replace(/\./g, '\\.')}'`), `${file} is not imported by i18n.ts`);
  });

  test('every engine error code has its sentence in both languages', async () => {
    const source = readFileSync(resolve(import.meta.dirname, '../../src/core/errors.ts'), 'utf8');
    const union = source.slice(source.indexOf('export type ErrorCode'), source.indexOf(';', source.indexOf('export type ErrorCode')));
    const codes = [...union.matchAll(/\|\s*'([A-Z_]+)'/g)].map((m) => m[1]!);
    assert.ok(codes.length >= 10 && codes.includes('FORBIDDEN'), `codes read from errors.ts: ${codes.join(', ')}`);
    const { errorsEn, errorsJa } = (await import(pathToFileURL(join(rendererDir, 'locales.errors.ts')).href)) as { errorsEn: Table; errorsJa: Table };
    for (const code of [...codes, 'USAGE']) {
      assert.ok(errorsEn[`error.${code}`], `error.${code} has no English sentence`);
      assert.ok(errorsJa[`error.${code}`], `error.${code} has no Japanese sentence`);
    }
  });
});
