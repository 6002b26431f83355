// Change data capture against the machine's PostgreSQL (logical replication, pgoutput) and MariaDB
// (row-based binlog): the snapshot hands over to the stream at a consistent position, changes
// arrive in commit order with deletes, a checkpoint resumes without loss or repeat, and the slot
// is created, reported and dropped by Custos.

import { afterEach, describe, expect, it } from 'vitest';
import type { Source, SourceBatch, SourceRecord, SourceState } from '../../src/sources/types.js';
import { type CdcDialect, type CdcPartner, createCdcPartner } from '../support/cdc-partner.js';

async function readAll(
  source: Source,
  state: SourceState,
  during?: (batch: SourceBatch, i: number) => Promise<void>,
) {
  const batches: SourceBatch[] = [];
  for await (const batch of source.read('accounts', state)) {
    batches.push(batch);
    await during?.(batch, batches.length - 1);
  }
  return { batches, state: batches.length > 0 ? batches[batches.length - 1]!.state : state };
}

/** Applies batches as the store does: upserts, then deletes. */
function apply(table: Map<number, SourceRecord>, batches: SourceBatch[]): Map<number, SourceRecord> {
  for (const b of batches) {
    for (const r of b.records) table.set(Number(r.id), r);
    for (const r of b.deleted ?? []) table.delete(Number(r.id));
  }
  return table;
}

const insert = (id: number, balance = id * 10) =>
  [`INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, ?)`, [id, `客户${id}`, balance]] as [
    string,
    unknown[],
  ];

describe.each(['postgres', 'mysql'] as CdcDialect[])('change data capture on %s', (dialect) => {
  let partner: CdcPartner | undefined;
  afterEach(async () => {
    if (partner) {
      for (const s of [partner.source()]) await s.dropReplication?.();
      await partner.drop();
    }
    partner = undefined;
  });

  async function table(p: CdcPartner): Promise<Map<number, SourceRecord>> {
    const rows = await p.rows('SELECT * FROM accounts ORDER BY id');
    return new Map(rows.map((r) => [Number(r.id), r]));
  }

  it('hands the snapshot over to the stream at a consistent position: every change once', async () => {
    partner = await createCdcPartner(dialect);
    const p = partner;
    await p.transaction(Array.from({ length: 250 }, (_, i) => insert(i + 1)));
    const source = p.source({ batchSize: 100 });
    // Row 250 is updated over and over while the slot is made and the snapshot taken: each of its
    // values must be seen once, in order (a snapshot not taken at the slot's consistent point
    // would show a value the stream delivers again).
    let updating = true;
    const updater = (async () => {
      while (updating) await p.exec('UPDATE accounts SET balance = balance + 1 WHERE id = 250');
    })();
    // Changes made while the snapshot is read: to rows read already, rows not read yet, new rows.
    const { batches, state } = await readAll(source, null, async (_batch, i) => {
      if (i !== 0) return;
      updating = false;
      await updater;
      await p.exec('UPDATE accounts SET balance = -1 WHERE id = 5');
      await p.exec('UPDATE accounts SET balance = -2 WHERE id = 200');
      await p.exec('DELETE FROM accounts WHERE id = 7');
      await p.exec('DELETE FROM accounts WHERE id = 201');
      await p.transaction([insert(1001), insert(1002)]);
    });
    const snapshot = batches.filter((b) => /snapshot/.test(b.position ?? ''));
    // The snapshot is the table as the slot was made: none of the changes above, all 250 rows.
    expect(snapshot.flatMap((b) => b.records).map((r) => Number(r.id))).toEqual(
      Array.from({ length: 250 }, (_, i) => i + 1),
    );
    expect(snapshot.flatMap((b) => b.records).find((r) => Number(r.id) === 200)?.balance).toBe(2000);
    const seen250 = batches.flatMap((b) =>
      b.records.filter((r) => Number(r.id) === 250).map((r) => Number(r.balance)),
    );
    expect(seen250.length).toBeGreaterThan(1);
    for (let i = 1; i < seen250.length; i++) expect(seen250[i]!).toBe(seen250[i - 1]! + 1);
    expect(seen250[seen250.length - 1]).toBe(Number((await table(p)).get(250)?.balance));
    const stream = batches.filter((b) => !/snapshot/.test(b.position ?? ''));
    expect(
      stream
        .flatMap((b) => b.records)
        .filter((r) => Number(r.id) !== 250)
        .map((r) => [Number(r.id), Number(r.balance)]),
    ).toEqual([
      [5, -1],
      [200, -2],
      [1001, 10010],
      [1002, 10020],
    ]);
    expect(stream.flatMap((b) => b.deleted ?? []).map((r) => Number(r.id))).toEqual([7, 201]);
    // Deletes carry the row's last image (REPLICA IDENTITY FULL / binlog_row_image=FULL).
    expect(stream.flatMap((b) => b.deleted ?? [])[0]).toMatchObject({ holder_name: '客户7' });
    const applied = apply(new Map(), batches);
    expect([...applied.keys()].sort((a, b) => a - b)).toEqual([...(await table(p)).keys()]);
    expect((state as { phase: string }).phase).toBe('stream');
  });

  it('delivers changes in commit order, one batch per committed version of a row', async () => {
    partner = await createCdcPartner(dialect);
    const p = partner;
    await p.transaction([insert(1), insert(2)]);
    const source = p.source({ batchSize: 100 });
    const first = await readAll(source, null);
    // Two transactions change row 1; a third deletes it and re-inserts it; inside one transaction
    // row 2 changes twice (only its committed value counts).
    await p.exec('UPDATE accounts SET balance = 111 WHERE id = 1');
    await p.exec('UPDATE accounts SET balance = 112 WHERE id = 1');
    await p.transaction([
      ['UPDATE accounts SET balance = 21 WHERE id = 2'],
      ['UPDATE accounts SET balance = 22 WHERE id = 2'],
    ]);
    await p.exec('DELETE FROM accounts WHERE id = 1');
    await p.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (3, ?, 30)', ['客户3']);
    const { batches } = await readAll(source, first.state);
    const versions = batches.map((b) => ({
      upserts: b.records.map((r) => `${r.id}:${r.balance}`),
      deletes: (b.deleted ?? []).map((r) => String(r.id)),
    }));
    // A transaction touching a row the batch holds starts the next batch.
    expect(versions).toEqual([
      { upserts: ['1:111'], deletes: [] },
      { upserts: ['1:112', '2:22'], deletes: [] },
      { upserts: ['3:30'], deletes: ['1'] },
    ]);
    // Row 1's versions in order, then its deletion; never two versions of a row in one batch.
    const row1 = batches.flatMap((b) => [
      ...b.records.filter((r) => Number(r.id) === 1).map((r) => `v${r.balance}`),
      ...(b.deleted ?? []).filter((r) => Number(r.id) === 1).map(() => 'deleted'),
    ]);
    expect(row1).toEqual(['v111', 'v112', 'deleted']);
    expect(
      batches
        .flatMap((b) => b.records)
        .filter((r) => Number(r.id) === 2)
        .map((r) => Number(r.balance)),
    ).toEqual([22]);
    for (const b of batches) {
      const keys = [...b.records, ...(b.deleted ?? [])].map((r) => Number(r.id));
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('resumes from any checkpoint without losing or repeating a change', async () => {
    partner = await createCdcPartner(dialect);
    const p = partner;
    await p.transaction([insert(1)]);
    const source = p.source({ batchSize: 5 });
    const first = await readAll(source, null);
    for (let i = 0; i < 8; i++)
      await p.transaction([insert(100 + 3 * i), insert(101 + 3 * i), insert(102 + 3 * i)]);
    // Read two batches, then stop (as a killed run would, its later batches never stored).
    const taken: SourceBatch[] = [];
    for await (const batch of source.read('accounts', first.state)) {
      taken.push(batch);
      if (taken.length === 2) break;
    }
    const rest = await readAll(p.source({ batchSize: 5 }), taken[1]!.state);
    const ids = [...taken, ...rest.batches].flatMap((b) => b.records.map((r) => Number(r.id)));
    expect(ids).toEqual(Array.from({ length: 24 }, (_, i) => 100 + i));
    // Nothing new: a run reads nothing and ends.
    const idle = await readAll(p.source(), rest.state);
    expect(idle.batches.flatMap((b) => b.records)).toEqual([]);
  });

  it('resumes an interrupted snapshot without storing a version twice', async () => {
    partner = await createCdcPartner(dialect);
    const p = partner;
    await p.transaction(Array.from({ length: 250 }, (_, i) => insert(i + 1)));
    // The first run stores one snapshot batch (rows 1-100), then dies.
    let stopped: SourceState = null;
    for await (const batch of p.source({ batchSize: 100 }).read('accounts', null)) {
      stopped = batch.state;
      break;
    }
    expect((stopped as { phase: string }).phase).toBe('snapshot');
    // Before the next run: rows read already and rows not read yet change, twice; one goes.
    for (const balance of [-1, -2]) {
      await p.exec('UPDATE accounts SET balance = ? WHERE id = 5', [balance]);
      await p.exec('UPDATE accounts SET balance = ? WHERE id = 200', [balance]);
    }
    await p.exec('DELETE FROM accounts WHERE id = 230');
    const { batches, state } = await readAll(p.source({ batchSize: 100 }), stopped);
    // What a store keeps of each row: its versions, an unchanged one not stored again.
    const history = (id: number) => {
      const seen: string[] = [];
      for (const b of batches) {
        for (const r of b.records)
          if (Number(r.id) === id && seen[seen.length - 1] !== String(r.balance))
            seen.push(String(r.balance));
        if ((b.deleted ?? []).some((r) => Number(r.id) === id)) seen.push('deleted');
      }
      return seen;
    };
    expect(history(5)).toEqual(['-1', '-2']);
    // Row 200 was never stored: its versions in commit order, each once (the new snapshot's value
    // after the stream's own -2 would be -2, -1, -2).
    expect(history(200)).toEqual(['-1', '-2']);
    expect(history(230)).not.toContain('2300');
    expect(history(170)).toEqual(['1700']);
    const applied = apply(new Map(), batches);
    for (let id = 1; id <= 100; id++) applied.set(id, { id, balance: id * 10 });
    applied.set(5, { id: 5, balance: -2 });
    expect([...applied.keys()].sort((a, b) => a - b)).toEqual([...(await table(p)).keys()]);
    expect((state as { phase: string }).phase).toBe('stream');
    // The next run goes on from the stream.
    await p.exec('UPDATE accounts SET balance = -3 WHERE id = 200');
    const next = await readAll(p.source({ batchSize: 100 }), state);
    expect(next.batches.flatMap((b) => b.records).map((r) => `${r.id}:${r.balance}`)).toEqual(['200:-3']);
  });

  it('gives zone-less date-times in the partner zone, from the snapshot and the stream alike', async () => {
    partner = await createCdcPartner(dialect);
    const p = partner;
    await p.exec(
      `ALTER TABLE accounts ADD COLUMN opened_at ${dialect === 'postgres' ? 'timestamp(6)' : 'DATETIME(6)'}`,
    );
    await p.exec(
      "INSERT INTO accounts (id, holder_name, balance, opened_at) VALUES (1, '客户1', 10, '2026-03-01 08:00:00.123456')",
    );
    const source = p.source({ timeZone: 'Asia/Shanghai' });
    const first = await readAll(source, null);
    expect(first.batches.flatMap((b) => b.records).map((r) => r.opened_at)).toEqual([
      '2026-03-01T08:00:00.123456+08:00',
    ]);
    await p.exec("UPDATE accounts SET opened_at = '2026-07-01 23:30:00.000001' WHERE id = 1");
    await p.exec('DELETE FROM accounts WHERE id = 1');
    const next = await readAll(source, first.state);
    expect(next.batches.flatMap((b) => b.records).map((r) => r.opened_at)).toEqual([
      '2026-07-01T23:30:00.000001+08:00',
    ]);
    expect(next.batches.flatMap((b) => b.deleted ?? []).map((r) => r.opened_at)).toEqual([
      '2026-07-01T23:30:00.000001+08:00',
    ]);
  });

  it('reports what it holds on the partner server and warns when it lags', async () => {
    partner = await createCdcPartner(dialect);
    const p = partner;
    await p.transaction([insert(1)]);
    const warnings: string[] = [];
    const source = p.source({ cdc: { lagWarnBytes: 1 }, warn: (m) => warnings.push(m) });
    const first = await readAll(source, null);
    await p.transaction(Array.from({ length: 50 }, (_, i) => insert(10 + i)));
    await readAll(source, first.state);
    expect(warnings.length).toBeGreaterThan(0);
    const [report] = await source.replication!({ accounts: first.state });
    expect(report).toMatchObject({ source: 'partner', stream: 'accounts', exists: true, isLagging: true });
    expect(report!.retainedBytes).toBeGreaterThan(0);
  });
});

describe('PostgreSQL replication slots', () => {
  let partner: CdcPartner | undefined;
  afterEach(async () => {
    await partner?.drop();
    partner = undefined;
  });

  it('creates the slot and publication, drops both on request, and takes a new snapshot without the slot', async () => {
    partner = await createCdcPartner('postgres');
    const p = partner;
    await p.transaction([insert(1)]);
    const source = p.source();
    const { state } = await readAll(source, null);
    const slot = `${p.slotPrefix}_partner_accounts`;
    const slots = async () =>
      (
        await p.rows(`SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE '${p.slotPrefix}%'`)
      ).map((r) => r.slot_name);
    expect(await slots()).toEqual([slot]);
    expect((await p.rows(`SELECT pubname FROM pg_publication WHERE pubname = '${slot}'`)).length).toBe(1);
    const [report] = await source.replication!({ accounts: state });
    expect(report).toMatchObject({
      kind: 'slot',
      name: slot,
      exists: true,
      isActive: false,
      isLagging: false,
    });

    expect(await source.dropReplication!()).toEqual(['accounts']);
    expect(await slots()).toEqual([]);
    expect((await p.rows(`SELECT pubname FROM pg_publication WHERE pubname = '${slot}'`)).length).toBe(0);
    expect((await source.replication!({ accounts: state }))[0]).toMatchObject({ exists: false });
    // Without its slot the capture takes a new snapshot (with a new slot), saying so, and marks it
    // a full snapshot: the store then marks the records it does not read deleted at source.
    const warnings: string[] = [];
    const again = await readAll(p.source({ warn: (m) => warnings.push(m) }), state);
    expect(warnings).toContain('replication slot is gone: taking a new snapshot');
    expect(again.batches.map((b) => b.snapshot)).toEqual([{ isFirst: true, isLast: true }]);
    expect(again.batches.flatMap((b) => b.records).map((r) => Number(r.id))).toEqual([1]);
    expect(await slots()).toEqual([slot]);
  });

  it('replaces a slot left by a run that died before its first checkpoint', async () => {
    partner = await createCdcPartner('postgres');
    const p = partner;
    await p.transaction([insert(1), insert(2)]);
    const source = p.source();
    for await (const _ of source.read('accounts', null)) break; // killed before storing anything
    await p.exec('DELETE FROM accounts WHERE id = 2');
    const { batches } = await readAll(source, null);
    expect(apply(new Map(), batches).size).toBe(1);
    expect(batches.flatMap((b) => b.records).map((r) => Number(r.id))).toEqual([1]);
  });
});
