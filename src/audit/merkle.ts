// RFC 6962 §2.1 Merkle tree hashing and proofs (as restated in RFC 9162 §2.1), over any hash.
// Pure. A tree of size n over leaves D[0:n] is addressed by aligned complete subtrees
// (level l, index i) = leaves [i·2^l, (i+1)·2^l); those are what the store keeps, so a proof needs
// only the O(log n) subtrees that `subtreesFor…` name.

import { digest, digestOne, type HashAlgorithm } from '../crypto/hash.js';

export function leafHash(algorithm: HashAlgorithm, entry: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(entry.length + 1);
  input[0] = 0x00;
  input.set(entry, 1);
  return digestOne(algorithm, input);
}

// Scratch space for leaf inputs: hashing is synchronous, so one buffer serves every call and the
// verifier allocates nothing per entry for it.
let scratch = Buffer.allocUnsafe(16 * 1024);

/** H(0x00 ‖ UTF-8 text) without an intermediate buffer for the text. */
export function leafHashOfText(algorithm: HashAlgorithm, text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8') + 1;
  if (length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
  scratch[0] = 0x00;
  scratch.write(text, 1, 'utf8');
  return digestOne(algorithm, scratch.subarray(0, length));
}

export function nodeHash(algorithm: HashAlgorithm, left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return digestOne(algorithm, input);
}

export function emptyRoot(algorithm: HashAlgorithm): Buffer {
  return digest(algorithm);
}

/** An aligned complete subtree: leaves [index·2^level, (index+1)·2^level). */
export interface SubtreeRef {
  level: number;
  index: number;
}

/** Storage key of a subtree of level ≥ 1: its last leaf × 64 + level (ascending = creation order). */
export function nodeId(ref: SubtreeRef): number {
  return ((ref.index + 1) * 2 ** ref.level - 1) * 64 + ref.level;
}

export function nodeOfId(id: number): SubtreeRef & { lastLeaf: number } {
  const level = id % 64;
  const lastLeaf = (id - level) / 64;
  return { level, index: (lastLeaf + 1) / 2 ** level - 1, lastLeaf };
}

export function subtreeKey(ref: SubtreeRef): string {
  return `${ref.level}:${ref.index}`;
}

/** Largest power of two strictly less than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}

/** The aligned subtrees whose hashes make up MTH(D[start:start+size]) (start aligned to the split). */
export function subtreesForRange(start: number, size: number, out: SubtreeRef[] = []): SubtreeRef[] {
  if (size <= 0) return out;
  if (isPowerOfTwo(size) && start % size === 0) {
    out.push({ level: Math.log2(size), index: start / size });
    return out;
  }
  const k = splitPoint(size);
  subtreesForRange(start, k, out);
  subtreesForRange(start + k, size - k, out);
  return out;
}

/** Hash of D[start:start+size] computed from stored aligned subtrees. */
export function rangeHash(
  algorithm: HashAlgorithm,
  start: number,
  size: number,
  subtree: (ref: SubtreeRef) => Buffer,
): Buffer {
  if (size === 0) return emptyRoot(algorithm);
  if (isPowerOfTwo(size) && start % size === 0) {
    return subtree({ level: Math.log2(size), index: start / size });
  }
  const k = splitPoint(size);
  return nodeHash(
    algorithm,
    rangeHash(algorithm, start, k, subtree),
    rangeHash(algorithm, start + k, size - k, subtree),
  );
}

/** Ranges whose hashes form the inclusion proof PATH(m, D[0:n]), in proof order. */
function inclusionRanges(m: number, start: number, n: number, out: Array<[number, number]>): void {
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    inclusionRanges(m, start, k, out);
    out.push([start + k, n - k]);
  } else {
    inclusionRanges(m - k, start + k, n - k, out);
    out.push([start, k]);
  }
}

/** Ranges whose hashes form the consistency proof PROOF(m, D[0:n]) (RFC 6962 §2.1.2), in order. */
function consistencyRanges(
  m: number,
  start: number,
  n: number,
  complete: boolean,
  out: Array<[number, number]>,
): void {
  if (m === n) {
    if (!complete) out.push([start, n]);
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    consistencyRanges(m, start, k, complete, out);
    out.push([start + k, n - k]);
  } else {
    consistencyRanges(m - k, start + k, n - k, false, out);
    out.push([start, k]);
  }
}

export function inclusionProofRanges(index: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  inclusionRanges(index, 0, size, out);
  return out;
}

export function consistencyProofRanges(from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (from > 0 && from < to) consistencyRanges(from, 0, to, true, out);
  return out;
}

/** Every aligned subtree needed to build the given ranges' hashes. */
export function subtreesForRanges(ranges: ReadonlyArray<[number, number]>): SubtreeRef[] {
  const out: SubtreeRef[] = [];
  for (const [start, size] of ranges) subtreesForRange(start, size, out);
  return out;
}

/** MTH over in-memory leaf hashes (for tests, the standalone verifier and small trees). */
export function rootFromLeafHashes(algorithm: HashAlgorithm, leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return emptyRoot(algorithm);
  let level: Buffer[] = [...leaves];
  // Bottom-up with RFC 6962's unbalanced right edge: an odd node is promoted unchanged.
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(algorithm, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): every step is checked — index within size,
 * proof length exactly as the tree shape requires, and the final root.
 */
export function verifyInclusion(
  algorithm: HashAlgorithm,
  index: number,
  size: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leaf.length !== root.length || proof.some((p) => p.length !== root.length)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(algorithm, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(algorithm, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** Verifies a consistency proof (RFC 9162 §2.1.4.2), checking every step and both roots. */
export function verifyConsistency(
  algorithm: HashAlgorithm,
  size1: number,
  size2: number,
  root1: Buffer,
  root2: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1)
    return false;
  if (root1.length !== root2.length || proof.some((p) => p.length !== root1.length)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return proof.length === 0 && root1.equals(emptyRoot(algorithm));
  if (proof.length === 0) return false;
  let path = [...proof];
  if (isPowerOfTwo(size1)) path = [root1, ...path];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(algorithm, c, fr);
      sr = nodeHash(algorithm, c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(algorithm, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}
