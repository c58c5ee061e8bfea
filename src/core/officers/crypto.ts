// Officer secrets. One scrypt derivation per sign-in (N=2^17, r=8, p=1 by default) gives 64
// bytes: the first half is the stored password verifier, the second half the key that unwraps
// the officer's Ed25519 private key (AES-256-GCM). The key itself never leaves memory in clear.
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scryptSync,
  sign,
  timingSafeEqual,
  verify,
  createHash,
} from 'node:crypto';

export const DEFAULT_SCRYPT_N = 2 ** 17;

export interface KdfParams {
  N: number;
  r: number;
  p: number;
  salt: string; // base64
}

export interface OfficerSecrets {
  kdf: KdfParams;
  /** base64 of the first 32 bytes of the scrypt output. */
  verifier: string;
  /** Ed25519 public key, SPKI DER base64. */
  publicKey: string;
  /** AES-256-GCM of the PKCS#8 DER private key under the second 32 bytes. */
  wrappedKey: { iv: string; tag: string; data: string };
}

function derive(password: string, kdf: KdfParams): { verifier: Buffer; kek: Buffer } {
  const out = scryptSync(password.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), 64, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r + 1024 * 1024,
  });
  return { verifier: out.subarray(0, 32), kek: out.subarray(32, 64) };
}

export function createSecrets(password: string, N = DEFAULT_SCRYPT_N): OfficerSecrets {
  const kdf: KdfParams = { N, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
  const { verifier, kek } = derive(password, kdf);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    kdf,
    verifier: verifier.toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    wrappedKey: wrap(privateKey, kek),
  };
}

function wrap(privateKey: KeyObject, kek: Buffer): OfficerSecrets['wrappedKey'] {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, iv);
  const data = Buffer.concat([c.update(privateKey.export({ type: 'pkcs8', format: 'der' })), c.final()]);
  return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Checks the password; on success returns the unwrapped private key, else null. */
export function unlock(secrets: OfficerSecrets, password: string): KeyObject | null {
  const { verifier, kek } = derive(password, secrets.kdf);
  const stored = Buffer.from(secrets.verifier, 'base64');
  if (stored.length !== verifier.length || !timingSafeEqual(stored, verifier)) return null;
  const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(secrets.wrappedKey.iv, 'base64'));
  d.setAuthTag(Buffer.from(secrets.wrappedKey.tag, 'base64'));
  const der = Buffer.concat([d.update(Buffer.from(secrets.wrappedKey.data, 'base64')), d.final()]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function signText(privateKey: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

export function verifyText(publicKeySpkiB64: string, text: string, signatureB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeySpkiB64, 'base64'), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** Short fingerprint of a public key, for people to compare: first 16 hex of SHA-256 of the SPKI. */
export function keyFingerprint(publicKeySpkiB64: string): string {
  return createHash('sha256').update(Buffer.from(publicKeySpkiB64, 'base64')).digest('hex').slice(0, 16);
}

/** PEM of a public key, for signer.pub files that `openssl pkeyutl -verify` reads. */
export function publicKeyPem(publicKeySpkiB64: string): string {
  return createPublicKey({ key: Buffer.from(publicKeySpkiB64, 'base64'), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}
