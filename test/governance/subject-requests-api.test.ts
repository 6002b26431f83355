// Data-subject requests and retention over HTTP and the CLI: the routes walk a request through its
// steps with each role's rights, answer with the overdue flag and the result download, take the
// identifier only in bodies (never in a URL, a response or a log line); the CLI does the same as
// the owner of CUSTOS_TOKEN, reading the identifier from stdin.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { cli } from '../support/cli.js';
import { createRightsWorkspace, MASTER_ENV, type RightsWorkspace } from '../support/rights-workspace.js';

describe('data-subject requests over HTTP and the CLI (sqlite)', () => {
  let rw: RightsWorkspace;
  let app: Awaited<ReturnType<typeof buildServer>>['app'];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    rw = await createRightsWorkspace('sqlite');
    app = (await buildServer(rw.ctx)).app;
    for (const [username, role] of [
      ['olga', 'compliance_officer'],
      ['oscar', 'compliance_officer'],
      ['ana', 'analyst'],
      ['audrey', 'auditor'],
    ] as const) {
      await rw.ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await rw.ctx.tokens.create(username, 'test', 3_600_000, 'test')).token;
    }
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await rw?.close();
  });

  const call = (user: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[user]}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  it('walks a copy request through its steps, each by a role allowed to, and downloads the result', async () => {
    const person = rw.rows[0]!;
    expect(
      (await call('ana', 'POST', '/api/v1/dsr', { type: 'copy', identifier: person.id_no })).statusCode,
    ).toBe(403);
    const created = await call('olga', 'POST', '/api/v1/dsr', { type: 'copy', identifier: person.id_no });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain(person.id_no);
    const id = (created.json() as { id: string }).id;
    expect((await call('audrey', 'GET', `/api/v1/dsr/${id}`)).json()).toMatchObject({ status: 'received' });
    expect((await call('audrey', 'POST', `/api/v1/dsr/${id}/start`)).statusCode).toBe(403);
    const own = await call('olga', 'POST', `/api/v1/dsr/${id}/verify`, { method: 'id_document' });
    expect(own.statusCode).toBe(403);
    expect((await call('olga', 'POST', `/api/v1/dsr/${id}/start`)).statusCode).toBe(409);
    expect(
      (await call('oscar', 'POST', `/api/v1/dsr/${id}/verify`, { method: 'id_document' })).statusCode,
    ).toBe(200);
    expect((await call('olga', 'POST', `/api/v1/dsr/${id}/start`)).statusCode).toBe(200);
    expect((await call('olga', 'GET', `/api/v1/dsr/${id}/result`)).statusCode).toBe(409);
    const done = await call('olga', 'POST', `/api/v1/dsr/${id}/complete`);
    expect(done.json()).toMatchObject({ status: 'completed', result: { datasets: { people: 1 } } });
    expect((await call('audrey', 'GET', `/api/v1/dsr/${id}/result`)).statusCode).toBe(403);
    const result = await call('olga', 'GET', `/api/v1/dsr/${id}/result`);
    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.headers['content-disposition']).toContain(`${id}.json`);
    expect(result.body).toContain(person.name);
    expect(result.body).not.toContain(rw.rows[1]!.id_no);
    const denied = await call('olga', 'POST', `/api/v1/dsr/${id}/deny`, { reason: 'other' });
    expect(denied.statusCode).toBe(409);
  });

  it('lists with the overdue flag and filters', async () => {
    const person = rw.rows[1]!;
    const receivedAt = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const late = await call('olga', 'POST', '/api/v1/dsr', {
      type: 'access',
      identifier: person.id_no,
      receivedAt,
    });
    const lateId = (late.json() as { id: string }).id;
    const overdue = await call('audrey', 'GET', '/api/v1/dsr?overdue=true');
    const requests = (overdue.json() as { requests: Array<{ id: string; isOverdue: boolean }> }).requests;
    expect(requests.map((r) => r.id)).toEqual([lateId]);
    expect(requests[0]!.isOverdue).toBe(true);
    const received = (await call('olga', 'GET', '/api/v1/dsr?status=received')).json() as {
      requests: Array<{ status: string }>;
    };
    expect(received.requests.every((r) => r.status === 'received')).toBe(true);
    expect((await call('ana', 'GET', '/api/v1/dsr')).statusCode).toBe(403);
    const cancelled = await call('oscar', 'POST', `/api/v1/dsr/${lateId}/cancel`, {
      reason: 'withdrawn_by_subject',
    });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', isOverdue: false });
  });

  it('holds a person and runs retention over HTTP, with counts only', async () => {
    const person = rw.rows[2]!;
    const hold = await call('olga', 'POST', '/api/v1/retention/holds', {
      identifier: person.id_no,
      reason: 'case 42',
    });
    expect(hold.statusCode).toBe(201);
    expect(hold.body).not.toContain(person.id_no);
    expect(
      ((await call('audrey', 'GET', '/api/v1/retention/holds')).json() as { holds: unknown[] }).holds,
    ).toHaveLength(1);
    const dry = await call('olga', 'POST', '/api/v1/retention/run', { dryRun: true });
    expect(dry.json()).toMatchObject({ isDryRun: true, totals: { deleted: 0 } });
    expect((await call('audrey', 'POST', '/api/v1/retention/run', {})).statusCode).toBe(403);
    const released = await call('olga', 'POST', '/api/v1/retention/holds/release', {
      identifier: person.id_no,
    });
    expect(released.json()).toMatchObject({ released: true });
    const reports = (await call('audrey', 'GET', '/api/v1/retention/reports')).json() as {
      reports: unknown[];
    };
    expect(reports.reports).toHaveLength(1);
  });

  it('the CLI records and answers a request as the owner of CUSTOS_TOKEN, identifier on stdin', async () => {
    const person = rw.rows[3]!;
    const env = (user: string) => ({ ...MASTER_ENV, CUSTOS_TOKEN: tokens[user]! });
    const w = ['-w', rw.ws.dir, '--json'];
    const created = await cli([...w, 'dsr', 'create', '--type', 'access', '--channel', 'counter'], {
      env: env('olga'),
      stdin: `${person.id_no}\n`,
    });
    expect(created.code).toBe(0);
    expect(created.stdout).not.toContain(person.id_no);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    expect((await cli([...w, 'dsr', 'verify', id, '--method', 'in_person'], { env: env('olga') })).code).toBe(
      1,
    );
    expect(
      (await cli([...w, 'dsr', 'verify', id, '--method', 'in_person'], { env: env('oscar') })).code,
    ).toBe(0);
    expect((await cli([...w, 'dsr', 'start', id], { env: env('oscar') })).code).toBe(0);
    expect((await cli([...w, 'dsr', 'complete', id], { env: env('oscar') })).code).toBe(0);
    const out = path.join(rw.ws.dir, 'answer.json');
    expect((await cli([...w, 'dsr', 'export', id, '--out', out], { env: env('olga') })).code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      datasets: Array<{ dataset: string; purposes: unknown[] }>;
    };
    expect(doc.datasets.map((d) => d.dataset).sort()).toEqual(['accounts', 'people', 'watchlist']);
    const shown = await cli(['-w', rw.ws.dir, 'dsr', 'show', id], { env: env('olga') });
    expect(shown.stdout).toContain('completed');
    expect(shown.stdout).toContain('verified');
    const listed = await cli(['-w', rw.ws.dir, 'dsr', 'list', '--status', 'completed'], { env: env('olga') });
    expect(listed.stdout).toContain(id);
    expect((await cli([...w, 'dsr', 'create', '--type', 'nope'], { env: env('olga') })).code).toBe(2);

    const run = await cli(['-w', rw.ws.dir, 'retention', 'run', '--dry-run'], { env: MASTER_ENV });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Dry run');
    const held = await cli(['-w', rw.ws.dir, 'retention', 'hold', '--identifier', '--reason', 'case 7'], {
      env: MASTER_ENV,
      stdin: `${person.id_no}\n`,
    });
    expect(held.code).toBe(0);
    expect(held.stdout).not.toContain(person.id_no);
    const holds = await cli(['-w', rw.ws.dir, '--json', 'retention', 'holds'], { env: MASTER_ENV });
    expect((JSON.parse(holds.stdout) as { holds: unknown[] }).holds).toHaveLength(1);
  });
});
