// `custos serve` serves the built console (web/dist) at `/`: the app's own routes fall back to
// index.html, /api never does, assets are cached for good, the Content-Security-Policy admits the
// built files (no inline script), and without a build `/` says how to make one. Every API call the
// console makes (web/src/api/endpoints.ts) exists in the OpenAPI document with the same roles.
// Needs `npm run build` (web/dist).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../web/src/api/endpoints.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DIST = path.resolve(import.meta.dirname, '../../web/dist');

describe('the console served at /', () => {
  let server: TestServer;
  beforeAll(async () => {
    if (!existsSync(path.join(DIST, 'index.html')))
      throw new Error('web/dist is missing: run `npm run build` (npm test does it) before this test');
    server = await startTestServer('sqlite');
  });
  afterAll(async () => server?.close());

  it('serves index.html whose scripts are files the CSP admits, cached for good', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<div id="root">');
    // No inline script: every <script> names a file under /assets/.
    const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(inline!.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes!)?.[1];
      expect(src).toMatch(/^\/assets\/.+\.js$/);
      const asset = await server.app.inject({ method: 'GET', url: src! });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
      expect(asset.headers['cache-control']).toContain('immutable');
      expect(asset.body).toBe(readFileSync(path.join(DIST, src!), 'utf8'));
    }
  });

  it('answers the console’s own routes with index.html, but never /api or a missing asset', async () => {
    const deep = await server.app.inject({ method: 'GET', url: '/runs/some-run?tab=log' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<div id="root">');

    const malformed = await server.app.inject({ method: 'GET', url: '/runs/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400); // Fastify refuses a malformed escape; never a 500

    const api = await server.app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/application\/json/);
    const apiRoot = await server.app.inject({ method: 'GET', url: '/api' });
    expect(apiRoot.statusCode).toBe(404);

    expect((await server.app.inject({ method: 'GET', url: '/assets/missing-0000.js' })).statusCode).toBe(404);
    expect(
      (await server.app.inject({ method: 'GET', url: '/assets/../../package.json' })).body,
    ).not.toContain('"workspaces"');
    expect(
      (await server.app.inject({ method: 'GET', url: '/assets/..%2f..%2fpackage.json' })).statusCode,
    ).toBe(404);
    // The API's own pages keep working beside the fallback.
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await server.app.inject({ method: 'GET', url: '/api/v1/docs/' })).statusCode).toBe(200);
  });

  it('calls only operations the OpenAPI document has, with the roles it declares', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { 'x-custos-roles': string[] }>>;
    };
    const problems: string[] = [];
    for (const [name, endpoint] of Object.entries(endpoints)) {
      const openApiPath = endpoint.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = doc.paths[openApiPath]?.[endpoint.method.toLowerCase()];
      if (!operation) {
        problems.push(`${name}: ${endpoint.method} ${endpoint.path} is not in the OpenAPI document`);
        continue;
      }
      const declared = [...operation['x-custos-roles']].sort();
      if (JSON.stringify(declared) !== JSON.stringify([...endpoint.roles].sort()))
        problems.push(`${name}: roles ${[...endpoint.roles].sort()} but the server says ${declared}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the console before it is built', () => {
  let server: TestServer;
  let empty: string;
  beforeAll(async () => {
    empty = mkdtempSync(path.join(tmpdir(), 'custos-no-web-'));
    process.env.CUSTOS_WEB_DIST = empty;
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    delete process.env.CUSTOS_WEB_DIST;
    await server?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('says at / how to build it and where the API is', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('npm run build');
    expect(page.body).toContain('/api/v1/docs');
    expect((await server.app.inject({ method: 'GET', url: '/runs' })).statusCode).toBe(404);
  });
});
