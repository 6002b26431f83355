// Scale-out on PostgreSQL: several real `custos worker` processes claim queued runs (one run of a
// dataset at a time), and a dead worker's run is taken over.

import { execFile } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, expect, it } from 'vitest';
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

const barrierCleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (barrierCleanups.length > 0) await barrierCleanups.pop()!();
});

it('three worker processes each execute one of three runs that can only finish together', async () => {
  // The partner API answers no request until three are waiting: three runs finish only if three
  // workers hold one each at the same time. One worker doing all the work (or two) never gets there.
  const records = people(5, 6).map(({ extra: _e, ...p }) => p);
  let waiting = 0;
  let mostWaiting = 0;
  const held: Array<() => void> = [];
  // Released a minute after the first arrival whatever happens, so a failure is an assertion and
  // not a hang (worker processes may take long to start on a loaded machine: no deadline before).
  let deadline: NodeJS.Timeout | undefined;
  let late = false;
  const api = createServer((_request, response) => {
    const answer = () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: records }));
    };
    if (late) return answer();
    waiting += 1;
    mostWaiting = Math.max(mostWaiting, waiting);
    held.push(answer);
    deadline ??= setTimeout(() => {
      late = true;
      waiting = 0;
      for (const release of held.splice(0)) release();
    }, 60_000);
    if (waiting >= 3) {
      waiting = 0;
      for (const release of held.splice(0)) release();
    }
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  barrierCleanups.push(async () => {
    clearTimeout(deadline);
    await new Promise((resolve) => api.close(resolve));
  });
  const workspace = await createPipelineWorkspace('postgres', { lawfulBasis: 'contract' });
  barrierCleanups.push(() => workspace.cleanup());
  const datasets = ['people_a', 'people_b', 'people_c'];
  appendFileSync(path.join(workspace.dir, 'custos.yaml'), 'egress:\n  allowPrivateNetworks: true\n');
  writeFileSync(
    path.join(workspace.dir, 'sources.yaml'),
    `sources:
  - name: people-api
    type: api
    vendor: data-co
    egress: { allow: [127.0.0.1], allowPrivate: true }
    baseUrl: http://127.0.0.1:${(api.address() as AddressInfo).port}
    timeoutMs: 90000
    streams:
      people: { path: people, records: "$.data[*]" }
`,
  );
  writeFileSync(
    path.join(workspace.dir, 'datasets.yaml'),
    `datasets:\n${datasets
      .map(
        (name) => `  - name: ${name}
    source: people-api
    stream: people
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [credit_assessment]
    lawfulBasis: contract
    retention: 1y
    fields:
      cid: { type: string, required: true, category: C1 }
      name: { type: string, category: C2 }
      id_no: { type: string, required: true, category: C2, isSensitive: true }
      mobile: { type: string, category: C2 }
      city: { type: string, category: public }
      score: { type: integer }
`,
      )
      .join('')}`,
  );
  const ctx = await openContext(workspace.dir, { env: MASTER_ENV, logLevel: 'silent' });
  try {
    for (const dataset of datasets) await ctx.runs.enqueue(dataset, 'test', 'test');
    const workers = await Promise.all(
      [1, 2, 3].map(() =>
        run(
          process.execPath,
          [
            '--import',
            'tsx',
            BIN,
            'worker',
            '--once',
            '--poll',
            '200',
            '--json',
            '--workspace',
            workspace.dir,
          ],
          { env: { ...process.env, ...MASTER_ENV }, timeout: 240_000 },
        ),
      ),
    );
    expect(mostWaiting).toBe(3);
    expect(workers.map((w) => JSON.parse(w.stdout).executed as number)).toEqual([1, 1, 1]);
    const runs = await ctx.runs.list();
    expect(runs.map((r) => [r.dataset, r.status, r.stored]).sort()).toEqual(
      datasets.map((d) => [d, 'succeeded', 5]),
    );
    expect(new Set(runs.map((r) => r.worker)).size).toBe(3);
  } finally {
    await ctx.close();
  }
}, 300_000);
