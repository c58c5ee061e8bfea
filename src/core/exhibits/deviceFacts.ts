// The device an extraction report describes, onto the exhibit it was ingested into (issue 12
// item 2b). A UFDR's report.xml names the phone (make, model, IMEIs, serial numbers) and how it
// was extracted (extraction type, the tool and its version); the UFDR reader keeps those facts
// on the report.xml item (extra.deviceInfo, committed with the catalogue). When the ingest of a
// source finishes, each report of the source is compared with the exhibit:
// - an exhibit field the officer left empty is filled from the report;
// - a field the officer recorded that the report contradicts (IMEI 356... recorded, 490... in the
//   report) is a problem, shown with the exhibit and in the ingest summary. The officer's entry
//   is never overwritten: which is right is for a person to decide.
// Both are one custody event, exhibit.device-reported (custody/state.ts replays what it filled).
// The mismatches shown are worked out again whenever the exhibit is read, against what the
// exhibit holds then, from the facts the events recorded.
import type { Case } from '../case.ts';
import type { DB } from '../db/open.ts';

export const DEVICE_REPORTED = 'exhibit.device-reported';

/** Exhibit columns an extraction report can give, in the order shown. */
export const DEVICE_FIELDS = ['device_make', 'device_model', 'imei', 'serial', 'extraction_type', 'extraction_tool', 'extraction_tool_version'] as const;
export type DeviceField = (typeof DEVICE_FIELDS)[number];

export const DEVICE_FIELD_LABEL: Record<DeviceField, string> = {
  device_make: 'device make',
  device_model: 'device model',
  imei: 'IMEI',
  serial: 'serial number',
  extraction_type: 'extraction type',
  extraction_tool: 'extraction tool',
  extraction_tool_version: 'extraction tool version',
};

/** What a report says, each field as a list (a dual-SIM phone has two IMEIs). */
export type ReportedDevice = Record<DeviceField, string[]>;

export interface DeviceMismatch {
  field: DeviceField;
  label: string;
  /** What the officer recorded on the exhibit. */
  recorded: string;
  /** What the extraction report says (all its values for the field). */
  reported: string[];
  /** The report: its item in the catalogue and the source it was ingested with. */
  report: string;
  source: number;
  seq: number;
}

export interface DeviceReport {
  exhibit: string;
  report: string;
  source: number;
  reported: ReportedDevice;
  filled: Partial<Record<DeviceField, string>>;
  mismatches: DeviceMismatch[];
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 200) : null);
const list = (...vs: unknown[]): string[] => {
  const out: string[] = [];
  for (const v of vs.flat()) {
    const t = text(v);
    if (t !== null && !out.includes(t)) out.push(t);
  }
  return out;
};

/** The facts of a UFDR report's deviceInfo (sources/ufdr.ts UfdrDeviceInfo, as stored in extra). */
export function reportedDevice(info: Record<string, unknown>): ReportedDevice {
  const sections = (info.sections && typeof info.sections === 'object' ? info.sections : {}) as Record<string, Record<string, unknown>>;
  const item = (...names: string[]): string | null => {
    for (const n of names) {
      for (const s of Object.values(sections)) {
        const v = s?.[n];
        const first = Array.isArray(v) ? v.map(text).find((x) => x !== null) : text(v);
        if (first) return first;
      }
    }
    return null;
  };
  const project = (info.project ?? {}) as Record<string, unknown>;
  const extractions = (Array.isArray(info.extractions) ? info.extractions : []) as Record<string, unknown>[];
  // The unit that extracted the phone (UFED 4PC, UFED Touch...) and its version; failing that,
  // Physical Analyzer, which wrote the report.
  const unit = item('DeviceInfoUnitIdentifier');
  const unitVersion = item('DeviceInfoUnitVersion', 'DeviceInfoUfedVersion');
  const pa = item('UFED_PA_Version', 'DeviceInfoPAVersion');
  const tool = unit ?? (pa ? 'Cellebrite Physical Analyzer' : null);
  const version = unit ? unitVersion : pa;
  return {
    device_make: list(info.manufacturer),
    device_model: list(info.model),
    imei: list(Array.isArray(info.imei) ? info.imei : []),
    serial: list(Array.isArray(info.serialNumbers) ? info.serialNumbers : []),
    extraction_type: list(item('ExtractionType', 'DeviceInfoExtractionType') ?? extractions[0]?.name ?? extractions[0]?.type ?? project.extractionType),
    extraction_tool: list(tool),
    extraction_tool_version: list(version),
  };
}

/** Letters and digits only, lower case: "356 789-01" and "35678901" are one IMEI. */
const compact = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Whether what the officer recorded agrees with one of the report's values. */
export function agrees(field: DeviceField, recorded: string, reported: string[]): boolean {
  const r = compact(recorded);
  return reported.some((v) => {
    const c = compact(v);
    if (field === 'imei' || field === 'serial') {
      // A 14-digit IMEI without its check digit is the same IMEI.
      return c === r || (field === 'imei' && c.length >= 14 && r.length >= 14 && c.slice(0, 14) === r.slice(0, 14));
    }
    // "iPhone 11" recorded, "iPhone 11 (A2221)" reported: the same device, said more or less fully.
    return c === r || (r.length > 0 && c.length > 0 && (c.includes(r) || r.includes(c)));
  });
}

function mismatchesOf(exhibit: Record<string, unknown>, reported: ReportedDevice, at: { report: string; source: number; seq: number }): DeviceMismatch[] {
  const out: DeviceMismatch[] = [];
  for (const f of DEVICE_FIELDS) {
    const have = text(exhibit[f]);
    if (have === null || reported[f].length === 0) continue;
    if (!agrees(f, have, reported[f])) out.push({ field: f, label: DEVICE_FIELD_LABEL[f], recorded: have, reported: reported[f], ...at });
  }
  return out;
}

interface ReportItem {
  id: number;
  path: string;
  extra: string | null;
}

/**
 * After an ingest of `sourceId` finished: fills the exhibit's empty fields from each extraction
 * report in the source, and records what it filled and what disagrees (one custody event per
 * report, not twice for the same report). Null when the source has no exhibit or no report.
 */
export function recordDeviceFacts(kase: Case, sourceId: number, officer: string): DeviceReport | null {
  const db = kase.db;
  const ex = db
    .prepare('SELECT e.* FROM sources s JOIN exhibits e ON e.id = s.exhibit_id WHERE s.id = ?')
    .get(sourceId) as Record<string, unknown> | undefined;
  if (!ex) return null;
  // report.xml items of UFDRs (the reader marks them ufdrReport); the name narrows the scan.
  const reports = db
    .prepare(
      `SELECT id, path, extra FROM items WHERE source_id = ? AND lower(name) = 'report.xml'
         AND extra LIKE '%"ufdrReport":true%' AND extra LIKE '%"deviceInfo"%' ORDER BY id`,
    )
    .all(sourceId) as ReportItem[];
  let last: DeviceReport | null = null;
  for (const r of reports) {
    let info: Record<string, unknown>;
    try {
      info = (JSON.parse(r.extra ?? '{}') as { deviceInfo?: Record<string, unknown> }).deviceInfo ?? {};
    } catch {
      continue;
    }
    const reported = reportedDevice(info);
    if (DEVICE_FIELDS.every((f) => reported[f].length === 0)) continue;
    last = db.transaction((): DeviceReport => {
      const number = String(ex.number);
      const already = db
        .prepare(`SELECT seq FROM custody_events WHERE action = ? AND target = ? AND json_extract(details, '$.item') = ?`)
        .get(DEVICE_REPORTED, `exhibit:${number}`, r.id) as { seq: number } | undefined;
      const current = db.prepare('SELECT * FROM exhibits WHERE id = ?').get(ex.id) as Record<string, unknown>;
      const filled: Partial<Record<DeviceField, string>> = {};
      if (!already) {
        for (const f of DEVICE_FIELDS) if (text(current[f]) === null && reported[f][0] !== undefined) filled[f] = reported[f][0];
      }
      const at = { report: r.path, source: sourceId, seq: already?.seq ?? 0 };
      const mismatches = mismatchesOf(current, reported, at);
      if (!already) {
        const sets = Object.keys(filled).map((f) => `${f} = @${f}`);
        if (sets.length) db.prepare(`UPDATE exhibits SET ${sets.join(', ')} WHERE id = @id`).run({ ...filled, id: ex.id });
        const ev = kase.custody.append({
          officer,
          action: DEVICE_REPORTED,
          target: `exhibit:${number}`,
          details: {
            source: sourceId,
            item: r.id,
            report: r.path,
            reported,
            filled,
            mismatches: mismatches.map(({ field, recorded, reported: rep }) => ({ field, recorded, reported: rep })),
          },
        });
        for (const m of mismatches) m.seq = ev.seq;
      }
      return { exhibit: number, report: r.path, source: sourceId, reported, filled, mismatches };
    })();
  }
  return last;
}

/** The mismatches between an exhibit as it is now and every extraction report recorded for it. */
export function deviceMismatches(db: DB, exhibit: Record<string, unknown>): DeviceMismatch[] {
  const rows = db
    .prepare('SELECT seq, details FROM custody_events WHERE action = ? AND target = ? ORDER BY seq')
    .all(DEVICE_REPORTED, `exhibit:${String(exhibit.number)}`) as { seq: number; details: string }[];
  const out: DeviceMismatch[] = [];
  for (const row of rows) {
    let d: { reported?: ReportedDevice; report?: string; source?: number };
    try {
      d = JSON.parse(row.details) as typeof d;
    } catch {
      continue;
    }
    if (!d.reported) continue;
    const reported = Object.fromEntries(DEVICE_FIELDS.map((f) => [f, list(Array.isArray(d.reported![f]) ? d.reported![f] : [])])) as ReportedDevice;
    out.push(...mismatchesOf(exhibit, reported, { report: String(d.report ?? ''), source: Number(d.source ?? 0), seq: row.seq }));
  }
  return out;
}

/** One line per mismatch, for the CLI and the ingest summary. */
export function mismatchText(m: Pick<DeviceMismatch, 'label' | 'recorded' | 'reported' | 'report'>): string {
  return `${m.label}: the officer recorded ${m.recorded}, the extraction report says ${m.reported.join(' / ')} (${m.report}): check which is right; the exhibit record is not changed`;
}
