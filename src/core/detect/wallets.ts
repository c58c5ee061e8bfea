// Crypto-wallet addresses, each kind validated by its own checksum so that random strings in
// code or base64 are not counted:
//   BTC legacy  1... (P2PKH, version 0x00) and 3... (P2SH, 0x05): Base58Check, 4-byte double-SHA-256
//   BTC SegWit  bc1q... (witness v0, BIP-173 bech32) and bc1p... (v1+, BIP-350 bech32m)
//   ETH         0x + 40 hex; mixed case must pass EIP-55 (Keccak-256); all-lower or all-upper
//               has no checksum and is counted apart as "unverified"
//   TRON        T... 34 chars: Base58Check with version 0x41 (USDT-TRC20 lives at these addresses)
import { createHash } from 'node:crypto';
import { keccak256Hex } from './keccak.ts';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_MAP = new Map([...B58].map((c, i) => [c, BigInt(i)]));

/** Base58 to bytes (leading '1's are zero bytes), or null on a character outside the alphabet. */
export function base58Decode(s: string): Uint8Array | null {
  let n = 0n;
  for (const ch of s) {
    const v = B58_MAP.get(ch);
    if (v === undefined) return null;
    n = n * 58n + v;
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.push(Number(n & 0xffn));
    n >>= 8n;
  }
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
}

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** Base58Check of a payload (version byte first): for building test addresses. */
export function base58CheckEncode(payload: Uint8Array): string {
  const sum = sha256(sha256(payload)).subarray(0, 4);
  const bytes = Uint8Array.from([...payload, ...sum]);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** The payload of a Base58Check string (version byte first) when its checksum holds. */
export function base58Check(s: string): Uint8Array | null {
  const raw = base58Decode(s);
  if (!raw || raw.length < 5) return null;
  const payload = raw.subarray(0, raw.length - 4);
  const sum = sha256(sha256(payload)).subarray(0, 4);
  for (let i = 0; i < 4; i++) if (sum[i] !== raw[raw.length - 4 + i]) return null;
  return payload;
}

export function isBtcBase58(s: string): boolean {
  const p = base58Check(s);
  return p !== null && p.length === 21 && (p[0] === 0x00 || p[0] === 0x05);
}

export function isTronAddress(s: string): boolean {
  if (s.length !== 34 || s[0] !== 'T') return false;
  const p = base58Check(s);
  return p !== null && p.length === 21 && p[0] === 0x41;
}

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;

function bech32Polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ gen[i]!) >>> 0;
  }
  return chk;
}

function convertBits(data: number[], from: number, to: number): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (const v of data) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & maxv);
    }
  }
  if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) return null;
  return out;
}

/** A mainnet SegWit address (bc1...): bech32 for witness v0, bech32m for v1-16, program length checked. */
export function isBtcBech32(addr: string): boolean {
  if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return false;
  const s = addr.toLowerCase();
  if (s.length < 14 || s.length > 74 || !s.startsWith('bc1')) return false;
  const data: number[] = [];
  for (const ch of s.slice(3)) {
    const v = BECH32_CHARSET.indexOf(ch);
    if (v < 0) return false;
    data.push(v);
  }
  const hrp = 'bc';
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const check = bech32Polymod([...expanded, ...data]);
  const version = data[0]!;
  if (version > 16) return false;
  if (check !== (version === 0 ? BECH32_CONST : BECH32M_CONST)) return false;
  const program = convertBits(data.slice(1, -6), 5, 8);
  if (!program || program.length < 2 || program.length > 40) return false;
  if (version === 0 && program.length !== 20 && program.length !== 32) return false;
  return true;
}

/** The EIP-55 checksummed form of a 40-hex-digit address (without 0x). */
export function eip55(hex40: string): string {
  const lower = hex40.toLowerCase();
  const h = keccak256Hex(new TextEncoder().encode(lower));
  let out = '';
  for (let i = 0; i < 40; i++) out += parseInt(h[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out;
}

/** 'verified' (mixed case passing EIP-55), 'unverified' (one case: no checksum to check) or 'invalid'. */
export function ethAddressStatus(addr: string): 'verified' | 'unverified' | 'invalid' {
  if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) return 'invalid';
  const hex = addr.slice(2);
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return 'unverified';
  return eip55(hex) === hex ? 'verified' : 'invalid';
}

export interface WalletFindings {
  btc: Set<string>;
  eth: Set<string>;
  ethUnverified: Set<string>;
  tron: Set<string>;
  /** Candidates that looked like an address but failed their checksum. */
  rejected: number;
}

const RE_BASE58 = /(?<![0-9A-Za-z])[13T][1-9A-HJ-NP-Za-km-z]{25,34}(?![0-9A-Za-z])/g;
const RE_BECH32 = /(?<![0-9A-Za-z])(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}(?![0-9A-Za-z])/g;
const RE_ETH = /(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])/g;

export function findWallets(text: string): WalletFindings {
  const f: WalletFindings = { btc: new Set(), eth: new Set(), ethUnverified: new Set(), tron: new Set(), rejected: 0 };
  for (const m of text.matchAll(RE_BASE58)) {
    const s = m[0];
    if (s[0] === 'T') {
      if (isTronAddress(s)) f.tron.add(s);
      else if (s.length === 34) f.rejected++;
    } else if (isBtcBase58(s)) f.btc.add(s);
    else if (s.length >= 26) f.rejected++;
  }
  for (const m of text.matchAll(RE_BECH32)) {
    if (isBtcBech32(m[0])) f.btc.add(m[0].toLowerCase());
    else f.rejected++;
  }
  for (const m of text.matchAll(RE_ETH)) {
    const st = ethAddressStatus(m[0]);
    if (st === 'verified') f.eth.add(m[0]);
    else if (st === 'unverified') f.ethUnverified.add(m[0].toLowerCase());
    else f.rejected++;
  }
  return f;
}
