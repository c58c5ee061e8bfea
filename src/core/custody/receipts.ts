// Receipts kept outside the case (DESIGN.md section 5; issue 10, part 3).
//
// Whoever holds case.db can copy an older case.db over it, or cut its last sessions together with
// their checkpoints: what is left verifies on its own. So every checkpoint also appends its
// signed statement, one JSON line, to files the case folder does not hold: one in the user's
// application data folder, and one in each witness folder the case names (another disk, a USB
// stick, a shared folder of the unit). The line is the checkpoint statement plus its signature;
// verification checks that the log still holds each receipt's head at its sequence number, and
// that the officers' keys the receipt recorded are those the log announces.
//
// A receipt code ("212-5f3a9c0d1e2b3c4d": sequence number, first 16 hex of the head hash) is
// printed at every sign-out and on the chain-of-custody form, so paper is a witness too.
import { type Receipt, type ReceiptWrite, type ReceiptWhat, type ReceiptCheck, type ReceiptsReport, receiptSchema } from '../../shared/outputs.ts';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DB } from '../db/open.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { keyFingerprint, verifyText } from '../officers/crypto.ts';
import { announcedKeys, keyAt, utcText } from './attribution.ts';
import { canonicalJson } from './canonical.ts';

export const CHECKPOINT_STATEMENT_TYPE = 'evidence-catalogue/custody-checkpoint';

/** Where the receipts of one case go in a folder. */
export const receiptFileName = (caseUuid: string): string => `${caseUuid}.receipts.jsonl`;

/**
 * The receipts folder in the user's application data, for front doors that have no folder of
 * their own (the CLI, the browser host): $EVIDENCE_RECEIPTS_DIR (the word "none" turns app-data
 * receipts off), else $XDG_DATA_HOME/evidence-catalogue/receipts, else
 * ~/.local/share/evidence-catalogue/receipts. The desktop app passes its userData folder.
 */
export function defaultReceiptsDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | null {
  const own = env.EVIDENCE_RECEIPTS_DIR?.trim();
  if (own) return own.toLowerCase() === 'none' ? null : resolve(own);
  const xdg = env.XDG_DATA_HOME?.trim();
  return join(xdg ? resolve(xdg) : join(home, '.local', 'share'), 'evidence-catalogue', 'receipts');
}

/** "212-5f3a9c0d1e2b3c4d": what an officer copies onto paper. */
export function receiptCode(seq: number, headHash: string): string {
  return `${seq}-${headHash.slice(0, 16)}`;
}

// Defined once, as the contract's output schemas (src/shared/outputs.ts).
export type { Receipt, ReceiptWrite, ReceiptWhat, ReceiptCheck, ReceiptsReport };

/** The JSON line written for a checkpoint: its statement's fields and the signature. */
export function receiptLine(statement: string, signature: string): string {
  return canonicalJson({ ...(JSON.parse(statement) as Record<string, unknown>), signature });
}

/** The witness folders the case names (custody.witness-added, less custody.witness-removed). */
export function witnessFolders(db: DB): string[] {
  const out: string[] = [];
  for (const r of db
    .prepare("SELECT action, details FROM custody_events WHERE action IN ('custody.witness-added', 'custody.witness-removed') ORDER BY seq")
    .all() as { action: string; details: string }[]) {
    let folder: unknown;
    try {
      folder = (JSON.parse(r.details) as { folder?: unknown }).folder;
    } catch {
      continue;
    }
    if (typeof folder !== 'string') continue;
    const i = out.indexOf(folder);
    if (r.action === 'custody.witness-added' && i < 0) out.push(folder);
    if (r.action === 'custody.witness-removed' && i >= 0) out.splice(i, 1);
  }
  return out;
}

function appendDurably(file: string, line: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends a checkpoint's receipt to the app-data folder (created if needed) and to every witness
 * folder (which must exist: a USB stick that is not plugged in is reported, not created on the
 * local disk). Never throws: the checkpoint is already committed; failures are returned.
 */
export function writeReceipts(o: { caseUuid: string; seq: number; headHash: string; statement: string; signature: string; appDir: string | null; witnesses: string[] }): ReceiptWrite {
  const line = receiptLine(o.statement, o.signature);
  const name = receiptFileName(o.caseUuid);
  const out: ReceiptWrite = { code: receiptCode(o.seq, o.headHash), written: [], failed: [] };
  const targets: { folder: string; create: boolean }[] = [
    ...(o.appDir ? [{ folder: o.appDir, create: true }] : []),
    ...o.witnesses.map((folder) => ({ folder, create: false })),
  ];
  const seen = new Set<string>();
  for (const t of targets) {
    const file = join(resolve(t.folder), name);
    if (seen.has(file)) continue;
    seen.add(file);
    try {
      if (t.create) mkdirSync(t.folder, { recursive: true, mode: 0o700 });
      else if (!existsSync(t.folder) || !statSync(t.folder).isDirectory()) throw new Error('the folder is not there (a disk or USB stick not connected?)');
      appendDurably(file, line);
      out.written.push(file);
    } catch (err) {
      out.failed.push({ folder: t.folder, file, error: errorMessage(err) });
    }
  }
  return out;
}

/** Checks that a folder can take receipts (exists, is a folder, is writable) before naming it. */
export function checkWitnessFolder(folder: string): string {
  const abs = resolve(folder);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new EvidenceError('NOT_FOUND', `${abs} is not a folder. Connect the disk or USB stick, or create the folder, and run the command again.`);
  }
  return abs;
}

export interface FoundReceipt {
  receipt: Receipt;
  /** Every file (and line) it was found in. */
  where: string[];
}

export interface ReceiptProblem {
  where: string;
  message: string;
}

/** Reads one receipts file: the receipts of this case, and lines that are not receipts. */
export function readReceiptsFile(file: string, caseUuid: string | null): { receipts: { receipt: Receipt; where: string }[]; problems: ReceiptProblem[]; otherCase: number } {
  const receipts: { receipt: Receipt; where: string }[] = [];
  const problems: ReceiptProblem[] = [];
  let otherCase = 0;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ where: file, message: `the receipts file ${file} cannot be read (${errorMessage(err)})` });
    return { receipts, problems, otherCase };
  }
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${file} line ${i + 1}`;
    let r: Receipt;
    try {
      r = JSON.parse(line) as Receipt;
    } catch {
      // A line cut short by a power cut while it was written is the last line; anything else is damage.
      if (i >= lines.length - 2) return;
      problems.push({ where, message: `${where} is not a receipt (not JSON): the file was damaged or edited` });
      return;
    }
    if (r === null || typeof r !== 'object' || r.type !== CHECKPOINT_STATEMENT_TYPE) {
      problems.push({ where, message: `${where} is not a custody receipt` });
      return;
    }
    if (caseUuid && r.case !== caseUuid) {
      otherCase++;
      return;
    }
    // The receipt's type, but not its fields (missing, or of the wrong kind): made or edited by
    // hand. Named as damage, and not passed on as a receipt it is not (verify's answer holds only
    // receipts of the contract's shape). The original object is kept: its signature covers it all.
    const shape = receiptSchema.safeParse(r);
    if (!shape.success) {
      const field = shape.error.issues[0]?.path.join('.') || 'a field';
      problems.push({ where, message: `${where} is not a well-formed custody receipt (${field} is missing or wrong): it was altered or forged, and proves nothing` });
      return;
    }
    receipts.push({ receipt: r, where });
  });
  return { receipts, problems, otherCase };
}

export interface ReceiptSources {
  /** The app-data receipts folder of this machine (null: none). */
  appDir?: string | null;
  /** Receipts files given by the examiner (e.g. --receipts), of this case or several. */
  files?: string[];
  /** Receipt codes copied from paper ("212-5f3a9c0d1e2b3c4d"). */
  codes?: string[];
}

/** Every receipt of the case found in the app-data folder, the witness folders and the files given. */
export function collectReceipts(
  db: DB,
  caseUuid: string,
  src: ReceiptSources,
): { found: FoundReceipt[]; problems: ReceiptProblem[]; searched: string[] } {
  const name = receiptFileName(caseUuid);
  const folders = new Set<string>();
  if (src.appDir) folders.add(resolve(src.appDir));
  for (const w of witnessFolders(db)) folders.add(resolve(w));
  const files = new Set<string>();
  const searched: string[] = [];
  for (const f of folders) {
    searched.push(f);
    const file = join(f, name);
    if (existsSync(file)) files.add(file);
  }
  // The witness folders the receipts themselves name: a log rolled back to before a witness was
  // added no longer names it, but the app-data receipts still do.
  const problems: ReceiptProblem[] = [];
  const bySignature = new Map<string, FoundReceipt>();
  const given = new Set((src.files ?? []).map((f) => resolve(f)));
  for (const f of given) {
    if (!existsSync(f)) problems.push({ where: f, message: `the receipts file ${f} does not exist` });
  }
  const queue = [...files, ...[...given].filter((f) => existsSync(f))];
  const read = new Set<string>();
  while (queue.length) {
    let file = queue.shift()!;
    try {
      if (statSync(file).isDirectory()) file = join(file, name);
    } catch {
      continue;
    }
    if (read.has(file) || !existsSync(file)) continue;
    read.add(file);
    const r = readReceiptsFile(file, caseUuid);
    problems.push(...r.problems);
    for (const { receipt, where } of r.receipts) {
      // The same receipt found in several places is one receipt (the whole signed line is the key).
      const key = canonicalJson(receipt);
      const hit = bySignature.get(key);
      if (hit) hit.where.push(where);
      else bySignature.set(key, { receipt, where: [where] });
      for (const w of Array.isArray(receipt.witnesses) ? receipt.witnesses : []) {
        if (typeof w !== 'string') continue;
        const abs = resolve(w);
        if (!folders.has(abs)) {
          folders.add(abs);
          searched.push(abs);
          queue.push(join(abs, name));
        }
      }
    }
  }
  return { found: [...bySignature.values()].sort((a, b) => a.receipt.seq - b.receipt.seq), problems, searched };
}

export interface ReceiptFinding {
  seq: number;
  what: ReceiptWhat;
  message: string;
}

const short = (h: string): string => `${String(h).slice(0, 16)}…`;

/** Checks the log against every receipt and receipt code: see the module comment. */
export function verifyReceipts(db: DB, caseUuid: string, src: ReceiptSources): { findings: ReceiptFinding[]; report: ReceiptsReport } {
  const { found, problems, searched } = collectReceipts(db, caseUuid, src);
  const findings: ReceiptFinding[] = problems.map((p) => ({ seq: 0, what: 'receipt-invalid', message: p.message }));
  const headSeq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM custody_events').get() as { s: number }).s;
  const hashAt = db.prepare('SELECT hash FROM custody_events WHERE seq = ?').pluck();
  const keys = announcedKeys(db);
  const checks: ReceiptCheck[] = [];
  const beyond: ReceiptCheck[] = [];
  const different: ReceiptCheck[] = [];
  const keyNamed = new Set<string>();

  for (const { receipt: r, where } of found) {
    const check: ReceiptCheck = { receipt: r, where, code: receiptCode(Number(r.seq), String(r.head_hash)), status: 'agrees' };
    checks.push(check);
    const { signature, ...statement } = r;
    const wellFormed =
      Number.isInteger(r.seq) &&
      r.seq > 0 &&
      /^[0-9a-f]{64}$/.test(String(r.head_hash)) &&
      typeof r.public_key === 'string' &&
      typeof r.officer === 'string' &&
      keyFingerprint(r.public_key) === r.key_fingerprint;
    // A receipt that agrees with the log in everything claims nothing against it: its signature
    // is checked only when it would accuse the log (rollback, rewrite, other keys). Thousands of
    // receipts then cost a few signature checks, not thousands.
    const pinned: [string, string][] = wellFormed ? [[r.officer, r.key_fingerprint], ...Object.entries(r.officers ?? {})] : [];
    const agrees =
      wellFormed && r.seq <= headSeq && hashAt.get(r.seq) === r.head_hash && pinned.every(([name, fp]) => keyAt(keys, name, r.seq) === fp);
    if (agrees) continue;
    const signedOk = wellFormed && verifyText(r.public_key, canonicalJson(statement), String(signature));
    if (!signedOk) {
      check.status = 'invalid';
      findings.push({
        seq: 0,
        what: 'receipt-invalid',
        message: `the receipt in ${where[0]} (${utcText(String(r.at_utc))}, by ${String(r.officer)}) does not carry a valid signature of its own key: it was altered or forged, and proves nothing`,
      });
      continue;
    }
    // The keys it recorded, against the keys the log announces (the key of a new officer or a
    // replaced key shows here even where the heads also differ).
    for (const [name, fp] of pinned) {
      const announced = keyAt(keys, name, r.seq);
      if (announced !== fp && !keyNamed.has(`${name}\n${fp}`)) {
        keyNamed.add(`${name}\n${fp}`);
        findings.push({
          seq: r.seq,
          what: 'receipt-keys',
          message: `the receipt of ${utcText(r.at_utc)} by ${r.officer} records the signing key ${fp} for ${name}; this log ${announced ? `announces ${announced} instead` : 'announces no key for them by then'}: officers' keys were replaced and the log re-signed`,
        });
      }
    }
    if (r.seq > headSeq) {
      check.status = 'beyond-log';
      beyond.push(check);
    } else if (hashAt.get(r.seq) !== r.head_hash) {
      check.status = 'different';
      different.push(check);
    }
  }

  // A rollback leaves many receipts beyond the log: named by the newest, with the count.
  if (beyond.length) {
    const newest = beyond[beyond.length - 1]!;
    const r = newest.receipt;
    findings.push({
      seq: headSeq + 1,
      what: 'receipt-rollback',
      message:
        `the receipt of ${utcText(r.at_utc)} by ${r.officer} records event ${r.seq} with head ${short(r.head_hash)}; this log has only ${headSeq} events: ` +
        `it was rolled back (an older copy of case.db) or its last events were deleted` +
        (beyond.length > 1 ? ` (${beyond.length} receipts record events beyond this log)` : '') +
        ` [${newest.where[0]}]`,
    });
  }
  // A rewrite shows first at the earliest receipt that no longer matches.
  if (different.length) {
    const first = different[0]!;
    const r = first.receipt;
    findings.push({
      seq: r.seq,
      what: 'receipt-rewritten',
      message:
        `the receipt of ${utcText(r.at_utc)} by ${r.officer} records event ${r.seq} with head ${short(r.head_hash)}; this log has a different event at ${r.seq}: ` +
        `the history up to it was rewritten` +
        (different.length > 1 ? ` (${different.length} receipts disagree with this log)` : '') +
        ` [${first.where[0]}]`,
    });
  }

  // Codes from paper: the log must hold a head with that prefix at that sequence number.
  const codes: { code: string; ok: boolean }[] = [];
  for (const raw of src.codes ?? []) {
    const m = /^#?(\d+)[-: ]([0-9a-f]{8,64})$/i.exec(raw.trim());
    if (!m) {
      throw new EvidenceError('USAGE', `"${raw}" is not a receipt code. Write it as printed, e.g. 212-5f3a9c0d1e2b3c4d (event number, dash, the head's first hex digits).`);
    }
    const seq = Number(m[1]);
    const prefix = m[2]!.toLowerCase();
    const at = hashAt.get(seq) as string | undefined;
    const ok = at !== undefined && at.startsWith(prefix);
    codes.push({ code: `${seq}-${prefix}`, ok });
    if (!ok) {
      findings.push(
        at === undefined
          ? {
              seq: headSeq + 1,
              what: 'receipt-rollback',
              message: `the receipt code ${seq}-${prefix} records event ${seq}; this log has only ${headSeq} events: it was rolled back or its last events were deleted`,
            }
          : {
              seq,
              what: 'receipt-rewritten',
              message: `the receipt code ${seq}-${prefix} records event ${seq} with head ${prefix}…; this log has a different event at ${seq} (head ${short(at)}): the history up to it was rewritten`,
            },
      );
    }
  }

  return {
    findings,
    report: { searched, found: found.length, agree: checks.filter((c) => c.status === 'agrees').length, codes, receipts: checks },
  };
}
