// The three digests every piece of evidence gets, MD5, SHA-1 and SHA-256, computed over the same
// bytes in one pass (ingest, the store's checks, bundles and their verification all use this).
import { createHash, type Hash } from 'node:crypto';

export interface Digests {
  md5: string;
  sha1: string;
  sha256: string;
}

export class TripleHash {
  private readonly h: [Hash, Hash, Hash] = [createHash('md5'), createHash('sha1'), createHash('sha256')];
  update(b: Uint8Array): void {
    this.h[0].update(b);
    this.h[1].update(b);
    this.h[2].update(b);
  }
  digest(): Digests {
    return { md5: this.h[0].digest('hex'), sha1: this.h[1].digest('hex'), sha256: this.h[2].digest('hex') };
  }
}

export function hashBytes(b: Uint8Array): Digests {
  const t = new TripleHash();
  t.update(b);
  return t.digest();
}
