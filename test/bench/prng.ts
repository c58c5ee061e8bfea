// Deterministic pseudo-random data for the benchmark trees. Two generators:
// - mulberry32, a tiny seeded PRNG for choices (sizes, kinds, words);
// - AES-256-CTR over zeros, keyed from (seed, label), for bulk random bytes: deterministic,
//   incompressible and several GB/s, so generating a GiB takes seconds, not minutes.
import { createCipheriv, createHash } from 'node:crypto';

export type Rng = () => number;

/** A seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG seeded from the bench seed and a label, so each file's choices depend only on its index. */
export function rngFor(seed: number, label: string): Rng {
  const h = createHash('sha256').update(`${seed}:${label}`).digest();
  return mulberry32(h.readUInt32LE(0));
}

export function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** A deterministic stream of random bytes: call next(n) repeatedly. */
export class ByteStream {
  private readonly cipher;
  constructor(seed: number, label: string) {
    const key = createHash('sha256').update(`bench-bytes:${seed}:${label}`).digest();
    this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }
  next(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }
}
