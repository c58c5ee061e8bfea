// Real files of common evidence types (../shared/samples/filetypes, from file-type's own test
// fixtures): the type we detect must agree with the true type in each file's name, and a
// correctly named file must never be flagged as a renamed one.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { extensionOf } from '../../src/core/analyze/filetype.ts';
import { newCase, samplesOrSkip, exhibitIn } from './helpers.ts';

/**
 * The files whose true type file-type cannot tell, each with what it reports instead (null:
 * nothing) and why. The test asserts these are exactly the exceptions: if file-type learns one
 * (or loses another), this list must be updated, so improvements and regressions both show.
 */
const CANNOT_TELL: Record<string, { reports: string | null; why: string }> = {
  // PNG signature and IHDR are intact, but a chunk further on is broken: file-type walks the
  // chunks (to tell APNG from PNG), meets an invalid chunk length and gives no answer.
  'fixture-corrupt.png': { reports: null, why: 'deliberately corrupt PNG: invalid chunk after IHDR' },
  // A legacy Excel file is an OLE compound file; file-type reports the container (cfb) for
  // .doc/.xls/.ppt/.msg alike and does not look inside (here it is also encrypted).
  'fixture-password-protected.xls': { reports: 'cfb', why: 'OLE compound container: file-type does not tell .xls from other OLE files' },
};

/** Names whose true type is written differently from file-type's extension for it. */
const TRUE_TYPE_BY_NAME: Record<string, string> = {
  'fixture.doc.cfb': 'cfb', // .cfb = OLE compound file (a legacy .doc)
  'fixture.xls.cfb': 'cfb', // .cfb = OLE compound file (a legacy .xls)
  'fixture.tar.gz': 'tar.gz', // file-type names gzipped tar by its compound extension
};

/** The true type of a sample: its extension, lower-case, as the samples README defines it. */
function trueType(name: string): string | null {
  return TRUE_TYPE_BY_NAME[name] ?? extensionOf(name);
}

test('filetypes samples: detected type agrees with the true type in the name', { timeout: 60_000 }, async (t) => {
  const dir = samplesOrSkip(t, 'filetypes');
  if (!dir) return;
  // 59 fixtures and LICENSE-file-type (plain text, no extension: its true type is "none").
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 60, 'the samples README lists 60 files');

  const c = newCase(t);
  const summary = await c.service.ingest({ session: c.session, sourcePath: dir, exhibit: exhibitIn(c.service, c.session, 'EXH-002') });
  assert.equal(summary.status, 'finished');
  // The files themselves, not members of archives (paths with "!/") where those are opened.
  const { items } = c.service.listItems({ casePath: c.casePath, kind: 'file', limit: 100_000 });
  const top = items.filter((i) => !i.path.includes('!/'));
  const byName = new Map(top.map((i) => [i.path, i]));
  assert.deepEqual([...byName.keys()].sort(), names, 'every file of the folder is an item, and nothing else at the top');

  const disagreements: Record<string, string | null> = {};
  for (const name of names) {
    const it = byName.get(name)!;
    assert.ok(it.sha256, `${name} was not hashed (${it.error})`);
    if (it.detected_ext !== trueType(name)) disagreements[name] = it.detected_ext;
    if (it.detected_ext !== null) assert.ok(it.mime, `${name}: an extension without a MIME type`);
  }

  await t.test('the only disagreements are the listed ones, reported as listed', () => {
    const expected = Object.fromEntries(Object.entries(CANNOT_TELL).map(([n, v]) => [n, v.reports]));
    assert.deepEqual(disagreements, expected);
  });

  await t.test('no correctly named file is flagged as an extension mismatch', () => {
    const flagged = names.filter((n) => byName.get(n)!.ext_mismatch === 1);
    assert.deepEqual(flagged, []);
    // And the --mismatch filter agrees for these files.
    const listed = c.service.listItems({ casePath: c.casePath, mismatch: true, limit: 100_000 }).items;
    assert.deepEqual(listed.filter((i) => !i.path.includes('!/')).map((i) => i.path), []);
  });

  await t.test('types an examiner filters on', () => {
    const mimes = top.map((i) => i.mime ?? '');
    const n = (pred: (m: string) => boolean): number => mimes.filter(pred).length;
    // bmp, gif, heic, jpg, png, psd, tif, webp (the corrupt png is untyped)
    assert.equal(n((m) => m.startsWith('image/')), 8);
    assert.equal(n((m) => m === 'application/pdf'), 3);
    assert.equal(n((m) => m === 'application/x-sqlite3'), 1);
    assert.equal(n((m) => m === 'application/x-cfb'), 3); // .doc.cfb, .xls.cfb and the encrypted .xls
    assert.equal(n((m) => m === 'application/vnd.android.package-archive'), 1);
    assert.equal(n((m) => m === 'application/vnd.ms-outlook'), 1);
    // Filtering by a family through the service gives the same top-level images.
    const viaFilter = c.service.listItems({ casePath: c.casePath, type: 'image', limit: 100_000 }).items.filter((i) => !i.path.includes('!/'));
    assert.equal(viaFilter.length, 8);
  });
});
