// Issue 9, defect 5: a seized device controls its file names, and officers type exhibit numbers,
// comments and names. Control characters (ESC sequences that clear the screen or retitle the
// window, CR, LF, C1 CSI) and bidi controls (U+202E reverses what follows) must never reach a
// terminal raw from `ls`, `show`, the ingest problem list, `log`, `log --form` or any other
// human-readable output: they are shown as escapes (\x1b, \n, \u202e). `--json` stays exact.
// Real CLI runs as child processes over a generated export with such names.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { visible } from '../../src/shared/text.ts';
import { describeRun, initCase, removeDir, runCli, tempDir } from './robust-helpers.ts';

const ESC = '\x1b';
const RLO = '\u202e';

/** File names a hostile device could carry, each with what it must look like when printed. */
const NAMES: { raw: string; shown: string }[] = [
  { raw: `clear${ESC}[2Jscreen.txt`, shown: 'clear\\x1b[2Jscreen.txt' },
  { raw: `title${ESC}]0;pwned\x07.txt`, shown: 'title\\x1b]0;pwned\\x07.txt' },
  { raw: 'cr\rover.txt', shown: 'cr\\rover.txt' },
  { raw: 'nl\nline.txt', shown: 'nl\\nline.txt' },
  { raw: `invoice${RLO}fdp.exe`, shown: 'invoice\\u202efdp.exe' },
  { raw: 'tab\tname.txt', shown: 'tab\\tname.txt' },
  { raw: 'c1\u009bmark.txt', shown: 'c1\\x9bmark.txt' },
  { raw: 'iso\u2066x\u2069.txt', shown: 'iso\\u2066x\\u2069.txt' },
  { raw: 'メモ.txt', shown: 'メモ.txt' },
];
const BAD_ZIP = `broken${ESC}[2J.zip`;
// Officer names with controls are refused outright (issue 10: names must not hold control,
// zero-width or bidi characters), so the officer here is plain; the refusal is tested below.
const OFFICER = 'Sok Dara';
const HOSTILE_OFFICER = `Sok${ESC}]0;owned\x07 Dara${RLO}`;
const EXHIBIT = `EXH${ESC}[2J-001${RLO}`;
const SEAL = 'S\r0091';
const WHERE = 'Compound\nB';
const COMMENT = `why${ESC}[2J${RLO}`;
const NOTE = `note\r${ESC}[1A${RLO}hidden`;

/** Anything a terminal would act on: C0 controls but LF (line ends are ours), DEL, C1, bidi controls, line separators. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

function assertSafe(what: string, text: string): void {
  const m = RAW_CONTROL.exec(text);
  assert.equal(m, null, `${what} prints a raw U+${m?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${m?.index}:\n${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 60), (m?.index ?? 0) + 60))}`);
}

describe('human-readable output never prints control or bidi characters raw', { concurrency: false }, () => {
  let work: string;
  let kase: string;
  let ingestOut: string;
  let ids: Map<string, number>;

  before(() => {
    work = tempDir('safe-output');
    const exp = join(work, 'export');
    mkdirSync(join(exp, `dir${ESC}[2J`), { recursive: true });
    for (const [i, n] of NAMES.entries()) writeFileSync(join(exp, n.raw), `file ${i}\n`);
    // Text for search: the snippet is the evidence's own text.
    writeFileSync(join(exp, `dir${ESC}[2J`, 'chat.txt'), `the payment${ESC}[2J is due ${RLO}tomorrow\n`);
    // Not a ZIP: one problem in the ingest summary, named by its hostile name.
    writeFileSync(join(exp, BAD_ZIP), 'PK\x03\x04 not really a zip archive');
    kase = join(work, 'case');
    initCase(kase, 'KH-2026-0142', OFFICER, []);
    const ex = runCli(['exhibit', 'add', kase, '--number', EXHIBIT, '--seal', SEAL, '--seized-where', WHERE, '--make', `Apple${ESC}[31m`]);
    assert.equal(ex.code, 0, describeRun(ex));
    assertSafe('exhibit add', ex.stdout + ex.stderr);
    const ing = runCli(['ingest', kase, exp, '--exhibit', EXHIBIT]);
    assert.equal(ing.code, 0, describeRun(ing));
    ingestOut = ing.stdout + ing.stderr;
    const ls = runCli(['ls', kase, '--json']);
    assert.equal(ls.code, 0, describeRun(ls));
    const items = (JSON.parse(ls.stdout) as { items: { id: number; path: string }[] }).items;
    ids = new Map(items.map((it) => [it.path, it.id]));
  });

  after(() => {
    if (work) removeDir(work);
  });

  test('the ingest summary and its problem list', () => {
    assertSafe('ingest', ingestOut);
    assert.match(ingestOut, /! broken\\x1b\[2J\.zip!\/: not a readable ZIP/);
    assert.ok(ingestOut.includes(`-> exhibit EXH\\x1b[2J-001\\u202e`), ingestOut);
  });

  test('ls shows every hostile name escaped, printable Unicode unchanged; --json is exact', () => {
    const r = runCli(['ls', kase, '--limit', '100']);
    assert.equal(r.code, 0, describeRun(r));
    assertSafe('ls', r.stdout);
    for (const n of NAMES) assert.ok(r.stdout.includes(n.shown), `ls shows ${n.shown}:\n${r.stdout}`);
    assert.ok(r.stdout.includes(`dir\\x1b[2J/chat.txt`));
    // No data line was split by the newline in "nl\nline.txt".
    assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('line.txt')));
    const j = runCli(['ls', kase, '--json', '--limit', '100']);
    const paths = (JSON.parse(j.stdout) as { items: { path: string }[] }).items.map((i) => i.path);
    for (const n of NAMES) assert.ok(paths.includes(n.raw), `--json keeps ${JSON.stringify(n.raw)}`);
  });

  test('show: path, tags with comments, notes, custody, all escaped', () => {
    const id = ids.get(NAMES[0]!.raw)!;
    const tags = runCli(['tags', kase, '--json']);
    assert.equal(tags.code, 0, describeRun(tags));
    const tagId = (JSON.parse(tags.stdout) as { id: string }[])[0]!.id;
    const tag = runCli(['tag', kase, tagId, String(id), '--comment', COMMENT]);
    assert.equal(tag.code, 0, describeRun(tag));
    assertSafe('tag', tag.stdout + tag.stderr);
    const note = runCli(['note', kase, String(id), NOTE]);
    assert.equal(note.code, 0, describeRun(note));
    assertSafe('note', note.stdout + note.stderr);
    const r = runCli(['show', kase, String(id)]);
    assert.equal(r.code, 0, describeRun(r));
    assertSafe('show', r.stdout);
    assert.ok(r.stdout.includes(`Item ${id}: ${NAMES[0]!.shown}`), r.stdout);
    assert.ok(r.stdout.includes(`exhibit:   ${visible(EXHIBIT)}`), r.stdout);
    assert.ok(r.stdout.includes(`: why\\x1b[2J\\u202e`), r.stdout);
    assert.ok(r.stdout.includes(`note\\r\\x1b[1A\\u202ehidden`), r.stdout);
    const j = runCli(['show', kase, String(id), '--json']);
    const it = JSON.parse(j.stdout) as { path: string; tags: { comment: string }[]; notes: { text: string; officer: string }[] };
    assert.deepEqual([it.path, it.tags[0]!.comment, it.notes[0]!.text, it.notes[0]!.officer], [NAMES[0]!.raw, COMMENT, NOTE, OFFICER]);
  });

  test('log, log --form, exhibit ls/show, case info, custody verify, verify', () => {
    const runs = {
      log: runCli(['log', kase]),
      form: runCli(['log', kase, '--form', EXHIBIT]),
      exhibits: runCli(['exhibit', 'ls', kase]),
      exhibit: runCli(['exhibit', 'show', kase, EXHIBIT]),
      info: runCli(['case', 'info', kase]),
      officers: runCli(['officer', 'ls', kase]),
      custody: runCli(['custody', 'verify', kase]),
      verify: runCli(['verify', kase]),
    };
    for (const [name, r] of Object.entries(runs)) {
      assert.equal(r.code, 0, `${name}: ${describeRun(r)}`);
      assertSafe(name, r.stdout + r.stderr);
    }
    assert.ok(runs.form.stdout.includes(`Exhibit          ${visible(EXHIBIT)}`), runs.form.stdout);
    assert.ok(runs.form.stdout.includes('S\\r0091 (sealed)'), runs.form.stdout);
    assert.ok(runs.form.stdout.includes('Compound\\nB'), runs.form.stdout);
    assert.ok(runs.exhibit.stdout.includes('Apple\\x1b[31m'), runs.exhibit.stdout);
    const j = runCli(['log', kase, '--json']);
    const events = JSON.parse(j.stdout) as { officer: string }[];
    assert.equal(events[0]!.officer, OFFICER);
  });

  test('search snippets: the evidence text escaped, only our own highlighting', () => {
    const r = runCli(['search', kase, 'payment']);
    assert.equal(r.code, 0, describeRun(r));
    assertSafe('search', r.stdout);
    // (The text index keeps no ESC of its own; the bidi override it keeps is shown escaped.)
    assert.ok(r.stdout.includes('«payment»') && r.stdout.includes('is due \\u202etomorrow'), r.stdout);
  });

  test('an officer name with control or bidi characters is refused, and the refusal prints it escaped', () => {
    const r = runCli(['officer', 'add', kase, '--name', HOSTILE_OFFICER, '--role', 'officer']);
    assert.equal(r.code, 2, describeRun(r));
    assertSafe('officer add', r.stdout + r.stderr);
    const officers = runCli(['officer', 'ls', kase, '--json']);
    assert.ok(!officers.stdout.includes('owned'), officers.stdout);
  });

  test('error messages that name a path show it escaped', () => {
    const r = runCli(['ingest', kase, join(work, `missing${ESC}[2J${RLO}`), '--exhibit', EXHIBIT]);
    assert.notEqual(r.code, 0);
    assertSafe('error', r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`missing\\x1b[2J\\u202e`), r.stderr);
  });
});

describe('visible()', () => {
  test('escapes controls, bidi and lone surrogates; keeps printable text of every script', () => {
    assert.equal(visible('a\x1b[2Jb'), 'a\\x1b[2Jb');
    assert.equal(visible('\t\n\r\x00\x7f\u0085'), '\\t\\n\\r\\x00\\x7f\\x85');
    assert.equal(visible('\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c'), '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c');
    assert.equal(visible('nobody \ud800!'), 'nobody \\ud800!');
    assert.equal(visible('\udc00x'), '\\udc00x');
    const keep = 'メモ 受け渡し ការប្រគល់ 😀 👨‍👩‍👧 C:\\Users\\x «»';
    assert.equal(visible(keep), keep);
  });
});
