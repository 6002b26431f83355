// Collection over the API: a data engineer queues a run, the in-process worker executes it, runs
// and quarantine are listed (reasons only, never record values), a compliance officer confirms.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { startScheduler } from '../../src/pipeline/index.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

let ws: TestWorkspace;
let ctx: AppContext;
beforeAll(async () => {
  ws = await createPipelineWorkspace('sqlite');
  writePeople(ws.dir, people(30));
  ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
});
afterAll(async () => {
  await ctx.close();
  await ws.cleanup();
});

it('queues, executes and reports a run; lists quarantine and confirms classifications', async () => {
  const { app } = await buildServer(ctx);
  const scheduler = startScheduler({
    workspace: ctx.workspace,
    runs: ctx.runs,
    logger: ctx.logger,
    pollMs: 50,
  });
  try {
    const login = async (username: string, role: 'data_engineer' | 'compliance_officer') => {
      await ctx.users.create({ username, role, password: 'a long enough password 1' }, 'test');
      if (role === 'compliance_officer') {
        // Officers sign in with a second factor (docs/security.md); a token stands in for the session.
        const { token } = await ctx.tokens.create(username, 'test', 3_600_000, 'test');
        return { authorization: `Bearer ${token}` };
      }
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password: 'a long enough password 1' },
      });
      return { cookie: String(response.headers['set-cookie']).split(';')[0]! };
    };
    const engineer = await login('dora', 'data_engineer');
    const queued = await app.inject({
      method: 'POST',
      url: '/api/v1/datasets/people/runs',
      headers: engineer,
    });
    expect(queued.statusCode).toBe(202);
    let run: { status: string; quarantined: number } | undefined;
    for (let i = 0; i < 100 && run?.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (
        await app.inject({ method: 'GET', url: '/api/v1/runs?dataset=people', headers: engineer })
      ).json().runs[0];
    }
    // No consent was recorded: every record is held back as no_consent.
    expect(run).toMatchObject({ status: 'succeeded', quarantined: 30 });
    const held = (
      await app.inject({ method: 'GET', url: '/api/v1/quarantine?dataset=people', headers: engineer })
    ).json().quarantine;
    expect(held.length).toBe(30);
    expect(held[0]).not.toHaveProperty('sealed');
    expect(held[0].reason).toBe('no_consent');
    const officer = await login('dpo', 'compliance_officer');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/classifications/people/id_no/confirm',
          headers: engineer,
        })
      ).statusCode,
    ).toBe(403);
    const confirm = await app.inject({
      method: 'POST',
      url: '/api/v1/classifications/people/id_no/confirm',
      headers: officer,
    });
    expect(confirm.json()).toMatchObject({ status: 'confirmed' });
    const list = (
      await app.inject({ method: 'GET', url: '/api/v1/classifications?dataset=people', headers: officer })
    ).json().classifications;
    expect(list.find((c: { field: string }) => c.field === 'id_no')).toMatchObject({
      category: 'C2',
      level: 3,
      sensitive: true,
      confirmed_by: 'dpo',
    });
  } finally {
    await scheduler.stop();
    await app.close();
  }
});
