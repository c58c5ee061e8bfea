// What the engine answers: the zod schema of every method's output and of every job event's
// progress and result, and the types inferred from them. The engine (src/core) builds these types
// (it imports them from here rather than declaring its own), the front doors and the renderer
// read them, and test/unit/contract-outputs.test.ts parses real outputs with these schemas, so a
// field cannot be added, renamed or dropped on one side only. Pure TypeScript + zod: no node, no
// dom, no electron. Inputs are in contract.ts, which re-exports this file.
//
// Every object is z.object (unknown keys are stripped, not refused): a check at a boundary
// (checkOutput) then returns the value unchanged when it matches, and the test compares the parsed
// value with the original to catch a key the schema does not name.
import { z } from 'zod';

const str = z.string();
const num = z.number();
const nstr = z.string().nullable();
const nnum = z.number().nullable();
const record = z.record(z.string(), z.unknown());

// Lists of names shared by inputs (contract.ts) and outputs.
export const ROLE_NAMES = ['officer', 'examiner', 'reviewer', 'admin'] as const;
export const roleSchema = z.enum(ROLE_NAMES);
export const TEXT_KIND_NAMES = ['text', 'csv', 'html', 'json', 'docx', 'xlsx', 'pptx', 'odf', 'pdf', 'eml', 'whatsapp', 'line', 'telegram'] as const;
export const textKindSchema = z.enum(TEXT_KIND_NAMES);
/** Families of types, as the navigation shows them. Every file is in exactly one. */
export const FAMILY_NAMES = ['images', 'videos', 'audio', 'documents', 'spreadsheets', 'archives', 'databases', 'chats', 'other'] as const;
export const familySchema = z.enum(FAMILY_NAMES);
export const jobKindSchema = z.enum(['ingest', 'verify', 'export', 'reindex', 'hashset']);
export type JobKind = z.infer<typeof jobKindSchema>;

// ---------------------------------------------------------------------------------------------
// Case, officers, exhibits

export const caseSummarySchema = z.object({
  path: str,
  uuid: str,
  number: str,
  name: str,
  createdAt: str,
  createdBy: str,
  exhibits: num,
  items: num,
  files: num,
  bytes: num,
  custodyEvents: num,
  /** The zone the case's times are shown in (IANA), null when none was set; absent for a bundle. */
  timeZone: nstr.optional(),
});
export type CaseSummary = z.infer<typeof caseSummarySchema>;

export const signedInSchema = z.object({ session: str, officer: str, role: str });

export const officerSchema = z.object({
  name: str,
  badge: nstr,
  unit: nstr,
  role: roleSchema,
  status: z.enum(['active', 'disabled', 'locked']),
  hasPassword: z.boolean(),
  keyFingerprint: nstr,
  createdAt: str,
  createdBy: nstr,
});
export type Officer = z.infer<typeof officerSchema>;

/** An exhibit field the officer recorded that an extraction report contradicts (src/core/exhibits/deviceFacts.ts). */
export const deviceMismatchSchema = z.object({
  field: str,
  label: str,
  recorded: str,
  reported: z.array(str),
  /** The report's item path and the source it was ingested with, and the custody event that recorded it. */
  report: str,
  source: num,
  seq: num,
  message: str,
});
export type DeviceMismatch = z.infer<typeof deviceMismatchSchema>;

export const exhibitSchema = z.object({
  id: num,
  number: str,
  seal_number: nstr,
  description: nstr,
  device_make: nstr,
  device_model: nstr,
  serial: nstr,
  imei: nstr,
  condition: nstr,
  seized_by: nstr,
  seized_at: nstr,
  seized_where: nstr,
  custodian: nstr,
  sealed: num,
  created_at: str,
  created_by: str,
  items: num,
  /** How the device was extracted, from its extraction report (a UFDR's report.xml). */
  extraction_type: nstr,
  extraction_tool: nstr,
  extraction_tool_version: nstr,
  /** Fields the officer recorded that an extraction report of this exhibit contradicts (never overwritten). */
  device_problems: z.array(deviceMismatchSchema),
});
export type Exhibit = z.infer<typeof exhibitSchema>;

// ---------------------------------------------------------------------------------------------
// Custody: events, checkpoints, receipts, verification

export const custodyEventSchema = z.object({
  seq: num,
  at_utc: str,
  tz_offset: str,
  tz_name: str,
  officer: str,
  host: str,
  action: str,
  target: nstr,
  reason: nstr,
  details: record,
  prev_hash: str,
  hash: str,
});
export type CustodyEvent = z.infer<typeof custodyEventSchema>;

/** One page of the custody log (custodyPage): its events in sequence order and where they sit. */
export const custodyPageSchema = z.object({
  events: z.array(custodyEventSchema),
  /** How many events the filters match in all. */
  total: num,
  /** The position of the first event of the page among them (0-based). */
  offset: num,
  /** Asked `at` an event: its position among them, or null when the filters leave it out. */
  at: num.nullable(),
});
export type CustodyPage = z.infer<typeof custodyPageSchema>;

export const checkpointSchema = z.object({
  id: num,
  seq: num,
  head_hash: str,
  at_utc: str,
  officer: str,
  public_key: str,
  statement: str,
  signature: str,
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export const receiptWriteSchema = z.object({
  code: str,
  /** Files the receipt was appended to (and flushed to disk). */
  written: z.array(str),
  /** Folders it could not be written to, with why: the checkpoint stands, but tell the officer. */
  failed: z.array(z.object({ folder: str, file: str, error: str })),
});
export type ReceiptWrite = z.infer<typeof receiptWriteSchema>;

export const checkpointWithReceiptSchema = z.object({ ...checkpointSchema.shape, receipt: receiptWriteSchema });

/** One receipt: the signed checkpoint statement (version 2) and its signature. */
export const receiptSchema = z.object({
  type: str,
  version: num,
  case: str,
  seq: num,
  head_hash: str,
  at_utc: str,
  officer: str,
  public_key: str,
  key_fingerprint: str,
  from_seq: num,
  officers: z.record(z.string(), z.string()),
  witnesses: z.array(str),
  sign_out: z.boolean(),
  signature: str,
});
export type Receipt = z.infer<typeof receiptSchema>;

export const receiptCheckSchema = z.object({
  receipt: receiptSchema,
  where: z.array(str),
  code: str,
  status: z.enum(['agrees', 'beyond-log', 'different', 'invalid']),
});
export type ReceiptCheck = z.infer<typeof receiptCheckSchema>;

export const receiptsReportSchema = z.object({
  searched: z.array(str),
  found: num,
  agree: num,
  codes: z.array(z.object({ code: str, ok: z.boolean() })),
  receipts: z.array(receiptCheckSchema),
});
export type ReceiptsReport = z.infer<typeof receiptsReportSchema>;

export const chainProblemSchema = z.object({
  seq: num,
  problem: z.enum(['hash-mismatch', 'broken-link', 'gap', 'bad-details']),
  message: str,
});
export type ChainProblem = z.infer<typeof chainProblemSchema>;

export const chainReportSchema = z.object({
  ok: z.boolean(),
  events: num,
  headSeq: num,
  headHash: str,
  /** The first problem (kept for callers that name one); every problem is in `problems`. */
  firstBad: chainProblemSchema.nullable(),
  /** Every problem in the log, in sequence order: one bad row never hides later ones. */
  problems: z.array(chainProblemSchema),
});
export type ChainReport = z.infer<typeof chainReportSchema>;

export const attributionWhatSchema = z.enum(['unattributed', 'backdated', 'sign-out-deleted', 'session-record', 'key-mismatch', 'tail-deleted', 'rewritten']);
export type AttributionWhat = z.infer<typeof attributionWhatSchema>;
export const receiptWhatSchema = z.enum(['receipt-rollback', 'receipt-rewritten', 'receipt-invalid', 'receipt-keys']);
export type ReceiptWhat = z.infer<typeof receiptWhatSchema>;

export const officerAttributionSchema = z.object({
  officer: str,
  /** The key fingerprint the log announced for the officer (the latest, if several). */
  keyFingerprint: nstr,
  events: num,
  /** Covered by a checkpoint this officer signed (or tied to one: its event, the sign-out). */
  signedAtCheckpoints: num,
  /** Covered only by a session's running record (a session that never signed out). */
  signedBySessionRecord: num,
  /** Not proven to be theirs. */
  unattributed: num,
});
export type OfficerAttribution = z.infer<typeof officerAttributionSchema>;

export const attributionSummarySchema = z.object({
  officers: z.array(officerAttributionSchema),
  /** Refused or failed sign-ins: recorded without a key by their nature. */
  keyless: num,
  unattributed: num,
  /** Sessions proven by their running record alone: they never signed out (a crash, or still open). */
  openSessions: z.array(z.object({ officer: str, fromSeq: num, seq: num })),
});
export type AttributionSummary = z.infer<typeof attributionSummarySchema>;

export const custodyFindingSchema = z.object({
  /** The first custody event concerned (or the checkpoint's sequence number); 0 when no event is. */
  seq: num,
  what: z.union([
    z.enum([
      'chain-broken',
      'tail-deleted',
      'rewritten',
      'bad-signature',
      'unknown-key',
      'unannounced-key',
      'checkpoint-missing',
      'checkpoint-altered',
      'transfer-signature',
      // A table that differs from what the log says it holds (state.ts): an item row against its
      // ingest's catalogue digest, or an officer, exhibit, tag, note or source against its events.
      'catalogue',
      'state',
    ]),
    // Who made each event (attribution.ts) and the receipts kept outside the case (receipts.ts).
    attributionWhatSchema,
    receiptWhatSchema,
  ]),
  message: str,
});
export type CustodyFinding = z.infer<typeof custodyFindingSchema>;

export const custodyReportSchema = z.object({
  ok: z.boolean(),
  chain: chainReportSchema,
  checkpoints: z.object({
    total: num,
    verified: num,
    latest: z.object({ id: num, seq: num, officer: str, at_utc: str }).nullable(),
  }),
  transfers: z.object({ total: num, verified: num }),
  /** Who signed what: each officer's events, and those no key of theirs covers. */
  attribution: attributionSummarySchema,
  /** The receipts found outside the case (app data, witness folders, files given) and codes checked. */
  receipts: receiptsReportSchema,
  findings: z.array(custodyFindingSchema),
});
export type CustodyReport = z.infer<typeof custodyReportSchema>;

// ---------------------------------------------------------------------------------------------
// Ingest and verify (also the progress and results of their jobs)

export const ingestProgressSchema = z.object({
  phase: z.enum(['scanning', 'ingesting', 'finishing']),
  filesDone: num,
  filesTotal: num,
  bytesDone: num,
  bytesTotal: num,
  errors: num,
  duplicates: num,
  currentPath: nstr,
  elapsedMs: num,
  bytesPerSecond: num,
  etaSeconds: nnum,
  /** Which stage the ingest is in: the catalogue (hash, type, metadata, store copy), then text
   *  and detectors, then the full-text index. Absent from older producers: read it as 'catalogue'. */
  stage: z.enum(['catalogue', 'text', 'index']).optional(),
  /** Items done and to do in this stage (the catalogue counts files; text and index count items). */
  stageDone: num.optional(),
  stageTotal: num.optional(),
  /** Warnings told so far (e.g. the export will likely not fit on the case's disk), so a front door can show them as they come. */
  warnings: z.array(str).optional(),
});
export type IngestProgress = z.infer<typeof ingestProgressSchema>;

export const ingestProblemSchema = z.object({ path: str, error: str });
export type IngestProblem = z.infer<typeof ingestProblemSchema>;

export const ingestSummarySchema = z.object({
  sourceId: num,
  sourcePath: str,
  exhibit: nstr,
  status: z.enum(['finished', 'interrupted']),
  resumed: z.boolean(),
  /** Items recorded by this run (files, folders, links, special files). */
  items: num,
  files: num,
  folders: num,
  links: num,
  special: num,
  bytes: num,
  /** Files whose content was already in the store (same SHA-256). */
  duplicates: num,
  /** Items already recorded by an earlier, interrupted run of the same ingest. */
  alreadyDone: num,
  errorCount: num,
  /** The first problems, for the summary; all are on the items. */
  problems: z.array(ingestProblemSchema),
  /** Items with notices only (an encrypted member hashed raw, a sparse file...): shown on the items, not problems. */
  noticeCount: num.optional(),
  /** The first of them, for the summary. */
  notices: z.array(ingestProblemSchema).optional(),
  /** What the source's extraction report gave the exhibit: fields filled, and the officer's entries it contradicts. */
  exhibitDevice: z
    .object({
      exhibit: str,
      report: str,
      source: num,
      reported: z.record(z.string(), z.array(str)),
      filled: z.record(z.string(), str),
      mismatches: z.array(deviceMismatchSchema.omit({ message: true })),
    })
    .optional(),
  elapsedMs: num,
  /** Told before the work started (e.g. the export will likely not fit on the case's disk). */
  warnings: z.array(str).optional(),
  /** Detectors and known-hash sets over this source, run when the ingest finishes. */
  analysis: z
    .object({
      suggestions: num,
      byTag: z.record(z.string(), num),
      knownBad: num,
      knownGood: num,
      perSet: z.record(z.string(), num),
    })
    .optional(),
});
export type IngestSummary = z.infer<typeof ingestSummarySchema>;

export const verifyProgressSchema = z.object({ objectsDone: num, objectsTotal: num, bytesDone: num, bytesTotal: num });
export type VerifyProgress = z.infer<typeof verifyProgressSchema>;

const itemPlace = { id: num, source: num, path: str };
export const objectProblemSchema = z.object({
  status: z.enum(['changed', 'missing']),
  sha256: str,
  /** What is wrong, in words. */
  detail: str,
  /** Every item whose content is this object (source id and path). */
  items: z.array(z.object(itemPlace)),
});
export type ObjectProblem = z.infer<typeof objectProblemSchema>;

export const verifyReportSchema = z.object({
  ok: z.boolean(),
  objects: z.object({ total: num, matched: num, changed: num, missing: num }),
  items: z.object({ total: num, hashed: num }),
  problems: z.array(objectProblemSchema),
  /**
   * Files catalogued without a stored copy because the case could not be written when they were
   * ingested (recorded so by versions before the disk-full fix): the catalogue says less than
   * the export holds, so verification fails until they are ingested again.
   */
  unstored: z.array(z.object({ ...itemPlace, error: str })),
  /** Ingests that stopped before the end (disk full, drive removed, Ctrl-C, crash): resume them with the same command. */
  unfinished: z.array(z.object({ source: num, path: str, status: str })),
  chain: chainReportSchema,
  /** The chain plus every signed checkpoint and transfer (what `evidence custody verify` checks). */
  custody: custodyReportSchema,
  elapsedMs: num,
});
export type VerifyReport = z.infer<typeof verifyReportSchema>;

// ---------------------------------------------------------------------------------------------
// Bundles for prosecutors (issue 13): export (a job), verification, review (src/core/bundle)

export const exportProgressSchema = z.object({
  /** copying: files/ written and hashed; documents: hash lists, report, custody excerpt; signing: the checkpoint and signature. */
  phase: z.enum(['copying', 'documents', 'signing', 'done']),
  filesDone: num,
  filesTotal: num,
  bytesDone: num,
  bytesTotal: num,
});
export type ExportProgress = z.infer<typeof exportProgressSchema>;

export const exportResultSchema = z.object({
  bundleId: str,
  /** The folder or ZIP written. */
  path: str,
  zip: z.boolean(),
  files: num,
  bytes: num,
  /** Items selected but not exported (no stored copy: unreadable at ingest, or not a file). */
  skipped: z.array(z.object({ id: num, path: str, reason: str })),
  /** Documents not made because their renderer is not part of this build. */
  notRendered: z.array(str),
  checkpoint: z.object({ id: num, seq: num, headHash: str, receiptCode: str }),
  custodyEventSeq: num,
  keyFingerprint: str,
  elapsedMs: num,
});
export type ExportResult = z.infer<typeof exportResultSchema>;

export const BUNDLE_FINDING_NAMES = [
  'unreadable',
  'zip-damaged',
  'missing-document',
  'signature-invalid',
  'signer-mismatch',
  'signer-unannounced',
  'statement-invalid',
  'manifest-changed',
  'manifest-invalid',
  'format-version',
  'document-changed',
  'file-changed',
  'file-missing',
  'file-added',
  'file-renamed',
  'custody-invalid',
  'custody-gap',
  'custody-broken-link',
  'custody-altered',
  'custody-head',
  'custody-checkpoint-invalid',
  'receipt-invalid',
  'receipt-not-extended',
] as const;
export const bundleFindingSchema = z.object({
  /** A stable name for the kind of problem (tests and --json readers match on it). */
  what: z.enum(BUNDLE_FINDING_NAMES),
  /** The bundle file concerned, when one is. */
  file: nstr,
  /** The custody event concerned, when one is. */
  seq: nnum,
  message: str,
});
export type BundleFinding = z.infer<typeof bundleFindingSchema>;

/** What `evidence bundle verify` (verifyBundle) finds: ok only when everything is intact. */
export const bundleReportSchema = z.object({
  ok: z.boolean(),
  path: str,
  kind: z.enum(['folder', 'zip']),
  formatVersion: nnum,
  bundleId: nstr,
  case: z.object({ uuid: str, number: str, name: str }).nullable(),
  signer: z.object({ name: str, keyFingerprint: str }).nullable(),
  createdAt: nstr,
  checked: z.object({ files: num, bytes: num, documents: num, custodyLines: num, fullEvents: num, withheldEvents: num, receipts: num }),
  /** What was found intact, in plain words. */
  intact: z.array(str),
  findings: z.array(bundleFindingSchema),
});
export type BundleReport = z.infer<typeof bundleReportSchema>;

/** What a bundle opened for review is, beside its verification (from its manifest). */
export const reviewBundleSchema = z.object({
  /** The bundle's folder or .zip (resolved): give it as casePath to listItems, caseOverview, caseInfo, listExhibits, getExhibit, listOfficers, custodyLog. */
  path: str,
  kind: z.enum(['folder', 'zip']),
  bundleId: str,
  case: z.object({ uuid: str, number: str, name: str }),
  exportedBy: z.object({ name: str, keyFingerprint: str }),
  createdAt: str,
  items: num,
  bytes: num,
  /** Whether the bundle carries the items' extracted text (bundles of format 1 do not: search covers names, paths and hashes). */
  hasText: z.boolean(),
  language: z.enum(['en', 'ja']),
});
export type ReviewBundle = z.infer<typeof reviewBundleSchema>;

/** openBundle's answer: the verification first, then (when the manifest can be read) a read-only review session. */
export const openedBundleSchema = z.object({
  mode: z.literal('review'),
  /** True only when every check passed. */
  intact: z.boolean(),
  /** The verification in one plain sentence (INTACT: ... / NOT INTACT: ...), to show first. */
  verdict: str,
  verification: bundleReportSchema,
  /** The review session's token (use it where a case session goes); null when the bundle cannot be browsed (see problem). */
  session: nstr,
  problem: nstr,
  bundle: reviewBundleSchema.nullable(),
  /** The contract methods a review session answers; the rest are refused (hide them). */
  methods: z.array(str),
});
export type OpenedBundle = z.infer<typeof openedBundleSchema>;

/** What a session is: a signed-in officer in a case, or a bundle opened for review. */
export const sessionInfoSchema = z.object({
  mode: z.enum(['case', 'review']),
  /** The case folder, or the bundle's path (what casePath-taking methods want). */
  casePath: str,
  /** The signed-in officer (case); null in review (nobody signs in to read a bundle). */
  officer: nstr,
  role: roleSchema.nullable(),
  /** The contract methods this session may call. */
  methods: z.array(str),
  /** In review: the bundle, its verification verdict and whether it is intact. */
  bundle: reviewBundleSchema.extend({ intact: z.boolean(), verdict: str }).nullable(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** One line of a reviewer's notes file, as checked (bundle/reviewNotes.ts). */
export const reviewNoteSchema = z.object({
  /** Line number in the file (1 is the header with the reviewer's key). */
  line: num,
  seq: num,
  item: num,
  /** The item's file in the bundle and its SHA-256, as the note names them. */
  file: str,
  sha256: str,
  text: str,
  officer: str,
  at: str,
  hash: str,
  /** Whether this line's hash, link and signature check. */
  ok: z.boolean(),
});
export type ReviewNote = z.infer<typeof reviewNoteSchema>;

export const reviewNotesFileSchema = z.object({
  file: str,
  officer: nstr,
  /** The reviewer's key fingerprint, from the file's first line: compare it with the one the reviewer gives. */
  keyFingerprint: nstr,
  bundleId: nstr,
  ok: z.boolean(),
  notes: z.array(reviewNoteSchema),
  /** Each line that does not check, named by its line number, in plain words. */
  problems: z.array(z.object({ line: num, what: z.enum(['unreadable', 'header', 'hash', 'link', 'signature', 'seq', 'bundle']), message: str })),
});
export type ReviewNotesFile = z.infer<typeof reviewNotesFileSchema>;

export const reviewNotesSchema = z.object({
  bundle: str,
  ok: z.boolean(),
  files: z.array(reviewNotesFileSchema),
});
export type ReviewNotes = z.infer<typeof reviewNotesSchema>;

// ---------------------------------------------------------------------------------------------
// Known-hash sets

export const hashsetKindSchema = z.enum(['good', 'bad']);
export const hashAlgoSchema = z.enum(['md5', 'sha1', 'sha256']);

export const hashsetSchema = z.object({
  id: num,
  name: str,
  kind: hashsetKindSchema,
  format: str,
  sourceFile: str,
  fileSha256: str,
  fileSize: num,
  entries: num,
  md5: num,
  sha1: num,
  sha256: num,
  skipped: num,
  importedAt: str,
  officer: str,
  /** Items of the case found in this set. */
  matches: num,
});
export type Hashset = z.infer<typeof hashsetSchema>;

export const hashsetImportSchema = z.object({
  set: hashsetSchema,
  /** Records read (before de-duplication) and lines that held no valid hash. */
  records: num,
  skipped: num,
  /** Items matched now, at import. */
  matched: num,
  timings: z.object({ readMs: num, storeMs: num, matchMs: num }),
});
export type HashsetImport = z.infer<typeof hashsetImportSchema>;

/** A hash set import as it runs (a job of kind 'hashset'): reading the file, then storing (sorting) and matching the case's items. */
export const hashsetProgressSchema = z.object({
  phase: z.enum(['reading', 'sorting', 'matching']),
  records: num,
  skipped: num,
  bytesRead: num,
  bytesTotal: num,
});
export type HashsetProgress = z.infer<typeof hashsetProgressSchema>;

export const hashsetMatchSchema = z.object({ set: str, setId: num, kind: hashsetKindSchema, algo: hashAlgoSchema });
export type HashsetMatch = z.infer<typeof hashsetMatchSchema>;

// ---------------------------------------------------------------------------------------------
// Text for search read again (reindexText, and the job of kind 'reindex')

/** A reindex as it runs: the text stage (store copies read, text and detectors), then the index stage. */
export const reindexProgressSchema = z.object({
  stage: z.enum(['text', 'index']),
  /** Items done and to do in this stage (text: items that may hold text; index: items with text not yet indexed). */
  done: num,
  total: num,
  /** Items that gave text so far (the text stage's count, kept through the index stage). */
  indexed: num,
  errors: num,
  currentPath: nstr,
});
export type ReindexProgress = z.infer<typeof reindexProgressSchema>;

export const reindexSummarySchema = z.object({
  status: z.enum(['finished', 'interrupted']),
  candidates: num,
  indexed: num,
  /** Read, but no text in them (a scan, an empty file, a binary named .txt). */
  empty: num,
  errors: num,
  chars: num,
  problems: z.array(z.object({ id: num, path: str, error: str })),
  elapsedMs: num,
});
export type ReindexSummary = z.infer<typeof reindexSummarySchema>;

// ---------------------------------------------------------------------------------------------
// Jobs

export const jobStateSchema = z.enum(['running', 'finished', 'cancelled', 'failed']);
export type JobState = z.infer<typeof jobStateSchema>;
// What a job reports as it runs, and what it finishes with, by kind: a plain map (not z.infer
// over a generic key), so TypeScript relates JobProgress<K> of a generic K to the union of them
// all (jobs/runner.ts).
interface JobTypes {
  ingest: { progress: IngestProgress; result: IngestSummary };
  verify: { progress: VerifyProgress; result: VerifyReport };
  export: { progress: ExportProgress; result: ExportResult };
  reindex: { progress: ReindexProgress; result: ReindexSummary };
  hashset: { progress: HashsetProgress; result: HashsetImport };
}
export type JobProgress<K extends JobKind = JobKind> = JobTypes[K]['progress'];
export type JobResult<K extends JobKind = JobKind> = JobTypes[K]['result'];
export const jobErrorSchema = z.object({ code: str, message: str });

export const jobStatusSchema = z.object({
  jobId: str,
  job: jobKindSchema,
  casePath: str,
  officer: str,
  state: jobStateSchema,
  startedAt: str,
  finishedAt: nstr,
  /** The last progress reported, or null before the first. */
  progress: z.union([ingestProgressSchema, verifyProgressSchema, exportProgressSchema, reindexProgressSchema, hashsetProgressSchema]).nullable(),
  /** The summary or report, once finished (a cancelled ingest finishes with status 'interrupted'). */
  result: z.union([ingestSummarySchema, verifyReportSchema, exportResultSchema, reindexSummarySchema, hashsetImportSchema]).nullable(),
  error: jobErrorSchema.nullable(),
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

// ---------------------------------------------------------------------------------------------
// The catalogue

/** One problem or notice of an item (src/core/catalogue/issues.ts): only problems are counted. */
export const itemIssueSchema = z.object({ severity: z.enum(['problem', 'notice']), code: str, message: str });
export type ItemIssue = z.infer<typeof itemIssueSchema>;

export const itemRowSchema = z.object({
  id: num,
  source_id: num,
  exhibit: nstr,
  path: str,
  name: str,
  kind: str,
  size: nnum,
  mime: nstr,
  detected_ext: nstr,
  ext_mismatch: num,
  sha256: nstr,
  mtime: nstr,
  taken_at: nstr,
  lat: nnum,
  lon: nnum,
  /** The item's problems (failures) in words, or its metadata error; null when it has none. Notices are not here. */
  error: nstr,
  /** Every problem and notice of the item, in the order found. */
  issues: z.array(itemIssueSchema),
  /** The ids of the item's tags (listings: the chips on a row), when it has any. */
  tagIds: z.array(str).optional(),
  /** The names of the known-bad hash sets the item is in (listings: the alert on a row), when any. */
  knownBad: z.array(str).optional(),
});
export type ItemRow = z.infer<typeof itemRowSchema>;

export const itemDetailSchema = z.object({
  ...itemRowSchema.shape,
  path_raw_hex: nstr,
  ext: nstr,
  mode: nnum,
  uid: nnum,
  gid: nnum,
  inode: nstr,
  ctime: nstr,
  atime: nstr,
  birthtime: nstr,
  link_target: nstr,
  md5: nstr,
  sha1: nstr,
  added_at: str,
  source_path: str,
  source_kind: str,
  parent_id: nnum,
  depth: num,
  container: nstr,
  extra: record.nullable(),
  metadata: z
    .object({
      taken_at: nstr,
      lat: nnum,
      lon: nnum,
      alt: nnum,
      make: nstr,
      model: nstr,
      orientation: nnum,
      error: nstr,
      fields: record.nullable(),
    })
    .nullable(),
});
export type ItemDetail = z.infer<typeof itemDetailSchema>;

export const caseOverviewSchema = z.object({
  exhibits: num,
  items: num,
  files: num,
  families: z.record(familySchema, num),
  errors: num,
  mismatches: num,
  gps: num,
});
export type CaseOverview = z.infer<typeof caseOverviewSchema>;

/**
 * One node of the folder tree (core/catalogue/tree.ts): a source (an ingested export, path ''),
 * a folder as the device had it (recorded as a dir item, or implied by its members' paths) or a
 * container whose members were read (ZIP, iPhone backup, UFDR...). `path` is what the item
 * filter's `folder` takes, with `source`.
 */
export const folderNodeSchema = z.object({
  source: num,
  exhibit: nstr,
  path: str,
  name: str,
  kind: z.enum(['source', 'folder', 'container']),
  /** The container's format (zip, tar, ios-backup, ufdr...) or, for a source, how it was read. */
  container: nstr,
  /** The dir or container item itself, when the catalogue has one (an implied folder has none). */
  itemId: nnum,
  /** Every item under it, at any depth (the node itself not counted). */
  items: num,
});
export type FolderNode = z.infer<typeof folderNodeSchema>;
export const folderChildrenSchema = z.object({
  nodes: z.array(folderNodeSchema),
  /** Items directly in the parent that are not folders or containers (its files). */
  files: num,
  /** True when the parent holds so many direct children that the listing stopped early. */
  truncated: z.boolean(),
});
export type FolderChildren = z.infer<typeof folderChildrenSchema>;

// ---------------------------------------------------------------------------------------------
// Tags, notes, text, search, suggestions

export const tagSchema = z.object({
  id: str,
  labelEn: str,
  labelJa: nstr,
  colour: str,
  builtin: z.boolean(),
  createdBy: nstr,
  createdAt: nstr,
  /** Items carrying the tag. */
  count: num,
});
export type Tag = z.infer<typeof tagSchema>;

export const itemTagSchema = z.object({ tag: str, labelEn: str, labelJa: nstr, colour: str, officer: str, comment: nstr, at: str });
export type ItemTag = z.infer<typeof itemTagSchema>;

export const noteSchema = z.object({
  id: num,
  itemId: num,
  officer: str,
  text: str,
  at: str,
  removed: z.object({ at: str, by: nstr, reason: nstr }).nullable(),
});
export type Note = z.infer<typeof noteSchema>;

export const tagChangeSchema = z.object({
  tag: str,
  /** Items whose tags changed. */
  changed: z.array(num),
  /** Items left as they were: already tagged (tagging) or not tagged (untagging). */
  unchanged: z.array(num),
  /** How the change was recorded: one custody event per item, or one event listing them all. */
  custody: z.enum(['per-item', 'summary', 'none']),
});
export type TagChange = z.infer<typeof tagChangeSchema>;

export const itemTextInfoSchema = z.object({ kind: textKindSchema, encoding: nstr, chars: num, truncated: z.boolean(), error: nstr });
export type ItemTextInfo = z.infer<typeof itemTextInfoSchema>;

export const itemFullSchema = z.object({
  ...itemDetailSchema.shape,
  hashsetMatches: z.array(hashsetMatchSchema),
  tags: z.array(itemTagSchema),
  notes: z.array(noteSchema),
  textIndex: itemTextInfoSchema.nullable(),
  custody: z.array(custodyEventSchema),
});

export type ItemFull = z.infer<typeof itemFullSchema>;

/** One page of an item's extracted text (getItemText), with where a search query occurs in all of it. */
export const itemTextPageSchema = z.object({
  id: num,
  format: textKindSchema,
  encoding: nstr,
  /** Characters of the whole text (UTF-16 code units). */
  chars: num,
  /** Extraction stopped at its limit: the file holds more than was indexed. */
  truncated: z.boolean(),
  error: nstr,
  /** Where this page begins in the whole text. */
  offset: num,
  text: str,
  /** Where the next page begins, or null at the end. */
  next: nnum,
  /** [start, end) of each hit of the query in the whole text (the first 1000). */
  hits: z.array(z.tuple([num, num])),
  hitsTotal: num,
  /**
   * For a chat (WhatsApp, LINE, Telegram): the chat's speakers (the whole text's, in order of first
   * appearance) and, for each line of this page, where its time and speaker are (null for a line
   * that is not a message: a continuation, a header); null for any other text.
   */
  chat: z
    .object({
      speakers: z.array(str),
      lines: z.array(z.object({ time: z.tuple([num, num]), speaker: nnum, body: num }).nullable()),
    })
    .nullable(),
});
export type ItemTextPage = z.infer<typeof itemTextPageSchema>;

export const snippetSchema = z.object({
  /** Text around the hits, one line (line breaks shown as spaces). */
  text: str,
  /** [start, end) of each hit inside `text`. */
  hits: z.array(z.tuple([num, num])),
});
export type Snippet = z.infer<typeof snippetSchema>;

export const searchHitSchema = z.object({
  id: num,
  path: str,
  name: str,
  exhibit: nstr,
  mime: nstr,
  format: textKindSchema.nullable(),
  size: nnum,
  mtime: nstr,
  /** BM25 (lower is better; 0 when ranked by id in a scan). */
  score: num,
  /** How many times the terms occur in the item's text (counted up to 1000). */
  occurrences: num,
  snippets: z.array(snippetSchema),
  tags: z.array(str),
  /** The names of the known-bad hash sets the item is in, when any (the alert on a result). */
  knownBad: z.array(str).optional(),
  /** Where the query was found: the text (absent), or the item's device path (its name) or a hash of it. */
  field: z.enum(['path', 'hash']).optional(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultSchema = z.object({
  query: str,
  terms: z.array(str),
  total: num,
  hits: z.array(searchHitSchema),
  /** With the first page: items whose device path (name) holds every term, or whose hash is the term (at most 50 listed). */
  named: z.object({ total: num, hits: z.array(searchHitSchema) }).optional(),
  mode: z.enum(['index', 'index+scan', 'scan']),
  note: nstr,
  elapsedMs: num,
});
export type SearchResult = z.infer<typeof searchResultSchema>;

/** Why a detector suggests a tag: the rule, what it measured, and samples of what it found. */
export const suggestionEvidenceSchema = z.object({
  summary: str,
  rule: z.object({ pack: str, id: str, description: str }),
  metrics: z.record(z.string(), num),
  keywords: z.record(z.string(), num).optional(),
  samples: z.record(z.string(), z.array(str)),
  truncated: z.boolean(),
});
export type SuggestionEvidence = z.infer<typeof suggestionEvidenceSchema>;

export const suggestionStatusSchema = z.enum(['pending', 'accepted', 'rejected']);
export type SuggestionStatus = z.infer<typeof suggestionStatusSchema>;

export const suggestionSchema = z.object({
  id: num,
  itemId: num,
  path: str,
  tag: str,
  rule: str,
  score: num,
  evidence: suggestionEvidenceSchema,
  status: suggestionStatusSchema,
  createdAt: str,
  decidedBy: nstr,
  decidedAt: nstr,
  comment: nstr,
});
export type Suggestion = z.infer<typeof suggestionSchema>;

export const detectionRunSchema = z.object({
  /** Items whose text was read. */
  items: num,
  /** New suggestions (an item and tag already suggested, in any status, is not suggested again). */
  suggestions: num,
  byTag: z.record(z.string(), num),
  /** Items the detectors could not read, with why (the run goes on). */
  problems: z.array(z.object({ itemId: num, error: str })),
  elapsedMs: num,
});
export type DetectionRun = z.infer<typeof detectionRunSchema>;

export const rulePackInfoSchema = z.object({
  id: str,
  name: str,
  version: num,
  rules: num,
  origin: z.enum(['shipped', 'case']),
  sha256: nstr,
  addedAt: nstr,
  addedBy: nstr,
});
export type RulePackInfo = z.infer<typeof rulePackInfoSchema>;
