// Password hashing with argon2id (RFC 9106) and the password rules users see.

import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { ValidationError } from '../domain/index.js';

// RFC 9106 §4 second recommended option (64 MiB, t=3, p=4), OWASP-compatible.
// `Algorithm` is an ambient const enum (not importable as a value here): 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const;

export const MIN_PASSWORD_LENGTH = 12;

/** The workspace's password rules (custos.yaml `security.passwords`). */
export interface PasswordPolicy {
  minLength: number;
  /** How many of: lower-case, upper-case, digits, anything else. */
  minCharacterClasses: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: MIN_PASSWORD_LENGTH,
  minCharacterClasses: 1,
};

export function checkPasswordRules(password: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): void {
  // Counted in code points, so a Chinese pass phrase counts its characters, not its UTF-16 units.
  if ([...password].length < policy.minLength) {
    throw new ValidationError(`password must have at least ${policy.minLength} characters`, {
      field: 'password',
    });
  }
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((c) =>
    c.test(password),
  ).length;
  if (classes < policy.minCharacterClasses) {
    throw new ValidationError(
      `password must mix at least ${policy.minCharacterClasses} of: lower-case letters, upper-case letters, digits, other characters`,
      { field: 'password' },
    );
  }
  if (password.length > 1024) {
    throw new ValidationError('password is too long (max 1024 characters)', { field: 'password' });
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash verifies nothing; the caller reports invalid credentials.
    return false;
  }
}

// A hash of a random password, verified against when the user does not exist, so the response
// time does not reveal which usernames exist.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`);
  return dummyHash;
}
