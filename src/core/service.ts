// The engine's single entry point: implements every method of the contract. Front doors (CLI,
// Electron IPC, browser host) parse nothing and decide nothing themselves: they call these.
import { Case } from './case.ts';
import { isImmutable } from './db/open.ts';
import { type FolderChildren, folderChildren } from './catalogue/tree.ts';
import { type CaseOverview, type ItemDetail, type ItemRow, caseOverview, catalogueTotals, countItems, getItem, listItems, withKnownBadSets } from './catalogue/query.ts';
import type { CustodyEvent } from './custody/log.ts';
import { closeSession, lastSignInSeq, openSession, signCreation } from './custody/attribution.ts';
import { checkWitnessFolder, type ReceiptsReport, type ReceiptWrite, verifyReceipts, witnessFolders } from './custody/receipts.ts';
import { EvidenceError } from './errors.ts';
import { requireExhibit, requireExhibitNamed } from './ingest/exhibit.ts';
import { ingest } from './ingest/ingest.ts';
import type { IngestProgress, IngestSummary } from './ingest/progress.ts';
import { type Clock, systemClock } from './time.ts';
import { type VerifyProgress, type VerifyReport, verifyCase } from './verify/verifyCase.ts';
import { type CaseSummary, type Input, type MethodName, type Output, methodNames, type OpenedBundle, parseInput, REVIEW_METHODS, type ReviewNotes, type SessionInfo } from '../shared/contract.ts';
import { mayCall } from '../shared/roles.ts';
import { looksLikeBundle, readBundleManifest, ReviewSession, verdict } from './bundle/review.ts';
import { addReviewNote, listReviewNotes } from './bundle/reviewNotes.ts';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { type Checkpoint, type CustodyReport, makeCheckpoint } from './custody/checkpoint.ts';
import {
  addExhibit,
  type Exhibit,
  exhibitHistory,
  getExhibit,
  listExhibits,
  recordSeal,
  transferCustody,
} from './exhibits/exhibits.ts';
import {
  addOfficer,
  assertActive,
  can,
  finishRecoveryUnlock,
  listOfficers,
  type Officer,
  recoverySignIn,
  requirePermission,
  setOfficerStatus,
  signIn,
  type SignedIn,
} from './officers/accounts.ts';
import { checkOfficerName } from './officers/names.ts';
import { newRecoverySecret } from './officers/recovery.ts';
import { DEFAULT_SCRYPT_N } from './officers/crypto.ts';
import { type LogPage, pageOfEvents, queryLog, queryLogPage } from './custody/query.ts';
import { verifyCustodyOffThread } from './custody/offThread.ts';
import { custodyForm } from './custody/form.ts';
import { type JobEvent, JobRunner, type JobStatus } from './jobs/runner.ts';
import { type ByteRange, type OpenedContent, openContent, storedItem } from './preview/content.ts';
import { type Thumbnail, THUMB_PX, ThumbnailCache, VIEW_PX } from './preview/thumbs.ts';
import { setHeicWorkerUrl } from './preview/heic.ts';
import { addRulePackFile, decideSuggestions, type DetectionRun, listRulePacks, listSuggestions, type RulePackInfo, runDetectors, type Suggestion } from './detect/suggestions.ts';
import { type Hashset, type HashsetImport, type HashsetImportProgress, type HashsetMatch, importHashset, itemHashsetMatches, listHashsets } from './hashsets/hashsets.ts';
import { addNote, addTag, type ItemTag, itemNotes, itemTags, listTags, type Note, removeNote, type Tag, type TagChange, tagItems, untagItems } from './tags/tags.ts';
import { search, searchItemIds, type SearchResult } from './search/search.ts';
import { exportBundle, type ExportProgress, type ExportResult, type ExportSelection } from './bundle/export.ts';
import { type BundleReport, verifyBundle } from './bundle/verify.ts';
import { type ItemTextInfo, itemTextInfo } from './text/store.ts';
import { type ItemTextPage, itemTextPage } from './text/view.ts';
import { caseTimeZone, setCaseTimeZone } from './caseZone.ts';
import { type ReindexProgress, type ReindexSummary, reindexText } from './text/reindex.ts';

export interface ServiceOptions {
  clock?: Clock;
  /** Compiled worker modules where the front door bundles them (Electron). */
  ingestWorkerUrl?: URL | string;
  verifyWorkerUrl?: URL | string;
  /** The worker of the stages after the catalogue (text and detectors: src/core/stages/text/worker.ts). */
  stageWorkerUrl?: URL | string;
  /** The HEIC photo decoder's worker (src/core/preview/heic-worker.ts). */
  heicWorkerUrl?: URL | string;
  /** The custody verification's worker (src/core/custody/verify-worker.ts). */
  custodyWorkerUrl?: URL | string;
  /**
   * scrypt cost for new officer passwords (default 2^17). Tests lower it to keep hundreds of
   * sign-ins fast; the cost used is stored with each verifier.
   */
  scryptN?: number;
  /**
   * The folder in the user's application data where every checkpoint also leaves its signed
   * receipt (custody/receipts.ts), and where custody verification looks for them. Front doors
   * pass theirs (CLI and browser host: defaultReceiptsDir(); Electron: its userData folder);
   * absent or null, receipts go only to the witness folders a case names.
   */
  receiptsDir?: string | null;
  /** The app's version, recorded in every bundle's manifest (front doors pass their package's). */
  appVersion?: string;
}

interface Session {
  casePath: string;
  who: SignedIn;
  /** The session's first event (its officer.signed-in): its checkpoints vouch from there. */
  fromSeq: number;
}

export type { CaseSummary };

export class EvidenceService {
  private readonly opts: ServiceOptions;
  private readonly open = new Map<string, Case>();
  /** Cases opened read-only for methods that only read (listing, the log, custody verify). */
  private readonly readers = new Map<string, Case>();
  private readonly sessions = new Map<string, Session>();
  /** Long work (ingest, verify) as jobs; front doors forward its events (onEvent). */
  readonly jobs = new JobRunner();
  /** Items each session has viewed (item.viewed is recorded once per item per session). */
  private readonly viewed = new Map<string, Set<string>>();
  private readonly thumbCaches = new Map<string, ThumbnailCache>();
  /** Bundles opened for review (read-only), by session token, and the token of each bundle path. */
  private readonly reviews = new Map<string, ReviewSession>();
  private readonly reviewPaths = new Map<string, string>();

  constructor(opts: ServiceOptions = {}) {
    this.opts = opts;
    setHeicWorkerUrl(opts.heicWorkerUrl);
  }

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  /** The review open on this bundle path, if any (casePath-taking methods answer from it). */
  private reviewAt(path: string): ReviewSession | null {
    const token = this.reviewPaths.get(resolve(path));
    return token ? (this.reviews.get(token) ?? null) : null;
  }

  /** The plain refusal of anything a read-only review cannot do. */
  private readOnly(): EvidenceError {
    return new EvidenceError(
      'FORBIDDEN',
      `This is a bundle opened for review, read-only: nothing can be ingested into it, tagged, noted inside it or exported from it, and it has no officers to sign in. Review notes go beside the bundle (evidence bundle note). A review session offers: ${REVIEW_METHODS.join(', ')}.`,
    );
  }

  /** A bundle given where a case is wanted: refused, saying how to open it. */
  private notACase(path: string): void {
    if (this.reviewAt(path)) throw this.readOnly();
    if (looksLikeBundle(path)) {
      throw new EvidenceError('USAGE', `${path} is a bundle for prosecutors, not a case. Open it for review (read-only) with: evidence bundle open ${path} (in the app: Open bundle).`);
    }
  }

  private caseAt(path: string): Case {
    let c = this.open.get(path);
    if (!c) this.notACase(path);
    if (!c) {
      c = Case.open(path, { clock: this.clock });
      this.open.set(path, c);
      // From now on reads go through the writable connection too.
      this.readers.get(path)?.close();
      this.readers.delete(path);
    }
    return c;
  }

  /**
   * The case for a method that only reads: the one already open for writing, else opened
   * read-only, which writes nothing (not even to a foreign or damaged file) and works on
   * read-only media and on a full disk.
   */
  private caseForReading(path: string): Case {
    const w = this.open.get(path);
    if (w) return w;
    this.notACase(path);
    let c = this.readers.get(path);
    if (c && isImmutable(c.db)) {
      // Opened where no -shm could be made (read-only media, a full disk): it does not see later
      // changes, so each read opens it afresh (space may have been freed meanwhile).
      c.close();
      c = undefined;
    }
    if (!c) {
      c = Case.open(path, { clock: this.clock, readonly: true });
      this.readers.set(path, c);
    }
    return c;
  }

  private get scryptN(): number {
    return this.opts.scryptN ?? DEFAULT_SCRYPT_N;
  }

  /** The signed-in officer of a session, and their case. */
  private session(token: string, opts: { ending?: boolean } = {}): { c: Case; who: SignedIn } {
    if (this.reviews.has(token)) throw this.readOnly();
    const s = this.sessions.get(token);
    if (!s) throw new EvidenceError('AUTH_FAILED', 'Not signed in, or the session has ended. Sign in again.');
    const c = this.caseAt(s.casePath);
    // A session does not outlive its account: once disabled or locked it may only sign out.
    if (!opts.ending) assertActive(c, s.who.name);
    return { c, who: s.who };
  }

  createCase(input: Input<'createCase'>): CaseSummary & { recoveryCode: string } {
    const i = parseInput('createCase', input);
    // The name goes into the case record and the first events: checked before anything is written.
    const officer = checkOfficerName(i.officer);
    const c = Case.create(i.casePath, { name: i.name, number: i.number, officer }, this.clock);
    this.open.set(i.casePath, c);
    // The officer who opens a case is its first admin, with a recovery code (shown once): their
    // way back if their account is ever locked with no other admin to unlock it.
    const { code: recoveryCode, ...recovery } = newRecoverySecret(this.scryptN);
    const creator = addOfficer(c, null, { name: officer, badge: i.badge, unit: i.unit, role: 'admin', password: i.password }, this.scryptN, recovery);
    // Creating the case is its creator's first session: the events so far are signed with their new key.
    signCreation(c, creator.name, i.password);
    return { ...this.summarise(i.casePath, c), recoveryCode };
  }

  /**
   * Unlocks a locked account with the case's recovery code and the officer's own password, and
   * signs the officer in (the unlock is one of their signed events). For the case's first admin,
   * when no other examiner or admin can unlock them.
   */
  unlockWithRecoveryCode(input: Input<'unlockWithRecoveryCode'>): { session: string; officer: string; role: string } {
    const i = parseInput('unlockWithRecoveryCode', input);
    const c = this.caseAt(i.casePath);
    const who = recoverySignIn(c, i.officer, i.recoveryCode, i.password, i.location);
    const token = randomBytes(32).toString('hex');
    const fromSeq = lastSignInSeq(c.db, who.name) ?? c.custody.head().seq;
    this.sessions.set(token, { casePath: i.casePath, who, fromSeq });
    openSession(c, token, who, fromSeq);
    finishRecoveryUnlock(c, who, i.reason ?? 'unlocked with the case recovery code');
    return { session: token, officer: who.name, role: who.role };
  }

  signIn(input: Input<'signIn'>): { session: string; officer: string; role: string } {
    const i = parseInput('signIn', input);
    const c = this.caseAt(i.casePath);
    const who = signIn(c, i.officer, i.password, i.location);
    const token = randomBytes(32).toString('hex');
    const fromSeq = lastSignInSeq(c.db, who.name) ?? c.custody.head().seq;
    this.sessions.set(token, { casePath: i.casePath, who, fromSeq });
    // From here on, every event of this officer is signed as it is written (custody/attribution.ts).
    openSession(c, token, who, fromSeq);
    return { session: token, officer: who.name, role: who.role };
  }

  /** Ends a session with a signed checkpoint of the chain (DESIGN.md section 5). */
  signOut(input: Input<'signOut'>): Checkpoint & { receipt: ReceiptWrite } {
    const i = parseInput('signOut', input);
    const { c, who } = this.session(i.session, { ending: true });
    // The checkpoint, its event and the sign-out in one transaction; then the receipt outside the case.
    const cp = makeCheckpoint(c, who, 'sign-out', { fromSeq: this.sessions.get(i.session)!.fromSeq, signOut: true, receiptsDir: this.opts.receiptsDir });
    // A job of this officer still running (an ingest started in the app) goes on signing its
    // events with this session's running record until it ends.
    const jobs = this.jobs.running().filter((j) => j.casePath === c.layout.root && j.officer === who.name);
    if (jobs.length === 0) closeSession(c, i.session);
    else void Promise.all(jobs.map((j) => this.jobs.settled(j.jobId).catch(() => null))).then(() => closeSession(c, i.session));
    this.sessions.delete(i.session);
    this.viewed.delete(i.session);
    return cp;
  }

  addOfficer(input: Input<'addOfficer'>): Officer {
    const i = parseInput('addOfficer', input);
    const { c, who } = this.session(i.session);
    return addOfficer(c, who, { name: i.name, badge: i.badge, unit: i.unit, role: i.role, password: i.password }, this.scryptN);
  }

  listOfficers(input: Input<'listOfficers'>): Officer[] {
    const i = parseInput('listOfficers', input);
    const review = this.reviewAt(i.casePath);
    if (review) return review.officers();
    return listOfficers(this.caseForReading(i.casePath));
  }

  setOfficerStatus(input: Input<'setOfficerStatus'>): Officer {
    const i = parseInput('setOfficerStatus', input);
    const { c, who } = this.session(i.session);
    return setOfficerStatus(c, who, i.name, i.status, i.reason);
  }

  addExhibit(input: Input<'addExhibit'>): Exhibit {
    const { session, ...x } = parseInput('addExhibit', input);
    const { c, who } = this.session(session);
    return addExhibit(c, who, x);
  }

  listExhibits(input: Input<'listExhibits'>): Exhibit[] {
    const i = parseInput('listExhibits', input);
    const review = this.reviewAt(i.casePath);
    if (review) return review.exhibits();
    return listExhibits(this.caseForReading(i.casePath));
  }

  getExhibit(input: Input<'getExhibit'>): Exhibit & { history: CustodyEvent[] } {
    const i = parseInput('getExhibit', input);
    const review = this.reviewAt(i.casePath);
    if (review) return review.exhibit(i.number);
    const c = this.caseForReading(i.casePath);
    return { ...getExhibit(c, i.number), history: exhibitHistory(c, i.number) };
  }

  /** Both officers have signed in (both passwords): each signs the transfer statement. */
  transferCustody(input: Input<'transferCustody'>): CustodyEvent {
    const i = parseInput('transferCustody', input);
    const from = this.session(i.session);
    const to = this.session(i.toSession);
    if (from.c !== to.c) throw new EvidenceError('USAGE', 'Both officers must be signed in to the same case.');
    return transferCustody(from.c, from.who, to.who, i.exhibit, i.reason);
  }

  recordSeal(input: Input<'recordSeal'>): CustodyEvent {
    const i = parseInput('recordSeal', input);
    const { c, who } = this.session(i.session);
    return recordSeal(c, who, i.exhibit, i.action, i.reason, i.newSeal);
  }

  checkpoint(input: Input<'checkpoint'>): Checkpoint & { receipt: ReceiptWrite } {
    const i = parseInput('checkpoint', input);
    const { c, who } = this.session(i.session);
    return makeCheckpoint(c, who, i.reason ?? 'on request', { fromSeq: this.sessions.get(i.session)!.fromSeq, receiptsDir: this.opts.receiptsDir });
  }

  /**
   * The full custody check (checkpoint.ts verifyCustody), run in a worker thread on its own
   * read-only connection (custody/offThread.ts): seconds on a long log, during which the front
   * door's thread goes on answering the catalogue.
   */
  async verifyCustody(input: Input<'verifyCustody'>): Promise<CustodyReport> {
    const i = parseInput('verifyCustody', input);
    const c = this.caseForReading(i.casePath);
    return verifyCustodyOffThread(c.layout.db, { receipts: { appDir: this.opts.receiptsDir, files: i.receipts, codes: i.codes } }, this.opts.custodyWorkerUrl);
  }

  /**
   * Names a witness folder: from the next checkpoint on, every receipt is also appended there.
   * The list of witnesses is state in the log (custody.witness-added), and each receipt repeats it.
   */
  addWitness(input: Input<'addWitness'>): CustodyEvent {
    const i = parseInput('addWitness', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'checkpoint', 'name a witness folder');
    const folder = checkWitnessFolder(i.folder);
    if (isInside(folder, c.layout.root)) {
      throw new EvidenceError('USAGE', `${folder} is inside the case folder: a witness must be kept apart from the case (another disk, a USB stick, a shared folder).`);
    }
    if (witnessFolders(c.db).includes(folder)) throw new EvidenceError('CONFLICT', `${folder} is already a witness folder of this case.`);
    return c.custody.append({ officer: who.name, action: 'custody.witness-added', target: `case:${c.info().uuid}`, details: { folder } });
  }

  /** The case's receipts outside it (app data, witness folders, files given), each checked against the log. */
  listReceipts(input: Input<'listReceipts'>): ReceiptsReport & { problems: string[] } {
    const i = parseInput('listReceipts', input);
    const c = this.caseForReading(i.casePath);
    const r = verifyReceipts(c.db, c.info().uuid, { appDir: this.opts.receiptsDir, files: i.receipts });
    return { ...r.report, problems: r.findings.map((f) => f.message) };
  }

  caseInfo(input: Input<'caseInfo'>): CaseSummary {
    const i = parseInput('caseInfo', input);
    const review = this.reviewAt(i.casePath);
    if (review) return review.caseSummary();
    return this.summarise(i.casePath, this.caseForReading(i.casePath));
  }

  private summarise(path: string, c: Case): CaseSummary {
    const info = c.info();
    const counts = c.db.prepare('SELECT (SELECT COUNT(*) FROM exhibits) AS exhibits, (SELECT COUNT(*) FROM custody_events) AS events').get() as {
      exhibits: number;
      events: number;
    };
    // Kept as counters by the writer (catalogue/counts.ts): no scan of the items table.
    const totals = catalogueTotals(c.db);
    const n = { ...counts, ...totals };
    return {
      path: c.layout.root,
      uuid: info.uuid,
      number: info.number,
      name: info.name,
      createdAt: info.created_at,
      createdBy: info.created_by,
      exhibits: n.exhibits,
      items: n.items,
      files: n.files,
      bytes: n.bytes,
      custodyEvents: n.events,
      timeZone: caseTimeZone(c),
    };
  }

  setCaseTimeZone(input: Input<'setCaseTimeZone'>): Output<'setCaseTimeZone'> {
    const i = parseInput('setCaseTimeZone', input);
    const { c, who } = this.session(i.session);
    return { timeZone: setCaseTimeZone(c, who, i.zone) };
  }

  async ingest(
    input: Input<'ingest'>,
    hooks: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void; onWarning?: (message: string) => void } = {},
  ): Promise<IngestSummary> {
    this.refuseIngestWithoutExhibit(input);
    const i = parseInput('ingest', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'ingest', 'ingest exports');
    return ingest(c, {
      sourcePath: i.sourcePath,
      kind: i.kind,
      expand: i.expand,
      exhibit: i.exhibit,
      officer: who.name,
      workers: i.workers,
      workerUrl: this.opts.ingestWorkerUrl,
      textWorkerUrl: this.opts.stageWorkerUrl,
      text: i.text,
      again: i.again,
      reason: i.reason ?? null,
      signal: hooks.signal,
      onProgress: hooks.onProgress,
      onWarning: hooks.onWarning,
    });
  }

  listItems(input: Input<'listItems'>): { total: number; items: ItemRow[] } {
    const { casePath, ...filter } = parseInput('listItems', input);
    const review = this.reviewAt(casePath);
    if (review) return review.listItems(filter);
    const c = this.caseForReading(casePath);
    return { total: countItems(c.db, filter), items: listItems(c.db, filter) };
  }

  getItem(input: Input<'getItem'>): ItemDetail & {
    hashsetMatches: HashsetMatch[];
    tags: ItemTag[];
    notes: Note[];
    textIndex: ItemTextInfo | null;
    custody: CustodyEvent[];
  } {
    const i = parseInput('getItem', input);
    const review = this.reviews.get(i.session);
    if (review) return review.getItem(i.id);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'view', 'view evidence');
    const item = getItem(c.db, i.id);
    if (!item) throw new EvidenceError('NOT_FOUND', `There is no item ${i.id} in this case. List items with: evidence ls <case>`);
    // Looking at evidence is part of its history (once per item per session).
    this.recordView(i.session, c, who, item, 'detail');
    return {
      ...item,
      hashsetMatches: itemHashsetMatches(c.db, item.id),
      tags: itemTags(c.db, item.id),
      notes: itemNotes(c.db, item.id),
      textIndex: itemTextInfo(c.db, item.id),
      custody: queryLog(c.db, { item: item.id }),
    };
  }

  /** A page of an item's extracted text with the query's hits (reading it counts as viewing the item, as getItem does). */
  getItemText(input: Input<'getItemText'>): ItemTextPage {
    const i = parseInput('getItemText', input);
    if (this.reviews.has(i.session)) {
      throw new EvidenceError('USAGE', 'A bundle carries no extracted text: read the item in its own preview, or open the case it came from.');
    }
    const { c, who } = this.session(i.session);
    requirePermission(who, 'view', 'read evidence');
    const item = getItem(c.db, i.id);
    if (!item) throw new EvidenceError('NOT_FOUND', `There is no item ${i.id} in this case. List items with: evidence ls <case>`);
    const page = itemTextPage(c.db, item.id, { offset: i.offset, limit: i.limit, query: i.query ?? null });
    this.recordView(i.session, c, who, item, 'detail');
    return page;
  }

  /**
   * Records item.viewed the first time a session looks at an item: its detail and content count
   * as one view (not one per range request); a gallery thumbnail is recorded once on its own.
   */
  private recordView(token: string, c: Case, who: SignedIn, item: { id: number; path: string; sha256: string | null }, as: 'detail' | 'content' | 'thumbnail'): void {
    let seen = this.viewed.get(token);
    if (!seen) this.viewed.set(token, (seen = new Set()));
    const key = `${as === 'thumbnail' ? 't' : 'v'}:${item.id}`;
    if (seen.has(key)) return;
    c.custody.append({ officer: who.name, action: 'item.viewed', target: `item:${item.id}`, details: { path: item.path, sha256: item.sha256, as } });
    seen.add(key);
  }

  /**
   * An item's stored bytes for a preview (not a contract method: the front doors stream it over
   * the evidence:// protocol or the browser host's /api/items/:id/content).
   */
  itemContent(session: string, id: number, range: ByteRange | null = null): Promise<OpenedContent> {
    // Not async: a bad session, role or item is refused at once (thrown), as before; only the
    // check of the stored bytes against the item's SHA-256 waits (STORE_ALTERED if they changed).
    const review = this.reviews.get(session);
    if (review) return Promise.resolve(review.content(id, range));
    const { c, who } = this.session(session);
    requirePermission(who, 'view', 'view evidence');
    const item = storedItem(c, id);
    return openContent(c, id, range).then((opened) => {
      this.recordView(session, c, who, item, 'content');
      return opened;
    });
  }

  /** The size and type of an item's stored bytes, to answer a Range request before opening it. */
  itemContentSize(session: string, id: number): number {
    const review = this.reviews.get(session);
    if (review) return review.contentSize(id);
    const { c, who } = this.session(session);
    requirePermission(who, 'view', 'view evidence');
    return storedItem(c, id).size;
  }

  /**
   * A 256 px WebP thumbnail of an image item, made in the engine and cached in the case; size
   * 'view' gives the 2048 px rendition the preview shows of a photo the browser cannot decode (HEIC).
   */
  async itemThumbnail(session: string, id: number, size: 'thumb' | 'view' = 'thumb'): Promise<Thumbnail> {
    const px = size === 'view' ? VIEW_PX : THUMB_PX;
    const review = this.reviews.get(session);
    if (review) return review.thumbnail(id, px);
    const { c, who } = this.session(session);
    requirePermission(who, 'view', 'view evidence');
    const root = c.layout.root;
    let cache = this.thumbCaches.get(root);
    if (!cache) this.thumbCaches.set(root, (cache = new ThumbnailCache(c)));
    // The case may have been closed while the image was decoded or its store copy checked (the
    // window closed mid-gallery): then the view cannot be recorded, so nothing is shown, and the
    // session's own error says why, also when the cache's work failed on the closed database.
    let thumb: Thumbnail;
    try {
      thumb = await cache.thumbnail(id, px);
    } catch (err) {
      this.session(session);
      throw err;
    }
    this.session(session);
    this.recordView(session, c, who, storedItem(c, id), size === 'view' ? 'content' : 'thumbnail');
    return thumb;
  }

  /** Subscribes to job events (progress, finished, failed); returns the unsubscribe function. */
  onEvent(listener: (e: JobEvent) => void): () => void {
    return this.jobs.onEvent(listener);
  }

  /**
   * An ingest naming no exhibit is refused with its own code, which says how to record one,
   * before the schema's generic "required"; the session and the role first, so a reviewer is
   * told they may not ingest rather than that an exhibit is missing.
   */
  private refuseIngestWithoutExhibit(input: unknown): void {
    const given = (input ?? {}) as { session?: unknown; exhibit?: unknown };
    if (typeof given.exhibit === 'string' && given.exhibit.trim()) return;
    if (typeof given.session === 'string') requirePermission(this.session(given.session).who, 'ingest', 'ingest exports');
    requireExhibitNamed(null);
  }

  /** Starts an ingest as a job; starting the same export again resumes it. */
  startIngest(input: Input<'startIngest'>): { jobId: string } {
    this.refuseIngestWithoutExhibit(input);
    const i = parseInput('startIngest', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'ingest', 'ingest exports');
    // Refused at the start, not as the job's failure: the screen says at once to record the exhibit.
    requireExhibit(c, i.exhibit);
    const { session, ...rest } = i;
    // Warnings (e.g. the export will likely not fit) travel with the progress, as they come.
    const warnings: string[] = [];
    let last: IngestProgress | null = null;
    const job = this.jobs.start('ingest', { casePath: c.layout.root, officer: who.name }, (ctx) =>
      this.ingest(
        { session, ...rest },
        {
          signal: ctx.signal,
          onProgress: (p) => {
            last = p;
            ctx.progress(warnings.length ? { ...p, warnings: [...warnings] } : p);
          },
          onWarning: (m) => {
            warnings.push(m);
            const base: IngestProgress = last ?? {
              phase: 'scanning', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, errors: 0, duplicates: 0,
              currentPath: null, elapsedMs: 0, bytesPerSecond: 0, etaSeconds: null,
            };
            ctx.progress({ ...base, warnings: [...warnings] });
          },
        },
      ),
    );
    return { jobId: job.jobId };
  }

  /** Starts a verify of the whole case as a job. */
  startVerify(input: Input<'startVerify'>): { jobId: string } {
    const i = parseInput('startVerify', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'verify', 'verify the case');
    const job = this.jobs.start('verify', { casePath: c.layout.root, officer: who.name }, (ctx) =>
      this.verify({ session: i.session, workers: i.workers }, { onProgress: (p) => ctx.progress(p) }),
    );
    return { jobId: job.jobId };
  }

  /** Asks a job to stop (an ingest stops after the files in progress; start it again to resume). */
  cancelJob(input: Input<'cancelJob'>): JobStatus {
    const i = parseInput('cancelJob', input);
    const { c, who } = this.session(i.session);
    const job = this.jobs.get(i.jobId);
    if (job.casePath !== c.layout.root) throw new EvidenceError('FORBIDDEN', 'That job belongs to another case.');
    // Stopping someone's ingest is a decision about their work: theirs, or an examiner's or admin's.
    if (job.officer !== who.name && !can(who.role, 'manage-officers')) {
      throw new EvidenceError(
        'FORBIDDEN',
        `${who.name} is a ${who.role} and may not stop the ${job.job} ${job.officer} started. Ask ${job.officer}, an examiner or an admin.`,
      );
    }
    return this.jobs.cancel(i.jobId);
  }

  /** A job's state, for a signed-in officer of the job's case. */
  jobStatus(input: Input<'jobStatus'>): JobStatus {
    const i = parseInput('jobStatus', input);
    const { c } = this.session(i.session);
    const job = this.jobs.get(i.jobId);
    if (job.casePath !== c.layout.root) throw new EvidenceError('FORBIDDEN', 'That job belongs to another case.');
    return job;
  }

  /** Counts for the navigation: families of types, errors, mismatches, GPS. */
  caseOverview(input: Input<'caseOverview'>): CaseOverview {
    const i = parseInput('caseOverview', input);
    const review = this.reviewAt(i.casePath);
    if (review) return review.overview();
    // Counters kept by the writer (catalogue/counts.ts): read afresh each time, so the counts
    // follow an ingest while it runs.
    return caseOverview(this.caseForReading(i.casePath).db);
  }

  /** One level of the folder tree (catalogue/tree.ts): the sources, or a node's folders and containers with their counts. */
  folderChildren(input: Input<'folderChildren'>): FolderChildren {
    const i = parseInput('folderChildren', input);
    const review = this.reviewAt(i.casePath);
    const db = review ? review.db : this.caseForReading(i.casePath).db;
    return folderChildren(db, { source: i.source, path: i.path });
  }

  /** Cancels running jobs and waits for them, then closes every case. */
  async shutdown(): Promise<void> {
    await this.jobs.stopAll();
    this.close();
  }

  /** One page of the custody log (keyset on the event's seq), with the filter's total: what the window's list reads. */
  custodyPage(input: Input<'custodyPage'>): LogPage {
    const { casePath, after, before, at, offset, limit, ...filter } = parseInput('custodyPage', input);
    const page = { after, before, at, offset, limit };
    const review = this.reviewAt(casePath);
    if (review) return pageOfEvents(review.custodyLog(filter), page);
    return queryLogPage(this.caseForReading(casePath).db, filter, page);
  }

  custodyLog(input: Input<'custodyLog'>): CustodyEvent[] {
    const { casePath, ...filter } = parseInput('custodyLog', input);
    const review = this.reviewAt(casePath);
    if (review) return review.custodyLog(filter);
    return queryLog(this.caseForReading(casePath).db, filter);
  }

  /** The chain-of-custody form of one exhibit, as text. */
  custodyForm(input: Input<'custodyForm'>): string {
    const i = parseInput('custodyForm', input);
    return custodyForm(this.caseForReading(i.casePath), i.exhibit, { receipts: { appDir: this.opts.receiptsDir } });
  }

  async verify(input: Input<'verify'>, hooks: { onProgress?: (p: VerifyProgress) => void } = {}): Promise<VerifyReport> {
    const i = parseInput('verify', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'verify', 'verify the case');
    return verifyCase(c, {
      officer: who.name,
      workers: i.workers,
      workerUrl: this.opts.verifyWorkerUrl,
      onProgress: hooks.onProgress,
      custody: { receipts: { appDir: this.opts.receiptsDir } },
      custodyWorkerUrl: this.opts.custodyWorkerUrl,
    });
  }

  /**
   * Exports the selected items as a signed bundle for prosecutors (issue 13; core/bundle/export.ts):
   * a custody event and a checkpoint; progress through the hook. Input checked by the engine.
   */
  async exportBundle(
    input: { session: string; selection: ExportSelection; out: string; zip?: boolean; lang?: 'en' | 'ja'; appVersion?: string },
    hooks: { signal?: AbortSignal; onProgress?: (p: ExportProgress) => void } = {},
  ): Promise<ExportResult> {
    const { c, who } = this.session(input.session);
    return exportBundle(c, who, {
      selection: input.selection,
      out: input.out,
      zip: input.zip,
      lang: input.lang,
      appVersion: input.appVersion ?? this.opts.appVersion,
      fromSeq: this.sessions.get(input.session)!.fromSeq,
      receiptsDir: this.opts.receiptsDir,
      signal: hooks.signal,
      onProgress: hooks.onProgress,
    });
  }

  /**
   * Starts an export as a job (kind 'export'): progress and the result arrive as events; a
   * cancelled export leaves nothing behind (the job fails with CANCELLED). The permission and the
   * selection are checked before the job starts, so a refusal is the answer, not an event.
   */
  startExport(input: Input<'startExport'>): { jobId: string } {
    const i = parseInput('startExport', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'export', 'export evidence');
    const s = i.selection;
    if (!s.all && !s.tags?.length && !s.exhibits?.length && !s.search && !s.ids?.length) {
      throw new EvidenceError('USAGE', 'Say what to export: tags, exhibits, a search, item ids or everything (several may be combined).');
    }
    const job = this.jobs.start('export', { casePath: c.layout.root, officer: who.name }, (ctx) =>
      this.exportBundle(
        { session: i.session, selection: { ...s, search: s.search ?? null }, out: i.destination, zip: i.zip, lang: i.lang, appVersion: this.opts.appVersion },
        { signal: ctx.signal, onProgress: (p) => ctx.progress(p) },
      ),
    );
    return { jobId: job.jobId };
  }

  /** Checks a bundle (folder or ZIP) on its own: no case, no sign-in (core/bundle/verify.ts). */
  async verifyBundle(input: Input<'verifyBundle'>): Promise<BundleReport> {
    const i = parseInput('verifyBundle', input);
    return verifyBundle(i.path);
  }

  /**
   * Review mode: verifies the bundle, then opens it read-only (core/bundle/review.ts). The answer
   * leads with the verdict; a bundle that is not intact still opens when its manifest can be read
   * (the reviewer sees what it claims, and previews of files that do not match are refused).
   * Opening the same bundle again replaces its earlier review (verified afresh).
   */
  async openBundle(input: Input<'openBundle'>): Promise<OpenedBundle> {
    const i = parseInput('openBundle', input);
    const { report, review, problem } = await ReviewSession.open(i.path);
    let session: string | null = null;
    if (review) {
      const earlier = this.reviewPaths.get(review.path);
      if (earlier) this.dropReview(earlier);
      session = randomBytes(32).toString('hex');
      this.reviews.set(session, review);
      this.reviewPaths.set(review.path, session);
    }
    return {
      mode: 'review',
      intact: report.ok,
      verdict: verdict(report),
      verification: report,
      session,
      problem,
      bundle: review ? reviewBundle(review) : null,
      methods: [...REVIEW_METHODS],
    };
  }

  private dropReview(token: string): boolean {
    const r = this.reviews.get(token);
    if (!r) return false;
    this.reviews.delete(token);
    if (this.reviewPaths.get(r.path) === token) this.reviewPaths.delete(r.path);
    this.viewed.delete(token);
    r.close();
    return true;
  }

  /** Ends a review session (nothing to sign: nothing was changed). */
  closeBundle(input: Input<'closeBundle'>): { closed: boolean } {
    const i = parseInput('closeBundle', input);
    return { closed: this.dropReview(i.session) };
  }

  /** What a session is (a case's signed-in officer, or a bundle under review) and what it may call. */
  sessionInfo(input: Input<'sessionInfo'>): SessionInfo {
    const i = parseInput('sessionInfo', input);
    const review = this.reviews.get(i.session);
    if (review) {
      return {
        mode: 'review',
        casePath: review.path,
        officer: null,
        role: null,
        methods: [...REVIEW_METHODS],
        bundle: { ...reviewBundle(review), intact: review.report.ok, verdict: verdict(review.report) },
      };
    }
    const s = this.sessions.get(i.session);
    if (!s) throw new EvidenceError('AUTH_FAILED', 'Not signed in, or the session has ended. Sign in again.');
    const never: MethodName[] = ['closeBundle'];
    // The role's methods, from the one table the app shows its controls by (shared/roles.ts).
    const methods = methodNames.filter((m) => !never.includes(m) && mayCall(s.who.role, m));
    return { mode: 'case', casePath: s.casePath, officer: s.who.name, role: s.who.role, methods, bundle: null };
  }

  /**
   * A review note beside the bundle, signed with the reviewer's own key (made on first use with
   * this password; core/bundle/reviewNotes.ts). The note names the item's bundle file and SHA-256
   * as the manifest gives them.
   */
  addReviewNote(input: Input<'addReviewNote'>): Output<'addReviewNote'> {
    const i = parseInput('addReviewNote', input);
    const officer = checkOfficerName(i.officer);
    const m = this.reviewAt(i.path)?.manifest ?? readBundleManifest(i.path);
    const item = m.items.find((x) => x.id === i.item);
    if (!item) throw new EvidenceError('NOT_FOUND', `There is no item ${i.item} in this bundle. List its items with: evidence ls ${i.path}`);
    return addReviewNote(i.path, { bundleId: m.bundleId, caseUuid: m.case.uuid, id: item.id, file: item.file, sha256: item.sha256 }, officer, i.password, i.text, {
      clock: this.clock,
      scryptN: this.scryptN,
    });
  }

  /** Every reviewer's notes beside a bundle, each file's chain and signatures checked. */
  listReviewNotes(input: Input<'listReviewNotes'>): ReviewNotes {
    const i = parseInput('listReviewNotes', input);
    if (!existsSync(i.path)) throw new EvidenceError('NOT_FOUND', `${i.path} does not exist. Give the bundle's folder or its .zip file.`);
    let bundleId: string | null = this.reviewAt(i.path)?.manifest.bundleId ?? null;
    if (!bundleId) {
      try {
        bundleId = readBundleManifest(i.path).bundleId;
      } catch {
        bundleId = null; // the notes are still listed and checked; the bundle's own state is verify's to tell
      }
    }
    return listReviewNotes(i.path, bundleId);
  }

  /** Runs the detectors and rule packs over the items with text; records suggestions, never tags. */
  runSuggestions(input: Input<'runSuggestions'>): DetectionRun {
    const i = parseInput('runSuggestions', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'tag', 'run the detectors');
    return runDetectors(c, i.sourceId ?? null, who.name);
  }

  listSuggestions(input: Input<'listSuggestions'>): { total: number; suggestions: Suggestion[] } {
    const { casePath, ...filter } = parseInput('listSuggestions', input);
    return listSuggestions(this.caseForReading(casePath).db, filter);
  }

  /** Accepts (tags the item) or rejects suggestions: custody events, by a signed-in officer with the 'tag' permission. */
  decideSuggestions(input: Input<'decideSuggestions'>): Suggestion[] {
    const i = parseInput('decideSuggestions', input);
    const { c, who } = this.session(i.session);
    return decideSuggestions(c, who, i.ids, i.decision, i.comment);
  }

  /** Adds a case rule pack (JSON file), validated; a custody event with its SHA-256. */
  addRulePack(input: Input<'addRulePack'>): RulePackInfo {
    const i = parseInput('addRulePack', input);
    const { c, who } = this.session(i.session);
    return addRulePackFile(c, who, i.file);
  }

  listRulePacks(input: Input<'listRulePacks'>): RulePackInfo[] {
    const i = parseInput('listRulePacks', input);
    return listRulePacks(this.caseForReading(i.casePath).db);
  }

  /** Imports a known-hash set (streamed, bounded memory) and matches the case's items against it. */
  async importHashset(
    input: Input<'importHashset'>,
    hooks: { signal?: AbortSignal; onProgress?: (p: HashsetImportProgress) => void } = {},
  ): Promise<HashsetImport> {
    const i = parseInput('importHashset', input);
    const { c, who } = this.session(i.session);
    return importHashset(c, who, { file: i.file, name: i.name, kind: i.kind, format: i.format, signal: hooks.signal, onProgress: hooks.onProgress });
  }

  /**
   * Starts a hash set import as a job (kind 'hashset'): progress and the result arrive as events.
   * The permission is checked before the job starts, so a refusal is the answer, not an event.
   */
  startHashsetImport(input: Input<'startHashsetImport'>): { jobId: string } {
    const i = parseInput('startHashsetImport', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'ingest', 'import hash sets');
    const job = this.jobs.start('hashset', { casePath: c.layout.root, officer: who.name }, (ctx) =>
      importHashset(c, who, { file: i.file, name: i.name, kind: i.kind, format: i.format, signal: ctx.signal, onProgress: (p) => ctx.progress(p) }),
    );
    return { jobId: job.jobId };
  }

  listHashsets(input: Input<'listHashsets'>): Hashset[] {
    const i = parseInput('listHashsets', input);
    return listHashsets(this.caseForReading(i.casePath).db);
  }

  // -------------------------------------------------------------------------------------------
  // Tags, notes and text search (src/core/tags, src/core/search, src/core/text).

  /** The case's tag vocabulary (shipped and case-specific), with how many items carry each. */
  listTags(input: Input<'listTags'>): Tag[] {
    const i = parseInput('listTags', input);
    const review = this.reviews.get(i.session);
    if (review) return review.tags();
    const { c, who } = this.session(i.session);
    requirePermission(who, 'view', 'view the tags');
    return listTags(c.db);
  }

  addTag(input: Input<'addTag'>): Tag {
    const i = parseInput('addTag', input);
    const { c, who } = this.session(i.session);
    return addTag(c, who, { id: i.id, labelEn: i.labelEn, labelJa: i.labelJa ?? null, colour: i.colour });
  }

  /** The items a tag change names: ids, and/or every item a search or filter finds. */
  private tagTargets(c: Case, i: { ids?: number[]; where?: { query?: string } & Record<string, unknown> }): number[] {
    if (!i.ids?.length && !i.where) throw new EvidenceError('USAGE', 'Say which items: give item ids, or a search (--where-search) or filter.');
    const ids = [...(i.ids ?? [])];
    if (i.where) {
      const { query, ...filter } = i.where;
      const found = searchItemIds(c.db, query?.trim() ? query : null, filter);
      if (found.length === 0 && !ids.length) throw new EvidenceError('NOT_FOUND', 'The search found no items: nothing was tagged.');
      ids.push(...found);
    }
    return ids;
  }

  tagItems(input: Input<'tagItems'>): TagChange {
    const i = parseInput('tagItems', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'tag', 'tag evidence');
    return tagItems(c, who, i.tag, this.tagTargets(c, i), i.comment ?? null);
  }

  untagItems(input: Input<'untagItems'>): TagChange {
    const i = parseInput('untagItems', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'tag', 'untag evidence');
    return untagItems(c, who, i.tag, this.tagTargets(c, i), i.comment ?? null);
  }

  addNote(input: Input<'addNote'>): Note {
    const i = parseInput('addNote', input);
    const { c, who } = this.session(i.session);
    return addNote(c, who, i.item, i.text);
  }

  removeNote(input: Input<'removeNote'>): Note {
    const i = parseInput('removeNote', input);
    const { c, who } = this.session(i.session);
    return removeNote(c, who, i.note, i.reason);
  }

  /**
   * Full-text search with filters. Not a custody event: it reads the index, not the evidence;
   * opening a hit (getItem, content) is recorded as a view.
   */
  search(input: Input<'search'>): SearchResult {
    const { session, query, ...opts } = parseInput('search', input);
    const review = this.reviews.get(session);
    if (review) return review.search(query, opts);
    const { c, who } = this.session(session);
    requirePermission(who, 'view', 'search evidence');
    const r = search(c.db, query, opts);
    // A known-bad item is as much an alert among the results as on the catalogue's rows.
    withKnownBadSets(c.db, r.hits);
    if (r.named) withKnownBadSets(c.db, r.named.hits);
    return r;
  }

  /** Text extraction for items not yet read for text (or, with all, every item again). */
  async reindexText(
    input: Input<'reindexText'>,
    hooks: { signal?: AbortSignal; onProgress?: (p: ReindexProgress) => void } = {},
  ): Promise<ReindexSummary> {
    const i = parseInput('reindexText', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'ingest', 'index the text of evidence');
    return reindexText(c, {
      officer: who.name,
      all: i.all,
      workers: i.workers,
      textWorkerUrl: this.opts.stageWorkerUrl,
      signal: hooks.signal,
      onProgress: hooks.onProgress,
    });
  }

  /**
   * reindexText as a job (kind 'reindex'): the permission is checked before it starts, so a
   * refusal is the answer, not an event. Cancelled, it stops after the items in progress and
   * finishes 'interrupted'; starting it again does what is left.
   */
  startReindex(input: Input<'startReindex'>): { jobId: string } {
    const i = parseInput('startReindex', input);
    const { c, who } = this.session(i.session);
    requirePermission(who, 'ingest', 'index the text of evidence');
    const job = this.jobs.start('reindex', { casePath: c.layout.root, officer: who.name }, (ctx) =>
      this.reindexText({ session: i.session, all: i.all, workers: i.workers }, { signal: ctx.signal, onProgress: (p) => ctx.progress(p) }),
    );
    return { jobId: job.jobId };
  }

  close(): void {
    // Sessions end with the service: a request still in flight (a thumbnail being decoded) then
    // gets "the session has ended" instead of reopening the case behind the closing window.
    this.sessions.clear();
    for (const token of [...this.reviews.keys()]) this.dropReview(token);
    for (const t of this.thumbCaches.values()) t.close();
    this.thumbCaches.clear();
    for (const c of this.open.values()) c.close();
    this.open.clear();
    for (const c of this.readers.values()) c.close();
    this.readers.clear();
  }
}

function reviewBundle(r: ReviewSession): OpenedBundle['bundle'] & object {
  const m = r.manifest;
  return {
    path: r.path,
    kind: r.report.kind,
    bundleId: m.bundleId,
    case: { uuid: m.case.uuid, number: m.case.number, name: m.case.name },
    exportedBy: { name: m.exportedBy.name, keyFingerprint: m.exportedBy.keyFingerprint },
    createdAt: m.createdAt.utc,
    items: m.items.length,
    bytes: m.items.reduce((n, x) => n + x.size, 0),
    hasText: false,
    language: m.language,
  };
}

/** Whether `path` is `dir` or inside it. */
function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
