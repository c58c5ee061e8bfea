// The state of a case, derived from its custody log and compared with its tables (issue 10,
// part 2). Whoever holds case.db can change a table without touching the log: make a reviewer an
// admin, hand an exhibit to someone else, mend a broken seal, untag an item. Every change of
// state is an event whose details say what it changed, so replaying the log in order gives what
// the tables must hold; verify names every row that differs ("officer Rev C: role is admin, the
// log says reviewer (event 12)"). The catalogue's item rows are checked against the digests the
// ingest events committed (catalogueDigest.ts).
//
// What is replayed: the case record (case.created); officers' accounts, roles, badges, units,
// status and failed sign-ins (officer.*); exhibits' records, custodians and seals (exhibit.*,
// custody.transferred); the case's own tags (tag.created) and which item carries which tag, put
// by whom with what comment (item(s).tagged/untagged); notes and their removal (note.*); sources
// (ingest.started: export path, kind, exhibit); the recovery code's verifier (the first admin's
// officer.added). Not replayed: the shipped tag vocabulary (from the app's own file),
// suggestions and known-hash sets (their decisions are events, but they change no evidence).
import type { DB } from '../db/open.ts';
import { keyFingerprint } from '../officers/crypto.ts';
import { recoveryFingerprint } from '../officers/recovery.ts';
import { checkSource, type Commitment, parseDigest } from './catalogueDigest.ts';

export interface StateFinding {
  /** The event that set what the table should hold (0 where no event did). */
  seq: number;
  what: 'catalogue' | 'state';
  message: string;
}

export interface StateReport {
  findings: StateFinding[];
  /** What could not be checked, and why (not problems): e.g. an ingest still running. */
  notes: string[];
}

interface Ev {
  seq: number;
  officer: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

const ACTIONS = [
  'case.created',
  'officer.added',
  'officer.disabled',
  'officer.enabled',
  'officer.unlocked',
  'officer.locked',
  'officer.sign-in-failed',
  'officer.signed-in',
  'exhibit.recorded',
  'custody.transferred',
  'exhibit.seal-broken',
  'exhibit.resealed',
  'exhibit.device-reported',
  'tag.created',
  'item.tagged',
  'item.untagged',
  'items.tagged',
  'items.untagged',
  'note.added',
  'note.removed',
  'ingest.started',
  'ingest.resumed',
  'ingest.finished',
  'ingest.interrupted',
  'ingest.failed',
];

function parse(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const idOf = (target: string | null, prefix: string): string | null => (target?.startsWith(`${prefix}:`) ? target.slice(prefix.length + 1) : null);

/** A value as shown in a finding. */
function shown(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return JSON.stringify(v).length > 82 ? `"${v.slice(0, 80)}…"` : `"${v}"`;
  return String(v);
}

interface OfficerState {
  role: string;
  status: string;
  badge: string | null;
  unit: string | null;
  failed: number;
  keyFingerprint: string | null;
  seq: number;
  /** The event that last set each field. */
  at: Record<string, number>;
}

interface ExhibitState {
  fields: Record<string, unknown>;
  at: Record<string, number>;
  full: boolean;
  seq: number;
}

const EXHIBIT_FIELDS = ['seal_number', 'description', 'device_make', 'device_model', 'serial', 'imei', 'condition', 'seized_by', 'seized_at', 'seized_where'] as const;
/** Set only from an extraction report (exhibit.device-reported, exhibits/deviceFacts.ts), never by exhibit.recorded. */
const EXTRACTION_FIELDS = ['extraction_type', 'extraction_tool', 'extraction_tool_version'] as const;
const EXHIBIT_LABEL: Record<string, string> = {
  extraction_type: 'extraction type',
  extraction_tool: 'extraction tool',
  extraction_tool_version: 'extraction tool version',
  seal_number: 'seal number',
  description: 'description',
  device_make: 'device make',
  device_model: 'device model',
  serial: 'serial number',
  imei: 'IMEI',
  condition: 'condition',
  seized_by: 'seized by',
  seized_at: 'seizure time',
  seized_where: 'seizure place',
  custodian: 'custodian',
  sealed: 'seal state',
  created_by: 'recorded by',
};

function hasColumn(db: DB, table: string, column: string): boolean {
  return (db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column) ?? null) !== null;
}

function hasTable(db: DB, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Replays the log and compares every piece of state with the tables. */
export function verifyState(db: DB): StateReport {
  const findings: StateFinding[] = [];
  const notes: string[] = [];
  const state = (seq: number, message: string): void => {
    findings.push({ seq, what: 'state', message });
  };

  let caseEv: Ev | null = null;
  const recovery = new Map<string, { fingerprint: string; seq: number }>();
  const officers = new Map<string, OfficerState>();
  /** Status set on names recorded before accounts existed (no officer.added): disable/enable only. */
  const nameOnly = new Map<string, { status: string; seq: number }>();
  const exhibits = new Map<string, ExhibitState>();
  const caseTags = new Map<string, { labelEn: unknown; labelJa: unknown; colour: unknown; seq: number; officer: string }>();
  const itemTags = new Map<string, { officer: string; comment: string | null; seq: number }>();
  const untaggedAt = new Map<string, number>();
  const notesExpected = new Map<number, { item: number; officer: string; text: string; seq: number; removed: { by: string; reason: string | null; seq: number } | null }>();
  const sources = new Map<number, { path: unknown; kind: unknown; exhibit: unknown; seq: number }>();
  const lifecycle = new Map<number, { commitments: Commitment[]; open: boolean; legacy: boolean }>();

  const placeholders = ACTIONS.map(() => '?').join(', ');
  const rows = db
    .prepare(`SELECT seq, officer, action, target, reason, details FROM custody_events WHERE action IN (${placeholders}) ORDER BY seq`)
    .iterate(...ACTIONS) as IterableIterator<Omit<Ev, 'details'> & { details: string }>;
  for (const r of rows) {
    const e: Ev = { ...r, details: parse(r.details) };
    const d = e.details;
    switch (e.action) {
      case 'case.created':
        caseEv ??= e;
        break;
      case 'officer.added': {
        const name = str(d.name) ?? idOf(e.target, 'officer');
        if (!name) break;
        const at = { role: e.seq, status: e.seq, badge: e.seq, unit: e.seq, failed: e.seq };
        if (typeof d.recoveryCode === 'string') recovery.set(name, { fingerprint: d.recoveryCode, seq: e.seq });
        officers.set(name, {
          role: String(d.role),
          status: 'active',
          badge: str(d.badge),
          unit: str(d.unit),
          failed: 0,
          keyFingerprint: str(d.keyFingerprint),
          seq: e.seq,
          at,
        });
        break;
      }
      case 'officer.disabled':
      case 'officer.enabled':
      case 'officer.unlocked':
      case 'officer.locked':
      case 'officer.sign-in-failed':
      case 'officer.signed-in': {
        const who = idOf(e.target, 'officer') ?? '';
        const o = officers.get(who);
        if (!o) {
          if (e.action === 'officer.disabled' || e.action === 'officer.enabled' || e.action === 'officer.unlocked') {
            nameOnly.set(who, { status: str(d.status) ?? (e.action === 'officer.disabled' ? 'disabled' : 'active'), seq: e.seq });
          }
          break;
        }
        if (e.action === 'officer.signed-in') {
          o.failed = 0;
          o.at.failed = e.seq;
        } else if (e.action === 'officer.sign-in-failed' || e.action === 'officer.locked') {
          o.failed = Number(d.failedInARow ?? o.failed + 1);
          o.at.failed = e.seq;
          if (e.action === 'officer.locked') {
            o.status = 'locked';
            o.at.status = e.seq;
          }
        } else {
          o.status = str(d.status) ?? (e.action === 'officer.disabled' ? 'disabled' : 'active');
          o.failed = 0;
          o.at.status = e.seq;
          o.at.failed = e.seq;
        }
        break;
      }
      case 'exhibit.recorded': {
        const number = str(d.number) ?? idOf(e.target, 'exhibit');
        if (!number) break;
        let x = exhibits.get(number);
        if (!x) {
          x = {
            fields: {
              ...Object.fromEntries([...EXHIBIT_FIELDS, ...EXTRACTION_FIELDS].map((f) => [f, null])),
              custodian: null,
              sealed: 1,
              created_by: e.officer,
            },
            at: {},
            full: false,
            seq: e.seq,
          };
          exhibits.set(number, x);
          for (const f of Object.keys(x.fields)) x.at[f] = e.seq;
        }
        // The full record (evidence exhibit add) carries its fields; an exhibit merely named by an
        // ingest carries only its number and has no custodian.
        if ('seal_number' in d || 'custodian' in d) {
          for (const f of EXHIBIT_FIELDS) {
            x.fields[f] = d[f] ?? null;
            x.at[f] = e.seq;
          }
          x.fields.custodian = 'custodian' in d ? d.custodian : e.officer;
          x.at.custodian = e.seq;
          x.full = true;
        }
        break;
      }
      case 'custody.transferred': {
        const x = exhibits.get(idOf(e.target, 'exhibit') ?? '');
        if (!x) break;
        x.fields.custodian = d.to ?? null;
        x.at.custodian = e.seq;
        break;
      }
      case 'exhibit.device-reported': {
        // Fields an extraction report filled where the exhibit had none (never the officer's entries).
        const x = exhibits.get(idOf(e.target, 'exhibit') ?? '');
        const filled = d.filled;
        if (!x || !filled || typeof filled !== 'object' || Array.isArray(filled)) break;
        for (const [f, v] of Object.entries(filled as Record<string, unknown>)) {
          if (!(EXHIBIT_FIELDS as readonly string[]).includes(f) && !(EXTRACTION_FIELDS as readonly string[]).includes(f)) continue;
          x.fields[f] = v ?? null;
          x.at[f] = e.seq;
        }
        break;
      }
      case 'exhibit.seal-broken':
      case 'exhibit.resealed': {
        const x = exhibits.get(idOf(e.target, 'exhibit') ?? '');
        if (!x) break;
        if (e.action === 'exhibit.seal-broken') x.fields.sealed = 0;
        else {
          x.fields.sealed = 1;
          x.fields.seal_number = d.newSeal ?? null;
          x.at.seal_number = e.seq;
        }
        x.at.sealed = e.seq;
        break;
      }
      case 'tag.created': {
        const id = str(d.id) ?? idOf(e.target, 'tag');
        if (id) caseTags.set(id, { labelEn: d.labelEn ?? null, labelJa: d.labelJa ?? null, colour: d.colour ?? null, seq: e.seq, officer: e.officer });
        break;
      }
      case 'item.tagged':
      case 'item.untagged':
      case 'items.tagged':
      case 'items.untagged': {
        const tag = str(d.tag);
        if (!tag) break;
        const ids = e.action.startsWith('items.')
          ? (Array.isArray(d.items) ? d.items : []).map(Number)
          : [Number(idOf(e.target, 'item'))];
        const on = e.action.endsWith('.tagged');
        for (const id of ids) {
          if (!Number.isInteger(id)) continue;
          const key = `${id}\t${tag}`;
          if (on) itemTags.set(key, { officer: e.officer, comment: e.reason, seq: e.seq });
          else {
            itemTags.delete(key);
            untaggedAt.set(key, e.seq);
          }
        }
        break;
      }
      case 'note.added': {
        const id = Number(d.note);
        const item = Number(idOf(e.target, 'item'));
        if (Number.isInteger(id)) notesExpected.set(id, { item, officer: e.officer, text: String(d.text ?? ''), seq: e.seq, removed: null });
        break;
      }
      case 'note.removed': {
        const n = notesExpected.get(Number(d.note));
        if (n) n.removed = { by: e.officer, reason: e.reason, seq: e.seq };
        break;
      }
      default: {
        // ingest.*
        const id = Number(idOf(e.target, 'source'));
        if (!Number.isInteger(id)) break;
        if (e.action === 'ingest.started') sources.set(id, { path: d.source ?? null, kind: d.kind ?? null, exhibit: d.exhibit ?? null, seq: e.seq });
        let l = lifecycle.get(id);
        if (!l) lifecycle.set(id, (l = { commitments: [], open: false, legacy: false }));
        if (e.action === 'ingest.finished' || e.action === 'ingest.interrupted') {
          const digest = parseDigest(d.catalogue);
          if (digest) {
            l.commitments.push({ seq: e.seq, action: e.action, digest });
            l.open = false;
          } else l.legacy = true;
        } else if (e.action !== 'ingest.failed') l.open = true;
      }
    }
  }

  // The case record.
  const kase = db.prepare('SELECT uuid, number, name, created_by FROM cases WHERE id = 1').get() as
    | { uuid: string; number: string; name: string; created_by: string }
    | undefined;
  if (kase && caseEv) {
    const d = caseEv.details;
    if (`case:${kase.uuid}` !== caseEv.target) state(caseEv.seq, `the case's identifier is ${kase.uuid}, the log says ${String(caseEv.target).replace(/^case:/, '')}`);
    if (kase.number !== d.number) state(caseEv.seq, `the case number is ${shown(kase.number)}, the log says ${shown(d.number)}`);
    if (kase.name !== d.name) state(caseEv.seq, `the case name is ${shown(kase.name)}, the log says ${shown(d.name)}`);
    if (kase.created_by !== caseEv.officer) state(caseEv.seq, `the case's creator is ${shown(kase.created_by)}, the log says ${shown(caseEv.officer)}`);
  }

  // Officers.
  const officerRows = db.prepare('SELECT name, badge, unit, role, status, secrets, failed_sign_ins FROM officers ORDER BY id').all() as {
    name: string;
    badge: string | null;
    unit: string | null;
    role: string;
    status: string;
    secrets: string | null;
    failed_sign_ins: number;
  }[];
  const seenOfficers = new Set<string>();
  for (const r of officerRows) {
    seenOfficers.add(r.name);
    const o = officers.get(r.name);
    if (!o) {
      // A name recorded before accounts existed: no password, no key, no role of its own.
      const status = nameOnly.get(r.name);
      if (r.secrets !== null) state(0, `officer ${r.name}: has an account (password and signing key) that no officer.added event in the log created`);
      else if (r.role !== 'officer') state(0, `officer ${r.name}: recorded by name only, yet the table gives them role ${r.role}, which no event in the log set`);
      else if (r.status !== (status?.status ?? 'active')) state(status?.seq ?? 0, `officer ${r.name}: account is ${r.status}, the log says ${status?.status ?? 'active'}`);
      continue;
    }
    if (r.role !== o.role) state(o.at.role!, `officer ${r.name}: role is ${r.role}, the log says ${o.role}`);
    if (r.status !== o.status) state(o.at.status!, `officer ${r.name}: account is ${r.status}, the log says ${o.status}`);
    if (r.failed_sign_ins !== o.failed) state(o.at.failed!, `officer ${r.name}: ${r.failed_sign_ins} failed sign-ins in a row, the log says ${o.failed}`);
    if ((r.badge ?? null) !== o.badge) state(o.at.badge!, `officer ${r.name}: badge is ${shown(r.badge)}, the log says ${shown(o.badge)}`);
    if ((r.unit ?? null) !== o.unit) state(o.at.unit!, `officer ${r.name}: unit is ${shown(r.unit)}, the log says ${shown(o.unit)}`);
    if (r.secrets === null) state(o.seq, `officer ${r.name}: has no password or signing key, but the log gave them an account`);
    else if (o.keyFingerprint) {
      let fp: string | null = null;
      try {
        fp = keyFingerprint((JSON.parse(r.secrets) as { publicKey: string }).publicKey);
      } catch {
        /* unreadable: named below */
      }
      if (fp !== o.keyFingerprint) state(o.seq, `officer ${r.name}: signing key is ${fp ?? 'unreadable'}, the log announced ${o.keyFingerprint}`);
    }
  }
  for (const [name, o] of officers) {
    if (!seenOfficers.has(name)) state(o.seq, `officer ${name}: missing from the officers table; the log added them`);
  }

  // The recovery code's verifier.
  if (hasTable(db, 'case_recovery')) {
    const stored = db.prepare('SELECT officer, secret FROM case_recovery').all() as { officer: string; secret: string }[];
    const seen = new Set<string>();
    for (const r of stored) {
      seen.add(r.officer);
      const want = recovery.get(r.officer);
      const fp = recoveryFingerprint(r.secret);
      if (!want) state(0, `the recovery code of ${r.officer} was never announced in the log: it was added by editing the database`);
      else if (want.fingerprint !== fp) state(want.seq, `the recovery code of ${r.officer} is not the one set in the log (its verifier was replaced)`);
    }
    for (const [who, r] of recovery) if (!seen.has(who)) state(r.seq, `the recovery code of ${who} is missing from the case (deleted)`);
  }

  // Exhibits.
  // Cases from before migration 10 have no extraction columns (verify may read an older case as it is).
  const extraction = EXTRACTION_FIELDS.filter((f) => hasColumn(db, 'exhibits', f));
  const exhibitRows = db
    .prepare(`SELECT number, ${[...EXHIBIT_FIELDS, ...extraction].join(', ')}, custodian, sealed, created_by FROM exhibits ORDER BY id`)
    .all() as Record<string, unknown>[];
  const seenExhibits = new Set<string>();
  for (const r of exhibitRows) {
    const number = String(r.number);
    seenExhibits.add(number);
    const x = exhibits.get(number);
    if (!x) {
      state(0, `exhibit ${number}: no event in the log recorded it (added by editing the database)`);
      continue;
    }
    for (const f of [...EXHIBIT_FIELDS, ...extraction, 'custodian', 'sealed', 'created_by']) {
      const want = x.fields[f] ?? null;
      const have = r[f] ?? null;
      if (want === have) continue;
      if (f === 'sealed') {
        const word = (v: unknown): string => (Number(v) === 1 ? 'sealed' : 'seal broken');
        if (Number(want) !== Number(have)) state(x.at.sealed ?? x.seq, `exhibit ${number}: ${word(have)}, the log says ${word(want)}`);
        continue;
      }
      if (f === 'custodian') {
        state(x.at.custodian ?? x.seq, `exhibit ${number}: custodian is ${have === null ? 'nobody' : String(have)}, the log says ${want === null ? 'nobody' : String(want)}`);
        continue;
      }
      state(x.at[f] ?? x.seq, `exhibit ${number}: ${EXHIBIT_LABEL[f] ?? f} is ${shown(have)}, the log says ${shown(want)}`);
    }
  }
  for (const [number, x] of exhibits) if (!seenExhibits.has(number)) state(x.seq, `exhibit ${number}: missing from the exhibits table; the log recorded it`);

  // Tags: the case's own vocabulary, and which item carries which tag.
  const tagRows = db.prepare('SELECT id, label_en, label_ja, colour, builtin, created_by FROM tags WHERE builtin = 0').all() as {
    id: string;
    label_en: string;
    label_ja: string | null;
    colour: string;
    created_by: string | null;
  }[];
  for (const t of tagRows) {
    const want = caseTags.get(t.id);
    if (!want) {
      state(0, `tag ${t.id}: no tag.created event in the log created it (added by editing the database)`);
      continue;
    }
    if (t.label_en !== want.labelEn) state(want.seq, `tag ${t.id}: English label is ${shown(t.label_en)}, the log says ${shown(want.labelEn)}`);
    if ((t.label_ja ?? null) !== want.labelJa) state(want.seq, `tag ${t.id}: Japanese label is ${shown(t.label_ja)}, the log says ${shown(want.labelJa)}`);
    if (t.colour !== want.colour) state(want.seq, `tag ${t.id}: colour is ${shown(t.colour)}, the log says ${shown(want.colour)}`);
  }
  const builtinOrCase = new Set((db.prepare('SELECT id FROM tags').all() as { id: string }[]).map((r) => r.id));
  for (const [id, t] of caseTags) if (!builtinOrCase.has(id)) state(t.seq, `tag ${id}: missing from the tags table; the log created it`);

  let tagFindings = 0;
  const tagFinding = (seq: number, message: string): void => {
    if (++tagFindings <= 200) state(seq, message);
  };
  const seenTags = new Set<string>();
  for (const r of db.prepare('SELECT item_id, tag_id, officer, comment FROM item_tags ORDER BY item_id, tag_id').iterate() as IterableIterator<{
    item_id: number;
    tag_id: string;
    officer: string;
    comment: string | null;
  }>) {
    const key = `${r.item_id}\t${r.tag_id}`;
    seenTags.add(key);
    const want = itemTags.get(key);
    if (!want) {
      const gone = untaggedAt.get(key);
      tagFinding(
        gone ?? 0,
        gone
          ? `item ${r.item_id}: tagged ${r.tag_id}, but the log says the tag was removed (event ${gone})`
          : `item ${r.item_id}: tagged ${r.tag_id}, which no event in the log recorded`,
      );
      continue;
    }
    if (r.officer !== want.officer) tagFinding(want.seq, `item ${r.item_id}: tag ${r.tag_id} is recorded as put by ${r.officer}, the log says ${want.officer}`);
    else if ((r.comment ?? null) !== (want.comment ?? null)) {
      tagFinding(want.seq, `item ${r.item_id}: the comment of tag ${r.tag_id} is ${shown(r.comment)}, the log says ${shown(want.comment)}`);
    }
  }
  for (const [key, want] of itemTags) {
    if (seenTags.has(key)) continue;
    const [item, tag] = key.split('\t');
    tagFinding(want.seq, `item ${item}: tag ${tag} is missing; the log says it was put by ${want.officer}`);
  }
  if (tagFindings > 200) state(0, `… and ${tagFindings - 200} more tags differ from the log`);

  // Notes (never erased: a removal is recorded on the note).
  const seenNotes = new Set<number>();
  for (const r of db.prepare('SELECT id, item_id, officer, text, deleted_at, deleted_by, deleted_reason FROM notes ORDER BY id').iterate() as IterableIterator<{
    id: number;
    item_id: number;
    officer: string;
    text: string;
    deleted_at: string | null;
    deleted_by: string | null;
    deleted_reason: string | null;
  }>) {
    seenNotes.add(r.id);
    const n = notesExpected.get(r.id);
    if (!n) {
      state(0, `note ${r.id} on item ${r.item_id}: no note.added event in the log recorded it`);
      continue;
    }
    if (r.item_id !== n.item) state(n.seq, `note ${r.id}: is on item ${r.item_id}, the log says item ${n.item}`);
    if (r.officer !== n.officer) state(n.seq, `note ${r.id} on item ${n.item}: author is ${r.officer}, the log says ${n.officer}`);
    if (r.text !== n.text) state(n.seq, `note ${r.id} on item ${n.item}: text differs from what the log recorded`);
    if ((r.deleted_at !== null) !== (n.removed !== null)) {
      state(
        n.removed?.seq ?? n.seq,
        n.removed ? `note ${r.id} on item ${n.item}: shown as not removed, the log says it was removed` : `note ${r.id} on item ${n.item}: marked removed, which the log never recorded`,
      );
    } else if (n.removed && (r.deleted_by !== n.removed.by || (r.deleted_reason ?? null) !== (n.removed.reason ?? null))) {
      state(n.removed.seq, `note ${r.id} on item ${n.item}: its removal is recorded differently from the log (by ${r.deleted_by ?? 'nobody'}, the log says ${n.removed.by})`);
    }
  }
  for (const [id, n] of notesExpected) if (!seenNotes.has(id)) state(n.seq, `note ${id} on item ${n.item}: missing from the notes table (notes are never erased)`);

  // Sources: each one an ingest.started event claimed.
  const sourceRows = db
    .prepare('SELECT s.id, s.root_path, s.kind, e.number AS exhibit FROM sources s LEFT JOIN exhibits e ON e.id = s.exhibit_id ORDER BY s.id')
    .all() as { id: number; root_path: string; kind: string; exhibit: string | null }[];
  const seenSources = new Set<number>();
  for (const s of sourceRows) {
    seenSources.add(s.id);
    const want = sources.get(s.id);
    if (!want) {
      state(0, `source ${s.id} (${s.root_path}): no ingest.started event in the log recorded it`);
      continue;
    }
    if (s.root_path !== want.path) state(want.seq, `source ${s.id}: export path is ${shown(s.root_path)}, the log says ${shown(want.path)}`);
    if (s.kind !== want.kind) state(want.seq, `source ${s.id}: kind is ${shown(s.kind)}, the log says ${shown(want.kind)}`);
    if ((s.exhibit ?? null) !== (want.exhibit ?? null)) state(want.seq, `source ${s.id}: belongs to exhibit ${s.exhibit ?? 'none'}, the log says ${shown(want.exhibit ?? null).replace(/"/g, '')}`);
  }
  for (const [id, s] of sources) if (!seenSources.has(id)) state(s.seq, `source ${id}: missing from the sources table; the log says an ingest started it`);

  // The catalogue: every source's rows against the digests its ingest events committed.
  const itemSources = db.prepare('SELECT source_id AS id, COUNT(*) AS n, MIN(id) AS first FROM items GROUP BY source_id ORDER BY source_id').all() as {
    id: number;
    n: number;
    first: number;
  }[];
  const withItems = new Set(itemSources.map((s) => s.id));
  for (const s of itemSources) {
    if (!sources.has(s.id)) {
      findings.push({ seq: 0, what: 'catalogue', message: `item ${s.first}${s.n > 1 ? ` and ${s.n - 1} more` : ''}: in source ${s.id}, which no ingest in the log started (added by editing the database)` });
    }
  }
  for (const [id, l] of lifecycle) {
    if (l.commitments.length === 0) {
      if (withItems.has(id)) {
        notes.push(
          l.legacy
            ? `source ${id}: ingested before catalogue digests existed; its rows are not committed to the log`
            : `source ${id}: its ingest has not finished; its rows are committed to the log when it does (run the same ingest again to resume)`,
        );
      }
      continue;
    }
    const r = checkSource(db, id, l.commitments, l.open);
    for (const p of r.problems) findings.push({ seq: p.seq, what: 'catalogue', message: p.message });
    if (r.uncommitted) notes.push(`source ${id}: ${r.uncommitted} rows added by an ingest not yet finished are committed to the log when it finishes`);
  }

  findings.sort((a, b) => a.seq - b.seq);
  return { findings, notes };
}
