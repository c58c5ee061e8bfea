// The chain-of-custody form of one exhibit: the paper form officers know (exhibit label, then
// every hand it passed through), printed from the log, with the log's own verification.
import { visible } from '../../shared/text.ts';
import type { Case } from '../case.ts';
import { getExhibit } from '../exhibits/exhibits.ts';
import { DEVICE_FIELD_LABEL } from '../exhibits/deviceFacts.ts';
import { keyFingerprint, verifyText } from '../officers/crypto.ts';
import { announcedKeys } from './attribution.ts';
import { type CustodyVerifyOptions, latestCheckpoint, verifyCustody } from './checkpoint.ts';
import { receiptCode } from './receipts.ts';
import { queryLog } from './query.ts';

/**
 * The local wall-clock time of an event, from the UTC instant and the offset recorded with it
 * (part of the hashed row), not from today's time-zone database: "2026-11-29 08:30:00 +07:00".
 */
export function localTime(atUtc: string, offset: string): string {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const local = new Date(Date.parse(atUtc) + minutes * 60_000);
  return `${local.toISOString().slice(0, 19).replace('T', ' ')} ${m ? offset : '+00:00'}`;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function line(label: string, value: string | number | null | undefined): string {
  return `  ${label.padEnd(16)} ${value === null || value === undefined || value === '' ? '-' : String(value)}`;
}

/** An exhibit field as the form names it (IMEI, serial number...). */
const label = (field: string): string => (DEVICE_FIELD_LABEL as Record<string, string>)[field] ?? field.replace(/_/g, ' ');

const WORDS: Record<string, string> = {
  'exhibit.recorded': 'Exhibit recorded',
  'ingest.started': 'Export ingest started',
  'ingest.resumed': 'Export ingest resumed',
  'ingest.finished': 'Export ingest finished',
  'ingest.interrupted': 'Export ingest interrupted',
  'ingest.failed': 'Export ingest failed',
  'custody.transferred': 'Custody transferred',
  'exhibit.seal-broken': 'Seal broken',
  'exhibit.resealed': 'Resealed',
  'exhibit.device-reported': 'Device facts from the extraction report',
};

export function custodyForm(kase: Case, number: string, opts: CustodyVerifyOptions = {}): string {
  const ex = getExhibit(kase, number);
  const info = kase.info();
  const events = queryLog(kase.db, { exhibit: number });
  const check = verifyCustody(kase.db, [], opts);
  const out: string[] = [
    'CHAIN OF CUSTODY',
    '================',
    line('Case', `${info.number}  ${info.name}`),
    line('Exhibit', ex.number),
    line('Seal', ex.seal_number === null ? '- (no seal on record)' : `${ex.seal_number} (${ex.sealed ? 'sealed' : 'SEAL BROKEN'})`),
    line('Description', ex.description),
    line('Device', [ex.device_make, ex.device_model].filter(Boolean).join(' ')),
    line('Serial', ex.serial),
    line('IMEI', ex.imei),
    ...(ex.extraction_type || ex.extraction_tool
      ? [line('Extraction', `${ex.extraction_type ?? '-'} with ${[ex.extraction_tool, ex.extraction_tool_version].filter(Boolean).join(' ') || '-'} (from the extraction report)`)]
      : []),
    line('Condition', ex.condition),
    line('Seized by', ex.seized_by),
    line('Seized at', ex.seized_at),
    line('Seized where', ex.seized_where),
    line('Custodian now', ex.custodian),
    line('Items', ex.items),
    // Fields the officer recorded that an extraction report contradicts: printed, never settled here.
    ...ex.device_problems.map((m) => line('DISAGREES', m.message)),
    '',
    'HISTORY (each time in UTC, then the local time and zone where the action was done)',
    '-------',
  ];
  for (const e of events) {
    const d = e.details;
    out.push(`#${e.seq}  ${e.at_utc}  (local ${localTime(e.at_utc, e.tz_offset)} ${e.tz_name})  on ${e.host}`);
    out.push(`      ${WORDS[e.action] ?? e.action} by ${e.officer}${e.reason ? `; reason: ${e.reason}` : ''}`);
    if (e.action === 'custody.transferred') {
      const sigs = Array.isArray(d.signatures) ? (d.signatures as { officer: string; public_key: string; signature: string }[]) : [];
      out.push(`      from ${String(d.from)} to ${String(d.to)}; seal ${d.seal === null || d.seal === undefined ? '-' : String(d.seal)}; signed by ${sigs.length === 2 ? 'both' : `${sigs.length} of 2`}:`);
      for (const s of sigs) {
        const ok = typeof d.statement === 'string' && verifyText(s.public_key, d.statement, s.signature);
        const role = s.officer === d.from ? 'handed over' : s.officer === d.to ? 'received' : 'signed';
        out.push(`        ${role.padEnd(11)} ${s.officer}  key ${keyFingerprint(s.public_key)}  signature ${ok ? 'verifies' : 'DOES NOT VERIFY'}`);
        out.push(`                    ${s.signature}`);
      }
    } else if (e.action === 'exhibit.seal-broken') {
      out.push(`      seal ${String(d.previousSeal ?? '-')} broken`);
    } else if (e.action.startsWith('ingest.') && d.source) {
      const counts = d.files !== undefined ? `; ${String(d.files)} files, ${String(d.bytes)} bytes, ${String(d.errors)} problems` : '';
      out.push(`      export: ${String(d.source)}${counts}`);
    } else if (e.action === 'exhibit.device-reported') {
      const filled = d.filled && typeof d.filled === 'object' ? Object.entries(d.filled as Record<string, unknown>) : [];
      out.push(`      report ${String(d.report ?? '-')}; filled: ${filled.length ? filled.map(([k, v]) => `${label(k)} ${String(v)}`).join(', ') : 'nothing'}`);
      for (const m of Array.isArray(d.mismatches) ? (d.mismatches as { field: string; recorded: string; reported: string[] }[]) : []) {
        out.push(`      disagrees: ${label(m.field)} recorded ${m.recorded}, report ${Array.isArray(m.reported) ? m.reported.join(' / ') : String(m.reported)}`);
      }
    } else if (e.action === 'exhibit.resealed') {
      out.push(`      new seal ${String(d.newSeal)} (was ${String(d.previousSeal)})`);
    }
    out.push(`      event hash ${e.hash}`);
  }
  out.push(
    '',
    'VERIFICATION',
    '------------',
    check.ok
      ? `  The custody log verifies: ${plural(check.chain.events, 'event')} chained, ${plural(check.checkpoints.verified, 'signed checkpoint')} and ${plural(check.transfers.verified, 'transfer')} check out.`
      : '  THE CUSTODY LOG DOES NOT VERIFY:',
    ...(check.ok ? [] : check.findings.map((f) => `  - ${f.message}`)),
    `  Receipts outside the case: ${check.receipts.found ? `${check.receipts.agree} of ${check.receipts.found} agree with the log` : 'none found'}`,
    `  Printed ${kase.clock.now().toISOString()}`,
  );
  // The keys the log announced: a key swapped later no longer matches the one printed here.
  const keys = [...announcedKeys(kase.db)].map(([name, list]) => [name, list[list.length - 1]!.fingerprint] as const);
  out.push('', 'OFFICERS\' SIGNING KEYS (fingerprints as announced in the log)', '-----------------------');
  for (const [name, fp] of keys) out.push(`  ${name.padEnd(28)} ${fp}`);
  // The receipt code makes this paper a witness: `evidence custody verify <case> --code <code>`
  // checks any copy of the case against it later.
  const cp = latestCheckpoint(kase.db);
  out.push(
    '',
    'RECEIPT (keep with this form)',
    '-------',
    cp
      ? `  ${receiptCode(cp.seq, cp.head_hash)}   checkpoint ${cp.id} of event ${cp.seq}, signed by ${cp.officer} at ${cp.at_utc}`
      : '  - (no checkpoint signed yet)',
    '  Check a copy of the case against it: evidence custody verify <case> --code <receipt code>',
  );
  // Names, seals, reasons and export paths are untrusted text: each line is made visible, so a
  // control or bidi character in one cannot rewrite the printed form.
  return out.map(visible).join('\n');
}
