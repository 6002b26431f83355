// The log's signing key: a key file under the workspace (`keys/audit-signing-key.json`, mode 0600,
// never committed: examples/*/keys is git-ignored), created on first use together with the trust
// file that pins its public key. A lost key file is never replaced silently: once the trust file pins
// a key, only that key (or one announced by `custos audit rotate-key`) may sign.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  generateSigningKeyPair,
  keyIdOf,
  publicKeyOf,
  type SignatureAlgorithm,
  type SigningKeyPair,
} from '../crypto/signature.js';
import { ConfigError } from '../domain/index.js';
import { AUDIT_TRUST_FILE, keyFingerprint, pinMatches, readTrustFile, writeTrustFile } from './trust-file.js';

export interface LogSigningKey extends SigningKeyPair {
  keyId: string;
}

const keyFileSchema = z
  .object({
    version: z.literal(1),
    algorithm: z.enum(['ed25519', 'sm2']),
    privateKey: z.string().regex(/^[0-9a-f]{64}$/),
    publicKey: z.string().regex(/^[0-9a-f]+$/),
  })
  .strict();

export const SIGNING_KEY_FILE = 'keys/audit-signing-key.json';
/** The next key while `custos audit rotate-key` runs; its presence at start means a rotation was cut short. */
export const NEXT_SIGNING_KEY_FILE = 'keys/audit-signing-key.next.json';

/**
 * Loads the workspace's signing key for `algorithm`. The first time (no key file, no trust file) it
 * creates the key and the trust file pinning it; a workspace made before trust files gets one
 * pinning its existing key file (the file, not the database, is the anchor).
 */
export function loadOrCreateSigningKey(workspaceDir: string, algorithm: SignatureAlgorithm): LogSigningKey {
  const file = path.join(workspaceDir, SIGNING_KEY_FILE);
  const trustFile = path.join(workspaceDir, AUDIT_TRUST_FILE);
  if (existsSync(path.join(workspaceDir, NEXT_SIGNING_KEY_FILE))) {
    throw new ConfigError('an audit signing key rotation was interrupted', [
      {
        file: NEXT_SIGNING_KEY_FILE,
        path: '',
        message:
          'a rotation stopped before it finished: check `custos audit verify`, then move this file over keys/audit-signing-key.json if the log announces its key, or delete it if not',
      },
    ]);
  }
  if (!existsSync(file)) {
    if (existsSync(trustFile)) {
      // Never silently: a new key here would sign heads no verifier accepts, and hide the loss.
      throw new ConfigError('the audit signing key file is missing', [
        {
          file: SIGNING_KEY_FILE,
          path: '',
          message: `${AUDIT_TRUST_FILE} pins the log's signing keys but this file is gone: restore it from a backup (a new key is only made by \`custos audit rotate-key\`, which needs the old one)`,
        },
      ]);
    }
    const pair = generateSigningKeyPair(algorithm);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify({ version: 1, ...pair }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    writeTrustFile(trustFile, {
      keys: [{ algorithm, publicKey: pair.publicKey, addedAt: new Date().toISOString() }],
    });
    return { ...pair, keyId: keyIdOf(algorithm, pair.publicKey) };
  }
  const key = readSigningKeyFile(file, SIGNING_KEY_FILE, algorithm);
  if (!existsSync(trustFile)) {
    writeTrustFile(trustFile, {
      keys: [{ algorithm, publicKey: key.publicKey, addedAt: new Date().toISOString() }],
    });
  } else if (
    !readTrustFile(trustFile, AUDIT_TRUST_FILE).keys.some((pin) => pinMatches(pin, algorithm, key.publicKey))
  ) {
    throw new ConfigError('the audit signing key is not pinned', [
      {
        file: SIGNING_KEY_FILE,
        path: '',
        message: `holds key ${keyFingerprint(algorithm, key.publicKey)}, which ${AUDIT_TRUST_FILE} does not pin: the key file was replaced; restore the pinned key (rotation is \`custos audit rotate-key\`)`,
      },
    ]);
  }
  return key;
}

/** Reads and checks one signing-key file. */
export function readSigningKeyFile(
  file: string,
  shownAs: string,
  algorithm: SignatureAlgorithm,
): LogSigningKey {
  const problem = (message: string): ConfigError =>
    new ConfigError(`invalid audit signing key file ${shownAs}`, [{ file: shownAs, path: '', message }]);
  let parsed: z.infer<typeof keyFileSchema>;
  try {
    const result = keyFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!result.success)
      throw problem(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    parsed = result.data;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw problem('not valid JSON');
  }
  if (parsed.algorithm !== algorithm) {
    throw problem(`holds an ${parsed.algorithm} key but the workspace suite signs with ${algorithm}`);
  }
  if (publicKeyOf(parsed.algorithm, parsed.privateKey) !== parsed.publicKey) {
    throw problem('public key does not belong to the private key');
  }
  return {
    algorithm: parsed.algorithm,
    privateKey: parsed.privateKey,
    publicKey: parsed.publicKey,
    keyId: keyIdOf(parsed.algorithm, parsed.publicKey),
  };
}
