// The newcomer path on the real bin: `custos serve` on (a copy of) the demo workspace prints the
// URL and a first-start login that works, and stops cleanly on SIGTERM. Needs `npm run build`.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, type TestWorkspace } from './support/workspace.js';

const BIN = path.resolve(import.meta.dirname, '../bin/custos.js');

describe('newcomer path', () => {
  let workspace: TestWorkspace;
  beforeAll(async () => {
    if (!existsSync(path.resolve(import.meta.dirname, '../dist/cli/bin.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this test');
    }
    workspace = await createTestWorkspace('sqlite', { fromDemo: true });
  });
  afterAll(async () => workspace.cleanup());

  it('serves the demo workspace, prints URL and admin login, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--workspace', workspace.dir, '--port', '0'], {
      env: { ...process.env, CUSTOS_LANG: 'en', CUSTOS_LOG_LEVEL: 'warn', CUSTOS_ADMIN_PASSWORD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
        if (/password: \S+/.test(stdout)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stderr}`)));
    });
    await ready;
    const url = /Custos console: (http:\/\/\S+)/.exec(stdout)?.[1];
    const password = /password: (\S+)/.exec(stdout)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    expect(await (await fetch(`${url}healthz`)).json()).toEqual({ status: 'ok' });
    const login = await fetch(`${url}api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    expect(stderr).not.toContain(password!);

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
