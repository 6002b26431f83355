// Encrypted transport: HTTPS from server.tls with certificates made in the test (openssl CLI), HSTS
// when on, TLS below 1.2 refused, client certificates demanded when configured, and no clear-text
// bind on a non-loopback address unless a TLS-terminating proxy is declared.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBindAddress, isLoopback } from '../../src/api/index.js';
import { loadWorkspace } from '../../src/workspace/index.js';
import { cli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestWorkspace } from '../support/workspace.js';

const certDir = mkdtempSync(path.join(tmpdir(), 'custos-tls-'));
const pem = (name: string) => path.join(certDir, name);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA. */
function makeCertificates(): void {
  openssl(
    'req',
    '-x509',
    ...EC,
    '-days',
    '2',
    '-subj',
    '/CN=Custos Test CA',
    '-keyout',
    pem('ca.key'),
    '-out',
    pem('ca.pem'),
  );
  for (const [name, subject, extension] of [
    ['server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', '/CN=auditor', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(pem(`${name}.ext`), extension);
    openssl('req', ...EC, '-subj', subject, '-keyout', pem(`${name}.key`), '-out', pem(`${name}.csr`));
    openssl(
      'x509',
      '-req',
      '-in',
      pem(`${name}.csr`),
      '-CA',
      pem('ca.pem'),
      '-CAkey',
      pem('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      pem(`${name}.pem`),
      '-extfile',
      pem(`${name}.ext`),
    );
  }
}

function get(
  port: number,
  options: https.RequestOptions = {},
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      { host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(pem('ca.pem')), ...options },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function tlsYaml(extra = ''): (yaml: string) => string {
  return (yaml) =>
    yaml.replace(
      /^server:\n/m,
      `server:\n  tls:\n    cert: ${pem('server.pem')}\n    key: ${pem('server.key')}\n${extra}`,
    );
}

beforeAll(makeCertificates);
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

describe('HTTPS', () => {
  let server: TestServer;
  let port = 0;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { configure: tlsYaml() });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(async () => server.close());

  it('serves over TLS with HSTS', async () => {
    const response = await get(port);
    expect(response.status).toBe(200);
    expect(response.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('refuses TLS 1.1 and accepts TLS 1.2', async () => {
    const handshake = (maxVersion: tls.SecureVersion) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port,
          ca: readFileSync(pem('ca.pem')),
          minVersion: 'TLSv1',
          maxVersion,
          // OpenSSL 3 refuses TLS < 1.2 at its default security level; level 0 lets the client try.
          ciphers: 'DEFAULT:@SECLEVEL=0',
        });
        socket.on('secureConnect', () => {
          resolve(socket.getProtocol() ?? '');
          socket.end();
        });
        socket.on('error', reject);
      });
    await expect(handshake('TLSv1.1')).rejects.toThrow();
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
  });
});

describe('client certificates', () => {
  let server: TestServer;
  let port = 0;
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      configure: tlsYaml(`    clientCa: ${pem('ca.pem')}\n    requireClientCert: true\n`),
    });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(async () => server.close());

  it('refuses a client without a certificate and serves one with a certificate of the CA', async () => {
    await expect(get(port)).rejects.toThrow();
    const ok = await get(port, {
      cert: readFileSync(pem('client.pem')),
      key: readFileSync(pem('client.key')),
    });
    expect(ok.status).toBe(200);
  });
});

describe('bind address', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.8.9.1', '::1', '[::1]', 'localhost'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '::ffff:10.0.0.1'])
      expect(isLoopback(host), host).toBe(false);
  });

  it('refuses a public bind without TLS unless a TLS-terminating proxy is declared', async () => {
    const workspace = await createTestWorkspace('sqlite');
    try {
      const served = await cli(['serve', '--host', '0.0.0.0', '--port', '0', '--workspace', workspace.dir], {
        env: { CUSTOS_MASTER_KEY: 'tls-test-master-secret' },
      });
      expect(served.code).toBe(2);
      expect(served.stderr).toContain('server.behindTlsProxy');
      const file = path.join(workspace.dir, 'custos.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/^server:\n/m, 'server:\n  behindTlsProxy: true\n'),
      );
      expect(() => checkBindAddress('0.0.0.0', loadWorkspace(workspace.dir, { env: {} }))).not.toThrow();
      writeFileSync(file, tlsYaml()(readFileSync(file, 'utf8').replace('  behindTlsProxy: true\n', '')));
      expect(() => checkBindAddress('0.0.0.0', loadWorkspace(workspace.dir, { env: {} }))).not.toThrow();
    } finally {
      await workspace.cleanup();
    }
  });

  it('names the TLS file it cannot read', async () => {
    await expect(
      startTestServer('sqlite', {
        configure: (yaml) =>
          yaml.replace(/^server:\n/m, 'server:\n  tls:\n    cert: missing.pem\n    key: missing.key\n'),
      }),
    ).rejects.toMatchObject({
      code: 'config',
      details: [expect.objectContaining({ path: 'server.tls.cert' })],
    });
  });
});
