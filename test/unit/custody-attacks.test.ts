// Issue 10, parts 1, 3 and 4: attacks on the chain of custody by whoever holds case.db, each run
// on a copy of one real case made with the real CLI (child processes), and what
// `evidence custody verify` and `evidence verify` say. Forgeries are made the way an attacker
// would: python3 and its sqlite3 module alone, or sqlite3 and node:crypto (the app's own code
// only to unlock the insider's own key, which they may). Receipts live in a temp HOME (the
// app-data folder) and in a witness folder named by the case.
import './custody-helpers.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PASSWORD } from '../setup.ts';
import { hasTool, runCliChild } from './helpers.ts';
import { type EventRow, details, events, sortedJson, withDb } from './custody-helpers.ts';
import { type OfficerSecrets, unlock } from '../../src/core/officers/crypto.ts';

const ADMIN = 'Admin A';
const OFFICER = 'Off B';
const REVIEWER = 'Rev C';

interface Finding {
  seq: number;
  what: string;
  message: string;
}
interface Report {
  ok: boolean;
  findings: Finding[];
  attribution: { unattributed: number; officers: { officer: string; events: number; unattributed: number }[] };
  receipts: { found: number; agree: number; searched: string[] };
}

/** A case and the places its receipts live, copied for one attack. */
interface World {
  dir: string;
  home: string;
  witness: string;
}

const receiptsFolder = (home: string): string => join(home, '.local', 'share', 'evidence-catalogue', 'receipts');

/** The environment of a CLI run in this world: its HOME is the app-data folder of receipts. */
function envOf(w: World, extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: w.home, XDG_DATA_HOME: '', EVIDENCE_RECEIPTS_DIR: '', EVIDENCE_OFFICER: ADMIN, ...extra };
}

async function cli(w: World, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return runCliChild(args, { env: envOf(w, extra) });
}

async function ok(w: World, args: string[], extra: Record<string, string> = {}): Promise<string> {
  const r = await cli(w, args, extra);
  assert.equal(r.code, 0, `evidence ${args.join(' ')}\n${r.out}\n${r.err}`);
  return r.out;
}

/** `evidence custody verify --json` and the text form, with the receipts of this world. */
async function custodyVerify(w: World, more: string[] = [], extra: Record<string, string> = {}): Promise<{ code: number; text: string; report: Report }> {
  const json = await cli(w, ['custody', 'verify', w.dir, '--json', ...more], extra);
  const text = await cli(w, ['custody', 'verify', w.dir, ...more], extra);
  assert.equal(json.code, text.code, text.out + text.err);
  return { code: json.code, text: text.out, report: JSON.parse(json.out) as Report };
}

/** `evidence verify` (re-hash and custody, signed in as the admin). */
async function fullVerify(w: World): Promise<{ code: number; out: string }> {
  const r = await cli(w, ['verify', w.dir]);
  return { code: r.code, out: r.out + r.err };
}

function findingOf(r: Report, what: string): Finding {
  const f = r.findings.find((x) => x.what === what);
  assert.ok(f, `a ${what} finding in ${JSON.stringify(r.findings, null, 1)}`);
  return f;
}

function sqlite3(dir: string, sql: string): void {
  const r = spawnSync('sqlite3', [join(dir, 'case.db')], { input: sql, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const lastSeq = (dir: string): number => events(dir).at(-1)!.seq;
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const fingerprint = (spkiB64: string): string => createHash('sha256').update(Buffer.from(spkiB64, 'base64')).digest('hex').slice(0, 16);
const spkiOf = (k: KeyObject): string => k.export({ type: 'spki', format: 'der' }).toString('base64');

/** The README's row hash (canonical JSON of every field but `hash`). */
function rowHash(e: EventRow): string {
  const { hash: _hash, details: d, ...rest } = e;
  return sha256(sortedJson({ ...rest, details: JSON.parse(d) as unknown }));
}

/**
 * What an attacker with the database and some private keys does to make a rewritten history
 * verify: drop events, renumber and re-chain the rest, and re-sign every checkpoint (and the
 * session records) with the keys they hold. `signerOf` picks who signs each checkpoint;
 * `announce` replaces the officers' announced keys with the given ones (new keys for everyone).
 */
function forge(
  dir: string,
  o: {
    drop?: (e: EventRow) => boolean;
    keys: Map<string, { pub: string; priv: KeyObject }>;
    signerOf: (officer: string) => string;
    announce?: boolean;
  },
): void {
  withDb(dir, (db) => {
    for (const t of ['custody_events_no_update', 'custody_events_no_delete', 'checkpoints_no_update', 'checkpoints_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
    const rows = db.prepare('SELECT * FROM custody_events ORDER BY seq').all() as EventRow[];
    const cps = new Map((db.prepare('SELECT * FROM checkpoints').all() as { id: number; seq: number; officer: string; statement: string }[]).map((c) => [c.id, c]));
    const uuid = (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid;
    const keep = rows.filter((e) => !o.drop?.(e));
    const newSeq = new Map<number, number>();
    let n = 0;
    for (const e of rows) {
      if (!o.drop?.(e)) n++;
      newSeq.set(e.seq, Math.max(1, n));
    }
    const fps = (): Record<string, string> => Object.fromEntries([...o.keys].map(([name, k]) => [name, fingerprint(k.pub)]));
    const out: EventRow[] = [];
    let prev = '0'.repeat(64);
    for (const e0 of keep) {
      const e = { ...e0, seq: newSeq.get(e0.seq)!, prev_hash: prev };
      const d = details(e0);
      if (o.announce && e.action === 'officer.added') {
        d.keyFingerprint = fingerprint(o.keys.get(String(d.name))!.pub);
      }
      if (o.announce && e.action === 'custody.transferred') {
        const sigs = d.signatures as { officer: string; public_key: string; signature: string }[];
        for (const s of sigs) {
          const k = o.keys.get(s.officer)!;
          s.public_key = k.pub;
          s.signature = sign(null, Buffer.from(String(d.statement)), k.priv).toString('base64');
        }
      }
      if (e.action === 'custody.checkpoint') {
        const cp = cps.get(Number(d.checkpoint))!;
        const signer = o.signerOf(cp.officer);
        const k = o.keys.get(signer)!;
        const st = JSON.parse(cp.statement) as Record<string, unknown>;
        const head = out.at(-1)!;
        Object.assign(st, { seq: head.seq, head_hash: head.hash, officer: signer, public_key: k.pub });
        if (st.version === 2) {
          st.key_fingerprint = fingerprint(k.pub);
          st.from_seq = newSeq.get(Number(st.from_seq)) ?? 1;
          // The officers of that time, with their new keys.
          if (o.announce) st.officers = Object.fromEntries(Object.keys(st.officers as object).map((name) => [name, fps()[name]]));
        }
        const statement = sortedJson(st);
        const signature = sign(null, Buffer.from(statement), k.priv).toString('base64');
        db.prepare('UPDATE checkpoints SET seq = ?, head_hash = ?, officer = ?, public_key = ?, statement = ?, signature = ? WHERE id = ?').run(
          head.seq,
          head.hash,
          signer,
          k.pub,
          statement,
          signature,
          cp.id,
        );
        Object.assign(d, { seq: head.seq, head_hash: head.hash, signature, keyFingerprint: fingerprint(k.pub) });
        e.officer = signer;
      }
      if (e.action === 'officer.signed-out' && typeof d.checkpoint === 'number') {
        e.officer = o.signerOf(cps.get(d.checkpoint)?.officer ?? e.officer);
      }
      e.details = sortedJson(d);
      e.hash = rowHash(e);
      out.push(e);
      prev = e.hash;
    }
    db.exec('DELETE FROM custody_events');
    const ins = db.prepare(
      'INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash) VALUES (@seq, @at_utc, @tz_offset, @tz_name, @officer, @host, @action, @target, @reason, @details, @prev_hash, @hash)',
    );
    for (const e of out) ins.run(e);
    // Session records: the attacker re-signs those of officers whose keys they hold, and removes
    // the others (which would otherwise name the rewrite).
    const heads = db.prepare('SELECT * FROM session_heads').all() as { officer: string; from_seq: number; seq: number; at_utc: string }[];
    db.exec('DELETE FROM session_heads');
    for (const h of heads) {
      const k = o.keys.get(h.officer);
      if (!k || o.signerOf(h.officer) !== h.officer) continue;
      const seq = Math.min(newSeq.get(h.seq) ?? out.length, out.length);
      const from = newSeq.get(h.from_seq) ?? 1;
      const statement = sortedJson({
        type: 'evidence-catalogue/custody-session',
        version: 1,
        case: uuid,
        officer: h.officer,
        public_key: k.pub,
        from_seq: from,
        seq,
        head_hash: out[seq - 1]!.hash,
        at_utc: h.at_utc,
      });
      db.prepare('INSERT INTO session_heads (officer, from_seq, seq, head_hash, at_utc, public_key, statement, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        h.officer,
        from,
        seq,
        out[seq - 1]!.hash,
        h.at_utc,
        k.pub,
        statement,
        sign(null, Buffer.from(statement), k.priv).toString('base64'),
      );
    }
    if (o.announce) {
      db.exec('DELETE FROM officer_keys');
      for (const [name, k] of o.keys) db.prepare('INSERT INTO officer_keys (public_key, officer, created_at) VALUES (?, ?, ?)').run(k.pub, name, new Date().toISOString());
    }
  });
}

/** The key an officer unlocks with their own password (the insider's, here). */
function ownKey(dir: string, officer: string): { pub: string; priv: KeyObject } {
  const secrets = withDb(dir, (db) => JSON.parse((db.prepare('SELECT secrets FROM officers WHERE name = ?').get(officer) as { secrets: string }).secrets)) as OfficerSecrets;
  const priv = unlock(secrets, TEST_PASSWORD);
  assert.ok(priv, 'the insider knows their own password');
  return { pub: secrets.publicKey, priv };
}

/**
 * The README's "without the app" recipe, as printed: its two sh blocks (the chain, then who signed
 * what and the receipts), run with bash on this case and these receipts files.
 */
function readmeRecipe(dir: string, receipts: string[]): { code: number; out: string } {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const chain = blocks.find((b) => b.includes('> events.json') && b.includes('custody chain verifies'));
  const signers = blocks.find((b) => b.includes('> checkpoints.json') && b.includes('session_heads'));
  assert.ok(chain && signers, 'the README holds both recipes');
  const files = receipts.map((f) => `'${f}'`).join(' ');
  const script = (chain + signers)
    .replaceAll('cases/op-sakura/case.db', join(dir, 'case.db'))
    .replace('~/.local/share/evidence-catalogue/receipts/*.receipts.jsonl /media/usb/*.receipts.jsonl', files);
  const cwd = mkdtempSync(join(tmpdir(), 'ev-recipe-'));
  const r = spawnSync('bash', ['-e', '-c', script], { cwd, encoding: 'utf8' });
  rmSync(cwd, { recursive: true, force: true });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('custody attacks (issue 10): attribution by key, receipts outside the case, pinned keys', { concurrency: false }, () => {
  let work: string;
  let template: World;
  /** The case as it was right after the ingest (for the rollback). */
  let older: string;
  let n = 0;
  /** The witness folder as the template left it. */
  let witnessSaved: string;
  /**
   * A fresh copy of the template's case and app-data receipts. The case names its witness folder
   * by its absolute path, so every copy uses the template's: put back as it was for each attack.
   */
  const copy = (): World => {
    const root = join(work, `attack-${++n}`);
    const w: World = { dir: join(root, 'case'), home: join(root, 'home'), witness: template.witness };
    cpSync(template.dir, w.dir, { recursive: true });
    cpSync(template.home, w.home, { recursive: true });
    rmSync(template.witness, { recursive: true, force: true });
    cpSync(witnessSaved, template.witness, { recursive: true });
    return w;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ev-attacks-'));
    template = { dir: join(work, 'template', 'case'), home: join(work, 'template', 'home'), witness: join(work, 'template', 'usb') };
    mkdirSync(template.home, { recursive: true });
    mkdirSync(template.witness, { recursive: true });
    const src = join(work, 'export');
    mkdirSync(join(src, 'DCIM'), { recursive: true });
    writeFileSync(join(src, 'DCIM', 'IMG_0001.txt'), 'photo of the compound');
    writeFileSync(join(src, 'targets.csv'), '山田太郎,090-1234-5678\n');

    const w = template;
    await ok(w, ['case', 'init', w.dir, '--name', 'Operation Sakura', '--number', 'KH-2026-0142', '--officer', ADMIN]);
    await ok(w, ['officer', 'add', w.dir, '--name', OFFICER, '--role', 'officer']);
    await ok(w, ['officer', 'add', w.dir, '--name', REVIEWER, '--role', 'reviewer']);
    await ok(w, ['custody', 'witness', 'add', w.dir, w.witness]);
    await ok(w, ['exhibit', 'add', w.dir, '--number', 'EXH-1', '--seal', 'S-1', '--make', 'Apple', '--model', 'iPhone 13']);
    await ok(w, ['ingest', w.dir, src, '--exhibit', 'EXH-1', '--workers', '1']);
    older = join(work, 'older-case.db');
    cpSync(join(w.dir, 'case.db'), older);
    await ok(w, ['custody', 'transfer', w.dir, '--exhibit', 'EXH-1', '--to', OFFICER, '--reason', 'to the forensic lab']);
    await ok(w, ['exhibit', 'seal', w.dir, 'EXH-1', '--break', '--reason', 'to image the device'], { EVIDENCE_OFFICER: OFFICER });
    await ok(w, ['custody', 'checkpoint', w.dir, '--reason', 'end of shift']);
    witnessSaved = join(work, 'usb-as-left');
    cpSync(w.witness, witnessSaved, { recursive: true });
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the untouched case verifies, says who signed what, and finds its receipts in HOME and the witness folder', async () => {
    const w = copy();
    const v = await custodyVerify(w);
    assert.equal(v.code, 0, v.text);
    assert.deepEqual(v.report.findings, []);
    assert.equal(v.report.attribution.unattributed, 0);
    assert.match(v.text, new RegExp(`Signed by: +${ADMIN} \\(key [0-9a-f]{16}\\): (\\d+) of \\1 events; ${OFFICER} \\(key [0-9a-f]{16}\\): (\\d+) of \\2 events`));
    const cps = withDb(w.dir, (db) => (db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n);
    // One receipt per checkpoint in the app-data folder (HOME); the witness has those made after it was named.
    const uuid = withDb(w.dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    const homeLines = readFileSync(join(receiptsFolder(w.home), `${uuid}.receipts.jsonl`), 'utf8').trim().split('\n');
    const usbLines = readFileSync(join(w.witness, `${uuid}.receipts.jsonl`), 'utf8').trim().split('\n');
    assert.equal(homeLines.length, cps);
    assert.ok(usbLines.length >= 1 && usbLines.length < cps, `${usbLines.length} receipts in the witness folder`);
    assert.deepEqual(usbLines, homeLines.slice(-usbLines.length), 'the same signed lines');
    assert.equal(v.report.receipts.found, cps);
    assert.equal(v.report.receipts.agree, cps);
    assert.match(v.text, new RegExp(`Receipts: +${cps} of ${cps} receipts outside the case agree with this log`));
    // Each receipt is the checkpoint statement plus its signature, and names every officer's key.
    const r = JSON.parse(homeLines.at(-1)!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(r.officers as object).sort(), [ADMIN, OFFICER, REVIEWER]);
    assert.equal(r.case, uuid);
    assert.deepEqual(r.witnesses, [w.witness]);
    // `custody receipts` lists them, each checked.
    const list = await ok(w, ['custody', 'receipts', w.dir]);
    assert.equal((list.match(/ agrees /g) ?? []).length, cps, list);
    // evidence verify agrees (and signs in and out itself, which leaves one more receipt).
    const full = await fullVerify(w);
    assert.equal(full.code, 0, full.out);
    assert.match(full.out, /Receipt \d+-[0-9a-f]{16} \(custody event \d+, signed by Admin A\)/);
  });

  test('forged event appended with python3 and sqlite3 alone (correct chain hash, no key): unattributed, named with its seq', { skip: hasTool('python3') ? false : 'python3 is not installed' }, async () => {
    const w = copy();
    const forged = lastSeq(w.dir) + 1;
    const py = `
import json, hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
seq, prev = db.execute("SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1").fetchone()
at = db.execute("SELECT at_utc FROM custody_events ORDER BY seq DESC LIMIT 1").fetchone()[0]
e = {"seq": seq + 1, "at_utc": at, "tz_offset": "+07:00", "tz_name": "Asia/Phnom_Penh", "officer": "Rev C", "host": "lab-pc",
     "action": "exhibit.seal-broken", "target": "exhibit:EXH-1", "reason": "looked inside", "details": {"previousSeal": "S-1"}, "prev_hash": prev}
canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
h = hashlib.sha256(canon(e).encode()).hexdigest()
db.execute("INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
           (e["seq"], e["at_utc"], e["tz_offset"], e["tz_name"], e["officer"], e["host"], e["action"], e["target"], e["reason"], canon(e["details"]), prev, h))
db.commit()
`;
    const r = spawnSync('python3', ['-c', py, join(w.dir, 'case.db')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // The next honest checkpoint signs over it; it is still not Rev C's.
    await ok(w, ['custody', 'checkpoint', w.dir]);
    const v = await custodyVerify(w);
    assert.equal(v.code, 1, v.text);
    const f = findingOf(v.report, 'unattributed');
    assert.equal(f.seq, forged);
    assert.match(f.message, new RegExp(`^event ${forged} \\(exhibit\\.seal-broken\\), recorded as Rev C, is not signed by that officer's key: no signed session covers them`));
    assert.ok(v.text.includes(`  ! event ${forged}: ${f.message}`), v.text);
    assert.match(v.text, /Unattributed: +1 event no officer's key signed/);
    assert.match(v.text, /Custody verification FAILED\s*$/);
    const full = await fullVerify(w);
    assert.equal(full.code, 1, full.out);
    assert.ok(full.out.includes(`! event ${forged}: ${f.message}`), full.out);
  });

  test('backdated time: an event dated before the one recorded ahead of it is named (with its seq)', async () => {
    const w = copy();
    const head = events(w.dir).at(-1)!;
    const e: EventRow = {
      ...head,
      seq: head.seq + 1,
      at_utc: '2026-11-20T03:00:00.000Z',
      officer: OFFICER,
      action: 'exhibit.resealed',
      target: 'exhibit:EXH-1',
      reason: 'resealed at the scene',
      details: sortedJson({ newSeal: 'S-2', previousSeal: 'S-1' }),
      prev_hash: head.hash,
    };
    e.hash = rowHash(e);
    withDb(w.dir, (db) =>
      db
        .prepare('INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash) VALUES (@seq, @at_utc, @tz_offset, @tz_name, @officer, @host, @action, @target, @reason, @details, @prev_hash, @hash)')
        .run(e),
    );
    const v = await custodyVerify(w);
    assert.equal(v.code, 1);
    const f = findingOf(v.report, 'backdated');
    assert.equal(f.seq, e.seq);
    assert.match(f.message, new RegExp(`^event ${e.seq} \\(exhibit\\.resealed by Off B\\) is dated 2026-11-20 03:00:00 UTC, \\d+ days before the event recorded ahead of it .*: its time was set back \\(backdated\\)`));
    assert.equal(findingOf(v.report, 'unattributed').seq, e.seq);
  });

  test('rollback: an older case.db copied over the current one is named by the receipts in HOME, in the witness folder, and by a code from paper', async () => {
    const w = copy();
    const before = lastSeq(w.dir);
    for (const f of ['case.db-wal', 'case.db-shm']) if (existsSync(join(w.dir, f))) unlinkSync(join(w.dir, f));
    cpSync(older, join(w.dir, 'case.db'));
    const now = lastSeq(w.dir);
    assert.ok(now < before);

    // Case alone (no receipts anywhere): what is left verifies on its own.
    const uuid = withDb(w.dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    const usb = join(w.witness, `${uuid}.receipts.jsonl`);
    const aside = join(work, `usb-aside-${n}`);
    renameSync(usb, aside);
    let v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 0, `a clean rollback is invisible to the case alone:\n${v.text}`);

    // The witness folder alone.
    renameSync(aside, usb);
    v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 1, v.text);
    let f = findingOf(v.report, 'receipt-rollback');
    assert.equal(f.seq, now + 1);
    assert.match(f.message, new RegExp(`^the receipt of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC by Admin A records event \\d+ with head [0-9a-f]{16}…; this log has only ${now} events: it was rolled back \\(an older copy of case\\.db\\) or its last events were deleted`));
    assert.ok(f.message.includes(usb), f.message);

    // HOME (the app-data folder) alone, the witness file moved away.
    renameSync(usb, aside);
    v = await custodyVerify(w);
    f = findingOf(v.report, 'receipt-rollback');
    assert.ok(f.message.includes(receiptsFolder(w.home)), f.message);
    assert.match(v.text, /Custody verification FAILED\s*$/);

    // A receipts file handed over (--receipts), and a receipt code copied from a printed form.
    v = await custodyVerify(w, ['--receipts', aside], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(findingOf(v.report, 'receipt-rollback').seq, now + 1);
    const last = JSON.parse(readFileSync(aside, 'utf8').trim().split('\n').at(-1)!) as { seq: number; head_hash: string };
    const code = `${last.seq}-${last.head_hash.slice(0, 16)}`;
    v = await custodyVerify(w, ['--code', code], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 1);
    assert.match(findingOf(v.report, 'receipt-rollback').message, new RegExp(`^the receipt code ${code} records event ${last.seq}; this log has only ${now} events`));
    assert.match(v.text, new RegExp(`Receipt code: +${code} DOES NOT match this log`));

    // And evidence verify.
    renameSync(aside, usb);
    const full = await fullVerify(w);
    assert.equal(full.code, 1, full.out);
    assert.match(full.out, /! event \d+: the receipt of .* by Admin A records event \d+ with head [0-9a-f]{16}…; this log has (only \d+ events|a different event at \d+)/);
  });

  test('deleting the tail with its checkpoint rows (and session records): the receipts name it', async () => {
    const w = copy();
    // Cut at the end of the ingest's session, as if the transfer and what followed never happened.
    const ev = events(w.dir);
    const ingestOut = ev.filter((e) => e.action === 'officer.signed-out' && ev.some((x) => x.action === 'ingest.finished' && x.seq < e.seq)).at(0)!;
    const keep = ingestOut.seq;
    sqlite3(
      w.dir,
      `DROP TRIGGER custody_events_no_delete; DROP TRIGGER checkpoints_no_delete;
       DELETE FROM custody_events WHERE seq > ${keep}; DELETE FROM checkpoints WHERE seq > ${keep};
       DELETE FROM session_heads WHERE seq > ${keep};`,
    );
    const v = await custodyVerify(w);
    assert.equal(v.code, 1, v.text);
    const f = findingOf(v.report, 'receipt-rollback');
    assert.equal(f.seq, keep + 1);
    assert.match(f.message, new RegExp(`this log has only ${keep} events: it was rolled back .* or its last events were deleted \\(\\d+ receipts record events beyond this log\\)`));
    const full = await fullVerify(w);
    assert.equal(full.code, 1, full.out);
  });

  test('deleting the tail without its checkpoint rows: the checkpoints and session records name it, receipts or not', async () => {
    const w = copy();
    const keep = events(w.dir).find((e) => e.action === 'custody.transferred')!.seq;
    sqlite3(w.dir, `DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq > ${keep};`);
    const v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 1, v.text);
    const f = findingOf(v.report, 'tail-deleted');
    assert.equal(f.seq, keep + 1);
    assert.match(f.message, new RegExp(`^the log ends at event ${keep}, but checkpoint \\d+ (vouches for|was recorded as event)`));
  });

  test('deleting only the final officer.signed-out event: named as a deleted sign-out', async () => {
    const w = copy();
    const last = events(w.dir).at(-1)!;
    assert.equal(last.action, 'officer.signed-out');
    sqlite3(w.dir, `DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq = ${last.seq};`);
    const v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 1, v.text);
    const f = findingOf(v.report, 'sign-out-deleted');
    assert.equal(f.seq, last.seq);
    assert.match(f.message, new RegExp(`^checkpoint \\d+ was signed as Admin A signed out, so event ${last.seq} must be that sign-out, but the log ends at event ${last.seq - 1}: the final sign-out was deleted$`));
    assert.ok(v.text.includes(`  ! event ${last.seq}: ${f.message}`), v.text);
    const full = await fullVerify(w);
    assert.equal(full.code, 1, full.out);
    // (evidence verify signs in first: its sign-in now stands where the sign-out was.)
    assert.match(full.out, new RegExp(`! event ${last.seq}: .*the sign-out was deleted`));
  });

  test('insider: the admin deletes the hand-over and re-signs every checkpoint with their own key', async () => {
    const w = copy();
    const transfer = events(w.dir).find((e) => e.action === 'custody.transferred')!;
    const admin = ownKey(w.dir, ADMIN);
    forge(w.dir, { drop: (e) => e.seq === transfer.seq, keys: new Map([[ADMIN, admin]]), signerOf: () => ADMIN });
    assert.ok(!events(w.dir).some((e) => e.action === 'custody.transferred'), 'the hand-over is gone');

    // From the case alone: Off B's own events are no longer signed by Off B's key.
    let v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 1, v.text);
    const un = v.report.findings.filter((f) => f.what === 'unattributed');
    assert.ok(un.length >= 1, v.text);
    assert.ok(un.every((f) => f.message.includes('recorded as Off B')), JSON.stringify(un, null, 1));
    assert.ok(un.some((f) => /exhibit\.seal-broken/.test(f.message)), 'the seal Off B broke is among them');
    assert.ok(!v.report.findings.some((f) => f.what === 'chain-broken' || f.what === 'bad-signature'), 'a careful rewrite: the chain links and every signature verifies');

    // With the receipts: the rewrite is named at the first receipt that no longer matches.
    v = await custodyVerify(w);
    const f = findingOf(v.report, 'receipt-rewritten');
    assert.ok(f.seq >= transfer.seq, `${f.seq} >= ${transfer.seq}`);
    assert.match(f.message, new RegExp(`^the receipt of .* by (Admin A|Off B) records event ${f.seq} with head [0-9a-f]{16}…; this log has a different event at ${f.seq}: the history up to it was rewritten`));
    const full = await fullVerify(w);
    assert.equal(full.code, 1, full.out);
  });

  test('no password at all: new keys for every officer, everything re-signed; caught only by the receipts (and a printed fingerprint)', async () => {
    const w = copy();
    const form = await ok(w, ['log', w.dir, '--form', 'EXH-1']);
    const printed = new RegExp(`^ {2}${ADMIN} +([0-9a-f]{16})$`, 'm').exec(form)![1]!;
    const fresh = new Map<string, { pub: string; priv: KeyObject }>();
    for (const who of [ADMIN, OFFICER, REVIEWER]) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      fresh.set(who, { pub: spkiOf(publicKey), priv: privateKey });
    }
    forge(w.dir, { keys: fresh, signerOf: (o) => o, announce: true });

    // The case alone cannot tell: every key the log announces signed what it should. (No
    // receipts: none in HOME, and the witness folder's set aside.)
    const uuid = withDb(w.dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    const usb = join(w.witness, `${uuid}.receipts.jsonl`);
    renameSync(usb, `${usb}.aside`);
    let v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    renameSync(`${usb}.aside`, usb);
    const mine = [
      ...['unattributed', 'backdated', 'sign-out-deleted', 'session-record', 'key-mismatch', 'bad-signature', 'unknown-key', 'unannounced-key'],
      ...['chain-broken', 'rewritten', 'tail-deleted', 'checkpoint-missing', 'checkpoint-altered', 'transfer-signature'],
    ];
    assert.deepEqual(v.report.findings.filter((f) => mine.includes(f.what) || f.what.startsWith('receipt')), [], v.text);

    // The receipts pin the keys of their time: the swap is named, officer by officer.
    v = await custodyVerify(w);
    assert.equal(v.code, 1, v.text);
    const keys = v.report.findings.filter((f) => f.what === 'receipt-keys');
    for (const who of [ADMIN, OFFICER, REVIEWER]) {
      const f = keys.find((k) => k.message.includes(`for ${who};`));
      assert.ok(f, `${who}'s key swap named: ${JSON.stringify(keys, null, 1)}`);
      assert.match(f.message, new RegExp(`records the signing key [0-9a-f]{16} for ${who}; this log announces ${fingerprint(fresh.get(who)!.pub)} instead: officers' keys were replaced and the log re-signed`));
    }
    assert.ok(keys.some((k) => k.message.includes(printed)), 'the fingerprint printed on the form is the one the receipts pinned');
    assert.ok(v.report.findings.some((f) => f.what === 'receipt-rewritten'), v.text);
    const full = await fullVerify(w);
    assert.equal(full.code, 1, full.out);
    assert.match(full.out, /officers' keys were replaced and the log re-signed/);
  });

  test('a receipt that cannot be written warns and loses nothing; a forged receipt line is named and trusted for nothing', async () => {
    const w = copy();
    const uuid = withDb(w.dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    // The USB stick is not plugged in.
    const usbFile = join(w.witness, `${uuid}.receipts.jsonl`);
    const moved = join(work, `unplugged-${n}`);
    renameSync(w.witness, moved);
    try {
      const before = lastSeq(w.dir);
      const r = await cli(w, ['custody', 'checkpoint', w.dir]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, new RegExp(`evidence: warning: the receipt could not be written to ${usbFile.replaceAll('.', '\\.')} \\(the folder is not there`));
      assert.match(r.err, /The custody log is intact/);
      assert.ok(lastSeq(w.dir) > before, 'the checkpoint and its events are recorded');
    } finally {
      renameSync(moved, w.witness);
    }
    // A receipt line made up by someone without the key.
    const file = join(receiptsFolder(w.home), `${uuid}.receipts.jsonl`);
    const line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as Record<string, unknown>;
    writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify({ ...line, seq: Number(line.seq) + 50 })}\n`);
    const v = await custodyVerify(w);
    assert.equal(v.code, 1, v.text);
    assert.match(findingOf(v.report, 'receipt-invalid').message, /does not carry a valid signature of its own key: it was altered or forged, and proves nothing/);
    assert.ok(!v.report.findings.some((f) => f.what === 'receipt-rollback'), 'a forged receipt proves no rollback');
  });

  test('a crash mid-session loses no proof: the session record signs its events', async () => {
    const w = copy();
    // A session that never signs out: the sign-in, an exhibit, then the process is killed.
    const r = await cli(w, ['exhibit', 'add', w.dir, '--number', 'EXH-2', '--seal', 'S-9'], { EVIDENCE_OFFICER: OFFICER });
    assert.equal(r.code, 0, r.err);
    // Simulate the crash after the fact: drop the sign-out's checkpoint, its event and the sign-out.
    const cp = withDb(w.dir, (db) => db.prepare('SELECT id, seq FROM checkpoints ORDER BY id DESC LIMIT 1').get() as { id: number; seq: number });
    sqlite3(w.dir, `DROP TRIGGER custody_events_no_delete; DROP TRIGGER checkpoints_no_delete; DELETE FROM custody_events WHERE seq > ${cp.seq}; DELETE FROM checkpoints WHERE id = ${cp.id};`);
    // The session record was signed at the sign-out, two events further: like a crash, rewind it
    // to the last event kept, as the running record stood then (re-signed here with Off B's key).
    const key = ownKey(w.dir, OFFICER);
    withDb(w.dir, (db) => {
      const h = db.prepare('SELECT * FROM session_heads WHERE officer = ? ORDER BY from_seq DESC LIMIT 1').get(OFFICER) as { from_seq: number; at_utc: string };
      const head = db.prepare('SELECT seq, hash FROM custody_events WHERE seq = ?').get(cp.seq) as { seq: number; hash: string };
      const uuid = (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid;
      const statement = sortedJson({ type: 'evidence-catalogue/custody-session', version: 1, case: uuid, officer: OFFICER, public_key: key.pub, from_seq: h.from_seq, seq: head.seq, head_hash: head.hash, at_utc: h.at_utc });
      db.prepare('UPDATE session_heads SET seq = ?, head_hash = ?, statement = ?, signature = ? WHERE officer = ? AND from_seq = ?').run(
        head.seq,
        head.hash,
        statement,
        sign(null, Buffer.from(statement), key.priv).toString('base64'),
        OFFICER,
        h.from_seq,
      );
    });
    const v = await custodyVerify(w, [], { EVIDENCE_RECEIPTS_DIR: 'none' });
    assert.equal(v.code, 0, v.text);
    assert.match(v.text, /Open session: +Off B, events \d+ to \d+: never signed out/);
  });

  test('officer add and the form print key fingerprints; the form and every sign-out print the receipt code', async () => {
    const w = copy();
    const added = await cli(w, ['officer', 'add', w.dir, '--name', 'Insp. D', '--role', 'examiner']);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /Added Insp\. D \(examiner\); signing key [0-9a-f]{16}\./);
    const code = /Receipt (\d+)-([0-9a-f]{16}) \(custody event \1, signed by Admin A\)/.exec(added.err);
    assert.ok(code, added.err);
    const cp = withDb(w.dir, (db) => db.prepare('SELECT seq, head_hash FROM checkpoints ORDER BY id DESC LIMIT 1').get() as { seq: number; head_hash: string });
    assert.equal(`${code[1]}-${code[2]}`, `${cp.seq}-${cp.head_hash.slice(0, 16)}`);
    const form = await ok(w, ['log', w.dir, '--form', 'EXH-1']);
    assert.ok(form.includes(`  ${cp.seq}-${cp.head_hash.slice(0, 16)}   checkpoint`), form);
    for (const who of [ADMIN, OFFICER, REVIEWER, 'Insp. D']) assert.match(form, new RegExp(`^ {2}${who.replace('.', '\\.')} +[0-9a-f]{16}$`, 'm'));
    assert.match(form, /Receipts outside the case: \d+ of \d+ agree with the log/);
    // The code checks a copy of the case later.
    const v = await custodyVerify(w, ['--code', `${code[1]}-${code[2]}`]);
    assert.equal(v.code, 0, v.text);
    assert.match(v.text, new RegExp(`Receipt code: +${code[1]}-${code[2]} agrees with this log`));
  });
  test('the README recipe without the app (sqlite3, python3, openssl): passes on the case, names the forged event and the rollback', { skip: ['sqlite3', 'python3', 'openssl'].every(hasTool) ? false : 'needs sqlite3, python3 and openssl' }, () => {
    const w = copy();
    const uuid = withDb(w.dir, (db) => (db.prepare('SELECT uuid FROM cases').get() as { uuid: string }).uuid);
    const receipts = [join(receiptsFolder(w.home), `${uuid}.receipts.jsonl`), join(w.witness, `${uuid}.receipts.jsonl`)];
    let r = readmeRecipe(w.dir, receipts);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /custody chain verifies; head [0-9a-f]{64}/);
    assert.match(r.out, /\d+ events, each signed by its officer's key; every receipt is in the log/);

    // A forged event with a correct chain hash: the chain still verifies, the signers do not.
    const head = events(w.dir).at(-1)!;
    const e: EventRow = { ...head, seq: head.seq + 1, officer: REVIEWER, action: 'exhibit.seal-broken', target: 'exhibit:EXH-1', reason: null, details: '{}', prev_hash: head.hash };
    e.hash = rowHash(e);
    withDb(w.dir, (db) =>
      db
        .prepare('INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash) VALUES (@seq, @at_utc, @tz_offset, @tz_name, @officer, @host, @action, @target, @reason, @details, @prev_hash, @hash)')
        .run(e),
    );
    r = readmeRecipe(w.dir, receipts);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /custody chain verifies/);
    assert.match(r.out, new RegExp(`event ${e.seq} \\(exhibit\\.seal-broken, recorded as Rev C\\) is not signed by that officer's key`));

    // The older case.db: the receipts say so.
    for (const f of ['case.db-wal', 'case.db-shm']) if (existsSync(join(w.dir, f))) unlinkSync(join(w.dir, f));
    cpSync(older, join(w.dir, 'case.db'));
    r = readmeRecipe(w.dir, receipts);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /records event \d+: this log no longer holds it \(rolled back or rewritten\)/);
  });
});
