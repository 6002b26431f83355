// Field encryption benchmark: the 3 sensitive fields of 10-field records sealed (one AEAD per record
// under the subject's DEK, DEKs cached) and opened through the key service, for both suites, beside
// raw node:crypto doing the same cipher work with one key and no envelope, in the same run.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CipherSuite, LocalKeyFileProvider } from '../src/crypto/index.js';
import { KeyService } from '../src/governance/index.js';
import { openStore, parseDatabaseUrl } from '../src/store/index.js';
import type { Benchmark, BenchResult } from './result.js';

const RECORDS = 100_000;
const SUBJECTS = 10_000;
const BATCH = 1_000;

function sensitive(i: number): Record<string, unknown> {
  return {
    id_no: `1101011990030${String(i % 100000).padStart(5, '0')}`,
    phone: `138${String(i).padStart(8, '0')}`,
    bank_card: `622202020011${String(i).padStart(7, '0')}`,
  };
}

/** The same cipher work with no envelope: JSON of the fields, one AEAD with a fixed key. */
function rawRates(suite: CipherSuite): { encrypt: number; decrypt: number } {
  const key = randomBytes(32);
  const aad = Buffer.from('subject');
  const sealed: Buffer[] = [];
  let start = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    const plaintext = Buffer.from(JSON.stringify(sensitive(i)));
    if (suite === 'aes') {
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(aad);
      sealed.push(Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]));
    } else {
      const iv = randomBytes(16);
      const c = createCipheriv('sm4-ctr', key.subarray(0, 16), iv);
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      const mac = createHmac('sm3', key.subarray(16)).update(iv).update(body).update(aad).digest();
      sealed.push(Buffer.concat([iv, body, mac]));
    }
  }
  const encrypt = (RECORDS * 1000) / (performance.now() - start);
  start = performance.now();
  for (const data of sealed) {
    if (suite === 'aes') {
      const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAAD(aad);
      d.setAuthTag(data.subarray(data.length - 16));
      JSON.parse(Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]).toString());
    } else {
      const iv = data.subarray(0, 16);
      const body = data.subarray(16, data.length - 32);
      const mac = createHmac('sm3', key.subarray(16)).update(iv).update(body).update(aad).digest();
      if (!mac.equals(data.subarray(data.length - 32))) throw new Error('raw baseline MAC mismatch');
      const d = createDecipheriv('sm4-ctr', key.subarray(0, 16), iv);
      JSON.parse(Buffer.concat([d.update(body), d.final()]).toString());
    }
  }
  return { encrypt, decrypt: (RECORDS * 1000) / (performance.now() - start) };
}

async function custosRates(suite: CipherSuite, dir: string) {
  const store = await openStore(parseDatabaseUrl(`sqlite:${path.join(dir, `${suite}.db`)}`, dir));
  try {
    const provider = LocalKeyFileProvider.openOrCreate(
      path.join(dir, `${suite}.json`),
      'keyring',
      suite,
      'bench-master-secret-0123',
    );
    const keys = new KeyService(
      store.db,
      provider,
      { record: async () => undefined },
      { cacheSize: SUBJECTS },
    );
    // First sight of each subject: DEKs created (wrapped, stored) in one transaction per batch.
    let start = performance.now();
    for (let s = 0; s < SUBJECTS; s += BATCH) {
      await keys.encryptMany(
        Array.from({ length: BATCH }, (_, i) => ({
          subjectId: `subject-${s + i}`,
          fields: sensitive(s + i),
        })),
      );
    }
    const firstSight = (SUBJECTS * 1000) / (performance.now() - start);
    const sealed: string[] = [];
    start = performance.now();
    for (let r = 0; r < RECORDS; r += BATCH) {
      const out = await keys.encryptMany(
        Array.from({ length: BATCH }, (_, i) => ({
          subjectId: `subject-${(r + i) % SUBJECTS}`,
          fields: sensitive(r + i),
        })),
      );
      sealed.push(...out);
    }
    const encrypt = (RECORDS * 1000) / (performance.now() - start);
    start = performance.now();
    for (let r = 0; r < RECORDS; r += BATCH) {
      await keys.decryptMany(
        sealed
          .slice(r, r + BATCH)
          .map((ciphertext, i) => ({ subjectId: `subject-${(r + i) % SUBJECTS}`, ciphertext })),
      );
    }
    const decrypt = (RECORDS * 1000) / (performance.now() - start);
    keys.close();
    return { firstSight, encrypt, decrypt };
  } finally {
    await store.close();
  }
}

export const benchmark: Benchmark = {
  area: 'crypto',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-bench-crypto-'));
    const results: BenchResult[] = [];
    try {
      for (const suite of ['aes', 'sm'] as const) {
        const raw = rawRates(suite);
        const custos = await custosRates(suite, dir);
        const name = suite === 'aes' ? 'AES-256-GCM' : 'SM4-CTR+HMAC-SM3';
        for (const op of ['encrypt', 'decrypt'] as const) {
          const ratio = custos[op] / raw[op];
          results.push({
            name: `${op} 3 sensitive fields of 10 (${name}, DEK per subject, ${SUBJECTS} subjects)`,
            value: custos[op],
            unit: 'records/s',
            baseline: { name: 'raw node:crypto, one key, no envelope', value: raw[op] },
            ratio,
            target: 'ratio ≥ 0.7',
            isTargetMet: ratio >= 0.7,
          });
        }
        results.push({
          name: `first sight of a subject (${name}): DEK created, wrapped and stored`,
          value: custos.firstSight,
          unit: 'records/s',
        });
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
