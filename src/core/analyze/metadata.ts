// Photo metadata (EXIF, GPS, XMP, IPTC) with exifr, normalised into the columns officers filter
// on, plus the full record as JSON. Values are kept as written in the file (no time-zone
// guessing): DateTimeOriginal "2008:10:22 16:28:39" becomes taken_at "2008-10-22T16:28:39",
// with the offset appended only where the file records one (OffsetTimeOriginal, or in the value
// itself as XMP does: "2013-07-05T03:18:27Z" becomes "2013-07-05T03:18:27+00:00").
import exifr from 'exifr';

export interface PhotoMetadata {
  takenAt: string | null;
  lat: number | null;
  lon: number | null;
  alt: number | null;
  make: string | null;
  model: string | null;
  orientation: number | null;
  json: string;
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

export function hasReadableMetadata(mime: string | null): boolean {
  return mime !== null && READABLE.has(mime);
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

/** Reads the metadata of an image from its bytes (or the head of its bytes). Throws on a broken file. */
export async function readPhotoMetadata(bytes: Uint8Array): Promise<PhotoMetadata | null> {
  const out = (await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), OPTIONS)) as
    | Record<string, unknown>
    | undefined;
  if (!out) return null;
  let lat = num(out.latitude);
  let lon = num(out.longitude);
  if (lat === null) lat = dmsToDecimal(out.GPSLatitude, out.GPSLatitudeRef);
  if (lon === null) lon = dmsToDecimal(out.GPSLongitude, out.GPSLongitudeRef);
  let alt = num(out.GPSAltitude);
  if (alt !== null) {
    const ref = out.GPSAltitudeRef;
    const below = ref === 1 || (ref instanceof Uint8Array && ref[0] === 1);
    if (below) alt = -alt;
  }
  const orientation = num(out.Orientation);
  return {
    takenAt: exifDateToIso(out.DateTimeOriginal ?? out.CreateDate, out.OffsetTimeOriginal),
    lat,
    lon,
    alt,
    make: str(out.Make),
    model: str(out.Model),
    orientation: orientation === null ? null : Math.trunc(orientation),
    json: toJson(out),
  };
}
