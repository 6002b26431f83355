// Random bearer secrets (API tokens, session cookies) and their stored form: SHA-256 of the secret.
// The secrets carry 256 bits of entropy, so a fast hash is enough; they are never stored in clear.

import { createHash, randomBytes, randomUUID } from 'node:crypto';

export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newId(): string {
  return randomUUID();
}
