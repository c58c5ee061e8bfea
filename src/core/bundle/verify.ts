// `evidence bundle verify`: checks a bundle (folder or ZIP) on its own, as a prosecutor or a
// defence expert would, trusting nothing in it but the mathematics: no case, no sign-in, no network.
//
// What is checked, and what each check proves:
// - checkpoint.sig is an Ed25519 signature of checkpoint.json by the key in signer.pub, which is
//   the key checkpoint.json and manifest.json name for the exporting officer.
// - The custody checkpoint inside checkpoint.json is signed by the same key (it was made in the
//   case when the bundle was: a bundle re-signed with another key cannot carry it), and the key is
//   the one the custody excerpt shows being given to that officer (officer.added).
// - manifest.json and every document (SHA256SUMS, hashdeep.txt, custody.jsonl, README.txt, the
//   report, receipts) have the SHA-256 checkpoint.json gives.
// - Every file of files/ has the size, MD5, SHA-1 and SHA-256 of the manifest; no file is missing
//   and none was added (a renamed file is named as such).
// - custody.jsonl: lines numbered 1, 2, 3... with none missing, each full event's hash recomputed,
//   each line's prev_hash the hash of the line before, the last line the head the signed custody
//   checkpoint vouches for, and that head the bundle.exported event of this bundle.
// - receipts.jsonl: each receipt's signature, and that the excerpt still extends it.
// - format and formatVersion: a bundle of a version this app does not know is not judged.
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInflateRaw } from 'node:zlib';
import { canonicalJson } from '../custody/canonical.ts';
import { GENESIS_HASH, hashEvent } from '../custody/log.ts';
import { EvidenceError, errorMessage } from '../errors.ts';
import { centralDirectory, decodeZipName, findEnd, openRandomAccess, readLocalHeader, type RandomAccess, zipView } from '../formats/zip.ts';
import { TripleHash } from '../hashes.ts';
import { keyFingerprint, verifyText } from '../officers/crypto.ts';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  type BundleStatement,
  bundleStatementSchema,
  type CustodyLine,
  custodyLineSchema,
  type Manifest,
  manifestSchema,
} from './manifest.ts';
import type { BundleFinding, BundleReport } from '../../shared/outputs.ts';

// The report and its findings are the contract's (src/shared/outputs.ts: bundleReportSchema).
export type { BundleFinding, BundleReport };

// ---------------------------------------------------------------------------------------------
// Reading a bundle: a folder, or a ZIP (everything inside one top folder, or at its root).

interface Entry {
  size: number;
  /** ZIP only: where the member's record is. */
  zip?: { method: number; compressedSize: number; headerAt: number };
}

export interface Source {
  kind: 'folder' | 'zip';
  entries: Map<string, Entry>;
  /** Problems met while listing (links, unreadable folders, a damaged ZIP). */
  problems: BundleFinding[];
  read(name: string, max?: number): Promise<Buffer>;
  stream(name: string): AsyncIterable<Buffer>;
  /** Where a member's bytes lie as they are (a folder's file, a stored ZIP member), for ranged reads; null when compressed. */
  locate(name: string): { file: string; start: number; size: number } | null;
  close(): void;
}

/** Opens a bundle (folder or ZIP) for reading its members (review mode: bundle/review.ts). */
export function openBundleSource(path: string): Source {
  return statSync(path).isDirectory() ? openFolder(path) : openZip(path);
}

const DOC_MAX = 1024 * 1024 * 1024;

function finding(what: BundleFinding['what'], message: string, file: string | null = null, seq: number | null = null): BundleFinding {
  return { what, file, seq, message };
}

function openFolder(root: string): Source {
  const entries = new Map<string, Entry>();
  const problems: BundleFinding[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile()) entries.set(r, { size: st.size });
      else problems.push(finding('file-added', `${r} is not a plain file (a link or a device): a bundle holds only files`, r));
    }
  };
  walk(root, '');
  return {
    kind: 'folder',
    entries,
    problems,
    read: async (name, max = DOC_MAX) => {
      const p = join(root, ...name.split('/'));
      if (statSync(p).size > max) throw new Error(`${name} is too large to be a bundle document`);
      return readFileSync(p);
    },
    stream: (name) => createReadStream(join(root, ...name.split('/')), { highWaterMark: 1024 * 1024 }),
    locate: (name) => {
      const e = entries.get(name);
      return e ? { file: join(root, ...name.split('/')), start: 0, size: e.size } : null;
    },
    close: () => undefined,
  };
}

function openZip(path: string): Source {
  const entries = new Map<string, Entry>();
  const problems: BundleFinding[] = [];
  const file = openRandomAccess({ type: 'file', path, size: statSync(path).size });
  let ra: RandomAccess = file;
  const names: { name: string; entry: Entry }[] = [];
  try {
    const end = findEnd(file);
    if (!end) throw new Error('the end of the ZIP is missing (no end of central directory record)');
    ra = zipView(file, end);
    for (const r of centralDirectory(ra, end.at - end.shift).records()) {
      const name = decodeZipName(r.fileName, r.generalPurposeBitFlag, r.extraFields).text;
      if (name.endsWith('/')) continue;
      names.push({ name, entry: { size: r.uncompressedSize, zip: { method: r.compressionMethod, compressedSize: r.compressedSize, headerAt: r.relativeOffsetOfLocalHeader } } });
    }
  } catch (err) {
    problems.push(
      finding('zip-damaged', `The ZIP file is damaged or cut short (${errorMessage(err)}): it was truncated or altered after it was made. Get a new copy from the sender.`, null),
    );
  }
  // One top folder holding everything (how export writes it): names are taken inside it.
  const tops = new Set(names.map((n) => n.name.split('/')[0]));
  const prefix = tops.size === 1 && names.every((n) => n.name.includes('/')) ? `${[...tops][0]}/` : '';
  for (const n of names) entries.set(n.name.slice(prefix.length), n.entry);
  const member = (name: string): { start: number; entry: Entry } => {
    const e = entries.get(name);
    if (!e?.zip) throw new Error(`${name} is not in the ZIP`);
    const lh = readLocalHeader(ra, e.zip.headerAt);
    if (!lh) throw new Error(`the ZIP member ${name} is damaged (no local header)`);
    if (lh.dataStart + e.zip.compressedSize > ra.size) throw new Error(`the ZIP member ${name} is cut short: the ZIP was truncated`);
    if (e.zip.method !== 0 && e.zip.method !== 8) throw new Error(`the ZIP member ${name} uses compression method ${e.zip.method}, which is not read`);
    return { start: ra.base + lh.dataStart, entry: e };
  };
  const stream = (name: string): AsyncIterable<Buffer> => {
    const { start, entry } = member(name);
    const z = entry.zip!;
    const rs = createReadStream(path, { start, end: start + z.compressedSize - 1, highWaterMark: 1024 * 1024 });
    if (z.compressedSize === 0) return (async function* () {})();
    return z.method === 0 ? rs : rs.pipe(createInflateRaw());
  };
  return {
    kind: 'zip',
    entries,
    problems,
    read: async (name, max = DOC_MAX) => {
      const e = entries.get(name);
      if (e && e.size > max) throw new Error(`${name} is too large to be a bundle document`);
      const parts: Buffer[] = [];
      for await (const b of stream(name)) parts.push(b);
      return Buffer.concat(parts);
    },
    stream,
    locate: (name) => {
      const { start, entry } = member(name);
      return entry.zip!.method === 0 ? { file: path, start, size: entry.size } : null;
    },
    close: () => file.close(),
  };
}

// ---------------------------------------------------------------------------------------------

const SIGNED = new Set(['checkpoint.json', 'checkpoint.sig', 'signer.pub', 'manifest.json']);

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function spkiOfPem(pem: string): string | null {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
  } catch {
    return null;
  }
}

/** Checks the bundle at `path` and reports every problem found (not only the first). */
export async function verifyBundle(path: string): Promise<BundleReport> {
  if (!existsSync(path)) throw new EvidenceError('NOT_FOUND', `${path} does not exist. Give the bundle's folder or its .zip file.`);
  const isDir = statSync(path).isDirectory();
  const src = isDir ? openFolder(path) : openZip(path);
  try {
    return await check(path, src);
  } finally {
    src.close();
  }
}

async function check(path: string, src: Source): Promise<BundleReport> {
  const findings: BundleFinding[] = [...src.problems];
  const intact: string[] = [];
  const report: BundleReport = {
    ok: false,
    path,
    kind: src.kind,
    formatVersion: null,
    bundleId: null,
    case: null,
    signer: null,
    createdAt: null,
    checked: { files: 0, bytes: 0, documents: 0, custodyLines: 0, fullEvents: 0, withheldEvents: 0, receipts: 0 },
    intact,
    findings,
  };
  // A ZIP whose directory cannot be read holds nothing checkable: one finding says so, not one per file.
  if (src.kind === 'zip' && src.entries.size === 0 && findings.length) return report;
  if (src.kind === 'folder' && !src.entries.has('manifest.json') && !src.entries.has('checkpoint.json')) {
    throw new EvidenceError('USAGE', `${path} is not a bundle: it has no manifest.json or checkpoint.json. Give the folder evidence export made (the one with README.txt in it), or its .zip.`);
  }
  const readDoc = async (name: string): Promise<Buffer | null> => {
    if (!src.entries.has(name)) {
      findings.push(finding('missing-document', `${name} is missing from the bundle: it was removed.`, name));
      return null;
    }
    try {
      return await src.read(name);
    } catch (err) {
      findings.push(finding('unreadable', `${name} cannot be read (${errorMessage(err)}).`, name));
      return null;
    }
  };

  // --- The signature over checkpoint.json, and who made it.
  const stText = await readDoc('checkpoint.json');
  const sig = await readDoc('checkpoint.sig');
  const pem = await readDoc('signer.pub');
  let st: BundleStatement | null = null;
  if (stText) {
    try {
      st = bundleStatementSchema.parse(JSON.parse(stText.toString('utf8')));
    } catch {
      findings.push(finding('statement-invalid', 'checkpoint.json is not a bundle statement this app can read: it was altered, or the bundle was made by another program.', 'checkpoint.json'));
    }
  }
  const signerKey = pem ? spkiOfPem(pem.toString('utf8')) : null;
  if (pem && !signerKey) findings.push(finding('signature-invalid', 'signer.pub is not a public key: it was altered.', 'signer.pub'));
  let signatureOk = false;
  if (stText && sig && signerKey) {
    try {
      signatureOk = edVerify(null, stText, createPublicKey({ key: Buffer.from(signerKey, 'base64'), format: 'der', type: 'spki' }), sig);
    } catch {
      signatureOk = false;
    }
    if (!signatureOk) {
      findings.push(finding('signature-invalid', 'The signature (checkpoint.sig) does not match checkpoint.json and signer.pub: the bundle was altered after it was signed.', 'checkpoint.sig'));
    }
  }
  if (st) {
    report.bundleId = st.bundle;
    report.signer = { name: st.officer, keyFingerprint: keyFingerprint(st.public_key) };
    report.createdAt = st.created_at;
    if (signerKey && signerKey !== st.public_key) {
      findings.push(finding('signer-mismatch', 'signer.pub is not the key checkpoint.json names for the signing officer: the bundle was re-signed or its key replaced.', 'signer.pub'));
    }
    if (st.key_fingerprint !== keyFingerprint(st.public_key)) {
      findings.push(finding('statement-invalid', 'checkpoint.json gives a key fingerprint that is not its key\'s: it was altered.', 'checkpoint.json'));
    }
  }

  // --- The custody checkpoint made in the case when the bundle was: same key, valid signature.
  let cpStatement: Record<string, unknown> | null = null;
  if (st) {
    const c = st.custody_checkpoint;
    try {
      cpStatement = JSON.parse(c.statement) as Record<string, unknown>;
    } catch {
      cpStatement = null;
    }
    const pk = typeof cpStatement?.['public_key'] === 'string' ? (cpStatement['public_key'] as string) : null;
    if (!cpStatement || !pk || !verifyText(pk, c.statement, c.signature)) {
      findings.push(finding('custody-checkpoint-invalid', 'The custody checkpoint in checkpoint.json does not verify (its signature does not match its statement): it was forged or altered.', 'checkpoint.json'));
    } else {
      if (cpStatement['seq'] !== c.seq || cpStatement['head_hash'] !== c.head_hash) {
        findings.push(finding('custody-checkpoint-invalid', 'checkpoint.json names a custody head other than the one its signed custody checkpoint vouches for: it was altered.', 'checkpoint.json'));
      }
      if (pk !== st.public_key) {
        findings.push(
          finding(
            'signer-mismatch',
            `The bundle is signed with key ${keyFingerprint(st.public_key)}, but the custody checkpoint made in the case with it was signed by ${String(cpStatement['officer'])} with key ${keyFingerprint(pk)}: the bundle was re-signed by someone else after it was made.`,
            'checkpoint.sig',
          ),
        );
      }
      if (cpStatement['case'] !== st.case) findings.push(finding('custody-checkpoint-invalid', 'The custody checkpoint in checkpoint.json is of another case.', 'checkpoint.json'));
    }
  }

  // --- manifest.json: the one signed, of a format this app knows.
  const manifestText = await readDoc('manifest.json');
  let manifest: Manifest | null = null;
  if (manifestText) {
    if (st && sha256(manifestText) !== st.manifest_sha256) {
      findings.push(finding('manifest-changed', 'manifest.json is not the one the officer signed (its SHA-256 differs from checkpoint.json): it was edited.', 'manifest.json'));
    }
    let raw: Record<string, unknown> | null = null;
    try {
      raw = JSON.parse(manifestText.toString('utf8')) as Record<string, unknown>;
    } catch {
      findings.push(finding('manifest-invalid', 'manifest.json is not valid JSON: it was damaged or edited.', 'manifest.json'));
    }
    if (raw) {
      report.formatVersion = typeof raw['formatVersion'] === 'number' ? raw['formatVersion'] : null;
      if (raw['format'] !== BUNDLE_FORMAT) {
        findings.push(finding('format-version', `manifest.json is not of a bundle of this app (format "${String(raw['format'])}").`, 'manifest.json'));
      } else if (report.formatVersion !== BUNDLE_FORMAT_VERSION) {
        findings.push(
          finding(
            'format-version',
            `The bundle is of format version ${String(raw['formatVersion'])}; this app reads version ${BUNDLE_FORMAT_VERSION}${(report.formatVersion ?? 0) > BUNDLE_FORMAT_VERSION ? ': update the app to check it' : ''}. It was not checked further.`,
            'manifest.json',
          ),
        );
        report.ok = false;
        return report;
      } else {
        const parsed = manifestSchema.safeParse(raw);
        if (parsed.success) manifest = parsed.data;
        else findings.push(finding('manifest-invalid', `manifest.json does not have the fields of a bundle manifest (${parsed.error.issues[0]?.path.join('.') ?? '?'}): it was edited.`, 'manifest.json'));
      }
    }
  }
  if (manifest) {
    report.case = { uuid: manifest.case.uuid, number: manifest.case.number, name: manifest.case.name };
    if (st) {
      const off: string[] = [];
      if (manifest.bundleId !== st.bundle) off.push('bundle id');
      if (manifest.case.uuid !== st.case) off.push('case');
      if (manifest.exportedBy.publicKey !== st.public_key) off.push("signing officer's key");
      if (manifest.checkpoint.seq !== st.custody_checkpoint.seq || manifest.checkpoint.headHash !== st.custody_checkpoint.head_hash) off.push('custody checkpoint');
      if (off.length) findings.push(finding('manifest-changed', `manifest.json and checkpoint.json disagree on the ${off.join(', ')}: one of them was edited.`, 'manifest.json'));
    }
  }

  // --- The documents checkpoint.json fixes by SHA-256.
  const docs = new Map<string, Buffer>();
  if (st) {
    for (const [name, want] of Object.entries(st.documents)) {
      const b = await readDoc(name);
      if (!b) continue;
      report.checked.documents++;
      docs.set(name, b);
      if (sha256(b) !== want) findings.push(finding('document-changed', `${name} is not the one the officer signed (its SHA-256 differs from checkpoint.json): it was edited.`, name));
    }
  }

  // --- files/: each one's three hashes; missing, added, renamed.
  const expected = new Map((manifest?.items ?? []).map((i) => [i.file, i]));
  const missing = new Map<string, { file: string; sha256: string; id: number }>();
  const added: { file: string; sha256: string | null }[] = [];
  let filesOk = 0;
  for (const item of manifest?.items ?? []) {
    const e = src.entries.get(item.file);
    if (!e) {
      missing.set(item.sha256, { file: item.file, sha256: item.sha256, id: item.id });
      continue;
    }
    report.checked.files++;
    const t = new TripleHash();
    let size = 0;
    try {
      for await (const b of src.stream(item.file)) {
        t.update(b);
        size += b.byteLength;
      }
    } catch (err) {
      findings.push(finding(src.kind === 'zip' ? 'zip-damaged' : 'unreadable', `${item.file} (item ${item.id}) cannot be read: ${errorMessage(err)}.`, item.file));
      continue;
    }
    report.checked.bytes += size;
    const d = t.digest();
    const differ = [size !== item.size ? 'size' : null, d.md5 !== item.md5 ? 'MD5' : null, d.sha1 !== item.sha1 ? 'SHA-1' : null, d.sha256 !== item.sha256 ? 'SHA-256' : null].filter((x) => x);
    if (differ.length) {
      findings.push(finding('file-changed', `${item.file} (item ${item.id}, ${item.devicePath}) was changed: its ${differ.join(', ')} differ${differ.length === 1 ? 's' : ''} from the manifest.`, item.file));
    } else filesOk++;
  }
  const known = new Set<string>([...SIGNED, ...Object.keys(st?.documents ?? {})]);
  for (const [name] of src.entries) {
    if (expected.has(name) || known.has(name)) continue;
    let h: string | null = null;
    if (missing.size && name.startsWith('files/')) {
      const t = new TripleHash();
      try {
        for await (const b of src.stream(name)) t.update(b);
        h = t.digest().sha256;
      } catch {
        h = null;
      }
    }
    added.push({ file: name, sha256: h });
  }
  for (const a of added) {
    const was = a.sha256 ? missing.get(a.sha256) : undefined;
    if (was) {
      missing.delete(a.sha256!);
      findings.push(finding('file-renamed', `${was.file} (item ${was.id}) was renamed to ${a.file}: same content, but not the name the manifest and the hash lists give.`, a.file));
    } else {
      findings.push(finding('file-added', `${a.file} was added to the bundle: it is not in the manifest the officer signed.`, a.file));
    }
  }
  for (const m of missing.values()) findings.push(finding('file-missing', `${m.file} (item ${m.id}) is missing: it was removed from the bundle.`, m.file));
  if (manifest && filesOk === manifest.items.length) intact.push(`All ${filesOk} files are intact (size, MD5, SHA-1 and SHA-256 as in the manifest).`);

  // --- custody.jsonl: the excerpt's chain up to the signed head.
  const custodyText = docs.get('custody.jsonl') ?? (st && !('custody.jsonl' in st.documents) ? await readDoc('custody.jsonl') : null);
  let lines: CustodyLine[] = [];
  if (custodyText) {
    const before = findings.length;
    lines = checkCustody(custodyText.toString('utf8'), st, findings);
    report.checked.custodyLines = lines.length;
    report.checked.fullEvents = lines.filter((l) => !('withheld' in l)).length;
    report.checked.withheldEvents = lines.length - report.checked.fullEvents;
    if (st) checkExportEvent(lines, st, manifest, findings);
    if (findings.length === before) {
      intact.push(
        `The custody excerpt is intact: ${lines.length} events in order, ${report.checked.fullEvents} in full, each linked to the one before, ending at the head the signed custody checkpoint vouches for (event ${st?.custody_checkpoint.seq ?? '?'}).`,
      );
    }
  }

  // --- The signer's key, as the case announced it.
  if (st && lines.length) {
    const fp = keyFingerprint(st.public_key);
    const announced = lines.some(
      (l) => !('withheld' in l) && l.action === 'officer.added' && (l.details['name'] ?? (l.target ?? '').replace(/^officer:/, '')) === st.officer && l.details['keyFingerprint'] === fp,
    );
    if (!announced) {
      findings.push(
        finding('signer-unannounced', `The custody excerpt does not show key ${fp} being given to ${st.officer} (officer.added): the bundle was signed with a key that is not theirs in this case.`, 'checkpoint.sig'),
      );
    }
  }

  // --- receipts.jsonl
  const receipts = docs.get('receipts.jsonl');
  if (receipts) {
    const before = findings.length;
    report.checked.receipts = checkReceipts(receipts.toString('utf8'), st, lines, findings);
    if (findings.length === before && report.checked.receipts) intact.push(`${report.checked.receipts} custody receipt(s) verify, and the custody excerpt extends each of them.`);
  }

  if (signatureOk && st && !findings.some((f) => f.what.startsWith('signer') || f.what === 'custody-checkpoint-invalid')) {
    intact.push(`Signed by ${st.officer}, key fingerprint ${keyFingerprint(st.public_key)} (compare it with the paper chain-of-custody form).`);
  }
  if (st && manifestText && !findings.some((f) => f.what === 'manifest-changed' || f.what === 'document-changed')) {
    intact.push('manifest.json and every document are the ones the officer signed.');
  }
  report.ok = findings.length === 0;
  return report;
}

function checkCustody(text: string, st: BundleStatement | null, findings: BundleFinding[]): CustodyLine[] {
  const lines: CustodyLine[] = [];
  const raw = text.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  let prevHash: string | null = GENESIS_HASH;
  let expectSeq = 1;
  raw.forEach((s, i) => {
    let line: CustodyLine;
    try {
      line = custodyLineSchema.parse(JSON.parse(s));
    } catch {
      findings.push(finding('custody-invalid', `custody.jsonl line ${i + 1} is not a custody event: it was damaged or edited.`, 'custody.jsonl'));
      prevHash = null;
      return;
    }
    if (line.seq !== expectSeq) {
      findings.push(
        finding(
          'custody-gap',
          line.seq > expectSeq
            ? `custody event ${expectSeq}${line.seq - 1 > expectSeq ? ` to ${line.seq - 1}` : ''} is missing from custody.jsonl (it jumps from ${expectSeq - 1} to ${line.seq}): a line was removed.`
            : `custody event ${line.seq} is out of order in custody.jsonl (after ${expectSeq - 1}): lines were re-ordered or duplicated.`,
          'custody.jsonl',
          expectSeq,
        ),
      );
      prevHash = null;
    }
    expectSeq = line.seq + 1;
    if (prevHash !== null && line.prev_hash !== prevHash) {
      findings.push(finding('custody-broken-link', `custody event ${line.seq} does not follow event ${line.seq - 1}: its prev_hash is not that event's hash (lines were removed, inserted or re-written).`, 'custody.jsonl', line.seq));
    }
    if (!('withheld' in line)) {
      const { hash, ...rest } = line;
      if (hashEvent(rest) !== hash) {
        findings.push(finding('custody-altered', `custody event ${line.seq} (${line.action}) was altered: its content no longer matches its hash.`, 'custody.jsonl', line.seq));
      }
    }
    prevHash = line.hash;
    lines.push(line);
  });
  if (st) {
    const last = lines[lines.length - 1];
    const c = st.custody_checkpoint;
    if (!last || last.seq !== c.seq || last.hash !== c.head_hash) {
      findings.push(
        finding(
          'custody-head',
          `custody.jsonl does not end at the head the signed custody checkpoint vouches for (event ${c.seq}${last ? `; it ends at event ${last.seq}${last.seq === c.seq ? ' with another hash' : ''}` : '; it is empty'}): events were removed, added or re-written.`,
          'custody.jsonl',
          c.seq,
        ),
      );
    }
  }
  return lines;
}

/** The head is this bundle's bundle.exported event, naming its items and its SHA256SUMS. */
function checkExportEvent(lines: CustodyLine[], st: BundleStatement, manifest: Manifest | null, findings: BundleFinding[]): void {
  const head = lines.find((l) => l.seq === st.custody_checkpoint.seq);
  if (!head || 'withheld' in head) return; // named by the head check
  const d = head.details;
  const problems: string[] = [];
  if (head.action !== 'bundle.exported' || d['bundle'] !== st.bundle) problems.push('it is not the export of this bundle');
  if (st.documents['SHA256SUMS'] && d['sha256sums_sha256'] !== st.documents['SHA256SUMS']) problems.push('it names another SHA256SUMS');
  if (manifest && canonicalJson(d['items']) !== canonicalJson(manifest.items.map((i) => i.id))) problems.push('it names other items than the manifest');
  if (problems.length) findings.push(finding('custody-head', `The last custody event (${head.seq}) does not record this export: ${problems.join('; ')}.`, 'custody.jsonl', head.seq));
}

function checkReceipts(text: string, st: BundleStatement | null, lines: CustodyLine[], findings: BundleFinding[]): number {
  const bySeq = new Map(lines.map((l) => [l.seq, l.hash]));
  let n = 0;
  text.split('\n').forEach((s, i) => {
    if (!s.trim()) return;
    n++;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(s) as Record<string, unknown>;
    } catch {
      findings.push(finding('receipt-invalid', `receipts.jsonl line ${i + 1} is not a receipt (not JSON).`, 'receipts.jsonl'));
      return;
    }
    const { signature, ...statement } = r;
    const pk = statement['public_key'];
    if (typeof signature !== 'string' || typeof pk !== 'string' || !verifyText(pk, canonicalJson(statement), signature)) {
      findings.push(finding('receipt-invalid', `receipts.jsonl line ${i + 1}: the receipt's signature does not verify: it was forged or altered.`, 'receipts.jsonl'));
      return;
    }
    if (st && statement['case'] !== st.case) {
      findings.push(finding('receipt-invalid', `receipts.jsonl line ${i + 1} is a receipt of another case.`, 'receipts.jsonl'));
      return;
    }
    const seq = statement['seq'];
    const head = statement['head_hash'];
    if (typeof seq === 'number' && bySeq.has(seq) && bySeq.get(seq) !== head) {
      findings.push(
        finding('receipt-not-extended', `The custody excerpt does not extend the receipt of event ${seq} (receipts.jsonl line ${i + 1}): the log was rewritten or rolled back after that receipt.`, 'receipts.jsonl', seq),
      );
    }
  });
  return n;
}
