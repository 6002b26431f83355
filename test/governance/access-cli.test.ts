// `custos policy explain`, `custos access …` and `custos grants …` on a real workspace (SQLite).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/context.js';
import { createAccessWorkspace } from '../support/access-workspace.js';
import { cli } from '../support/cli.js';
import { MASTER_ENV } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe('access CLI', () => {
  let ws: TestWorkspace;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ws = await createAccessWorkspace('sqlite');
    const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
    for (const [username, role] of [
      ['ana', 'analyst'],
      ['olga', 'compliance_officer'],
    ] as const) {
      await ctx.users.create({ username, role, password: 'test password 123' }, 'test');
      tokens[username] = (await ctx.tokens.create(username, 'cli', 3_600_000, 'test')).token;
    }
    await ctx.close();
  });
  afterAll(async () => ws.cleanup());

  const run = (args: string[], token?: string) =>
    cli(['--workspace', ws.dir, ...args], {
      env: { ...MASTER_ENV, ...(token ? { CUSTOS_TOKEN: token } : {}) },
    });

  it('explains, requests as the token owner, lets only officers approve, lists and revokes', async () => {
    const explained = await run([
      '--json',
      'policy',
      'explain',
      '--user',
      'ana',
      '--dataset',
      'people',
      '--purpose',
      'credit_assessment',
    ]);
    expect(explained.code).toBe(0);
    expect(JSON.parse(explained.stdout)).toMatchObject({
      outcome: 'approval_required',
      policies: ['risk-people'],
    });
    const human = await run([
      'policy',
      'explain',
      '--user',
      'ana',
      '--dataset',
      'people',
      '--purpose',
      'credit_assessment',
    ]);
    expect(human.stdout).toMatch(/id_no\s+masked\s+resident_id/);
    // Reasons come from the message catalogues, in the reader's language.
    expect(human.stdout).toMatch(/id_no .*\(level 3 is above the clear level 2\)/);
    const chinese = await run([
      '--lang',
      'zh-CN',
      'policy',
      'explain',
      '--user',
      'ana',
      '--dataset',
      'people',
      '--purpose',
      'credit_assessment',
    ]);
    expect(chinese.stdout).toMatch(/id_no .*（?\(?级别 3 高于明文可见级别 2/);
    expect(chinese.stdout).not.toMatch(/clear level/);

    const request = [
      'access',
      'request',
      '--dataset',
      'people',
      '--purpose',
      'credit_assessment',
      '--days',
      '5',
      '--justification',
      'portfolio review for Q3',
    ];
    const anonymous = await run(request);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/CUSTOS_TOKEN/);

    const made = await run(['--json', ...request], tokens.ana);
    expect(made.code).toBe(0);
    const { id } = JSON.parse(made.stdout) as { id: string };
    expect((await run(['access', 'approve', id], tokens.ana)).code).toBe(2); // not an officer

    const listed = await run(['--json', 'access', 'list', '--status', 'pending'], tokens.olga);
    expect(JSON.parse(listed.stdout).requests.map((r: { id: string }) => r.id)).toContain(id);

    const approved = await run(['access', 'approve', id, '--comment', 'fine'], tokens.olga);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/grant grant_/);

    const grants = JSON.parse((await run(['--json', 'grants', 'list'], tokens.ana)).stdout).grants;
    expect(grants).toHaveLength(1);
    expect((await run(['grants', 'revoke', grants[0].id], tokens.olga)).code).toBe(0);
    const after = JSON.parse(
      (await run(['--json', 'grants', 'list', '--status', 'revoked'], tokens.ana)).stdout,
    );
    expect(after.grants).toHaveLength(1);
  });
});
