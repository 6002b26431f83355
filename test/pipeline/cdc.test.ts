// Change data capture through the whole pipeline: inserts and updates stored as versions, a delete
// at source marks the record deleted (history kept), a row back after its deletion is a new
// version — on SQLite and PostgreSQL storage, from PostgreSQL and MariaDB partners.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { openContext } from '../../src/context.js';
import { type CdcDialect, type CdcPartner, createCdcPartner } from '../support/cdc-partner.js';
import { createCdcWorkspace } from '../support/cdc-workspace.js';
import { cli } from '../support/cli.js';
import type { TestDialect } from '../support/databases.js';
import type { TestWorkspace } from '../support/workspace.js';

const cases: Array<[CdcDialect, TestDialect]> = [
  ['postgres', 'sqlite'],
  ['postgres', 'postgres'],
  ['mysql', 'sqlite'],
];

describe.each(cases)('CDC from %s into %s storage', (partnerDialect, storeDialect) => {
  let partner: CdcPartner | undefined;
  let ws: TestWorkspace | undefined;
  afterEach(async () => {
    await ws?.cleanup();
    if (partner) await partner.source().dropReplication?.();
    await partner?.drop();
    partner = undefined;
    ws = undefined;
  });

  it('marks records deleted at source, keeps their history, and revives them as a new version', async () => {
    partner = await createCdcPartner(partnerDialect);
    const p = partner;
    const workspace = await createCdcWorkspace(p, storeDialect);
    ws = workspace;
    for (let i = 1; i <= 30; i++)
      await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, ?)', [
        i,
        `客户${i}`,
        i * 10,
      ]);
    const ctx = await openContext(workspace.dir, { env: workspace.env, logLevel: 'silent' });
    try {
      const collect = async () =>
        ctx.runs.execute(await ctx.runs.startInline('accounts', 'test'), 'test', {});
      const record = (key: string) =>
        ctx.store.db
          .selectFrom('dataset_records')
          .select(['version', 'deleted_at', 'data'])
          .where('dataset', '=', 'accounts')
          .where('natural_key', '=', key)
          .executeTakeFirstOrThrow();
      const history = (key: string) =>
        ctx.store.db
          .selectFrom('record_history')
          .select(['version', 'deleted_at'])
          .where('natural_key', '=', key)
          .orderBy('version')
          .execute();

      expect(await collect()).toMatchObject({ status: 'succeeded', read: 30, stored: 30, deleted: 0 });

      await p.exec('UPDATE accounts SET balance = 1 WHERE id = 1');
      await p.exec('DELETE FROM accounts WHERE id IN (2, 3)');
      await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (31, ?, 310)', ['客户31']);
      expect(await collect()).toMatchObject({ status: 'succeeded', stored: 1, updated: 1, deleted: 2 });
      expect(await record('1')).toMatchObject({ version: 2, deleted_at: null });
      const gone = await record('2');
      expect(gone.deleted_at).not.toBeNull();
      expect(gone.version).toBe(1);
      expect(JSON.parse(gone.data)).toMatchObject({ id: 2 }); // kept, not removed
      const runs = await ctx.runs.list({ dataset: 'accounts', limit: 10 });
      expect(runs[0]).toMatchObject({ deleted: 2 });

      // Back at source with the same content: a new version, no longer deleted; the deleted one stays in history.
      await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (2, ?, 20)', ['客户2']);
      expect(await collect()).toMatchObject({ status: 'succeeded', updated: 1, deleted: 0 });
      expect(await record('2')).toMatchObject({ version: 2, deleted_at: null });
      const versions = await history('2');
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect(versions[0]!.deleted_at).not.toBeNull();
      expect(versions[1]!.deleted_at).toBeNull();

      // Nothing changed: nothing read, nothing written.
      expect(await collect()).toMatchObject({
        status: 'succeeded',
        read: 0,
        stored: 0,
        updated: 0,
        deleted: 0,
      });
    } finally {
      await ctx.close();
    }
  }, 120_000);
});

describe('a replication slot lost between runs', () => {
  let partner: CdcPartner | undefined;
  let ws: TestWorkspace | undefined;
  afterEach(async () => {
    await ws?.cleanup();
    if (partner) await partner.source().dropReplication?.();
    await partner?.drop();
    partner = undefined;
    ws = undefined;
  });

  it('takes a new snapshot and marks records it no longer finds deleted at source, history kept', async () => {
    partner = await createCdcPartner('postgres');
    const p = partner;
    const workspace = await createCdcWorkspace(p, 'sqlite', { batchSize: 4 });
    ws = workspace;
    for (let i = 1; i <= 10; i++)
      await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, ?)', [i, `客户${i}`, i]);
    const ctx = await openContext(workspace.dir, { env: workspace.env, logLevel: 'silent' });
    try {
      const collect = async () =>
        ctx.runs.execute(await ctx.runs.startInline('accounts', 'test'), 'test', {});
      expect(await collect()).toMatchObject({ status: 'succeeded', stored: 10, deleted: 0 });
      await p.exec('UPDATE accounts SET balance = 100 WHERE id = 1');
      expect(await collect()).toMatchObject({ status: 'succeeded', updated: 1 });

      // The slot goes (dropped by the partner's DBA, or lost to max_slot_wal_keep_size); rows are
      // deleted, changed and added while nothing reads.
      await p.exec(`SELECT pg_drop_replication_slot('${p.slotPrefix}_partner_accounts')`);
      await p.exec('DELETE FROM accounts WHERE id IN (1, 4, 9)');
      await p.exec('UPDATE accounts SET balance = 200 WHERE id = 2');
      await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (11, ?, 11)', ['客户11']);
      expect(await collect()).toMatchObject({
        status: 'succeeded',
        stored: 1,
        updated: 1,
        unchanged: 6,
        deleted: 3,
      });
      const rows = await ctx.store.db
        .selectFrom('dataset_records')
        .select(['natural_key', 'version', 'deleted_at'])
        .where('dataset', '=', 'accounts')
        .orderBy('natural_key')
        .execute();
      expect(
        rows
          .filter((r) => r.deleted_at !== null)
          .map((r) => r.natural_key)
          .sort(),
      ).toEqual(['1', '4', '9']);
      expect(rows.filter((r) => r.deleted_at === null).length).toBe(8);
      // Record 1 keeps both its versions; its current one is marked.
      const history = await ctx.store.db
        .selectFrom('record_history')
        .select(['version', 'deleted_at'])
        .where('natural_key', '=', '1')
        .orderBy('version')
        .execute();
      expect(history.map((h) => [h.version, h.deleted_at !== null])).toEqual([
        [1, false],
        [2, true],
      ]);
      expect(await ctx.store.db.selectFrom('snapshot_keys').select('natural_key').execute()).toEqual([]);
      // The stream goes on from the new slot.
      await p.exec('DELETE FROM accounts WHERE id = 5');
      expect(await collect()).toMatchObject({ status: 'succeeded', read: 0, deleted: 1 });
    } finally {
      await ctx.close();
    }
  }, 120_000);
});

describe('custos source slots', () => {
  let partner: CdcPartner | undefined;
  let ws: TestWorkspace | undefined;
  afterEach(async () => {
    await ws?.cleanup();
    await partner?.drop();
  });

  it('reports the slot a dataset reads, flags it lagging, and drops it (audited, checkpoint reset)', async () => {
    partner = await createCdcPartner('postgres');
    const p = partner;
    const workspace = await createCdcWorkspace(p, 'sqlite');
    ws = workspace;
    await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (1, ?, 1)', ['客户1']);
    const ctx = await openContext(workspace.dir, { env: workspace.env, logLevel: 'silent' });
    try {
      await ctx.runs.execute(await ctx.runs.startInline('accounts', 'test'), 'test', {});
    } finally {
      await ctx.close();
    }
    const slot = `${p.slotPrefix}_partner_accounts`;
    const run = (...args: string[]) =>
      cli([...args, '--workspace', workspace.dir, '--json'], { env: workspace.env });

    const report = await run('source', 'slots', 'partner');
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).slots).toMatchObject([
      {
        stream: 'accounts',
        kind: 'slot',
        name: slot,
        exists: true,
        isLagging: false,
        datasets: ['accounts'],
      },
    ]);
    // Lagging beyond cdc.lagWarnBytes: exit 1, for monitoring.
    const yaml = path.join(workspace.dir, 'sources.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('idleMs: 3000', 'idleMs: 3000, lagWarnBytes: 1'));
    await p.exec('UPDATE accounts SET balance = 2 WHERE id = 1');
    const lagging = await run('source', 'slots', 'partner');
    expect(lagging.code).toBe(1);
    expect(JSON.parse(lagging.stdout).slots[0]).toMatchObject({ isLagging: true });

    const dropped = await run('source', 'slots', 'partner', '--drop');
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(JSON.parse(dropped.stdout)).toMatchObject({ dropped: ['accounts'] });
    expect(await p.rows(`SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slot}'`)).toEqual([]);
    const after = await openContext(workspace.dir, { env: workspace.env, logLevel: 'silent' });
    try {
      expect(await after.store.db.selectFrom('source_state').selectAll().execute()).toEqual([]);
      const entries = await after.store.db.selectFrom('audit_entries').select('entry').execute();
      expect(entries.some((e) => e.entry.includes('source.replication_drop'))).toBe(true);
      // The next run starts over with a new slot and snapshot.
      const summary = await after.runs.execute(await after.runs.startInline('accounts', 'test'), 'test', {});
      expect(summary).toMatchObject({ status: 'succeeded', read: 1, updated: 1 });
    } finally {
      await after.close();
    }
    await p.source().dropReplication?.();
  }, 120_000);

  it('offers the same over the API to data engineers only', async () => {
    partner = await createCdcPartner('postgres');
    const p = partner;
    const workspace = await createCdcWorkspace(p, 'sqlite');
    ws = workspace;
    await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (1, ?, 1)', ['客户1']);
    const ctx = await openContext(workspace.dir, { env: workspace.env, logLevel: 'silent' });
    const server = await buildServer(ctx);
    try {
      await ctx.runs.execute(await ctx.runs.startInline('accounts', 'test'), 'test', {});
      const token = async (role: 'data_engineer' | 'analyst') => {
        await ctx.users.create({ username: `u_${role}`, role, password: 'test password 123' }, 'test');
        return `Bearer ${(await ctx.tokens.create(`u_${role}`, 'test', 3_600_000, 'test')).token}`;
      };
      const engineer = await token('data_engineer');
      const analyst = await token('analyst');
      const url = '/api/v1/sources/partner/replication';
      const denied = await server.app.inject({ method: 'GET', url, headers: { authorization: analyst } });
      expect(denied.statusCode).toBe(403);
      const report = await server.app.inject({ method: 'GET', url, headers: { authorization: engineer } });
      expect(report.statusCode, report.body).toBe(200);
      expect(report.json().slots).toMatchObject([
        {
          stream: 'accounts',
          exists: true,
          datasets: ['accounts'],
          isLagging: false,
          lagWarnBytes: 1024 ** 3,
        },
      ]);
      // Lag above the source's threshold is reported as such.
      await p.transaction(
        Array.from({ length: 20 }, (_, i) => [
          'INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, 1)',
          [100 + i, `客户${100 + i}`],
        ]),
      );
      const yaml = path.join(workspace.dir, 'sources.yaml');
      writeFileSync(
        yaml,
        readFileSync(yaml, 'utf8').replace('idleMs: 3000', 'idleMs: 3000, lagWarnBytes: 64'),
      );
      const reloaded = await openContext(workspace.dir, { env: workspace.env, logLevel: 'silent' });
      const lagServer = await buildServer(reloaded);
      try {
        const lagging = await lagServer.app.inject({
          method: 'GET',
          url,
          headers: { authorization: engineer },
        });
        expect(lagging.statusCode, lagging.body).toBe(200);
        const [slot] = lagging.json().slots;
        expect(slot).toMatchObject({ isLagging: true, lagWarnBytes: 64 });
        expect(slot.retainedBytes).toBeGreaterThan(64);
      } finally {
        await lagServer.app.close();
        await reloaded.close();
      }
      const dropped = await server.app.inject({
        method: 'DELETE',
        url,
        headers: { authorization: engineer },
      });
      expect(dropped.statusCode, dropped.body).toBe(200);
      expect(dropped.json()).toMatchObject({ dropped: ['accounts'] });
      expect(
        await p.rows(`SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE '${p.slotPrefix}%'`),
      ).toEqual([]);
    } finally {
      await server.app.close();
      await ctx.close();
    }
  }, 120_000);
});
