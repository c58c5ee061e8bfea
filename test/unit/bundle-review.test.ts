// Review mode (issue 13): a bundle opened read-only with the real CLI as child processes (a
// folder and a ZIP), verified first; the same listing, item view and search as a case, and
// nothing else (tag, ingest, export refused); a tampered bundle says so first; previews come from
// the bundle's files, checked against the manifest (engine, in-process); review notes beside the
// bundle, hash-chained and signed, one edited by hand and named.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Readable } from 'node:stream';
import type { Manifest } from '../../src/core/bundle/manifest.ts';
import { EvidenceService } from '../../src/core/index.ts';
import { REVIEW_METHODS, type OpenedBundle, type ReviewNotes, type SearchResult } from '../../src/shared/contract.ts';
import { TEST_SCRYPT_N } from '../setup.ts';
import { removeTree, runCliChild } from './helpers.ts';

let root: string;
let casePath: string;
let bundle: string;
let zipBundle: string;
let manifest: Manifest;
const env = (): NodeJS.ProcessEnv => ({ EVIDENCE_RECEIPTS_DIR: join(root, 'receipts') });

async function cli(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return runCliChild(args, { env: { ...env(), ...extra } });
}

async function ok(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await cli(args, extra);
  assert.equal(r.code, 0, `evidence ${args.join(' ')} exited ${r.code}: ${r.err}\n${r.out}`);
  return r.out;
}

/** Every file under a folder with its SHA-256: the bundle must be byte for byte the same after a review. */
function treeDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else h.update(`${rel}${n}\0`).update(readFileSync(p));
    }
  };
  if (statSync(dir).isFile()) h.update(readFileSync(dir));
  else walk(dir, '');
  return h.digest('hex');
}

async function drain(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of s) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-review-'));
  casePath = join(root, 'case');
  const src = join(root, 'export');
  mkdirSync(join(src, 'DCIM'), { recursive: true });
  writeFileSync(join(src, 'DCIM', 'IMG_0001.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(5000, 7)]));
  writeFileSync(join(src, 'victims.csv'), 'name,phone\nSato,090-1111-2222\n');
  writeFileSync(join(src, 'harbour-plan.txt'), 'meet at the harbour at 22:00\n');
  writeFileSync(join(src, 'private.txt'), 'not exported: another suspect');
  await ok(['case', 'init', casePath, '--name', 'Operation Sakura', '--number', 'KH-2026-0142', '--officer', 'DS Tanaka']);
  await ok(['exhibit', 'add', casePath, '--number', 'EXH-001', '--seal', 'S-0091']);
  await ok(['ingest', casePath, src, '--exhibit', 'EXH-001']);
  const items = JSON.parse(await ok(['ls', casePath, '--json'])) as { items: { id: number; name: string; kind: string }[] };
  const ids = items.items.filter((i) => i.kind === 'file' && i.name !== 'private.txt').map((i) => String(i.id));
  await ok(['tag', casePath, 'target-list', ...ids]);
  bundle = join(root, 'bundle-2026-12');
  zipBundle = join(root, 'bundle-zip.zip');
  await ok(['export', casePath, '--tag', 'target-list', '--out', bundle]);
  await ok(['export', casePath, '--tag', 'target-list', '--out', zipBundle, '--zip']);
  manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.items.length, 3);
});

after(() => removeTree(root));

describe('review mode (CLI, child processes)', () => {
  test('bundle open: the verification first, then what a review offers', async () => {
    const text = await ok(['bundle', 'open', bundle]);
    assert.match(text.split('\n')[0]!, /opened for review \(read-only\): INTACT: the bundle is exactly as DS Tanaka signed it/);
    const o = JSON.parse(await ok(['bundle', 'open', zipBundle, '--json'])) as OpenedBundle;
    assert.equal(o.mode, 'review');
    assert.equal(o.intact, true);
    assert.equal(o.verification.kind, 'zip');
    assert.ok(o.session, 'a review session');
    assert.equal(o.bundle?.items, 3);
    assert.equal(o.bundle?.hasText, false);
    assert.deepEqual(o.methods, [...REVIEW_METHODS]);
    for (const refused of ['tagItems', 'startIngest', 'startExport', 'addNote', 'signIn']) assert.ok(!(o.methods as string[]).includes(refused), `${refused} is not offered`);
  });

  test('ls, show and search on a bundle (folder and ZIP) list exactly the exported items, and leave it untouched', async () => {
    const before = treeDigest(bundle);
    const want = manifest.items.map((i) => i.id).sort((a, b) => a - b);
    for (const b of [bundle, zipBundle]) {
      const r = await cli(['ls', b, '--json']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /opened for review \(read-only\): INTACT/);
      const listed = JSON.parse(r.out) as { total: number; items: { id: number; name: string; sha256: string }[] };
      assert.deepEqual(listed.items.map((i) => i.id), want);
      assert.equal(listed.total, 3);
      assert.ok(!listed.items.some((i) => i.name === 'private.txt'), 'the file not exported is not there');
      const photo = manifest.items.find((i) => i.name === 'IMG_0001.jpg')!;
      assert.equal(listed.items.find((i) => i.id === photo.id)?.sha256, photo.sha256);
    }
    const photo = manifest.items.find((i) => i.name === 'IMG_0001.jpg')!;
    const shown = JSON.parse(await ok(['show', bundle, String(photo.id), '--json'])) as { id: number; md5: string; exhibit: string; tags: { tag: string }[]; extra: { bundleFile: string } };
    assert.equal(shown.md5, photo.md5);
    assert.equal(shown.exhibit, 'EXH-001');
    assert.deepEqual(shown.tags.map((t) => t.tag), ['target-list']);
    assert.equal(shown.extra.bundleFile, photo.file);
    const found = JSON.parse(await ok(['search', bundle, 'harbour', '--json'])) as SearchResult;
    assert.deepEqual(found.named?.hits.map((h) => h.name), ['harbour-plan.txt'], 'names and paths are searched');
    assert.match(found.note ?? '', /carries no extracted text: only the names, device paths and hashes/);
    const byHash = JSON.parse(await ok(['search', zipBundle, photo.sha256.slice(0, 12), '--json'])) as SearchResult;
    assert.deepEqual(byHash.named?.hits.map((h) => h.id), [photo.id]);
    assert.equal(treeDigest(bundle), before, 'the bundle is byte for byte as it was');
  });

  test('tag, ingest and export are refused plainly, and nothing is written', async () => {
    const before = treeDigest(bundle);
    const id = String(manifest.items[0]!.id);
    const tag = await cli(['tag', bundle, 'scam-manual', id]);
    assert.equal(tag.code, 6, tag.err);
    assert.match(tag.err, /bundle opened for review, read-only: nothing can be ingested into it, tagged, noted inside it or exported from it/);
    assert.match(tag.err, /A review session offers: openBundle, closeBundle, sessionInfo, caseInfo, listItems/);
    const ingest = await cli(['ingest', bundle, join(root, 'export'), '--exhibit', 'EXH-1']);
    assert.equal(ingest.code, 6, ingest.err);
    assert.match(ingest.err, /read-only/);
    const out = join(root, 'export-of-a-bundle');
    const exp = await cli(['export', bundle, '--all', '--out', out]);
    assert.equal(exp.code, 6, exp.err);
    assert.match(exp.err, /read-only/);
    assert.ok(!existsSync(out), 'no bundle made from a bundle');
    assert.equal(treeDigest(bundle), before);
    assert.deepEqual(readdirSync(root).filter((n) => n.includes('.review-')), [], 'no notes file made by a refused command');
  });

  test('a tampered bundle opens with the verification failing first, plainly, and exit 1', async () => {
    const bad = join(root, 'tampered');
    cpSync(bundle, bad, { recursive: true });
    const victim = manifest.items.find((i) => i.name === 'victims.csv')!;
    const p = join(bad, ...victim.file.split('/'));
    const b = readFileSync(p);
    b[0] = b[0]! ^ 1;
    writeFileSync(p, b);
    const open = await cli(['bundle', 'open', bad]);
    assert.equal(open.code, 1);
    const first = open.out.split('\n')[0]!;
    assert.match(first, /opened for review \(read-only\): NOT INTACT: 1 problem\(s\) found\. Do not rely on this bundle/);
    assert.ok(first.includes(`${victim.file} (item ${victim.id}`) && first.includes('was changed'), first);
    const ls = await cli(['ls', bad, '--json']);
    assert.equal(ls.code, 1, 'exit 1: not intact');
    assert.match(ls.err.split('\n')[0]!, /NOT INTACT/, 'told before anything else');
    assert.equal((JSON.parse(ls.out) as { total: number }).total, 3, 'what it claims is still listed, for the reviewer to see');
  });
});

describe('review mode (engine): sessions, previews checked against the manifest', () => {
  test('previews come from the bundle files; a changed file is refused', async (t) => {
    const service = new EvidenceService({ scryptN: TEST_SCRYPT_N });
    t.after(() => service.close());
    const copy = join(root, 'preview-copy');
    cpSync(bundle, copy, { recursive: true });
    const o = await service.openBundle({ path: copy });
    assert.ok(o.session && o.intact);
    const session = o.session;
    const info = service.sessionInfo({ session });
    assert.equal(info.mode, 'review');
    assert.equal(info.casePath, copy);
    assert.equal(info.bundle?.intact, true);
    assert.equal(service.caseInfo({ casePath: copy }).items, 3);
    assert.equal(service.caseOverview({ casePath: copy }).files, 3);
    assert.deepEqual(service.listExhibits({ casePath: copy }).map((e) => e.number), ['EXH-001']);
    assert.ok(service.custodyLog({ casePath: copy }).some((e) => e.action === 'bundle.exported'));
    assert.deepEqual(service.listTags({ session }).map((x) => x.id), ['target-list']);
    const photo = manifest.items.find((i) => i.name === 'IMG_0001.jpg')!;
    const whole = await service.itemContent(session, photo.id);
    assert.equal(whole.contentType, 'image/jpeg');
    assert.deepEqual(await drain(whole.stream), readFileSync(join(copy, ...photo.file.split('/'))));
    const part = await service.itemContent(session, photo.id, { start: 2, end: 5 });
    assert.deepEqual([...(await drain(part.stream))], [0xff, 0xe0, 7, 7]);
    assert.equal(service.itemContentSize(session, photo.id), photo.size);
    // From the ZIP: the same bytes, read where the member lies.
    const z = await service.openBundle({ path: zipBundle });
    assert.deepEqual(await drain((await service.itemContent(z.session!, photo.id)).stream), readFileSync(join(copy, ...photo.file.split('/'))));
    // A file changed after the bundle was opened: hashed again before a byte goes out, and refused.
    const text = manifest.items.find((i) => i.name === 'harbour-plan.txt')!;
    writeFileSync(join(copy, ...text.file.split('/')), 'meet at the airport at 22:00\n');
    await assert.rejects(drain((await service.itemContent(session, text.id)).stream), /is not shown: its bytes changed after the bundle was opened/);
    assert.throws(() => service.itemContent(session, text.id), /is not shown/, 'and refused at once from then on');
    // Refused in review: the case methods that change or need a case.
    assert.throws(() => service.tagItems({ session, tag: 'target-list', ids: [photo.id] }), /read-only/);
    assert.throws(() => service.startExport({ session, selection: { all: true }, destination: join(root, 'x') }), /read-only/);
    assert.throws(() => service.listSuggestions({ casePath: copy }), /read-only/);
    assert.deepEqual(service.closeBundle({ session }), { closed: true });
    assert.throws(() => service.listItems({ casePath: copy }), /is a bundle for prosecutors, not a case\. Open it for review/);
  });
});

describe('review notes beside the bundle', () => {
  const officer = 'Prosecutor Ito';
  const pw = 'reviewer-password-1';
  const notesFile = (): string => join(root, 'bundle-2026-12.review-Prosecutor-Ito-' + createHash('sha256').update(officer).digest('hex').slice(0, 8) + '.jsonl');

  test('added, listed, chain and signatures checked; one edited by hand is named', async () => {
    const before = treeDigest(bundle);
    const [a, b] = manifest.items;
    const first = await cli(['bundle', 'note', bundle, '--item', String(a!.id), '--text', 'The call list matches the victims statement.', '--officer', officer], { EVIDENCE_PASSWORD: pw });
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /Note 1 on item \d+ .* signed by Prosecutor Ito with key [0-9a-f]{16}/);
    assert.match(first.out, /Your reviewer key was made now/);
    await ok(['bundle', 'note', bundle, '--item', String(b!.id), '--text', 'Ask the examiner about the EXIF times.', '--officer', officer], { EVIDENCE_PASSWORD: pw });
    await ok(['bundle', 'note', bundle, '--item', String(a!.id), '--text', '三つ目のメモ', '--officer', officer], { EVIDENCE_PASSWORD: pw });
    const wrong = await cli(['bundle', 'note', bundle, '--item', String(a!.id), '--text', 'x', '--officer', officer], { EVIDENCE_PASSWORD: 'not-the-password' });
    assert.equal(wrong.code, 6, wrong.err);
    assert.match(wrong.err, /Wrong password for Prosecutor Ito's reviewer key/);
    const missing = await cli(['bundle', 'note', bundle, '--item', '99999', '--text', 'x', '--officer', officer], { EVIDENCE_PASSWORD: pw });
    assert.equal(missing.code, 3);
    assert.equal(treeDigest(bundle), before, 'nothing was written into the bundle');
    assert.ok(existsSync(notesFile()), notesFile());
    assert.equal(statSync(notesFile().replace(/\.jsonl$/, '.key')).mode & 0o777, 0o600, 'the key file is private');

    const listed = JSON.parse(await ok(['bundle', 'notes', bundle, '--json'])) as ReviewNotes;
    assert.equal(listed.ok, true);
    assert.equal(listed.files.length, 1);
    const f = listed.files[0]!;
    assert.equal(f.officer, officer);
    assert.deepEqual(f.notes.map((n) => [n.line, n.seq, n.item, n.ok]), [[2, 1, a!.id, true], [3, 2, b!.id, true], [4, 3, a!.id, true]]);
    assert.equal(f.notes[0]!.sha256, a!.sha256, 'a note names the item by its SHA-256');
    const text = await ok(['bundle', 'notes', bundle]);
    assert.match(text, /INTACT: 3 note\(s\), each chained to the one before and signed by the reviewer's key/);

    // One note edited by hand: named by its line, the others still check.
    const lines = readFileSync(notesFile(), 'utf8').split('\n');
    lines[2] = lines[2]!.replace('Ask the examiner', 'Ignore');
    writeFileSync(notesFile(), lines.join('\n'));
    const broken = await cli(['bundle', 'notes', bundle, '--json']);
    assert.equal(broken.code, 1);
    const r = JSON.parse(broken.out) as ReviewNotes;
    assert.equal(r.ok, false);
    assert.deepEqual(r.files[0]!.problems.map((p) => [p.line, p.what]), [[3, 'hash']]);
    assert.match(r.files[0]!.problems[0]!.message, /Line 3 \(note 2 on item \d+\) was edited: its content no longer matches its hash/);
    assert.deepEqual(r.files[0]!.notes.map((n) => n.ok), [true, false, true]);
    const plain = await cli(['bundle', 'notes', bundle]);
    assert.equal(plain.code, 1);
    assert.match(plain.out, /BROKEN line 3/);
    // No note is chained to a broken file.
    const refused = await cli(['bundle', 'note', bundle, '--item', String(a!.id), '--text', 'more', '--officer', officer], { EVIDENCE_PASSWORD: pw });
    assert.equal(refused.code, 4, refused.err);
    assert.match(refused.err, /No note was added: a note is never chained to a damaged file/);
  });
});
