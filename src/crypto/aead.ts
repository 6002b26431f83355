// Authenticated encryption of the two suites, with a self-describing ciphertext:
//
//   magic "CX" ‖ format 0x01 ‖ suite (0x01 aes | 0x02 sm) ‖ key-id length (1 byte) ‖ key id (UTF-8)
//   ‖ key version (uint32 BE) ‖ nonce ‖ ciphertext ‖ tag
//
// aes: AES-256-GCM, 12-byte nonce, 16-byte tag; the header is additional authenticated data.
// sm:  SM4-GCM when OpenSSL offers it, else SM4-CTR with a 16-byte IV and HMAC-SM3 over
//      header ‖ IV ‖ ciphertext (encrypt-then-MAC, 32-byte tag). The 32-byte key splits into the
//      SM4 key (first 16 bytes) and the MAC key (last 16). Node's OpenSSL has no SM4-GCM today, so
//      this build writes the CTR+HMAC form; both forms carry the same suite byte and are told apart
//      by the mode byte that follows the key version (0x01 GCM, 0x02 CTR+HMAC).
// Extra associated data (e.g. the subject id) is bound by the caller and never stored.

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  getCiphers,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { CryptoError } from '../domain/index.js';
import type { CipherSuite } from './hash.js';

const MAGIC = Buffer.from('CX', 'latin1');
const FORMAT = 0x01;
const SUITE_BYTE: Record<CipherSuite, number> = { aes: 0x01, sm: 0x02 };
const MODE_GCM = 0x01;
const MODE_CTR_HMAC = 0x02;
export const KEY_BYTES = 32;

export const HAS_SM4_GCM = getCiphers().includes('sm4-gcm');

export interface KeyRef {
  keyId: string;
  version: number;
}

export interface CiphertextHeader extends KeyRef {
  suite: CipherSuite;
  mode: 'gcm' | 'ctr-hmac';
}

// Headers are few (suite × key × version × mode): build each once.
const headerCache = new Map<string, Buffer>();

function header(suite: CipherSuite, ref: KeyRef, mode: number): Buffer {
  const cacheKey = `${suite}|${ref.keyId}|${ref.version}|${mode}`;
  let cached = headerCache.get(cacheKey);
  if (!cached) {
    cached = buildHeader(suite, ref, mode);
    if (headerCache.size < 1024) headerCache.set(cacheKey, cached);
  }
  return cached;
}

function buildHeader(suite: CipherSuite, ref: KeyRef, mode: number): Buffer {
  const id = Buffer.from(ref.keyId, 'utf8');
  if (id.length === 0 || id.length > 255) throw new CryptoError('key id must be 1–255 bytes');
  const out = Buffer.allocUnsafe(4 + 1 + id.length + 4 + 1);
  MAGIC.copy(out, 0);
  out[2] = FORMAT;
  out[3] = SUITE_BYTE[suite];
  out[4] = id.length;
  id.copy(out, 5);
  out.writeUInt32BE(ref.version, 5 + id.length);
  out[9 + id.length] = mode;
  return out;
}

/** Parses the header; throws a CryptoError naming what is wrong for truncated or foreign input. */
export function parseHeader(data: Buffer): { header: CiphertextHeader; length: number } {
  if (data.length < 10 || !data.subarray(0, 2).equals(MAGIC)) {
    throw new CryptoError('not a Custos ciphertext (bad magic or too short)');
  }
  if (data[2] !== FORMAT) throw new CryptoError(`unsupported ciphertext format ${data[2]}`);
  const suite = data[3] === 0x01 ? 'aes' : data[3] === 0x02 ? 'sm' : undefined;
  if (!suite) throw new CryptoError(`unknown cipher suite byte ${data[3]}`);
  const idLength = data[4]!;
  const length = 10 + idLength;
  if (data.length < length) throw new CryptoError('ciphertext truncated inside its header');
  const keyId = data.subarray(5, 5 + idLength).toString('utf8');
  const version = data.readUInt32BE(5 + idLength);
  const modeByte = data[9 + idLength];
  const mode = modeByte === MODE_GCM ? 'gcm' : modeByte === MODE_CTR_HMAC ? 'ctr-hmac' : undefined;
  if (!mode) throw new CryptoError(`unknown cipher mode byte ${modeByte}`);
  return { header: { suite, keyId, version, mode }, length };
}

/** GCM cipher name; typed as a GCM mode so node's typings offer setAAD/getAuthTag. */
function gcmName(suite: CipherSuite): 'aes-256-gcm' {
  return (suite === 'aes' ? 'aes-256-gcm' : 'sm4-gcm') as 'aes-256-gcm';
}

// Nonces and IVs come from a pooled CSPRNG buffer: one randomBytes call per 4,096 nonces instead
// of one per encryption (each slice is used once).
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomNonce(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    pool = randomBytes(64 * 1024);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + size));
  poolOffset += size;
  return out;
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new CryptoError(`a data key must be ${KEY_BYTES} bytes`);
}

export function seal(suite: CipherSuite, key: Buffer, ref: KeyRef, plaintext: Buffer, aad?: Buffer): Buffer {
  const mode = suite === 'aes' || HAS_SM4_GCM ? 'gcm' : 'ctr-hmac';
  return sealWithNonce(suite, mode, key, ref, randomNonce(mode === 'gcm' ? 12 : 16), plaintext, aad);
}

/**
 * `seal` with the mode and nonce given: its deterministic core, so known-answer tests can pin the
 * format. Internal to crypto/ (not in its index): a nonce must never repeat under one key, and only
 * `seal` draws them.
 */
export function sealWithNonce(
  suite: CipherSuite,
  mode: CiphertextHeader['mode'],
  key: Buffer,
  ref: KeyRef,
  nonce: Buffer,
  plaintext: Buffer,
  aad?: Buffer,
): Buffer {
  checkKey(key);
  if (mode === 'gcm') {
    if (suite === 'sm' && !HAS_SM4_GCM) throw new CryptoError('this runtime has no SM4-GCM');
    if (nonce.length !== 12) throw new CryptoError('a GCM nonce must be 12 bytes');
    const head = header(suite, ref, MODE_GCM);
    const cipher = createCipheriv(gcmName(suite), suite === 'aes' ? key : key.subarray(0, 16), nonce);
    cipher.setAAD(head);
    if (aad) cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([head, nonce, body, cipher.getAuthTag()]);
  }
  if (suite !== 'sm') throw new CryptoError('the aes suite seals with GCM only');
  if (nonce.length !== 16) throw new CryptoError('an SM4-CTR IV must be 16 bytes');
  const head = header(suite, ref, MODE_CTR_HMAC);
  const cipher = createCipheriv('sm4-ctr', key.subarray(0, 16), nonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sm3', key.subarray(16));
  mac.update(head).update(nonce).update(body);
  if (aad) mac.update(aad);
  return Buffer.concat([head, nonce, body, mac.digest()]);
}

/** Decrypts and authenticates; any change to header, nonce, body, tag or aad is refused. */
export function open(key: Buffer, data: Buffer, aad?: Buffer): Buffer {
  checkKey(key);
  const { header: head, length } = parseHeader(data);
  const headBytes = data.subarray(0, length);
  if (head.mode === 'gcm') {
    if (data.length < length + 12 + 16) throw new CryptoError('ciphertext truncated');
    const nonce = data.subarray(length, length + 12);
    const tag = data.subarray(data.length - 16);
    const body = data.subarray(length + 12, data.length - 16);
    if (head.suite === 'sm' && !HAS_SM4_GCM)
      throw new CryptoError('this runtime has no SM4-GCM to decrypt with');
    try {
      const decipher = createDecipheriv(
        gcmName(head.suite),
        head.suite === 'aes' ? key : key.subarray(0, 16),
        nonce,
      );
      decipher.setAAD(headBytes);
      if (aad) decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new CryptoError('ciphertext failed authentication (wrong key, or tampered data)');
    }
  }
  if (data.length < length + 16 + 32) throw new CryptoError('ciphertext truncated');
  const iv = data.subarray(length, length + 16);
  const tag = data.subarray(data.length - 32);
  const body = data.subarray(length + 16, data.length - 32);
  const mac = createHmac('sm3', key.subarray(16));
  mac.update(headBytes).update(iv).update(body);
  if (aad) mac.update(aad);
  if (!timingSafeEqual(mac.digest(), tag)) {
    throw new CryptoError('ciphertext failed authentication (wrong key, or tampered data)');
  }
  const decipher = createDecipheriv('sm4-ctr', key.subarray(0, 16), iv);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}
