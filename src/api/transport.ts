// Encrypted transport for `custos serve` (GB/T 22239 level 3, communication confidentiality): HTTPS
// from `server.tls` (PEM files relative to the workspace, TLS 1.2 at least, optional client
// certificates), and the rule that a non-loopback address is never served in clear unless the
// workspace says a reverse proxy terminates TLS in front.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, isLoopback } from '../domain/index.js';
import type { Workspace } from '../workspace/index.js';

export interface TlsServerOptions {
  cert: Buffer;
  key: Buffer;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** The HTTPS options of the workspace, or undefined when it serves plain HTTP. */
export function tlsOptions(workspace: Workspace): TlsServerOptions | undefined {
  const tls = workspace.config.server.tls;
  if (!tls) return undefined;
  const read = (file: string, field: string): Buffer => {
    try {
      return readFileSync(path.resolve(workspace.dir, file));
    } catch (error) {
      throw new ConfigError('a TLS file cannot be read', [
        {
          file: 'custos.yaml',
          path: `server.tls.${field}`,
          message: `${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
        },
      ]);
    }
  };
  if (tls.requireClientCert && !tls.clientCa) {
    throw new ConfigError('client certificates need a CA', [
      { file: 'custos.yaml', path: 'server.tls.clientCa', message: 'requireClientCert needs clientCa' },
    ]);
  }
  return {
    cert: read(tls.cert, 'cert'),
    key: read(tls.key, 'key'),
    minVersion: tls.minVersion,
    ...(tls.clientCa ? { ca: read(tls.clientCa, 'clientCa') } : {}),
    // With a CA, clients are asked for a certificate; only requireClientCert refuses those without.
    requestCert: tls.clientCa !== undefined,
    rejectUnauthorized: tls.requireClientCert,
  };
}

/** Refuses to serve a non-loopback address in clear, unless a TLS-terminating proxy is declared. */
export function checkBindAddress(host: string, workspace: Workspace): void {
  const server = workspace.config.server;
  if (isLoopback(host) || server.tls || server.behindTlsProxy) return;
  throw new ConfigError(`refusing to serve ${host} without TLS`, [
    {
      file: 'custos.yaml',
      path: 'server.tls',
      message: `${host} is reachable from other machines: configure server.tls (cert, key), or set server.behindTlsProxy: true when a reverse proxy terminates TLS in front, or listen on 127.0.0.1`,
    },
  ]);
}
