// `custos keys …` on a workspace: refuses to run without a master secret (exit 2), then status,
// rotate, rewrap, retire, shred and blind-index, each audited where it changes keys.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { cli } from '../support/cli.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

const env = { CUSTOS_MASTER_KEY: 'cli-test-master-secret-42' };

describe('custos keys', () => {
  let workspace: TestWorkspace;
  beforeAll(async () => {
    workspace = await createTestWorkspace('sqlite');
  });
  afterAll(async () => workspace.cleanup());
  const w = () => ['--workspace', workspace.dir];

  it('refuses to run without a master secret', async () => {
    const result = await cli(['keys', 'status', ...w()]);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/CUSTOS_MASTER_KEY/);
  });

  it('rotates, rewraps, retires and shreds, with audit entries', async () => {
    const ctx = await openContext(workspace.dir, { env, logLevel: 'silent' });
    const sealed = await ctx.keys().encryptMany([
      { subjectId: 'cust-1', fields: { phone: '13800138000' } },
      { subjectId: 'cust-2', fields: { phone: '13900139000' } },
    ]);
    await ctx.close();

    const status = await cli(['keys', 'status', '--json', ...w()], { env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ currentVersion: 1, dataKeys: 2, pendingRewrap: 0 });
    expect((await cli(['keys', 'rotate', ...w()], { env })).code).toBe(0);
    expect(JSON.parse((await cli(['keys', 'status', '--json', ...w()], { env })).stdout).pendingRewrap).toBe(
      2,
    );
    expect((await cli(['keys', 'retire', '1', ...w()], { env })).code).toBe(2);
    const rewrap = await cli(['keys', 'rewrap', '--batch-size', '1', '--json', ...w()], { env });
    expect(JSON.parse(rewrap.stdout)).toEqual({ rewrapped: 2 });
    expect((await cli(['keys', 'retire', '1', ...w()], { env })).code).toBe(0);
    expect((await cli(['keys', 'shred', 'cust-1', ...w()], { env })).code).toBe(0);
    const index = await cli(['keys', 'blind-index', 'phone', '--json', ...w()], {
      env,
      stdin: '+86 138 0013 8000\n',
    });
    expect(JSON.parse(index.stdout).blindIndex).toMatch(/^[0-9a-f]{64}$/);

    const after = await openContext(workspace.dir, { env, logLevel: 'silent' });
    try {
      await expect(after.keys().decryptRecord('cust-1', sealed[0]!)).rejects.toThrow(/destroyed/);
      expect(await after.keys().decryptRecord('cust-2', sealed[1]!)).toEqual({ phone: '13900139000' });
      const actions = (await after.store.db.selectFrom('audit_entries').select('entry').execute()).map(
        (r) => JSON.parse(r.entry).action,
      );
      expect(actions).toEqual(expect.arrayContaining(['key.rotate', 'key.retire', 'key.shred']));
    } finally {
      await after.close();
    }
    const wrong = await cli(['keys', 'status', ...w()], {
      env: { CUSTOS_MASTER_KEY: 'a-different-master-secret' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr + wrong.stdout).toMatch(/master secret does not open/);
  });
});
