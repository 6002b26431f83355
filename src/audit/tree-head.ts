// Signed tree heads: JSON for our own tools, and the C2SP tlog-checkpoint signed-note text so that
// transparency witnesses can cosign them.
//
// Signed message (the checkpoint body):  <origin>\n<size>\n<base64 root>\n<timestamp ISO 8601>\n
// The timestamp is a checkpoint extension line. Note signature line: "— <origin> base64(keyhash4 ‖ sig)"
// where keyhash4 is the first 4 bytes of H(origin ‖ 0x0A ‖ alg ‖ public key), alg 0x01 for Ed25519
// (as C2SP signed-note) and 0xFF for SM2 (a Custos-specific type; witnesses must know the key).

import { digest } from '../crypto/hash.js';
import { type SignatureAlgorithm, signMessage, verifyMessage } from '../crypto/signature.js';
import type { LogSigningKey } from './signing-key.js';

export interface TreeHead {
  origin: string;
  treeSize: number;
  /** Hex. */
  rootHash: string;
  timestamp: string;
  hashAlgorithm: 'sha256' | 'sm3';
  signatureAlgorithm: SignatureAlgorithm;
  keyId: string;
  /** Hex public key, so an exported head can be checked; trust it only if it matches a known key. */
  publicKey: string;
  /** Base64 signature over `checkpointBody(head)`. */
  signature: string;
}

export function checkpointBody(
  head: Pick<TreeHead, 'origin' | 'treeSize' | 'rootHash' | 'timestamp'>,
): string {
  return `${head.origin}\n${head.treeSize}\n${Buffer.from(head.rootHash, 'hex').toString('base64')}\n${head.timestamp}\n`;
}

export function signTreeHead(
  key: LogSigningKey,
  unsigned: Pick<TreeHead, 'origin' | 'treeSize' | 'rootHash' | 'timestamp' | 'hashAlgorithm'>,
): TreeHead {
  const signature = signMessage(key.algorithm, key.privateKey, Buffer.from(checkpointBody(unsigned), 'utf8'));
  return {
    ...unsigned,
    signatureAlgorithm: key.algorithm,
    keyId: key.keyId,
    publicKey: key.publicKey,
    signature: signature.toString('base64'),
  };
}

export function verifyTreeHeadSignature(head: TreeHead, publicKeyHex = head.publicKey): boolean {
  return verifyMessage(
    head.signatureAlgorithm,
    publicKeyHex,
    Buffer.from(checkpointBody(head), 'utf8'),
    Buffer.from(head.signature, 'base64'),
  );
}

/** The head as a C2SP signed note (checkpoint body, blank line, signature line). */
export function toCheckpointNote(head: TreeHead): string {
  const alg = head.signatureAlgorithm === 'ed25519' ? 0x01 : 0xff;
  const keyHash = digest(
    'sha256',
    Buffer.from(head.origin, 'utf8'),
    Buffer.from([0x0a, alg]),
    Buffer.from(head.publicKey, 'hex'),
  ).subarray(0, 4);
  const sig = Buffer.concat([keyHash, Buffer.from(head.signature, 'base64')]).toString('base64');
  return `${checkpointBody(head)}\n— ${head.origin} ${sig}\n`;
}
