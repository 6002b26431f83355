// The audit log's trust anchors, kept outside the database: `audit-trust.json` in the workspace (or an
// auditor's own copy) pins the public keys — or their fingerprints — allowed to sign tree heads.
// The verifier trusts nothing the database says about keys (docs/security.md, trust model).

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { digest } from '../crypto/hash.js';
import { keyIdOf, type SignatureAlgorithm } from '../crypto/signature.js';
import { ConfigError } from '../domain/index.js';

export const AUDIT_TRUST_FILE = 'audit-trust.json';

/** One pinned key: the public key itself, or its fingerprint (then the public key may come from anywhere). */
export interface PinnedKey {
  algorithm: SignatureAlgorithm;
  /** Hex public key. */
  publicKey?: string;
  /** `sha256:<hex>` (Ed25519) or `sm3:<hex>` (SM2) of the public key bytes. */
  fingerprint?: string;
  /** Heads of this size or smaller may not be signed by it (it was announced at this size). */
  fromSize?: number;
  /** Heads larger than this may not be signed by it (it was retired at this size). */
  untilSize?: number;
  addedAt?: string;
}

export interface AuditTrust {
  keys: PinnedKey[];
}

const pinnedKeySchema = z
  .object({
    algorithm: z.enum(['ed25519', 'sm2']),
    publicKey: z
      .string()
      .regex(/^[0-9a-f]+$/, 'lower-case hexadecimal')
      .optional(),
    fingerprint: z
      .string()
      .regex(/^(sha256|sm3):[0-9a-f]{64}$/, 'sha256:<64 hex> or sm3:<64 hex>')
      .optional(),
    fromSize: z.number().int().nonnegative().optional(),
    untilSize: z.number().int().nonnegative().optional(),
    addedAt: z.string().optional(),
  })
  .strict()
  .refine((k) => k.publicKey !== undefined || k.fingerprint !== undefined, {
    message: 'needs publicKey or fingerprint',
  });

const trustFileSchema = z.object({ version: z.literal(1), keys: z.array(pinnedKeySchema).min(1) }).strict();

/** Fingerprint of a public key: the suite's hash of its bytes, named. */
export function keyFingerprint(algorithm: SignatureAlgorithm, publicKeyHex: string): string {
  const hash = algorithm === 'sm2' ? 'sm3' : 'sha256';
  return `${hash}:${digest(hash, Buffer.from(publicKeyHex, 'hex')).toString('hex')}`;
}

/** Does `pin` name this public key (by value or by fingerprint)? */
export function pinMatches(pin: PinnedKey, algorithm: SignatureAlgorithm, publicKeyHex: string): boolean {
  if (pin.algorithm !== algorithm) return false;
  if (pin.publicKey !== undefined) return pin.publicKey === publicKeyHex;
  return pin.fingerprint === keyFingerprint(algorithm, publicKeyHex);
}

export function pinnedKeyId(pin: PinnedKey): string | undefined {
  return pin.publicKey === undefined ? undefined : keyIdOf(pin.algorithm, pin.publicKey);
}

/** Reads a trust file; `shownAs` names it in errors (a workspace-relative path or the given path). */
export function readTrustFile(file: string, shownAs: string): AuditTrust {
  const problem = (path: string, message: string) =>
    new ConfigError(`invalid audit trust file ${shownAs}`, [{ file: shownAs, path, message }]);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw problem(
      '',
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file does not exist' : 'not readable JSON',
    );
  }
  const result = trustFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw problem(issue.path.join('.'), issue.message);
  }
  return {
    keys: result.data.keys.map((k) =>
      Object.fromEntries(Object.entries(k).filter(([, v]) => v !== undefined)),
    ),
  } as unknown as AuditTrust;
}

export function trustFileExists(file: string): boolean {
  return existsSync(file);
}

/** Writes the trust file atomically (temporary file, then rename). */
export function writeTrustFile(file: string, trust: AuditTrust): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ version: 1, keys: trust.keys }, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, file);
}
