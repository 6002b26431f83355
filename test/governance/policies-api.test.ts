// Policies over the API on SQLite and PostgreSQL: create, replace and delete by admins and
// compliance officers only, checked as policies.yaml is checked, written atomically into a file
// that stays valid YAML (comments kept), in force at once, audited by name only.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { loadWorkspace } from '../../src/workspace/index.js';
import { createAccessWorkspace } from '../support/access-workspace.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { MASTER_ENV } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe.each(TEST_DIALECTS)('policies API (%s)', (dialect) => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  let app: Awaited<ReturnType<typeof buildServer>>['app'];
  const tokens: Record<string, string> = {};
  const file = () => path.join(ws.dir, 'policies.yaml');

  beforeAll(async () => {
    ws = await createAccessWorkspace(dialect);
    writeFileSync(file(), `# Reviewed quarterly by compliance.\n${readFileSync(file(), 'utf8')}`);
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    app = (await buildServer(ctx)).app;
    for (const [username, role] of [
      ['olga', 'compliance_officer'],
      ['root', 'admin'],
      ['ana', 'analyst'],
      ['dan', 'data_engineer'],
    ] as const) {
      await ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await ctx.tokens.create(username, 'test', 3_600_000, 'test')).token;
    }
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await ws?.cleanup();
  });

  const send = (user: string, method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[user]}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const outcome = async () =>
    (
      await app.inject({
        method: 'GET',
        url: '/api/v1/policies/explain?dataset=watchlist&purpose=credit_assessment',
        headers: { authorization: `Bearer ${tokens.dan}` },
      })
    ).json() as { outcome: string; fields: Array<{ field: string; access: string; mask?: string }> };
  const engineers = {
    name: 'watchlist-engineers',
    roles: ['data_engineer'],
    datasets: ['watchlist'],
    purposes: ['credit_assessment'],
    maxClearLevel: 2,
    requiresApproval: false,
  };

  it('lets only admins and compliance officers change policies', async () => {
    const refused = await send('ana', 'POST', '/api/v1/policies', engineers);
    expect(refused.statusCode).toBe(403);
    expect(await outcome()).toMatchObject({ outcome: 'no_policy' });
  });

  it('creates a policy: in force at once, in policies.yaml with its comments, audited by name', async () => {
    const before = readFileSync(file(), 'utf8');
    const created = await send('olga', 'POST', '/api/v1/policies', engineers);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ policy: { name: 'watchlist-engineers', maxGrantDays: 90 } });
    const explained = await outcome();
    expect(explained.outcome).toBe('allowed');
    expect(explained.fields.find((f) => f.field === 'id_no')).toMatchObject({ access: 'masked' });

    const text = readFileSync(file(), 'utf8');
    expect(text.startsWith('# Reviewed quarterly by compliance.\n')).toBe(true);
    expect(text.startsWith(before.trimEnd())).toBe(false); // rewritten as a document, not appended
    const names = (parse(text) as { policies: Array<{ name: string }> }).policies.map((p) => p.name);
    expect(names).toEqual(['risk-people', 'service-people', 'watchlist-risk', 'watchlist-engineers']);
    // The workspace loads with the new file: what another process would read at start.
    expect(loadWorkspace(ws.dir, { env: MASTER_ENV }).policies.map((p) => p.name)).toContain(
      'watchlist-engineers',
    );
    expect((await send('root', 'POST', '/api/v1/policies', engineers)).statusCode).toBe(409);
  });

  it('refuses an invalid policy naming the problem, and writes nothing', async () => {
    const before = readFileSync(file(), 'utf8');
    const unknownRole = await send('olga', 'POST', '/api/v1/policies', {
      ...engineers,
      name: 'bad-one',
      roles: ['nobody'],
    });
    expect(unknownRole.statusCode).toBe(400);
    expect(unknownRole.json().error.details.issues).toEqual([
      // The role named in the request is not repeated (docs/security.md, responses).
      { file: 'policies.yaml', path: 'policies[4].roles[0]', message: 'unknown role "…"' },
    ]);
    const unknownKey = await send('olga', 'POST', '/api/v1/policies', {
      ...engineers,
      name: 'b2',
      maxClear: 9,
    });
    expect(unknownKey.statusCode).toBe(400);
    expect(JSON.stringify(unknownKey.json())).toMatch(/unknown key: maxClear/);
    const personalFilter = await send('olga', 'POST', '/api/v1/policies', {
      ...engineers,
      name: 'b3',
      rowFilters: [{ where: { field: 'id_no', eq: 'x' } }],
    });
    expect(personalFilter.statusCode).toBe(400);
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });

  it('replaces and deletes a policy by name', async () => {
    const replaced = await send('root', 'PUT', '/api/v1/policies/watchlist-engineers', {
      ...engineers,
      maxClearLevel: 5,
    });
    expect(replaced.statusCode).toBe(200);
    expect((await outcome()).fields.find((f) => f.field === 'id_no')).toMatchObject({ access: 'clear' });
    expect(
      (await send('root', 'PUT', '/api/v1/policies/watchlist-engineers', { ...engineers, name: 'other' }))
        .statusCode,
    ).toBe(400);
    expect(
      (await send('root', 'PUT', '/api/v1/policies/nope', { ...engineers, name: 'nope' })).statusCode,
    ).toBe(404);

    const deleted = await send('olga', 'DELETE', '/api/v1/policies/watchlist-engineers');
    expect(deleted.statusCode).toBe(200);
    expect(await outcome()).toMatchObject({ outcome: 'no_policy' });
    expect((await send('olga', 'DELETE', '/api/v1/policies/watchlist-engineers')).statusCode).toBe(404);
    expect(loadWorkspace(ws.dir, { env: MASTER_ENV }).policies.map((p) => p.name)).toEqual([
      'risk-people',
      'service-people',
      'watchlist-risk',
    ]);

    const entries = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute())
      .map((e) => JSON.parse(e.entry) as { action: string; actor: string; target: string; details?: unknown })
      .filter((e) => e.action.startsWith('policy.'));
    expect(entries.map((e) => [e.action, e.actor.split('/')[0], e.target])).toEqual([
      ['policy.create', 'user:olga', 'policy:watchlist-engineers'],
      ['policy.update', 'user:root', 'policy:watchlist-engineers'],
      ['policy.delete', 'user:olga', 'policy:watchlist-engineers'],
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/maxClearLevel|data_engineer/);
  });
});
