// The one API contract: every method the engine offers, with the zod schema of its input and of
// its output (`outputs`, built from outputs.ts), and the job events.
// The CLI, the Electron IPC, the preload and the browser host are all derived from this list,
// so a method cannot exist in one front door and not another. Pure TypeScript + zod: no node,
// no dom, no electron.
import { z } from 'zod';
import * as out from './outputs.ts';
import { isWellFormedText } from './text.ts';

// The outputs (schemas and types) are part of the contract: importers need only this file.
export * from './outputs.ts';

/** Length limits on every string the engine accepts (in UTF-16 code units, as JavaScript counts). */
export const LIMITS = {
  /** Names and numbers: officers, cases, exhibits, seals, tags, hash sets, devices. */
  name: 200,
  /** Free text: comments, notes, reasons, descriptions. */
  text: 10_000,
  /** Where something happened or was seized. */
  location: 500,
  /** File system paths (Linux PATH_MAX). */
  path: 4096,
  /** Search queries and filter values. */
  query: 1000,
  /** Session tokens, job ids, times. */
  token: 200,
  password: 1024,
} as const;

/**
 * A string input: at most `max` characters, well-formed Unicode (no lone UTF-16 surrogate: one
 * cannot be stored as UTF-8, so an event holding one would never verify again) and no NUL
 * (truncates C strings and paths). Every string of the contract is one of these.
 */
export function text(max: number) {
  return z
    .string()
    .max(max, `is too long: at most ${max} characters`)
    .refine(isWellFormedText, 'is not valid Unicode text (it holds a lone UTF-16 surrogate): correct it and try again')
    .refine((s) => !s.includes('\0'), 'must not contain a NUL character');
}

const casePath = text(LIMITS.path).min(1, 'the case folder is required');
const session = text(LIMITS.token).min(16, 'sign in first: a session token is required');
const role = out.roleSchema;
const password = text(LIMITS.password).min(8, 'a password needs at least 8 characters');
const reason = text(LIMITS.text).trim().min(1, 'a reason is required');
const name = text(LIMITS.name);
const filter = text(LIMITS.query);
const exhibitFields = {
  // An empty number is refused by the engine together with the form's other problems (all at once).
  number: name.trim(),
  sealNumber: name.trim().min(1).nullable().optional(),
  description: text(LIMITS.text).nullable().optional(),
  deviceMake: name.nullable().optional(),
  deviceModel: name.nullable().optional(),
  serial: name.nullable().optional(),
  imei: name.nullable().optional(),
  condition: text(LIMITS.text).nullable().optional(),
  seizedBy: name.nullable().optional(),
  seizedAt: text(LIMITS.token).nullable().optional(),
  seizedWhere: text(LIMITS.location).nullable().optional(),
};
const officer = name.trim().min(1, 'the officer name is required');

// The one item filter (issue 11): what the catalogue's listing, the full-text search and tagging by
// search or filter all accept, each field meaning the same everywhere (core/catalogue/filter.ts).
const textFormat = out.textKindSchema;
const itemFilter = {
  /** MIME type ("image/jpeg") or family ("image", "text/"); a file with no detected type counts as the type of its text format (text/plain, text/csv, ...). */
  type: filter.optional(),
  exhibit: name.optional(),
  kind: z.enum(['file', 'dir', 'symlink', 'fifo', 'socket', 'device', 'other']).optional(),
  /** Only items carrying this tag. */
  tag: name.optional(),
  /** Only items whose text was read as this format (whatsapp, line, pdf, ...). */
  format: textFormat.optional(),
  mismatch: z.boolean().optional(),
  hasGps: z.boolean().optional(),
  errors: z.boolean().optional(),
  pathContains: text(LIMITS.path).optional(),
  /** Only items of this source (one ingested export: folderChildren lists them). */
  source: z.number().int().positive().optional(),
  /** Only items in this folder or container of the tree (its path in the source, '' for the root; see folderChildren). */
  folder: text(LIMITS.path).optional(),
  /** With folder: everything under it, at any depth, not only its direct children. */
  folderDeep: z.boolean().optional(),
  /** A family of types (images, videos, documents, ...), as the navigation counts them. */
  family: out.familySchema.optional(),
  /** Modification time from/until: ISO date (whole day) or date-time. */
  since: text(LIMITS.token).optional(),
  until: text(LIMITS.token).optional(),
  /** Date range (ISO dates or date-times, inclusive) on the file's mtime (like since/until) or the photo's taken_at. */
  dateField: z.enum(['mtime', 'taken_at']).optional(),
  dateFrom: text(LIMITS.token).optional(),
  dateTo: text(LIMITS.token).optional(),
  /** true: only items in a known-bad hash set; false: none of them. */
  knownBad: z.boolean().optional(),
  /** true: only items in a known-good hash set; false: hide them (review). */
  knownGood: z.boolean().optional(),
};
export const itemFilterSchema = z.object(itemFilter);
export type ItemFilterInput = z.infer<typeof itemFilterSchema>;
const searchFilter = itemFilter;
const tagChange = {
  session,
  tag: name.trim().min(1, 'the tag id is required'),
  /** Items by id; and/or every item a search (query and filters) finds. */
  ids: z.array(z.number().int().positive()).optional(),
  where: z.object({ query: filter.optional(), ...searchFilter }).optional(),
  comment: text(LIMITS.text).nullable().optional(),
};

/** The custody log's filters: the same for the whole log (custodyLog) and for a page of it (custodyPage). */
const custodyFilters = {
  casePath,
  exhibit: name.optional(),
  item: z.number().int().positive().optional(),
  action: name.optional(),
  target: filter.optional(),
  officer: name.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};

export const contract = {
  createCase: z.object({
    casePath,
    name: name.trim().min(1, 'the case name is required'),
    number: name.trim().min(1, 'the case number is required'),
    officer,
    badge: name.trim().min(1).nullable().optional(),
    unit: name.trim().min(1).nullable().optional(),
    password,
  }),
  caseInfo: z.object({ casePath }),
  /** The zone the case's times are shown in (IANA, e.g. Asia/Phnom_Penh); null clears it. */
  setCaseTimeZone: z.object({ session, zone: name.trim().min(1).nullable() }),
  signIn: z.object({
    casePath,
    officer,
    password: text(LIMITS.password).min(1, 'the password is required'),
    location: text(LIMITS.location).nullable().optional(),
  }),
  signOut: z.object({ session }),
  /** A locked account unlocked with the case's recovery code (shown once at creation) and the officer's own password; signs them in. */
  unlockWithRecoveryCode: z.object({
    casePath,
    officer,
    password: text(LIMITS.password).min(1, 'the password is required'),
    recoveryCode: text(LIMITS.token).trim().min(1, 'the recovery code is required'),
    reason: reason.optional(),
    location: text(LIMITS.location).nullable().optional(),
  }),
  addOfficer: z.object({
    session,
    name: officer,
    badge: name.trim().min(1).nullable().optional(),
    unit: name.trim().min(1).nullable().optional(),
    role,
    password,
  }),
  listOfficers: z.object({ casePath }),
  setOfficerStatus: z.object({ session, name: officer, status: z.enum(['active', 'disabled']), reason }),
  addExhibit: z.object({ session, ...exhibitFields }),
  listExhibits: z.object({ casePath }),
  getExhibit: z.object({ casePath, number: name.trim().min(1) }),
  transferCustody: z.object({ session, toSession: session, exhibit: name.trim().min(1), reason }),
  recordSeal: z.object({
    session,
    exhibit: name.trim().min(1),
    action: z.enum(['broken', 'resealed']),
    reason,
    newSeal: name.trim().min(1).nullable().optional(),
  }),
  checkpoint: z.object({ session, reason: text(LIMITS.text).trim().min(1).optional() }),
  verifyCustody: z.object({
    casePath,
    /** Receipts files to check besides the app-data and witness folders (custody/receipts.ts). */
    receipts: z.array(text(LIMITS.path).min(1)).max(1000).optional(),
    /** Receipt codes copied from paper, e.g. "212-5f3a9c0d1e2b3c4d". */
    codes: z.array(text(80).trim().min(1)).max(1000).optional(),
  }),
  /** Names a folder outside the case (another disk, a USB stick) that keeps a copy of every receipt. */
  addWitness: z.object({ session, folder: text(LIMITS.path).min(1, 'the witness folder is required') }),
  /** The receipts of the case found outside it, each checked against the log. */
  listReceipts: z.object({ casePath, receipts: z.array(text(LIMITS.path).min(1)).max(1000).optional() }),
  ingest: z.object({
    session,
    sourcePath: text(LIMITS.path).min(1, 'the export to ingest is required'),
    /** The exhibit the export comes from, recorded in the case first (addExhibit): required, else EXHIBIT_REQUIRED / EXHIBIT_UNKNOWN. */
    exhibit: name.trim().min(1, 'the exhibit the export comes from is required'),
    kind: z.enum(['folder', 'ios-backup', 'file', 'zip', 'tar', 'tar.gz', 'ab', 'ufdr']).optional(),
    expand: z.boolean().optional(),
    workers: z.number().int().min(1).max(64).optional(),
    /** Extract text for search during the ingest (default true); false defers it to reindexText. */
    text: z.boolean().optional(),
    /** Ingest an export the case already holds again, as a new source (else refused: ALREADY_INGESTED). Needs a reason. */
    again: z.boolean().optional(),
    /** Why it is ingested again: recorded in the custody log. */
    reason: reason.nullable().optional(),
  }),
  listItems: z.object({
    casePath,
    ...itemFilter,
    sort: z.enum(['id', 'path', 'name', 'exhibit', 'size', 'mime', 'detected_ext', 'ext_mismatch', 'sha256', 'mtime', 'taken_at', 'gps', 'error']).optional(),
    desc: z.boolean().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  getItem: z.object({ session, id: z.number().int().positive() }),
  /** An item's extracted text (what search indexed: words, rows, chat lines), a page at a time, with where `query` occurs. */
  getItemText: z.object({
    session,
    id: z.number().int().positive(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(200_000).optional(),
    query: filter.optional(),
  }),
  custodyLog: z.object({
    ...custodyFilters,
    limit: z.number().int().positive().optional(),
  }),
  /**
   * One page of the custody log in sequence order, with the filters' total. Keyset on the seq:
   * `after` a page's last event or `before` its first; `at` an event gives the page holding it
   * and its position; `offset` jumps into the middle. Default 200 events, at most 1000.
   */
  custodyPage: z.object({
    ...custodyFilters,
    after: z.number().int().min(0).optional(),
    before: z.number().int().positive().optional(),
    at: z.number().int().positive().optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  custodyForm: z.object({ casePath, exhibit: name.trim().min(1) }),
  verify: z.object({ session, workers: z.number().int().min(1).max(64).optional() }),
  // Long work as jobs: start returns at once with a job id; progress, the result or the failure
  // arrive as events (see `events` below). Starting the same ingest again resumes it.
  startIngest: z.object({
    session,
    sourcePath: text(LIMITS.path).min(1, 'the export to ingest is required'),
    /** The exhibit the export comes from, recorded in the case first (addExhibit): required, else EXHIBIT_REQUIRED / EXHIBIT_UNKNOWN. */
    exhibit: name.trim().min(1, 'the exhibit the export comes from is required'),
    kind: z.enum(['folder', 'ios-backup', 'file', 'zip', 'tar', 'tar.gz', 'ab', 'ufdr']).optional(),
    expand: z.boolean().optional(),
    workers: z.number().int().min(1).max(64).optional(),
    /** Extract text for search during the ingest (default true); false defers it to reindexText. */
    text: z.boolean().optional(),
    /** Ingest an export the case already holds again, as a new source (else refused: ALREADY_INGESTED). Needs a reason. */
    again: z.boolean().optional(),
    /** Why it is ingested again: recorded in the custody log. */
    reason: reason.nullable().optional(),
  }),
  startVerify: z.object({ session, workers: z.number().int().min(1).max(64).optional() }),
  cancelJob: z.object({ session, jobId: text(LIMITS.token).min(1, 'the job id is required') }),
  jobStatus: z.object({ session, jobId: text(LIMITS.token).min(1, 'the job id is required') }),
  /** Counts for the navigation: items by family of types, errors, mismatches, GPS, exhibits. */
  caseOverview: z.object({ casePath }),
  /** The folder tree, one level: with no source the sources; else the folders and containers directly in `path` ('' the root) with their item counts. */
  folderChildren: z.object({ casePath, source: z.number().int().positive().optional(), path: text(LIMITS.path).optional() }),
  /** Detectors and rule packs over the items with text (one source, or the whole case). */
  runSuggestions: z.object({ session, sourceId: z.number().int().positive().optional() }),
  listSuggestions: z.object({
    casePath,
    status: z.enum(['pending', 'accepted', 'rejected']).optional(),
    tag: name.optional(),
    item: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  /** Accepting tags the item; both are custody events. Needs the 'tag' permission. */
  decideSuggestions: z.object({
    session,
    ids: z.array(z.number().int().positive()).min(1, 'give at least one suggestion id'),
    decision: z.enum(['accepted', 'rejected']),
    comment: text(LIMITS.text).nullable().optional(),
  }),
  addRulePack: z.object({ session, file: text(LIMITS.path).min(1, 'the rule pack file is required') }),
  listRulePacks: z.object({ casePath }),
  importHashset: z.object({
    session,
    file: text(LIMITS.path).min(1, 'the hash set file is required'),
    name: name.trim().min(1, 'the hash set needs a name'),
    kind: z.enum(['good', 'bad']),
    format: z.enum(['auto', 'nsrl-rds', 'nsrl-legacy', 'hashdeep', 'md5sum', 'sha1sum', 'sha256sum', 'plain', 'csv']).optional(),
  }),
  listHashsets: z.object({ casePath }),
  /** importHashset as a job (kind 'hashset'): progress (reading, sorting, matching) and the result arrive as events; cancelled, it records nothing. */
  startHashsetImport: z.object({
    session,
    file: text(LIMITS.path).min(1, 'the hash set file is required'),
    name: name.trim().min(1, 'the hash set needs a name'),
    kind: z.enum(['good', 'bad']),
    format: z.enum(['auto', 'nsrl-rds', 'nsrl-legacy', 'hashdeep', 'md5sum', 'sha1sum', 'sha256sum', 'plain', 'csv']).optional(),
  }),
  // Tags, notes, text search (issue 5).
  listTags: z.object({ session }),
  addTag: z.object({
    session,
    id: name.trim().min(1, 'the tag id is required'),
    labelEn: name.trim().min(1, 'the English label is required'),
    labelJa: name.trim().min(1).nullable().optional(),
    colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'give the colour as #rrggbb'),
  }),
  tagItems: z.object(tagChange),
  untagItems: z.object(tagChange),
  addNote: z.object({ session, item: z.number().int().positive(), text: text(LIMITS.text).trim().min(1, 'a note needs some text') }),
  removeNote: z.object({ session, note: z.number().int().positive(), reason }),
  search: z.object({
    session,
    query: filter.trim().min(1, 'give something to search for'),
    ...searchFilter,
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  /** Extracts text for items read before text search existed (all: every item again). */
  reindexText: z.object({ session, all: z.boolean().optional(), workers: z.number().int().min(1).max(64).optional() }),
  /** reindexText as a job (kind 'reindex'): progress (the text stage, then the index stage) and the summary arrive as events; cancelled, it stops after the items in progress, and starting it again does what is left. */
  startReindex: z.object({ session, all: z.boolean().optional(), workers: z.number().int().min(1).max(64).optional() }),
  // Bundles for prosecutors (issue 13; src/core/bundle).
  /**
   * Exports the selected items (the union of the criteria given; at least one) as a signed bundle,
   * as a job: progress and the result arrive as events ('export'). Cancelled, it leaves nothing.
   */
  startExport: z.object({
    session,
    selection: z.object({
      tags: z.array(name.trim().min(1)).max(1000).optional(),
      exhibits: z.array(name.trim().min(1)).max(1000).optional(),
      search: filter.trim().min(1).nullable().optional(),
      ids: z.array(z.number().int().positive()).max(1_000_000).optional(),
      all: z.boolean().optional(),
    }),
    /** The bundle folder to create (new or empty), or with zip the .zip file (".zip" added when missing). */
    destination: text(LIMITS.path).trim().min(1, 'say where to write the bundle'),
    zip: z.boolean().optional(),
    /** Language of report.html (README.txt is always in both). */
    lang: z.enum(['en', 'ja']).optional(),
  }),
  /** Checks a bundle (folder or .zip) on its own: no case, no sign-in. */
  verifyBundle: z.object({ path: text(LIMITS.path).trim().min(1, 'give the bundle folder or .zip file') }),
  /**
   * Review mode: opens a bundle read-only, verifying it first (the answer leads with the verdict).
   * The session it gives goes where a case session goes (getItem, search, listTags, previews), and
   * the bundle's path where a casePath goes (listItems, caseOverview, caseInfo, listExhibits,
   * getExhibit, listOfficers, custodyLog); everything else is refused (see REVIEW_METHODS).
   */
  openBundle: z.object({ path: text(LIMITS.path).trim().min(1, 'give the bundle folder or .zip file') }),
  closeBundle: z.object({ session }),
  /** What a session is: mode 'case' (a signed-in officer) or 'review' (a bundle), and the methods it may call. */
  sessionInfo: z.object({ session }),
  /** A review note, signed by the reviewer and hash-chained, written beside the bundle (never into it); the reviewer's key is made on first use with this password. */
  addReviewNote: z.object({
    path: text(LIMITS.path).trim().min(1, 'give the bundle folder or .zip file'),
    item: z.number().int().positive(),
    text: text(LIMITS.text).trim().min(1, 'a note needs some text'),
    officer,
    password: text(LIMITS.password).min(1, 'the password is required'),
  }),
  /** Every reviewer's notes beside a bundle, each file's chain and signatures checked. */
  listReviewNotes: z.object({ path: text(LIMITS.path).trim().min(1, 'give the bundle folder or .zip file') }),
} as const;

// Events pushed to the front doors (IPC: webContents.send on one channel; browser host: SSE).
const { ingestProgressSchema, verifyProgressSchema, ingestSummarySchema, verifyReportSchema, exportProgressSchema, exportResultSchema, reindexProgressSchema, reindexSummarySchema, hashsetProgressSchema, hashsetImportSchema } = out;
const jobRef = { jobId: z.string(), job: out.jobKindSchema, casePath: z.string() };
export const events = {
  'job.progress': z.union([
    z.object({ ...jobRef, job: z.literal('ingest'), progress: ingestProgressSchema }),
    z.object({ ...jobRef, job: z.literal('verify'), progress: verifyProgressSchema }),
    z.object({ ...jobRef, job: z.literal('export'), progress: exportProgressSchema }),
    z.object({ ...jobRef, job: z.literal('reindex'), progress: reindexProgressSchema }),
    z.object({ ...jobRef, job: z.literal('hashset'), progress: hashsetProgressSchema }),
  ]),
  'job.finished': z.union([
    z.object({ ...jobRef, job: z.literal('ingest'), result: ingestSummarySchema }),
    z.object({ ...jobRef, job: z.literal('verify'), result: verifyReportSchema }),
    z.object({ ...jobRef, job: z.literal('export'), result: exportResultSchema }),
    z.object({ ...jobRef, job: z.literal('reindex'), result: reindexSummarySchema }),
    z.object({ ...jobRef, job: z.literal('hashset'), result: hashsetImportSchema }),
  ]),
  'job.failed': z.object({ ...jobRef, error: out.jobErrorSchema }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export const eventNames = Object.keys(events) as EventName[];
export type EventPayload<E extends EventName> = z.output<Events[E]>;
/** What crosses to the renderer: the event's name and its payload. */
export type EvidenceEvent = { [E in EventName]: { type: E; payload: EventPayload<E> } }[EventName];
/** The one IPC channel events travel on, and the SSE event name in the browser host. */
export const EVENT_CHANNEL = 'evidence:event';

/** Checks an event against its schema before it leaves the engine's process. */
export function parseEvent<E extends EventName>(type: E, payload: unknown): EvidenceEvent {
  const r = events[type].safeParse(payload);
  if (!r.success) throw new InputError(`Invalid ${type} event: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { type, payload: r.data } as EvidenceEvent;
}

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type Input<M extends MethodName> = z.input<Contract[M]>;
export type ParsedInput<M extends MethodName> = z.output<Contract[M]>;
export const methodNames = Object.keys(contract) as MethodName[];

const jobStarted = z.object({ jobId: z.string() });

/**
 * What every method answers (schemas in outputs.ts). EvidenceService's methods are declared to
 * return Output<M>, so the engine cannot answer otherwise without tsc saying so, and
 * contract-outputs.test.ts parses real answers with these schemas.
 */
export const outputs = {
  createCase: z.object({ ...out.caseSummarySchema.shape, recoveryCode: z.string() }),
  caseInfo: out.caseSummarySchema,
  setCaseTimeZone: z.object({ timeZone: z.string().nullable() }),
  signIn: out.signedInSchema,
  signOut: out.checkpointWithReceiptSchema,
  unlockWithRecoveryCode: out.signedInSchema,
  addOfficer: out.officerSchema,
  listOfficers: z.array(out.officerSchema),
  setOfficerStatus: out.officerSchema,
  addExhibit: out.exhibitSchema,
  listExhibits: z.array(out.exhibitSchema),
  getExhibit: z.object({ ...out.exhibitSchema.shape, history: z.array(out.custodyEventSchema) }),
  transferCustody: out.custodyEventSchema,
  recordSeal: out.custodyEventSchema,
  checkpoint: out.checkpointWithReceiptSchema,
  verifyCustody: out.custodyReportSchema,
  addWitness: out.custodyEventSchema,
  listReceipts: z.object({ ...out.receiptsReportSchema.shape, problems: z.array(z.string()) }),
  ingest: out.ingestSummarySchema,
  listItems: z.object({ total: z.number(), items: z.array(out.itemRowSchema) }),
  getItem: out.itemFullSchema,
  getItemText: out.itemTextPageSchema,
  custodyLog: z.array(out.custodyEventSchema),
  custodyPage: out.custodyPageSchema,
  custodyForm: z.string(),
  verify: out.verifyReportSchema,
  startIngest: jobStarted,
  startVerify: jobStarted,
  cancelJob: out.jobStatusSchema,
  jobStatus: out.jobStatusSchema,
  caseOverview: out.caseOverviewSchema,
  folderChildren: out.folderChildrenSchema,
  runSuggestions: out.detectionRunSchema,
  listSuggestions: z.object({ total: z.number(), suggestions: z.array(out.suggestionSchema) }),
  decideSuggestions: z.array(out.suggestionSchema),
  addRulePack: out.rulePackInfoSchema,
  listRulePacks: z.array(out.rulePackInfoSchema),
  importHashset: out.hashsetImportSchema,
  listHashsets: z.array(out.hashsetSchema),
  startHashsetImport: jobStarted,
  listTags: z.array(out.tagSchema),
  addTag: out.tagSchema,
  tagItems: out.tagChangeSchema,
  untagItems: out.tagChangeSchema,
  addNote: out.noteSchema,
  removeNote: out.noteSchema,
  search: out.searchResultSchema,
  reindexText: out.reindexSummarySchema,
  startReindex: jobStarted,
  startExport: jobStarted,
  verifyBundle: out.bundleReportSchema,
  openBundle: out.openedBundleSchema,
  closeBundle: z.object({ closed: z.boolean() }),
  sessionInfo: out.sessionInfoSchema,
  addReviewNote: z.object({ file: z.string(), keyFingerprint: z.string(), keyCreated: z.boolean(), note: out.reviewNoteSchema }),
  listReviewNotes: out.reviewNotesSchema,
} as const satisfies Record<MethodName, z.ZodType>;

/**
 * What a review session (a bundle opened with openBundle) answers; every other method is refused
 * with a plain message, so the app hides them in review mode. Previews (item content and
 * thumbnails over evidence:// or /api/items) work as for a case, from the bundle's files.
 */
export const REVIEW_METHODS = [
  'openBundle',
  'closeBundle',
  'sessionInfo',
  'caseInfo',
  'listItems',
  'caseOverview',
  'folderChildren',
  'getItem',
  'search',
  'listTags',
  'listExhibits',
  'getExhibit',
  'listOfficers',
  'custodyLog',
  'custodyPage',
  'verifyBundle',
  'addReviewNote',
  'listReviewNotes',
] as const satisfies readonly MethodName[];
export type Outputs = typeof outputs;
/** What method M answers (after the await). */
export type Output<M extends MethodName> = z.output<Outputs[M]>;

/**
 * Listings that can hold many thousands of rows: checkOutput parses them only while they are
 * small, so a development build does not pay a full parse of a 100,000-row page on every scroll.
 */
const BIG_LISTINGS: Partial<Record<MethodName, (v: unknown) => number>> = {
  listItems: (v) => (v as { items?: unknown[] } | null)?.items?.length ?? 0,
  listSuggestions: (v) => (v as { suggestions?: unknown[] } | null)?.suggestions?.length ?? 0,
  custodyLog: (v) => (Array.isArray(v) ? v.length : 0),
  custodyPage: (v) => (v as { events?: unknown[] } | null)?.events?.length ?? 0,
  search: (v) => (v as { hits?: unknown[] } | null)?.hits?.length ?? 0,
};
const CHECK_ROWS_MAX = 1000;

/**
 * Checks a method's answer against its output schema (the front doors do so in development and
 * in tests, not in the packaged app). A mismatch is a fault of the engine, thrown as OutputError
 * (the front doors answer it as INTERNAL) rather than reaching the renderer in a shape it does
 * not expect. Listings of more than CHECK_ROWS_MAX rows are not parsed.
 */
export function checkOutput<M extends MethodName>(method: M, value: unknown): void {
  const rows = BIG_LISTINGS[method]?.(value);
  if (rows !== undefined && rows > CHECK_ROWS_MAX) return;
  const r = (outputs[method] as z.ZodType).safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'output'}: ${i.message}`).join('; ');
    throw new OutputError(`The engine's answer to ${method} does not match the contract (${issues}). This is a fault in the program: report it with this message.`);
  }
}

/** An answer of the engine that does not match its output schema (a bug, never the officer's doing). */
export class OutputError extends Error {
  // No code of its own: the front doors answer INTERNAL for any error that is not the officer's.
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** Parses a method's input, turning zod's issues into one readable sentence. */
export function parseInput<M extends MethodName>(method: M, input: unknown): ParsedInput<M> {
  const r = contract[method].safeParse(input);
  if (r.success) return r.data as ParsedInput<M>;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw new InputError(`Invalid input to ${method}: ${issues}`);
}

export class InputError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
