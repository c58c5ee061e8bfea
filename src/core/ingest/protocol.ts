// Messages between the ingest pipeline (main thread) and its hashing workers.

export interface HashTask {
  id: number;
  /** Absolute path bytes of the file to read (folder sources). */
  fsPath?: Uint8Array;
  /** The bytes themselves, when the pipeline already has them (archive members). */
  data?: Uint8Array;
  /** Size expected from the walk; used for scheduling and time-outs. */
  size: number;
  /** The item's file name, for the extension-mismatch check. */
  name: string;
  /** False on the retry of a file whose analysis crashed or hung a worker: hash only. */
  analyze: boolean;
}

export interface HashResult {
  id: number;
  size: number;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  /** 'blob': bytes returned in `data` for the store database; 'file': placed in the store by the worker. */
  stored: 'blob' | 'file' | 'none';
  /** True when a 'file' object was already in the store (not written twice). */
  existed: boolean;
  data?: Uint8Array;
  mime: string | null;
  detectedExt: string | null;
  extMismatch: boolean;
  meta: {
    takenAt: string | null;
    lat: number | null;
    lon: number | null;
    alt: number | null;
    make: string | null;
    model: string | null;
    orientation: number | null;
    json: string | null;
    error: string | null;
  } | null;
  error: string | null;
}

export interface WorkerSetup {
  storeDir: string;
  tmpDir: string;
}
