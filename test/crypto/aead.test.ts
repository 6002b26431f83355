// Cipher suites: published vectors, the self-describing format, and tampering refused with a clear
// error (never garbage plaintext).

import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blindIndex,
  digest,
  HAS_SM4_GCM,
  normaliseIdentifier,
  open,
  parseHeader,
  seal,
} from '../../src/crypto/index.js';
import { CryptoError } from '../../src/domain/index.js';

const KEY = Buffer.alloc(32, 7);
const REF = { keyId: 'dek', version: 3 };

describe('published vectors', () => {
  it('SM4 (GB/T 32907 example 1) through node:crypto', () => {
    const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
    const cipher = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    const out = Buffer.concat([cipher.update(key), cipher.final()]);
    expect(out.toString('hex')).toBe('681edf34d206965e86b3e94f536e4246');
  });

  it('SM3 (GB/T 32905 examples)', () => {
    expect(digest('sm3', Buffer.from('abc')).toString('hex')).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
    expect(digest('sm3', Buffer.from('abcd'.repeat(16))).toString('hex')).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });

  it('AES-256-GCM (GCM specification test case 14)', () => {
    const cipher = createCipheriv('aes-256-gcm', Buffer.alloc(32), Buffer.alloc(12));
    const out = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]);
    expect(out.toString('hex')).toBe('cea7403d4d606b6e074ec5d3baf39d18');
    expect(cipher.getAuthTag().toString('hex')).toBe('d0d1c8a799996bf0265b98b5d48ab919');
  });

  it(`the sm suite uses ${HAS_SM4_GCM ? 'SM4-GCM' : 'SM4-CTR + HMAC-SM3 (this OpenSSL has no SM4-GCM)'}`, () => {
    const sealed = seal('sm', KEY, REF, Buffer.from('hello'));
    expect(parseHeader(sealed).header.mode).toBe(HAS_SM4_GCM ? 'gcm' : 'ctr-hmac');
    if (!HAS_SM4_GCM) {
      // Encrypt-then-MAC: the tag is HMAC-SM3 over header ‖ IV ‖ ciphertext with the second key half.
      const { length } = parseHeader(sealed);
      const tag = sealed.subarray(sealed.length - 32);
      const mac = createHmac('sm3', KEY.subarray(16))
        .update(sealed.subarray(0, sealed.length - 32))
        .digest();
      expect(tag.equals(mac)).toBe(true);
      expect(sealed.length).toBe(length + 16 + 5 + 32);
    }
  });
});

describe.each(['aes', 'sm'] as const)('suite %s', (suite) => {
  it('round-trips and names suite, key id and version in the header', () => {
    const sealed = seal(suite, KEY, REF, Buffer.from('身份证 110101199003078515'), Buffer.from('subject-1'));
    expect(parseHeader(sealed).header).toMatchObject({ suite, keyId: 'dek', version: 3 });
    expect(open(KEY, sealed, Buffer.from('subject-1')).toString()).toBe('身份证 110101199003078515');
    // Fresh nonce each time.
    expect(seal(suite, KEY, REF, Buffer.from('x')).equals(seal(suite, KEY, REF, Buffer.from('x')))).toBe(
      false,
    );
  });

  it('refuses any flipped bit in header, nonce, body or tag, a wrong key and a wrong subject', () => {
    const sealed = seal(suite, KEY, REF, Buffer.from('account 6222020200112233445'), Buffer.from('s1'));
    for (let byte = 2; byte < sealed.length; byte++) {
      const tampered = Buffer.from(sealed);
      tampered[byte] = tampered[byte]! ^ 0x01;
      expect(() => open(KEY, tampered, Buffer.from('s1'))).toThrow(CryptoError);
    }
    expect(() => open(Buffer.alloc(32, 8), sealed, Buffer.from('s1'))).toThrow(/failed authentication/);
    expect(() => open(KEY, sealed, Buffer.from('s2'))).toThrow(/failed authentication/);
  });

  it('gives one clear error for truncated and foreign input', () => {
    const sealed = seal(suite, KEY, REF, Buffer.from('x'));
    expect(() => open(KEY, sealed.subarray(0, 12))).toThrow(/truncated/);
    expect(() => open(KEY, sealed.subarray(0, sealed.length - 1))).toThrow(CryptoError);
    expect(() => open(KEY, Buffer.from('not a ciphertext at all'))).toThrow(/not a Custos ciphertext/);
    expect(() => open(KEY, Buffer.alloc(0))).toThrow(/not a Custos ciphertext/);
  });

  it('never returns plaintext for random mutations (property)', () => {
    const sealed = seal(suite, KEY, REF, Buffer.from('secret payload'));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.nat(), (noise, at) => {
        const tampered = Buffer.from(sealed);
        noise.forEach((value, i) => {
          const pos = (at + i) % tampered.length;
          tampered[pos] = tampered[pos]! ^ (value === 0 ? 1 : value);
        });
        expect(() => open(KEY, tampered)).toThrow(CryptoError);
      }),
      { seed: 4, numRuns: 200 },
    );
  });
});

describe('blind index', () => {
  it('normalises identifiers so equal values index equally, and depends on the key and suite', () => {
    expect(normaliseIdentifier('id_card', ' 11010119900307851x ')).toBe('11010119900307851X');
    expect(normaliseIdentifier('phone', '+86 138-0013-8000')).toBe('13800138000');
    expect(normaliseIdentifier('bank_card', '6222 0202 0011 2233 445')).toBe('6222020200112233445');
    const key = Buffer.alloc(32, 1);
    expect(blindIndex('sm', key, 'phone', '138 0013 8000')).toBe(
      blindIndex('sm', key, 'phone', '+8613800138000'),
    );
    expect(blindIndex('sm', key, 'phone', '13800138000')).not.toBe(
      blindIndex('aes', key, 'phone', '13800138000'),
    );
    expect(blindIndex('sm', key, 'phone', '13800138000')).not.toBe(
      blindIndex('sm', Buffer.alloc(32, 2), 'phone', '13800138000'),
    );
    expect(blindIndex('sm', key, 'phone', '13800138000')).toMatch(/^[0-9a-f]{64}$/);
  });
});
