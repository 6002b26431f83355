// Hash functions of the two cipher suites: SHA-256 for `aes`, SM3 (GB/T 32905) for `sm`.

import { createHash } from 'node:crypto';

export type CipherSuite = 'sm' | 'aes';
export type HashAlgorithm = 'sha256' | 'sm3';

export function hashAlgorithmOf(suite: CipherSuite): HashAlgorithm {
  return suite === 'sm' ? 'sm3' : 'sha256';
}

/** Digest of the concatenation of `parts`. */
export function digest(algorithm: HashAlgorithm, ...parts: Uint8Array[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}
