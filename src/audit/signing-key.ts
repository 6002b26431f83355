// The log's signing key: a key file under the workspace (`keys/audit-signing-key.json`, mode 0600,
// never committed: examples/*/keys is git-ignored), created on first use.

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

/** Loads the workspace's signing key for `algorithm`, creating it if the file does not exist. */
export function loadOrCreateSigningKey(workspaceDir: string, algorithm: SignatureAlgorithm): LogSigningKey {
  const file = path.join(workspaceDir, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    const pair = generateSigningKeyPair(algorithm);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify({ version: 1, ...pair }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { ...pair, keyId: keyIdOf(algorithm, pair.publicKey) };
  }
  const problem = (message: string): ConfigError =>
    new ConfigError(`invalid audit signing key file ${SIGNING_KEY_FILE}`, [
      { file: SIGNING_KEY_FILE, path: '', message },
    ]);
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
