// The audit log over HTTP for auditors: entries with exact filters and paging, verification that
// notices a changed entry, inclusion proofs that check against the root, and the tree head as JSON
// and as a C2SP checkpoint note.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyInclusion } from '../src/audit/index.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('audit log API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => server.close());

  const as = (role: 'auditor' | 'analyst') => ({ authorization: `Bearer ${server.tokens[role]}` });
  const get = async (url: string, role: 'auditor' | 'analyst' = 'auditor') =>
    server.app.inject({ method: 'GET', url, headers: as(role) });

  it('lists entries newest first, filtered exactly by actor and action, paged by index', async () => {
    const all = (await get('/api/v1/audit/entries?limit=200')).json();
    expect(all.size).toBeGreaterThan(5);
    expect(all.entries[0].index).toBe(all.size - 1);
    const indexes = all.entries.map((e: { index: number }) => e.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => b - a));

    const created = (await get('/api/v1/audit/entries?action=user.create')).json();
    expect(created.entries.length).toBeGreaterThan(0);
    expect(created.entries.every((e: { action: string }) => e.action === 'user.create')).toBe(true);
    // Exact, not a substring: a prefix of an action matches nothing.
    expect((await get('/api/v1/audit/entries?action=user.creat')).json().entries).toEqual([]);
    // A LIKE wildcard in the filter is a literal character.
    expect((await get('/api/v1/audit/entries?action=user%25')).json().entries).toEqual([]);

    const first = (await get('/api/v1/audit/entries?limit=2')).json();
    expect(first.entries).toHaveLength(2);
    const second = (await get(`/api/v1/audit/entries?limit=2&before=${first.nextBefore}`)).json();
    expect(second.entries[0].index).toBe(first.entries[1].index - 1);

    expect((await get('/api/v1/audit/entries', 'analyst')).statusCode).toBe(403);
  });

  it('gives an inclusion proof that checks against the root, and the tree head as JSON and checkpoint', async () => {
    const proof = (await get('/api/v1/audit/entries/3/proof')).json();
    expect(
      verifyInclusion(
        server.ctx.audit.hashAlgorithm,
        proof.index,
        proof.treeSize,
        Buffer.from(proof.leafHash, 'hex'),
        proof.proof.map((p: string) => Buffer.from(p, 'hex')),
        Buffer.from(proof.rootHash, 'hex'),
      ),
    ).toBe(true);
    expect((await get('/api/v1/audit/entries/999999/proof')).statusCode).toBe(400);

    const head = (await get('/api/v1/audit/tree-head')).json().treeHead;
    expect(head.treeSize).toBeGreaterThan(0);
    const note = await get('/api/v1/audit/tree-head?format=checkpoint');
    expect(note.headers['content-type']).toMatch(/text\/plain/);
    expect(note.body.split('\n').slice(0, 3)).toEqual([
      head.origin,
      String(head.treeSize),
      Buffer.from(head.rootHash, 'hex').toString('base64'),
    ]);
  });

  it('verifies the log, and names the entry that was changed behind its back', async () => {
    const verify = () =>
      server.app.inject({ method: 'POST', url: '/api/v1/audit/verify', headers: as('auditor'), payload: {} });
    const good = (await verify()).json();
    expect(good).toMatchObject({ ok: true });
    expect(good.treeSize).toBeGreaterThan(0);

    const row = await server.ctx.store.db
      .selectFrom('audit_entries')
      .select('entry')
      .where('idx', '=', 2)
      .executeTakeFirstOrThrow();
    await server.ctx.store.db
      .updateTable('audit_entries')
      .set({ entry: row.entry.replace('"actor":"', '"actor":"x') })
      .where('idx', '=', 2)
      .execute();
    const bad = (await verify()).json();
    expect(bad.ok).toBe(false);
    expect(bad.problem).toMatchObject({ index: 2 });
  });
});
