// Small, bounded readers of image and video file structure: where the metadata blocks are (JPEG
// APP segments before the scan, the HEIF 'Exif' item wherever iloc puts it, the MP4/QuickTime
// movie header and location atoms wherever 'moov' is) and the pixel size the image itself
// declares (JPEG SOF, PNG IHDR, GIF screen, WebP VP8/VP8L/VP8X, BMP DIB header, HEIF ispe, MP4
// tkhd). They read through a ByteSource by offset, so a block 30 MiB into a file costs the few
// bytes of its headers and itself, never the bytes before it. Every loop and read is capped: a
// hostile file gives an error message, never a hang or a huge allocation.

/** Random access to an item's bytes (its store copy, or the bytes in memory). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array;
}

/** Thrown when a file asks us to read more than the bounds below: reported, not a crash. */
export class LayoutLimit extends Error {}

/** Total bytes one item's structure walk may read (headers plus the metadata blocks). */
export const MAX_LAYOUT_READ = 24 * 1024 * 1024;
/** One metadata block (EXIF, HEIF meta box, udta, QuickTime meta) at most. */
export const MAX_BLOCK = 8 * 1024 * 1024;
const MAX_STEPS = 20_000;

export function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.byteLength, read: (o, n) => bytes.subarray(Math.min(o, bytes.byteLength), Math.min(o + n, bytes.byteLength)) };
}

/** Counts the bytes read and refuses past MAX_LAYOUT_READ. */
export function budgeted(src: ByteSource, max = MAX_LAYOUT_READ): ByteSource & { readonly used: number } {
  let used = 0;
  return {
    size: src.size,
    get used() {
      return used;
    },
    read(o, n) {
      if (o < 0 || !Number.isSafeInteger(o) || !Number.isSafeInteger(n) || n < 0) throw new LayoutLimit(`a structure field points to byte ${o} (+${n}), which cannot be right`);
      used += n;
      if (used > max) throw new LayoutLimit(`reading the metadata would take more than ${max / 1024 / 1024} MiB of the file; stopped there`);
      return src.read(o, n);
    },
  };
}

export interface Pixels {
  width: number;
  height: number;
  /** Which structure gave the size: 'JPEG SOF0', 'PNG IHDR', 'HEIF ispe', 'MP4 tkhd'... */
  from: string;
}

const u16be = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32be = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const u16le = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const i32le = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
function u64be(b: Uint8Array, o: number): number {
  return u32be(b, o) * 2 ** 32 + u32be(b, o + 4);
}
function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = o; i < o + n && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
function uint(b: Uint8Array, o: number, size: number): number {
  if (size === 0) return 0;
  if (size === 2) return u16be(b, o);
  if (size === 4) return u32be(b, o);
  if (size === 8) return u64be(b, o);
  throw new Error(`unsupported field size ${size}`);
}
function need(b: Uint8Array, end: number, what: string): void {
  if (end > b.byteLength) throw new Error(`${what} is cut short (the file is truncated or damaged)`);
}

// ---------------------------------------------------------------- JPEG

export interface JpegLayout {
  pixels: Pixels | null;
  /** APP1 (Exif, XMP) and APP13 (IPTC) segments, marker included, in file order. */
  segments: { offset: number; bytes: Uint8Array }[];
  /** Why the walk stopped early, when it did (a damaged marker chain). */
  problem: string | null;
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const XMP_ID = 'http://ns.adobe.com/xap/1.0/\0';

/** Walks the JPEG marker chain from SOI to the first scan (SOS): metadata lives before it. */
export function jpegLayout(src: ByteSource): JpegLayout {
  const out: JpegLayout = { pixels: null, segments: [], problem: null };
  try {
    walkJpeg(src, out);
  } catch (err) {
    out.problem = err instanceof Error ? err.message : String(err);
  }
  return out;
}

function walkJpeg(src: ByteSource, out: JpegLayout): JpegLayout {
  let pos = 2;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (pos + 4 > src.size) {
      // An end-of-image marker as the last two bytes ends the chain cleanly: the metadata was all
      // read, and whether the file holds image data is not a metadata fault.
      if (pos + 2 === src.size) {
        const e = src.read(pos, 2);
        if (e[0] === 0xff && e[1] === 0xd9) return out;
      }
      if (pos < src.size || !out.pixels) out.problem = `the JPEG ends at byte ${src.size} before its image data (truncated)`;
      return out;
    }
    const h = src.read(pos, 4);
    if (h[0] !== 0xff) {
      out.problem = `the JPEG's segment chain is broken at byte ${pos} (damaged file)`;
      return out;
    }
    const marker = h[1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return out;
    const len = u16be(h, 2);
    if (len < 2) {
      out.problem = `the JPEG's segment at byte ${pos} has an impossible length ${len} (damaged file)`;
      return out;
    }
    if (SOF.has(marker) && !out.pixels) {
      const b = src.read(pos + 4, 5);
      if (b.byteLength === 5) out.pixels = { width: u16be(b, 3), height: u16be(b, 1), from: `JPEG SOF${marker - 0xc0}` };
    } else if (marker === 0xe1 || marker === 0xed) {
      const id = src.read(pos + 4, 30);
      const s = ascii(id, 0, id.byteLength);
      if (s.startsWith('Exif\0') || s.startsWith(XMP_ID) || (marker === 0xed && s.startsWith('Photoshop 3.0'))) {
        const bytes = src.read(pos, len + 2);
        if (bytes.byteLength < len + 2) {
          out.problem = `the JPEG's ${marker === 0xed ? 'IPTC' : s.startsWith('Exif') ? 'EXIF' : 'XMP'} block at byte ${pos} is cut short (truncated file)`;
          return out;
        }
        out.segments.push({ offset: pos, bytes });
      }
    }
    pos += 2 + len;
  }
  out.problem = 'the JPEG has too many segments before its image data; stopped reading them';
  return out;
}

/** SOI + the metadata segments + EOI: what exifr needs, however far into the file they were. */
export function compactJpeg(segments: { bytes: Uint8Array }[]): Uint8Array {
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments.map((s) => s.bytes), Buffer.from([0xff, 0xd9])]);
}

// ---------------------------------------------------------------- ISO boxes (HEIF, MP4, QuickTime)

export interface Box {
  type: string;
  /** Offset of the box header. */
  offset: number;
  /** Offset of the payload (after the header). */
  start: number;
  /** End of the box (exclusive). */
  end: number;
}

/** The boxes between `from` and `to` (headers only). A size running past `to` is clipped and flagged. */
export function listBoxes(src: ByteSource, from: number, to: number, problems: string[], stopAt?: string): Box[] {
  const boxes: Box[] = [];
  let pos = from;
  for (let step = 0; pos + 8 <= to; step++) {
    if (step >= MAX_STEPS) {
      problems.push('too many boxes; stopped reading them');
      break;
    }
    const h = src.read(pos, 16);
    if (h.byteLength < 8) break;
    let size = u32be(h, 0);
    const type = ascii(h, 4, 4);
    let start = pos + 8;
    if (size === 1) {
      if (h.byteLength < 16) break;
      size = u64be(h, 8);
      start += 8;
    } else if (size === 0) size = to - pos;
    if (size < start - pos) {
      problems.push(`box '${printable(type)}' at byte ${pos} has an impossible size ${size} (damaged file)`);
      break;
    }
    let end = pos + size;
    if (end > to) {
      problems.push(`box '${printable(type)}' at byte ${pos} runs past the end of ${to === src.size ? 'the file' : 'its parent'} (truncated or damaged)`);
      end = to;
    }
    boxes.push({ type, offset: pos, start, end });
    if (type === stopAt) break;
    pos = end;
  }
  return boxes;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e\xa9]/g, '?');
}

/** Boxes inside an in-memory buffer (its own offsets). */
function boxesIn(b: Uint8Array, from: number, to: number, problems: string[]): Box[] {
  return listBoxes(memorySource(b), from, Math.min(to, b.byteLength), problems);
}

function readBlock(src: ByteSource, box: Box, what: string): Uint8Array {
  const n = box.end - box.start;
  if (n > MAX_BLOCK) throw new LayoutLimit(`the ${what} is ${n} bytes, more than the ${MAX_BLOCK / 1024 / 1024} MiB read for metadata; not read`);
  return src.read(box.start, n);
}

// ---------------------------------------------------------------- HEIF / AVIF

export interface HeifLayout {
  pixels: Pixels | null;
  /** The TIFF structure of the 'Exif' item (header offset skipped), ready for exifr. */
  tiff: Uint8Array | null;
  problems: string[];
}

export function heifLayout(src: ByteSource): HeifLayout {
  const out: HeifLayout = { pixels: null, tiff: null, problems: [] };
  const metaBox = listBoxes(src, 0, src.size, out.problems, 'meta').find((b) => b.type === 'meta');
  if (!metaBox) {
    out.problems.push('the HEIF file has no meta box, so no image properties or EXIF could be found');
    return out;
  }
  const meta = readBlock(src, metaBox, 'HEIF meta box');
  // meta is a full box: 4 bytes of version and flags before its children.
  const kids = boxesIn(meta, 4, meta.byteLength, out.problems);
  const kid = (t: string): Box | undefined => kids.find((b) => b.type === t);
  let primary: number | null = null;
  const pitm = kid('pitm');
  if (pitm) primary = meta[pitm.start] === 0 ? u16be(meta, pitm.start + 4) : u32be(meta, pitm.start + 4);

  // iinf: item ids and types.
  const types = new Map<number, string>();
  const iinf = kid('iinf');
  if (iinf) {
    const v = meta[iinf.start]!;
    const first = iinf.start + 4 + (v === 0 ? 2 : 4);
    for (const infe of boxesIn(meta, first, iinf.end, out.problems)) {
      if (infe.type !== 'infe') continue;
      const iv = meta[infe.start]!;
      if (iv < 2) continue;
      const id = iv === 2 ? u16be(meta, infe.start + 4) : u32be(meta, infe.start + 4);
      const at = infe.start + 4 + (iv === 2 ? 2 : 4) + 2;
      types.set(id, ascii(meta, at, 4));
    }
  }

  // ispe of the primary item, through ipma's associations into ipco's property list.
  const iprp = kid('iprp');
  if (iprp) {
    const inner = boxesIn(meta, iprp.start, iprp.end, out.problems);
    const ipco = inner.find((b) => b.type === 'ipco');
    const props = ipco ? boxesIn(meta, ipco.start, ipco.end, out.problems) : [];
    const ispeOf = (p: Box | undefined): Pixels | null =>
      p && p.type === 'ispe' && p.start + 12 <= p.end ? { width: u32be(meta, p.start + 4), height: u32be(meta, p.start + 8), from: 'HEIF ispe' } : null;
    for (const ipma of inner.filter((b) => b.type === 'ipma')) {
      const v = meta[ipma.start]!;
      const flags = meta[ipma.start + 3]! & 1;
      let p = ipma.start + 4;
      need(meta, p + 4, 'the HEIF property associations');
      const count = u32be(meta, p);
      p += 4;
      for (let i = 0; i < count && p < ipma.end; i++) {
        const id = v < 1 ? u16be(meta, p) : u32be(meta, p);
        p += v < 1 ? 2 : 4;
        const n = meta[p++]!;
        for (let j = 0; j < n; j++) {
          const index = flags ? u16be(meta, p) & 0x7fff : meta[p]! & 0x7f;
          p += flags ? 2 : 1;
          if ((primary === null || id === primary) && !out.pixels) out.pixels = ispeOf(props[index - 1]);
        }
      }
    }
  }

  // iloc: where the Exif item's bytes are (anywhere in the file, or in idat).
  const exifId = [...types].find(([, t]) => t === 'Exif')?.[0];
  const iloc = kid('iloc');
  // A failure past this point keeps the size read above.
  if (exifId !== undefined && iloc) try {
    const ext = ilocExtent(meta, iloc, exifId);
    if (ext) {
      let { offset } = ext;
      if (ext.method === 1) {
        const idat = kid('idat');
        if (!idat) throw new Error('the HEIF Exif item is said to be in an idat box that is not there');
        offset += metaBox.start + idat.start;
      } else if (ext.method !== 0) throw new Error(`the HEIF Exif item is stored in a way this reader does not handle (construction method ${ext.method})`);
      if (ext.length > MAX_BLOCK) throw new LayoutLimit(`the HEIF Exif item is ${ext.length} bytes, more than the ${MAX_BLOCK / 1024 / 1024} MiB read for metadata; not read`);
      if (offset + ext.length > src.size) {
        out.problems.push(`the EXIF block at byte ${offset} runs past the end of the file (truncated)`);
      } else {
        const b = src.read(offset, ext.length);
        need(b, 4, 'the HEIF Exif item');
        const skip = 4 + u32be(b, 0);
        if (skip + 8 > b.byteLength) out.problems.push('the HEIF Exif item holds no TIFF structure (damaged)');
        else out.tiff = b.subarray(skip);
      }
    }
  } catch (err) {
    out.problems.push(err instanceof Error ? err.message : String(err));
  }
  return out;
}

function ilocExtent(meta: Uint8Array, box: Box, want: number): { offset: number; length: number; method: number } | null {
  const v = meta[box.start]!;
  let p = box.start + 4;
  need(meta, p + 4, 'the HEIF item locations');
  const offSize = meta[p]! >> 4;
  const lenSize = meta[p]! & 15;
  const baseSize = meta[p + 1]! >> 4;
  const idxSize = v === 1 || v === 2 ? meta[p + 1]! & 15 : 0;
  p += 2;
  const count = v < 2 ? u16be(meta, p) : u32be(meta, p);
  p += v < 2 ? 2 : 4;
  for (let i = 0; i < count && p < box.end; i++) {
    const id = v < 2 ? u16be(meta, p) : u32be(meta, p);
    p += v < 2 ? 2 : 4;
    let method = 0;
    if (v === 1 || v === 2) {
      method = u16be(meta, p) & 15;
      p += 2;
    }
    p += 2; // data reference index
    need(meta, p + baseSize + 2, 'the HEIF item locations');
    const base = uint(meta, p, baseSize);
    p += baseSize;
    const extents = u16be(meta, p);
    p += 2;
    let first: { offset: number; length: number } | null = null;
    for (let e = 0; e < extents; e++) {
      need(meta, p + idxSize + offSize + lenSize, 'the HEIF item locations');
      p += idxSize;
      const off = uint(meta, p, offSize);
      p += offSize;
      const len = uint(meta, p, lenSize);
      p += lenSize;
      first ??= { offset: base + off, length: len };
    }
    if (id === want && first) return { ...first, method };
  }
  return null;
}

// ---------------------------------------------------------------- MP4 / QuickTime

export interface MovieFacts {
  /** mvhd creation time, ISO UTC, when set (the format counts seconds from 1904-01-01 UTC). */
  created: string | null;
  /** com.apple.quicktime.creationdate: local time with the phone's offset (what it showed). */
  creationDate: string | null;
  /** ISO 6709 location as written (udta ©xyz, or the meta keys' location). */
  location: string | null;
  locationFrom: string | null;
  make: string | null;
  model: string | null;
  software: string | null;
  pixels: Pixels | null;
  problems: string[];
}

const EPOCH_1904 = Date.UTC(1904, 0, 1) / 1000;

export function movieFacts(src: ByteSource): MovieFacts {
  const out: MovieFacts = { created: null, creationDate: null, location: null, locationFrom: null, make: null, model: null, software: null, pixels: null, problems: [] };
  const moov = listBoxes(src, 0, src.size, out.problems, 'moov').find((b) => b.type === 'moov');
  if (!moov) {
    out.problems.push('the movie has no moov box (its index: a recording cut short, or damaged), so no creation time or location');
    return out;
  }
  for (const b of listBoxes(src, moov.start, moov.end, out.problems)) {
    try {
      movieBox(src, b, out);
    } catch (err) {
      out.problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return out;
}

function movieBox(src: ByteSource, b: Box, out: MovieFacts): void {
  if (b.type === 'mvhd') {
    const h = src.read(b.start, 12);
    need(h, 12, 'the movie header');
    const secs = h[0] === 1 ? u64be(h, 4) : u32be(h, 4);
    if (secs > 0) {
      const ms = (secs + EPOCH_1904) * 1000;
      if (Number.isFinite(ms) && Math.abs(ms) < 8.64e15) out.created = new Date(ms).toISOString().slice(0, 19) + '+00:00';
    }
  } else if (b.type === 'trak' && !out.pixels) {
    const tkhd = listBoxes(src, b.start, b.end, out.problems).find((t) => t.type === 'tkhd');
    if (tkhd) {
      const t = src.read(tkhd.start, 92);
      const at = t[0] === 1 ? 88 : 76;
      if (t.byteLength >= at + 8) {
        const w = u32be(t, at) / 65536;
        const h = u32be(t, at + 4) / 65536;
        if (w > 0 && h > 0) out.pixels = { width: w, height: h, from: 'MP4 tkhd' };
      }
    }
  } else if (b.type === 'udta') {
    const u = readBlock(src, b, 'movie user data');
    for (const c of boxesIn(u, 0, u.byteLength, out.problems)) {
      if (c.type === '\xa9xyz' && !out.location) {
        const n = u16be(u, c.start);
        out.location = utf8(u.subarray(c.start + 4, Math.min(c.end, c.start + 4 + n)));
        out.locationFrom = 'udta ©xyz';
      } else if (c.type === 'meta') metaKeys(u, c, out);
    }
  } else if (b.type === 'meta') {
    const m = readBlock(src, b, 'movie meta data');
    metaKeys(m, { ...b, start: 0, end: m.byteLength }, out);
  }
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b).toString('utf8').replace(/\0+$/, '').trim();
}

/** QuickTime 'meta' with 'keys' + 'ilst' (iPhone, many Android phones): the keys we file. */
function metaKeys(b: Uint8Array, box: Box, out: MovieFacts): void {
  // ISO meta is a full box (4 bytes of version/flags); Apple's QuickTime meta is not.
  let from = box.start;
  if (from + 8 <= box.end && !/^[a-z]{4}$/.test(ascii(b, from + 4, 4))) from += 4;
  const kids = boxesIn(b, from, box.end, out.problems);
  const keysBox = kids.find((k) => k.type === 'keys');
  const ilst = kids.find((k) => k.type === 'ilst');
  if (!keysBox || !ilst) return;
  const keys: string[] = [];
  let p = keysBox.start + 8;
  const n = u32be(b, keysBox.start + 4);
  for (let i = 0; i < n && p + 8 <= keysBox.end; i++) {
    const size = u32be(b, p);
    if (size < 8) break;
    keys.push(utf8(b.subarray(p + 8, Math.min(p + size, keysBox.end))));
    p += size;
  }
  for (const item of boxesIn(b, ilst.start, ilst.end, out.problems)) {
    const key = keys[u32be(b, item.offset + 4) - 1];
    if (!key) continue;
    const data = boxesIn(b, item.start, item.end, out.problems).find((d) => d.type === 'data');
    if (!data || data.start + 8 > data.end) continue;
    const type = u32be(b, data.start) & 0xffffff;
    if (type !== 1) continue; // UTF-8 text: the keys below are all text
    const value = utf8(b.subarray(data.start + 8, data.end));
    const k = key.toLowerCase();
    if (k === 'com.apple.quicktime.location.iso6709' || (/location/.test(k) && /^[+-]\d/.test(value))) {
      if (!out.location || out.locationFrom === 'udta ©xyz') {
        out.location = value;
        out.locationFrom = `meta ${key}`;
      }
    } else if (k === 'com.apple.quicktime.creationdate') out.creationDate = value;
    else if (k === 'com.apple.quicktime.make') out.make = value;
    else if (k === 'com.apple.quicktime.model') out.model = value;
    else if (k === 'com.apple.quicktime.software') out.software = value;
  }
}

/**
 * ISO 6709 "+35.6812+139.7671+040.5/" (degrees, or DDMM.M / DDMMSS.S forms) to decimal degrees.
 * Null for anything else.
 */
export function parseIso6709(s: string): { lat: number; lon: number; alt: number | null } | null {
  const m = /^([+-])(\d+)(\.\d+)?([+-])(\d+)(\.\d+)?(?:([+-]\d+(?:\.\d+)?))?(?:CRS[^/]*)?\/?$/.exec(s.trim());
  if (!m) return null;
  const part = (sign: string, int: string, frac: string | undefined, degDigits: number): number | null => {
    const f = frac ? Number(frac) : 0;
    let v: number;
    // Degrees are zero-padded by the standard; a few writers drop the padding ("+5.5").
    if (int.length <= degDigits) v = Number(int) + f;
    else if (int.length === degDigits + 2) v = Number(int.slice(0, degDigits)) + (Number(int.slice(degDigits)) + f) / 60;
    else if (int.length === degDigits + 4)
      v = Number(int.slice(0, degDigits)) + Number(int.slice(degDigits, degDigits + 2)) / 60 + (Number(int.slice(degDigits + 2)) + f) / 3600;
    else return null;
    return sign === '-' ? -v : v;
  };
  const lat = part(m[1]!, m[2]!, m[3], 2);
  const lon = part(m[4]!, m[5]!, m[6], 3);
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon, alt: m[7] !== undefined ? Number(m[7]) : null };
}

// ---------------------------------------------------------------- small headers

/** Pixel size from a PNG, GIF, WebP or BMP header (the first bytes suffice). */
export function headerPixels(b: Uint8Array): Pixels | null {
  const sig = ascii(b, 0, 16);
  if (sig.startsWith('\x89PNG\r\n\x1a\n') && ascii(b, 12, 4) === 'IHDR' && b.byteLength >= 24) {
    return { width: u32be(b, 16), height: u32be(b, 20), from: 'PNG IHDR' };
  }
  if ((sig.startsWith('GIF87a') || sig.startsWith('GIF89a')) && b.byteLength >= 10) {
    return { width: u16le(b, 6), height: u16le(b, 8), from: 'GIF screen descriptor' };
  }
  if (sig.startsWith('RIFF') && ascii(b, 8, 4) === 'WEBP' && b.byteLength >= 30) {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8 ' && u16be(b, 23) === 0x9d01 && b[25] === 0x2a) {
      return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, from: 'WebP VP8' };
    }
    if (chunk === 'VP8L' && b[20] === 0x2f) {
      const [b0, b1, b2, b3] = [b[21]!, b[22]!, b[23]!, b[24]!];
      return { width: 1 + (b0 | ((b1 & 0x3f) << 8)), height: 1 + ((b1 >> 6) | (b2 << 2) | ((b3 & 0x0f) << 10)), from: 'WebP VP8L' };
    }
    if (chunk === 'VP8X') {
      return { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)), from: 'WebP VP8X' };
    }
    return null;
  }
  if (sig.startsWith('BM') && b.byteLength >= 26) {
    const dib = b[14]! | (b[15]! << 8);
    if (dib === 12) return { width: u16le(b, 18), height: u16le(b, 20), from: 'BMP header' };
    return { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)), from: 'BMP header' };
  }
  return null;
}

// ---------------------------------------------------------------- TIFF (EXIF) sanity

/** Bytes per value of each TIFF field type (1-13; 16-18 are BigTIFF's 8-byte ones). */
const TIFF_TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
const IFD_POINTERS: Record<number, string> = { 0x8769: 'Exif IFD', 0x8825: 'GPS IFD', 0xa005: 'Interop IFD' };

/**
 * Checks the TIFF structure of an EXIF block before exifr reads it: a tag claiming more values
 * than the block holds (6 million GPS rationals in a 200-byte block) makes exifr loop over the
 * count, for minutes when the count is in the billions. Such tags are named as problems and
 * their count set to 0 in a private copy (the evidence is never touched), so the rest is read.
 * `partial`: `t` is only the start of a larger file (values beyond it are not damage).
 */
export function checkTiff(t: Uint8Array, partial = false): { tiff: Uint8Array; problems: string[] } {
  const problems: string[] = [];
  if (t.byteLength < 8) return { tiff: t, problems: ['the EXIF block is too short to hold its TIFF header (damaged)'] };
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return { tiff: t, problems }; // exifr names it
  const len = t.byteLength;
  let b: Uint8Array = t;
  const u16 = (o: number): number => (le ? b[o]! | (b[o + 1]! << 8) : u16be(b, o));
  const u32 = (o: number): number => (le ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000 : u32be(b, o));
  const queue: [number, string][] = [[u32(4), 'IFD0']];
  const seen = new Set<number>();
  for (let k = 0; k < queue.length && k < 16; k++) {
    const [off, name] = queue[k]!;
    if (seen.has(off) || off === 0) continue;
    seen.add(off);
    if (off + 2 > len) {
      problems.push(`the EXIF ${name} is said to be at byte ${off}, past the end of the EXIF block (damaged)`);
      continue;
    }
    let n = u16(off);
    if (off + 2 + 12 * n > len) {
      problems.push(`the EXIF ${name} lists ${n} tags, more than the EXIF block holds (damaged)`);
      n = Math.floor((len - off - 2) / 12);
    }
    for (let i = 0; i < n; i++) {
      const e = off + 2 + 12 * i;
      const tag = u16(e);
      const size = TIFF_TYPE_SIZE[u16(e + 2)] ?? 0;
      const count = u32(e + 4);
      const bytes = count * size;
      if (bytes > 4 && u32(e + 8) + bytes > len) {
        const which = `EXIF tag 0x${tag.toString(16).padStart(4, '0')} in the ${name}`;
        problems.push(partial ? `${which} lies beyond the first ${len} bytes, which were all that was read` : `${which} claims ${count} values, more than the EXIF block holds (damaged); not read`);
        if (b === t) b = Uint8Array.from(t);
        b.fill(0, e + 4, e + 8);
      } else if (IFD_POINTERS[tag] && size === 4) queue.push([u32(e + 8), IFD_POINTERS[tag]]);
    }
    if (name === 'IFD0' && off + 2 + 12 * n + 4 <= len) queue.push([u32(off + 2 + 12 * n), 'IFD1 (thumbnail)']);
  }
  return { tiff: b, problems };
}

/** The Exif APP1 segments of a JPEG layout checked (checkTiff) in private copies. */
export function checkJpegExif(segments: { offset: number; bytes: Uint8Array }[]): { segments: { offset: number; bytes: Uint8Array }[]; problems: string[] } {
  const problems: string[] = [];
  const out = segments.map((s) => {
    if (s.bytes[1] !== 0xe1 || ascii(s.bytes, 4, 6) !== 'Exif\0\0') return s;
    const c = checkTiff(s.bytes.subarray(10));
    problems.push(...c.problems);
    return c.problems.length === 0 ? s : { offset: s.offset, bytes: Buffer.concat([s.bytes.subarray(0, 10), c.tiff]) };
  });
  return { segments: out, problems };
}
