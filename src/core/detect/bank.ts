// Bank-account patterns. Only what can be told apart from other numbers is counted:
//  - IBAN: country code, 2 check digits, the country's exact length (SWIFT registry lengths for
//    the countries below) and the ISO 13616 mod-97 check. A random string passes one in 97, and
//    the length rule cuts that further; countries not in the table are not counted.
//  - Japanese accounts have no check digit, so a 7-digit number is counted only where a
//    Japanese transfer instruction names it: after 普通 / 当座 / 貯蓄 / 総合 (預金) or 口座番号
//    ("普通 1234567", "口座番号：1234567"), and Japan Post Bank 記号 1xxxx 番号 xxxxxxxx. Beside
//    them, bank names (…銀行, …信用金庫, …信金, …信用組合), branch names (…支店, …出張所) and
//    account holders after 口座名義 / 名義人 (katakana) are counted. Full-width digits are
//    folded by NFKC before this runs.
// A scam manual quoting one "振込先" account and a ledger of hundreds both show here; the rules
// decide what counts as a financial record.

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

/** ISO 13616 check: move the first four characters to the end, letters to 10..35, mod 97 == 1. */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  if (IBAN_LENGTHS[s.slice(0, 2)] !== s.length) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

const RE_IBAN = /(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30})(?![A-Za-z0-9])/g;
const JA = '\\p{Script=Han}\\p{Script=Katakana}ー';
const RE_JP_ACCOUNT = /(?:(?:普通|当座|貯蓄|総合)(?:預金)?(?:口座)?|口座番号)[\s:：]*(?:口座番号[\s:：]*)?(?:No\.?|№)?[\s:：]*(\d{7})(?!\d)/gu;
const RE_YUCHO = /記号[\s:：]*(1\d{4})[\s\-－、,]*(?:番号)?[\s:：]*(\d{6,8})(?!\d)/gu;
const RE_BANK = new RegExp(`([${JA}]{1,10}(?:銀行|信用金庫|信金|信用組合|労働金庫))`, 'gu');
const RE_BRANCH = new RegExp(`([${JA}]{1,10}(?:支店|出張所))`, 'gu');
const RE_HOLDER = /(?:口座名義|名義人?)[\s:：]*([\p{Script=Katakana}ー][\p{Script=Katakana}ー ]{1,29})/gu;

export interface BankFindings {
  ibans: Set<string>;
  jpAccounts: Set<string>;
  jpBanks: Set<string>;
  jpBranches: Set<string>;
  jpHolders: Set<string>;
}

export function findBankAccounts(text: string): BankFindings {
  const f: BankFindings = { ibans: new Set(), jpAccounts: new Set(), jpBanks: new Set(), jpBranches: new Set(), jpHolders: new Set() };
  for (const m of text.matchAll(RE_IBAN)) {
    const compact = m[1]!.replace(/ /g, '');
    const len = IBAN_LENGTHS[compact.slice(0, 2)];
    // The pattern may run into the next word: take the country's length when it ends a group.
    if (len && compact.length >= len && ibanValid(compact.slice(0, len))) f.ibans.add(compact.slice(0, len));
  }
  for (const m of text.matchAll(RE_JP_ACCOUNT)) f.jpAccounts.add(m[1]!);
  for (const m of text.matchAll(RE_YUCHO)) f.jpAccounts.add(`${m[1]}-${m[2]}`);
  if (f.jpAccounts.size > 0) {
    // Bank, branch and holder names count only beside an account number.
    for (const m of text.matchAll(RE_BANK)) f.jpBanks.add(m[1]!);
    for (const m of text.matchAll(RE_BRANCH)) f.jpBranches.add(m[1]!);
    for (const m of text.matchAll(RE_HOLDER)) f.jpHolders.add(m[1]!.trim());
  }
  return f;
}
