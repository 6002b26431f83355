// `custos audit rotate-key`: the only way the log's signing key changes. The next key is written
// aside first, announced in an entry whose head the current key signs, pinned in the trust file
// (the current key retired at that size), and only then moved over the key file.

import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSigningKeyPair, keyIdOf } from '../crypto/signature.js';
import { ConflictError } from '../domain/index.js';
import type { AuditLog } from './log.js';
import { type LogSigningKey, NEXT_SIGNING_KEY_FILE, SIGNING_KEY_FILE } from './signing-key.js';
import type { TreeHead } from './tree-head.js';
import { AUDIT_TRUST_FILE, pinMatches, readTrustFile, writeTrustFile } from './trust-file.js';

export interface RotationResult {
  previousKeyId: string;
  keyId: string;
  /** The head, signed by the previous key, that covers the announcement. */
  announcedIn: TreeHead;
}

export async function rotateSigningKey(
  workspaceDir: string,
  log: AuditLog,
  actor: string,
): Promise<RotationResult> {
  const nextFile = path.join(workspaceDir, NEXT_SIGNING_KEY_FILE);
  const keyFile = path.join(workspaceDir, SIGNING_KEY_FILE);
  const trustFile = path.join(workspaceDir, AUDIT_TRUST_FILE);
  if (existsSync(nextFile)) {
    throw new ConflictError(`${NEXT_SIGNING_KEY_FILE} exists: another rotation is running or was cut short`);
  }
  const current = { algorithm: log.signatureAlgorithm, publicKey: log.publicKey, keyId: log.signingKeyId };
  const pair = generateSigningKeyPair(current.algorithm);
  const next: LogSigningKey = { ...pair, keyId: keyIdOf(pair.algorithm, pair.publicKey) };
  writeFileSync(nextFile, `${JSON.stringify({ version: 1, ...pair }, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  let head: TreeHead;
  try {
    head = await log.announceSigningKey(next, actor);
  } catch (error) {
    // Nothing was announced: the next key is discarded.
    rmSync(nextFile, { force: true });
    throw error;
  }
  const trust = readTrustFile(trustFile, AUDIT_TRUST_FILE);
  const keys = trust.keys.map((pin) =>
    pinMatches(pin, current.algorithm, current.publicKey)
      ? { ...pin, untilSize: Math.min(pin.untilSize ?? head.treeSize, head.treeSize) }
      : pin,
  );
  keys.push({
    algorithm: next.algorithm,
    publicKey: next.publicKey,
    fromSize: head.treeSize,
    addedAt: new Date().toISOString(),
  });
  writeTrustFile(trustFile, { keys });
  // The previous private key is gone once this rename lands: nothing can sign as it any more.
  renameSync(nextFile, keyFile);
  return { previousKeyId: current.keyId, keyId: next.keyId, announcedIn: head };
}
