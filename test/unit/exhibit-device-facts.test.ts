// A UFDR's device facts onto its exhibit (issue 12 item 2b), through the real CLI as child
// processes: the extraction report's make, model, IMEI, serial, extraction type, tool and version
// fill the exhibit's empty fields; an IMEI the officer recorded that the report contradicts is a
// problem shown by the ingest and `exhibit show`, and the officer's entry is never overwritten;
// the custody state replay knows the event (verify passes, and a field edited afterwards is named).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { makeUfdr } from '../fixtures/devices.ts';
import { type CliResult, runCliChild, tempDir } from './helpers.ts';

const OFFICER = 'DS Lim';
/** Both pass the Luhn check: the officer's label says one, the phone reports the other. */
const RECORDED_IMEI = '356938035643809';
const REPORTED_IMEI = '490154203237518';

async function cli(args: string[]): Promise<CliResult> {
  return runCliChild(args, { env: { EVIDENCE_OFFICER: OFFICER } });
}

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.code, 0, `evidence ${args.join(' ')}\n${r.err}\n${r.out}`);
  return r.out;
}

interface ExhibitJson {
  number: string;
  device_make: string | null;
  device_model: string | null;
  serial: string | null;
  imei: string | null;
  extraction_type: string | null;
  extraction_tool: string | null;
  extraction_tool_version: string | null;
  device_problems: { field: string; recorded: string; reported: string[]; message: string; seq: number }[];
}

async function exhibitJson(casePath: string, number: string): Promise<ExhibitJson> {
  return JSON.parse(await ok(['exhibit', 'show', casePath, number, '--json'])) as ExhibitJson;
}

async function newCase(t: TestContext): Promise<{ dir: string; casePath: string }> {
  const dir = tempDir(t);
  const casePath = join(dir, 'case');
  await ok(['case', 'init', casePath, '--name', 'Operation Harbour', '--number', 'KH-2026-0007', '--officer', OFFICER]);
  return { dir, casePath };
}

test('UFDR into a recorded exhibit: empty fields filled, the IMEI mismatch shown, the officer entry kept, custody verifies', { timeout: 180_000 }, async (t) => {
  const { dir, casePath } = await newCase(t);
  await ok(['exhibit', 'add', casePath, '--number', 'EXH-7', '--make', 'Apple', '--imei', RECORDED_IMEI, '--seal', 'S-100']);
  const fx = makeUfdr(join(dir, 'exports'), { imei: [REPORTED_IMEI] });

  const out = await ok(['ingest', casePath, fx.path, '--exhibit', 'EXH-7']);
  assert.match(out, /exhibit EXH-7: filled from the extraction report: .*device model iPhone 11 \(A2221\)/);
  assert.match(out, /serial F2LZK0ABN72J/);
  assert.match(out, new RegExp(`EXHIBIT EXH-7 MISMATCH: IMEI recorded by the officer is ${RECORDED_IMEI}, the extraction report says ${REPORTED_IMEI}`));

  const e = await exhibitJson(casePath, 'EXH-7');
  assert.equal(e.imei, RECORDED_IMEI, "the officer's IMEI is never overwritten");
  assert.equal(e.device_make, 'Apple');
  assert.equal(e.device_model, 'iPhone 11 (A2221)');
  assert.equal(e.serial, 'F2LZK0ABN72J');
  assert.equal(e.extraction_type, 'Full File System');
  assert.equal(e.extraction_tool, 'UFED 4PC');
  assert.equal(e.extraction_tool_version, '7.69.0.123');
  assert.equal(e.device_problems.length, 1, JSON.stringify(e.device_problems));
  assert.equal(e.device_problems[0]!.field, 'imei');
  assert.deepEqual(e.device_problems[0]!.reported, [REPORTED_IMEI]);

  const text = await ok(['exhibit', 'show', casePath, 'EXH-7']);
  assert.match(text, new RegExp(`PROBLEM: +IMEI: the officer recorded ${RECORDED_IMEI}, the extraction report says ${REPORTED_IMEI}`));
  assert.match(text, /extracted: Full File System with UFED 4PC 7\.69\.0\.123/);
  assert.match(text, /exhibit\.device-reported/);
  assert.match(await ok(['exhibit', 'ls', casePath]), new RegExp(`${RECORDED_IMEI} \\(! 1 disagree with the extraction report\\)`));
  // Make matched ("Apple"): no problem for it.
  assert.doesNotMatch(text, /device make: the officer recorded/);

  // The printed chain-of-custody form carries the disagreement and what the report filled in.
  const form = await ok(['log', casePath, '--form', 'EXH-7']);
  assert.match(form, new RegExp(`DISAGREES +IMEI: the officer recorded ${RECORDED_IMEI}, the extraction report says ${REPORTED_IMEI}`));
  assert.match(form, /Extraction +Full File System with UFED 4PC 7\.69\.0\.123/);
  assert.match(form, /Device facts from the extraction report by DS Lim/);
  assert.match(form, /filled: device model iPhone 11 \(A2221\), .*serial number F2LZK0ABN72J/);
  assert.match(form, new RegExp(`disagrees: IMEI recorded ${RECORDED_IMEI}, report ${REPORTED_IMEI}`));

  // The state replay knows exhibit.device-reported: the filled fields are what the log says.
  const v = await cli(['custody', 'verify', casePath]);
  assert.equal(v.code, 0, `${v.err}\n${v.out}`);

  // Running the ingest again (the same export, a new source) fills nothing twice and changes nothing.
  await ok(['ingest', casePath, fx.path, '--exhibit', 'EXH-7', '--again', '--reason', 'second look']);
  const again = await exhibitJson(casePath, 'EXH-7');
  assert.equal(again.imei, RECORDED_IMEI);
  assert.equal(again.device_problems.length, 2, 'each report of the exhibit is compared');
  assert.equal((await cli(['custody', 'verify', casePath])).code, 0);

  // A filled field edited behind the log's back is named by verify.
  const db = new Database(join(casePath, 'case.db'));
  db.prepare("UPDATE exhibits SET serial = 'TAMPERED', extraction_tool = 'other tool' WHERE number = 'EXH-7'").run();
  db.close();
  const bad = await cli(['custody', 'verify', casePath]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out + bad.err, /exhibit EXH-7: serial number is "TAMPERED", the log says "F2LZK0ABN72J"/);
  assert.match(bad.out + bad.err, /exhibit EXH-7: extraction tool is "other tool", the log says "UFED 4PC"/);
});

test('exhibit recorded by its number only: the ingest fills every device fact from the report, and the chain verifies', { timeout: 180_000 }, async (t) => {
  const { dir, casePath } = await newCase(t);
  const fx = makeUfdr(join(dir, 'exports'), { imei: [REPORTED_IMEI] });
  // An ingest needs an exhibit the case holds: the officer records its number (and seal) first.
  await ok(['exhibit', 'add', casePath, '--number', 'EXH-9', '--seal', 'S-9']);
  const out = await ok(['ingest', casePath, fx.path, '--exhibit', 'EXH-9']);
  assert.doesNotMatch(out, /MISMATCH/);
  const e = await exhibitJson(casePath, 'EXH-9');
  assert.equal(e.imei, REPORTED_IMEI);
  assert.equal(e.device_make, 'Apple');
  assert.equal(e.device_model, 'iPhone 11 (A2221)');
  assert.equal(e.device_problems.length, 0);
  const v = await cli(['custody', 'verify', casePath]);
  assert.equal(v.code, 0, `${v.err}\n${v.out}`);
});
