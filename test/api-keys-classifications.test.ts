// Keys over the API (status, rotate, background rewrap with progress, retire) and a compliance
// officer's override of a field classification: admins only for keys, officers only for overrides,
// each audited with versions, counts and categories — never key material or field values.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type CustosServer } from '../src/api/index.js';
import { type AppContext, openContext } from '../src/context.js';
import { createPipelineWorkspace, MASTER_ENV } from './support/pipeline-workspace.js';
import type { TestWorkspace } from './support/workspace.js';

let ws: TestWorkspace;
let ctx: AppContext;
let server: CustosServer;
const bearer = {} as Record<'admin' | 'data_engineer' | 'compliance_officer', { authorization: string }>;

beforeAll(async () => {
  ws = await createPipelineWorkspace('sqlite');
  ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  server = await buildServer(ctx);
  for (const role of ['admin', 'data_engineer', 'compliance_officer'] as const) {
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

async function auditEntries(action: string): Promise<Array<Record<string, unknown>>> {
  const rows = await ctx.store.db.selectFrom('audit_entries').select('entry').orderBy('idx').execute();
  return rows.map((r) => JSON.parse(r.entry) as Record<string, unknown>).filter((e) => e.action === action);
}

it('shows key versions, rotates, rewraps in the background with progress, and retires the old version', async () => {
  const { app } = server;
  // 1,200 data subjects, so the rewrap takes several batches.
  const subjects = Array.from({ length: 1200 }, (_, i) => `s_test${String(i).padStart(5, '0')}`);
  await ctx.keys().encryptMany(subjects.map((subjectId) => ({ subjectId, fields: { n: 1 } })));

  expect(
    (await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer.data_engineer })).statusCode,
  ).toBe(403);
  const before = (await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer.admin })).json();
  expect(before).toMatchObject({
    currentVersion: 1,
    dataKeys: 1200,
    pendingRewrap: 0,
    rewrap: { state: 'idle' },
  });
  expect(before.versions).toEqual([expect.objectContaining({ version: 1, dataKeys: 1200, retiredAt: null })]);

  const rotated = await app.inject({ method: 'POST', url: '/api/v1/keys/rotate', headers: bearer.admin });
  expect(rotated.statusCode).toBe(201);
  expect(rotated.json()).toEqual({ version: 2 });
  const afterRotate = (
    await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer.admin })
  ).json();
  expect(afterRotate).toMatchObject({ currentVersion: 2, pendingRewrap: 1200 });

  // Version 1 still wraps data keys: retiring it is refused, with what to do.
  const early = await app.inject({ method: 'POST', url: '/api/v1/keys/1/retire', headers: bearer.admin });
  expect(early.statusCode).toBe(400);
  expect(early.json().error.message).toContain('rewrap');

  // Two at once: one starts, the other is refused (the first claims the job before any await).
  const [first, second] = await Promise.all([
    app.inject({ method: 'POST', url: '/api/v1/keys/rewrap', headers: bearer.admin }),
    app.inject({ method: 'POST', url: '/api/v1/keys/rewrap', headers: bearer.admin }),
  ]);
  expect([first.statusCode, second.statusCode].sort()).toEqual([202, 409]);
  const started = first.statusCode === 202 ? first : second;
  expect(started.json()).toMatchObject({
    state: 'running',
    remaining: 1200,
    startedBy: expect.stringMatching(/^user:u_admin\//),
  });
  let status = afterRotate;
  for (let i = 0; i < 200 && status.rewrap.state !== 'succeeded'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    status = (await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer.admin })).json();
    expect(status.rewrap.state).not.toBe('failed');
  }
  expect(status).toMatchObject({
    pendingRewrap: 0,
    rewrap: { state: 'succeeded', done: 1200, remaining: 0 },
  });
  expect(status.versions.find((v: { version: number }) => v.version === 2).dataKeys).toBe(1200);

  const retired = await app.inject({ method: 'POST', url: '/api/v1/keys/1/retire', headers: bearer.admin });
  expect(retired.statusCode).toBe(200);
  expect(retired.json()).toMatchObject({ version: 1, retiredAt: expect.any(String) });
  const missing = await app.inject({ method: 'POST', url: '/api/v1/keys/9/retire', headers: bearer.admin });
  expect(missing.statusCode).toBe(400);

  expect(await auditEntries('key.rotate')).toHaveLength(1);
  expect(await auditEntries('key.rewrap.start')).toEqual([
    expect.objectContaining({
      actor: expect.stringMatching(/^user:u_admin\//),
      details: { pending: 1200, clientAddress: '127.0.0.1' },
    }),
  ]);
  expect(await auditEntries('key.rewrap')).toEqual([
    expect.objectContaining({
      actor: expect.stringMatching(/^user:u_admin\//),
      // Finished in the background, still on behalf of the request that started it.
      details: { rewrapped: 1200, clientAddress: '127.0.0.1' },
    }),
  ]);
  expect(await auditEntries('key.retire')).toHaveLength(1);
});

it('lets a compliance officer override a classification within the category’s level floor, audited', async () => {
  const { app } = server;
  await ctx.store.db
    .insertInto('field_classifications')
    .values({
      dataset: 'people',
      field: 'mobile',
      category: 'C2',
      level: 3,
      sensitive: 0,
      entities: JSON.stringify([{ type: 'CN_MOBILE', share: 1 }]),
      confidence: 950,
      status: 'pending',
      confirmed_by: null,
      updated_at: new Date().toISOString(),
    })
    .execute();
  const url = '/api/v1/classifications/people/mobile';
  const body = { category: 'C3', level: 4, sensitive: true };

  expect(
    (await app.inject({ method: 'PUT', url, headers: bearer.data_engineer, payload: body })).statusCode,
  ).toBe(403);
  const low = await app.inject({
    method: 'PUT',
    url,
    headers: bearer.compliance_officer,
    payload: { ...body, level: 3 },
  });
  expect(low.statusCode).toBe(400);
  expect(low.json().error).toMatchObject({ code: 'validation', details: { field: 'level', floor: 4 } });
  const badCategory = await app.inject({
    method: 'PUT',
    url,
    headers: bearer.compliance_officer,
    payload: { ...body, category: 'C9' },
  });
  expect(badCategory.statusCode).toBe(400);
  const unknown = await app.inject({
    method: 'PUT',
    url: '/api/v1/classifications/people/nope',
    headers: bearer.compliance_officer,
    payload: body,
  });
  expect(unknown.statusCode).toBe(404);

  const done = await app.inject({ method: 'PUT', url, headers: bearer.compliance_officer, payload: body });
  expect(done.statusCode).toBe(200);
  expect(done.json()).toMatchObject({
    category: 'C3',
    level: 4,
    sensitive: true,
    status: 'confirmed',
    confirmed_by: 'u_compliance_officer',
    confidence: 0.95,
  });
  const listed = (
    await app.inject({ method: 'GET', url: '/api/v1/classifications?dataset=people', headers: bearer.admin })
  ).json().classifications;
  expect(listed).toEqual([
    expect.objectContaining({ field: 'mobile', category: 'C3', level: 4, sensitive: true }),
  ]);
  // Not personal information at level 1 is allowed (the floor of no category is 1).
  const cleared = await app.inject({
    method: 'PUT',
    url,
    headers: bearer.compliance_officer,
    payload: { category: null, level: 1, sensitive: false },
  });
  expect(cleared.json()).toMatchObject({ category: null, level: 1 });

  expect(await auditEntries('classification.override')).toEqual([
    expect.objectContaining({
      actor: expect.stringMatching(/^user:u_compliance_officer\//),
      target: 'field:people.mobile',
      details: {
        from: { category: 'C2', level: 3, sensitive: false },
        to: { category: 'C3', level: 4, sensitive: true },
        clientAddress: '127.0.0.1',
      },
    }),
    expect.objectContaining({
      details: {
        from: { category: 'C3', level: 4, sensitive: true },
        to: { category: null, level: 1, sensitive: false },
        clientAddress: '127.0.0.1',
      },
    }),
  ]);
});

it('keeps the last rewrap across a restart, and shows one whose server stopped as interrupted', async () => {
  // A second server on the same workspace, as after a restart: this process never ran a rewrap.
  const restartedCtx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  const restarted = await buildServer(restartedCtx);
  const keysOf = async () =>
    (await restarted.app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer.admin })).json();
  try {
    expect((await keysOf()).rewrap).toMatchObject({
      state: 'succeeded',
      done: 1200,
      remaining: 0,
      startedBy: expect.stringMatching(/^user:u_admin\//),
      finishedAt: expect.any(String),
    });

    // A rewrap left running by a process that stopped: a recent one still holds the lock…
    const row = {
      state: 'running',
      done_count: 500,
      remaining_count: 700,
      started_by: 'user:u_admin/test',
      finished_at: null,
      error: null,
    };
    const now = Date.now();
    await restartedCtx.store.db
      .insertInto('key_rewraps')
      .values({
        ...row,
        id: 'recent',
        // Later than the rewrap the test before ran (the latest started is the one shown).
        started_at: new Date(now).toISOString(),
        updated_at: new Date(now).toISOString(),
      })
      .execute();
    expect((await keysOf()).rewrap).toMatchObject({ state: 'running', done: 500, remaining: 700 });
    const refused = await restarted.app.inject({
      method: 'POST',
      url: '/api/v1/keys/rewrap',
      headers: bearer.admin,
    });
    expect(refused.statusCode).toBe(409);

    // …one silent for longer than REWRAP_STALE_MS is shown as failed (interrupted), and may be restarted.
    await restartedCtx.store.db
      .updateTable('key_rewraps')
      .set({ updated_at: new Date(now - 120_000).toISOString() })
      .where('id', '=', 'recent')
      .execute();
    expect((await keysOf()).rewrap).toMatchObject({
      state: 'failed',
      error: 'interrupted',
      done: 500,
      finishedAt: new Date(now - 120_000).toISOString(),
    });
    const again = await restarted.app.inject({
      method: 'POST',
      url: '/api/v1/keys/rewrap',
      headers: bearer.admin,
    });
    expect(again.statusCode).toBe(202);
    let status = await keysOf();
    for (let i = 0; i < 200 && status.rewrap.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      status = await keysOf();
    }
    expect(status.rewrap).toMatchObject({ state: 'succeeded', done: 0, remaining: 0 });
  } finally {
    await restarted.app.close();
    await restartedCtx.close();
  }
});
