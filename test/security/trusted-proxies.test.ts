// `server.trustedProxies`: X-Forwarded-For names the client only when the request comes from a
// proxy the workspace names; otherwise the socket's peer is the client (rate limits, monitoring and
// audit entries all see that address).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseEntry } from '../../src/audit/index.js';
import { startTestServer, type TestServer } from '../support/server.js';

const trusting = (proxies: string[]) => (text: string) => {
  const doc = parseDocument(text);
  doc.setIn(['server', 'trustedProxies'], proxies);
  return doc.toString();
};

async function failedSignInAddress(server: TestServer, remoteAddress: string): Promise<unknown> {
  const answer = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'u_analyst', password: 'not the password at all' },
    headers: { 'x-forwarded-for': '203.0.113.50' },
    remoteAddress,
  });
  expect(answer.statusCode).toBe(401);
  const rows = await server.ctx.store.db
    .selectFrom('audit_entries')
    .select('entry')
    .orderBy('idx', 'desc')
    .execute();
  const failure = rows.map((r) => parseEntry(r.entry)).find((e) => e.details?.clientAddress !== undefined);
  return failure?.details?.clientAddress;
}

describe('trusted proxies', () => {
  let behindProxy: TestServer;
  let direct: TestServer;
  beforeAll(async () => {
    behindProxy = await startTestServer('sqlite', { configure: trusting(['192.0.2.0/24', '::1']) });
    direct = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await behindProxy.close();
    await direct.close();
  });

  it('takes the client from X-Forwarded-For only when a named proxy sent the request', async () => {
    expect(await failedSignInAddress(behindProxy, '192.0.2.10')).toBe('203.0.113.50');
    // The same header from anyone else is the sender's claim, not the client.
    expect(await failedSignInAddress(behindProxy, '198.51.100.9')).toBe('198.51.100.9');
  });

  it('believes no forwarded header when no proxy is named (the default)', async () => {
    expect(await failedSignInAddress(direct, '192.0.2.10')).toBe('192.0.2.10');
  });

  it('refuses a proxy entry that is neither an address nor a CIDR range', async () => {
    await expect(startTestServer('sqlite', { configure: trusting(['proxy.example']) })).rejects.toThrow(
      /trustedProxies/,
    );
  });
});
