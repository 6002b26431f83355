// Envelope encryption with the store on SQLite and PostgreSQL: DEKs only wrapped, rotation with a
// rewrap that runs while writes go on, retirement, crypto-shredding, and a wrong master secret.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalKeyFileProvider } from '../../src/crypto/index.js';
import type { AuditEvent, AuditTrail } from '../../src/domain/index.js';
import { KeyService } from '../../src/governance/index.js';
import { createTestStore, TEST_DIALECTS } from '../support/databases.js';

const SECRET = 'test-master-secret-0123456789';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

class CollectingTrail implements AuditTrail {
  readonly events: AuditEvent[] = [];
  async record(events: readonly AuditEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

async function setup(
  dialect: (typeof TEST_DIALECTS)[number],
  suite: 'sm' | 'aes' = 'sm',
  cacheSize = 10_000,
) {
  const { store, cleanup } = await createTestStore(dialect);
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-keys-'));
  cleanups.push(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'keyring.json');
  const provider = LocalKeyFileProvider.openOrCreate(file, 'keys/keyring.json', suite, SECRET);
  const audit = new CollectingTrail();
  const keys = new KeyService(store.db, provider, audit, { cacheSize });
  return { store, keys, audit, file };
}

const record = (i: number) => ({
  id_no: `11010119900307${String(i).padStart(4, '0')}`,
  phone: `1380013${String(i).padStart(4, '0')}`,
});

describe.each(TEST_DIALECTS)('key service on %s', (dialect) => {
  it('seals records per subject, stores DEKs only wrapped, and opens them again', async () => {
    const { store, keys, file } = await setup(dialect);
    const items = Array.from({ length: 50 }, (_, i) => ({
      subjectId: `subject-${i % 20}`,
      fields: record(i),
    }));
    const sealed = await keys.encryptMany(items);
    expect(sealed.every((c) => !c.includes('110101'))).toBe(true);
    const rows = await store.db.selectFrom('subject_keys').selectAll().execute();
    expect(rows.length).toBe(20);
    for (const row of rows) expect(Buffer.from(row.wrapped_dek!, 'base64').length).toBeGreaterThan(32 + 40);
    const opened = await keys.decryptMany(
      items.map((item, i) => ({ subjectId: item.subjectId, ciphertext: sealed[i]! })),
    );
    expect(opened).toEqual(items.map((i) => i.fields));
    // A ciphertext moved to another subject does not open.
    await expect(keys.decryptRecord('subject-1', sealed[0]!)).rejects.toThrow(/failed authentication/);
    // The key file holds no key in clear.
    expect(readFileSync(file, 'utf8')).not.toMatch(/"kek"\s*:\s*"[0-9a-f]{64}"/);
  });

  it('crypto-shredding makes every copy of a subject’s ciphertext unreadable, others unaffected', async () => {
    const { store, keys, audit } = await setup(dialect);
    const [alice, bob] = await keys.encryptMany([
      { subjectId: 'alice', fields: record(1) },
      { subjectId: 'bob', fields: record(2) },
    ]);
    await keys.shred('alice', 'user:dpo');
    expect(audit.events.at(-1)).toMatchObject({
      action: 'key.shred',
      target: 'subject:alice',
      actor: 'user:dpo',
    });
    await expect(keys.decryptRecord('alice', alice!)).rejects.toThrow(/destroyed/);
    // A real quarantined copy made by a collection run: test/pipeline/consent.test.ts.
    // A fresh service (no cache) cannot either.
    const row = await store.db
      .selectFrom('subject_keys')
      .selectAll()
      .where('subject_id', '=', 'alice')
      .executeTakeFirstOrThrow();
    expect(row.wrapped_dek).toBeNull();
    expect(row.shredded_at).not.toBeNull();
    expect(await keys.decryptRecord('bob', bob!)).toEqual(record(2));
    // Shredding is final: new data for the subject gets no key back silently.
    await expect(keys.encryptRecord('alice', record(3))).rejects.toThrow(/destroyed/);
  });

  it('rotates, rewraps while writes go on, and retires the old version', async () => {
    const { store, keys, audit } = await setup(dialect, 'aes');
    const before = await keys.encryptMany(
      Array.from({ length: 120 }, (_, i) => ({ subjectId: `s${i}`, fields: record(i) })),
    );
    expect((await keys.rotate('cli')).version).toBe(2);
    await expect(keys.retire(1, 'cli')).rejects.toThrow(/still wraps 120/);
    // New subjects during the rewrap get version-2 keys straight away.
    const during = keys.encryptMany(
      Array.from({ length: 30 }, (_, i) => ({ subjectId: `new${i}`, fields: record(i) })),
    );
    const progress: number[] = [];
    const result = await keys.rewrap({ batchSize: 25, onProgress: (done) => progress.push(done) });
    await during;
    expect(result.rewrapped).toBe(120);
    expect(progress).toEqual([25, 50, 75, 100, 120]);
    const status = await keys.status();
    expect(status).toMatchObject({ currentVersion: 2, pendingRewrap: 0, dataKeys: 150 });
    await keys.retire(1, 'cli');
    expect(audit.events.map((e) => e.action)).toEqual(['key.rotate', 'key.retire']);
    // Old ciphertexts still open: their DEKs were rewrapped, not changed.
    const fresh = new KeyService(store.db, (keys as unknown as { provider: never }).provider, audit);
    expect(await fresh.decryptRecord('s7', before[7]!)).toEqual(record(7));
  });

  it('stays correct when a batch is larger than the key cache', async () => {
    const { keys } = await setup(dialect, 'sm', 8);
    const items = Array.from({ length: 40 }, (_, i) => ({ subjectId: `c${i}`, fields: record(i) }));
    const sealed = await keys.encryptMany(items);
    const opened = await keys.decryptMany(
      items.map((item, i) => ({ subjectId: item.subjectId, ciphertext: sealed[i]! })),
    );
    expect(opened).toEqual(items.map((i) => i.fields));
  });
});

describe('key file', () => {
  it('refuses a wrong master secret, a short one, and a suite mismatch with one clear error each', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-keyfile-'));
    try {
      const file = path.join(dir, 'keyring.json');
      LocalKeyFileProvider.openOrCreate(file, 'keys/keyring.json', 'sm', SECRET);
      expect(() =>
        LocalKeyFileProvider.openOrCreate(file, 'keys/keyring.json', 'sm', 'another-secret-value'),
      ).toThrow(/master secret does not open keys\/keyring.json/);
      expect(() => LocalKeyFileProvider.openOrCreate(file, 'keys/keyring.json', 'sm', 'short')).toThrow(
        /at least 16/,
      );
      expect(() => LocalKeyFileProvider.openOrCreate(file, 'keys/keyring.json', 'aes', SECRET)).toThrow(
        /holds sm keys/,
      );
      const provider = LocalKeyFileProvider.openOrCreate(file, 'keys/keyring.json', 'sm', SECRET);
      const wrapped = provider.wrap(Buffer.alloc(32, 1), Buffer.from('s'));
      provider.rotate();
      provider.retire(1);
      expect(() => provider.unwrap(wrapped, Buffer.from('s'))).toThrow(/key version 1 was retired/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
