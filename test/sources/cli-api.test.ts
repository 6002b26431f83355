// `custos source check|discover|preview` and the same over the API, on a copy of the demo workspace
// with its simulated partner API and partner bank database.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { type PartnerApi, startPartnerApi } from '../../src/sources/simulators/partner-api.js';
import { seedPartnerSqlite } from '../../src/sources/simulators/partner-db.js';
import { cli } from '../support/cli.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

describe('source commands and routes', () => {
  let workspace: TestWorkspace;
  let api: PartnerApi;
  beforeAll(async () => {
    workspace = await createTestWorkspace('sqlite', { fromDemo: true });
    api = await startPartnerApi({
      records: 30,
      auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: 'demo-partner-key-NOT-A-SECRET' },
    });
    const file = path.join(workspace.dir, 'sources.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('http://127.0.0.1:8751', api.url));
    seedPartnerSqlite(path.join(workspace.dir, 'data', 'partner-bank.db'), 40);
  });
  afterAll(async () => {
    await api.close();
    await workspace.cleanup();
  });
  const w = () => ['--workspace', workspace.dir];

  it('checks, discovers and previews the partner API and database from the CLI', async () => {
    const check = await cli(['source', 'check', 'partner-credit-api', '--json', ...w()]);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, identity: 'api key (header X-Api-Key)' });
    const discover = await cli(['source', 'discover', 'partner-db', '--json', ...w()]);
    expect(JSON.parse(discover.stdout).streams[0]).toMatchObject({
      name: 'accounts',
      primaryKey: ['account_id'],
    });
    const preview = await cli(['source', 'preview', 'partner-credit-api', '--limit', '3', '--json', ...w()]);
    const result = JSON.parse(preview.stdout);
    expect(result.records.length).toBe(3);
    expect(result.records[0].id_no).toMatch(/^\d{3}\*+/);
    expect(preview.stdout).not.toContain(api.records[0]!.id_no);
    const clear = await cli([
      'source',
      'preview',
      'partner-credit-api',
      '--limit',
      '1',
      '--show-values',
      '--json',
      ...w(),
    ]);
    expect(JSON.parse(clear.stdout).records[0].id_no).toBe(api.records[0]!.id_no);
    expect((await cli(['source', 'check', 'nope', ...w()])).code).toBe(1);
  });

  it('rejects invalid connector settings at load with file and path', async () => {
    const file = path.join(workspace.dir, 'sources.yaml');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(
        file,
        original.replace('pagination: { type: page, size: 100 }', 'pagination: { type: pages }'),
      );
      const result = await cli(['config', 'check', ...w()]);
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toMatch(
        /sources\.yaml:\d+ sources\.0\.streams\.reports\.pagination/,
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  it('serves check, streams and a masked preview to data engineers, audited', async () => {
    const ctx: AppContext = await openContext(workspace.dir, { env: {}, logLevel: 'silent' });
    const { app } = await buildServer(ctx);
    try {
      await ctx.users.create(
        { username: 'dora', role: 'data_engineer', password: 'a long enough password 1' },
        'test',
      );
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'dora', password: 'a long enough password 1' },
      });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const preview = await app.inject({
        method: 'GET',
        url: '/api/v1/sources/partner-db/preview?limit=2',
        headers: { cookie },
      });
      expect(preview.statusCode).toBe(200);
      expect(preview.json().records).toHaveLength(2);
      expect(preview.json().masked).toBe(true);
      const check = await app.inject({
        method: 'POST',
        url: '/api/v1/sources/partner-credit-api/check',
        headers: { cookie },
      });
      expect(check.json()).toMatchObject({ ok: true });
      const actions = (await ctx.store.db.selectFrom('audit_entries').select('entry').execute()).map(
        (r) => JSON.parse(r.entry).action,
      );
      expect(actions).toContain('source.preview');
    } finally {
      await app.close();
      await ctx.close();
    }
  });
});
