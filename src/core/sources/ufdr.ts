// Cellebrite UFDR: a ZIP holding the extracted files (under files/...) and report.xml
// (namespace http://pa.cellebrite.com/report/2.0), which says for each tagged file where it was
// on the device, its device timestamps, the ZIP member holding it ("Local Path", Windows
// separators) and often the MD5/SHA-256 the extraction tool computed.
//
// The ZIP is read by zipReader; report.xml is parsed streaming (real reports run to hundreds of
// MB) straight from its member's bytes, keeping only a map from Local Path to a small record.
// Then the ZIP's members are yielded with the report's facts attached: device path and
// timestamps in `extra`, the tool's hashes in `expected` (the pipeline compares them with its
// own and flags a mismatch). Device paths are untrusted text: never used as file-system paths.
import { constants, openSync, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { errorMessage } from '../errors.ts';
import { type RandomAccess, centralDirectory, findEnd, openRandomAccess, zipView } from '../formats/zip.ts';
import { zipReader } from './zip.ts';
import type { Content, ContainerBytes, ContainerContext, ContainerLimits, ContainerReader, SourceEntry } from './types.ts';
import { blankEntry, DEFAULT_LIMITS } from './types.ts';
import { NameIndex } from './detect.ts';

export const UFDR_NAMESPACE = 'http://pa.cellebrite.com/report/2.0';
export const REPORT_MISSING_MEMBER = 'listed in report.xml but missing from the UFDR';

/** What report.xml says about one tagged file. */
export interface UfdrFileRecord {
  reportId: string | null;
  devicePath: string | null;
  deviceFs: string | null;
  deleted: string | null;
  reportSize: number | null;
  /** Local Path exactly as the report writes it (backslashes kept). */
  localPath: string;
  deviceTimestamps: Record<string, string>;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  /** Hash values in the report that are not well-formed hex (kept as text, not compared). */
  malformedHashes: Record<string, string> | null;
  matched: boolean;
}

export interface UfdrDeviceInfo {
  manufacturer: string | null;
  model: string | null;
  osVersion: string | null;
  imei: string[];
  serialNumbers: string[];
  phoneNumbers: string[];
  namespace: string | null;
  project: Record<string, string>;
  extractions: Record<string, string>[];
  caseInformation: Record<string, string>;
  /** Every item of the project-level metadata sections: section -> name -> values. */
  sections: Record<string, Record<string, string[]>>;
  taggedFiles: number;
  problems: string[];
}

export interface UfdrReport {
  info: UfdrDeviceInfo;
  /** Keyed by normalised Local Path (forward slashes, no leading './' or '/'). */
  files: Map<string, UfdrFileRecord>;
  /** Tagged files with no Local Path (listed, not extracted into the UFDR). */
  withoutLocalPath: number;
  /** Report entries whose Local Path repeats an earlier one (the first is kept). */
  duplicateLocalPaths: number;
  error: string | null;
}

/** Local Path or member name as one key: '\' -> '/', no leading './' or '/'. */
export function normaliseMemberPath(p: string): string {
  let s = p.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  while (s.startsWith('/')) s = s.slice(1);
  return s;
}

const MAX_TEXT = 16 * 1024;
const MAX_SECTION_ITEMS = 5000;
const MAX_EXTRACTIONS = 256;
const MAX_TIMESTAMPS = 32;
const HEX = { md5: /^[0-9a-f]{32}$/, sha1: /^[0-9a-f]{40}$/, sha256: /^[0-9a-f]{64}$/ } as const;

function hashKind(name: string): 'md5' | 'sha1' | 'sha256' | null {
  const n = name.toLowerCase().replace(/[\s_-]/g, '');
  if (n === 'md5') return 'md5';
  if (n === 'sha1') return 'sha1';
  if (n === 'sha256') return 'sha256';
  return null;
}

const local = (name: string): string => {
  const i = name.indexOf(':');
  return i >= 0 ? name.slice(i + 1) : name;
};

/**
 * A streaming report.xml parser: write() text chunks, then end(). Keeps the device facts (every
 * item of the project-level metadata sections: "Additional Fields", "Extraction Data", "Device
 * Info" and any other, bounded in number and length) and
 * (when `files` is set) one small record per tagged file that has a Local Path.
 */
export class ReportXmlParser {
  private readonly parser = new SaxesParser({ xmlns: false, position: false });
  private readonly stack: string[] = [];
  private readonly wantFiles: boolean;
  private readonly maxFiles: number;
  readonly report: UfdrReport;
  private file: {
    rec: Omit<UfdrFileRecord, 'localPath'> & { localPath: string | null };
    depth: number;
    section: string | null;
  } | null = null;
  private capture: { kind: 'timestamp' | 'fileItem' | 'sectionItem' | 'caseField'; name: string; text: string; section: string } | null =
    null;
  private projectSection: string | null = null;
  private sectionItems = 0;
  private first = true;

  constructor(opts: { files: boolean; maxFiles?: number }) {
    this.wantFiles = opts.files;
    this.maxFiles = opts.maxFiles ?? Number.MAX_SAFE_INTEGER;
    this.report = {
      info: {
        manufacturer: null,
        model: null,
        osVersion: null,
        imei: [],
        serialNumbers: [],
        phoneNumbers: [],
        namespace: null,
        project: {},
        extractions: [],
        caseInformation: {},
        sections: {},
        taggedFiles: 0,
        problems: [],
      },
      files: new Map(),
      withoutLocalPath: 0,
      duplicateLocalPaths: 0,
      error: null,
    };
    const p = this.parser;
    p.on('opentag', (tag) => this.open(local(tag.name), tag.attributes as Record<string, string>));
    p.on('closetag', () => this.close());
    p.on('text', (t) => this.text(t));
    p.on('cdata', (t) => this.text(t));
  }

  write(chunk: string): void {
    if (this.first) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.parser.write(chunk);
  }

  end(): UfdrReport {
    this.parser.close();
    this.finishInfo();
    return this.report;
  }

  /** Fills the summary fields from what was collected (also after a parse error). */
  finishInfo(): void {
    const info = this.report.info;
    const find = (...names: string[]): string | null => {
      for (const n of names) {
        for (const section of Object.values(info.sections)) {
          const v = section[n]?.find((x) => x.trim() !== '');
          if (v !== undefined) return v.trim();
        }
      }
      return null;
    };
    const all = (re: RegExp): string[] => {
      const out = new Set<string>();
      for (const section of Object.values(info.sections)) {
        for (const [n, vals] of Object.entries(section)) if (re.test(n)) for (const v of vals) if (v.trim()) out.add(v.trim());
      }
      return [...out];
    };
    info.manufacturer = find('DeviceInfoDetectedManufacturer', 'DeviceInfoSelectedManufacturer', 'Manufacturer');
    info.model = find('DeviceInfoDetectedModel', 'DeviceInfoSelectedDeviceName', 'DeviceInfoDetectedPhoneModel', 'Model');
    info.osVersion = find('DeviceInfoOSVersion', 'OS Version', 'DeviceInfoDetectedOSVersion');
    info.imei = all(/imei/i);
    info.serialNumbers = all(/serial/i);
    info.phoneNumbers = all(/(msisdn|phone ?number|DeviceInfoPhoneNumber|Last Used MSISDN)/i);
  }

  private parent(): string | undefined {
    return this.stack[this.stack.length - 1];
  }

  private open(name: string, attrs: Record<string, string>): void {
    const parent = this.parent();
    const depth = this.stack.length;
    this.stack.push(name);
    const info = this.report.info;
    if (depth === 0) {
      if (name !== 'project') info.problems.push(`report.xml root element is <${name}>, not <project>`);
      info.namespace = attrs['xmlns'] ?? null;
      if (info.namespace !== UFDR_NAMESPACE) {
        info.problems.push(`report.xml namespace is ${info.namespace ?? 'missing'}, not ${UFDR_NAMESPACE}`);
      }
      for (const k of ['id', 'name', 'reportVersion', 'extractionType', 'licenseID', 'containsGarbage']) {
        if (attrs[k] !== undefined) info.project[k] = attrs[k].slice(0, MAX_TEXT);
      }
      return;
    }
    if (this.file) {
      const f = this.file;
      if (name === 'timestamp' && parent === 'accessInfo') {
        this.capture = { kind: 'timestamp', name: attrs['name'] ?? '', text: '', section: '' };
      } else if (name === 'metadata' && depth === f.depth + 1) {
        f.section = attrs['section'] ?? '';
      } else if (name === 'item' && parent === 'metadata' && depth === f.depth + 2) {
        this.capture = { kind: 'fileItem', name: attrs['name'] ?? '', text: '', section: f.section ?? '' };
      }
      return;
    }
    if (depth === 1 && name === 'metadata') {
      this.projectSection = attrs['section'] ?? '';
      return;
    }
    if (depth === 2 && name === 'item' && this.projectSection !== null) {
      this.capture = { kind: 'sectionItem', name: attrs['name'] ?? '', text: '', section: this.projectSection };
      return;
    }
    if (depth === 2 && name === 'extractionInfo' && parent === 'sourceExtractions') {
      if (info.extractions.length < MAX_EXTRACTIONS) {
        const o: Record<string, string> = {};
        for (const [k, v] of Object.entries(attrs)) o[k] = v.slice(0, MAX_TEXT);
        info.extractions.push(o);
      }
      return;
    }
    if (depth === 2 && name === 'field' && parent === 'caseInformation') {
      this.capture = { kind: 'caseField', name: attrs['name'] ?? '', text: '', section: '' };
      return;
    }
    if (depth === 2 && name === 'file' && parent === 'taggedFiles') {
      info.taggedFiles++;
      if (!this.wantFiles) return;
      const size = attrs['size'] !== undefined && /^\d+$/.test(attrs['size']) ? Number(attrs['size']) : null;
      this.file = {
        depth,
        section: null,
        rec: {
          reportId: attrs['id'] ?? null,
          devicePath: attrs['path'] ?? null,
          deviceFs: attrs['fs'] ?? null,
          deleted: attrs['deleted'] ?? null,
          reportSize: size,
          localPath: null,
          deviceTimestamps: {},
          md5: null,
          sha1: null,
          sha256: null,
          malformedHashes: null,
          matched: false,
        },
      };
    }
  }

  private text(t: string): void {
    const c = this.capture;
    if (c && c.text.length < MAX_TEXT) c.text += t.slice(0, MAX_TEXT - c.text.length);
  }

  private close(): void {
    const name = this.stack.pop();
    const depth = this.stack.length;
    const c = this.capture;
    if (c && (name === 'timestamp' || name === 'item' || name === 'field')) {
      this.capture = null;
      this.finishCapture(c);
      return;
    }
    if (this.file && depth === this.file.depth && name === 'file') {
      this.finishFile(this.file.rec);
      this.file = null;
      return;
    }
    if (this.file && name === 'metadata' && depth === this.file.depth + 1) this.file.section = null;
    if (depth === 1 && name === 'metadata') this.projectSection = null;
  }

  private finishCapture(c: NonNullable<ReportXmlParser['capture']>): void {
    const info = this.report.info;
    if (c.kind === 'sectionItem') {
      if (this.sectionItems >= MAX_SECTION_ITEMS) return;
      this.sectionItems++;
      const section = (info.sections[c.section] ??= {});
      (section[c.name] ??= []).push(c.text);
      return;
    }
    if (c.kind === 'caseField') {
      if (Object.keys(info.caseInformation).length < MAX_SECTION_ITEMS) info.caseInformation[c.name] ??= c.text.trim();
      return;
    }
    const f = this.file?.rec;
    if (!f) return;
    if (c.kind === 'timestamp') {
      if (Object.keys(f.deviceTimestamps).length < MAX_TIMESTAMPS && !(c.name in f.deviceTimestamps)) {
        f.deviceTimestamps[c.name] = c.text.trim();
      }
      return;
    }
    // An item of the file's metadata: Local Path and hashes, from the File or MetaData section.
    if (c.name === 'Local Path') {
      if (f.localPath === null) f.localPath = c.text.trim();
      return;
    }
    const kind = hashKind(c.name);
    if (kind) {
      const v = c.text.trim().toLowerCase();
      if (HEX[kind].test(v)) {
        if (f[kind] === null) f[kind] = v;
      } else if (v !== '') {
        (f.malformedHashes ??= {})[c.name] = c.text.trim().slice(0, 200);
      }
    }
  }

  private finishFile(f: Omit<UfdrFileRecord, 'localPath'> & { localPath: string | null }): void {
    if (f.localPath === null || f.localPath === '') {
      this.report.withoutLocalPath++;
      return;
    }
    const key = normaliseMemberPath(f.localPath);
    if (this.report.files.has(key)) {
      this.report.duplicateLocalPaths++;
      return;
    }
    if (this.report.files.size >= this.maxFiles) return;
    this.report.files.set(key, f as UfdrFileRecord);
  }
}

// ---------------------------------------------------------------------------------------------

function decoderFor(codec: 'none' | 'deflate-raw' | 'gzip' | 'zlib'): NodeJS.ReadWriteStream | null {
  switch (codec) {
    case 'deflate-raw':
      return createInflateRaw();
    case 'gzip':
      return createGunzip();
    case 'zlib':
      return createInflate();
    default:
      return null;
  }
}

/** A member's decoded bytes as a stream (report.xml only; the pipeline reads the others). */
export function openContent(c: Content): Readable {
  switch (c.type) {
    case 'bytes':
      return Readable.from([Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)]);
    case 'file':
      // Opened here without following a link; the stream owns (and closes) the descriptor.
      return createReadStream('', { fd: openSync(Buffer.from(c.fsPath), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)) });
    case 'stream':
      return c.open();
    case 'range': {
      const raw =
        c.length > 0 ? createReadStream(c.fsPath, { start: c.offset, end: c.offset + c.length - 1 }) : Readable.from([]);
      const dec = decoderFor(c.codec);
      if (!dec) return raw;
      const out = dec as unknown as Readable;
      raw.on('error', (err: Error) => out.destroy(err));
      out.on('close', () => raw.destroy());
      return raw.pipe(dec) as unknown as Readable;
    }
  }
}

/** Parses report.xml from a member's content, streaming; errors are kept on the report. */
export async function parseReportContent(
  content: Content,
  opts: { files: boolean; limits: ContainerLimits },
): Promise<UfdrReport> {
  const p = new ReportXmlParser({ files: opts.files, maxFiles: opts.limits.maxEntries });
  const declared = content.type === 'range' ? content.size : content.type === 'bytes' ? content.data.byteLength : null;
  const cap = Math.min(opts.limits.maxTotalBytes, declared === null ? Number.MAX_SAFE_INTEGER : declared + 1);
  const stream = openContent(content);
  const td = new TextDecoder('utf-8');
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > cap) {
        throw new Error(
          declared !== null && read > declared
            ? `report.xml decodes to more than the ${declared} bytes the ZIP declares`
            : `report.xml is larger than the byte limit (${opts.limits.maxTotalBytes})`,
        );
      }
      p.write(td.decode(chunk, { stream: true }));
    }
    p.write(td.decode());
    p.end();
  } catch (err) {
    stream.destroy();
    p.finishInfo();
    p.report.error = `report.xml could not be fully parsed (${errorMessage(err)}); facts read before the error are kept`;
  }
  return p.report;
}

function prefixOf(ctx: ContainerContext): string {
  return `${ctx.prefix}!/`;
}

/** Finds report.xml at the root of the ZIP and parses it. Null when there is none. */
async function readReport(
  bytes: ContainerBytes,
  ctx: ContainerContext,
  files: boolean,
): Promise<{ report: UfdrReport | null; member: string | null; problem: string | null }> {
  const pre = prefixOf(ctx);
  for await (const e of zipReader.entries(bytes, ctx)) {
    if (!e.path.startsWith(pre)) continue;
    const member = e.path.slice(pre.length);
    if (member.toLowerCase() !== 'report.xml' || e.kind !== 'file') continue;
    if (!e.content) {
      return { report: null, member, problem: `report.xml could not be read${e.error ? `: ${e.error}` : ''}` };
    }
    return { report: await parseReportContent(e.content, { files, limits: ctx.limits }), member, problem: null };
  }
  return { report: null, member: null, problem: null };
}

/** Device and extraction facts from a UFDR's report.xml, for the exhibit record. */
export async function ufdrDeviceInfo(bytes: ContainerBytes, limits: ContainerLimits = DEFAULT_LIMITS): Promise<UfdrDeviceInfo | null> {
  const { report, problem } = await readReport(bytes, { prefix: '', depth: 1, limits }, false);
  if (!report) {
    if (!problem) return null;
    const p = new ReportXmlParser({ files: false });
    p.finishInfo();
    p.report.info.problems.push(problem);
    return p.report.info;
  }
  if (report.error) report.info.problems.push(report.error);
  return report.info;
}

export const ufdrReader: ContainerReader = {
  kind: 'ufdr',
  async *entries(bytes: ContainerBytes, ctx: ContainerContext): AsyncGenerator<SourceEntry> {
    let report: UfdrReport | null = null;
    let reportMember: string | null = null;
    let problem: string | null = null;
    try {
      ({ report, member: reportMember, problem } = await readReport(bytes, ctx, true));
    } catch (err) {
      // The ZIP itself is broken: zipReader below records that as it sees it.
      problem = `report.xml could not be read: ${errorMessage(err)}`;
    }
    const files = report?.files ?? new Map<string, UfdrFileRecord>();
    const pre = prefixOf(ctx);
    // Item paths stay unique per container: device paths and untagged member paths share one index.
    const names = new NameIndex();
    let yielded = 0;
    for await (const e of zipReader.entries(bytes, ctx)) {
      yielded++;
      if (!e.path.startsWith(pre)) {
        yield e;
        continue;
      }
      const member = e.path.slice(pre.length);
      if (reportMember !== null && member === reportMember) {
        e.extra = {
          ...e.extra,
          ufdrReport: true,
          taggedFiles: report?.info.taggedFiles ?? null,
          taggedFilesWithLocalPath: report ? report.files.size : null,
          taggedFilesWithoutLocalPath: report?.withoutLocalPath ?? null,
          duplicateLocalPaths: report?.duplicateLocalPaths ?? null,
          ...(report ? { deviceInfo: report.info } : {}),
        };
        const msg = report?.error ?? problem;
        if (msg) e.error = e.error ? `${e.error}; ${msg}` : msg;
        placeUnique(e, pre, names);
        yield e;
        continue;
      }
      const rec = e.kind === 'file' ? files.get(normaliseMemberPath(member)) : undefined;
      if (rec && !rec.matched) {
        rec.matched = true;
        e.extra = {
          ...e.extra,
          ...onDevice(e, rec, pre),
          devicePath: rec.devicePath,
          deviceFs: rec.deviceFs,
          deviceTimestamps: rec.deviceTimestamps,
          reportId: rec.reportId,
          reportLocalPath: rec.localPath,
          ...(rec.deleted !== null ? { deviceDeletedState: rec.deleted } : {}),
          ...(rec.reportSize !== null ? { reportSize: rec.reportSize } : {}),
          ...(rec.malformedHashes ? { reportMalformedHashes: rec.malformedHashes } : {}),
        };
        placeUnique(e, pre, names);
        const expected: { md5?: string; sha1?: string; sha256?: string } = {};
        if (rec.md5) expected.md5 = rec.md5;
        if (rec.sha1) expected.sha1 = rec.sha1;
        if (rec.sha256) expected.sha256 = rec.sha256;
        if (Object.keys(expected).length) e.expected = expected;
      } else {
        placeUnique(e, pre, names);
      }
      yield e;
    }
    if (!report && reportMember === null && yielded > 0) {
      // Not a UFDR after all (or its report is unreadable): say so once, on the container.
      yield containerNote(ctx, problem ?? 'no report.xml at the root of this UFDR: members catalogued as a plain ZIP');
    }
    // Files the report says were extracted but that the ZIP does not hold.
    for (const rec of files.values()) {
      if (rec.matched) continue;
      if (++yielded > ctx.limits.maxEntries) break;
      const path = `${pre}${normaliseMemberPath(rec.localPath)}`;
      const e = blankEntry(path, 'other');
      // A file the report lists as extracted: recorded as a file with no bytes, and why.
      e.kind = 'file';
      e.size = rec.reportSize;
      e.error = REPORT_MISSING_MEMBER;
      e.extra = {
        ...onDevice(e, rec, pre),
        devicePath: rec.devicePath,
        deviceFs: rec.deviceFs,
        deviceTimestamps: rec.deviceTimestamps,
        reportId: rec.reportId,
        reportLocalPath: rec.localPath,
        missingFromUfdr: true,
      };
      const expected: { md5?: string; sha1?: string; sha256?: string } = {};
      if (rec.md5) expected.md5 = rec.md5;
      if (rec.sha256) expected.sha256 = rec.sha256;
      if (Object.keys(expected).length) e.extra['reportedHashes'] = expected;
      placeUnique(e, pre, names);
      yield e;
    }
  },
};

/** Where report.xml's device timestamps go on the item (names as Cellebrite writes them). */
const TIME_FIELDS: Record<string, 'birthtime' | 'mtime' | 'atime' | 'ctime'> = {
  creationtime: 'birthtime',
  createtime: 'birthtime',
  created: 'birthtime',
  modifytime: 'mtime',
  modificationtime: 'mtime',
  modified: 'mtime',
  accesstime: 'atime',
  lastaccesstime: 'atime',
  accessed: 'atime',
  changetime: 'ctime',
  metadatachangetime: 'ctime',
};

export const TIMES_FROM_REPORT = 'extraction report (report.xml device timestamps)';

/** A device path usable as the item's path: absolute, no '.'/'..'/empty parts, no control characters. */
function usableDevicePath(p: string | null): string | null {
  if (p === null) return null;
  const s = p.replace(/\\/g, '/');
  // eslint-disable-next-line no-control-regex
  if (!s.startsWith('/') || s.length < 2 || /[\x00-\x1f\x7f]/.test(s) || s.includes('!/')) return null;
  const parts = s.slice(1).split('/');
  if (parts.some((x) => x === '' || x === '.' || x === '..')) return null;
  return parts.join('/');
}

/**
 * The examiner's view of a tagged file: the device path becomes the item's path (under the
 * container, 'Exhibit7.ufdr!/private/var/...'), the report's timestamps its times, and the ZIP
 * member is kept as where it was found. A device path that is unsafe or odd as a path (relative,
 * '..', control characters) leaves the member path in place; the text stays in extra. Returns the
 * extra fields to add.
 */
function onDevice(e: SourceEntry, rec: UfdrFileRecord, pre: string): Record<string, unknown> {
  const out: Record<string, unknown> = { foundAt: e.path.slice(pre.length) };
  const dev = usableDevicePath(rec.devicePath);
  if (dev !== null) {
    e.path = `${pre}${dev}`;
    e.name = dev.slice(dev.lastIndexOf('/') + 1);
    e.pathRaw = null;
  }
  const zipTimes = { mtime: e.mtime, ctime: e.ctime, atime: e.atime, birthtime: e.birthtime };
  let used = false;
  for (const [name, value] of Object.entries(rec.deviceTimestamps)) {
    const field = TIME_FIELDS[name.toLowerCase().replace(/[\s_-]/g, '')];
    if (!field || !value) continue;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) continue;
    e[field] = new Date(ms).toISOString();
    used = true;
  }
  if (used) {
    out['timesFrom'] = TIMES_FROM_REPORT;
    out['containerTimes'] = zipTimes;
  }
  return out;
}

/** Gives the entry a path no earlier entry of this container has (a ' [duplicate N]' mark and a note). */
function placeUnique(e: SourceEntry, pre: string, names: NameIndex): void {
  if (!e.path.startsWith(pre)) return;
  const placed = names.place(e.path.slice(pre.length));
  if (placed.member === e.path.slice(pre.length)) return;
  e.path = `${pre}${placed.member}`;
  if (placed.note) e.error = e.error ? `${e.error}; ${placed.note}` : placed.note;
}

function containerNote(ctx: ContainerContext, message: string): SourceEntry {
  const e = blankEntry(`${ctx.prefix}!/`, 'other');
  e.name = '';
  e.error = message;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Detection: a ZIP is a UFDR when it is named .ufdr or its central directory has report.xml at
// the root. Only the central directory's records are read (through formats/zip.ts; no member
// is), so checking every ZIP found in an ingest costs one pass over its directory records.

/** True when the ZIP's central directory lists a member named `wanted` (case-insensitive). */
export function zipHasRootMember(bytes: ContainerBytes, wanted = 'report.xml'): boolean {
  let ra: RandomAccess;
  try {
    ra = openRandomAccess(bytes);
  } catch {
    return false;
  }
  try {
    const end = findEnd(ra);
    if (!end) return false;
    const target = wanted.toLowerCase();
    for (const r of centralDirectory(zipView(ra, end), end.at - end.shift).records()) {
      if (r.fileName.byteLength !== target.length) continue;
      if (r.fileName.toString('latin1').replace(/\\/g, '/').toLowerCase() === target) return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    ra.close();
  }
}

/** A ZIP to open as a UFDR: named .ufdr, or report.xml at the root of its central directory. */
export function isUfdrCandidate(bytes: ContainerBytes, name: string): boolean {
  if (/\.ufdr$/i.test(name)) return true;
  return zipHasRootMember(bytes, 'report.xml');
}
