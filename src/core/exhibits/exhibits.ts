// Exhibits: the seized devices, as the paper exhibit label records them, and their custody:
// who holds each one, transfers signed by both officers, seals broken and resealed.
import type { Exhibit } from '../../shared/outputs.ts';
import type { Case } from '../case.ts';
import { canonicalJson } from '../custody/canonical.ts';
import type { CustodyEvent } from '../custody/log.ts';
import { queryLog } from '../custody/query.ts';
import { exhibitItemsSql } from '../catalogue/counts.ts';
import { EvidenceError } from '../errors.ts';
import { deviceMismatches, mismatchText } from './deviceFacts.ts';
import { can, requirePermission, type SignedIn } from '../officers/accounts.ts';
import { signText } from '../officers/crypto.ts';

export interface ExhibitInput {
  number: string;
  sealNumber?: string | null;
  description?: string | null;
  deviceMake?: string | null;
  deviceModel?: string | null;
  serial?: string | null;
  imei?: string | null;
  condition?: string | null;
  seizedBy?: string | null;
  /** ISO 8601 with offset, e.g. 2026-11-20T14:05:00+07:00. */
  seizedAt?: string | null;
  seizedWhere?: string | null;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Exhibit };

const SEIZED_AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** A real calendar time with an offset of at most 14 hours (the regex alone lets 2026-02-30T25:61 through). */
function validSeizedAt(s: string): boolean {
  const m = SEIZED_AT.exec(s);
  if (!m) return false;
  const n = (i: number): number => Number(m[i] ?? 0);
  const [y, mo, d, h, mi, sec, oh, om] = [n(1), n(2), n(3), n(4), n(5), n(6), n(8), n(9)];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59 || om > 59 || oh * 60 + om > 14 * 60) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d >= 1 && d <= days;
}

function validImei(imei: string): boolean {
  // 15 digits with a Luhn check digit (14-digit IMEIs without it, and 16-digit IMEISV, also occur).
  if (!/^\d{14,16}$/.test(imei)) return false;
  if (imei.length !== 15) return true;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = Number(imei[i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Items per exhibit from the counters the writer keeps per source (catalogue/counts.ts): no scan.
const SELECT = `SELECT e.*, ${exhibitItemsSql('e')} AS items FROM exhibits e`;

/** An exhibit row with what its extraction reports contradict (exhibits/deviceFacts.ts). */
function withDeviceProblems(kase: Case, e: Omit<Exhibit, 'device_problems'>): Exhibit {
  const device_problems = deviceMismatches(kase.db, e).map((m) => ({ ...m, message: mismatchText(m) }));
  return { ...e, device_problems };
}

export function getExhibit(kase: Case, number: string): Exhibit {
  const e = kase.db.prepare(`${SELECT} WHERE e.number = ?`).get(number) as Exhibit | undefined;
  if (!e) throw new EvidenceError('NOT_FOUND', `There is no exhibit ${number} in this case. List them with: evidence exhibit ls <case>`);
  return withDeviceProblems(kase, e);
}

export function listExhibits(kase: Case): Exhibit[] {
  return (kase.db.prepare(`${SELECT} ORDER BY e.id`).all() as Exhibit[]).map((e) => withDeviceProblems(kase, e));
}

export function addExhibit(kase: Case, who: SignedIn, x: ExhibitInput): Exhibit {
  requirePermission(who, 'record-exhibit', 'record exhibits');
  const number = x.number.trim();
  // Every problem of the form at once, one a line, so the officer fixes them in one go.
  const problems: string[] = [];
  if (!number) problems.push('The exhibit number is required, e.g. EXH-001.');
  if (x.seizedAt && !validSeizedAt(x.seizedAt)) problems.push(`"${x.seizedAt}" is not a time with its offset. Write it like 2026-11-20T14:05:00+07:00.`);
  if (x.imei && !validImei(x.imei)) problems.push(`"${x.imei}" is not a valid IMEI (15 digits with a check digit).`);
  if (problems.length > 0) throw new EvidenceError('USAGE', problems.join('\n'));
  const fields = {
    seal_number: x.sealNumber ?? null,
    description: x.description ?? null,
    device_make: x.deviceMake ?? null,
    device_model: x.deviceModel ?? null,
    serial: x.serial ?? null,
    imei: x.imei ?? null,
    condition: x.condition ?? null,
    seized_by: x.seizedBy ?? null,
    seized_at: x.seizedAt ?? null,
    seized_where: x.seizedWhere ?? null,
  };
  kase.db.transaction(() => {
    // Only an exhibit recorded by addExhibit has a custodian; one merely named by an ingest has none.
    const existing = kase.db.prepare('SELECT id, custodian, device_make, device_model, serial, imei FROM exhibits WHERE number = ?').get(number) as
      | { id: number; custodian: string | null; device_make: string | null; device_model: string | null; serial: string | null; imei: string | null }
      | undefined;
    if (existing) {
      // Device facts an extraction report filled before the exhibit was recorded stay where the
      // officer gives none (the event below carries them, so the log replays the same record).
      for (const f of ['device_make', 'device_model', 'serial', 'imei'] as const) fields[f] ??= existing[f];
    }
    if (existing && existing.custodian !== null) {
      throw new EvidenceError('CONFLICT', `Exhibit ${number} is already recorded. Use another number.`);
    }
    if (existing) {
      // An exhibit first named by an ingest gets its full record now.
      kase.db
        .prepare(
          `UPDATE exhibits SET seal_number=@seal_number, description=@description, device_make=@device_make, device_model=@device_model,
           serial=@serial, imei=@imei, condition=@condition, seized_by=@seized_by, seized_at=@seized_at, seized_where=@seized_where,
           custodian=@custodian WHERE id=@id`,
        )
        .run({ ...fields, custodian: who.name, id: existing.id });
    } else {
      kase.db
        .prepare(
          `INSERT INTO exhibits (number, seal_number, description, device_make, device_model, serial, imei, condition, seized_by,
           seized_at, seized_where, custodian, created_at, created_by)
           VALUES (@number, @seal_number, @description, @device_make, @device_model, @serial, @imei, @condition, @seized_by,
           @seized_at, @seized_where, @custodian, @created_at, @created_by)`,
        )
        .run({ ...fields, number, custodian: who.name, created_at: kase.clock.now().toISOString(), created_by: who.name });
    }
    kase.custody.append({ officer: who.name, action: 'exhibit.recorded', target: `exhibit:${number}`, details: { number, ...fields, custodian: who.name } });
  })();
  return getExhibit(kase, number);
}

/** The exact text both officers sign for a transfer (canonical JSON). */
export function transferStatement(f: { caseUuid: string; exhibit: string; seal: string | null; from: string; to: string; reason: string; atUtc: string }): string {
  return canonicalJson({ type: 'evidence-catalogue/custody-transfer', version: 1, ...f });
}

/** Hands an exhibit from one officer to another; both have signed in (both passwords given). */
export function transferCustody(kase: Case, from: SignedIn, to: SignedIn, number: string, reason: string): CustodyEvent {
  requirePermission(from, 'transfer', 'transfer custody');
  if (!reason.trim()) throw new EvidenceError('USAGE', 'A custody transfer needs a reason (e.g. "to the forensic lab for examination").');
  if (from.name === to.name) throw new EvidenceError('USAGE', 'A transfer needs two different officers.');
  if (!can(to.role, 'hold-custody')) {
    throw new EvidenceError(
      'FORBIDDEN',
      `${to.name} is a ${to.role} and may not hold custody of an exhibit. Hand it to an officer, examiner or admin.`,
    );
  }
  return kase.db.transaction(() => {
    // Read inside the transaction, so two hand-overs of one exhibit cannot both pass the check.
    const ex = getExhibit(kase, number);
    if (ex.custodian === null) {
      throw new EvidenceError(
        'CONFLICT',
        `Exhibit ${number} was only named by an ingest and has no custodian on record: record it first with evidence exhibit add --number ${number} ...`,
      );
    }
    if (ex.custodian !== from.name) {
      throw new EvidenceError('CONFLICT', `Exhibit ${number} is held by ${ex.custodian}, not ${from.name}: only its custodian can hand it over.`);
    }
    const atUtc = kase.clock.now().toISOString();
    const statement = transferStatement({ caseUuid: kase.info().uuid, exhibit: number, seal: ex.seal_number, from: from.name, to: to.name, reason, atUtc });
    const signatures = [from, to].map((o) => ({ officer: o.name, public_key: o.publicKey, signature: signText(o.privateKey, statement) }));
    kase.db.prepare('UPDATE exhibits SET custodian = ? WHERE id = ?').run(to.name, ex.id);
    return kase.custody.append({
      officer: from.name,
      action: 'custody.transferred',
      target: `exhibit:${number}`,
      reason,
      details: { from: from.name, to: to.name, seal: ex.seal_number, statement, signatures },
    });
  }).immediate();
}

/** Records a seal broken (to examine the device) or a new seal applied. */
export function recordSeal(kase: Case, who: SignedIn, number: string, action: 'broken' | 'resealed', reason: string, newSeal?: string | null): CustodyEvent {
  requirePermission(who, 'record-exhibit', 'break or apply seals');
  if (!reason.trim()) throw new EvidenceError('USAGE', 'Breaking or applying a seal needs a reason.');
  if (action === 'resealed' && !newSeal?.trim()) throw new EvidenceError('USAGE', 'Resealing needs the new seal number.');
  return kase.db.transaction(() => {
    const ex = getExhibit(kase, number);
    // "sealed" means something only where a seal number is on record.
    const sealed = ex.sealed === 1 && ex.seal_number !== null;
    if (action === 'broken' && ex.seal_number === null) {
      throw new EvidenceError('CONFLICT', `Exhibit ${number} has no seal on record; to record a seal applied, use --reseal <seal>.`);
    }
    if (action === 'broken' && !sealed) throw new EvidenceError('CONFLICT', `The seal of exhibit ${number} is already broken.`);
    if (action === 'resealed' && sealed) throw new EvidenceError('CONFLICT', `Exhibit ${number} is sealed (seal ${ex.seal_number}); break the seal first.`);
    if (action === 'resealed' && newSeal === ex.seal_number) {
      throw new EvidenceError('USAGE', `Seal ${newSeal} was broken and cannot be used again: give the number of the new seal.`);
    }
    const applied = action === 'resealed' ? newSeal! : null;
    if (action === 'broken') kase.db.prepare('UPDATE exhibits SET sealed = 0 WHERE id = ?').run(ex.id);
    else kase.db.prepare('UPDATE exhibits SET sealed = 1, seal_number = ? WHERE id = ?').run(applied, ex.id);
    return kase.custody.append({
      officer: who.name,
      action: action === 'broken' ? 'exhibit.seal-broken' : 'exhibit.resealed',
      target: `exhibit:${number}`,
      reason,
      // The new state in full (custody/state.ts replays it): seal number and whether it is intact.
      details: { previousSeal: ex.seal_number, newSeal: applied, seal: applied ?? ex.seal_number, sealed: action === 'resealed' },
    });
  }).immediate();
}

/** Every custody event about an exhibit: its own, and those of the ingests of its exports. */
export function exhibitHistory(kase: Case, number: string): CustodyEvent[] {
  getExhibit(kase, number); // a clear NOT_FOUND for an unknown exhibit
  return queryLog(kase.db, { exhibit: number });
}
