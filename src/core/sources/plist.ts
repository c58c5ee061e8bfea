// Property lists as found in iPhone backups: binary (bplist00) and XML, plus the NSKeyedArchiver
// object graphs that Manifest.db keeps in its `file` column.
//
// Hand-written rather than a library on purpose. The inputs are evidence, so hostile: the parser
// must check every offset against the buffer, refuse reference cycles and absurd nesting, bound
// the number of objects it builds, and fail with an error, never a hang or a crash. The npm
// options were weighed (`bplist-parser`: few releases and no cycle guard; `plist`: XML only and
// DOM-based on @xmldom; `@plist/*`: young, several packages). bplist00 is a small, fixed format
// (Apple's CFBinaryPList.c), so ~250 audited lines here are less risk than any of them. XML
// plists go through saxes, the streaming XML parser the UFDR reader uses anyway: it resolves no
// external entities and builds no DOM.
import { SaxesParser } from 'saxes';

/** An NSKeyedArchiver object reference (bplist type 0x8). */
export class PlistUid {
  readonly uid: number;
  constructor(uid: number) {
    this.uid = uid;
  }
}

export type PlistValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | PlistUid
  | PlistValue[]
  | { [key: string]: PlistValue };

export class PlistError extends Error {}

const MAX_DEPTH = 64;
const MAX_OBJECTS = 5_000_000;
/** Seconds between 1970-01-01 and 2001-01-01 (Apple's reference date). */
const APPLE_EPOCH = 978_307_200;

export function isPlainDict(v: PlistValue | undefined): v is { [key: string]: PlistValue } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof PlistUid)
  );
}

/** Parses a binary or XML property list; throws PlistError when it is neither or is malformed. */
export function parsePlist(bytes: Uint8Array): PlistValue {
  if (bytes.byteLength >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') === 'bplist00') {
    return parseBinaryPlist(bytes);
  }
  return parseXmlPlist(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

// ---------------------------------------------------------------------------------------------
// Binary plist (bplist00)

export function parseBinaryPlist(bytes: Uint8Array): PlistValue {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 + 32 || buf.toString('latin1', 0, 8) !== 'bplist00') {
    throw new PlistError('not a binary plist (no bplist00 header or too short)');
  }
  const t = buf.length - 32;
  const offsetSize = buf[t + 6]!;
  const refSize = buf[t + 7]!;
  const numObjects = readU64(buf, t + 8);
  const topObject = readU64(buf, t + 16);
  const tableOffset = readU64(buf, t + 24);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8) {
    throw new PlistError('binary plist trailer has an invalid offset or reference size');
  }
  if (numObjects < 1 || numObjects > MAX_OBJECTS || topObject >= numObjects) {
    throw new PlistError('binary plist trailer has an invalid object count or top object');
  }
  if (tableOffset < 8 || tableOffset + numObjects * offsetSize > t) {
    throw new PlistError('binary plist offset table lies outside the file');
  }
  const offsets = new Array<number>(numObjects);
  for (let i = 0; i < numObjects; i++) {
    const o = readUInt(buf, tableOffset + i * offsetSize, offsetSize);
    if (o < 8 || o >= tableOffset) throw new PlistError(`binary plist object ${i} lies outside the object area`);
    offsets[i] = o;
  }
  const end = tableOffset;
  const cache = new Map<number, PlistValue>();
  const active = new Set<number>();

  function need(pos: number, n: number): void {
    if (pos < 0 || n < 0 || pos + n > end) throw new PlistError('binary plist object runs past its data');
  }

  /** Length from the marker's low nibble, or the int object that follows when it is 0xF. */
  function lengthAt(pos: number, nibble: number): { len: number; at: number } {
    if (nibble !== 0xf) return { len: nibble, at: pos + 1 };
    need(pos + 1, 1);
    const m = buf[pos + 1]!;
    if (m >> 4 !== 0x1) throw new PlistError('binary plist length is not an integer');
    const n = 1 << (m & 0xf);
    if (n > 8) throw new PlistError('binary plist length is too large');
    need(pos + 2, n);
    const len = readUInt(buf, pos + 2, n);
    return { len, at: pos + 2 + n };
  }

  function ref(pos: number): number {
    const r = readUInt(buf, pos, refSize);
    if (r >= numObjects) throw new PlistError('binary plist reference points past the last object');
    return r;
  }

  function obj(index: number, depth: number): PlistValue {
    const hit = cache.get(index);
    if (hit !== undefined) return hit;
    if (depth > MAX_DEPTH) throw new PlistError('binary plist nests too deeply');
    if (active.has(index)) throw new PlistError('binary plist has a reference cycle');
    active.add(index);
    try {
      const v = decode(offsets[index]!, depth);
      // Containers are cached too: a shared sub-object is built once, not once per reference
      // (a "billion laughs" graph of shared arrays cannot explode memory or time).
      cache.set(index, v);
      return v;
    } finally {
      active.delete(index);
    }
  }

  function decode(pos: number, depth: number): PlistValue {
    need(pos, 1);
    const marker = buf[pos]!;
    const type = marker >> 4;
    const info = marker & 0xf;
    switch (type) {
      case 0x0:
        if (info === 0x0) return null;
        if (info === 0x8) return false;
        if (info === 0x9) return true;
        if (info === 0xf) return null; // fill byte
        throw new PlistError(`binary plist has an unknown simple value 0x${marker.toString(16)}`);
      case 0x1: {
        const n = 1 << info;
        if (n > 16) throw new PlistError('binary plist integer is too wide');
        need(pos + 1, n);
        if (n === 16) {
          // 128-bit: the high 8 bytes are sign extension in practice.
          const v = buf.readBigInt64BE(pos + 9);
          return Number.isSafeInteger(Number(v)) ? Number(v) : v;
        }
        if (n === 8) {
          const v = buf.readBigInt64BE(pos + 1);
          return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
        }
        return readUInt(buf, pos + 1, n); // 1, 2 and 4-byte integers are unsigned
      }
      case 0x2: {
        const n = 1 << info;
        need(pos + 1, n);
        if (n === 4) return buf.readFloatBE(pos + 1);
        if (n === 8) return buf.readDoubleBE(pos + 1);
        throw new PlistError('binary plist real has an unsupported width');
      }
      case 0x3: {
        need(pos + 1, 8);
        return appleDate(buf.readDoubleBE(pos + 1));
      }
      case 0x4: {
        const { len, at } = lengthAt(pos, info);
        need(at, len);
        return new Uint8Array(buf.subarray(at, at + len));
      }
      case 0x5: {
        const { len, at } = lengthAt(pos, info);
        need(at, len);
        return buf.toString('latin1', at, at + len);
      }
      case 0x6: {
        const { len, at } = lengthAt(pos, info);
        need(at, len * 2);
        const u = Buffer.from(buf.subarray(at, at + len * 2));
        u.swap16();
        return u.toString('utf16le');
      }
      case 0x8: {
        const n = info + 1;
        if (n > 4) throw new PlistError('binary plist UID is too wide');
        need(pos + 1, n);
        return new PlistUid(readUInt(buf, pos + 1, n));
      }
      case 0xa:
      case 0xc: {
        const { len, at } = lengthAt(pos, info);
        need(at, len * refSize);
        const out: PlistValue[] = [];
        for (let i = 0; i < len; i++) out.push(obj(ref(at + i * refSize), depth + 1));
        return out;
      }
      case 0xd: {
        const { len, at } = lengthAt(pos, info);
        need(at, len * refSize * 2);
        const out: { [key: string]: PlistValue } = Object.create(null) as { [key: string]: PlistValue };
        for (let i = 0; i < len; i++) {
          const k = obj(ref(at + i * refSize), depth + 1);
          if (typeof k !== 'string') throw new PlistError('binary plist dictionary key is not a string');
          out[k] = obj(ref(at + (len + i) * refSize), depth + 1);
        }
        return out;
      }
      default:
        throw new PlistError(`binary plist has an unknown object type 0x${marker.toString(16)}`);
    }
  }

  return obj(topObject, 0);
}

function readUInt(buf: Buffer, pos: number, n: number): number {
  if (pos < 0 || pos + n > buf.length) throw new PlistError('binary plist integer runs past the end');
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[pos + i]!;
  if (!Number.isSafeInteger(v)) throw new PlistError('binary plist offset or length is too large');
  return v;
}

function readU64(buf: Buffer, pos: number): number {
  const v = buf.readBigUInt64BE(pos);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PlistError('binary plist trailer value is too large');
  return Number(v);
}

function appleDate(seconds: number): Date {
  return new Date((seconds + APPLE_EPOCH) * 1000);
}

// ---------------------------------------------------------------------------------------------
// XML plist

export function parseXmlPlist(text: string): PlistValue {
  const parser = new SaxesParser({ xmlns: false, position: false });
  type Frame =
    | { kind: 'array'; items: PlistValue[] }
    | { kind: 'dict'; obj: { [key: string]: PlistValue }; key: string | null }
    | { kind: 'scalar'; tag: string; text: string }
    | { kind: 'key'; text: string }
    | { kind: 'plist'; value: PlistValue | undefined };
  const stack: Frame[] = [];
  let result: PlistValue | undefined;
  let seenRoot = false;
  let count = 0;

  function put(v: PlistValue): void {
    const top = stack[stack.length - 1];
    if (!top) {
      result = v;
      return;
    }
    if (top.kind === 'array') top.items.push(v);
    else if (top.kind === 'dict') {
      if (top.key === null) throw new PlistError('XML plist dictionary value without a key');
      top.obj[top.key] = v;
      top.key = null;
    } else if (top.kind === 'plist') top.value = v;
    else throw new PlistError('XML plist value inside a scalar');
  }

  parser.on('opentag', (tag) => {
    if (++count > MAX_OBJECTS) throw new PlistError('XML plist has too many elements');
    if (stack.length > MAX_DEPTH) throw new PlistError('XML plist nests too deeply');
    const name = tag.name;
    if (!seenRoot) {
      seenRoot = true;
      if (name === 'plist') {
        stack.push({ kind: 'plist', value: undefined });
        return;
      }
    }
    const top = stack[stack.length - 1];
    if (top && (top.kind === 'scalar' || top.kind === 'key')) throw new PlistError(`XML plist <${name}> inside a scalar`);
    switch (name) {
      case 'dict':
        stack.push({ kind: 'dict', obj: Object.create(null) as { [key: string]: PlistValue }, key: null });
        break;
      case 'array':
        stack.push({ kind: 'array', items: [] });
        break;
      case 'key':
        if (!top || top.kind !== 'dict') throw new PlistError('XML plist <key> outside a dictionary');
        stack.push({ kind: 'key', text: '' });
        break;
      case 'string':
      case 'integer':
      case 'real':
      case 'date':
      case 'data':
      case 'true':
      case 'false':
        stack.push({ kind: 'scalar', tag: name, text: '' });
        break;
      default:
        throw new PlistError(`XML plist has an unknown element <${name}>`);
    }
  });
  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top && (top.kind === 'scalar' || top.kind === 'key')) top.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const f = stack.pop();
    if (!f) return;
    switch (f.kind) {
      case 'plist':
        result = f.value ?? null;
        return;
      case 'key': {
        const top = stack[stack.length - 1];
        if (top?.kind === 'dict') top.key = f.text;
        return;
      }
      case 'array':
        put(f.items);
        return;
      case 'dict':
        put(f.obj);
        return;
      case 'scalar':
        put(xmlScalar(f.tag, f.text));
        return;
    }
  });
  try {
    parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
  } catch (err) {
    if (err instanceof PlistError) throw err;
    throw new PlistError(`not a valid XML plist: ${(err as Error).message}`);
  }
  if (result === undefined) throw new PlistError('XML plist has no value');
  return result;
}

function xmlScalar(tag: string, text: string): PlistValue {
  switch (tag) {
    case 'string':
      return text;
    case 'integer': {
      const s = text.trim();
      if (!/^[+-]?\d+$/.test(s)) throw new PlistError(`XML plist integer is not a number: ${s.slice(0, 40)}`);
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : BigInt(s);
    }
    case 'real':
      return Number(text.trim());
    case 'date': {
      const d = new Date(text.trim());
      if (Number.isNaN(d.getTime())) throw new PlistError(`XML plist date is not valid: ${text.slice(0, 40)}`);
      return d;
    }
    case 'data':
      return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'base64'));
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      throw new PlistError(`XML plist has an unknown element <${tag}>`);
  }
}

// ---------------------------------------------------------------------------------------------
// NSKeyedArchiver

/**
 * Resolves an NSKeyedArchiver graph ($archiver/$top/$objects) into plain values: UIDs become
 * the objects they point at, '$null' becomes null, NSString/NSData/NSArray/NSDictionary become
 * strings, bytes, arrays and dicts, and any other archived object becomes a dict of its fields
 * with `$class` replaced by the class name. Throws PlistError on a malformed graph.
 */
export function unarchive(archive: PlistValue): PlistValue {
  if (!isPlainDict(archive) || archive['$archiver'] !== 'NSKeyedArchiver') {
    throw new PlistError('not an NSKeyedArchiver archive');
  }
  const objs = archive['$objects'];
  const top = archive['$top'];
  if (!Array.isArray(objs) || !isPlainDict(top)) throw new PlistError('NSKeyedArchiver archive lacks $objects or $top');
  const objects: PlistValue[] = objs;
  const rootRef = top['root'] ?? Object.values(top)[0];
  if (!(rootRef instanceof PlistUid)) throw new PlistError('NSKeyedArchiver $top has no root reference');
  const active = new Set<number>();
  // Each archived object is resolved once: shared references cannot multiply the work.
  const done = new Map<number, PlistValue>();

  function resolve(v: PlistValue, depth: number): PlistValue {
    if (depth > MAX_DEPTH) throw new PlistError('NSKeyedArchiver archive nests too deeply');
    if (v instanceof PlistUid) {
      const hit = done.get(v.uid);
      if (hit !== undefined) return hit;
      if (v.uid >= objects.length) throw new PlistError('NSKeyedArchiver reference points past $objects');
      if (active.has(v.uid)) throw new PlistError('NSKeyedArchiver archive has a reference cycle');
      active.add(v.uid);
      try {
        const o = objects[v.uid]!;
        const r = o === '$null' ? null : resolve(o, depth + 1);
        done.set(v.uid, r);
        return r;
      } finally {
        active.delete(v.uid);
      }
    }
    if (Array.isArray(v)) return v.map((x) => resolve(x, depth + 1));
    if (!isPlainDict(v)) return v;
    const cls = v['$class'];
    let className: string | null = null;
    if (cls !== undefined) {
      const c = resolve(cls, depth + 1);
      if (isPlainDict(c) && typeof c['$classname'] === 'string') className = c['$classname'];
    }
    if (className === 'NSString' || className === 'NSMutableString') return resolve(v['NS.string'] ?? null, depth + 1);
    if (className === 'NSData' || className === 'NSMutableData') return resolve(v['NS.data'] ?? null, depth + 1);
    if (className === 'NSArray' || className === 'NSMutableArray' || className === 'NSSet' || className === 'NSMutableSet') {
      const items = v['NS.objects'];
      return Array.isArray(items) ? items.map((x) => resolve(x, depth + 1)) : [];
    }
    if (className === 'NSDictionary' || className === 'NSMutableDictionary') {
      const keys = v['NS.keys'];
      const vals = v['NS.objects'];
      const out: { [key: string]: PlistValue } = Object.create(null) as { [key: string]: PlistValue };
      if (Array.isArray(keys) && Array.isArray(vals)) {
        for (let i = 0; i < keys.length && i < vals.length; i++) {
          const k = resolve(keys[i]!, depth + 1);
          if (typeof k === 'string') out[k] = resolve(vals[i]!, depth + 1);
        }
      }
      return out;
    }
    if (className === 'NSDate') {
      const t = v['NS.time'];
      return typeof t === 'number' ? appleDate(t) : null;
    }
    const out: { [key: string]: PlistValue } = Object.create(null) as { [key: string]: PlistValue };
    for (const [k, x] of Object.entries(v)) {
      if (k === '$class') continue;
      out[k] = resolve(x, depth + 1);
    }
    if (className !== null) out['$class'] = className;
    return out;
  }

  return resolve(rootRef, 0);
}
