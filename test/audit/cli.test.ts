// `custos audit …` end to end: privileged actions land in the log, an auditor verifies it, exports a
// head, and checks proofs with the standalone verifiers (exit 0 holds, 1 does not, 2 malformed).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

const CT_ROOT_5 = '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4';

describe('custos audit', () => {
  let workspace: TestWorkspace;
  beforeAll(async () => {
    workspace = await createTestWorkspace('sqlite');
  });
  afterAll(async () => workspace.cleanup());
  const w = () => ['--workspace', workspace.dir];

  it('records privileged CLI actions and verifies the log', async () => {
    for (const name of ['dora', 'erin', 'fay']) {
      const add = await cli(['user', 'add', name, '--role', 'analyst', '--password-stdin', ...w()], {
        stdin: 'correct horse battery staple 42\n',
      });
      expect(add.code).toBe(0);
    }
    const verify = await cli(['audit', 'verify', '--json', ...w()]);
    expect(verify.code).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.ok).toBe(true);
    expect(report.treeSize).toBeGreaterThanOrEqual(3);
    // Entries name ids and actions, never passwords.
    const proof = await cli(['audit', 'proof', '--index', '0', '--json', ...w()]);
    expect(proof.code).toBe(0);
    expect(proof.stdout).not.toContain('horse');
  });

  it('records each tree-head export, which the tree-head-witnessed control then sees', async () => {
    const { CHECKS, createCheckContext } = await import('../../src/compliance/index.js');
    const { openContext } = await import('../../src/context.js');
    const witnessed = async () => {
      const ctx = await openContext(workspace.dir, { env: {}, logLevel: 'silent' });
      try {
        const check = createCheckContext(
          { workspace: ctx.workspace, store: ctx.store, audit: ctx.audit, keys: ctx.keys },
          new Date(),
          undefined,
        );
        return await CHECKS['tree-head-witnessed']!(check);
      } finally {
        await ctx.close();
      }
    };
    expect(await witnessed()).toMatchObject({ status: 'fail', evidence: { lastExport: null } });
    const sth = await cli(['audit', 'sth', '--format', 'checkpoint', ...w()]);
    expect(sth.code).toBe(0);
    const size = Number(sth.stdout.split('\n')[1]);
    const result = await witnessed();
    expect(result.status).toBe('pass');
    expect(result.evidence).toMatchObject({ action: 'audit.head_export' });
    const entries = JSON.parse((await cli(['audit', 'verify', '--json', ...w()])).stdout);
    expect(entries.ok).toBe(true);
    const { openStore, parseDatabaseUrl } = await import('../../src/store/index.js');
    const store = await openStore(parseDatabaseUrl(workspace.storageUrl, workspace.dir), { migrate: false });
    const rows = await store.db
      .selectFrom('audit_entries')
      .select('entry')
      .orderBy('idx', 'desc')
      .limit(5)
      .execute();
    await store.close();
    const exported = rows
      .map((r) => JSON.parse(r.entry) as Record<string, unknown>)
      .find((e) => e.action === 'audit.head_export');
    expect(exported).toMatchObject({
      actor: 'cli',
      target: `tree_head:${size}`,
      details: { treeSize: size, format: 'checkpoint' },
    });
  });

  it('exports a signed head and checks an inclusion proof with the standalone verifier', async () => {
    const sth = await cli(['audit', 'sth', ...w()]);
    expect(sth.code).toBe(0);
    const head = JSON.parse(sth.stdout);
    expect(head).toMatchObject({
      origin: 'custos/Test-Org',
      hashAlgorithm: 'sm3',
      signatureAlgorithm: 'sm2',
    });
    const note = await cli(['audit', 'sth', '--format', 'checkpoint', ...w()]);
    // The first export is itself an audit entry (audit.head_export), so the next head is one larger.
    expect(note.stdout.split('\n').slice(0, 2)).toEqual(['custos/Test-Org', String(head.treeSize + 1)]);
    expect(note.stdout).toMatch(/\n\n— custos\/Test-Org [A-Za-z0-9+/=]+\n$/);
    const headFile = path.join(workspace.dir, 'head.json');
    writeFileSync(headFile, sth.stdout);
    expect((await cli(['audit', 'verify', '--against', headFile, ...w()])).code).toBe(0);

    const proof = JSON.parse((await cli(['audit', 'proof', '--index', '1', '--json', ...w()])).stdout);
    // The auditor gets the entry bytes from an export; here we read them through the CLI's own proof.
    const { openStore, parseDatabaseUrl } = await import('../../src/store/index.js');
    const store = await openStore(parseDatabaseUrl(workspace.storageUrl, workspace.dir), { migrate: false });
    const entry = await store.db
      .selectFrom('audit_entries')
      .select('entry')
      .where('idx', '=', 1)
      .executeTakeFirstOrThrow();
    await store.close();
    const args = [
      'audit',
      'verify-inclusion',
      '--hash',
      'sm3',
      '--index',
      '1',
      '--size',
      String(proof.treeSize),
      '--leaf-hex',
      Buffer.from(entry.entry).toString('hex'),
      '--root',
      proof.rootHash,
      '--proof',
      proof.proof.join(','),
    ];
    expect((await cli(args)).code).toBe(0);
    expect((await cli(args.map((a) => (a === '1' ? '0' : a)))).code).toBe(1);
    expect((await cli([...args.slice(0, -1), 'zz'])).code).toBe(2);
    expect((await cli(args.map((a) => (a === 'sm3' ? 'md5' : a)))).code).toBe(2);
  });

  it('computes RFC 6962 roots and checks consistency proofs without a workspace', async () => {
    const root = await cli(['audit', 'merkle-root', '--leaf-hex', '', '00', '10', '2021', '3031']);
    expect(root.code).toBe(0);
    expect(root.stdout.trim()).toBe(CT_ROOT_5);

    const consistency = JSON.parse(
      (await cli(['audit', 'consistency', '--from', '1', '--json', ...w()])).stdout,
    );
    const base = [
      'audit',
      'verify-consistency',
      '--hash',
      'sm3',
      '--size1',
      '1',
      '--size2',
      String(consistency.toSize),
      '--root1',
      consistency.fromRoot,
      '--root2',
      consistency.toRoot,
      '--proof',
      consistency.proof.join(','),
      '--json',
    ];
    const ok = await cli(base);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).valid).toBe(true);
    expect((await cli(base.map((a) => (a === consistency.toRoot ? consistency.fromRoot : a)))).code).toBe(1);
    expect((await cli(base.map((a) => (a === '--size1' ? '--size9' : a)))).code).toBe(2);
  });

  it("verifies against an auditor's own trust file, and follows an explicit key rotation", async () => {
    const trust = await cli(['audit', 'trust', '--json', ...w()]);
    expect(trust.code).toBe(0);
    const pinned = JSON.parse(trust.stdout);
    expect(pinned.keys).toHaveLength(1);
    expect(pinned.keys[0].fingerprint).toMatch(/^sm3:[0-9a-f]{64}$/);
    // The auditor keeps only the fingerprint, outside the workspace.
    const auditorFile = path.join(path.dirname(workspace.dir), 'auditor-trust.json');
    writeFileSync(
      auditorFile,
      JSON.stringify({ version: 1, keys: [{ algorithm: 'sm2', fingerprint: pinned.keys[0].fingerprint }] }),
    );
    expect((await cli(['audit', 'verify', '--trust', auditorFile, ...w()])).code).toBe(0);

    const rotated = await cli(['audit', 'rotate-key', '--json', ...w()]);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout).previousKeyId).not.toBe(JSON.parse(rotated.stdout).keyId);
    const add = await cli(['user', 'add', 'gus', '--role', 'analyst', '--password-stdin', ...w()], {
      stdin: 'correct horse battery staple 42\n',
    });
    expect(add.code).toBe(0);
    expect((await cli(['audit', 'verify', ...w()])).code).toBe(0);
    expect((await cli(['audit', 'verify', '--trust', auditorFile, ...w()])).code).toBe(0);

    // A trust file pinning some other key: every head fails (exit 1); a malformed one is bad input (2).
    const stranger = path.join(path.dirname(workspace.dir), 'stranger-trust.json');
    writeFileSync(
      stranger,
      JSON.stringify({ version: 1, keys: [{ algorithm: 'sm2', fingerprint: `sm3:${'ab'.repeat(32)}` }] }),
    );
    const refused = await cli(['audit', 'verify', '--json', '--trust', stranger, ...w()]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).problem.kind).toBe('head_signature_invalid');
    writeFileSync(stranger, '{"version":1,"keys":[]}');
    const malformed = await cli(['audit', 'verify', '--trust', stranger, ...w()]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('stranger-trust.json');
  });
});
