// The verifier trusts nothing in the database: tree-head keys are pinned in a trust file outside it,
// a log rewritten and re-signed with a key added to the database fails, rotation is an entry signed
// by the old key, and a lost or swapped key file is never replaced silently.

import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUDIT_TRUST_FILE,
  AuditLog,
  type AuditTrust,
  keyFingerprint,
  loadOrCreateSigningKey,
  readTrustFile,
  rotateSigningKey,
  SIGNING_KEY_FILE,
  signTreeHead,
  verifyLog,
} from '../../src/audit/index.js';
import { generateSigningKeyPair, keyIdOf } from '../../src/crypto/signature.js';
import type { AuditEvent } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';
import { createTestStore, TEST_DIALECTS } from '../support/databases.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openLog(dialect: (typeof TEST_DIALECTS)[number]) {
  const { store, cleanup } = await createTestStore(dialect);
  cleanups.push(cleanup);
  const workspaceDir = tempDir('custos-trust-');
  const log = new AuditLog({
    store,
    suite: 'aes',
    signingKey: loadOrCreateSigningKey(workspaceDir, 'ed25519'),
    origin: 'custos/test',
  });
  const trustOf = (dir = workspaceDir): AuditTrust =>
    readTrustFile(path.join(dir, AUDIT_TRUST_FILE), 'trust');
  return { store, log, workspaceDir, trustOf };
}

const events = (n: number, actor = 'user:alice'): AuditEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    actor,
    action: 'record.read',
    target: 'dataset:loans',
    details: { i },
  }));

/** What the database itself claims about keys: trusting this is the attack the pins prevent. */
async function keysFromDatabase(store: Store): Promise<AuditTrust> {
  const rows = await store.db.selectFrom('audit_keys').selectAll().execute();
  return { keys: rows.map((k) => ({ algorithm: k.algorithm as 'ed25519', publicKey: k.public_key })) };
}

describe.each(TEST_DIALECTS)('audit trust on %s', (dialect) => {
  it('refuses a tampered log re-signed with a new key added to the database', async () => {
    const { store, log, trustOf } = await openLog(dialect);
    for (let b = 0; b < 3; b++) await log.record(events(4));
    expect((await verifyLog(store, 'sha256', { trust: trustOf() })).ok).toBe(true);

    // Someone with full database access: edit entry 5, rebuild every leaf, subtree and head with a
    // key of their own, and record that key in the database's key table.
    const rows = await store.db.selectFrom('audit_entries').select(['idx', 'entry']).orderBy('idx').execute();
    await sql`DELETE FROM audit_entries`.execute(store.db);
    await sql`DELETE FROM audit_nodes`.execute(store.db);
    await sql`DELETE FROM audit_tree_heads`.execute(store.db);
    const forger = new AuditLog({
      store,
      suite: 'aes',
      signingKey: loadOrCreateSigningKey(tempDir('custos-forger-'), 'ed25519'),
      origin: 'custos/test',
    });
    const rewritten = rows.map((row) => {
      const entry = JSON.parse(row.entry) as AuditEvent & { index: number };
      return {
        actor: entry.index === 5 ? 'user:mallory' : entry.actor,
        action: entry.action,
        target: entry.target,
        ...(entry.details ? { details: entry.details } : {}),
      };
    });
    for (let b = 0; b < 3; b++) await forger.record(rewritten.slice(b * 4, b * 4 + 4));

    // Trusting the database's key table (the old behaviour) the forgery passes…
    expect((await verifyLog(store, 'sha256', { trust: await keysFromDatabase(store) })).ok).toBe(true);
    // …trusting the pinned key, it fails at the first head.
    const report = await verifyLog(store, 'sha256', { trust: trustOf() });
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'head_signature_invalid', index: 3 });
    expect(report.problem!.message).toContain('does not pin');
  });
});

describe('audit trust: pins, rotation and lost keys (SQLite)', () => {
  it('accepts a fingerprint-only pin and refuses a key the pin does not name', async () => {
    const { store, log } = await openLog('sqlite');
    await log.record(events(3));
    const pinned: AuditTrust = {
      keys: [{ algorithm: 'ed25519', fingerprint: keyFingerprint('ed25519', log.publicKey) }],
    };
    expect((await verifyLog(store, 'sha256', { trust: pinned })).ok).toBe(true);
    const other = generateSigningKeyPair('ed25519');
    const wrong: AuditTrust = {
      keys: [{ algorithm: 'ed25519', fingerprint: keyFingerprint('ed25519', other.publicKey) }],
    };
    expect((await verifyLog(store, 'sha256', { trust: wrong })).problem?.kind).toBe('head_signature_invalid');
  });

  it('rotates: the new key is announced in an entry signed by the old one, and an auditor holding only the old key follows it', async () => {
    const { store, log, workspaceDir, trustOf } = await openLog('sqlite');
    await log.record(events(5));
    // The auditor's own copy, taken before the rotation: it pins only the first key.
    const auditorCopy = trustOf();
    const oldKey = loadOrCreateSigningKey(workspaceDir, 'ed25519');
    const rotation = await rotateSigningKey(workspaceDir, log, 'cli');
    expect(rotation.announcedIn).toMatchObject({ treeSize: 6, keyId: oldKey.keyId });
    await log.record(events(4));
    expect((await log.latestHead())!.keyId).toBe(rotation.keyId);
    // The key file now holds the new key; the trust file pins both, the old one up to size 6.
    expect(JSON.parse(readFileSync(path.join(workspaceDir, SIGNING_KEY_FILE), 'utf8')).publicKey).not.toBe(
      oldKey.publicKey,
    );
    expect(trustOf().keys).toMatchObject([{ publicKey: oldKey.publicKey, untilSize: 6 }, { fromSize: 6 }]);
    expect(loadOrCreateSigningKey(workspaceDir, 'ed25519').keyId).toBe(rotation.keyId);

    expect(await verifyLog(store, 'sha256', { trust: trustOf() })).toMatchObject({ ok: true, treeSize: 10 });
    expect(await verifyLog(store, 'sha256', { trust: auditorCopy })).toMatchObject({
      ok: true,
      treeSize: 10,
    });

    // The retired (perhaps stolen) old key can no longer sign: a head it signs after the rotation fails.
    const latest = (await log.latestHead())!;
    const forged = signTreeHead(oldKey, {
      ...latest,
      treeSize: latest.treeSize,
      timestamp: latest.timestamp,
    });
    await store.db
      .updateTable('audit_tree_heads')
      .set({ key_id: forged.keyId, signature: forged.signature })
      .where('tree_size', '=', latest.treeSize)
      .execute();
    for (const trust of [trustOf(), auditorCopy]) {
      expect((await verifyLog(store, 'sha256', { trust })).problem).toMatchObject({
        kind: 'head_signature_invalid',
        index: 9,
      });
    }
  });

  it('refuses an announcement of a new key not covered by a head of the key it replaces', async () => {
    const { store, log, trustOf } = await openLog('sqlite');
    await log.record(events(2));
    // An announcement appended by a process holding a different (unpinned) key is signed by that key.
    const intruderKey = loadOrCreateSigningKey(tempDir('custos-intruder-'), 'ed25519');
    await store.db
      .insertInto('audit_keys')
      .values({
        key_id: intruderKey.keyId,
        algorithm: 'ed25519',
        public_key: intruderKey.publicKey,
        created_at: new Date().toISOString(),
      })
      .execute();
    const intruder = new AuditLog({ store, suite: 'aes', signingKey: intruderKey, origin: 'custos/test' });
    const next = generateSigningKeyPair('ed25519');
    await intruder.announceSigningKey({ ...next, keyId: keyIdOf('ed25519', next.publicKey) }, 'user:mallory');
    const report = await verifyLog(store, 'sha256', { trust: trustOf() });
    expect(report.problem).toMatchObject({ kind: 'head_signature_invalid', index: 2 });

    // An announcement that the pinned key does sign but that names another key as the one it
    // replaces does not make its key trusted.
    const second = await openLog('sqlite');
    await second.log.record(events(2));
    const impostor = generateSigningKeyPair('ed25519');
    const impostorId = keyIdOf('ed25519', impostor.publicKey);
    await second.log.record([
      {
        actor: 'cli',
        action: 'audit.signing_key_rotated',
        target: `audit-key:${impostorId}`,
        details: { previousKeyId: '0000000000000000', algorithm: 'ed25519', publicKey: impostor.publicKey },
      },
    ]);
    expect((await verifyLog(second.store, 'sha256', { trust: second.trustOf() })).problem).toMatchObject({
      kind: 'key_announcement_invalid',
      index: 2,
    });
  });

  it('never replaces a lost or swapped signing-key file silently', async () => {
    const { store, log, workspaceDir } = await openLog('sqlite');
    await log.record(events(2));
    const keyFile = path.join(workspaceDir, SIGNING_KEY_FILE);
    const saved = `${keyFile}.saved`;
    copyFileSync(keyFile, saved);

    unlinkSync(keyFile);
    expect(() => loadOrCreateSigningKey(workspaceDir, 'ed25519')).toThrow(/signing key file is missing/);

    // Another key in its place: refused, the trust file does not pin it.
    const other = generateSigningKeyPair('ed25519');
    writeFileSync(keyFile, JSON.stringify({ version: 1, ...other }), { mode: 0o600 });
    expect(() => loadOrCreateSigningKey(workspaceDir, 'ed25519')).toThrow(/not pinned/);

    // Key file and trust file both gone: a new key is made, but it may not sign the existing log.
    unlinkSync(keyFile);
    unlinkSync(path.join(workspaceDir, AUDIT_TRUST_FILE));
    const fresh = new AuditLog({
      store,
      suite: 'aes',
      signingKey: loadOrCreateSigningKey(workspaceDir, 'ed25519'),
      origin: 'custos/test',
    });
    await expect(fresh.record(events(1))).rejects.toThrow(/did not sign this log/);
    expect(await fresh.size()).toBe(2);

    // Restoring the original key file brings it back.
    copyFileSync(saved, keyFile);
    writeFileSync(
      path.join(workspaceDir, AUDIT_TRUST_FILE),
      JSON.stringify({ version: 1, keys: [{ algorithm: 'ed25519', publicKey: log.publicKey }] }),
    );
    expect(loadOrCreateSigningKey(workspaceDir, 'ed25519').publicKey).toBe(log.publicKey);
  });

  it('names the file and field of a malformed trust file', () => {
    const dir = tempDir('custos-trust-bad-');
    const file = path.join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ version: 1, keys: [{ algorithm: 'ed25519', publicKey: 'XYZ' }] }));
    try {
      readTrustFile(file, 'mine.json');
      expect.unreachable();
    } catch (error) {
      expect((error as { details: unknown }).details).toEqual([
        { file: 'mine.json', path: 'keys.0.publicKey', message: 'lower-case hexadecimal' },
      ]);
    }
  });
});
