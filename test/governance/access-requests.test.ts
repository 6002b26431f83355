// Data-use approval through the HTTP API on SQLite and PostgreSQL: maker-checker, level-5 second
// approver, grants that expire and are revoked, policy explain, refusal codes, audit entries.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { ROLES, type Role } from '../../src/domain/index.js';
import { createAccessWorkspace } from '../support/access-workspace.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { MASTER_ENV } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe.each(TEST_DIALECTS)('access requests and grants (%s)', (dialect) => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  let app: Awaited<ReturnType<typeof buildServer>>['app'];
  const tokens: Record<string, string> = {};
  const users: Array<[string, Role]> = [
    ...ROLES.map((role) => [`u_${role}`, role] as [string, Role]),
    ['officer2', 'compliance_officer'],
    ['mallory', 'analyst'],
  ];

  beforeAll(async () => {
    ws = await createAccessWorkspace(dialect);
    ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    app = (await buildServer(ctx)).app;
    for (const [username, role] of users) {
      await ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await ctx.tokens.create(username, 'test', 3_600_000, 'test')).token;
    }
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await ws.cleanup();
  });

  const as = (user: string) => ({ authorization: `Bearer ${tokens[user]}` });
  const post = (user: string, url: string, payload: Record<string, unknown> = {}) =>
    app.inject({ method: 'POST', url, headers: as(user), payload });
  const get = (user: string, url: string) => app.inject({ method: 'GET', url, headers: as(user) });
  const ask = (user = 'u_analyst', extra: Record<string, unknown> = {}) =>
    post(user, '/api/v1/access-requests', {
      datasets: ['people'],
      purpose: 'credit_assessment',
      durationDays: 7,
      justification: 'Quarterly credit review of the new partner portfolio',
      ...extra,
    });
  const explain = (user: string, query: string) => get(user, `/api/v1/policies/explain?${query}`);

  it('explains field by field what a user would see and which rule decided', async () => {
    const res = await explain(
      'u_compliance_officer',
      'user=u_analyst&dataset=people&purpose=credit_assessment',
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.outcome).toBe('approval_required');
    const fields = Object.fromEntries(body.fields.map((f: { field: string }) => [f.field, f]));
    expect(fields.city).toMatchObject({ access: 'clear', rule: 'risk-people' });
    expect(fields.mobile).toMatchObject({ access: 'masked', mask: 'hash' });
    expect(fields.id_no).toMatchObject({ access: 'masked', mask: 'resident_id' });
    // Reasons in the Accept-Language language; zh-CN by default.
    expect(fields.city.reason).toMatch(/^级别 \d 不高于明文可见级别 \d$/);
    const english = await app.inject({
      method: 'GET',
      url: '/api/v1/policies/explain?user=u_analyst&dataset=people&purpose=credit_assessment',
      headers: { ...as('u_compliance_officer'), 'accept-language': 'en-GB,en;q=0.8' },
    });
    const englishFields = Object.fromEntries(
      english.json().fields.map((f: { field: string }) => [f.field, f]),
    );
    expect(englishFields.city.reason).toMatch(/^level \d is within the clear level \d$/);
    const denied = await explain(
      'u_compliance_officer',
      'user=mallory&dataset=people&purpose=credit_assessment',
    );
    expect(denied.json().fields.find((f: { field: string }) => f.field === 'id_no')).toMatchObject({
      access: 'denied',
      rule: 'risk-people/deny[0]',
    });
    // An analyst explains only themselves.
    expect(
      (await explain('u_analyst', 'user=mallory&dataset=people&purpose=credit_assessment')).statusCode,
    ).toBe(403);
    expect((await explain('u_analyst', 'dataset=people&purpose=marketing')).json().outcome).toBe(
      'purpose_not_allowed',
    );
    expect((await explain('u_auditor', 'dataset=people&purpose=credit_assessment')).json().outcome).toBe(
      'no_policy',
    );
    expect((await explain('u_analyst', 'dataset=nope&purpose=credit_assessment')).statusCode).toBe(404);
  });

  it('refuses a request its own requester approves, and grants after another officer approves', async () => {
    const created = await ask('u_compliance_officer');
    // compliance officers have no policy on people: the request is refused with the reason.
    expect(created.statusCode).toBe(403);
    expect(created.json().error.code).toBe('no_policy');

    const mine = await ask();
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ status: 'pending', approvalsRequired: 1 });
    const id = mine.json().id as string;
    // Only compliance officers decide; an analyst cannot approve at all.
    expect((await post('u_analyst', `/api/v1/access-requests/${id}/approve`)).statusCode).toBe(403);

    const approved = await post('u_compliance_officer', `/api/v1/access-requests/${id}/approve`, {
      comment: 'ok',
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().request.status).toBe('approved');
    const grant = approved.json().grant;
    expect(grant).toMatchObject({ grantee: 'u_analyst', purpose: 'credit_assessment', status: 'active' });
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)).toBe(7 * 86_400_000);
    expect((await post('officer2', `/api/v1/access-requests/${id}/approve`)).statusCode).toBe(409);

    const ex = await explain('u_analyst', 'dataset=people&purpose=credit_assessment');
    expect(ex.json()).toMatchObject({ outcome: 'allowed', grant: { id: grant.id } });
    const mineOnly = (await get('u_analyst', '/api/v1/grants')).json().grants;
    expect(mineOnly.every((g: { grantee: string }) => g.grantee === 'u_analyst')).toBe(true);
  });

  it('never lets an officer approve their own request (maker-checker)', async () => {
    // An officer who is also the requester: give the request to an officer through the service.
    const officerAsAnalyst = { username: 'officer2', role: 'analyst' as const };
    const request = await ctx.accessRequests.request(officerAsAnalyst, {
      datasets: ['people'],
      purpose: 'credit_assessment',
      durationDays: 3,
      justification: 'a request whose requester then tries to approve it',
    });
    const self = await post('officer2', `/api/v1/access-requests/${request.id}/approve`);
    expect(self.statusCode).toBe(403);
    expect(self.json().error.message).toMatch(/own access request/);
    expect((await ctx.accessRequests.get(request.id)).status).toBe('pending');
    expect((await post('officer2', `/api/v1/access-requests/${request.id}/reject`)).statusCode).toBe(403);
    const rejected = await post('u_compliance_officer', `/api/v1/access-requests/${request.id}/reject`);
    expect(rejected.json().request.status).toBe('rejected');
  });

  it('checks purpose, duration and fields against the policy', async () => {
    expect((await ask('u_analyst', { purpose: 'marketing' })).json().error.code).toBe('purpose_not_allowed');
    const tooLong = await ask('u_analyst', { durationDays: 31 });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.details).toMatchObject({ max: 30 });
    expect((await ask('mallory', { fields: ['id_no'] })).statusCode).toBe(400);
    expect((await ask('u_analyst', { fields: ['nope'] })).statusCode).toBe(400);
    // A policy that needs no approval takes no request.
    expect((await ask('u_data_engineer', { purpose: 'customer_service' })).statusCode).toBe(400);
  });

  it('needs two approvers for level-5 data', async () => {
    const res = await ask('u_analyst', { datasets: ['watchlist'] });
    expect(res.json()).toMatchObject({ status: 'pending', approvalsRequired: 2 });
    const id = res.json().id as string;
    const first = await post('u_compliance_officer', `/api/v1/access-requests/${id}/approve`);
    expect(first.json().request.status).toBe('pending');
    expect(first.json().grant).toBeUndefined();
    const second = await post('officer2', `/api/v1/access-requests/${id}/approve`);
    expect(second.json().request.status).toBe('approved');
    expect(second.json().grant.datasets).toEqual(['watchlist']);
  });

  it('refuses an expired or revoked grant with grant_expired', async () => {
    const res = await ask('mallory');
    const id = res.json().id as string;
    const { grant } = (await post('u_compliance_officer', `/api/v1/access-requests/${id}/approve`)).json();
    expect((await explain('mallory', 'dataset=people&purpose=credit_assessment')).json().outcome).toBe(
      'allowed',
    );
    await ctx.store.db
      .updateTable('grants')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', grant.id)
      .execute();
    expect((await explain('mallory', 'dataset=people&purpose=credit_assessment')).json().outcome).toBe(
      'grant_expired',
    );
    await expect(
      ctx.accessPolicy.authorise({ username: 'mallory', role: 'analyst' }, 'people', 'credit_assessment'),
    ).rejects.toMatchObject({ code: 'grant_expired' });

    const again = (await ask('mallory')).json().id as string;
    const renewed = (await post('officer2', `/api/v1/access-requests/${again}/approve`)).json().grant;
    expect((await explain('mallory', 'dataset=people&purpose=credit_assessment')).json().outcome).toBe(
      'allowed',
    );
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/v1/grants/${renewed.id}`, headers: as('u_analyst') }))
        .statusCode,
    ).toBe(403);
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/grants/${renewed.id}`,
      headers: as('u_compliance_officer'),
    });
    expect(revoked.json().grant.status).toBe('revoked');
    expect((await explain('mallory', 'dataset=people&purpose=credit_assessment')).json().outcome).toBe(
      'grant_expired',
    );
  });

  it('audits every step by id, never the justification', async () => {
    // Its own steps: a request rejected, one approved and its grant revoked.
    const rejected = (await ask('mallory')).json().id as string;
    await post('u_compliance_officer', `/api/v1/access-requests/${rejected}/reject`);
    const approved = (await ask('mallory')).json().id as string;
    const { grant } = (await post('officer2', `/api/v1/access-requests/${approved}/approve`)).json();
    await app.inject({
      method: 'DELETE',
      url: `/api/v1/grants/${grant.id}`,
      headers: as('u_compliance_officer'),
    });
    const entries = (
      await ctx.store.db.selectFrom('audit_entries').select('entry').orderBy('idx').execute()
    ).map((e) => JSON.parse(e.entry) as { action: string; target: string });
    const actions = new Set(entries.map((e) => e.action));
    for (const action of [
      'access.request',
      'access.approve',
      'access.reject',
      'grant.create',
      'grant.revoke',
    ])
      expect(actions).toContain(action);
    expect(JSON.stringify(entries)).not.toMatch(/Quarterly credit review/);
    const listed = (await get('u_auditor', '/api/v1/access-requests?status=pending')).json().requests;
    expect(listed.every((r: { status: string }) => r.status === 'pending')).toBe(true);
  });
});
