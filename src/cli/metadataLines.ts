// The metadata block of `evidence show`: what was read, where "taken" came from, the pixel size
// the image itself declares beside the one EXIF claims. What could not be read is one of the
// item's problems (catalogue/issues.ts, code metadata-unreadable), printed with them.
import { withMeaning } from '../shared/exifMeanings.ts';
import type { ItemDetail } from '../shared/outputs.ts';

type Meta = NonNullable<ItemDetail['metadata']>;

function rec(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function metadataLines(m: Meta): string[] {
  const f = m.fields ?? {};
  // Cases catalogued before the record had its parts hold exifr's fields flat.
  const parted = ['exif', 'pixels', 'takenFrom', 'movie', 'errors'].some((k) => k in f);
  const exif = rec(f['exif']) ?? (parted ? {} : f);
  const px = rec(f['pixels']);
  const movie = rec(f['movie']);
  const from = typeof f['takenFrom'] === 'string' ? ` (from ${f['takenFrom']})` : '';
  const gpsFrom = movie && typeof movie['locationFrom'] === 'string' && m.lat !== null ? ` (from ${movie['locationFrom']})` : '';
  const claimW = exif['ExifImageWidth'];
  const claimH = exif['ExifImageHeight'];
  const claim = typeof claimW === 'number' && typeof claimH === 'number' ? `${claimW} x ${claimH}` : null;
  const size = px ? `${String(px['width'])} x ${String(px['height'])} (${String(px['from'])})` : '-';
  const lines = [
    '  metadata:',
    `    taken:       ${m.taken_at ?? '-'}${m.taken_at ? from : ''}`,
    `    GPS:         ${m.lat !== null && m.lon !== null ? `${m.lat.toFixed(7)}, ${m.lon.toFixed(7)}${m.alt !== null ? `, ${m.alt} m` : ''}${gpsFrom}` : '-'}`,
    `    camera:      ${[m.make, m.model].filter(Boolean).join(' ') || '-'}`,
    `    orientation: ${m.orientation !== null && m.orientation !== undefined ? withMeaning('Orientation', m.orientation, 'en') : '-'}`,
    ...(typeof exif['Flash'] === 'number' ? [`    flash:       ${withMeaning('Flash', exif['Flash'], 'en')}`] : []),
    `    pixels:      ${size}${claim ? `; EXIF claims ${claim}${px && (px['width'] !== claimW || px['height'] !== claimH) ? ' (DIFFERENT: resized or edited after it was taken?)' : ''}` : ''}`,
  ];
  if (movie && typeof movie['created'] === 'string' && f['takenFrom'] !== 'movie header creation time (UTC)') {
    lines.push(`    movie header: created ${movie['created']} (UTC)`);
  }
  const n = Object.keys(exif).length;
  if (n) lines.push(`    fields:      ${n} (see --json)`);
  return lines;
}
