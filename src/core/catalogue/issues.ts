// An item's problems and notices (issue 12 item 4). The readers (src/core/sources, the ZIP
// module, the ingest and its workers) write what they found about an item as one `error` text,
// messages joined by '; '. That text is what the ingest's custody event commits (the catalogue
// digest, custody/catalogueDigest.ts), so it stays the one record: the severity and code of each
// message are read from it here, by the rules below, wherever the catalogue is read. A separate
// column would not be committed: editing it could hide a failure without verify noticing.
//
// - problem: the item was not read as it is, or what was read disagrees with what the export
//   says (could not read, hash or CRC mismatch, truncated, declared size exceeded, a limit hit,
//   a hostile name). Problems are counted: summaries, `ls --errors`, the Errors view, verify.
// - notice: a fact the examiner should know that is not a failure (an encrypted member hashed as
//   stored, a sparse file, a link recorded and not followed, a name decoded from Shift_JIS).
//   Shown on the item, never counted as a problem.
// A message no rule knows is a problem ('unclassified'): a failure is never hidden by default.
import type { DB } from '../db/open.ts';

export type IssueSeverity = 'problem' | 'notice';

export interface ItemIssue {
  severity: IssueSeverity;
  /** Stable identifier of the kind of message (e.g. 'crc-mismatch', 'encrypted-raw'). */
  code: string;
  message: string;
}

interface Rule {
  code: string;
  severity: IssueSeverity;
  test: RegExp;
  /** The message itself contains '; ' outside brackets: the fragments after it belong to it. */
  continues?: boolean;
}

const P = 'problem' as const;
const N = 'notice' as const;

/** Every message the readers write, by its opening words (where it is produced in the comments). */
export const ISSUE_RULES: readonly Rule[] = [
  // Reading (item/worker.ts, ingest/ingest.ts, sources/folder.ts, sources/iosBackup.ts). What a
  // stream reported when it stopped comes first (item/readInto.ts, sources/zip.ts inflatingStream).
  { code: 'declared-size-exceeded', severity: P, test: /^could not read: (decodes|decompresses) to more than its declared/ },
  { code: 'truncated', severity: P, test: /^could not read: (truncated|decompresses to \d+ bytes, fewer than)/ },
  { code: 'read-failed', severity: P, test: /^could not (read|be hashed|list the folder's contents)/, continues: true },
  { code: 'read-failed', severity: P, test: /^the file blob in Manifest\.db could not be read|^Manifest\.db has no file blob/ },
  { code: 'truncated', severity: P, test: /^the file ended early while it was read/, continues: true },
  { code: 'truncated', severity: P, test: /^truncated\b|^decompresses to \d+ bytes, fewer than|^member data runs past the end|^local header lies past the end/ },
  { code: 'declared-size-exceeded', severity: P, test: /^(decodes|decompresses) to more than its declared/ },
  // Integrity (stages/catalogue/catalogue.ts hashMismatches, item/worker.ts, sources/zip.ts).
  { code: 'hash-mismatch', severity: P, test: /^hash mismatch: the extraction report records/, continues: true },
  { code: 'crc-mismatch', severity: P, test: /^CRC-32 mismatch/ },
  { code: 'fileid-mismatch', severity: P, test: /^fileID (does not match|is not 40 hex digits)/ },
  { code: 'size-mismatch', severity: P, test: /^size in the backup folder \(\d+\) differs|^stored member whose sizes disagree/ },
  // Listed but absent (sources/ufdr.ts, sources/iosBackup.ts).
  { code: 'missing-from-export', severity: P, test: /^listed in (report\.xml|Manifest\.db) but missing from/ },
  { code: 'report-unreadable', severity: P, test: /^report\.xml (could not|is larger|decodes to more)/, continues: true },
  // Bounds and attacks (sources/zip.ts, sources/tar.ts, sources/detect.ts, ingest/ingest.ts).
  { code: 'zip-bomb-guard', severity: P, test: /^compression ratio .* exceeds the limit|zip bomb (technique|guard)/ },
  { code: 'limit-reached', severity: P, test: /^(total size limit|entry limit) reached/, continues: true },
  { code: 'nested-too-deep', severity: P, test: /^not opened: a .* nested deeper than/ },
  { code: 'hostile-name', severity: P, test: /^hostile name:/, continues: true },
  { code: 'hostile-link', severity: P, test: /^hardlink target is a hostile path/ },
  { code: 'data-not-hashed', severity: P, test: /^folder entry carries \d+ bytes of data|^\d+ bytes of data after a .* header \(skipped, not hashed\)/ },
  { code: 'link-not-read', severity: P, test: /^link target (not read|too long)|: link target not read$/ },
  { code: 'damaged-container', severity: P, test: /^(damaged header|malformed PAX|oversized '.*' header|its central directory cannot be read|central directory damaged|its end records cannot be used|no end-of-central-directory record|no local header at offset|damaged deflate data)/, continues: true },
  { code: 'damaged-container', severity: P, test: /^(container could not be read to the end|iPhone backup could not be read to the end|container not opened: its store copy is missing)/, continues: true },
  // The container as a whole (sources/zip.ts salvage, sources/tar.ts, sources/androidBackup.ts).
  { code: 'damaged-container', severity: P, test: /^not a (readable|complete) | stream damaged after \d+ entries|^Android backup (could not be read|data is corrupt|header|uses an unknown encryption)/, continues: true },
  { code: 'backup-metadata-unreadable', severity: P, test: /^(Info\.plist|Manifest\.plist) (is absent|could not be read)|^Manifest\.db is not an SQLite database/ },

  // Notices: facts, not failures.
  { code: 'encrypted-raw', severity: N, test: /^encrypted, not extracted/ },
  { code: 'encrypted-backup', severity: N, test: /^encrypted (backup|Android backup)/ },
  { code: 'method-unsupported-raw', severity: N, test: /^compression method \d+.* not supported: raw bytes hashed/ },
  { code: 'sparse-file', severity: N, test: /^GNU sparse file/ },
  { code: 'multi-volume', severity: N, test: /^multi-volume continuation/ },
  { code: 'unknown-entry-type', severity: N, test: /^unknown TAR entry type|^old GNU 'N'/ },
  { code: 'link-not-followed', severity: N, test: /^symlink points outside the archive \(recorded, never followed\)|: recorded, not followed$/ },
  { code: 'duplicate-name', severity: N, test: /^duplicate name: an earlier member has the same name|^recorded twice under the same path|^empty member name: recorded as/ },
  { code: 'unicode-collision', severity: N, test: /^name collides with an earlier member/ },
  { code: 'name-not-utf8', severity: N, test: /^name flagged as UTF-8 but not valid UTF-8/ },
  { code: 'local-header-differs', severity: N, test: /^the local header (names this member differently|records compression method)/ },
  { code: 'bytes-outside-zip', severity: N, test: /^\d+ bytes (before the ZIP|after the end of the ZIP)/ },
  { code: 'recovered-from-local-header', severity: N, test: /^recovered from its local header/ },
  { code: 'no-end-marker', severity: N, test: /^no end-of-archive marker/ },
  { code: 'not-a-ufdr', severity: N, test: /^no report\.xml at the root of this UFDR/ },
  { code: 'unlisted-in-manifest', severity: N, test: /^present in the backup folder but not listed in Manifest\.db/ },
];

/** Splits the stored text at '; ' outside brackets (messages quote errors and lists in brackets). */
export function splitMessages(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if (c === ';' && depth === 0 && text[i + 1] === ' ') {
      out.push(text.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function ruleOf(message: string): Rule | null {
  for (const r of ISSUE_RULES) if (r.test.test(message)) return r;
  return null;
}

const cache = new Map<string, ItemIssue[]>();

/** The issues an item's stored `error` text holds, in the order written. */
export function issuesOfError(error: string | null | undefined): ItemIssue[] {
  if (!error) return [];
  const hit = cache.get(error);
  if (hit) return hit;
  const out: (ItemIssue & { continues: boolean })[] = [];
  for (const part of splitMessages(error)) {
    const rule = ruleOf(part);
    const prev = out[out.length - 1];
    // A fragment no rule knows continues the message before it where that message is known to
    // contain '; ', or is a problem (so nothing is hidden by joining); else it stands alone.
    if (!rule && prev && (prev.continues || prev.severity === 'problem')) {
      prev.message = `${prev.message}; ${part}`;
      continue;
    }
    out.push({ severity: rule?.severity ?? 'problem', code: rule?.code ?? 'unclassified', message: part, continues: rule?.continues ?? false });
  }
  const issues = out.map(({ severity, code, message }) => ({ severity, code, message }));
  if (cache.size > 10_000) cache.clear();
  cache.set(error, issues);
  return issues;
}

const ENCODING_NAMES: Record<string, string> = { shift_jis: 'Shift_JIS', gbk: 'GBK', cp437: 'CP437 (old DOS/Windows ZIP tools)' };

/** Notices that come from what the reader recorded rather than from a message (e.g. a name decoded from Shift_JIS). */
export function noticesOfExtra(extra: Record<string, unknown> | null | undefined): ItemIssue[] {
  const enc = extra?.['nameEncoding'];
  if (typeof enc === 'string' && ENCODING_NAMES[enc]) {
    return [{ severity: 'notice', code: 'name-decoded', message: `name decoded from ${ENCODING_NAMES[enc]}: the archive does not mark its names as UTF-8` }];
  }
  return [];
}

/**
 * The metadata record's error (metadata table, analyze/metadata.ts): a parser error or a block
 * that could not be read is a problem, one message (its parts joined by '; ' belong together).
 */
export function metadataIssues(metaError: string | null | undefined): ItemIssue[] {
  return metaError ? [{ severity: 'problem', code: 'metadata-unreadable', message: metaError }] : [];
}

/** Every issue of an item: its messages, its metadata error, then notices from its reader facts. */
export function itemIssues(error: string | null | undefined, extra?: Record<string, unknown> | null, metaError?: string | null): ItemIssue[] {
  return [...issuesOfError(error), ...metadataIssues(metaError), ...noticesOfExtra(extra)];
}

export function hasProblem(error: string | null | undefined): boolean {
  return issuesOfError(error).some((i) => i.severity === 'problem');
}

/** The problems of an error text, joined as stored ('; '), or null when it holds only notices. */
export function problemText(error: string | null | undefined): string | null {
  const p = issuesOfError(error).filter((i) => i.severity === 'problem');
  return p.length ? p.map((i) => i.message).join('; ') : null;
}

/** SQL name of the function below: item_has_problem(error) is 1 when the text holds a problem. */
export const HAS_PROBLEM_SQL = 'item_has_problem';

/**
 * Lets SQL count and filter problems only (`WHERE item_has_problem(i.error)`), with the same
 * rules, for cases old and new alike. Registered on every connection to a case.
 */
export function registerIssueFunctions(db: DB): void {
  db.function(HAS_PROBLEM_SQL, { deterministic: true }, (error: unknown) => (typeof error === 'string' && hasProblem(error) ? 1 : 0));
}

/** Columns a listing adds so rowWithIssues can split the item's text (items i, metadata m). */
export const ISSUE_COLUMNS_SQL = `i.error AS issue_text, m.error AS issue_meta,
  CASE WHEN json_valid(i.extra) THEN json_extract(i.extra, '$.nameEncoding') END AS issue_name_encoding`;

/**
 * A listed row as the contract gives it: `error` holds the problems only (or the metadata error),
 * `issues` every problem and notice. Takes the ISSUE_COLUMNS_SQL columns off the row.
 */
export function rowWithIssues<T extends { error: string | null }>(row: T): T & { issues: ItemIssue[] } {
  const r = row as T & { issue_text?: string | null; issue_meta?: string | null; issue_name_encoding?: string | null };
  const { issue_text: text = null, issue_meta: meta = null, issue_name_encoding: enc = null, ...rest } = r;
  const issues = itemIssues(text, enc ? { nameEncoding: enc } : null, meta);
  return { ...(rest as unknown as T), error: problemText(text) ?? meta ?? null, issues };
}
