// RFC 6962 hashing and proofs against the Certificate Transparency test vectors, and every
// inclusion/consistency proof of small trees built by the stored log checked by the verifier.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProofRanges,
  inclusionProofRanges,
  leafHash,
  rangeHash,
  rootFromLeafHashes,
  subtreeKey,
  subtreesForRange,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/index.js';
import { digest, type HashAlgorithm } from '../../src/crypto/hash.js';
import {
  generateSigningKeyPair,
  publicKeyOf,
  SM2_DEFAULT_USER_ID,
  signMessage,
  verifyMessage,
} from '../../src/crypto/signature.js';

// certificate-transparency merkle_tree_test.cc: leaf inputs and the roots of their prefixes.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

function leaves(algorithm: HashAlgorithm, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(algorithm, Buffer.from(`entry-${i}`)));
}

/** Proof hashes for a tree held in memory, through the same range decomposition the store uses. */
function memoryHashes(algorithm: HashAlgorithm, all: Buffer[]) {
  return (start: number, size: number) =>
    rangeHash(algorithm, start, size, (ref) =>
      rootFromLeafHashes(algorithm, all.slice(ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level)),
    );
}

describe('RFC 6962 Merkle tree', () => {
  it('reproduces the Certificate Transparency roots', () => {
    const hashes = CT_LEAVES.map((hex) => leafHash('sha256', Buffer.from(hex, 'hex')));
    for (let n = 1; n <= 8; n++) {
      expect(rootFromLeafHashes('sha256', hashes.slice(0, n)).toString('hex')).toBe(CT_ROOTS[n - 1]);
    }
    expect(rootFromLeafHashes('sha256', []).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('decomposes ranges into aligned stored subtrees', () => {
    expect(subtreesForRange(0, 7).map(subtreeKey)).toEqual(['2:0', '1:2', '0:6']);
    expect(subtreesForRange(0, 8).map(subtreeKey)).toEqual(['3:0']);
  });

  for (const algorithm of ['sha256', 'sm3'] as const) {
    it(`inclusion and consistency proofs verify for every pair up to 33 leaves (${algorithm})`, () => {
      const all = leaves(algorithm, 33);
      const hashOf = memoryHashes(algorithm, all);
      for (let n = 1; n <= 33; n++) {
        const root = rootFromLeafHashes(algorithm, all.slice(0, n));
        for (let m = 0; m < n; m++) {
          const proof = inclusionProofRanges(m, n).map(([s, k]) => hashOf(s, k));
          expect(verifyInclusion(algorithm, m, n, all[m]!, proof, root)).toBe(true);
          // The wrong leaf, a wrong index, a shortened or lengthened proof never pass.
          expect(verifyInclusion(algorithm, m, n, all[(m + 1) % 33]!, proof, root)).toBe(false);
          if (proof.length > 0) {
            expect(verifyInclusion(algorithm, m, n, all[m]!, proof.slice(1), root)).toBe(false);
            expect(verifyInclusion(algorithm, (m + 1) % n, n, all[m]!, proof, root)).toBe(
              m + 1 === n && n === 1,
            );
          }
          expect(verifyInclusion(algorithm, m, n, all[m]!, [...proof, root], root)).toBe(false);
          const old = rootFromLeafHashes(algorithm, all.slice(0, m));
          const consistency = consistencyProofRanges(m, n).map(([s, k]) => hashOf(s, k));
          if (m > 0) {
            expect(verifyConsistency(algorithm, m, n, old, root, consistency)).toBe(true);
            expect(verifyConsistency(algorithm, m, n, root, root, consistency)).toBe(false);
            expect(verifyConsistency(algorithm, m, n, old, root, consistency.slice(0, -1))).toBe(false);
          }
        }
        expect(verifyInclusion(algorithm, n, n, all[0]!, [], root)).toBe(false);
      }
    });
  }

  it('rejects any single flipped byte in a proof (property)', () => {
    const all = leaves('sha256', 20);
    const hashOf = memoryHashes('sha256', all);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.nat(), fc.nat(), fc.nat(), (n, mi, pi, bi) => {
        const m = mi % n;
        const proof = inclusionProofRanges(m, n).map(([s, k]) => Buffer.from(hashOf(s, k)));
        const root = rootFromLeafHashes('sha256', all.slice(0, n));
        const target = proof[pi % proof.length]!;
        target[bi % 32] = target[bi % 32]! ^ 0x01;
        return !verifyInclusion('sha256', m, n, all[m]!, proof, root);
      }),
      { seed: 6962, numRuns: 300 },
    );
  });
});

describe('signatures', () => {
  it('verifies the GB/T 32918.2 SM2 example signature (default user ID)', () => {
    expect(SM2_DEFAULT_USER_ID).toBe('1234567812345678');
    const privateKey = '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8';
    const publicKey = publicKeyOf('sm2', privateKey);
    expect(publicKey).toBe(
      '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
    );
    const signature = Buffer.from(
      'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
      'hex',
    );
    const message = Buffer.from('message digest');
    expect(verifyMessage('sm2', publicKey, message, signature)).toBe(true);
    expect(verifyMessage('sm2', publicKey, Buffer.from('message digesT'), signature)).toBe(false);
  });

  it('verifies the SM3 example of GB/T 32905 ("abc")', () => {
    expect(digest('sm3', Buffer.from('abc')).toString('hex')).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  for (const algorithm of ['ed25519', 'sm2'] as const) {
    it(`signs and verifies with fresh ${algorithm} keys; a flipped bit is refused`, () => {
      // Fixed message set; twenty fresh key pairs exercise key encodings with leading zero bytes too.
      for (let i = 0; i < 20; i++) {
        const pair = generateSigningKeyPair(algorithm);
        expect(publicKeyOf(algorithm, pair.privateKey)).toBe(pair.publicKey);
        const message = Buffer.from(`tree head ${i}`);
        const signature = signMessage(algorithm, pair.privateKey, message);
        expect(signature.length).toBe(64);
        expect(verifyMessage(algorithm, pair.publicKey, message, signature)).toBe(true);
        signature[i % 64] = signature[i % 64]! ^ 0x80;
        expect(verifyMessage(algorithm, pair.publicKey, message, signature)).toBe(false);
      }
    });
  }
});
