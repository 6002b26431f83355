// A local stand-in for the npm registry's audit endpoint (`npm audit --registry …`): it answers
// POST /-/npm/v1/security/advisories/bulk with the advisories given (by package name), 404 for
// anything else, or — `silent` — never answers, so an audit times out.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NpmAdvisory {
  id: number;
  url: string;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
}

export interface NpmRegistry {
  url: string;
  /** Sizes of the bulk requests received. */
  bulk: number[];
  /** What later audits get: other advisories, or `fail` (the audit endpoints answer 500). */
  answer(next: Record<string, NpmAdvisory[]> | 'fail'): void;
  close(): Promise<void>;
}

export function startNpmRegistry(advisories: Record<string, NpmAdvisory[]> | 'silent'): Promise<NpmRegistry> {
  const bulk: number[] = [];
  let current: Record<string, NpmAdvisory[]> | 'fail' | 'silent' = advisories;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (current === 'silent') return;
      if (current === 'fail' && request.url?.startsWith('/-/npm/v1/security/')) {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}');
        return;
      }
      if (request.method === 'POST' && request.url?.startsWith('/-/npm/v1/security/advisories/bulk')) {
        bulk.push(Buffer.concat(chunks).length);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(current));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        bulk,
        answer: (next) => {
          current = next;
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}

/** A critical advisory against `yaml` (a production dependency), unique per call: npm caches advisories. */
export function criticalYamlAdvisory(): Record<string, NpmAdvisory[]> {
  const id = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return {
    yaml: [
      {
        id,
        url: `https://advisories.example.test/GHSA-test-${id}`,
        title: 'Test advisory: prototype pollution',
        severity: 'critical',
        vulnerable_versions: '<99.0.0',
      },
    ],
  };
}

/** A registry address where nothing listens (a closed port on this machine). */
export function unreachableRegistryUrl(): Promise<string> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(`http://127.0.0.1:${port}/`));
    }),
  );
}
