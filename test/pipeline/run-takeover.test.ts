// Runs that survive their worker: a run queued with `custos collect --queue` is executed by a real
// `custos worker` process; that process is killed (SIGKILL) mid-run, and the other worker process
// — already running, idle — takes the run over from its checkpoint within the heartbeat timeout.
// Runs started inline (`custos collect`) and runs that have used up their attempts are not re-queued.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppContext, openContext } from '../../src/context.js';
import { MAX_ATTEMPTS, STALE_MS } from '../../src/pipeline/index.js';
import { cli } from '../support/cli.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.ts');
const workspaces: TestWorkspace[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const ws of workspaces) await ws.cleanup();
});

function startWorker(dir: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'worker', '--poll', '200', '--json', '--workspace', dir],
    {
      env: { ...process.env, ...MASTER_ENV, CUSTOS_LANG: 'en' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return child;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `custos serve` on a free port; resolves once it listens. */
async function startServe(dir: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'serve', '--port', '0', '--workspace', dir, ...args],
    {
      env: {
        ...process.env,
        ...MASTER_ENV,
        CUSTOS_LANG: 'en',
        CUSTOS_LOG_LEVEL: 'warn',
        CUSTOS_ADMIN_PASSWORD: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      if (stdout.includes('Custos console:')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function runsOf(ctx: AppContext) {
  return ctx.runs.list({ dataset: 'people', limit: 50 });
}

describe('a run whose worker dies', () => {
  it('is taken over by another worker process from its checkpoint (PostgreSQL, kill -9)', async () => {
    const ws = await createPipelineWorkspace('postgres', { lawfulBasis: 'contract' });
    workspaces.push(ws);
    const total = 8_000;
    writePeople(
      ws.dir,
      people(total, 7).map(({ extra: _e, ...p }) => p),
    );
    const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    try {
      // Two idle workers; whichever claims the run is killed, the other must take it over.
      const workers = [startWorker(ws.dir), startWorker(ws.dir)];
      const queued = await cli(['collect', 'people', '--queue', '--json', '--workspace', ws.dir], {
        env: MASTER_ENV,
      });
      expect(queued.code).toBe(0);
      const { run } = JSON.parse(queued.stdout) as { run: string };
      // Some batches stored, not all: then the worker dies without a word.
      const claimed = await until(
        'the first batches',
        async () => {
          const r = (await runsOf(ctx)).find((x) => x.id === run);
          return r && r.stored > 0 ? r : undefined;
        },
        60_000,
      );
      const first = workers.find((w) => claimed.worker?.endsWith(`:${w.pid}`))!;
      const second = workers.find((w) => w !== first)!;
      first.kill('SIGKILL');
      await once(first, 'exit');
      const killedAt = Date.now();
      const partial = (await runsOf(ctx)).find((x) => x.id === run)!;
      expect(partial.stored).toBeLessThan(total);

      // The idle worker takes the run over well within the heartbeat timeout, and finishes it.
      const resumed = await until(
        'the resumed run to succeed',
        async () => {
          const r = (await runsOf(ctx)).find((x) => x.resumedFrom === run);
          return r && r.status !== 'queued' && r.status !== 'running' ? r : undefined;
        },
        STALE_MS + 60_000,
      );
      expect(resumed).toMatchObject({ status: 'succeeded', attempt: 2, isResumable: true });
      // Taken over within the heartbeat timeout (on this host the dead process is seen at once).
      expect(Date.parse(resumed.startedAt!) - killedAt).toBeLessThan(STALE_MS);

      const abandoned = (await runsOf(ctx)).find((x) => x.id === run)!;
      expect(abandoned.status).toBe('abandoned');
      expect(abandoned.error).toContain(resumed.id);
      // Resumed from the checkpoint: every record stored once, by one run or the other.
      expect(abandoned.stored + resumed.stored).toBe(total);
      expect(resumed.read).toBeLessThan(total);
      const stored = await ctx.store.db
        .selectFrom('dataset_records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(total);

      second.kill('SIGTERM');
      const [code] = await once(second, 'exit');
      expect(code).toBe(0);
    } finally {
      await ctx.close();
    }
  }, 180_000);

  it('is left alone by `custos serve --no-worker` and taken over by `custos serve`’s own worker', async () => {
    const ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract' });
    workspaces.push(ws);
    writePeople(
      ws.dir,
      people(300, 3).map(({ extra: _e, ...p }) => p),
    );
    const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    try {
      // A queued run whose worker, on another machine, stopped beating.
      const stale = new Date(Date.now() - STALE_MS - 1_000).toISOString();
      await ctx.store.db
        .insertInto('runs')
        .values({
          id: 'dead-api-run',
          dataset: 'people',
          status: 'running',
          trigger: 'api',
          worker: 'gone-host:4242',
          heartbeat_at: stale,
          created_at: stale,
          started_at: stale,
          finished_at: null,
          error: null,
          resumable: 1,
        })
        .execute();
      const quiet = await startServe(ws.dir, ['--no-worker']);
      // Its scheduler would look every second; three seconds pass without anyone taking the run.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await runsOf(ctx)).map((r) => [r.id, r.status])).toEqual([['dead-api-run', 'running']]);
      await stop(quiet);

      const serve = await startServe(ws.dir, []);
      const resumed = await until(
        'serve to resume the run',
        async () => {
          const r = (await runsOf(ctx)).find((x) => x.resumedFrom === 'dead-api-run');
          return r && r.status !== 'queued' && r.status !== 'running' ? r : undefined;
        },
        60_000,
      );
      expect(resumed).toMatchObject({ status: 'succeeded', stored: 300, trigger: 'api' });
      await stop(serve);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it('is queued again only when it was queued, and at most MAX_ATTEMPTS times', async () => {
    const ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract' });
    workspaces.push(ws);
    const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    try {
      const stale = new Date(Date.now() - STALE_MS - 1_000).toISOString();
      const dead = (id: string, dataset: string, resumable: number, attempt: number) => ({
        id,
        dataset,
        status: 'running',
        trigger: 'api',
        worker: 'gone-host:4242',
        heartbeat_at: stale,
        created_at: stale,
        started_at: stale,
        finished_at: null,
        error: null,
        resumable,
        attempt,
      });
      await ctx.store.db
        .insertInto('runs')
        .values(dead('inline', 'people', 0, 1))
        .execute();
      expect(await ctx.runs.recoverStale()).toBe(1);
      await ctx.store.db
        .insertInto('runs')
        .values(dead('last-try', 'people', 1, MAX_ATTEMPTS))
        .execute();
      expect(await ctx.runs.recoverStale()).toBe(1);
      let runs = await runsOf(ctx);
      expect(runs.map((r) => r.status)).toEqual(['abandoned', 'abandoned']);
      await ctx.store.db
        .insertInto('runs')
        .values(dead('queued-once', 'people', 1, 1))
        .execute();
      expect(await ctx.runs.recoverStale()).toBe(1);
      runs = await runsOf(ctx);
      expect(runs.filter((r) => r.status === 'queued')).toMatchObject([
        { resumedFrom: 'queued-once', attempt: 2, isResumable: true, trigger: 'api' },
      ]);
    } finally {
      await ctx.close();
    }
  });
});
