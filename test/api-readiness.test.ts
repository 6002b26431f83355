// The readiness probe against a PostgreSQL that goes away and comes back: the server is reached
// through a local TCP relay the test can cut, as a network partition or a database restart would.

import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type CustosServer } from '../src/api/index.js';
import { type AppContext, openContext } from '../src/context.js';
import { createTestWorkspace, type TestWorkspace } from './support/workspace.js';

/** A TCP relay to 127.0.0.1:5432 that can be cut (listener closed, connections reset) and restored. */
class Relay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(5432, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        // A reset half of the pair closes the other; the relay reports nothing of its own.
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }
}

describe('GET /readyz on PostgreSQL', () => {
  const relay = new Relay();
  let workspace: TestWorkspace;
  let ctx: AppContext;
  let server: CustosServer;
  beforeAll(async () => {
    await relay.start();
    workspace = await createTestWorkspace('postgres');
    const file = path.join(workspace.dir, 'custos.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('@127.0.0.1:5432/', `@127.0.0.1:${relay.port}/`));
    ctx = await openContext(workspace.dir, { env: {}, logLevel: 'silent' });
    server = await buildServer(ctx);
  });
  afterAll(async () => {
    await server?.app.close();
    await ctx?.close();
    await relay.cut();
    await workspace?.cleanup();
  });

  const probe = async () => {
    const response = await server.app.inject({ method: 'GET', url: '/readyz' });
    return { status: response.statusCode, body: response.json() as unknown };
  };

  it('answers 503 while the database is unreachable and ready again once it is back', async () => {
    expect(await probe()).toEqual({ status: 200, body: { status: 'ready' } });
    await relay.cut();
    // Pooled connections are reset and new ones refused: not ready, and the process lives on.
    expect(await probe()).toEqual({ status: 503, body: { status: 'unavailable' } });
    expect(await probe()).toEqual({ status: 503, body: { status: 'unavailable' } });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await relay.start();
    expect(await probe()).toEqual({ status: 200, body: { status: 'ready' } });
  });
});
