// Public face of the verifiable audit log.
import { type CipherSuite, hashAlgorithmOf } from '../crypto/hash.js';
import { signatureAlgorithmOf } from '../crypto/signature.js';
import type { Store } from '../store/index.js';
import { AuditLog } from './log.js';
import { loadOrCreateSigningKey } from './signing-key.js';

export { currentClientAddress, withClientAddress } from './client-address.js';
export { type AuditEntry, canonicalJson, claimedIndex, parseEntry, serialiseEntry } from './entry.js';
export { AuditLog, type ConsistencyProof, type InclusionProof, SIGNING_KEY_ROTATED } from './log.js';
export * from './merkle.js';
export { type RotationResult, rotateSigningKey } from './rotation.js';
export {
  type LogSigningKey,
  loadOrCreateSigningKey,
  NEXT_SIGNING_KEY_FILE,
  readSigningKeyFile,
  SIGNING_KEY_FILE,
} from './signing-key.js';
export {
  checkpointBody,
  signTreeHead,
  type TreeHead,
  toCheckpointNote,
  verifyTreeHeadSignature,
} from './tree-head.js';
export {
  AUDIT_TRUST_FILE,
  type AuditTrust,
  keyFingerprint,
  type PinnedKey,
  readTrustFile,
  writeTrustFile,
} from './trust-file.js';
export { type VerifyProblem, type VerifyReport, verifyLog } from './verify.js';

/** The log's origin line for an organisation: stable, printable, no spaces. */
export function defaultAuditOrigin(organisation: string): string {
  const slug = organisation
    .normalize('NFKC')
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}._-]/gu, '');
  return `custos/${slug || 'log'}`;
}

export function openAuditLog(options: {
  store: Store;
  suite: CipherSuite;
  workspaceDir: string;
  origin: string;
}): AuditLog {
  const signingKey = loadOrCreateSigningKey(options.workspaceDir, signatureAlgorithmOf(options.suite));
  return new AuditLog({ store: options.store, suite: options.suite, signingKey, origin: options.origin });
}

export function hashAlgorithmForSuite(suite: CipherSuite) {
  return hashAlgorithmOf(suite);
}
