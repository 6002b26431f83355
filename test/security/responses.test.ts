// Responses as an outsider probes them: personal data and secrets are never cached, an error never
// repeats a value from the request (body or log), client mistakes are 4xx (unknown streams, sources
// and datasets 404), and Fastify's own errors come in the project's error envelope.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from '../support/server.js';

const ID_NUMBER = '11010519491231002X';

describe('responses', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { fromDemo: true });
  });
  afterAll(async () => server.close());
  const as = (role: keyof TestServer['tokens']) => ({ authorization: `Bearer ${server.tokens[role]}` });

  it('answers a preview of an unknown stream (an ID number typed as its name) 404 without repeating it', async () => {
    for (const source of ['partner-db', 'partner-credit-api', 'public-notices']) {
      const response = await server.app.inject({
        method: 'GET',
        url: `/api/v1/sources/${source}/preview?stream=${ID_NUMBER}`,
        headers: as('data_engineer'),
      });
      expect(response.statusCode, source).toBe(404);
      expect(response.json().error.code).toBe('not_found');
      expect(response.body).not.toContain(ID_NUMBER);
    }
    // Inherited object keys are not streams either.
    const proto = await server.app.inject({
      method: 'GET',
      url: '/api/v1/sources/partner-db/preview?stream=constructor',
      headers: as('data_engineer'),
    });
    expect(proto.statusCode).toBe(404);
    expect(server.logs.join('\n')).not.toContain(ID_NUMBER);
  });

  it('never repeats a request value in an error, whatever the route', async () => {
    const probes = [
      { method: 'GET' as const, url: `/api/v1/sources/${ID_NUMBER}/preview`, role: 'data_engineer' as const },
      {
        method: 'GET' as const,
        url: `/api/v1/datasets/${ID_NUMBER}/records?purpose=x`,
        role: 'admin' as const,
      },
      { method: 'POST' as const, url: `/api/v1/datasets/${ID_NUMBER}/runs`, role: 'data_engineer' as const },
      { method: 'PATCH' as const, url: `/api/v1/users/${ID_NUMBER}`, role: 'admin' as const },
      { method: 'GET' as const, url: `/api/v1/${ID_NUMBER}`, role: 'admin' as const },
    ];
    for (const probe of probes) {
      const response = await server.app.inject({
        method: probe.method,
        url: probe.url,
        headers: as(probe.role),
        ...(probe.method === 'GET' ? {} : { payload: { role: 'analyst' } }),
      });
      expect(response.statusCode, probe.url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, probe.url).toBeLessThan(500);
      expect(response.body, probe.url).not.toContain(ID_NUMBER);
    }
    expect(server.logs.join('\n')).not.toContain(ID_NUMBER);
  });

  it('answers unknown datasets and sources 404', async () => {
    for (const url of [
      '/api/v1/datasets/no_such_dataset/records?purpose=credit_assessment',
      '/api/v1/datasets/no_such_dataset/export?purpose=credit_assessment',
      '/api/v1/sources/no-such-source/streams',
    ]) {
      const response = await server.app.inject({ method: 'GET', url, headers: as('admin') });
      expect(response.statusCode, url).toBe(404);
    }
    const run = await server.app.inject({
      method: 'POST',
      url: '/api/v1/datasets/no_such_dataset/runs',
      headers: as('data_engineer'),
      payload: {},
    });
    expect(run.statusCode).toBe(404);
  });

  it('marks responses that carry secrets or personal data no-store', async () => {
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'u_analyst', password: TEST_PASSWORD },
    });
    expect(login.headers['cache-control']).toBe('no-store');
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const token = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie },
      payload: { name: 'script', expiresIn: '1d' },
    });
    expect(token.headers['cache-control']).toBe('no-store');
    for (const url of ['/api/v1/auth/me', '/api/v1/users', '/api/v1/runs', '/metrics', '/api/v1/nothing']) {
      const response = await server.app.inject({ method: 'GET', url, headers: as('admin') });
      expect(response.headers['cache-control'], url).toBe('no-store');
    }
  });

  it("puts Fastify's own errors in the project's envelope", async () => {
    const badJson = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"username": "${ID_NUMBER}", `,
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error).toMatchObject({ code: 'validation' });
    expect(badJson.body).not.toContain(ID_NUMBER);
    const media = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/x-custos' },
      payload: 'x',
    });
    expect(media.statusCode).toBe(415);
    expect(media.json().error.code).toBe('unsupported_media_type');
    const badUrl = await server.app.inject({
      method: 'GET',
      url: '/api/v1/users/%E0%A4%A',
      headers: as('admin'),
    });
    expect(badUrl.statusCode).toBe(400);
    expect(Object.keys(badUrl.json())).toEqual(['error']);
    const notFound = await server.app.inject({ method: 'GET', url: `/api/nothing/${ID_NUMBER}` });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json().error.code).toBe('not_found');
    expect(notFound.body).not.toContain(ID_NUMBER);
  });
});
