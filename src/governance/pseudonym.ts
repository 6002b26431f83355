// Stable pseudonyms for the `hash` mask: a keyed HMAC (HMAC-SM3 or HMAC-SHA256 by suite) of the
// value's blind index, under a key derived from the workspace's blind-index key. The same value has
// the same pseudonym across datasets and reads of one workspace, and a stored blind index yields it
// without decrypting anything. The pseudonym is not the blind index itself, so a pseudonymised
// export cannot be joined back against the index tables.

import { createHmac } from 'node:crypto';
import { blindIndex, type CipherSuite, hashAlgorithmOf, type IdentifierKind } from '../crypto/index.js';

const PSEUDONYM_LABEL = 'custos/pseudonym/v1';

export class Pseudonymiser {
  private readonly key: Buffer;

  constructor(
    private readonly suite: CipherSuite,
    private readonly indexKey: Buffer,
  ) {
    this.key = createHmac(hashAlgorithmOf(suite), indexKey).update(PSEUDONYM_LABEL).digest();
  }

  /** From a blind index already stored for the field (no clear value needed). */
  fromIndex(indexHash: string): string {
    return `p_${createHmac(hashAlgorithmOf(this.suite), this.key).update(indexHash).digest('hex').slice(0, 24)}`;
  }

  /** From a clear value, through the blind index its kind would give. */
  fromValue(kind: IdentifierKind, value: string): string {
    return this.fromIndex(blindIndex(this.suite, this.indexKey, kind, value));
  }
}
