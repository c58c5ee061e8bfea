// The chain-of-custody form of one exhibit: the paper form officers know (exhibit label, then
// every hand it passed through), printed from the log, with the log's own verification.
import type { Case } from '../case.ts';
import { getExhibit } from '../exhibits/exhibits.ts';
import { formatLocal } from '../time.ts';
import { verifyCustody } from './checkpoint.ts';
import { queryLog } from './query.ts';

function line(label: string, value: string | number | null | undefined): string {
  return `  ${label.padEnd(16)} ${value === null || value === undefined || value === '' ? '-' : String(value)}`;
}

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
};

export function custodyForm(kase: Case, number: string): string {
  const ex = getExhibit(kase, number);
  const info = kase.info();
  const events = queryLog(kase.db, { exhibit: number });
  const check = verifyCustody(kase.db);
  const out: string[] = [
    'CHAIN OF CUSTODY',
    '================',
    line('Case', `${info.number}  ${info.name}`),
    line('Exhibit', ex.number),
    line('Seal', `${ex.seal_number ?? '-'} (${ex.sealed ? 'sealed' : 'SEAL BROKEN'})`),
    line('Description', ex.description),
    line('Device', [ex.device_make, ex.device_model].filter(Boolean).join(' ')),
    line('Serial', ex.serial),
    line('IMEI', ex.imei),
    line('Condition', ex.condition),
    line('Seized by', ex.seized_by),
    line('Seized at', ex.seized_at),
    line('Seized where', ex.seized_where),
    line('Custodian now', ex.custodian),
    line('Items', ex.items),
    '',
    'HISTORY (times in UTC, then local time where the action was done)',
    '-------',
  ];
  for (const e of events) {
    const d = e.details;
    out.push(`#${e.seq}  ${e.at_utc}  (local ${formatLocal(e.at_utc, e.tz_name)} ${e.tz_name})  on ${e.host}`);
    out.push(`      ${WORDS[e.action] ?? e.action} by ${e.officer}${e.reason ? `; reason: ${e.reason}` : ''}`);
    if (e.action === 'custody.transferred') {
      out.push(`      from ${String(d.from)} to ${String(d.to)}; signed by both (${(d.signatures as unknown[] | undefined)?.length ?? 0} signatures)`);
    } else if (e.action.startsWith('ingest.') && d.source) {
      const counts = d.files !== undefined ? `; ${String(d.files)} files, ${String(d.bytes)} bytes, ${String(d.errors)} problems` : '';
      out.push(`      export: ${String(d.source)}${counts}`);
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
      ? `  The custody log verifies: ${check.chain.events} events chained, ${check.checkpoints.verified} signed checkpoints and ${check.transfers.verified} transfers check out.`
      : `  THE CUSTODY LOG DOES NOT VERIFY:\n${check.findings.map((f) => `  - ${f.message}`).join('\n')}`,
    `  Printed ${kase.clock.now().toISOString()}`,
  );
  return out.join('\n');
}
