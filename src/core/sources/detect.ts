// Which files are containers the ingest opens. Documents built on ZIP (docx, xlsx, apk, jar,
// epub, odt...) are evidence in their own right and are not expanded; plain ZIPs (and UFDRs),
// TARs, gzipped TARs and Android backups are.
import { gunzipSync } from 'node:zlib';

const AB_MAGIC = Buffer.from('ANDROID BACKUP\n');

function isTarHeader(block: Uint8Array): boolean {
  return block.byteLength >= 262 && Buffer.from(block.subarray(257, 262)).toString('latin1') === 'ustar';
}

export function containerKindOf(mime: string | null, name: string, head: Uint8Array): string | null {
  const lower = name.toLowerCase();
  if (head.byteLength >= AB_MAGIC.byteLength && Buffer.from(head.subarray(0, AB_MAGIC.byteLength)).equals(AB_MAGIC)) return 'ab';
  if (mime === 'application/zip') return 'zip';
  if (mime === 'application/x-tar') return 'tar';
  if (mime === 'application/gzip') {
    if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
    try {
      const out = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a head is not a whole stream */, maxOutputLength: 4096 });
      if (isTarHeader(out)) return 'tar.gz';
    } catch {
      /* not a tar inside, or not enough of it in the head */
    }
  }
  return null;
}
