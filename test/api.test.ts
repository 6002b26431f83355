// HTTP API behaviour: sessions, error shape, limits, headers, OpenAPI, metrics, log redaction.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_PASSWORD, type TestServer } from './support/server.js';

describe('HTTP API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => server.close());

  const admin = () => ({ authorization: `Bearer ${server.tokens.admin}` });

  it('logs in with a session cookie that is HttpOnly and SameSite=Strict, and logs out', async () => {
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'u_analyst', password: TEST_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ user: { username: 'u_analyst', role: 'analyst' } });
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/custos_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;

    const me = await server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.json()).toMatchObject({ user: { username: 'u_analyst' } });
    const forbidden = await server.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie } });
    expect(forbidden.statusCode).toBe(403);

    expect(
      (await server.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } }))
        .statusCode,
    ).toBe(204);
    expect(
      (await server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode,
    ).toBe(401);
  });

  it('answers wrong credentials with 401 and then 429 with Retry-After', async () => {
    const attempt = () =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'u_auditor', password: 'nope nope nope' },
      });
    expect((await attempt()).statusCode).toBe(401);
    await attempt();
    await attempt();
    const locked = await attempt();
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('uses the error shape of DESIGN.md, localised, without values or stack traces', async () => {
    const bad = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...admin(), 'accept-language': 'en' },
      payload: { username: 'x', role: 'emperor', password: '11010519491231002X' },
    });
    expect(bad.statusCode).toBe(400);
    const body = bad.json();
    expect(body.error.code).toBe('validation');
    expect(body.error.message).toMatch(/^Invalid input: /);
    expect(body.error.details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/role' })]),
    );
    expect(bad.body).not.toContain('11010519491231002X');
    expect(bad.body).not.toContain('    at ');

    const missing = await server.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: admin() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/^未找到/);
  });

  it('limits request size', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'a', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('sends security headers', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.body).toContain('Custos');
  });

  it('publishes an OpenAPI 3.1 document covering the API routes, and a docs UI', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/users', '/api/v1/tokens', '/api/v1/auth/login', '/api/v1/tokens/{id}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const ui = await server.app.inject({ method: 'GET', url: '/api/v1/docs/' });
    expect(ui.statusCode).toBe(200);
  });

  it('exposes Prometheus metrics to admins and auditors only', async () => {
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics', headers: admin() });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('custos_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/api/v1/auth/login"');
    expect((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('manages users and tokens end to end; a token secret appears only in its creation response', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin(),
      payload: { username: 'carol', role: 'data_engineer', password: 'carol password 1' },
    });
    expect(created.statusCode).toBe(201);
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'carol', password: 'carol password 1' },
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const token = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie },
      payload: { name: 'report script', expiresIn: '7d' },
    });
    expect(token.statusCode).toBe(201);
    const secret: string = token.json().token;
    const list = await server.app.inject({
      method: 'GET',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(list.json().tokens).toHaveLength(1);
    expect(list.body).not.toContain(secret);
    const revoked = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${token.json().info.id}`,
      headers: { cookie },
    });
    expect(revoked.json().token.revokedAt).not.toBeNull();
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: '/api/v1/tokens',
          headers: { authorization: `Bearer ${secret}` },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('never writes passwords, tokens or cookies to the log', async () => {
    await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'u_admin', password: TEST_PASSWORD },
    });
    const all = server.logs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(TEST_PASSWORD);
    for (const token of Object.values(server.tokens)) expect(all).not.toContain(token);
    expect(all).not.toMatch(/custos_session=[A-Za-z0-9_-]{20}/);
  });

  it('reports readiness from the database', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });
});
