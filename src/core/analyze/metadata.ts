// Photo metadata (EXIF, GPS, XMP, IPTC) with exifr, normalised into the columns officers filter
// on, plus the full record as JSON. Values are kept as written in the file (no time-zone
// guessing): DateTimeOriginal "2008:10:22 16:28:39" becomes taken_at "2008-10-22T16:28:39",
// with the offset appended only where the file records one (OffsetTimeOriginal, or in the value
// itself as XMP does: "2013-07-05T03:18:27Z" becomes "2013-07-05T03:18:27+00:00").
//
// Metadata is read wherever it is in the file (src/core/analyze/mediaLayout.ts walks the
// structure by offset: a HEIC whose EXIF item sits 30 MiB in, a JPEG with big APP segments
// before its EXIF), with bounded reads. What the image itself says its size is (pixels) is kept
// apart from what EXIF claims (exif.ExifImageWidth), where "taken" came from is recorded
// (takenFrom), and every parser error is kept with its message and made the record's error:
// no metadata failure is silent.
import exifr from 'exifr';
import {
  budgeted,
  checkJpegExif,
  checkTiff,
  compactJpeg,
  headerPixels,
  heifLayout,
  jpegLayout,
  LayoutLimit,
  memorySource,
  movieFacts,
  parseIso6709,
  type ByteSource,
  type Pixels,
} from './mediaLayout.ts';

export interface PhotoMetadata {
  takenAt: string | null;
  lat: number | null;
  lon: number | null;
  alt: number | null;
  make: string | null;
  model: string | null;
  orientation: number | null;
  /** The full record (see MetadataRecord), as JSON. */
  json: string;
  /** Plain words on what could not be read (parser errors with their message), or null. */
  error: string | null;
}

/** What the json column holds for items catalogued from this version on. */
export interface MetadataRecord {
  /** exifr's merged EXIF/GPS/XMP/IPTC fields, values as written (ExifImageWidth: EXIF's claim). */
  exif?: Record<string, unknown>;
  /** The pixel size the image (or video track) itself declares, and which structure said so. */
  pixels?: Pixels;
  /** Where taken_at came from: 'DateTimeOriginal', 'CreateDate', 'GPS time (UTC)', ... */
  takenFrom?: string;
  /** MP4/QuickTime facts: movie header time, Apple creation date, location as written. */
  movie?: Record<string, unknown>;
  /** Every parser error, with its message. */
  errors?: string[];
}

/** The MIME types exifr reads. */
const READABLE = new Set([
  'image/jpeg',
  'image/tiff',
  'image/heic',
  'image/heif',
  'image/avif',
  'image/png',
  'image/x-canon-cr2',
  'image/x-nikon-nef',
  'image/x-adobe-dng',
  'image/x-sony-arw',
  'image/x-olympus-orf',
  'image/x-panasonic-rw2',
]);

/** Images whose size we read from their header, though they carry no EXIF for exifr. */
const PIXELS_ONLY = new Set(['image/gif', 'image/webp', 'image/bmp']);
/** MP4 / QuickTime family: creation time, location, track size. */
const MOVIES = new Set(['video/mp4', 'video/quicktime', 'video/3gpp', 'video/3gpp2', 'video/x-m4v', 'audio/x-m4a', 'audio/mp4']);

export function hasReadableMetadata(mime: string | null): boolean {
  return mime !== null && (READABLE.has(mime) || PIXELS_ONLY.has(mime) || MOVIES.has(mime));
}

const OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  xmp: true,
  iptc: true,
  icc: false,
  ifd1: false,
  makerNote: false,
  userComment: false,
  interop: false,
  reviveValues: false,
  translateValues: false,
  translateKeys: true,
  mergeOutput: true,
  sanitize: true,
};

function str(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  // Camera strings are often NUL-padded fixed-width fields.
  const s = v.replace(/\0+$/g, '').trim();
  return s.length ? s : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** [deg, min, sec] + 'N'|'S'|'E'|'W' to signed decimal degrees. */
function dmsToDecimal(dms: unknown, ref: unknown): number | null {
  if (!Array.isArray(dms) || dms.length < 1) return null;
  const [d = 0, m = 0, s = 0] = dms.map(Number);
  if (![d, m, s].every(Number.isFinite)) return null;
  const v = d + m / 60 + s / 3600;
  return ref === 'S' || ref === 'W' ? -v : v;
}

/** EXIF "YYYY:MM:DD HH:MM:SS" to ISO-like local time, keeping the file's own offset if any. */
export function exifDateToIso(value: unknown, offset?: unknown): string | null {
  const s = str(value);
  if (!s) return null;
  // XMP dates (exif:DateTimeOriginal, xmp:CreateDate) carry their offset in the value itself.
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s) ??
    /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(s);
  if (!m || m[1] === '0000') return null;
  const own = m[7] === 'Z' ? '+00:00' : m[7] ? `${m[7].slice(0, 3)}:${m[7].slice(-2)}` : null;
  const off = own ?? str(offset);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off && /^[+-]\d{2}:\d{2}$/.test(off) ? off : ''}`;
}

/** JSON for the full record: binary values summarised, nothing huge. */
function toJson(record: Record<string, unknown>): string {
  return JSON.stringify(record, (_key, v: unknown) => {
    if (v instanceof Uint8Array) {
      return v.byteLength <= 64 ? { hex: Buffer.from(v).toString('hex') } : { bytes: v.byteLength };
    }
    if (typeof v === 'string' && v.length > 4096) return `${v.slice(0, 4096)}… (${v.length} chars)`;
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  });
}

/** A file's bytes as the analyser has them: its head, its size, and (when it has them all) random access. */
export interface MetadataInput {
  head: Uint8Array;
  size: number;
  /** All of the file's bytes by offset (the store copy); absent: only `head` is in hand. */
  source?: ByteSource | null;
}

/** The head alone, as a source of the file's size: reads past it are refused and reported. */
function headOnly(head: Uint8Array, size: number): ByteSource {
  return {
    size,
    read(o, n) {
      if (o + n > head.byteLength && o + Math.min(n, size - o) > head.byteLength) {
        throw new LayoutLimit(`the metadata lies beyond the first ${head.byteLength} bytes, which were all that was read`);
      }
      return head.subarray(o, Math.min(o + n, head.byteLength));
    },
  };
}

function messageOf(e: unknown): string {
  // exifr appends its internal segment record as JSON ("Segment unreachable: {...}"): not words.
  const m = (e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e)).replace(/: \{.*\}$/s, '');
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

/** GPSDateStamp "2008:10:23" + GPSTimeStamp [14, 27, 7.24] (UTC by the standard) as ISO UTC. */
function gpsTime(date: unknown, time: unknown): string | null {
  const d = str(date);
  const dm = d ? /^(\d{4})[:-](\d{2})[:-](\d{2})$/.exec(d) : null;
  if (!dm || dm[1] === '0000') return null;
  let hms: number[] | null = null;
  if (Array.isArray(time) && time.length === 3) hms = time.map(Number);
  else if (typeof time === 'string' && /^\d{1,2}:\d{2}:\d{2}/.test(time)) hms = time.split(':').map(Number);
  if (!hms || !hms.every((v) => Number.isFinite(v) && v >= 0) || hms[0]! > 23 || hms[1]! > 59 || hms[2]! >= 61) return null;
  const p = (v: number) => String(Math.floor(v)).padStart(2, '0');
  return `${dm[1]}-${dm[2]}-${dm[3]}T${p(hms[0]!)}:${p(hms[1]!)}:${p(hms[2]!)}+00:00`;
}

/** Apple's creationdate "2021-06-12T15:20:44+0200" in the taken_at form (offset as +02:00). */
function isoWithOffset(v: string | null): string | null {
  if (!v) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  if (!m) return null;
  const off = m[7] === 'Z' ? '+00:00' : m[7] ? `${m[7].slice(0, 3)}:${m[7].slice(-2)}` : '';
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${off}`;
}

type Family = 'jpeg' | 'heif' | 'tiff' | 'png' | 'raw' | 'pixels' | 'movie';
function familyOf(mime: string): Family | null {
  if (mime === 'image/jpeg') return 'jpeg';
  if (mime === 'image/heic' || mime === 'image/heif' || mime === 'image/avif') return 'heif';
  if (mime === 'image/tiff') return 'tiff';
  if (mime === 'image/png') return 'png';
  if (READABLE.has(mime)) return 'raw';
  if (PIXELS_ONLY.has(mime)) return 'pixels';
  if (MOVIES.has(mime)) return 'movie';
  return null;
}

/**
 * Reads an image's or a video's metadata. Never throws for a broken file: what could not be
 * read is in `error` (and `errors` of the record). Null when the file holds nothing to record.
 */
export async function readMetadata(mime: string | null, input: MetadataInput): Promise<PhotoMetadata | null> {
  const family = mime ? familyOf(mime) : null;
  if (!family) return null;
  const whole = input.source ?? (input.head.byteLength >= input.size ? memorySource(input.head) : headOnly(input.head, input.size));
  const src = budgeted(whole);
  const errors: string[] = [];
  const rec: MetadataRecord = {};
  let exifBytes: Uint8Array | null = null;
  let movie: ReturnType<typeof movieFacts> | null = null;
  try {
    if (family === 'jpeg') {
      const l = jpegLayout(src);
      if (l.pixels) rec.pixels = l.pixels;
      if (l.problem) errors.push(l.problem);
      // The metadata segments the walk found, checked; the head as before when it found none
      // (a damaged marker chain that exifr's byte scan may still get through).
      const c = checkJpegExif(l.segments);
      errors.push(...c.problems);
      exifBytes = c.segments.length ? compactJpeg(c.segments) : input.head;
    } else if (family === 'heif') {
      const l = heifLayout(src);
      if (l.pixels) rec.pixels = l.pixels;
      errors.push(...l.problems);
      if (l.tiff) {
        const c = checkTiff(l.tiff);
        errors.push(...c.problems);
        exifBytes = c.tiff;
      }
    } else if (family === 'tiff' || family === 'raw') {
      // TIFF-based: IFDs point anywhere; read the whole file when it is small enough.
      const all = (input.source != null || input.head.byteLength >= input.size) && whole.size <= 8 * 1024 * 1024;
      const c = checkTiff(all ? src.read(0, whole.size) : input.head, !all);
      errors.push(...c.problems);
      exifBytes = c.tiff;
    } else if (family === 'png') {
      const p = headerPixels(input.head);
      if (p) rec.pixels = p;
      exifBytes = input.head;
    } else if (family === 'pixels') {
      const p = headerPixels(input.head);
      if (p) rec.pixels = p;
      else errors.push('the image header is damaged: no pixel size could be read');
    } else {
      movie = movieFacts(src);
      if (movie.pixels) rec.pixels = movie.pixels;
      errors.push(...movie.problems);
    }
  } catch (err) {
    errors.push(messageOf(err));
  }

  let out: Record<string, unknown> | undefined;
  if (exifBytes && exifBytes.byteLength > 0) {
    try {
      out = (await exifr.parse(Buffer.from(exifBytes.buffer, exifBytes.byteOffset, exifBytes.byteLength), OPTIONS)) as Record<string, unknown> | undefined;
    } catch (err) {
      // exifr throws "Unknown file format" for bytes that are no image it knows: the type said otherwise.
      errors.push(`EXIF: ${messageOf(err)}`);
    }
  }
  if (out && Array.isArray(out.errors)) {
    // exifr's "silent" errors (Error objects, which JSON.stringify turned into {} before).
    for (const e of out.errors as unknown[]) errors.push(`EXIF: ${messageOf(e)}`);
    delete out.errors;
  }
  if (out && Object.keys(out).length) rec.exif = out;
  if (family === 'tiff' && out && !rec.pixels) {
    const w = num(out.ImageWidth);
    const h = num(out.ImageHeight);
    if (w !== null && h !== null) rec.pixels = { width: w, height: h, from: 'TIFF IFD0' };
  }

  const o = out ?? {};
  let lat = num(o.latitude);
  let lon = num(o.longitude);
  if (lat === null) lat = dmsToDecimal(o.GPSLatitude, o.GPSLatitudeRef);
  if (lon === null) lon = dmsToDecimal(o.GPSLongitude, o.GPSLongitudeRef);
  let alt = num(o.GPSAltitude);
  if (alt !== null) {
    const ref = o.GPSAltitudeRef;
    const below = ref === 1 || (ref instanceof Uint8Array && ref[0] === 1);
    if (below) alt = -alt;
  }
  const orientation = num(o.Orientation);
  // A capture date only: DateTime/ModifyDate is when the file was last written (a scanner's or an
  // editor's date) and never becomes taken_at.
  let takenAt: string | null = null;
  const candidates: [string, () => string | null][] = movie
    ? [
        // Apple's local creation date (what the phone showed, with its offset) before the movie
        // header's UTC one.
        ['QuickTime creationdate (local time)', () => isoWithOffset(movie.creationDate)],
        ['movie header creation time (UTC)', () => movie.created],
      ]
    : [
        ['DateTimeOriginal', () => exifDateToIso(o.DateTimeOriginal, o.OffsetTimeOriginal)],
        ['CreateDate', () => exifDateToIso(o.CreateDate, o.OffsetTimeDigitized)],
        ['GPS time (UTC)', () => gpsTime(o.GPSDateStamp, o.GPSTimeStamp)],
      ];
  let make = str(o.Make);
  let model = str(o.Model);
  if (movie) {
    const m: Record<string, unknown> = {};
    for (const k of ['created', 'creationDate', 'location', 'locationFrom', 'make', 'model', 'software'] as const) if (movie[k] !== null) m[k] = movie[k];
    if (Object.keys(m).length) rec.movie = m;
    make ??= movie.make;
    model ??= movie.model;
    if (movie.location) {
      const p = parseIso6709(movie.location);
      if (p) {
        lat ??= p.lat;
        lon ??= p.lon;
        alt ??= p.alt;
      } else errors.push(`the movie's location "${movie.location.slice(0, 80)}" (${movie.locationFrom}) is not in a form this reader knows`);
    }
  }
  for (const [from, get] of candidates) {
    takenAt = get();
    if (takenAt) {
      rec.takenFrom = from;
      break;
    }
  }
  if (errors.length) rec.errors = errors;
  if (!rec.exif && !rec.pixels && !rec.movie && !rec.errors) return null;
  const found = Boolean(rec.exif || rec.pixels || rec.movie);
  return {
    takenAt,
    lat,
    lon,
    alt,
    make,
    model,
    orientation: orientation === null ? null : Math.trunc(orientation),
    json: toJson(rec as Record<string, unknown>),
    error: errors.length ? `metadata ${found ? 'partly ' : ''}unreadable: ${errors.join('; ')}` : null,
  };
}
