// The OpenAPI document is complete enough to generate clients and the console from: every
// operation has its response schemas (success and errors) and names the roles that may call it
// (`x-custos-roles`, from the route's declared access). And the request log: one line per request
// with method, route, status and duration — no empty req/res, no query or path values.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  'x-custos-roles'?: string[];
  'x-custos-public'?: string;
}

describe('OpenAPI document and request log', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => server.close());

  it('gives every operation response schemas and the roles its route declares', async () => {
    const document = (await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = Object.entries(document.paths).flatMap(([url, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        url,
        method: method.toUpperCase(),
        operation,
      })),
    );
    expect(operations.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const { url, method, operation } of operations) {
      const where = `${method} ${url}`;
      const fastifyUrl = url.replace(/\{(\w+)\}/g, ':$1');
      const route = server.routes.find((r) => r.method === method && r.url === fastifyUrl);
      if (!route) {
        problems.push(`${where}: not a registered route`);
        continue;
      }
      const roles = 'roles' in route.access ? [...route.access.roles].sort() : [];
      if (JSON.stringify([...(operation['x-custos-roles'] ?? ['missing'])].sort()) !== JSON.stringify(roles))
        problems.push(`${where}: x-custos-roles ${JSON.stringify(operation['x-custos-roles'])} ≠ ${roles}`);
      if ('public' in route.access && operation['x-custos-public'] !== route.access.public)
        problems.push(`${where}: public route without x-custos-public`);
      const responses = operation.responses ?? {};
      const success = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) problems.push(`${where}: no success response`);
      for (const [status, response] of success) {
        const schema = response.content?.['application/json']?.schema;
        if (status !== '204' && schema === undefined) problems.push(`${where}: ${status} has no schema`);
      }
      if (!responses.default?.content) problems.push(`${where}: no error response`);
      if (roles.length > 0 && !(responses['401'] && responses['403']))
        problems.push(`${where}: no 401/403 responses`);
    }
    expect(problems).toEqual([]);
  });

  it('logs method, route, status and duration of each request, never its query or path values', async () => {
    const admin = { authorization: `Bearer ${server.tokens.admin}` };
    const before = server.logs.length;
    await server.app.inject({ method: 'GET', url: '/api/v1/runs?dataset=needle-in-query', headers: admin });
    await server.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/needle-in-path',
      headers: admin,
      payload: {},
    });
    const lines = server.logs
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request completed');
    expect(lines).toEqual([
      expect.objectContaining({
        method: 'GET',
        route: '/api/v1/runs',
        status: 200,
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({ method: 'PATCH', route: '/api/v1/users/:username', status: 404 }),
    ]);
    const text = server.logs.slice(before).join('');
    expect(text).not.toContain('needle');
    expect(text).not.toMatch(/"req":\{\}|"res":\{\}/);
  });
});
