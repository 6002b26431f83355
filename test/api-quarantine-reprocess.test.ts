// Quarantine reprocess over the API (as `custos quarantine reprocess`): engineers only; after a fix
// the held record is admitted and the earlier hold marked reprocessed; audited with the run and
// counts — never a held value.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type CustosServer } from '../src/api/index.js';
import { type AppContext, openContext } from '../src/context.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from './support/pipeline-workspace.js';
import type { TestWorkspace } from './support/workspace.js';

const ROLES = ['admin', 'data_engineer', 'compliance_officer', 'analyst'] as const;
let ws: TestWorkspace;
let ctx: AppContext;
let server: CustosServer;
const bearer = {} as Record<(typeof ROLES)[number], { authorization: string }>;

beforeAll(async () => {
  ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract', requireConfirmation: false });
  ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  server = await buildServer(ctx);
  for (const role of ROLES) {
    await ctx.users.create({ username: `u_${role}`, role, password: 'a long enough password 1' }, 'test');
    const { token } = await ctx.tokens.create(`u_${role}`, 'test', 3_600_000, 'test');
    bearer[role] = { authorization: `Bearer ${token}` };
  }
});
afterAll(async () => {
  await server.app.close();
  await ctx.close();
  await ws.cleanup();
});

it('reprocesses a dataset after a fix: the held record is admitted, the old hold marked, the run audited', async () => {
  const rows = people(5);
  // One record fails validation (score is not an integer) and is held back.
  writePeople(
    ws.dir,
    rows.map((r, i) => (i === 2 ? { ...r, score: 'high' } : r)),
  );
  const first = await ctx.runs.execute(await ctx.runs.startInline('people', 'test'), 'test');
  expect(first).toMatchObject({ status: 'succeeded', read: 5, stored: 4, quarantined: 1 });

  const post = (role: (typeof ROLES)[number], dataset: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/quarantine/reprocess',
      headers: bearer[role],
      payload: { dataset },
    });
  for (const role of ['compliance_officer', 'analyst'] as const)
    expect((await post(role, 'people')).statusCode).toBe(403);
  expect((await post('data_engineer', 'nope')).statusCode).toBe(404);

  // The fix: the source now sends a valid score.
  writePeople(ws.dir, rows);
  const res = await post('data_engineer', 'people');
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toMatchObject({
    dataset: 'people',
    status: 'succeeded',
    read: 5,
    stored: 1,
    unchanged: 4,
    quarantined: 0,
    reprocessed: 1,
    error: null,
  });
  const held = await ctx.store.db.selectFrom('quarantine').select(['status', 'run_id']).execute();
  expect(held).toEqual([{ status: 'reprocessed', run_id: first.runId }]);

  // Run again with nothing left to admit: admin may too, and nothing more is marked.
  const again = await post('admin', 'people');
  expect(again.json()).toMatchObject({ status: 'succeeded', unchanged: 5, reprocessed: 0 });

  const entries = (await ctx.store.db.selectFrom('audit_entries').select('entry').orderBy('idx').execute())
    .map((r) => JSON.parse(r.entry) as Record<string, unknown>)
    .filter((e) => e.action === 'quarantine.reprocess');
  expect(entries).toEqual([
    expect.objectContaining({
      actor: expect.stringMatching(/^user:u_data_engineer\/token:/),
      target: 'dataset:people',
      details: {
        run: res.json().run,
        status: 'succeeded',
        quarantined: 0,
        reprocessed: 1,
        clientAddress: '127.0.0.1',
      },
    }),
    expect.objectContaining({
      actor: expect.stringMatching(/^user:u_admin\//),
      details: expect.objectContaining({ reprocessed: 0 }),
    }),
  ]);
  const text = JSON.stringify(entries) + res.body;
  for (const r of rows) {
    expect(text).not.toContain(r.id_no);
    expect(text).not.toContain(r.mobile);
  }
});
