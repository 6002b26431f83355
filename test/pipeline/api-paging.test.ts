// Runs and quarantine a page at a time over the API (the console's tables page on the server):
// offset, limit, sort, filters and the total across pages; callers that send none of them get
// what they got before (newest first, 50). SQLite; the queries are plain Kysely.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { createPipelineWorkspace, MASTER_ENV } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

let ws: TestWorkspace;
let ctx: AppContext;
let app: Awaited<ReturnType<typeof buildServer>>['app'];
let headers: { authorization: string };

// 60 runs: datasets alternate people/accounts, every third failed, created one minute apart,
// read counts out of creation order so sorting by them differs from sorting by time.
const RUNS = Array.from({ length: 60 }, (_, i) => ({
  id: `run-${String(i).padStart(2, '0')}`,
  dataset: i % 2 === 0 ? 'people' : 'accounts',
  status: i % 3 === 0 ? 'failed' : 'succeeded',
  trigger: 'api',
  created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  finished_at: new Date(Date.UTC(2026, 0, 1, 0, i, 30)).toISOString(),
  read_count: (i * 37) % 61,
}));
// 12 quarantined records; four share one created_at (a batch), so the id breaks the tie.
const HELD = Array.from({ length: 12 }, (_, i) => ({
  id: `q-${String(i).padStart(2, '0')}`,
  dataset: i < 9 ? 'people' : 'accounts',
  run_id: 'run-00',
  reason: 'no_consent',
  detail: 'no consent for the purpose',
  position: null,
  subject_id: `s${i}`,
  sealed: 'sealed',
  status: 'open',
  created_at: new Date(Date.UTC(2026, 0, 2, 0, Math.min(i, 8))).toISOString(),
}));

beforeAll(async () => {
  ws = await createPipelineWorkspace('sqlite');
  ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  await ctx.store.db.insertInto('runs').values(RUNS).execute();
  await ctx.store.db.insertInto('quarantine').values(HELD).execute();
  await ctx.users.create({ username: 'aud', role: 'auditor', password: 'a long enough password 1' }, 'test');
  const { token } = await ctx.tokens.create('aud', 'test', 3_600_000, 'test');
  headers = { authorization: `Bearer ${token}` };
  ({ app } = await buildServer(ctx));
});
afterAll(async () => {
  await app?.close();
  await ctx.close();
  await ws.cleanup();
});

async function get(url: string) {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json() };
}
const ids = (runs: { id: string }[]) => runs.map((r) => r.id);
const byTimeDesc = [...RUNS].sort((a, b) => b.created_at.localeCompare(a.created_at));

it('keeps the old default (newest first, 50) and adds the total', async () => {
  const { status, body } = await get('/api/v1/runs');
  expect(status).toBe(200);
  expect(body.total).toBe(60);
  expect(ids(body.runs)).toEqual(ids(byTimeDesc.slice(0, 50)));
});

it('pages runs with offset and limit, without overlap or gaps', async () => {
  const seen: string[] = [];
  for (let offset = 0; offset < 60; offset += 25) {
    const { body } = await get(`/api/v1/runs?limit=25&offset=${offset}`);
    expect(body.total).toBe(60);
    seen.push(...ids(body.runs));
  }
  expect(seen).toEqual(ids(byTimeDesc));
  expect((await get('/api/v1/runs?offset=60')).body).toEqual({ runs: [], total: 60 });
});

it('sorts runs by a column either way, and filters by dataset and status with the total', async () => {
  const ascending = (await get('/api/v1/runs?sort=read&limit=500')).body.runs as { read: number }[];
  expect(ascending.map((r) => r.read)).toEqual(RUNS.map((r) => r.read_count).sort((a, b) => a - b));
  const descending = (await get('/api/v1/runs?sort=-read&limit=3')).body.runs as { read: number }[];
  expect(descending.map((r) => r.read)).toEqual([60, 59, 58]);
  const oldest = (await get('/api/v1/runs?sort=createdAt&limit=2')).body;
  expect(ids(oldest.runs)).toEqual(['run-00', 'run-01']);

  const failedPeople = (await get('/api/v1/runs?dataset=people&status=failed&limit=3&offset=1')).body;
  const expected = byTimeDesc.filter((r) => r.dataset === 'people' && r.status === 'failed');
  expect(failedPeople.total).toBe(expected.length);
  expect(expected.length).toBe(10);
  expect(ids(failedPeople.runs)).toEqual(ids(expected.slice(1, 4)));
});

it('refuses a sort, status or offset it does not know, naming the field', async () => {
  for (const query of ['sort=password', 'status=done', 'offset=-1', 'sort=created_at']) {
    const { status, body } = await get(`/api/v1/runs?${query}`);
    expect(status, query).toBe(400);
    expect(JSON.stringify(body), query).toContain(query.split('=')[0]);
  }
});

it('pages the quarantine with offset and total; ties in time keep one order', async () => {
  const all = (await get('/api/v1/quarantine?limit=500')).body;
  expect(all.total).toBe(12);
  expect(all.quarantine).toHaveLength(12);
  const pages: string[] = [];
  for (let offset = 0; offset < 12; offset += 5) {
    const { body } = await get(`/api/v1/quarantine?limit=5&offset=${offset}`);
    expect(body.total).toBe(12);
    pages.push(...ids(body.quarantine));
  }
  expect(pages).toEqual(ids(all.quarantine));
  expect(new Set(pages).size).toBe(12);
  // The four of the last batch (q-08 … q-11 share created_at) come first, by id.
  expect(pages.slice(0, 4)).toEqual(['q-08', 'q-09', 'q-10', 'q-11']);
  const accounts = (await get('/api/v1/quarantine?dataset=accounts&limit=2&offset=2')).body;
  expect(accounts).toMatchObject({ total: 3 });
  expect(ids(accounts.quarantine)).toEqual(['q-11']);
});
