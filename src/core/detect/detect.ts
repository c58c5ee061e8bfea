// All detectors over one text: pure functions, no database, no I/O. The report holds counts and
// a few samples of each kind; metricsOf() flattens it into the numbers rule packs test.
import { findBankAccounts } from './bank.ts';
import { findContacts } from './contacts.ts';
import { namesBesidePhones } from './names.ts';
import { findPhones } from './phones.ts';
import { findWallets } from './wallets.ts';

/** Longest text looked at per item (characters); past it, counts are lower bounds. */
export const MAX_DETECT_CHARS = 8_000_000;
const SAMPLES = 5;

export interface Counted {
  distinct: number;
  samples: string[];
  /**
   * Samples of one count only, by the metric's second part ('verified', 'JP', 'iban'...): the
   * samples shown with a count are of that kind ("1 checksum-verified wallet address" is never
   * followed by an unverified one).
   */
  samplesBy?: Record<string, string[]>;
}

export interface DetectionReport {
  chars: number;
  lines: number;
  /** The text was longer than MAX_DETECT_CHARS, or held more phone candidates than looked at. */
  truncated: boolean;
  phones: Counted & {
    occurrences: number;
    /** Distinct numbers per region (JP, KH, ...; 'other' for regions outside the list). */
    byRegion: Record<string, number>;
    mobile: number;
    international: number;
    /** Lines holding at least one number, over non-empty lines. */
    lineShare: number;
  };
  /** Rows with a Japanese number and a Japanese name beside it. */
  names: Counted & { rows: number };
  emails: Counted & { occurrences: number };
  urls: Counted;
  domains: Counted;
  wallets: Counted & { verified: number; btc: number; eth: number; tron: number; ethUnverified: number; rejected: number };
  bank: Counted & { iban: number; jpAccounts: number; jpBanks: number; jpBranches: number; jpHolders: number };
}

const first = (xs: Iterable<string>, n = SAMPLES): string[] => {
  const out: string[] = [];
  for (const x of xs) {
    if (out.length >= n) break;
    out.push(x);
  }
  return out;
};

/** Folds full-width digits, letters and punctuation (NFKC), as Japanese text often has them. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC');
}

export function detect(input: string): DetectionReport {
  const truncated = input.length > MAX_DETECT_CHARS;
  const text = normaliseText(truncated ? input.slice(0, MAX_DETECT_CHARS) : input);
  const { hits, truncated: phonesTruncated } = findPhones(text);
  const distinct = new Map<string, (typeof hits)[number]>();
  for (const h of hits) if (!distinct.has(h.e164)) distinct.set(h.e164, h);
  const byRegion: Record<string, number> = {};
  let mobile = 0;
  let international = 0;
  for (const h of distinct.values()) {
    const r = h.region ?? 'other';
    byRegion[r] = (byRegion[r] ?? 0) + 1;
    if (h.type === 'MOBILE' || h.type === 'FIXED_LINE_OR_MOBILE') mobile++;
    if (h.international) international++;
  }
  const phoneSamples: Record<string, string[]> = {};
  const addSample = (key: string, v: string): void => {
    const list = (phoneSamples[key] ??= []);
    if (list.length < SAMPLES) list.push(v);
  };
  for (const h of distinct.values()) {
    addSample(h.region ?? 'other', h.e164);
    if (h.type === 'MOBILE' || h.type === 'FIXED_LINE_OR_MOBILE') addSample('mobile', h.e164);
    if (h.international) addSample('international', h.e164);
  }
  let lines = 0;
  let nonEmpty = 0;
  let withPhone = 0;
  let hi = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    lines++;
    if (text.slice(pos, end).trim()) nonEmpty++;
    let has = false;
    while (hi < hits.length && hits[hi]!.start < end) {
      if (hits[hi]!.start >= pos) has = true;
      hi++;
    }
    if (has) withPhone++;
    pos = end + 1;
  }
  const names = namesBesidePhones(text, hits);
  const contacts = findContacts(text);
  const w = findWallets(text);
  const b = findBankAccounts(text);
  const verified = w.btc.size + w.eth.size + w.tron.size;
  return {
    chars: input.length,
    lines,
    truncated: truncated || phonesTruncated,
    phones: {
      distinct: distinct.size,
      occurrences: hits.length,
      byRegion,
      mobile,
      international,
      lineShare: nonEmpty ? withPhone / nonEmpty : 0,
      samples: first([...distinct.values()].map((h) => h.e164)),
      samplesBy: phoneSamples,
    },
    names: { rows: names.rows, distinct: names.names.size, samples: names.samples },
    emails: { distinct: contacts.emails.size, occurrences: contacts.emailOccurrences, samples: first(contacts.emails) },
    urls: { distinct: contacts.urls.size, samples: first(contacts.urls) },
    domains: { distinct: contacts.domains.size, samples: first(contacts.domains) },
    wallets: {
      distinct: verified + w.ethUnverified.size,
      verified,
      btc: w.btc.size,
      eth: w.eth.size,
      tron: w.tron.size,
      ethUnverified: w.ethUnverified.size,
      rejected: w.rejected,
      samples: first([...w.tron, ...w.btc, ...w.eth, ...w.ethUnverified]),
      samplesBy: {
        verified: first([...w.tron, ...w.btc, ...w.eth]),
        btc: first(w.btc),
        eth: first(w.eth),
        tron: first(w.tron),
        ethUnverified: first(w.ethUnverified),
      },
    },
    bank: {
      distinct: b.ibans.size + b.jpAccounts.size,
      iban: b.ibans.size,
      jpAccounts: b.jpAccounts.size,
      jpBanks: b.jpBanks.size,
      jpBranches: b.jpBranches.size,
      jpHolders: b.jpHolders.size,
      samples: first([...b.ibans, ...[...b.jpAccounts].map((a) => `口座 ${a}`), ...b.jpBanks, ...b.jpBranches]),
      samplesBy: {
        iban: first(b.ibans),
        jpAccounts: first([...b.jpAccounts].map((a) => `口座 ${a}`)),
        jpBanks: first(b.jpBanks),
        jpBranches: first(b.jpBranches),
        jpHolders: first(b.jpHolders),
      },
    },
  };
}

/** The names rule packs use for detector counts, with what each means (for evidence text). */
export const METRICS = {
  'text.chars': 'characters',
  'text.lines': 'lines',
  'phones.distinct': 'distinct phone numbers',
  'phones.occurrences': 'phone numbers (with repeats)',
  'phones.mobile': 'distinct mobile numbers',
  'phones.international': 'distinct numbers in international format',
  'phones.lineShare': 'share of lines with a phone number',
  'phones.JP': 'distinct JP numbers',
  'phones.KH': 'distinct KH numbers',
  'phones.MM': 'distinct MM numbers',
  'phones.TH': 'distinct TH numbers',
  'phones.VN': 'distinct VN numbers',
  'phones.CN': 'distinct CN numbers',
  'phones.PH': 'distinct PH numbers',
  'phones.ID': 'distinct ID numbers',
  'phones.MY': 'distinct MY numbers',
  'phones.KR': 'distinct KR numbers',
  'phones.LA': 'distinct LA numbers',
  'names.rows': 'rows with a name beside a JP number',
  'names.distinct': 'names',
  'emails.distinct': 'distinct e-mail addresses',
  'urls.distinct': 'distinct URLs',
  'domains.distinct': 'distinct domains',
  'wallets.verified': 'checksum-verified wallet addresses',
  'wallets.btc': 'BTC addresses',
  'wallets.eth': 'ETH addresses (EIP-55 checksum)',
  'wallets.tron': 'TRON/USDT-TRC20 addresses',
  'wallets.ethUnverified': 'ETH-format addresses without checksum',
  'bank.iban': 'valid IBANs',
  'bank.jpAccounts': 'Japanese bank account numbers',
  'bank.jpBanks': 'bank names',
  'bank.jpBranches': 'branch names',
  'bank.jpHolders': 'account holder names',
} as const;
export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Phone counts of every number found, whose samples are any of them. */
const PHONE_WIDE = { 'phones.distinct': 1, 'phones.occurrences': 1, 'phones.lineShare': 1 } as const;

export function metricsOf(r: DetectionReport): Record<MetricName, number> {
  const m: Record<string, number> = {
    'text.chars': r.chars,
    'text.lines': r.lines,
    'phones.distinct': r.phones.distinct,
    'phones.occurrences': r.phones.occurrences,
    'phones.mobile': r.phones.mobile,
    'phones.international': r.phones.international,
    'phones.lineShare': r.phones.lineShare,
    'names.rows': r.names.rows,
    'names.distinct': r.names.distinct,
    'emails.distinct': r.emails.distinct,
    'urls.distinct': r.urls.distinct,
    'domains.distinct': r.domains.distinct,
    'wallets.verified': r.wallets.verified,
    'wallets.btc': r.wallets.btc,
    'wallets.eth': r.wallets.eth,
    'wallets.tron': r.wallets.tron,
    'wallets.ethUnverified': r.wallets.ethUnverified,
    'bank.iban': r.bank.iban,
    'bank.jpAccounts': r.bank.jpAccounts,
    'bank.jpBanks': r.bank.jpBanks,
    'bank.jpBranches': r.bank.jpBranches,
    'bank.jpHolders': r.bank.jpHolders,
  };
  for (const region of ['JP', 'KH', 'MM', 'TH', 'VN', 'CN', 'PH', 'ID', 'MY', 'KR', 'LA']) m[`phones.${region}`] = r.phones.byRegion[region] ?? 0;
  return m as Record<MetricName, number>;
}

/**
 * Samples that go with a metric, for a suggestion's evidence: of that count's own kind where the
 * family mixes kinds (wallets, bank, phones by region), else the family's.
 */
export function samplesFor(r: DetectionReport, metric: MetricName): string[] {
  const [family, part] = metric.split('.') as [string, string];
  switch (family) {
    case 'phones':
      return r.phones.samplesBy?.[part] ?? (metric in PHONE_WIDE ? r.phones.samples : []);
    case 'names':
      return r.names.samples;
    case 'emails':
      return r.emails.samples;
    case 'urls':
      return r.urls.samples;
    case 'domains':
      return r.domains.samples;
    case 'wallets':
      return r.wallets.samplesBy?.[part] ?? [];
    case 'bank':
      return r.bank.samplesBy?.[part] ?? [];
    default:
      return [];
  }
}
