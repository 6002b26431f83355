// The stored log on SQLite and PostgreSQL: appends, proofs that the standalone verifier accepts,
// and tampering by someone with full database access detected by `verifyLog`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUDIT_TRUST_FILE,
  AuditLog,
  leafHash,
  loadOrCreateSigningKey,
  readTrustFile,
  verifyConsistency,
  verifyInclusion,
  verifyLog,
  verifyTreeHeadSignature,
} from '../../src/audit/index.js';
import type { CipherSuite } from '../../src/crypto/hash.js';
import { signatureAlgorithmOf } from '../../src/crypto/signature.js';
import type { AuditEvent } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';
import { createTestStore, TEST_DIALECTS } from '../support/databases.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function openLog(dialect: (typeof TEST_DIALECTS)[number], suite: CipherSuite = 'aes') {
  const { store, cleanup } = await createTestStore(dialect);
  const keyDir = mkdtempSync(path.join(tmpdir(), 'custos-audit-key-'));
  cleanups.push(async () => {
    await cleanup();
    rmSync(keyDir, { recursive: true, force: true });
  });
  const signingKey = loadOrCreateSigningKey(keyDir, signatureAlgorithmOf(suite));
  const log = new AuditLog({ store, suite, signingKey, origin: 'custos/test' });
  const trust = readTrustFile(path.join(keyDir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
  return { store, log, trust };
}

function events(n: number, from = 0): AuditEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    actor: 'user:alice',
    action: 'collect.batch',
    target: `dataset:loans`,
    purpose: 'credit_assessment',
    details: { batch: from + i, stored: 10 },
  }));
}

async function fill(log: AuditLog, batches: number[]): Promise<void> {
  let from = 0;
  for (const size of batches) {
    await log.record(events(size, from));
    from += size;
  }
}

async function exec(store: Store, query: ReturnType<typeof sql>): Promise<void> {
  await query.execute(store.db);
}

describe.each(TEST_DIALECTS)('audit log on %s', (dialect) => {
  it('appends batches, signs heads and proves inclusion and consistency', async () => {
    const { store, log, trust } = await openLog(dialect);
    await fill(log, [1, 2, 5, 13, 1, 21]);
    expect(await log.size()).toBe(43);
    const head = (await log.latestHead())!;
    expect(head.treeSize).toBe(43);
    expect(verifyTreeHeadSignature(head)).toBe(true);
    expect((await verifyLog(store, log.hashAlgorithm, { trust })).ok).toBe(true);

    for (const [index, size] of [
      [0, 43],
      [42, 43],
      [17, 21],
      [3, 4],
    ] as const) {
      const proof = await log.inclusionProof(index, size);
      const entry = await store.db
        .selectFrom('audit_entries')
        .select('entry')
        .where('idx', '=', index)
        .executeTakeFirstOrThrow();
      const leaf = leafHash('sha256', Buffer.from(entry.entry, 'utf8'));
      expect(proof.leafHash).toBe(leaf.toString('hex'));
      const ok = verifyInclusion(
        'sha256',
        index,
        size,
        leaf,
        proof.proof.map((h) => Buffer.from(h, 'hex')),
        Buffer.from(proof.rootHash, 'hex'),
      );
      expect(ok).toBe(true);
    }
    expect((await log.inclusionProof(0, 43)).rootHash).toBe(head.rootHash);
    const consistency = await log.consistencyProof(8, 43);
    expect(consistency.toRoot).toBe(head.rootHash);
    expect(
      verifyConsistency(
        'sha256',
        8,
        43,
        Buffer.from(consistency.fromRoot, 'hex'),
        Buffer.from(consistency.toRoot, 'hex'),
        consistency.proof.map((h) => Buffer.from(h, 'hex')),
      ),
    ).toBe(true);
    await expect(log.inclusionProof(43, 43)).rejects.toThrow(/outside/);
    await expect(log.inclusionProof(0, 44)).rejects.toThrow(/holds 43/);
  });

  it('uses SM3 and SM2 under the sm suite', async () => {
    const { store, log, trust } = await openLog(dialect, 'sm');
    await fill(log, [3, 4]);
    const head = (await log.latestHead())!;
    expect(head.hashAlgorithm).toBe('sm3');
    expect(head.signatureAlgorithm).toBe('sm2');
    expect(verifyTreeHeadSignature(head)).toBe(true);
    const report = await verifyLog(store, 'sm3', { trust });
    expect(report).toMatchObject({ ok: true, treeSize: 7, headsChecked: 2, rootHash: head.rootHash });
  });

  it('recordWithin appends only when the caller commits', async () => {
    const { store, log, trust } = await openLog(dialect);
    await fill(log, [2]);
    await expect(
      store.db.transaction().execute(async (trx) => {
        await log.recordWithin(trx, events(3));
        throw new Error('batch failed');
      }),
    ).rejects.toThrow('batch failed');
    expect(await log.size()).toBe(2);
    await store.db.transaction().execute((trx) => log.recordWithin(trx, events(3)));
    await fill(log, [1]);
    expect(await log.size()).toBe(6);
    expect((await verifyLog(store, 'sha256', { trust })).ok).toBe(true);
  });

  it('verifies a large log with the second-thread leaf hasher and still names a changed entry', async () => {
    const { store, log, trust } = await openLog(dialect);
    await fill(log, [10_000, 10_000, 5_000]);
    expect(await verifyLog(store, 'sha256', { trust })).toMatchObject({
      ok: true,
      treeSize: 25_000,
      headsChecked: 3,
    });
    await exec(
      store,
      sql`UPDATE audit_entries SET entry = REPLACE(entry, 'user:alice', 'user:mallory') WHERE idx = 21234`,
    );
    expect((await verifyLog(store, 'sha256', { trust, pageSize: 4_000 })).problem).toMatchObject({
      index: 21234,
      kind: 'leaf_hash_mismatch',
    });
  }, 60_000);

  it('on a large log names a changed stored leaf hash, a moved entry and a deleted entry', async () => {
    const { store, log, trust } = await openLog(dialect);
    await fill(log, [10_000, 10_000, 5_000]);
    const options = { trust, pageSize: 4_000 };
    // A stored leaf hash one character longer, at the very end of the log.
    await exec(store, sql`UPDATE audit_entries SET leaf_hash = leaf_hash || '0' WHERE idx = 24999`);
    expect((await verifyLog(store, 'sha256', options)).problem).toMatchObject({
      index: 24999,
      kind: 'leaf_hash_mismatch',
    });
    await exec(store, sql`UPDATE audit_entries SET leaf_hash = substr(leaf_hash, 1, 64) WHERE idx = 24999`);
    expect((await verifyLog(store, 'sha256', options)).ok).toBe(true);
    // Two entries swapped with their leaf hashes: the first moved one is named.
    const rows = await store.db
      .selectFrom('audit_entries')
      .selectAll()
      .where('idx', 'in', [17_001, 17_003])
      .orderBy('idx')
      .execute();
    for (const [at, from] of [
      [17_001, rows[1]!],
      [17_003, rows[0]!],
    ] as const) {
      await store.db
        .updateTable('audit_entries')
        .set({ entry: from.entry, leaf_hash: from.leaf_hash })
        .where('idx', '=', at)
        .execute();
    }
    expect((await verifyLog(store, 'sha256', options)).problem).toMatchObject({
      index: 17_001,
      kind: 'entry_index_mismatch',
    });
    // A deleted entry before them is named first.
    await exec(store, sql`DELETE FROM audit_entries WHERE idx = 13001`);
    expect((await verifyLog(store, 'sha256', options)).problem).toMatchObject({
      index: 13_001,
      kind: 'entry_missing',
    });
  }, 60_000);

  describe('tampering', () => {
    it('a changed entry is named by its index', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [10, 10]);
      await exec(
        store,
        sql`UPDATE audit_entries SET entry = REPLACE(entry, 'user:alice', 'user:mallory') WHERE idx = 7`,
      );
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        index: 7,
        kind: 'leaf_hash_mismatch',
      });
    });

    it('a changed entry with a recomputed leaf hash is caught by the stored subtree', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [10, 10]);
      const row = await store.db
        .selectFrom('audit_entries')
        .select('entry')
        .where('idx', '=', 6)
        .executeTakeFirstOrThrow();
      const forged = row.entry.replace('user:alice', 'user:mallory');
      await store.db
        .updateTable('audit_entries')
        .set({ entry: forged, leaf_hash: leafHash('sha256', Buffer.from(forged)).toString('hex') })
        .where('idx', '=', 6)
        .execute();
      const problem = (await verifyLog(store, 'sha256', { trust })).problem!;
      expect(problem.kind).toBe('subtree_mismatch');
      expect(problem.index).toBe(6);
    });

    it('a deleted entry is reported at its index', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [10, 10]);
      await exec(store, sql`DELETE FROM audit_entries WHERE idx = 12`);
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        index: 12,
        kind: 'entry_missing',
      });
    });

    it('a deleted tail is reported against the signed head', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [10, 10]);
      await exec(store, sql`DELETE FROM audit_entries WHERE idx >= 15`);
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        index: 15,
        kind: 'head_beyond_log',
      });
    });

    it('reordered entries are reported at the first moved index', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [10, 10]);
      const a = await store.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('idx', '=', 4)
        .executeTakeFirstOrThrow();
      const b = await store.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('idx', '=', 9)
        .executeTakeFirstOrThrow();
      await store.db
        .updateTable('audit_entries')
        .set({ entry: b.entry, leaf_hash: b.leaf_hash })
        .where('idx', '=', 4)
        .execute();
      await store.db
        .updateTable('audit_entries')
        .set({ entry: a.entry, leaf_hash: a.leaf_hash })
        .where('idx', '=', 9)
        .execute();
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        index: 4,
        kind: 'entry_index_mismatch',
      });
    });

    it('an inserted entry outside the log is reported as unsigned', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [10]);
      const text =
        '{"v":1,"index":10,"time":"2026-01-01T00:00:00.000Z","actor":"user:mallory","action":"x","target":"y"}';
      await store.db
        .insertInto('audit_entries')
        .values({ idx: 10, entry: text, leaf_hash: leafHash('sha256', Buffer.from(text)).toString('hex') })
        .execute();
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        index: 10,
        kind: 'unsigned_entries',
      });
    });

    it('a changed subtree hash is reported', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [16]);
      await exec(store, sql`UPDATE audit_nodes SET hash = ${'00'.repeat(32)} WHERE id = ${7 * 64 + 2}`);
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        index: 4,
        toIndex: 7,
        kind: 'subtree_mismatch',
      });
    });

    it('a rewritten history is caught by an exported head and by the signed heads', async () => {
      const { store, log, trust } = await openLog(dialect);
      await fill(log, [5, 5]);
      const exported = (await log.latestHead())!;
      // The attacker rewrites everything from scratch with a fresh log (fresh tables, same shape)
      // and drops the heads it cannot re-sign with our key.
      await exec(store, sql`DELETE FROM audit_entries`);
      await exec(store, sql`DELETE FROM audit_nodes`);
      await exec(store, sql`DELETE FROM audit_tree_heads`);
      const forgerDir = mkdtempSync(path.join(tmpdir(), 'custos-forger-'));
      cleanups.push(async () => rmSync(forgerDir, { recursive: true, force: true }));
      const forger = new AuditLog({
        store,
        suite: 'aes',
        signingKey: loadOrCreateSigningKey(forgerDir, 'ed25519'),
        origin: 'custos/test',
      });
      await forger.record(events(10).map((e) => ({ ...e, actor: 'user:mallory' })));
      // Trusting only our own pinned key: the forger's heads are refused.
      expect((await verifyLog(store, 'sha256', { trust })).problem?.kind).toBe('head_signature_invalid');
      // With the witness's exported copy of our head, the rewrite shows up as a root mismatch.
      const report = await verifyLog(store, 'sha256', { trust, exportedHeads: [exported] });
      expect(report.problem).toMatchObject({ kind: 'exported_head_mismatch', index: 0, toIndex: 9 });
    });
  });
});
