// Users, failed-login backoff, API tokens and sessions on both dialects.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionService, TokenService, UserService } from '../src/governance/index.js';
import type { Store } from '../src/store/index.js';
import { createTestStore, TEST_DIALECTS } from './support/databases.js';
import { CollectingAuditTrail } from './support/workspace.js';

const PASSWORD = 'correct horse battery';

for (const dialect of TEST_DIALECTS) {
  describe(`identity on ${dialect}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let now = new Date('2026-11-25T08:00:00.000Z');
    const clock = () => now;
    const audit = new CollectingAuditTrail();
    let users: UserService;
    let tokens: TokenService;
    let sessions: SessionService;

    beforeAll(async () => {
      ({ store, cleanup } = await createTestStore(dialect));
      users = new UserService(store.db, audit, clock);
      tokens = new TokenService(store.db, users, audit, clock);
      sessions = new SessionService(store.db, users, { idleMinutes: 30, maxHours: 8 }, clock);
    });
    afterAll(async () => cleanup());

    it('creates the first admin once, with a generated password', async () => {
      const first = await users.ensureInitialAdmin(undefined);
      expect(first).toMatchObject({ username: 'admin', isGenerated: true });
      expect(first?.password.length).toBeGreaterThanOrEqual(20);
      expect(await users.ensureInitialAdmin('another password!')).toBeUndefined();
      await expect(users.authenticate('admin', first!.password)).resolves.toMatchObject({ role: 'admin' });
    });

    it('stores argon2id hashes, never the password, and audits creation', async () => {
      await users.create({ username: 'alice', role: 'analyst', password: PASSWORD }, 'user:admin');
      const row = await store.db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', 'alice')
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(row)).not.toContain(PASSWORD);
      expect(audit.events).toContainEqual(
        expect.objectContaining({ actor: 'user:admin', action: 'user.create', target: 'user:alice' }),
      );
      await expect(
        users.create({ username: 'alice', role: 'auditor', password: PASSWORD }, 'cli'),
      ).rejects.toMatchObject({
        code: 'conflict',
      });
      await expect(
        users.create({ username: 'bob', role: 'auditor', password: 'short' }, 'cli'),
      ).rejects.toMatchObject({
        code: 'validation',
      });
    });

    it('locks after repeated failures, refuses even the right password while locked, then recovers', async () => {
      for (let i = 0; i < 3; i++) {
        await expect(users.authenticate('alice', 'wrong password!!')).rejects.toMatchObject({
          code: 'unauthorized',
        });
      }
      // The third failure set a 1 s lock.
      await expect(users.authenticate('alice', PASSWORD)).rejects.toMatchObject({
        code: 'rate_limited',
        retryAfterSeconds: 1,
      });
      now = new Date(now.getTime() + 1_500);
      await expect(users.authenticate('alice', 'wrong again!!!')).rejects.toMatchObject({
        code: 'unauthorized',
      });
      await expect(users.authenticate('alice', PASSWORD)).rejects.toMatchObject({ retryAfterSeconds: 2 });
      now = new Date(now.getTime() + 2_500);
      await expect(users.authenticate('alice', PASSWORD)).resolves.toMatchObject({ username: 'alice' });
      const row = await store.db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', 'alice')
        .executeTakeFirstOrThrow();
      expect(row.failed_login_count).toBe(0);
      expect(row.locked_until).toBeNull();
    });

    it('answers an unknown user like a wrong password', async () => {
      await expect(users.authenticate('nobody', PASSWORD)).rejects.toMatchObject({
        code: 'unauthorized',
        message: 'invalid username or password',
      });
    });

    it('issues tokens shown once and stored hashed; expiry and revocation end them', async () => {
      const { token, info } = await tokens.create('alice', 'ci job', 3_600_000, 'user:alice');
      expect(token).toMatch(/^cst_[A-Za-z0-9_-]{43}$/);
      const stored = await store.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', info.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(stored)).not.toContain(token.slice(4));
      await expect(tokens.authenticate(token)).resolves.toMatchObject({
        user: { username: 'alice' },
        tokenId: info.id,
      });
      await expect(tokens.authenticate(`${token}x`)).rejects.toMatchObject({ code: 'unauthorized' });

      now = new Date(now.getTime() + 3_600_001);
      await expect(tokens.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' });

      const second = await tokens.create('alice', 'second', 86_400_000, 'user:alice');
      const bob = await users.create({ username: 'bob', role: 'auditor', password: PASSWORD }, 'cli');
      await expect(
        tokens.revoke(
          second.info.id,
          { userId: bob.id, username: 'bob', role: 'auditor', via: 'token' },
          'user:bob',
        ),
      ).rejects.toMatchObject({ code: 'forbidden' });
      await tokens.revoke(second.info.id, 'cli', 'cli');
      await expect(tokens.authenticate(second.token)).rejects.toMatchObject({ code: 'unauthorized' });
      expect(audit.events.filter((e) => e.action === 'token.revoke')).toHaveLength(1);
    });

    it('refuses tokens of disabled users and lifetimes out of range', async () => {
      const { token } = await tokens.create('bob', 'x', 86_400_000, 'cli');
      await users.setDisabled('bob', true, 'cli');
      await expect(tokens.authenticate(token)).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(tokens.create('alice', 'y', 400 * 86_400_000, 'cli')).rejects.toMatchObject({
        code: 'validation',
      });
    });

    it('ends sessions on idle timeout, at the absolute limit, on logout and on password change', async () => {
      const alice = await users.get('alice');
      const idle = await sessions.create(alice);
      await expect(sessions.authenticate(idle.secret)).resolves.toMatchObject({ username: 'alice' });
      now = new Date(now.getTime() + 31 * 60_000);
      await expect(sessions.authenticate(idle.secret)).rejects.toMatchObject({ code: 'unauthorized' });

      const active = await sessions.create(alice);
      for (let i = 0; i < 17; i++) {
        now = new Date(now.getTime() + 29 * 60_000);
        if (i < 16) await expect(sessions.authenticate(active.secret)).resolves.toBeDefined();
      }
      await expect(sessions.authenticate(active.secret)).rejects.toMatchObject({ code: 'unauthorized' });

      const loggedOut = await sessions.create(alice);
      await sessions.revoke(loggedOut.secret);
      await expect(sessions.authenticate(loggedOut.secret)).rejects.toMatchObject({ code: 'unauthorized' });

      const beforePasswordChange = await sessions.create(alice);
      await users.setPassword('alice', 'a new long password', 'user:alice');
      await expect(sessions.authenticate(beforePasswordChange.secret)).rejects.toMatchObject({
        code: 'unauthorized',
      });
    });
  });
}
