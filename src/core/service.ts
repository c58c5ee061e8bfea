// The engine's single entry point: implements every method of the contract. Front doors (CLI,
// Electron IPC, browser host) parse nothing and decide nothing themselves: they call these.
import { Case } from './case.ts';
import { type ItemDetail, type ItemRow, countItems, getItem, listItems } from './catalogue/query.ts';
import type { CustodyEvent } from './custody/log.ts';
import { EvidenceError } from './errors.ts';
import { ingest } from './ingest/ingest.ts';
import type { IngestProgress, IngestSummary } from './ingest/progress.ts';
import { type Clock, systemClock } from './time.ts';
import { type VerifyProgress, type VerifyReport, verifyCase } from './verify/verifyCase.ts';
import { type Input, parseInput } from '../shared/contract.ts';

export interface ServiceOptions {
  clock?: Clock;
  /** Compiled worker modules where the front door bundles them (Electron). */
  ingestWorkerUrl?: URL | string;
  verifyWorkerUrl?: URL | string;
}

export interface CaseSummary {
  path: string;
  uuid: string;
  number: string;
  name: string;
  createdAt: string;
  createdBy: string;
  exhibits: number;
  items: number;
  files: number;
  bytes: number;
  custodyEvents: number;
}

export class EvidenceService {
  private readonly opts: ServiceOptions;
  private readonly open = new Map<string, Case>();

  constructor(opts: ServiceOptions = {}) {
    this.opts = opts;
  }

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  private caseAt(path: string): Case {
    let c = this.open.get(path);
    if (!c) {
      c = Case.open(path, { clock: this.clock });
      this.open.set(path, c);
    }
    return c;
  }

  createCase(input: Input<'createCase'>): CaseSummary {
    const i = parseInput('createCase', input);
    const c = Case.create(i.casePath, { name: i.name, number: i.number, officer: i.officer }, this.clock);
    this.open.set(i.casePath, c);
    return this.summarise(i.casePath, c);
  }

  caseInfo(input: Input<'caseInfo'>): CaseSummary {
    const i = parseInput('caseInfo', input);
    return this.summarise(i.casePath, this.caseAt(i.casePath));
  }

  private summarise(path: string, c: Case): CaseSummary {
    const info = c.info();
    const n = c.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM exhibits) AS exhibits, (SELECT COUNT(*) FROM items) AS items,
          (SELECT COUNT(*) FROM items WHERE kind = 'file') AS files,
          (SELECT COALESCE(SUM(size), 0) FROM items WHERE kind = 'file') AS bytes,
          (SELECT COUNT(*) FROM custody_events) AS events`,
      )
      .get() as { exhibits: number; items: number; files: number; bytes: number; events: number };
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
    };
  }

  async ingest(
    input: Input<'ingest'>,
    hooks: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void } = {},
  ): Promise<IngestSummary> {
    const i = parseInput('ingest', input);
    const c = this.caseAt(i.casePath);
    return ingest(c, {
      sourcePath: i.sourcePath,
      kind: i.kind,
      expand: i.expand,
      exhibit: i.exhibit ?? null,
      officer: i.officer,
      workers: i.workers,
      workerUrl: this.opts.ingestWorkerUrl,
      signal: hooks.signal,
      onProgress: hooks.onProgress,
    });
  }

  listItems(input: Input<'listItems'>): { total: number; items: ItemRow[] } {
    const { casePath, ...filter } = parseInput('listItems', input);
    const c = this.caseAt(casePath);
    return { total: countItems(c.db, filter), items: listItems(c.db, filter) };
  }

  getItem(input: Input<'getItem'>): ItemDetail & { custody: CustodyEvent[] } {
    const i = parseInput('getItem', input);
    const c = this.caseAt(i.casePath);
    const item = getItem(c.db, i.id);
    if (!item) throw new EvidenceError('NOT_FOUND', `There is no item ${i.id} in this case. List items with: evidence ls <case>`);
    const custody = c.custody.list({ target: `source:${item.source_id}` });
    return { ...item, custody };
  }

  custodyLog(input: Input<'custodyLog'>): CustodyEvent[] {
    const { casePath, ...filter } = parseInput('custodyLog', input);
    return this.caseAt(casePath).custody.list(filter);
  }

  async verify(input: Input<'verify'>, hooks: { onProgress?: (p: VerifyProgress) => void } = {}): Promise<VerifyReport> {
    const i = parseInput('verify', input);
    const c = this.caseAt(i.casePath);
    c.ensureOfficer(i.officer);
    return verifyCase(c, { officer: i.officer, workers: i.workers, workerUrl: this.opts.verifyWorkerUrl, onProgress: hooks.onProgress });
  }

  close(): void {
    for (const c of this.open.values()) c.close();
    this.open.clear();
  }
}
