// Where things live inside a case folder. Pure path arithmetic, shared by the main thread and
// the workers.
import { join } from 'node:path';
import { visible } from '../../shared/text.ts';
import { EvidenceError } from '../errors.ts';

/** Objects up to this size are kept as blobs in store/objects.db; larger ones as files. */
export const SMALL_OBJECT_MAX = 256 * 1024;

export interface CaseLayout {
  root: string;
  db: string;
  store: string;
  objectsDb: string;
  tmp: string;
  keys: string;
}

export function caseLayout(root: string): CaseLayout {
  const store = join(root, 'store');
  return {
    root,
    db: join(root, 'case.db'),
    store,
    objectsDb: join(store, 'objects.db'),
    tmp: join(store, 'tmp'),
    keys: join(root, 'keys'),
  };
}

/** True for a SHA-256 digest as the store names objects: 64 lower-case hex digits. */
export function isSha256Hex(s: unknown): boolean {
  return typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
}

/**
 * store/ab/cd/<sha256> for an object kept as a file. The digest comes from the case database,
 * which someone may have edited: anything but 64 hex digits (e.g. "../../x") is refused here, so
 * no store path can ever point outside the store.
 */
export function objectFilePath(storeDir: string, sha256: string): string {
  if (!isSha256Hex(sha256)) {
    const shown = visible(String(sha256).slice(0, 80));
    throw new EvidenceError(
      'CASE_DAMAGED',
      `The catalogue names a stored copy "${shown}", which is not a SHA-256 digest: the case database was altered or damaged. Nothing was read; run evidence verify and evidence custody verify.`,
    );
  }
  return join(storeDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}
