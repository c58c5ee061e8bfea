// Tampering with the chain of custody in a real case.db, and what `evidence verify` says. Also
// the exact hashing format, recomputed here from scratch (plain node:crypto and a sorted-keys
// JSON written in this file) so the README can document it and anyone can check a log with
// standard tools; and the time zones the log records.
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Case } from '../../src/core/case.ts';
import { closeSession, lastSignInSeq, openSession } from '../../src/core/custody/attribution.ts';
import { makeCheckpoint } from '../../src/core/custody/checkpoint.ts';
import { signIn } from '../../src/core/officers/accounts.ts';
import type { Clock } from '../../src/core/time.ts';
import {
  describeRun,
  initCase,
  TEST_PASSWORD,
  isSqliteCliAvailable,
  removeDir,
  runCli,
  sqlite3Cli,
  tempDir,
} from './robust-helpers.ts';

const GENESIS = '0'.repeat(64);
const HAS_SQLITE3 = isSqliteCliAvailable();
const NO_SQLITE3 = 'the sqlite3 command-line shell is not installed (apt-get install sqlite3): tampering through it is not tested';

/** Sorted-keys JSON, no whitespace; keys in code-point order (jq -S, Python sort_keys). */
function sortedJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
}

interface Row {
  seq: number;
  at_utc: string;
  tz_offset: string;
  tz_name: string;
  officer: string;
  host: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** The documented hash input of one row. */
function hashInput(r: Row): string {
  return sortedJson({
    seq: r.seq,
    at_utc: r.at_utc,
    tz_offset: r.tz_offset,
    tz_name: r.tz_name,
    officer: r.officer,
    host: r.host,
    action: r.action,
    target: r.target,
    reason: r.reason,
    details: JSON.parse(r.details) as unknown,
    prev_hash: r.prev_hash,
  });
}

const rowHash = (r: Row): string => createHash('sha256').update(hashInput(r), 'utf8').digest('hex');

function rows(dbFile: string): Row[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM custody_events ORDER BY seq').all() as Row[];
  } finally {
    db.close();
  }
}

function fixedClock(iso: string, zone: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => new Date(now), zoneName: () => zone, set: (s) => (now = new Date(s)) };
}

/** A single-quoted SQL string literal. */
const sql = (s: string): string => `'${s.replaceAll("'", "''")}'`;

interface ChainJson {
  ok: boolean;
  chain: { ok: boolean; firstBad: { seq: number; problem: string; message: string } | null };
}

describe('custody log: append-only, tamper-evident, documented format', { concurrency: false }, () => {
  let work: string;
  let template: string;
  let n = 0;
  /** A fresh copy of the template case to attack. */
  const copy = (): string => {
    const dst = join(work, `attack-${++n}`);
    cpSync(template, dst, { recursive: true });
    return dst;
  };

  before(() => {
    work = tempDir('custody');
    template = join(work, 'template');
    const src = join(work, 'export');
    mkdirSync(join(src, 'Download'), { recursive: true });
    writeFileSync(join(src, 'Download', 'contract.txt'), 'ការប្រគល់ប្រាក់ 5,000 USD\n');
    writeFileSync(join(src, 'メモ.txt'), '受け渡しは金曜日\n');
    initCase(template, undefined, undefined, ['EXH-001']);
    const r = runCli(['ingest', template, src, '--exhibit', 'EXH-001']);
    assert.equal(r.code, 0, describeRun(r));
    // Events with awkward details: scripts, astral characters, nesting, numbers, nulls, a date;
    // written in a signed session of the officer (unsigned events are an attack, see
    // custody-attacks.test.ts).
    const c = Case.open(template);
    const who = signIn(c, 'Sok Dara', TEST_PASSWORD);
    openSession(c, 'template', who, lastSignInSeq(c.db, who.name)!);
    c.custody.append({
      officer: 'Sok Dara',
      action: 'note.added',
      target: 'item:1',
      reason: 'ប្រាក់ — 現金 😀',
      details: {
        text: '受け渡しは金曜日 "quoted" \\ back\\slash\nnew line\ttab \u0001',
        '😀': 'astral key',
        '！': 'fullwidth key (sorts before the astral one by code point)',
        nested: { z: [3, { b: 2, a: 1 }], a: null, n: -0.5, big: 9007199254740991 },
        when: new Date('2026-11-29T01:02:03.004Z'),
      },
    });
    c.custody.append({ officer: 'Sok Dara', action: 'item.viewed', target: 'item:2', details: {} });
    c.custody.append({ officer: 'Sok Dara', action: 'tag.added', target: 'item:2', reason: 'relevant', details: { tag: 'cash' } });
    makeCheckpoint(c, who, 'sign-out', { signOut: true });
    closeSession(c, 'template');
    c.close();
  });

  after(() => {
    if (work) removeDir(work);
  });

  test('the template case verifies (exit 0) and has the events the attacks need', () => {
    const actions = rows(join(template, 'case.db')).map((r) => r.action);
    assert.equal(actions[0], 'case.created');
    const want = ['exhibit.recorded', 'ingest.started', 'ingest.finished', 'note.added', 'item.viewed', 'tag.added'];
    let at = 0;
    for (const a of want) {
      at = actions.indexOf(a, at);
      assert.ok(at > 0, `${a} recorded, in order: ${actions.join(', ')}`);
    }
    assert.ok(actions.length >= 7);
    const r = runCli(['verify', copy()]);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /Custody log: \d+ events, chain intact/);
  });

  test('(e) every hash recomputes from the documented encoding, independently of the app', () => {
    const rs = rows(join(template, 'case.db'));
    let prev = GENESIS;
    for (const r of rs) {
      assert.equal(r.prev_hash, prev, `event ${r.seq}: prev_hash is the previous row's hash (genesis: 64 zeros)`);
      assert.equal(rowHash(r), r.hash, `event ${r.seq} (${r.action}): sha256 of the canonical JSON`);
      assert.equal(r.details, sortedJson(JSON.parse(r.details)), `event ${r.seq}: details are stored in canonical form`);
      assert.match(r.hash, /^[0-9a-f]{64}$/);
      prev = r.hash;
    }
    assert.equal(rs[0]!.prev_hash, GENESIS);
    // Spelled out once, for the README: the exact bytes hashed for the note.
    const note = rs.find((r) => r.action === 'note.added')!;
    const input = hashInput(note);
    assert.ok(input.startsWith('{"action":"note.added","at_utc":"'), input.slice(0, 60));
    assert.ok(!/[\n ]"/.test(input.replace(/"(?:[^"\\]|\\.)*"/g, '""')), 'no whitespace between tokens');
    assert.ok(input.includes('"nested":{"a":null,"big":9007199254740991,"n":-0.5,"z":[3,{"a":1,"b":2}]}'));
    assert.ok(input.includes('"when":"2026-11-29T01:02:03.004Z"'), 'a date is recorded as its ISO string');
    assert.ok(input.indexOf('"！"') < input.indexOf('"😀"'), 'keys in code-point order');
    assert.ok(input.includes('ប្រាក់ — 現金 😀'), 'non-ASCII text is kept as UTF-8, not escaped');
  });

  test('(e) jq -cS gives the same bytes as the canonical encoding', { skip: spawnSync('jq', ['--version']).error ? 'jq is not installed' : false }, () => {
    for (const r of rows(join(template, 'case.db'))) {
      const obj = JSON.parse(hashInput(r)) as unknown;
      const jq = spawnSync('jq', ['-cS', '.'], { input: JSON.stringify(obj, null, 2), encoding: 'utf8' });
      assert.equal(jq.status, 0, jq.stderr);
      const viaJq = createHash('sha256').update(jq.stdout.replace(/\n$/, ''), 'utf8').digest('hex');
      assert.equal(viaJq, r.hash, `event ${r.seq}: jq -cS | sha256sum reproduces the hash`);
    }
  });

  test('(a) UPDATE and DELETE on custody_events are refused by the triggers', () => {
    const dir = copy();
    const db = new Database(join(dir, 'case.db'));
    try {
      assert.throws(() => db.prepare("UPDATE custody_events SET officer = 'X' WHERE seq = 3").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM custody_events WHERE seq = 3').run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM custody_events').run(), /append-only/);
    } finally {
      db.close();
    }
    assert.deepEqual(rows(join(dir, 'case.db')), rows(join(template, 'case.db')), 'nothing changed');
    if (HAS_SQLITE3) {
      const r = sqlite3Cli(join(dir, 'case.db'), "UPDATE custody_events SET officer = 'X' WHERE seq = 3;\n");
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /append-only/);
    }
  });

  // SQLite fires DELETE triggers for REPLACE conflict resolution only with recursive_triggers on,
  // so INSERT OR REPLACE swaps a row without dropping any trigger. Needs a BEFORE INSERT trigger
  // that aborts when NEW.seq already exists (a schema migration).
  test(
    '(a) INSERT OR REPLACE over an existing event is refused too',
    () => {
      const dir = copy();
      const db = new Database(join(dir, 'case.db'));
      try {
        assert.throws(
          () => db.prepare("INSERT OR REPLACE INTO custody_events SELECT seq, at_utc, tz_offset, tz_name, 'X', host, action, target, reason, details, prev_hash, hash FROM custody_events WHERE seq = 3").run(),
          /append-only/,
        );
      } finally {
        db.close();
      }
    },
  );

  test('(a) with the no-replace trigger dropped, a row swapped in with INSERT OR REPLACE is still caught by verify', () => {
    const dir = copy();
    const db = new Database(join(dir, 'case.db'));
    db.exec('DROP TRIGGER custody_events_no_replace');
    db.prepare(
      "INSERT OR REPLACE INTO custody_events SELECT seq, at_utc, tz_offset, tz_name, 'X', host, action, target, reason, details, prev_hash, hash FROM custody_events WHERE seq = 3",
    ).run();
    db.close();
    const r = runCli(['verify', dir]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /BROKEN at event 3: custody event 3 was altered after it was written/);
  });

  test('(b) trigger dropped, one field edited with sqlite3: verify exits 1 naming event 3 as altered', { skip: HAS_SQLITE3 ? false : NO_SQLITE3 }, () => {
    const dir = copy();
    const s = sqlite3Cli(join(dir, 'case.db'), "DROP TRIGGER custody_events_no_update; UPDATE custody_events SET officer='X' WHERE seq=3;\n");
    assert.equal(s.code, 0, s.stderr);
    assert.equal(rows(join(dir, 'case.db'))[2]!.officer, 'X');
    const r = runCli(['verify', dir]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /BROKEN at event 3: custody event 3 was altered after it was written/);
    assert.match(r.stdout, /Verification FAILED/);
    const j = runCli(['verify', dir, '--json']);
    assert.equal(j.code, 1);
    const rep = JSON.parse(j.stdout) as ChainJson;
    assert.equal(rep.ok, false);
    assert.equal(rep.chain.ok, false);
    assert.equal(rep.chain.firstBad?.seq, 3);
    assert.equal(rep.chain.firstBad?.problem, 'hash-mismatch');
  });

  test('(c) trigger dropped, middle rows deleted: verify names the first missing event', { skip: HAS_SQLITE3 ? false : NO_SQLITE3 }, () => {
    const dir = copy();
    const s = sqlite3Cli(join(dir, 'case.db'), 'DROP TRIGGER custody_events_no_delete; DELETE FROM custody_events WHERE seq IN (4, 5);\n');
    assert.equal(s.code, 0, s.stderr);
    const r = runCli(['verify', dir, '--json']);
    assert.equal(r.code, 1, describeRun(r));
    const rep = JSON.parse(r.stdout) as ChainJson;
    assert.equal(rep.chain.firstBad?.seq, 4);
    assert.equal(rep.chain.firstBad?.problem, 'gap');
    assert.match(rep.chain.firstBad!.message, /custody event 4 is missing/);
  });

  test('(d) row edited and its own hash recomputed: the NEXT event is named (broken link)', { skip: HAS_SQLITE3 ? false : NO_SQLITE3 }, () => {
    const dir = copy();
    const row3 = rows(join(dir, 'case.db'))[2]!;
    const forged: Row = { ...row3, officer: 'Someone Else', details: sortedJson({ ...JSON.parse(row3.details), source: '/elsewhere' }) };
    forged.hash = rowHash(forged);
    const s = sqlite3Cli(
      join(dir, 'case.db'),
      `DROP TRIGGER custody_events_no_update;
       UPDATE custody_events SET officer=${sql(forged.officer)}, details=${sql(forged.details)}, hash=${sql(forged.hash)} WHERE seq=3;\n`,
    );
    assert.equal(s.code, 0, s.stderr);
    const after3 = rows(join(dir, 'case.db'))[2]!;
    assert.equal(rowHash(after3), after3.hash, 'the forged row is self-consistent');
    const r = runCli(['verify', dir]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /BROKEN at event 4: custody event 4 does not follow event 3/);
  });

  test('a forged row appended past the head without the right hash is named', () => {
    const dir = copy();
    const db = new Database(join(dir, 'case.db'));
    const head = db.prepare('SELECT seq, hash FROM custody_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    db.prepare(
      `INSERT INTO custody_events (seq, at_utc, tz_offset, tz_name, officer, host, action, target, reason, details, prev_hash, hash)
       VALUES (?, '2026-11-29T00:00:00.000Z', '+00:00', 'UTC', 'X', 'h', 'item.exported', NULL, NULL, '{}', ?, ?)`,
    ).run(head.seq + 1, head.hash, 'f'.repeat(64));
    db.close();
    const r = runCli(['verify', dir]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, new RegExp(`BROKEN at event ${head.seq + 1}: custody event ${head.seq + 1} was altered`));
  });

  test('time zones: each event records the UTC instant, the offset in force and the zone name', () => {
    const dir = join(work, 'tz-case');
    const pp = fixedClock('2026-11-29T01:30:00.000Z', 'Asia/Phnom_Penh');
    const c1 = Case.create(dir, { name: 'Operation Mekong', number: 'KH-2026-0200', officer: 'Sok Dara' }, pp);
    pp.set('2026-11-29T01:31:15.250Z');
    c1.custody.append({ officer: 'Sok Dara', action: 'note.added', target: 'case', details: { text: 'seized at the border' } });
    c1.close();

    const tokyo = fixedClock('2026-11-30T09:00:00.000Z', 'Asia/Tokyo');
    const c2 = Case.open(dir, { clock: tokyo });
    c2.custody.append({ officer: 'Tanaka Yui', action: 'item.viewed', target: 'item:1', details: {} });
    // Zones with daylight saving and with half-hour offsets record the offset at that instant.
    const more: [string, string, string][] = [
      ['2026-07-01T12:00:00.000Z', 'America/New_York', '-04:00'],
      ['2026-01-15T12:00:00.000Z', 'America/New_York', '-05:00'],
      ['2026-03-01T00:00:00.000Z', 'Asia/Kolkata', '+05:30'],
      ['2026-03-01T00:00:00.000Z', 'Asia/Kathmandu', '+05:45'],
      ['2026-03-01T00:00:00.000Z', 'UTC', '+00:00'],
    ];
    for (const [at, zone] of more) {
      const clk = fixedClock(at, zone);
      const c = Case.open(dir, { clock: clk });
      c.custody.append({ officer: 'Auditor', action: 'item.viewed', target: 'item:1', details: { zone } });
      c.close();
    }
    c2.close();

    const rs = rows(join(dir, 'case.db'));
    const pick = (r: Row) => [r.action, r.at_utc, r.tz_offset, r.tz_name];
    assert.deepEqual(pick(rs[0]!), ['case.created', '2026-11-29T01:30:00.000Z', '+07:00', 'Asia/Phnom_Penh']);
    assert.deepEqual(pick(rs[1]!), ['note.added', '2026-11-29T01:31:15.250Z', '+07:00', 'Asia/Phnom_Penh']);
    assert.deepEqual(pick(rs[2]!), ['item.viewed', '2026-11-30T09:00:00.000Z', '+09:00', 'Asia/Tokyo']);
    for (let k = 0; k < more.length; k++) {
      const [at, zone, off] = more[k]!;
      assert.deepEqual(pick(rs[3 + k]!), ['item.viewed', at, off, zone]);
    }
    // The zone is part of what is hashed, and the chain stays intact across zones.
    let prev = GENESIS;
    for (const r of rs) {
      assert.equal(r.prev_hash, prev);
      assert.equal(rowHash(r), r.hash);
      prev = r.hash;
    }
    const db = new Database(join(dir, 'case.db'), { readonly: true });
    assert.equal((db.prepare('SELECT created_at FROM cases').get() as { created_at: string }).created_at, '2026-11-29T01:30:00.000Z');
    db.close();
    const log = runCli(['log', dir, '--json']);
    assert.equal(log.code, 0, describeRun(log));
    const events = JSON.parse(log.stdout) as Row[];
    assert.deepEqual(
      events.slice(0, 3).map((e) => [e.at_utc, e.tz_offset, e.tz_name]),
      [
        ['2026-11-29T01:30:00.000Z', '+07:00', 'Asia/Phnom_Penh'],
        ['2026-11-29T01:31:15.250Z', '+07:00', 'Asia/Phnom_Penh'],
        ['2026-11-30T09:00:00.000Z', '+09:00', 'Asia/Tokyo'],
      ],
    );
  });
});
