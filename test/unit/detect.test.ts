// Detectors as pure functions over strings, and the shipped rule packs over generated fixtures:
// the target list, the scam manual and the wallet chat are found; the noise raises nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { findBankAccounts, ibanValid } from '../../src/core/detect/bank.ts';
import { findContacts } from '../../src/core/detect/contacts.ts';
import { detect, metricsOf, samplesFor } from '../../src/core/detect/detect.ts';
import { keccak256Hex } from '../../src/core/detect/keccak.ts';
import { nameInRow } from '../../src/core/detect/names.ts';
import { findPhones } from '../../src/core/detect/phones.ts';
import { countKeywords, evaluateRules, parseRulePack, shippedRulePacks } from '../../src/core/detect/rules.ts';
import { ethAddressStatus, findWallets, isBtcBase58, isBtcBech32, isTronAddress } from '../../src/core/detect/wallets.ts';
import { corrupt, noise, scamManualJa, targetList, walletAddresses, walletChat } from '../fixtures/detect.ts';

const packs = shippedRulePacks();
const suggest = (text: string) => evaluateRules(packs, detect(text), text);

test('keccak-256 matches the published vectors', () => {
  assert.equal(keccak256Hex(new Uint8Array()), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  assert.equal(keccak256Hex(new TextEncoder().encode('abc')), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
});

test('wallet checksums: published addresses verify, one changed character does not', () => {
  // BTC: the genesis block's address, a P2SH, BIP-173 and BIP-350 vectors.
  for (const a of ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy']) {
    assert.ok(isBtcBase58(a), a);
    assert.ok(!isBtcBase58(corrupt(a)), `${corrupt(a)} is corrupted`);
  }
  for (const a of [
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
    'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3',
    'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
  ]) {
    assert.ok(isBtcBech32(a), a);
    assert.ok(!isBtcBech32(corrupt(a)), `${corrupt(a)} is corrupted`);
  }
  // A v1 program with a bech32 (not bech32m) checksum is invalid (BIP-350).
  assert.ok(!isBtcBech32('bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx'));
  // TRON: the USDT-TRC20 contract address.
  assert.ok(isTronAddress('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'));
  assert.ok(!isTronAddress(corrupt('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')));
  // ETH: the EIP-55 examples; a changed case breaks the checksum; one case has none to check.
  for (const a of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
    assert.equal(ethAddressStatus(a), 'verified', a);
  }
  assert.equal(ethAddressStatus('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'), 'invalid');
  assert.equal(ethAddressStatus('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'), 'unverified');
  // Generated ones verify; corrupted ones are counted as rejected, not as wallets.
  const w = walletAddresses(42);
  const f = findWallets(`${w.tron} ${w.btc} ${w.eth} ${corrupt(w.tron)} ${corrupt(w.btc)}`);
  assert.deepEqual([...f.tron], [w.tron]);
  assert.deepEqual([...f.btc], [w.btc]);
  assert.deepEqual([...f.eth], [w.eth]);
  assert.equal(f.rejected, 2);
});

test('phone numbers: Japanese and regional formats, full-width digits, E.164 dedupe; dates and decimals are not numbers', () => {
  const text = `山田太郎,090-1234-5678,東京都
佐藤花子様 ０９０－１２３４－５６７８
Call +855 12 345 678, 0812345678 or +81 90 1111 2222. 012 345 678
(03) 3333-4444 tel:0120-123-456 13812345678 0081-90-3333-4444
order 2024-01-01 pi 3.14159265 v1.2.3 192.168.0.1 1709251200000`.normalize('NFKC');
  const { hits } = findPhones(text);
  const e164 = hits.map((h) => h.e164);
  assert.deepEqual(new Set(e164), new Set(['+819012345678', '+85512345678', '+819011112222', '+81333334444', '+81120123456', '+8613812345678', '+819033334444', e164.find((x) => x.endsWith('812345678') && !x.startsWith('+855'))!]));
  assert.equal(hits.filter((h) => h.e164 === '+819012345678').length, 2, 'the full-width copy is the same number');
  assert.equal(hits.find((h) => h.e164 === '+819012345678')!.type, 'MOBILE');
  assert.equal(hits.find((h) => h.e164 === '+85512345678')!.region, 'KH');
  const r = detect(text);
  assert.equal(r.phones.distinct, 8);
  assert.equal(r.phones.byRegion.JP, 5);
  // Nothing in dates, versions, IPs, decimals, timestamps.
  assert.equal(findPhones('2024-01-01 3.14159265 v1.2.3 192.168.0.1 1709251200000 12345678 20240301').hits.length, 0);
});

test('names beside Japanese numbers: cells and honorifics count, headings and statuses do not', () => {
  const blank = '\uFFFC'.repeat(13);
  assert.equal(nameInRow(`1,山田 太郎,ヤマダ,${blank},東京都`), '山田 太郎');
  assert.equal(nameInRow(`佐藤花子様 ${blank}`), '佐藤花子');
  assert.equal(nameInRow(`山本 ${blank} 東京都新宿区`), '山本');
  assert.equal(nameInRow(`昨日、鈴木さんに ${blank} から電話`), '鈴木');
  assert.equal(nameInRow(`昨日、${blank} から電話`), null);
  assert.equal(nameInRow('No,氏名,フリガナ,電話番号'), null);
  assert.equal(nameInRow(`不在,${blank},,,`), null);
  assert.equal(nameInRow(`東京都新宿区,${blank},,`), null);
  const list = targetList(150);
  const r = detect(list.csv);
  assert.equal(r.phones.byRegion.JP, 150);
  assert.ok(r.names.rows >= 145, `names in ${r.names.rows} rows`);
});

test('e-mail, URLs, domains; file names with @2x are not addresses', () => {
  const f = findContacts('mail boss@example.co.jp or Boss@Example.co.jp; see https://pay.example.com/a?b=1, www.test.org. icon@2x.png');
  assert.deepEqual([...f.emails], ['boss@example.co.jp']);
  assert.deepEqual([...f.urls], ['https://pay.example.com/a?b=1', 'www.test.org']);
  assert.deepEqual([...f.domains].sort(), ['example.co.jp', 'pay.example.com', 'test.org']);
});

test('bank accounts: IBAN with mod-97, Japanese transfer instructions', () => {
  assert.ok(ibanValid('GB82WEST12345698765432'));
  assert.ok(ibanValid('DE89 3704 0044 0532 0130 00'));
  assert.ok(!ibanValid('GB82WEST12345698765433'));
  assert.ok(!ibanValid('GB82WEST1234569876543'), 'wrong length for GB');
  const f = findBankAccounts('振込先：みずほ銀行 新宿支店 普通 1234567 口座名義 ヤマダ タロウ\n当座預金 7654321\nゆうちょ 記号 10120 番号 12345671\nIBAN GB82 WEST 1234 5698 7654 32 and DE89370400440532013000');
  assert.deepEqual([...f.jpAccounts].sort(), ['10120-12345671', '1234567', '7654321']);
  assert.ok(f.jpBranches.has('新宿支店'));
  assert.ok(f.jpHolders.has('ヤマダ タロウ'));
  assert.deepEqual([...f.ibans].sort(), ['DE89370400440532013000', 'GB82WEST12345698765432']);
  // A 7-digit number with no transfer words is not an account.
  assert.equal(findBankAccounts('注文番号 1234567').jpAccounts.size, 0);
});

test('a Japanese target list (CSV and text) is suggested as a target list, with counts and samples', () => {
  const list = targetList(150);
  for (const text of [list.csv, list.text]) {
    const hits = suggest(text);
    const t = hits.find((h) => h.tag === 'target-list');
    assert.ok(t, `target-list among ${hits.map((h) => h.tag)}`);
    assert.equal(t.ruleId, 'target-lists/jp-names-and-numbers');
    assert.match(t.evidence.summary, /^150 distinct JP numbers; 1[45]\d rows with a name beside a JP number; sample: \+81/);
    assert.ok(t.score >= 2.8);
    assert.equal(t.evidence.metrics['phones.JP'], 150);
    assert.deepEqual(hits.map((h) => h.tag).filter((x) => x !== 'target-list'), [], 'nothing else');
  }
});

test('a Japanese scam manual is suggested as a scam manual, with its phrases', () => {
  const hits = suggest(scamManualJa());
  const s = hits.find((h) => h.tag === 'scam-manual');
  assert.ok(s);
  assert.equal(s.ruleId, 'scam-scripts/ja');
  for (const p of ['未払い', '利用料金', '法的措置', '弁護士費用', '返金', '至急ご連絡']) assert.ok(s.evidence.keywords![p]! > 0, p);
  assert.match(s.evidence.summary, /phrases \(ja\): 未払い ×\d/);
});

test('a chat with a USDT-TRC20 and a BTC address is suggested as crypto-wallet', () => {
  const chat = walletChat();
  const hits = suggest(chat.text);
  const w = hits.find((h) => h.tag === 'crypto-wallet');
  assert.ok(w);
  assert.equal(w.evidence.metrics['wallets.verified'], 2);
  assert.ok(w.evidence.samples.wallets!.includes(chat.tron) && w.evidence.samples.wallets!.includes(chat.btc));
  // Corrupt both and the suggestion goes away.
  const broken = chat.text.replace(chat.tron, corrupt(chat.tron)).replace(chat.btc, corrupt(chat.btc));
  assert.equal(suggest(broken).filter((h) => h.tag === 'crypto-wallet').length, 0);
});

test('noise raises no suggestion: prose, code, random bytes, a shopping list with two numbers', () => {
  for (const [name, bytes] of Object.entries(noise())) {
    for (const text of [bytes.toString('utf8'), bytes.toString('latin1')]) {
      const hits = suggest(text);
      assert.deepEqual(hits.map((h) => `${h.ruleId}: ${h.evidence.summary}`), [], name);
    }
  }
  const r = detect(noise()['shopping.txt']!.toString());
  assert.equal(r.phones.distinct, 2);
  assert.equal(metricsOf(r)['phones.JP'], 2);
});

test('every tag a shipped rule suggests is in the shipped vocabulary', () => {
  const vocabulary = new Set((JSON.parse(readFileSync(new URL('../../assets/tags.json', import.meta.url), 'utf8')) as { tags: { id: string }[] }).tags.map((t) => t.id));
  for (const p of packs) for (const r of p.rules) assert.ok(vocabulary.has(r.tag), `${p.id}/${r.id} suggests ${r.tag}`);
});

test('rule packs are validated with readable errors; keywords match whole Latin words only', () => {
  assert.throws(() => parseRulePack('{', 'x.json'), /not valid JSON/);
  assert.throws(() => parseRulePack(JSON.stringify({ id: 'X', name: 'n', version: 1, rules: [] }), 'x.json'), /id: use lowercase.*rules: a rule pack needs at least one rule/);
  assert.throws(
    () => parseRulePack(JSON.stringify({ id: 'x', name: 'n', version: 1, rules: [{ id: 'a', tag: 'target-list', description: 'd', metrics: [{ metric: 'phones.nope', min: 1 }] }] }), 'x.json'),
    /rules\.0\.metrics\.0\.metric: a metric is one of: text\.chars/,
  );
  assert.throws(() => parseRulePack(JSON.stringify({ id: 'x', name: 'n', version: 1, rules: [{ id: 'a', tag: 'target-list', description: 'd' }] }), 'x.json'), /needs keywords or at least one metric/);
  const counts = countKeywords('The court was courteous. COURT! 未払い未払い', ['court', '未払い']);
  assert.equal(counts.get('court'), 2);
  assert.equal(counts.get('未払い'), 2);
});

test('samples match their count: a verified wallet count shows verified addresses only, an IBAN count IBANs, a JP count JP numbers', () => {
  const w = walletAddresses(7);
  const unverified = `0x${'ab12'.repeat(10)}`; // one case: no checksum to verify
  // The case that misled: one verified address and one without checksum, no crypto words.
  const text = `送金先 ${w.tron}\n控え ${unverified}\n`;
  const r = detect(text);
  assert.equal(r.wallets.verified, 1);
  assert.equal(r.wallets.ethUnverified, 1);
  assert.deepEqual(samplesFor(r, 'wallets.verified'), [w.tron]);
  assert.deepEqual(samplesFor(r, 'wallets.ethUnverified'), [unverified]);
  assert.deepEqual(samplesFor(r, 'wallets.btc'), []);
  const hit = evaluateRules(packs, r, text).find((h) => h.ruleId === 'money/wallet-verified');
  assert.ok(hit);
  assert.deepEqual(hit.evidence.samples, { wallets: [w.tron] });
  assert.equal(hit.evidence.summary, `1 checksum-verified wallet addresses; sample: ${w.tron}`);
  assert.ok(!hit.evidence.summary.includes(unverified));
  // With crypto words the unchecked-address rule fires too, with its own kind of sample.
  const worded = `${text}USDT wallet\n`;
  const unchecked = evaluateRules(packs, detect(worded), worded).find((h) => h.ruleId === 'money/wallet-eth-unchecked');
  assert.ok(unchecked);
  assert.deepEqual(unchecked.evidence.samples, { wallets: [unverified] });
  // Two stated counts of one family: both kinds, each from its own count.
  const pack = parseRulePack(
    JSON.stringify({ id: 'p', name: 'p', version: 1, rules: [{ id: 'r', tag: 'crypto-wallet', description: 'd', metrics: [{ metric: 'wallets.tron', min: 1 }, { metric: 'wallets.btc', min: 1 }] }] }),
    'p.json',
  );
  const both = `${w.tron} ${w.btc} ${unverified}`;
  assert.deepEqual(evaluateRules([pack], detect(both), both)[0]!.evidence.samples, { wallets: [w.tron, w.btc] });

  // Bank: an IBAN count is shown with IBANs, not with the account numbers beside them.
  const bankText = 'GB82 WEST 1234 5698 7654 32\nDE89 3704 0044 0532 0130 00\n普通 1234567\n';
  const b = detect(bankText);
  assert.equal(b.bank.iban, 2);
  assert.deepEqual([...samplesFor(b, 'bank.iban')].sort(), ['DE89370400440532013000', 'GB82WEST12345698765432']);
  assert.ok(!samplesFor(b, 'bank.jpAccounts').some((s) => /^[A-Z]{2}\d{2}/.test(s)));
  // Phones: a JP count is shown with JP numbers only.
  const p = detect('+855 12 345 678\n090-1234-5678\n');
  assert.deepEqual(samplesFor(p, 'phones.JP'), ['+819012345678']);
  assert.deepEqual(samplesFor(p, 'phones.TH'), []);
  assert.equal(samplesFor(p, 'phones.distinct').length, 2);
});
