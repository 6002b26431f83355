// The egress guard (SSRF) and mutual TLS with a custom CA, against real local servers.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressGuard, isPrivateAddress } from '../../src/sources/egress.js';
import { openSource } from '../../src/sources/registry.js';
import { startPartnerApi } from '../../src/sources/simulators/partner-api.js';

const context = (allowPrivateNetworks: boolean, workspaceDir = process.cwd()) => ({
  workspaceDir,
  env: {},
  allowPrivateNetworks,
  userAgent: 'CustosTest/1',
});

function apiSource(
  baseUrl: string,
  egress: { allow: string[]; allowPrivate: boolean },
  allowPrivateNetworks: boolean,
) {
  return openSource(
    {
      name: 'partner',
      type: 'api',
      egress,
      baseUrl,
      retries: { max: 0 },
      streams: {
        reports: { path: 'v1/reports/page', records: '$.data[*]', pagination: { type: 'page', size: 50 } },
      },
    } as never,
    context(allowPrivateNetworks),
  );
}

async function drain(source: ReturnType<typeof apiSource>): Promise<number> {
  let n = 0;
  for await (const batch of source.read('reports', null)) n += batch.records.length;
  return n;
}

describe('egress guard', () => {
  it('classifies loopback, private, link-local and metadata addresses as private', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '203.0.113.10', '2001:4860:4860::8888'])
      expect(isPrivateAddress(a), a).toBe(false);
    const guard = new EgressGuard('s', { allow: ['*.example.com', 'api.partner.cn'], allowPrivate: false });
    expect(guard.hostAllowed('a.example.com')).toBe(true);
    expect(guard.hostAllowed('example.com')).toBe(false);
    expect(guard.hostAllowed('evil-example.com')).toBe(false);
    expect(() => guard.checkUrl('file:///etc/passwd')).toThrow(/scheme file: is not allowed/);
    expect(() => guard.checkUrl('http://169.254.169.254/latest/meta-data')).toThrow(
      /not on its egress allowlist/,
    );
  });

  it('refuses a private address unless both the source and the workspace allow it', async () => {
    const api = await startPartnerApi({ records: 10 });
    try {
      await expect(
        drain(apiSource(api.url, { allow: ['127.0.0.1'], allowPrivate: true }, false)),
      ).rejects.toThrow(/private or reserved address/);
      await expect(
        drain(apiSource(api.url, { allow: ['127.0.0.1'], allowPrivate: false }, true)),
      ).rejects.toThrow(/private or reserved address/);
      await expect(
        drain(
          apiSource(
            api.url.replace('127.0.0.1', 'localhost'),
            { allow: ['localhost'], allowPrivate: false },
            true,
          ),
        ),
      ).rejects.toThrow(/resolves to a private or reserved address/);
      expect(api.log.length).toBe(0);
      expect(await drain(apiSource(api.url, { allow: ['127.0.0.1'], allowPrivate: true }, true))).toBe(10);
    } finally {
      await api.close();
    }
  });

  it('re-checks every redirect hop', async () => {
    const api = await startPartnerApi({ records: 10 });
    const redirector = createServer((req, res) => {
      res.writeHead(302, {
        location: req.url?.includes('evil')
          ? 'http://169.254.169.254/'
          : `http://localhost:${api.url.split(':')[2]}/v1/reports/page`,
      });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const port = (redirector.address() as AddressInfo).port;
    try {
      const source = apiSource(
        `http://127.0.0.1:${port}`,
        { allow: ['127.0.0.1'], allowPrivate: true },
        true,
      );
      await expect(drain(source)).rejects.toThrow(/host localhost is not on its egress allowlist/);
      expect(api.log.length).toBe(0);
    } finally {
      redirector.close();
      await api.close();
    }
  });
});

describe('mutual TLS with a custom CA', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'custos-mtls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=Test Partner CA',
    );
    writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    for (const name of ['server', 'client']) {
      run(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      );
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        'san.cnf',
      );
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('connects with a client certificate and refuses without one', async () => {
    const file = (n: string) => readFileSync(path.join(dir, n), 'utf8');
    const api = await startPartnerApi({
      records: 20,
      tls: { key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true },
    });
    const make = (withClientCert: boolean) =>
      openSource(
        {
          name: 'partner',
          type: 'api',
          egress: { allow: ['127.0.0.1'], allowPrivate: true },
          baseUrl: api.url,
          retries: { max: 0 },
          tls: { ca: 'ca.crt', ...(withClientCert ? { cert: 'client.crt', key: 'file:client.key' } : {}) },
          streams: {
            reports: {
              path: 'v1/reports/page',
              records: '$.data[*]',
              pagination: { type: 'page', size: 50 },
            },
          },
        } as never,
        context(true, dir),
      );
    try {
      const ok = make(true);
      expect(await drain(ok)).toBe(20);
      await ok.close();
      const refused = make(false);
      const served = api.log.length;
      // The server ends the handshake of a client without a certificate: the connection closes
      // before any request reaches the API (a refused CA or host name fails with another reason).
      await expect(drain(refused)).rejects.toThrow(
        /reports\/page\?page=1&page_size=50 failed after 1 attempts \(UND_ERR_SOCKET\)$/,
      );
      expect(api.log.length).toBe(served);
      await refused.close();
    } finally {
      await api.close();
    }
  });
});
