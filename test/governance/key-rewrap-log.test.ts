// A key rewrap's progress in the database (KeyRewrapLog, migration 0022) on SQLite and PostgreSQL:
// the latest rewrap with its counts; a running one silent for longer than REWRAP_STALE_MS shows as
// failed (interrupted).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRewrapLog, REWRAP_STALE_MS } from '../../src/governance/index.js';
import type { Store } from '../../src/store/index.js';
import { createTestStore, TEST_DIALECTS } from '../support/databases.js';

for (const dialect of TEST_DIALECTS) {
  describe(`key rewrap log (${dialect})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let now = Date.parse('2026-01-01T00:00:00Z');
    beforeAll(async () => {
      ({ store, cleanup } = await createTestStore(dialect));
    });
    afterAll(async () => cleanup?.());

    it('keeps the latest rewrap and shows a silent running one as interrupted', async () => {
      const log = new KeyRewrapLog(store.db, () => new Date(now));
      expect(await log.latest()).toMatchObject({ state: 'idle', done: 0, startedAt: null });

      const first = await log.start('user:admin/s1', 1200);
      await log.update(first, { done: 500, remaining: 700 });
      expect(await log.latest()).toMatchObject({ state: 'running', done: 500, remaining: 700 });
      now += 1_000;
      await log.update(first, {
        done: 1200,
        remaining: 0,
        state: 'succeeded',
        finishedAt: new Date(now).toISOString(),
      });
      expect(await log.latest()).toMatchObject({
        state: 'succeeded',
        done: 1200,
        remaining: 0,
        startedBy: 'user:admin/s1',
        finishedAt: new Date(now).toISOString(),
        error: null,
      });

      now += 1_000;
      await log.start('user:admin/s2', 40);
      const lastWrite = new Date(now).toISOString();
      now += REWRAP_STALE_MS; // not yet silent for longer
      expect(await log.latest()).toMatchObject({
        state: 'running',
        remaining: 40,
        startedBy: 'user:admin/s2',
      });
      now += 1;
      expect(await log.latest()).toMatchObject({
        state: 'failed',
        error: 'interrupted',
        finishedAt: lastWrite,
      });
    });
  });
}
