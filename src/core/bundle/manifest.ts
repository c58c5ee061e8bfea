// manifest.json of a bundle for prosecutors (DESIGN.md section 6, issue 13): the one description
// of what a bundle holds. The exporter writes it, `bundle verify` checks the files against it, and
// the renderers (report.html, case.jsonld, dfxml.xml) read only this (plus the custody excerpt):
// everything a report shows about the case, its officers, exhibits and items is here.
//
// Conventions, so a reader with any JSON tool can use it:
// - Times are ISO 8601 UTC strings ("2026-11-29T01:30:00.000Z"); where the local offset and zone
//   of the machine that recorded a time are known they travel with it (`Stamp`).
// - Hashes are lowercase hex. Byte strings that may not be valid UTF-8 (original names) are given
//   as hex and as base64 of the exact bytes, beside the readable text.
// - Paths inside the bundle use '/' and are relative to the bundle folder ("files/IMG_0001.jpg").
// - A field the case does not know is null, never left out, so a renderer can say "not recorded".
import { z } from 'zod';

/** What `format` says: a bundle of this app. */
export const BUNDLE_FORMAT = 'evidence-catalogue/bundle';
/** The manifest and bundle layout version. A reader refuses a version it does not know. */
export const BUNDLE_FORMAT_VERSION = 1;

const str = z.string();
const nstr = z.string().nullable();
const nnum = z.number().nullable();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const hex40 = z.string().regex(/^[0-9a-f]{40}$/);
const hex32 = z.string().regex(/^[0-9a-f]{32}$/);

/** A moment as the app records it: the UTC instant plus the recording machine's offset and zone. */
export const stampSchema = z.object({
  utc: str,
  /** "+09:00" */
  offset: str,
  /** IANA zone name, "Asia/Tokyo". */
  zone: str,
});
export type Stamp = z.infer<typeof stampSchema>;

/** Bytes that may not be valid text (a name as the device stored it), given both ways. */
export const rawBytesSchema = z.object({
  hex: z.string().regex(/^[0-9a-f]*$/),
  base64: str,
});
export type RawBytes = z.infer<typeof rawBytesSchema>;

export const languageSchema = z.enum(['en', 'ja']);
export type Language = z.infer<typeof languageSchema>;

export const caseInfoSchema = z.object({
  uuid: str,
  number: str,
  name: str,
  createdAt: str,
  createdBy: str,
});

export const officerSchema = z.object({
  name: str,
  role: z.enum(['officer', 'examiner', 'reviewer', 'admin']),
  status: z.enum(['active', 'disabled', 'locked']),
  badge: nstr,
  unit: nstr,
  /** First 16 hex of SHA-256 of the officer's current Ed25519 public key (null: no account yet). */
  keyFingerprint: nstr,
  /** Every key this officer has had in the case, oldest first (a replaced key still signed events). */
  keys: z.array(z.object({ fingerprint: str, since: str })),
});
export type BundleOfficer = z.infer<typeof officerSchema>;

/** The officer who made and signed the bundle; signer.pub holds the same key. */
export const exporterSchema = z.object({
  name: str,
  role: z.enum(['officer', 'examiner', 'reviewer', 'admin']),
  badge: nstr,
  unit: nstr,
  /** The key fingerprint to compare with the one on the paper chain-of-custody form. */
  keyFingerprint: str,
  /** Ed25519 public key, SPKI DER, base64. */
  publicKey: str,
});
export type BundleExporter = z.infer<typeof exporterSchema>;

/** One ingest of an export into the case (where the items of an exhibit were read from). */
export const sourceSchema = z.object({
  id: z.number().int(),
  /** folder | zip | tar | ios-backup | ufdr | android-backup ... */
  kind: str,
  /** The path the export was read from, as the examiner's machine saw it. */
  rootPath: str,
  officer: str,
  startedAt: str,
  finishedAt: nstr,
  status: str,
});

export const exhibitSchema = z.object({
  id: z.number().int(),
  number: str,
  description: nstr,
  seal: z.object({
    number: nstr,
    /** Whether the exhibit is recorded as sealed at export time (custody.jsonl has every break). */
    sealed: z.boolean(),
  }),
  device: z.object({ make: nstr, model: nstr, serial: nstr, imei: nstr }),
  condition: nstr,
  seizedBy: nstr,
  /** As recorded, with its offset ("2026-11-20T14:05:00+07:00"). */
  seizedAt: nstr,
  seizedWhere: nstr,
  custodian: nstr,
  createdAt: str,
  createdBy: str,
  sources: z.array(sourceSchema),
});
export type BundleExhibit = z.infer<typeof exhibitSchema>;

export const tagDefSchema = z.object({
  id: str,
  labelEn: str,
  labelJa: nstr,
  colour: str,
});

export const itemTagSchema = z.object({
  tag: str,
  officer: str,
  at: str,
  comment: nstr,
});

export const noteSchema = z.object({
  id: z.number().int(),
  officer: str,
  text: str,
  at: str,
  /** A removed note stays on record (notes are never erased). */
  removed: z.object({ at: str, by: str, reason: nstr }).nullable(),
});

export const suggestionSchema = z.object({
  id: z.number().int(),
  tag: str,
  rule: str,
  score: z.number(),
  /** What the rule found (counts and samples), as the detector recorded it. */
  evidence: z.unknown(),
  decidedBy: nstr,
  decidedAt: nstr,
  comment: nstr,
});

export const hashMatchSchema = z.object({
  set: str,
  kind: z.enum(['good', 'bad']),
  /** Which of the item's hashes matched the set: md5 | sha1 | sha256. */
  algo: str,
});

export const timesSchema = z.object({
  modified: nstr,
  changed: nstr,
  accessed: nstr,
  created: nstr,
  /**
   * Where these times come from, in plain words: "file system of the export" (a folder), "ZIP
   * entry" or the extraction report (report.xml device timestamps) for a UFDR.
   */
  from: str,
  /** A UFDR member's own ZIP times, kept beside the report's device times. */
  container: z.record(z.string(), z.unknown()).nullable(),
});

export const metadataSchema = z.object({
  /** When the picture was taken, as EXIF/XMP records it (with its offset when recorded). */
  takenAt: nstr,
  gps: z.object({ lat: z.number(), lon: z.number(), alt: nnum }).nullable(),
  make: nstr,
  model: nstr,
  orientation: nnum,
  /** Every metadata field read (EXIF, XMP, ...), as JSON. */
  fields: z.record(z.string(), z.unknown()).nullable(),
  error: nstr,
});

export const itemSchema = z.object({
  /** The item's id in the case. */
  id: z.number().int(),
  /** Where the copy is in the bundle: "files/<safe name>". */
  file: str,
  /** The file name as the case recorded it (text; NFC as read). */
  name: str,
  /** The name's exact bytes as the device stored them (may be Shift_JIS or not valid UTF-8). */
  nameBytes: rawBytesSchema,
  /** The path on the device or inside the export ("!/" separates archive levels). */
  devicePath: str,
  devicePathBytes: rawBytesSchema,
  /** Where the reader found it when that differs from the device path (a UFDR member). */
  foundAt: nstr,
  exhibit: z.string().nullable(),
  sourceId: z.number().int(),
  size: z.number().int().nonnegative(),
  md5: hex32,
  sha1: hex40,
  sha256: hex64,
  mime: nstr,
  /** The extension the content says it should have, and whether the name disagrees. */
  detectedExt: nstr,
  extMismatch: z.boolean(),
  mode: nnum,
  times: timesSchema,
  metadata: metadataSchema.nullable(),
  tags: z.array(itemTagSchema),
  notes: z.array(noteSchema),
  acceptedSuggestions: z.array(suggestionSchema),
  hashMatches: z.array(hashMatchSchema),
  /** What text extraction gave (kind, encoding), null when none. */
  text: z.object({ kind: str, encoding: nstr, chars: z.number().int() }).nullable(),
  /** Hashes the extraction tool reported for this file (UFDR), when it did. */
  reportedHashes: z.record(z.string(), z.string()).nullable(),
});
export type BundleItem = z.infer<typeof itemSchema>;

/** What the officer asked to export (the union of the criteria given). */
export const selectionSchema = z.object({
  all: z.boolean(),
  tags: z.array(str),
  exhibits: z.array(str),
  search: nstr,
  ids: z.array(z.number().int()),
  /** In plain words, for the report: "tags target-list, scam-manual". */
  description: str,
});
export type BundleSelection = z.infer<typeof selectionSchema>;

/** The custody checkpoint made for this export; checkpoint.json carries its signed statement. */
export const checkpointRefSchema = z.object({
  id: z.number().int(),
  /** The head of the custody chain it signs: the bundle.exported event. */
  seq: z.number().int(),
  headHash: hex64,
  atUtc: str,
  officer: str,
  keyFingerprint: str,
  /** "212-5f3a9c0d1e2b3c4d", as printed on the chain-of-custody form. */
  receiptCode: str,
});

export const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.number().int(),
  /** A new id per bundle, named in the custody event that records the export. */
  bundleId: str,
  createdAt: stampSchema,
  app: z.object({ name: str, version: str }),
  /** The language of report.html (README.txt is always in both). */
  language: languageSchema,
  case: caseInfoSchema,
  exportedBy: exporterSchema,
  officers: z.array(officerSchema),
  exhibits: z.array(exhibitSchema),
  /** The case's tag vocabulary entries the exported items carry. */
  tags: z.array(tagDefSchema),
  selection: selectionSchema,
  items: z.array(itemSchema),
  /** Items the selection named but the bundle does not hold (not a file, or no stored copy), and why. */
  skipped: z.array(z.object({ id: z.number().int(), path: str, reason: str })),
  summary: z.object({
    items: z.number().int(),
    bytes: z.number().int(),
    byTag: z.record(z.string(), z.number().int()),
    byMime: z.record(z.string(), z.number().int()),
    byExhibit: z.record(z.string(), z.number().int()),
  }),
  custody: z.object({
    /** "custody.jsonl" */
    file: str,
    /** Lines in it (full events and withheld links). */
    lines: z.number().int(),
    /** Events given in full (of the exported items, their exhibits, the officers, the case). */
    fullEvents: z.number().int(),
    /** Events of other items: only their seq, prev_hash and hash are given (see README). */
    withheldEvents: z.number().int(),
  }),
  checkpoint: checkpointRefSchema,
  /** receipts.jsonl when the case's receipts were found, else null. */
  receipts: z.object({ file: str, count: z.number().int() }).nullable(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * checkpoint.json: the statement the exporting officer signs (checkpoint.sig, raw 64-byte
 * Ed25519 over these exact bytes; signer.pub the key as PEM). It fixes manifest.json and every
 * other document of the bundle by SHA-256, and carries the custody checkpoint (statement and
 * signature as stored in the case) whose head the custody excerpt must end at.
 */
export const BUNDLE_STATEMENT_TYPE = 'evidence-catalogue/bundle-checkpoint';
export const bundleStatementSchema = z.object({
  type: z.literal(BUNDLE_STATEMENT_TYPE),
  version: z.number().int(),
  bundle: str,
  case: str,
  created_at: str,
  officer: str,
  key_fingerprint: str,
  public_key: str,
  manifest_sha256: hex64,
  /** Every file of the bundle outside files/ but checkpoint.json/.sig and signer.pub, by SHA-256. */
  documents: z.record(z.string(), hex64),
  custody_checkpoint: z.object({
    id: z.number().int(),
    seq: z.number().int(),
    head_hash: hex64,
    statement: str,
    signature: str,
  }),
});
export type BundleStatement = z.infer<typeof bundleStatementSchema>;

/** One line of custody.jsonl: a full event (as in the case) or a withheld link. */
export const custodyLineSchema = z.union([
  z.object({
    seq: z.number().int(),
    at_utc: str,
    tz_offset: str,
    tz_name: str,
    officer: str,
    host: str,
    action: str,
    target: nstr,
    reason: nstr,
    details: z.record(z.string(), z.unknown()),
    prev_hash: hex64,
    hash: hex64,
  }),
  z.object({ seq: z.number().int(), withheld: z.literal(true), prev_hash: hex64, hash: hex64 }),
]);
export type CustodyLine = z.infer<typeof custodyLineSchema>;
