// A run declared abandoned (its heartbeat stalled) while its worker is in fact still alive — a long
// database outage, a paused process — must not store another batch: the run that resumes it may
// already be storing the same dataset.

import { afterAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe.each(TEST_DIALECTS)('run ownership on %s', (dialect) => {
  it('an abandoned run whose worker lives on commits nothing and keeps its status; its successor stores all', async () => {
    const ws = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract' });
    cleanups.push(() => ws.cleanup());
    writePeople(
      ws.dir,
      people(60).map(({ extra: _e, ...p }) => p),
    );
    const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    cleanups.push(() => ctx.close());

    await ctx.runs.enqueue('people', 'test', 'test');
    const first = await ctx.runs.claim('slow-host:1');
    expect(first).toBeDefined();
    // Its heartbeat stalled a minute ago: another worker declares it abandoned and queues a successor.
    await ctx.store.db
      .updateTable('runs')
      .set({ heartbeat_at: new Date(Date.now() - 60_000).toISOString() })
      .where('id', '=', first!.id)
      .execute();
    expect(await ctx.runs.recoverStale()).toBe(1);

    // The slow worker wakes up and goes on with the run it was given.
    await ctx.runs.execute(first!.id, 'test', { batchSize: 10 }).catch((error: unknown) => error);
    const count = async () =>
      Number(
        (
          await ctx.store.db
            .selectFrom('dataset_records')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBe(0);
    const runs = await ctx.runs.list();
    expect(runs.find((r) => r.id === first!.id)).toMatchObject({ status: 'abandoned', stored: 0 });

    const successor = await ctx.runs.claim('other-host:2');
    expect(successor).toBeDefined();
    expect(successor!.id).not.toBe(first!.id);
    const summary = await ctx.runs.execute(successor!.id, 'test', { batchSize: 10 });
    expect(summary).toMatchObject({ status: 'succeeded', stored: 60 });
    expect(await count()).toBe(60);
  });
});
