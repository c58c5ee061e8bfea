// The custody screen names every action in words (src/renderer/locales.custody.ts, one table for
// English and Japanese). This reads every action the engine can append (the `action:` of each
// custody.append in src/core, literal or chosen between literals, and the named constants) and
// fails on one the table does not name, so a new engine action cannot reach the screen as a code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { actionCodes, custodyEn, custodyJa } from '../../src/renderer/locales.custody.ts';

const core = join(import.meta.dirname, '../../src/core');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every action code the engine appends, with the file it is in. */
function engineActions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sources(core)) {
    const text = readFileSync(file, 'utf8');
    const constants = new Map<string, string>();
    for (const m of text.matchAll(/const ([A-Z_]+) = '([a-z]+\.[a-z-]+)'/g)) constants.set(m[1]!, m[2]!);
    for (const m of text.matchAll(/\.append\(\{[\s\S]*?action: ([^,\n]+(?:\n[^,\n]+)?),/g)) {
      const expr = m[1]!;
      for (const lit of expr.matchAll(/'([a-z]+\.[a-z-]+)'/g)) found.set(lit[1]!, file);
      for (const name of expr.matchAll(/\b([A-Z_]{3,})\b/g)) {
        const v = constants.get(name[1]!);
        if (v) found.set(v, file);
      }
    }
    // Actions other modules look for by name (e.g. the witness folders' removal).
    for (const m of text.matchAll(/action (?:=|IN) \(?'([a-z]+\.[a-z-]+)'/g)) found.set(m[1]!, file);
  }
  return found;
}

test('every custody action the engine appends has words in the table', () => {
  const named = new Set(actionCodes());
  const actions = engineActions();
  assert.ok(actions.size >= 40, `found ${actions.size} actions: the scan must see the engine's appends`);
  for (const must of ['case.created', 'custody.transferred', 'exhibit.seal-broken', 'exhibit.resealed', 'custody.checkpoint', 'verify.run', 'exhibit.device-reported']) {
    assert.ok(actions.has(must), `the scan finds ${must}`);
  }
  const missing = [...actions].filter(([a]) => !named.has(a)).map(([a, f]) => `${a} (${f})`);
  assert.deepEqual(missing, [], 'custody actions without words in src/renderer/locales.custody.ts');
});

test('the Japanese table names the same actions, in other words than the English', () => {
  const ja = custodyJa.custodyActions as Record<string, Record<string, string>>;
  for (const [family, acts] of Object.entries(custodyEn.custodyActions as Record<string, Record<string, string>>)) {
    for (const [a, en] of Object.entries(acts)) {
      const word = ja[family]?.[a];
      assert.ok(word && word !== en && /[\u3040-\u30ff\u4e00-\u9fff]/.test(word), `${family}.${a} in Japanese: ${word}`);
    }
  }
});
