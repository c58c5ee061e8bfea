// Suggestions end to end: an ingest of generated fixtures (a Shift_JIS target list, a text call
// list, a scam manual, a wallet chat, a folder of noise) raises exactly the expected
// suggestions at its end; accepting tags, rejecting does not, both are custody events; a
// reviewer can do neither; a case rule pack; the CLI.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { TEST_PASSWORD } from '../setup.ts';
import { encodeLegacy } from '../fixtures/encode.ts';
import { noise, scamManualJa, targetList, walletAddresses, walletChat } from '../fixtures/detect.ts';
import { newCase, runCli, tempDir, exhibitIn, recordExhibitAt, EXH } from './helpers.ts';

/** The export: what should be found, and noise that should not. */
function makeExport(t: TestContext): string {
  const root = join(tempDir(t), 'phone-export');
  mkdirSync(join(root, 'Documents'), { recursive: true });
  mkdirSync(join(root, 'noise'), { recursive: true });
  const list = targetList(150);
  writeFileSync(join(root, 'Documents', 'リスト_3月.csv'), encodeLegacy(list.csv, 'shift_jis'));
  writeFileSync(join(root, 'Documents', 'calls.txt'), targetList(120, 21).text);
  writeFileSync(join(root, 'Documents', 'マニュアル.txt'), scamManualJa());
  writeFileSync(join(root, 'Documents', 'chat.txt'), walletChat().text);
  for (const [name, data] of Object.entries(noise())) writeFileSync(join(root, 'noise', name), data);
  return root;
}

const byPath = (s: { path: string; tag: string }[]) => Object.fromEntries(s.map((x) => [x.path, x.tag]));

test('an ingest raises the expected suggestions and none on the noise; accept tags, reject does not; both are custody events', async (t) => {
  const { service, casePath, session } = newCase(t);
  const root = makeExport(t);
  const summary = await service.ingest({ session, sourcePath: root, exhibit: exhibitIn(service, session, 'EXH-001') });
  assert.equal(summary.analysis?.suggestions, 4);
  const all = service.listSuggestions({ casePath });
  assert.deepEqual(byPath(all.suggestions), {
    'Documents/リスト_3月.csv': 'target-list',
    'Documents/calls.txt': 'target-list',
    'Documents/マニュアル.txt': 'scam-manual',
    'Documents/chat.txt': 'crypto-wallet',
  });
  const csv = all.suggestions.find((s) => s.path.endsWith('.csv'))!;
  assert.match(csv.evidence.summary, /^150 distinct JP numbers; 1[45]\d rows with a name beside a JP number; sample: \+81/);
  assert.equal(csv.status, 'pending');
  assert.equal(csv.rule, 'target-lists/jp-names-and-numbers');
  // Nothing is tagged by the run itself.
  for (const s of all.suggestions) assert.deepEqual(service.getItem({ session, id: s.itemId }).tags, []);
  // The automatic run is recorded in the ingest's own finished event.
  assert.equal(service.custodyLog({ casePath, action: 'detect.ran' }).length, 0);
  const fin = service.custodyLog({ casePath, action: 'ingest.finished' }).at(-1)!;
  assert.deepEqual(fin.details.analysis, { suggestions: 4, byTag: { 'target-list': 2, 'scam-manual': 1, 'crypto-wallet': 1 }, knownBad: 0, knownGood: 0, perSet: {} });

  // A reviewer may neither accept nor reject, nor run the detectors.
  service.addOfficer({ session, name: 'Prosecutor Ito', role: 'reviewer', password: TEST_PASSWORD });
  const rev = service.signIn({ casePath, officer: 'Prosecutor Ito', password: TEST_PASSWORD }).session;
  assert.throws(() => service.decideSuggestions({ session: rev, ids: [csv.id], decision: 'accepted' }), /is a reviewer and may not accept suggestions/);
  assert.throws(() => service.decideSuggestions({ session: rev, ids: [csv.id], decision: 'rejected' }), /is a reviewer and may not reject suggestions/);
  assert.throws(() => service.runSuggestions({ session: rev }), /is a reviewer and may not run the detectors/);

  // Accept the CSV: the item is tagged, by this officer, with both custody events.
  const [accepted] = service.decideSuggestions({ session, ids: [csv.id], decision: 'accepted', comment: 'victim list, 150 rows' });
  assert.equal(accepted!.status, 'accepted');
  assert.equal(accepted!.decidedBy, 'DS Tanaka');
  const tags = service.getItem({ session, id: csv.itemId }).tags;
  assert.deepEqual(tags.map((x) => [x.tag, x.officer, x.comment]), [['target-list', 'DS Tanaka', 'victim list, 150 rows']]);
  const acc = service.custodyLog({ casePath, action: 'suggestion.accepted' });
  assert.equal(acc.length, 1);
  assert.equal(acc[0]!.target, `item:${csv.itemId}`);
  assert.equal(acc[0]!.reason, 'victim list, 150 rows');
  assert.equal(acc[0]!.details.tag, 'target-list');
  assert.match(String(acc[0]!.details.evidence), /150 distinct JP numbers/);
  assert.equal(service.custodyLog({ casePath, action: 'item.tagged', item: csv.itemId }).length, 1);

  // Reject the wallet chat: not tagged, recorded.
  const chat = all.suggestions.find((s) => s.tag === 'crypto-wallet')!;
  service.decideSuggestions({ session, ids: [chat.id], decision: 'rejected', comment: 'test wallet of the lab' });
  assert.deepEqual(service.getItem({ session, id: chat.itemId }).tags, []);
  const rej = service.custodyLog({ casePath, action: 'suggestion.rejected' });
  assert.equal(rej.length, 1);
  assert.equal(rej[0]!.details.suggestion, chat.id);
  // Decided once: a second decision is refused, all or nothing.
  const manual = all.suggestions.find((s) => s.tag === 'scam-manual')!;
  assert.throws(() => service.decideSuggestions({ session, ids: [manual.id, chat.id], decision: 'accepted' }), /already rejected by DS Tanaka/);
  assert.equal(service.listSuggestions({ casePath, status: 'pending' }).total, 2, 'the manual was not accepted by the refused call');
  assert.throws(() => service.decideSuggestions({ session, ids: [9999], decision: 'accepted' }), /no suggestion 9999/);

  // Running again raises nothing new, the rejected one included.
  const again = service.runSuggestions({ session });
  assert.equal(again.suggestions, 0);
  const ran = service.custodyLog({ casePath, action: 'detect.ran' });
  assert.equal(ran.length, 1, 'a run on demand is a custody event');
  assert.equal(ran[0]!.target, 'case');
  assert.equal(ran[0]!.details.suggestions, 0);
  assert.equal(again.items, 7, "csv, calls, manual, chat, lorem, utils.js, shopping (random.bin has no text)");
  assert.equal(service.listSuggestions({ casePath }).total, 4);
});

test('a case rule pack is validated, stored, recorded, and used by the next run', async (t) => {
  const { service, casePath, session } = newCase(t);
  const root = makeExport(t);
  await service.ingest({ session, exhibit: exhibitIn(service, session), sourcePath: root });
  const dir = tempDir(t);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ id: 'local', name: 'Local', version: 1, rules: [{ id: 'x', tag: 'Not A Tag', description: 'd', metrics: [] }] }));
  assert.throws(() => service.addRulePack({ session, file: bad }), /bad\.json is not a valid rule pack: rules\.0\.tag: a tag id is lowercase/);
  const unknownTag = join(dir, 'unknown.json');
  writeFileSync(unknownTag, JSON.stringify({ id: 'local', name: 'Local', version: 1, rules: [{ id: 'x', tag: 'burner-phone', description: 'd', keywords: { minScore: 1, terms: [{ text: 'x' }] } }] }));
  assert.throws(() => service.addRulePack({ session, file: unknownTag }), /names tags this case does not have: burner-phone\. Add them first/);
  const pack = {
    id: 'local-groceries',
    name: 'Shopping lists are of interest in this case',
    version: 1,
    rules: [{ id: 'milk-and-eggs', tag: 'irrelevant', description: 'shopping lists', keywords: { lang: 'ja', minScore: 2, minDistinct: 2, terms: [{ text: '牛乳' }, { text: '卵' }] } }],
  };
  const good = join(dir, 'pack.json');
  writeFileSync(good, JSON.stringify(pack));
  const info = service.addRulePack({ session, file: good });
  assert.equal(info.origin, 'case');
  assert.match(info.sha256!, /^[0-9a-f]{64}$/);
  const ev = service.custodyLog({ casePath, action: 'rules.added' }).at(-1)!;
  assert.equal(ev.details.sha256, info.sha256);
  assert.deepEqual(ev.details.rules, ['milk-and-eggs -> irrelevant']);
  assert.throws(() => service.addRulePack({ session, file: good }), /already in this case, unchanged/);
  assert.ok(service.listRulePacks({ casePath }).some((p) => p.id === 'target-lists' && p.origin === 'shipped'));
  const r = service.runSuggestions({ session });
  assert.deepEqual(r.byTag, { irrelevant: 1 });
  const s = service.listSuggestions({ casePath, tag: 'irrelevant' }).suggestions[0]!;
  assert.equal(s.path, 'noise/shopping.txt');
  assert.equal(s.rule, 'local-groceries/milk-and-eggs');
});

test('CLI: suggest run / ls / accept / reject, rules add / ls', async (t) => {
  const root0 = tempDir(t);
  const casePath = join(root0, 'case');
  assert.equal((await runCli(['case', 'init', casePath, '--name', 'Op', '--number', 'N-1', '--officer', 'DS Tanaka'])).code, 0);
  recordExhibitAt(casePath);
  const root = makeExport(t);
  const ing = await runCli(['ingest', casePath, root, '--exhibit', EXH, '--officer', 'DS Tanaka']);
  assert.equal(ing.code, 0, ing.err);
  assert.match(ing.out, /suggestions: {2}4 new/);
  const ls = await runCli(['suggest', 'ls', casePath, '--status', 'pending']);
  assert.match(ls.out, /pending\s+target-list\s+3\.00\s+\d+\s+Documents\/リスト_3月\.csv\s+150 distinct JP numbers/);
  assert.match(ls.out, /4 of 4 suggestions/);
  const list = JSON.parse((await runCli(['suggest', 'ls', casePath, '--json'])).out) as { suggestions: { id: number; tag: string; itemId: number }[] };
  const manual = list.suggestions.find((s) => s.tag === 'scam-manual')!;
  const chat = list.suggestions.find((s) => s.tag === 'crypto-wallet')!;
  const acc = await runCli(['suggest', 'accept', casePath, String(manual.id), '--comment', 'the call script']);
  assert.equal(acc.code, 0, acc.err);
  assert.match(acc.out, new RegExp(`Suggestion ${manual.id} accepted: item ${manual.itemId} tagged scam-manual`));
  const rej = await runCli(['suggest', 'reject', casePath, String(chat.id)]);
  assert.equal(rej.code, 0, rej.err);
  const again = await runCli(['suggest', 'reject', casePath, String(chat.id)]);
  assert.equal(again.code, 4);
  assert.match(again.err, /already rejected/);
  assert.equal((await runCli(['suggest', 'accept', casePath, 'x'])).code, 2);
  const log = await runCli(['log', casePath, '--action', 'suggestion']);
  assert.match(log.out, /suggestion\.accepted/);
  assert.match(log.out, /suggestion\.rejected/);
  const run = await runCli(['suggest', 'run', casePath]);
  assert.match(run.out, /0 new suggestions/);
  const packFile = join(root0, 'p.json');
  writeFileSync(packFile, JSON.stringify({ id: 'p', name: 'P', version: 1, rules: [{ id: 'r', tag: 'irrelevant', description: 'd', keywords: { minScore: 1, terms: [{ text: 'lorem' }] } }] }));
  const add = await runCli(['rules', 'add', casePath, packFile]);
  assert.equal(add.code, 0, add.err);
  assert.match((await runCli(['rules', 'ls', casePath])).out, /^p\s+1\s+1\s+case \(DS Tanaka\)\s+P$/m);
});

test('a wallet suggestion shows only addresses of the kind it counts (a verified count, verified samples)', async (t) => {
  const { service, casePath, session } = newCase(t);
  const root = join(tempDir(t), 'phone');
  mkdirSync(root);
  const w = walletAddresses(5);
  const unverified = [`0x${'cd34'.repeat(10)}`, `0x${'9f'.repeat(20)}`]; // one case each: no checksum
  // One verified address between two unverified ones, no crypto words (the unchecked rule stays quiet).
  writeFileSync(join(root, 'memo.txt'), `控え ${unverified[0]}\n送金先 ${w.tron}\n予備 ${unverified[1]}\n`);
  await service.ingest({ session, sourcePath: root, exhibit: exhibitIn(service, session, 'EXH-W') });
  const [s, ...rest] = service.listSuggestions({ casePath, tag: 'crypto-wallet' }).suggestions;
  assert.ok(s);
  assert.deepEqual(rest, []);
  assert.equal(s.rule, 'money/wallet-verified');
  assert.equal(s.evidence.metrics['wallets.verified'], 1);
  assert.deepEqual(s.evidence.samples, { wallets: [w.tron] });
  assert.equal(s.evidence.summary, `1 checksum-verified wallet addresses; sample: ${w.tron}`);
  for (const u of unverified) assert.ok(!JSON.stringify(s.evidence).includes(u), `${u} is not offered as a sample of a verified count`);
});
