export interface VerifyTask {
  id: number;
  size: number;
  sha256: string;
}

export interface VerifyResult {
  id: number;
  /** Where the object was found: a blob in store/objects.db, a store file, or nowhere. */
  found: 'blob' | 'file' | 'missing';
  size: number | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  error: string | null;
}

export interface VerifySetup {
  storeDir: string;
  objectsDb: string;
}
