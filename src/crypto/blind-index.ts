// Blind index: a keyed HMAC (HMAC-SM3 or HMAC-SHA-256 per suite) over a normalised identifier, so
// "find by ID number" needs no decryption. Its key is separate from every encryption key.

import { createHmac } from 'node:crypto';
import type { EntityType } from '../domain/index.js';
import { type CipherSuite, hashAlgorithmOf } from './hash.js';

export type IdentifierKind = 'id_card' | 'phone' | 'bank_card' | 'email' | 'uscc' | 'passport' | 'text';

/** Canonical form of an identifier so equal identifiers index equally however they were typed. */
export function normaliseIdentifier(kind: IdentifierKind, value: string): string {
  const trimmed = value.normalize('NFKC').trim();
  switch (kind) {
    case 'id_card':
    case 'uscc':
    case 'passport':
      return trimmed.replace(/[\s-]/g, '').toUpperCase();
    case 'phone': {
      const digits = trimmed.replace(/[^\d+]/g, '');
      return digits.replace(/^(\+?86|0086)(?=1\d{10}$)/, '');
    }
    case 'bank_card':
      return trimmed.replace(/\D/g, '');
    case 'email':
      return trimmed.toLowerCase();
    case 'text':
      return trimmed.replace(/\s+/g, ' ');
  }
}

export function blindIndex(suite: CipherSuite, key: Buffer, kind: IdentifierKind, value: string): string {
  return createHmac(hashAlgorithmOf(suite), key)
    .update(`${kind}\u0000${normaliseIdentifier(kind, value)}`, 'utf8')
    .digest('hex');
}

/** The blind-index kind of each identifier entity type (the pipeline indexes these). */
export const IDENTIFIER_KINDS: Partial<Record<EntityType, IdentifierKind>> = {
  CN_RESIDENT_ID: 'id_card',
  CN_MOBILE: 'phone',
  BANK_CARD: 'bank_card',
  CN_BANK_ACCOUNT: 'bank_card',
  EMAIL: 'email',
  CN_PASSPORT: 'passport',
  CN_USCC: 'uscc',
};
