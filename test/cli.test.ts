// The `custos` CLI: init, config check, migrate, users and tokens; exit codes 0/1/2; --json.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { POSTGRES_URL } from './support/databases.js';
import { createTestWorkspace, type TestWorkspace } from './support/workspace.js';

describe('custos CLI', () => {
  let workspace: TestWorkspace;
  beforeAll(async () => {
    workspace = await createTestWorkspace('sqlite');
  });
  afterAll(async () => workspace.cleanup());
  const w = () => ['--workspace', workspace.dir];

  it('creates a workspace with init that config check accepts', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'custos-init-'));
    try {
      const dir = path.join(root, 'new');
      const init = await cli(['init', dir, '--organisation', 'Acme', '--json']);
      expect(init.code).toBe(0);
      expect(JSON.parse(init.stdout).files).toContain('custos.yaml');
      const check = await cli(['config', 'check', '-w', dir]);
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(/is valid/);
      expect((await cli(['init', dir])).code).toBe(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exits 2 on a bad workspace, listing file:line path and problem, and touches no data', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'custos-bad-'));
    try {
      const dir = path.join(root, 'ws');
      await cli(['init', dir]);
      const file = path.join(dir, 'custos.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('suite: sm', 'suite: des'));
      const check = await cli(['config', 'check', '-w', dir]);
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/custos\.yaml:\d+ crypto\.suite: must be one of: sm, aes/);
      const migrate = await cli(['migrate', '-w', dir]);
      expect(migrate.code).toBe(2);
      expect(() => readFileSync(path.join(dir, 'data', 'custos.db'))).toThrow();
      const json = await cli(['config', 'check', '-w', dir, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        error: { code: 'config', details: [{ path: 'crypto.suite' }] },
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exits 2 on bad usage', async () => {
    expect((await cli(['no-such-command'])).code).toBe(2);
    expect((await cli(['user', 'add', 'x'])).code).toBe(2);
    expect(
      (await cli(['token', 'create', ...w(), '--user', 'x', '--name', 'n', '--expires-in', 'forever'])).code,
    ).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('migrates, adds users from stdin, changes passwords, and lists users', async () => {
    const migrate = await cli(['migrate', ...w(), '--json']);
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout).current).toContain('0001_foundation');

    const add = await cli(['user', 'add', 'dora', '--role', 'data_engineer', '--password-stdin', ...w()], {
      stdin: 'dora password 123\n',
    });
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Added user dora with role data_engineer');
    expect(add.stdout + add.stderr).not.toContain('dora password 123');

    const weak = await cli(['user', 'add', 'eve', '--role', 'analyst', '--password-stdin', ...w()], {
      stdin: 'short\n',
    });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/at least 12 characters/);

    const badRole = await cli(['user', 'add', 'eve', '--role', 'emperor', '--password-stdin', ...w()], {
      stdin: 'x\n',
    });
    expect(badRole.code).toBe(2);

    const passwd = await cli(['user', 'passwd', 'dora', '--password-stdin', ...w()], {
      stdin: 'another password 1\n',
    });
    expect(passwd.code).toBe(0);
    const unknown = await cli(['user', 'passwd', 'nobody', '--password-stdin', ...w()], {
      stdin: 'another password 1\n',
    });
    expect(unknown.code).toBe(1);

    const list = await cli(['user', 'list', ...w(), '--json']);
    expect(JSON.parse(list.stdout).users.map((u: { username: string }) => u.username)).toEqual(['dora']);
  });

  it('creates a token once and revokes it', async () => {
    const created = await cli([
      'token',
      'create',
      '--user',
      'dora',
      '--name',
      'etl',
      '--expires-in',
      '30d',
      ...w(),
      '--json',
    ]);
    expect(created.code).toBe(0);
    const { token, info } = JSON.parse(created.stdout);
    expect(token).toMatch(/^cst_/);
    const list = await cli(['token', 'list', ...w(), '--json']);
    expect(list.stdout).not.toContain(token);
    const revoke = await cli(['token', 'revoke', info.id, ...w()]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain(`Revoked token ${info.id}`);
  });

  it('prints Chinese by default', async () => {
    const result = await cli(['config', 'check', ...w()], { env: { CUSTOS_LANG: '' } });
    expect(result.stdout).toMatch(/^工作区 .* 有效/);
  });

  it('migrates a PostgreSQL database chosen by CUSTOS_DATABASE_URL', async () => {
    const schema = `t_cli_${Date.now().toString(36)}`;
    const env = { CUSTOS_DATABASE_URL: `${POSTGRES_URL}?schema=${schema}` };
    const result = await cli(['migrate', ...w(), '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dialect: 'postgres' });
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const tables = await client.query(
        'select table_name from information_schema.tables where table_schema = $1',
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toContain('users');
    } finally {
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });
});
