// Signatures of the two suites: Ed25519 (node:crypto) for `aes`, SM2 with the standard default user
// ID "1234567812345678" (GB/T 32918.2, via sm-crypto, since OpenSSL through node:crypto cannot set
// the SM2 distinguishing ID) for `sm`. Keys travel as hex: Ed25519 raw 32-byte keys, SM2 a 32-byte
// private scalar and an uncompressed 65-byte public point.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { ValidationError } from '../domain/index.js';
import { type CipherSuite, digest } from './hash.js';

export type SignatureAlgorithm = 'ed25519' | 'sm2';

export const SM2_DEFAULT_USER_ID = '1234567812345678';

export interface SigningKeyPair {
  algorithm: SignatureAlgorithm;
  /** Hex. Secret: never logged. */
  privateKey: string;
  /** Hex. */
  publicKey: string;
}

export function signatureAlgorithmOf(suite: CipherSuite): SignatureAlgorithm {
  return suite === 'sm' ? 'sm2' : 'ed25519';
}

// DER prefixes that wrap a raw 32-byte Ed25519 key as PKCS#8 / SPKI.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function generateSigningKeyPair(algorithm: SignatureAlgorithm): SigningKeyPair {
  if (algorithm === 'ed25519') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    return {
      algorithm,
      privateKey: pkcs8.subarray(ED25519_PKCS8_PREFIX.length).toString('hex'),
      publicKey: spki.subarray(ED25519_SPKI_PREFIX.length).toString('hex'),
    };
  }
  const pair = smCrypto.sm2.generateKeyPairHex();
  return { algorithm, privateKey: pair.privateKey.padStart(64, '0'), publicKey: pair.publicKey };
}

/** The public key belonging to a private key (used to check a key file is not mixed up). */
export function publicKeyOf(algorithm: SignatureAlgorithm, privateKeyHex: string): string {
  if (algorithm === 'ed25519') {
    const key = createPrivateKey({ key: ed25519Pkcs8(privateKeyHex), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    return spki.subarray(ED25519_SPKI_PREFIX.length).toString('hex');
  }
  // sm-crypto has this function; its published types omit it.
  const sm2 = smCrypto.sm2 as typeof smCrypto.sm2 & { getPublicKeyFromPrivateKey(key: string): string };
  return sm2.getPublicKeyFromPrivateKey(privateKeyHex.padStart(64, '0'));
}

/** Signs `message`; returns the raw signature (Ed25519: 64 bytes; SM2: r ‖ s, 64 bytes). */
export function signMessage(
  algorithm: SignatureAlgorithm,
  privateKeyHex: string,
  message: Uint8Array,
): Buffer {
  if (algorithm === 'ed25519') {
    const key = createPrivateKey({ key: ed25519Pkcs8(privateKeyHex), format: 'der', type: 'pkcs8' });
    return sign(null, message, key);
  }
  const hex = smCrypto.sm2.doSignature(Array.from(message), privateKeyHex.padStart(64, '0'), {
    hash: true,
    userId: SM2_DEFAULT_USER_ID,
  });
  return Buffer.from(hex.padStart(128, '0'), 'hex');
}

/** True when `signature` is a valid signature of `message` by `publicKeyHex`; false on any malformation. */
export function verifyMessage(
  algorithm: SignatureAlgorithm,
  publicKeyHex: string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64) return false;
  try {
    if (algorithm === 'ed25519') {
      const raw = Buffer.from(publicKeyHex, 'hex');
      if (raw.length !== 32) return false;
      const key = createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
        format: 'der',
        type: 'spki',
      });
      return verify(null, message, key, signature);
    }
    if (!/^04[0-9a-fA-F]{128}$/.test(publicKeyHex)) return false;
    return smCrypto.sm2.doVerifySignature(
      Array.from(message),
      Buffer.from(signature).toString('hex'),
      publicKeyHex.toLowerCase(),
      { hash: true, userId: SM2_DEFAULT_USER_ID },
    );
  } catch {
    return false;
  }
}

/** A short, stable identifier of a public key: first 8 bytes of its hash under the suite, hex. */
export function keyIdOf(algorithm: SignatureAlgorithm, publicKeyHex: string): string {
  return digest(algorithm === 'sm2' ? 'sm3' : 'sha256', Buffer.from(publicKeyHex, 'hex'))
    .subarray(0, 8)
    .toString('hex');
}

function ed25519Pkcs8(privateKeyHex: string): Buffer {
  const raw = Buffer.from(privateKeyHex, 'hex');
  if (raw.length !== 32) throw new ValidationError('an Ed25519 private key must be 32 bytes of hex');
  return Buffer.concat([ED25519_PKCS8_PREFIX, raw]);
}
