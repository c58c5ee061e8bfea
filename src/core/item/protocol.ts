// Messages between the ingest pipeline (main thread) and its hashing workers.
import type { Content } from '../sources/types.ts';

/** The contents a worker can read itself ('stream' contents are read on the main thread). */
export type TaskContent = Exclude<Content, { type: 'stream' }>;

export interface HashTask {
  id: number;
  content: TaskContent;
  /** Size expected from the walk or the container; used for scheduling and time-outs. */
  size: number;
  /** The item's file name, for the extension-mismatch check and container detection. */
  name: string;
  /** False on the retry of a file whose analysis crashed or hung a worker: hash only. */
  analyze: boolean;
}

export interface ItemMeta {
  takenAt: string | null;
  lat: number | null;
  lon: number | null;
  alt: number | null;
  make: string | null;
  model: string | null;
  orientation: number | null;
  json: string | null;
  error: string | null;
}

export interface HashResult {
  id: number;
  size: number;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  /** 'blob': written to the store database by the worker (or, without one, returned in `data`); 'file': placed in the store by the worker. */
  stored: 'blob' | 'file' | 'none';
  /** True when the object was already in the store (not written twice): a 'file', or a 'blob' the worker wrote. */
  existed: boolean;
  data?: Uint8Array;
  mime: string | null;
  detectedExt: string | null;
  extMismatch: boolean;
  /** Container kind to open ('zip', 'tar', 'tar.gz', 'ab'), if this file is one. */
  container: string | null;
  meta: ItemMeta | null;
  error: string | null;
  /**
   * The case could not be written (its store copy): no property of the item. The pipeline
   * records no row for it and stops; the resume stores it.
   */
  caseFault?: { code: string; message: string };
  /** Reading the source failed (`error` says how): the pipeline checks whether the whole export is gone. */
  readFailed?: boolean;
  /** The system's code for that read failure (EIO, ENOENT, ...), where it gave one. */
  readCode?: string | null;
}

export interface WorkerSetup {
  storeDir: string;
  tmpDir: string;
  /** store/objects.db: the workers write small objects there themselves (store/blobWriter.ts). */
  objectsDb?: string;
}

/** A result with nothing learned yet; filled in as the task proceeds. */
export function blankResult(task: { id: number; size: number }): HashResult {
  return {
    id: task.id,
    size: task.size,
    md5: null,
    sha1: null,
    sha256: null,
    stored: 'none',
    existed: false,
    mime: null,
    detectedExt: null,
    extMismatch: false,
    container: null,
    meta: null,
    error: null,
  };
}
