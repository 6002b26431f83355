// Scale-out on PostgreSQL: several real `custos worker` processes claim queued runs (one run of a
// dataset at a time), and a dead worker's run is taken over.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.ts');
let ws: TestWorkspace;
afterAll(async () => ws?.cleanup());

it('three worker processes share the queue on PostgreSQL and take over a dead worker’s run', async () => {
  ws = await createPipelineWorkspace('postgres', { lawfulBasis: 'contract' });
  writePeople(
    ws.dir,
    people(3_000, 5).map(({ extra: _e, ...p }) => p),
  );
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  try {
    // A run left "running" by a worker on another machine that stopped beating a minute ago.
    const stale = new Date(Date.now() - 60_000).toISOString();
    await ctx.store.db
      .insertInto('runs')
      .values({
        id: 'dead-run',
        dataset: 'people',
        status: 'running',
        trigger: 'schedule',
        worker: 'gone-host:4242',
        heartbeat_at: stale,
        created_at: stale,
        started_at: stale,
        finished_at: null,
        error: null,
      })
      .execute();
    for (let i = 0; i < 4; i++) await ctx.runs.enqueue('people', 'test', 'test');
    const workers = await Promise.all(
      [1, 2, 3].map(() =>
        run(
          process.execPath,
          ['--import', 'tsx', BIN, 'worker', '--once', '--poll', '200', '--json', '--workspace', ws.dir],
          {
            env: { ...process.env, ...MASTER_ENV },
            timeout: 120_000,
          },
        ),
      ),
    );
    const executed = workers.map((w) => JSON.parse(w.stdout).executed as number);
    expect(executed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    const runs = await ctx.runs.list({ limit: 20 });
    expect(runs.find((r) => r.id === 'dead-run')?.status).toBe('abandoned');
    // Every queued run was executed by some worker; runs of one dataset never overlapped.
    const done = runs.filter((r) => r.id !== 'dead-run');
    expect(done.every((r) => r.status === 'succeeded')).toBe(true);
    const intervals = done
      .map((r) => [Date.parse(r.startedAt!), Date.parse(r.finishedAt!)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < intervals.length; i++)
      expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
    expect(new Set(done.map((r) => r.worker)).size).toBeGreaterThanOrEqual(1);
    const stored = await ctx.store.db
      .selectFrom('dataset_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(3_000);
    expect(done.reduce((a, r) => a + r.stored, 0)).toBe(3_000);
  } finally {
    await ctx.close();
  }
}, 180_000);
