// Custody verification benchmark (issue 10): `evidence custody verify` of a log of 1,000,000
// events stays under a minute. The log is synthetic but shaped like a real one: sessions of two
// officers, each a sign-in, ~100 events (items viewed) and a real sign-out checkpoint
// signed with the officer's Ed25519 key (statement version 2), every checkpoint's receipt in an
// app-data receipts file. Work events are inserted directly in batches with the engine's own hash
// function (the figure is about verifying, not about writing), checkpoints go through the engine.
// The case is generated once under the bench folder and reused while its manifest matches.
//
// Measured: the CLI as an examiner runs it (child process, --json, with the receipts), and the
// engine's parts in this process: the hash chain, attribution, receipts, and all of verifyCustody.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Case } from '../../src/core/case.ts';
import { verifyAttribution } from '../../src/core/custody/attribution.ts';
import { canonicalJson } from '../../src/core/custody/canonical.ts';
import { makeCheckpoint, verifyCustody } from '../../src/core/custody/checkpoint.ts';
import { type CustodyEvent, hashEvent, verifyChain } from '../../src/core/custody/log.ts';
import { receiptFileName, receiptLine, verifyReceipts } from '../../src/core/custody/receipts.ts';
import type { SignedIn } from '../../src/core/officers/accounts.ts';
import { type OfficerSecrets, unlock } from '../../src/core/officers/crypto.ts';
import { EvidenceService } from '../../src/core/service.ts';

export interface CustodyBenchOptions {
  base: string;
  events: number;
  log: (s: string) => void;
}

export interface CustodyFigures {
  events: number;
  checkpoints: number;
  receipts: number;
  dbBytes: number;
  generated: boolean;
  generateSeconds: number | null;
  /** `evidence custody verify --json` as a child process, wall time. */
  cliSeconds: number;
  cliOk: boolean;
  /** In this process. */
  chainSeconds: number;
  attributionSeconds: number;
  receiptsSeconds: number;
  verifyCustodySeconds: number;
  target: number;
  met: boolean;
}

const VERSION = 1;
const PASSWORD = 'bench-password-1234';
const OFFICERS = ['Sgt. Dara Sok', 'Insp. Kenji Sato'];
const PER_SESSION = 100;

function generate(dir: string, receiptsDir: string, events: number, log: (s: string) => void): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(receiptsDir, { recursive: true, force: true });
  mkdirSync(receiptsDir, { recursive: true });
  const service = new EvidenceService({ scryptN: 2 ** 14 });
  service.createCase({ casePath: dir, name: 'Custody bench', number: 'BENCH-1', officer: OFFICERS[0]!, password: PASSWORD });
  const s = service.signIn({ casePath: dir, officer: OFFICERS[0]!, password: PASSWORD }).session;
  service.addOfficer({ session: s, name: OFFICERS[1]!, role: 'officer', password: PASSWORD });
  service.signOut({ session: s });
  service.close();

  // Time moves one second per event, from now on; the checkpoints read the same clock.
  const t0 = Date.now() + 60_000;
  let clockSeq = 0;
  const kase = Case.open(dir, { clock: { now: () => new Date(t0 + clockSeq * 1000), zoneName: () => 'Asia/Phnom_Penh' } });
  const uuid = kase.info().uuid;
  const lines: string[] = [];
  const insert = kase.db.prepare(
    `INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash)
     VALUES (@seq, @at_utc, @tz_offset, @tz_name, @officer, @host, @action, @target, @reason, @details, @prev_hash, @hash)`,
  );
  // Each officer's key is unlocked once (scrypt is not what is measured); every session then
  // begins with its officer.signed-in event, written like the work events.
  const keys: SignedIn[] = OFFICERS.map((name) => {
    const secrets = JSON.parse((kase.db.prepare('SELECT secrets FROM officers WHERE name = ?').get(name) as { secrets: string }).secrets) as OfficerSecrets;
    return { name, role: 'officer', publicKey: secrets.publicKey, privateKey: unlock(secrets, PASSWORD)! };
  });
  let session = 0;
  let last = Date.now();
  while (kase.custody.head().seq < events) {
    const who = keys[session % 2]!;
    const officer = who.name;
    const fromSeq = kase.custody.head().seq + 1;
    const n = Math.max(1, Math.min(PER_SESSION, events - fromSeq - 1));
    kase.db.transaction(() => {
      let { seq, hash } = kase.custody.head();
      for (let i = 0; i < n; i++) {
        seq++;
        const item = (seq * 7919) % 1_000_000;
        const kind = i % 4;
        const base: Omit<CustodyEvent, 'hash'> = i === 0 ? {
          seq,
          at_utc: new Date(t0 + seq * 1000).toISOString(),
          tz_offset: '+07:00',
          tz_name: 'Asia/Phnom_Penh',
          officer,
          host: 'field-laptop-7',
          action: 'officer.signed-in',
          target: `officer:${officer}`,
          reason: null,
          details: { role: who.role, location: null },
          prev_hash: hash,
        } : {
          seq,
          at_utc: new Date(t0 + seq * 1000).toISOString(),
          tz_offset: '+07:00',
          tz_name: 'Asia/Phnom_Penh',
          officer,
          host: 'field-laptop-7',
          // Views: events that change no state the verifier replays (the figure is about the log).
          action: 'item.viewed',
          target: `item:${item}`,
          reason: null,
          details: { path: `DCIM/IMG_${item}.JPG`, sha256: null, as: kind === 0 ? 'thumbnail' : 'detail' },
          prev_hash: hash,
        };
        const full = { ...base, hash: hashEvent(base) };
        insert.run({ ...full, details: canonicalJson(full.details) });
        hash = full.hash;
      }
    })();
    clockSeq = kase.custody.head().seq + 1;
    const cp = makeCheckpoint(kase, who, 'sign-out', { fromSeq, signOut: true });
    lines.push(receiptLine(cp.statement, cp.signature));
    session++;
    if (Date.now() - last > 10_000) {
      last = Date.now();
      log(`  generating: ${kase.custody.head().seq.toLocaleString('en')} of ${events.toLocaleString('en')} events`);
    }
  }
  writeFileSync(join(receiptsDir, receiptFileName(uuid)), lines.join('\n') + '\n');
  kase.close();
}

const secs = (ms: number): number => Math.round(ms / 10) / 100;

export function custodyBench(o: CustodyBenchOptions): CustodyFigures {
  const dir = join(o.base, `custody-${o.events}`);
  const receiptsDir = join(o.base, `custody-${o.events}-receipts`);
  const manifest = join(o.base, `custody-${o.events}.json`);
  const want = JSON.stringify({ version: VERSION, events: o.events });
  let generated = false;
  let generateSeconds: number | null = null;
  if (!existsSync(manifest) || readFileSync(manifest, 'utf8') !== want || !existsSync(join(dir, 'case.db'))) {
    o.log(`  generating a custody log of ${o.events.toLocaleString('en')} events (once; reused by later runs)`);
    const t = Date.now();
    generate(dir, receiptsDir, o.events, o.log);
    generateSeconds = secs(Date.now() - t);
    writeFileSync(manifest, want);
    generated = true;
  }

  // The examiner's command, as a child process.
  const bin = resolve(import.meta.dirname, '../../bin/evidence.js');
  let t = Date.now();
  const r = spawnSync(process.execPath, [bin, 'custody', 'verify', dir, '--json'], {
    env: { ...process.env, EVIDENCE_RECEIPTS_DIR: receiptsDir },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const cliSeconds = secs(Date.now() - t);
  let cliOk = false;
  try {
    cliOk = (JSON.parse(r.stdout) as { ok: boolean }).ok === true;
  } catch {
    o.log(`  custody verify printed no JSON (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
  }

  // Its parts, in this process.
  const kase = Case.open(dir, { readonly: true });
  try {
    t = Date.now();
    const chain = verifyChain(kase.db);
    const chainSeconds = secs(Date.now() - t);
    t = Date.now();
    verifyAttribution(kase.db);
    const attributionSeconds = secs(Date.now() - t);
    t = Date.now();
    const rc = verifyReceipts(kase.db, kase.info().uuid, { appDir: receiptsDir });
    const receiptsSeconds = secs(Date.now() - t);
    t = Date.now();
    verifyCustody(kase.db, [], { receipts: { appDir: receiptsDir } });
    const verifyCustodySeconds = secs(Date.now() - t);
    const checkpoints = (kase.db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n;
    const dbBytes = statSync(join(dir, 'case.db')).size;
    return {
      events: chain.events,
      checkpoints,
      receipts: rc.report.found,
      dbBytes,
      generated,
      generateSeconds,
      cliSeconds,
      cliOk,
      chainSeconds,
      attributionSeconds,
      receiptsSeconds,
      verifyCustodySeconds,
      target: 60,
      met: cliSeconds < 60,
    };
  } finally {
    kase.close();
  }
}

export function custodyReport(f: CustodyFigures): string[] {
  return [
    `Custody verify of ${f.events.toLocaleString('en')} events (${f.checkpoints.toLocaleString('en')} signed checkpoints, ${f.receipts.toLocaleString('en')} receipts, case.db ${(f.dbBytes / 1024 ** 2).toFixed(0)} MiB)`,
    `  evidence custody verify (child process): ${f.cliSeconds} s ${f.cliOk ? '(PASSED)' : '(DID NOT PASS: see above)'}; goal under ${f.target} s: ${f.met ? 'MET' : 'NOT MET'}`,
    `  in process: hash chain ${f.chainSeconds} s, attribution ${f.attributionSeconds} s, receipts ${f.receiptsSeconds} s, all of verifyCustody ${f.verifyCustodySeconds} s`,
    ...(f.generated ? [`  (the log was generated in this run: ${f.generateSeconds} s)`] : []),
  ];
}
