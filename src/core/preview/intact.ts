// Is a stored copy still the bytes the case recorded? The store is content-addressed: an object
// is named by the SHA-256 of its bytes (store/objects.db keyed by it, or store/ab/cd/<sha256>),
// and the item row records the same digest, so a preview can check the bytes it is about to show
// against the item's SHA-256 and refuse altered evidence (STORE_ALTERED) instead of showing it
// until a Verify run flags it.
//
// Small objects (blobs, at most 256 KiB) are hashed on every read: it costs well under a
// millisecond and checks the very bytes that are sent. Files can be gigabytes (a video played in
// ranges asks for dozens of pieces), so a file is hashed whole once per process and the verdict
// kept against what identifies that state of the file (path, size, mtime, ctime, inode); any change
// to those hashes it again. A file whose size is not the recorded size is refused without hashing.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { EvidenceError } from '../errors.ts';

export interface ObjectRef {
  id: number;
  sha256: string;
  size: number;
}

/** The refusal a preview shows: the stored copy does not match the hash recorded at ingest. */
export function alteredError(item: ObjectRef, found: string): EvidenceError {
  return new EvidenceError(
    'STORE_ALTERED',
    `The stored copy of item ${item.id} does not match its recorded SHA-256 (${item.sha256.slice(0, 16)}…; ${found}): it was changed on disk after ingest, so it is not shown. Run Verify to record which stored copies changed.`,
  );
}

/** Throws STORE_ALTERED unless `data` are the item's bytes. */
export function checkBytes(item: ObjectRef, data: Uint8Array): void {
  if (data.byteLength !== item.size) throw alteredError(item, `${data.byteLength} bytes where ${item.size} were recorded`);
  const got = createHash('sha256').update(data).digest('hex');
  if (got !== item.sha256) throw alteredError(item, `the bytes now hash to ${got.slice(0, 16)}…`);
}

interface Verdict {
  /** null when the bytes match; else what was found. */
  problem: string | null;
}

/** Verdicts by file state; a promise while the file is being hashed, so concurrent ranges share one read. */
const verdicts = new Map<string, Promise<Verdict>>();
/** The most verdicts kept (a case's gallery can open thousands of photos in one sitting). */
const VERDICTS_MAX = 20_000;

let fileHashesRun = 0;
/** How many whole-file hashes this process has run (for tests: a second range must not hash again). */
export function fileHashCount(): number {
  return fileHashesRun;
}

async function hashFile(path: string): Promise<string> {
  fileHashesRun++;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Throws STORE_ALTERED unless the file at `path` holds the item's bytes: hashed once per state of
 * the file in this process, the verdict reused for every later range while the file is unchanged.
 */
export async function checkFile(item: ObjectRef, path: string): Promise<void> {
  const st = await stat(path, { bigint: true });
  if (st.size !== BigInt(item.size)) throw alteredError(item, `${st.size} bytes where ${item.size} were recorded`);
  const key = `${path}\0${item.sha256}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}`;
  let v = verdicts.get(key);
  if (!v) {
    v = hashFile(path).then((got) => ({ problem: got === item.sha256 ? null : `the bytes now hash to ${got.slice(0, 16)}…` }));
    // A read that failed (the file vanished mid-hash) is not remembered: the next request tries again.
    v.catch(() => verdicts.delete(key));
    if (verdicts.size >= VERDICTS_MAX) verdicts.delete(verdicts.keys().next().value as string);
    verdicts.set(key, v);
  }
  const { problem } = await v;
  if (problem) throw alteredError(item, problem);
}

/** Forgets every verdict (tests; nothing in the app needs it: a changed file has a new key). */
export function forgetVerdicts(): void {
  verdicts.clear();
}
