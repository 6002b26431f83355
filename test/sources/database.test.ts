// The database connector against real PostgreSQL, MariaDB and SQLite: read-only sessions,
// discovery, full extraction, and incremental extraction by (cursor, primary key) where rows share
// timestamps — nothing missed or repeated across batches or runs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/sources/registry.js';
import type { Source, SourceState } from '../../src/sources/types.js';
import { accountRows, createPartnerDb, type PartnerDb, type PartnerDialect } from '../support/partner-db.js';

async function readAll(source: Source, stream: string, state: SourceState = null) {
  const ids: number[] = [];
  let last: SourceState = state;
  let batches = 0;
  const progress: Array<{ done: number; total: number } | undefined> = [];
  for await (const batch of source.read(stream, state)) {
    ids.push(...batch.records.map((r) => Number(r.id)));
    last = batch.state;
    batches += 1;
    progress.push(batch.progress);
  }
  return { ids, state: last, batches, progress };
}

describe.each(['postgres', 'mysql', 'sqlite'] as PartnerDialect[])('database connector on %s', (dialect) => {
  let dir: string;
  let db: PartnerDb;
  let source: Source;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'custos-partner-'));
    db = await createPartnerDb(dialect, dir);
    await db.insert(accountRows(1, 103));
    source = openSource(
      {
        name: 'partner-db',
        type: 'database',
        egress: { allow: ['127.0.0.1'], allowPrivate: true },
        dialect,
        ...(dialect === 'sqlite' ? { file: db.location } : { url: 'env:PARTNER_DB_URL' }),
        batchSize: 10,
        streams: {
          accounts: { table: 'accounts', cursor: 'updated_at', primaryKey: ['id'] },
          snapshot: { table: 'accounts', columns: ['id', 'balance'], primaryKey: ['id'] },
        },
      } as never,
      { workspaceDir: dir, env: { PARTNER_DB_URL: db.location }, allowPrivateNetworks: true },
    );
  });
  afterAll(async () => {
    await source.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks the connection as a read-only session and discovers tables, columns and keys', async () => {
    const check = await source.check();
    expect(check).toMatchObject({ ok: true });
    expect(check.identity).toMatch(/read-only/);
    const [accounts] = await source.discover();
    expect(accounts).toMatchObject({ name: 'accounts', primaryKey: ['id'] });
    expect(accounts!.fields.map((f) => f.name)).toEqual([
      'id',
      'holder_name',
      'id_no',
      'balance',
      'updated_at',
    ]);
  });

  it('refuses to write through its session', async () => {
    const driver = await (
      source as unknown as { connect(): Promise<{ query(sql: string, p: unknown[]): Promise<unknown> }> }
    ).connect();
    // Refused by the database for being read-only: not a syntax error, a missing table or a lost link.
    const readOnly = {
      postgres: /cannot execute DELETE in a read-only transaction/,
      mysql: /Cannot execute statement in a READ ONLY transaction/,
      sqlite: /attempt to write a readonly database/,
    }[dialect];
    // RETURNING, so SQLite's driver, which reads rows, runs it at all (a plain DELETE is refused by
    // better-sqlite3 for returning no data, which says nothing about the session).
    await expect(driver.query('DELETE FROM accounts RETURNING id', [])).rejects.toThrow(readOnly);
    // The rows are all still there.
    expect((await readAll(source, 'snapshot')).ids.length).toBe(103);
  });

  it('extracts everything once with column selection (full mode)', async () => {
    const { ids, state, batches } = await readAll(source, 'snapshot');
    expect(ids).toEqual(Array.from({ length: 103 }, (_, i) => i + 1));
    expect(batches).toBe(11);
    expect(state).toBeNull();
  });

  it('extracts incrementally by cursor and key, resuming exactly after the last row', async () => {
    // Stop after three batches, as a killed run would.
    const partial: number[] = [];
    let saved: SourceState = null;
    for await (const batch of source.read('accounts', null)) {
      partial.push(...batch.records.map((r) => Number(r.id)));
      saved = batch.state;
      if (partial.length >= 30) break;
    }
    const rest = await readAll(source, 'accounts', saved);
    const all = [...partial, ...rest.ids];
    expect(all).toEqual(Array.from({ length: 103 }, (_, i) => i + 1));
    // New rows, some sharing the last timestamp: the next run reads exactly those.
    await db.insert(accountRows(104, 9));
    const next = await readAll(source, 'accounts', rest.state);
    expect(next.ids).toEqual(Array.from({ length: 9 }, (_, i) => 104 + i));
    // Progress counts the rows this read returns, not the table: 9 of 9.
    expect(next.progress).toEqual([{ done: 9, total: 9 }]);
    expect(rest.progress.at(-1)).toEqual({ done: 73, total: 73 });
    expect((await readAll(source, 'accounts', next.state)).ids).toEqual([]);
  });

  it('names a missing table or column', async () => {
    const bad = openSource(
      {
        name: 'partner-db',
        type: 'database',
        egress: { allow: ['127.0.0.1'], allowPrivate: true },
        dialect,
        ...(dialect === 'sqlite' ? { file: db.location } : { url: 'env:PARTNER_DB_URL' }),
        streams: { x: { table: 'accounts', cursor: 'modified', primaryKey: ['id'] } },
      } as never,
      { workspaceDir: dir, env: { PARTNER_DB_URL: db.location }, allowPrivateNetworks: true },
    );
    await expect(readAll(bad, 'x')).rejects.toThrow(/column accounts\.modified does not exist/);
    await bad.close();
  });
});
