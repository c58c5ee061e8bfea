// Where things live inside a case folder. Pure path arithmetic, shared by the main thread and
// the workers.
import { join } from 'node:path';

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

/** store/ab/cd/<sha256> for an object kept as a file. */
export function objectFilePath(storeDir: string, sha256: string): string {
  return join(storeDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}
