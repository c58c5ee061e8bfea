// Cellebrite UFDR reader: report.xml parsed streaming, its device paths, timestamps and hashes
// attached to the ZIP members they name (Local Path, backslashes), device info for the exhibit
// record, detection, and broken or missing reports.
import assert from 'node:assert/strict';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import {
  REPORT_MISSING_MEMBER,
  ReportXmlParser,
  UFDR_NAMESPACE,
  isUfdrCandidate,
  normaliseMemberPath,
  parseReportContent,
  ufdrDeviceInfo,
  ufdrReader,
  zipHasRootMember,
} from '../../src/core/sources/ufdr.ts';
import { type ContainerBytes, DEFAULT_LIMITS, type SourceEntry } from '../../src/core/sources/types.ts';
import { tempDir as fixtureDir, makeUfdr, md5Hex, sha256Hex, ufdrReportXml, writeZip, type UfdrFileSpec } from '../fixtures/devices.ts';

function tempDir(t: TestContext): string {
  const dir = fixtureDir('ufdr-test');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fileBytes = (path: string): ContainerBytes => ({ type: 'file', path, size: statSync(path).size });

async function collect(bytes: ContainerBytes, prefix = 'Exhibit7.ufdr'): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  for await (const e of ufdrReader.entries(bytes, { prefix, depth: 1, limits: DEFAULT_LIMITS })) out.push(e);
  return out;
}

function byPath(entries: SourceEntry[], path: string): SourceEntry {
  const e = entries.find((x) => x.path === path);
  assert.ok(e, `no entry ${path}; have ${entries.map((x) => x.path).join(', ')}`);
  return e;
}

test('detection: .ufdr by name, or a ZIP with report.xml at the root of its central directory', (t) => {
  const dir = tempDir(t);
  const fx = makeUfdr(dir);
  assert.equal(ufdrReader.kind, 'ufdr');
  assert.equal(isUfdrCandidate(fileBytes(fx.path), 'Exhibit7.ufdr'), true);
  assert.equal(isUfdrCandidate(fileBytes(fx.path), 'renamed.zip'), true);
  assert.equal(isUfdrCandidate({ type: 'bytes', data: fx.bytes }, 'inner.zip'), true);
  const plain = join(dir, 'plain.zip');
  writeFileSync(plain, writeZip([{ name: 'a.txt', data: Buffer.from('a') }, { name: 'sub/report.xml', data: Buffer.from('<x/>') }]));
  assert.equal(isUfdrCandidate(fileBytes(plain), 'plain.zip'), false, 'report.xml below the root does not count');
  assert.equal(isUfdrCandidate(fileBytes(plain), 'PLAIN.UFDR'), true, 'the name alone is enough');
  const notZip = join(dir, 'not.zip');
  writeFileSync(notZip, 'definitely not a zip');
  assert.equal(isUfdrCandidate(fileBytes(notZip), 'not.zip'), false);
  assert.equal(zipHasRootMember({ type: 'bytes', data: Buffer.alloc(0) }), false);
  // Many members before report.xml: the directory scan crosses its read-chunk boundaries.
  const many = writeZip([
    ...Array.from({ length: 30_000 }, (_, i) => ({ name: `files/Image/${String(i).padStart(6, '0')}-${'x'.repeat(20)}.jpg`, data: Buffer.alloc(0), method: 'store' as const })),
    { name: 'report.xml', data: Buffer.from('<project/>') },
  ]);
  const manyPath = join(dir, 'many.zip');
  writeFileSync(manyPath, many);
  assert.equal(zipHasRootMember(fileBytes(manyPath)), true);
});

test('normaliseMemberPath: Windows separators and leading ./ or /', () => {
  assert.equal(normaliseMemberPath('files\\Image\\IMG_0001.JPG'), 'files/Image/IMG_0001.JPG');
  assert.equal(normaliseMemberPath('.\\files\\a.txt'), 'files/a.txt');
  assert.equal(normaliseMemberPath('/files/a.txt'), 'files/a.txt');
});

test('ufdrDeviceInfo: make, model, IMEIs, OS, project and case facts for the exhibit record', async (t) => {
  const fx = makeUfdr(tempDir(t));
  const info = await ufdrDeviceInfo(fileBytes(fx.path));
  assert.ok(info);
  assert.equal(info.manufacturer, 'Apple');
  assert.equal(info.model, fx.device.model);
  assert.equal(info.osVersion, '17.4');
  assert.deepEqual(info.imei, fx.device.imei);
  assert.equal(info.namespace, UFDR_NAMESPACE);
  assert.equal(info.project['name'], 'Exhibit 7 - iPhone');
  assert.equal(info.project['reportVersion'], '5.2.0.0');
  assert.equal(info.extractions[0]?.['fullName'], 'Apple iPhone 11 (A2221)');
  assert.equal(info.caseInformation['Case Number'], '2025-0042');
  assert.deepEqual(info.sections['Device Info']?.['DeviceInfoOwnerName'], ['J. Doe & <not markup>']);
  assert.equal(info.sections['Additional Fields']?.['UFED_PA_Version']?.[0], '7.69.0.123');
  assert.equal(info.taggedFiles, fx.files.length);
  assert.deepEqual(info.problems, []);
  // In memory too (a UFDR found inside another container).
  const again = await ufdrDeviceInfo({ type: 'bytes', data: fx.bytes });
  assert.deepEqual(again, info);
  // A ZIP without report.xml has no device info.
  assert.equal(await ufdrDeviceInfo({ type: 'bytes', data: writeZip([{ name: 'a.txt', data: Buffer.from('a') }]) }), null);
});

/** The item path a tagged file gets: its device path under the container, unless that is unsafe as a path. */
const devicePathItem = (f: UfdrFileSpec, prefix = 'Exhibit7.ufdr'): string =>
  f.devicePath.split('/').includes('..') ? `${prefix}!/${f.localPath!.replace(/\\/g, '/')}` : `${prefix}!${f.devicePath}`;

test('members named by report.xml carry device path, timestamps, report id and expected hashes', async (t) => {
  const fx = makeUfdr(tempDir(t));
  const entries = await collect(fileBytes(fx.path));
  for (const f of fx.files.filter((x) => x.localPath !== null && !x.notInZip)) {
    const e = byPath(entries, devicePathItem(f));
    assert.equal(e.kind, 'file');
    assert.equal(e.extra?.['foundAt'], f.localPath!.replace(/\\/g, '/'), 'the ZIP member is kept as where it was found');
    assert.equal(e.name, devicePathItem(f).slice(devicePathItem(f).lastIndexOf('/') + 1));
    assert.ok(e.content, 'the member is still read from the ZIP');
    assert.equal(e.extra?.['devicePath'], f.devicePath);
    assert.equal(e.extra?.['deviceFs'], f.fs);
    assert.equal(e.extra?.['reportId'], f.id);
    assert.equal(e.extra?.['reportLocalPath'], f.localPath);
    assert.equal(e.extra?.['reportSize'], f.data.length);
    assert.deepEqual(e.extra?.['deviceTimestamps'], Object.fromEntries(f.times.map((x) => [x.name, x.value])));
    assert.deepEqual(e.expected, { md5: f.md5Override ?? md5Hex(f.data), sha256: sha256Hex(f.data) });
  }
  // The deliberately wrong MD5 is handed over as recorded: the pipeline compares and flags it.
  const wrong = byPath(entries, 'Exhibit7.ufdr!/private/var/mobile/Documents/wrong-hash.txt');
  assert.equal(wrong.expected?.md5, '0123456789abcdef0123456789abcdef');
  assert.notEqual(wrong.expected?.md5, md5Hex(fx.files[2]!.data));
  // A hostile device path is text in extra, nothing more: the member path is the ZIP's.
  const hostile = byPath(entries, 'Exhibit7.ufdr!/files/Text/passwd.txt');
  assert.equal(hostile.extra?.['devicePath'], '/private/var/mobile/Documents/../../../etc/passwd');
  // Members the report does not name are plain ZIP members.
  const untagged = byPath(entries, 'Exhibit7.ufdr!/files/Other/untagged.bin');
  assert.equal(untagged.extra?.['devicePath'], undefined);
  assert.equal(untagged.expected, undefined);
  byPath(entries, 'Exhibit7.ufdr!/Summary.pdf');
  // report.xml itself, with the report's summary.
  const report = byPath(entries, 'Exhibit7.ufdr!/report.xml');
  assert.equal(report.extra?.['ufdrReport'], true);
  assert.equal(report.extra?.['taggedFiles'], 7);
  assert.equal(report.extra?.['taggedFilesWithLocalPath'], 6);
  assert.equal(report.extra?.['taggedFilesWithoutLocalPath'], 1);
  assert.equal(report.error, null);
  // Listed in report.xml with a Local Path, absent from the ZIP: recorded as missing.
  const missing = byPath(entries, 'Exhibit7.ufdr!/private/var/mobile/Media/Recordings/missing.m4a');
  assert.equal(missing.extra?.['foundAt'], 'files/Audio/missing.m4a');
  assert.equal(missing.error, REPORT_MISSING_MEMBER);
  assert.equal(missing.content, null);
  assert.equal(missing.kind, 'file');
  assert.equal(missing.size, 'not in the zip'.length);
  assert.equal(missing.extra?.['devicePath'], '/private/var/mobile/Media/Recordings/missing.m4a');
  // The Local Path inside decodedData (a model, not a tagged file) is not taken for a file.
  assert.ok(!entries.some((e) => e.path.includes('not/a/tagged')));
  // Every ZIP member once, plus the one missing file.
  assert.equal(entries.length, 8 + 1);
});

test('a tagged file is listed under its device path with the report\'s times, deleted state and where it was found', async (t) => {
  const fx = makeUfdr(tempDir(t));
  const entries = await collect(fileBytes(fx.path));
  const w = byPath(entries, 'Exhibit7.ufdr!/private/var/mobile/Downloads/wallets.txt');
  assert.equal(w.name, 'wallets.txt');
  assert.equal(w.extra?.['foundAt'], 'files/Text/wallets.txt');
  assert.equal(w.birthtime, '2024-10-01T06:00:00.000Z');
  assert.equal(w.mtime, '2024-10-02T07:15:30.000Z');
  assert.equal(w.atime, '2024-10-03T10:00:00.000Z');
  assert.match(String(w.extra?.['timesFrom']), /extraction report/);
  assert.equal(w.extra?.['deviceDeletedState'], 'Deleted');
  // The ZIP's own time for the member is kept beside them, not lost.
  assert.ok(w.extra?.['containerTimes'] && 'mtime' in (w.extra['containerTimes'] as object));
  // A hostile device path ('..') is never made a path: the member path stays, the text in extra.
  const hostile = byPath(entries, 'Exhibit7.ufdr!/files/Text/passwd.txt');
  assert.equal(hostile.extra?.['devicePath'], '/private/var/mobile/Documents/../../../etc/passwd');
  // No two entries share a path.
  assert.equal(new Set(entries.map((e) => e.path)).size, entries.length);
});

test('two members with the same device path: both kept, the second marked [duplicate 2]', async (t) => {
  const dir = tempDir(t);
  const spec = (id: string, local: string): UfdrFileSpec => ({
    id,
    fs: 'FS',
    devicePath: '/data/media/0/Download/same.txt',
    localPath: local,
    data: Buffer.from(id),
    times: [],
  });
  const files = [spec('a', 'files\\Text\\same.txt'), spec('b', 'files\\Text\\same (1).txt')];
  const xml = ufdrReportXml(files, { manufacturer: 'Samsung', model: 'SM-G991B', imei: ['1'], osVersion: '14' });
  const path = join(dir, 'dup.ufdr');
  writeFileSync(
    path,
    writeZip([{ name: 'report.xml', data: Buffer.from(xml) }, ...files.map((f) => ({ name: f.localPath!.replace(/\\/g, '/'), data: f.data }))]),
  );
  const entries = await collect(fileBytes(path), 'dup.ufdr');
  const first = byPath(entries, 'dup.ufdr!/data/media/0/Download/same.txt');
  const second = byPath(entries, 'dup.ufdr!/data/media/0/Download/same.txt [duplicate 2]');
  assert.equal(first.extra?.['foundAt'], 'files/Text/same.txt');
  assert.equal(second.extra?.['foundAt'], 'files/Text/same (1).txt');
  assert.match(second.error ?? '', /duplicate name/);
});

test('the same UFDR held in memory gives the same facts', async (t) => {
  const fx = makeUfdr(tempDir(t));
  const a = await collect(fileBytes(fx.path));
  const b = await collect({ type: 'bytes', data: fx.bytes });
  const facts = (es: SourceEntry[]): unknown[] => es.map((e) => [e.path, e.extra?.['devicePath'] ?? null, e.expected ?? null, e.error]);
  assert.deepEqual(facts(b), facts(a));
});

test('report.xml is parsed streaming: one character at a time gives the same result', () => {
  const fx = makeUfdr(fixtureDir('ufdr-stream'));
  const whole = new ReportXmlParser({ files: true });
  whole.write(fx.reportXml);
  const a = whole.end();
  const drip = new ReportXmlParser({ files: true });
  for (const ch of '\ufeff' + fx.reportXml) drip.write(ch);
  const b = drip.end();
  assert.deepEqual([...b.files.entries()], [...a.files.entries()]);
  assert.deepEqual(b.info, a.info);
  assert.equal(a.files.size, 6);
  rmSync(fx.path, { force: true });
});

test('a large report (20,000 tagged files) streams from a deflated byte range', async (t) => {
  const dir = tempDir(t);
  const files: UfdrFileSpec[] = Array.from({ length: 20_000 }, (_, i) => ({
    id: `id-${i}`,
    fs: 'FS',
    devicePath: `/data/media/0/DCIM/${i}.jpg`,
    localPath: `files\\Image\\${i}.jpg`,
    data: Buffer.from(String(i)),
    times: [{ name: 'ModifyTime', value: '2025-01-01T00:00:00.000+00:00' }],
  }));
  const xml = Buffer.from(ufdrReportXml(files, { manufacturer: 'Samsung', model: 'SM-G991B', imei: ['1'], osVersion: '14' }));
  const z = deflateRawSync(xml);
  const path = join(dir, 'member.bin');
  writeFileSync(path, Buffer.concat([Buffer.from('HEADER--'), z, Buffer.from('TRAILER')]));
  const range = { type: 'range' as const, fsPath: path, offset: 8, length: z.length, codec: 'deflate-raw' as const, size: xml.length };
  const ok = await parseReportContent(range, { files: true, limits: DEFAULT_LIMITS });
  assert.equal(ok.error, null);
  assert.equal(ok.files.size, 20_000);
  assert.equal(ok.files.get('files/Image/19999.jpg')?.devicePath, '/data/media/0/DCIM/19999.jpg');
  assert.equal(ok.info.manufacturer, 'Samsung');
  // A member that decodes past its declared size is stopped (bomb guard), facts so far kept.
  const lying = await parseReportContent({ ...range, size: 100_000 }, { files: true, limits: DEFAULT_LIMITS });
  assert.match(lying.error ?? '', /more than the 100000 bytes the ZIP declares/);
  assert.ok(lying.files.size > 0 && lying.files.size < 20_000);
  // Bytes that are not XML: an error, not a crash.
  const junk = await parseReportContent({ type: 'bytes', data: z }, { files: true, limits: DEFAULT_LIMITS });
  assert.match(junk.error ?? '', /could not be fully parsed/);
});

test('a truncated report.xml: the error is on report.xml, facts before it kept, members still listed', async (t) => {
  const dir = tempDir(t);
  const fx = makeUfdr(dir);
  const cut = fx.reportXml.slice(0, fx.reportXml.indexOf('f-0003'));
  const path = join(dir, 'broken.ufdr');
  writeFileSync(
    path,
    writeZip([
      { name: 'report.xml', data: Buffer.from(cut) },
      ...fx.files.filter((f) => f.localPath && !f.notInZip).map((f) => ({ name: f.localPath!.replace(/\\/g, '/'), data: f.data })),
    ]),
  );
  const entries = await collect(fileBytes(path), 'broken.ufdr');
  const report = byPath(entries, 'broken.ufdr!/report.xml');
  assert.match(report.error ?? '', /report\.xml could not be fully parsed/);
  assert.equal(byPath(entries, 'broken.ufdr!/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG').extra?.['devicePath'], fx.files[0]!.devicePath);
  assert.equal(byPath(entries, 'broken.ufdr!/files/Text/wrong-hash.txt').extra?.['devicePath'], undefined);
});

test('a .ufdr without report.xml is listed as a ZIP with a note on the container', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'noreport.ufdr');
  writeFileSync(path, writeZip([{ name: 'files/a.txt', data: Buffer.from('a') }]));
  const entries = await collect(fileBytes(path), 'noreport.ufdr');
  byPath(entries, 'noreport.ufdr!/files/a.txt');
  assert.match(byPath(entries, 'noreport.ufdr!/').error ?? '', /no report\.xml/);
});

test('hashes that are not hex are kept as text, never used as expected hashes', () => {
  const p = new ReportXmlParser({ files: true });
  p.write(`<project xmlns="${UFDR_NAMESPACE}"><taggedFiles><file path="/a" id="1"><metadata section="File">
    <item name="Local Path">files\\a</item><item name="MD5">not-a-hash</item><item name="SHA256">ABCDEF</item>
    <item name="SHA1">${'A'.repeat(40)}</item></metadata></file></taggedFiles></project>`);
  const r = p.end();
  const rec = r.files.get('files/a');
  assert.ok(rec);
  assert.equal(rec.md5, null);
  assert.equal(rec.sha256, null);
  assert.equal(rec.sha1, 'a'.repeat(40));
  assert.deepEqual(rec.malformedHashes, { MD5: 'not-a-hash', SHA256: 'ABCDEF' });
});

test('a report in another namespace or with another root is noted, not trusted blindly', () => {
  const p = new ReportXmlParser({ files: true });
  p.write('<report><taggedFiles/></report>');
  const r = p.end();
  assert.match(r.info.problems.join('\n'), /root element is <report>/);
  assert.match(r.info.problems.join('\n'), /namespace is missing/);
});
