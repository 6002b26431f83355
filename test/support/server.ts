// An API server on a throwaway workspace, with one user and token per role.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildServer, type CustosServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { ROLES, type Role } from '../../src/domain/index.js';
import type { TestDialect } from './databases.js';
import { unreachableRegistryUrl } from './npm-registry.js';
import { createTestWorkspace, type TestWorkspace } from './workspace.js';

export const TEST_PASSWORD = 'test password 123';

export interface TestServer extends CustosServer {
  ctx: AppContext;
  workspace: TestWorkspace;
  /** A valid API token per built-in role. */
  tokens: Record<Role, string>;
  /** Every log line the server wrote. */
  logs: string[];
  close(): Promise<void>;
}

export async function startTestServer(
  dialect: TestDialect = 'sqlite',
  options: {
    fromDemo?: boolean;
    /** Environment of the context (e.g. CUSTOS_MASTER_KEY); default none. */
    env?: NodeJS.ProcessEnv;
    /** Edits custos.yaml before the server opens the workspace. */
    configure?: (yaml: string) => string;
  } = {},
): Promise<TestServer> {
  const workspace = await createTestWorkspace(dialect, options);
  if (options.configure) {
    const file = path.join(workspace.dir, 'custos.yaml');
    writeFileSync(file, options.configure(readFileSync(file, 'utf8')));
  }
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const ctx = await openContext(workspace.dir, {
    // Scans ask a registry that does not exist unless a test gives its own: tests never reach the internet.
    env: { npm_config_registry: await unreachableRegistryUrl(), ...options.env },
    logLevel: 'info',
    logDestination: sink,
  });
  const server = await buildServer(ctx);
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) {
    await ctx.users.create({ username: `u_${role}`, role, password: TEST_PASSWORD }, 'test');
    tokens[role] = (await ctx.tokens.create(`u_${role}`, 'test', 3_600_000, 'test')).token;
  }
  return {
    ...server,
    ctx,
    workspace,
    tokens,
    logs,
    close: async () => {
      await server.app.close();
      await ctx.close();
      await workspace.cleanup();
    },
  };
}
