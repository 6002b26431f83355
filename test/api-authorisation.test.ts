// Walks every registered route: an unauthenticated call and a call by each role the route does not
// list must be refused; public routes are exactly the declared few.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../src/domain/index.js';
import { startTestServer, type TestServer } from './support/server.js';

const EXPECTED_PUBLIC = [
  'GET /',
  // The console's static files and its client-side routes (index.html; never under /api).
  'GET /*',
  'GET /assets/*',
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/openapi.json',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/second-factor',
  'POST /api/v1/auth/second-factor/enrol',
];

function concreteUrl(url: string): string {
  // Path parameters get syntactically valid values; authorisation is decided before they are looked up.
  return url
    .replace(/:id\b/g, '00000000-0000-4000-8000-000000000000')
    .replace(/:(\w+)/g, 'x1')
    .replace(/\*$/, 'x');
}

describe('authorisation of every route', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => server.close());

  it('knows every route and its declared access', () => {
    expect(server.routes.length).toBeGreaterThan(15);
    const publicRoutes = server.routes
      .filter((r) => 'public' in r.access && !r.url.startsWith('/api/v1/docs') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(publicRoutes).toEqual([...EXPECTED_PUBLIC].sort());
  });

  it('refuses unauthenticated calls and unlisted roles on every protected route', async () => {
    const protectedRoutes = server.routes.filter((r) => 'roles' in r.access);
    expect(protectedRoutes.length).toBeGreaterThan(10);
    let checked = 0;
    for (const route of protectedRoutes) {
      const url = concreteUrl(route.url);
      const method = route.method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
      const payload = method === 'GET' || method === 'HEAD' ? undefined : {};
      const anonymous = await server.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(anonymous.statusCode, `${route.method} ${route.url} without credentials`).toBe(401);

      const bogus = await server.app.inject({ method, url, headers: { authorization: 'Bearer cst_forged' } });
      expect(bogus.statusCode, `${route.method} ${route.url} with a forged token`).toBe(401);

      const allowed = 'roles' in route.access ? route.access.roles : [];
      for (const role of ROLES.filter((r) => !allowed.includes(r))) {
        const response = await server.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${server.tokens[role]}` },
          ...(payload ? { payload } : {}),
        });
        expect(response.statusCode, `${route.method} ${route.url} as ${role}`).toBe(403);
        if (method !== 'HEAD') expect(response.json()).toMatchObject({ error: { code: 'forbidden' } });
        checked += 1;
      }
      for (const role of allowed) {
        const response = await server.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${server.tokens[role]}` },
          ...(payload ? { payload } : {}),
        });
        expect([401, 403], `${route.method} ${route.url} as allowed ${role}`).not.toContain(
          response.statusCode,
        );
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('cannot register a route that declares no access', async () => {
    const { default: Fastify } = await import('fastify');
    const { installAccessControl } = await import('../src/api/access.js');
    const app = Fastify();
    installAccessControl(app, server.ctx);
    expect(() => app.get('/api/v1/undeclared', async () => 'x')).toThrow(/declares no access/);
    await app.close();
  });
});
