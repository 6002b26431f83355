// Custos never runs unencrypted (docs/keys.md, "The master secret"): `custos serve` and
// `custos collect` refuse to start without CUSTOS_MASTER_KEY (exit 2) and touch no personal data;
// with it, the key files they write are readable by their owner only.

import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openContext } from '../src/context.js';
import { cli } from './support/cli.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from './support/pipeline-workspace.js';
import type { TestWorkspace } from './support/workspace.js';

const BIN = path.resolve(import.meta.dirname, '../src/cli/bin.ts');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function workspace(): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract' });
  cleanups.push(() => ws.cleanup());
  writePeople(ws.dir, people(5, 41));
  return ws;
}

/** The environment of this process without any master secret. */
function envWithoutSecret(): NodeJS.ProcessEnv {
  const { CUSTOS_MASTER_KEY: _secret, ...env } = process.env;
  return { ...env, CUSTOS_LANG: 'en', CUSTOS_LOG_LEVEL: 'warn', CUSTOS_ADMIN_PASSWORD: 'admin password 123' };
}

const keyFile = (ws: TestWorkspace) => path.join(ws.dir, 'keys', 'keyring.json');

describe('without a master secret', () => {
  it('custos collect refuses to start (exit 2), naming CUSTOS_MASTER_KEY, and stores nothing', async () => {
    const ws = await workspace();
    const result = await cli(['collect', 'people', '--workspace', ws.dir], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/crypto: CUSTOS_MASTER_KEY is not set in the environment/);
    expect(existsSync(keyFile(ws))).toBe(false);
    const ctx = await openContext(ws.dir, { env: {}, logLevel: 'silent' });
    try {
      expect(await ctx.store.db.selectFrom('dataset_records').select('natural_key').execute()).toEqual([]);
      expect(await ctx.store.db.selectFrom('subject_keys').select('subject_id').execute()).toEqual([]);
      // No run is left behind as if it were still going.
      const runs = await ctx.runs.list();
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('custos serve refuses to start (exit 2) and never listens', async () => {
    const ws = await workspace();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', BIN, 'serve', '--workspace', ws.dir, '--port', '0'],
      {
        env: envWithoutSecret(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += String(c);
    });
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    // A server that started would wait for SIGTERM: give it a minute (a loaded machine), then stop it.
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(stdout).not.toMatch(/http:\/\//);
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/crypto: CUSTOS_MASTER_KEY is not set in the environment/);
    expect(existsSync(keyFile(ws))).toBe(false);
  }, 90_000);
});

describe('key files', () => {
  it('are written with mode 0600 in a 0700 directory, on creation and on rotation', async () => {
    const ws = await workspace();
    const mode = (file: string) => statSync(file).mode & 0o777;
    // A permissive umask, so a file written without an explicit mode would show it.
    const umask = process.umask(0o002);
    try {
      expect((await cli(['collect', 'people', '--workspace', ws.dir], { env: MASTER_ENV })).code).toBe(0);
      const files = [keyFile(ws), path.join(ws.dir, 'keys', 'audit-signing-key.json')];
      for (const file of files) expect(mode(file), file).toBe(0o600);
      expect(mode(path.join(ws.dir, 'keys'))).toBe(0o700);
      expect((await cli(['keys', 'rotate', '--workspace', ws.dir], { env: MASTER_ENV })).code).toBe(0);
      expect(mode(keyFile(ws))).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });
});
