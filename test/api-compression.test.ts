// Responses are compressed for clients that accept it — the API's JSON and the console's files —
// except server-sent events and answers that carry a secret (BREACH; src/api/compression.ts).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCompression } from '../src/api/compression.js';
import { startTestServer, TEST_PASSWORD, type TestServer } from './support/server.js';

const DIST = path.resolve(import.meta.dirname, '../web/dist');
const GZIP = { 'accept-encoding': 'gzip' };
const LONG = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) };

describe('response compression', () => {
  it('compresses JSON, but neither an answer that carries secrets nor an event stream', async () => {
    const app = Fastify();
    await installCompression(app);
    app.get('/plain', async () => LONG);
    app.get('/secret', { config: { carriesSecrets: true } }, async () => ({ ...LONG, token: 'cst_secret' }));
    app.get('/events', async (_request, reply) =>
      reply.type('text/event-stream').send(`data: ${JSON.stringify(LONG)}\n\n`),
    );
    try {
      const plain = await app.inject({ method: 'GET', url: '/plain', headers: GZIP });
      expect(plain.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(gunzipSync(plain.rawPayload).toString())).toEqual(LONG);
      // Without Accept-Encoding the answer is plain.
      expect(
        (await app.inject({ method: 'GET', url: '/plain' })).headers['content-encoding'],
      ).toBeUndefined();

      const secret = await app.inject({ method: 'GET', url: '/secret', headers: GZIP });
      expect(secret.headers['content-encoding']).toBeUndefined();
      expect(secret.json().token).toBe('cst_secret');

      const events = await app.inject({ method: 'GET', url: '/events', headers: GZIP });
      expect(events.headers['content-encoding']).toBeUndefined();
      expect(events.body.startsWith('data: ')).toBe(true);
    } finally {
      await app.close();
    }
  });

  describe('on the real server', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer('sqlite');
    });
    afterAll(async () => server?.close());

    it('compresses the OpenAPI document', async () => {
      const document = await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: GZIP });
      expect(document.headers['content-encoding']).toBe('gzip');
      const plain = await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(gunzipSync(document.rawPayload).toString()).toBe(plain.body);
      expect(document.rawPayload.length).toBeLessThan(plain.rawPayload.length / 5);
    });

    it('never compresses a sign-in (it sets the session cookie) or a new token', async () => {
      const login = await server.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: GZIP,
        payload: { username: 'u_analyst', password: TEST_PASSWORD },
      });
      expect(login.statusCode).toBe(200);
      expect(login.headers['set-cookie']).toBeDefined();
      expect(login.headers['content-encoding']).toBeUndefined();

      const token = await server.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { ...GZIP, authorization: `Bearer ${server.tokens.analyst}` },
        payload: { name: 'compressed' },
      });
      expect(token.statusCode).toBe(201);
      expect(token.headers['content-encoding']).toBeUndefined();
    });

    it('compresses the console’s JavaScript', async () => {
      if (!existsSync(path.join(DIST, 'index.html')))
        throw new Error('web/dist is missing: run `npm run build` before this test');
      const index = readFileSync(path.join(DIST, 'index.html'), 'utf8');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
      expect(script).toBeDefined();
      const asset = await server.app.inject({ method: 'GET', url: script!, headers: GZIP });
      expect(asset.headers['content-encoding']).toBe('gzip');
      expect(asset.headers['cache-control']).toContain('immutable');
      expect(gunzipSync(asset.rawPayload).toString()).toBe(readFileSync(path.join(DIST, script!), 'utf8'));
    });
  });
});
