// The key controls over a real keyring: a key-encryption key older than the rotation period fails,
// rotating it passes, data keys still under the old version warn until rewrapped. Without the key
// service the controls say so (warn), never pass.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS, createCheckContext } from '../../src/compliance/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

describe('key rotation controls (sqlite)', () => {
  let ws: TestWorkspace;
  let ctx: AppContext;
  const evaluate = (check: string, withKeys = true) =>
    CHECKS[check]!(
      createCheckContext(
        {
          workspace: ctx.workspace,
          store: ctx.store,
          audit: ctx.audit,
          ...(withKeys ? { keys: ctx.keys } : {}),
        },
        new Date(),
      ),
    );

  beforeAll(async () => {
    ws = await createTestWorkspace('sqlite', { fromDemo: true });
    const first = await openContext(ws.dir, { env: {}, logLevel: 'silent' });
    await first.keys().encryptRecord('subject-1', { id_no: 'x' });
    await first.close();
    // The keyring's first key-encryption key, made 400 days ago.
    const file = path.join(ws.dir, 'keys/keyring.json');
    const keyring = JSON.parse(readFileSync(file, 'utf8'));
    keyring.keks[0].createdAt = new Date(Date.now() - 400 * 86_400_000).toISOString();
    writeFileSync(file, JSON.stringify(keyring));
    ctx = await openContext(ws.dir, { env: {}, logLevel: 'silent' });
  }, 60_000);
  afterAll(async () => {
    await ctx.close();
    await ws.cleanup();
  });

  it('fails an old key, passes once rotated, warns until data keys are rewrapped', async () => {
    const old = await evaluate('kek-rotated');
    expect(old.status).toBe('fail');
    expect(old.evidence).toMatchObject({ currentVersion: 1, ageDays: 400, rotationDays: 365 });
    expect((await evaluate('data-keys-rewrapped')).status).toBe('pass');

    await ctx.keys().rotate('test');
    const rotated = await evaluate('kek-rotated');
    expect(rotated.status).toBe('pass');
    expect(rotated.evidence).toMatchObject({ currentVersion: 2, ageDays: 0 });
    const pending = await evaluate('data-keys-rewrapped');
    expect(pending).toMatchObject({ status: 'warn', evidence: { pendingRewrap: 1 } });

    await ctx.keys().rewrap();
    expect((await evaluate('data-keys-rewrapped')).status).toBe('pass');
  });

  it('warns, naming why, when the process has no key service', async () => {
    const result = await evaluate('kek-rotated', false);
    expect(result).toMatchObject({
      status: 'warn',
      evidence: { reason: expect.stringContaining('key service') },
    });
  });
});
