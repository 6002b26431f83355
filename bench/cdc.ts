// Change data capture beside a bare replication read of the same changes, in the same run:
// PostgreSQL — Custos's CDC source reading its slot vs pg-logical-replication's pgoutput stream on a
// second slot, counting messages and nothing else; MariaDB — the CDC source vs @vlasky/zongji
// reading the same binlog range. Both readers see the same committed changes (inserts, updates,
// deletes in transactions of ten), read again from the same position for the best of three.

import ZongJi from '@vlasky/zongji';
import pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import type { Source, SourceState } from '../src/sources/types.js';
import { type CdcDialect, createCdcPartner } from '../test/support/cdc-partner.js';
import type { Benchmark, BenchResult } from './result.js';

const TRANSACTIONS = 3_000;

async function best(runs: number, fn: () => Promise<number>): Promise<{ changes: number; ms: number }> {
  let out = { changes: 0, ms: Number.POSITIVE_INFINITY };
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const changes = await fn();
    const ms = performance.now() - start;
    if (ms < out.ms) out = { changes, ms };
  }
  return out;
}

async function drain(source: Source, state: SourceState): Promise<number> {
  let n = 0;
  for await (const batch of source.read('accounts', state))
    n += batch.records.length + (batch.deleted?.length ?? 0);
  return n;
}

/** The changes read from a pgoutput slot until `expected` have come, messages counted, nothing else. */
function rawPostgres(
  url: string,
  slot: string,
  publication: string,
  from: string,
  expected: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const service = new LogicalReplicationService(
      { connectionString: url },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    let n = 0;
    service.on('data', (_lsn: string, m: Pgoutput.Message) => {
      if (m.tag === 'insert' || m.tag === 'update' || m.tag === 'delete') n += 1;
      if (m.tag === 'commit' && n >= expected) void service.stop().then(() => resolve(n), reject);
    });
    service.on('error', reject);
    service
      .subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] }), slot, from)
      .catch(reject);
  });
}

/** The row changes read from the binlog until `expected` have come, counted. */
function rawMysql(
  url: string,
  database: string,
  from: { file: string; position: number },
  expected: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const zongji = new ZongJi({
      uri: url,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    let n = 0;
    zongji.on('binlog', (e: { getEventName(): string; rows?: unknown[] }) => {
      const name = e.getEventName();
      if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') n += e.rows?.length ?? 0;
      if (name === 'xid' && n >= expected) {
        zongji.stop();
        resolve(n);
      }
    });
    zongji.on('error', reject);
    zongji.start({
      serverId: 3_000_000 + Math.floor(Math.random() * 1_000_000),
      filename: from.file,
      position: from.position,
      includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'xid'],
      includeSchema: { [database]: ['accounts'] },
    });
  });
}

async function changes(partner: Awaited<ReturnType<typeof createCdcPartner>>): Promise<void> {
  let id = 0;
  for (let t = 0; t < TRANSACTIONS; t++) {
    const statements: Array<[string, unknown[]]> = [];
    for (let k = 0; k < 6; k++, id++)
      statements.push([
        'INSERT INTO accounts (id, holder_name, balance, note) VALUES (?, ?, ?, ?)',
        [id, `客户${id}`, id, 'bench'],
      ]);
    statements.push(['UPDATE accounts SET balance = balance + 1 WHERE id = ?', [id - 3]]);
    statements.push(['UPDATE accounts SET balance = balance + 1 WHERE id = ?', [Math.max(id - 9, 0)]]);
    statements.push(['DELETE FROM accounts WHERE id = ?', [id - 5]]);
    statements.push(['UPDATE accounts SET note = ? WHERE id = ?', ['changed', id - 1]]);
    await partner.transaction(statements);
  }
}

async function measure(dialect: CdcDialect): Promise<BenchResult> {
  const partner = await createCdcPartner(dialect);
  try {
    const source = partner.source({ batchSize: 1_000, cdc: { idleMs: 30_000 } });
    // The slot (and its empty snapshot) first, so every change below is streamed.
    let state: SourceState = null;
    for await (const batch of source.read('accounts', null)) state = batch.state;
    const expected = TRANSACTIONS * 10;
    let raw: () => Promise<number>;
    if (dialect === 'postgres') {
      const slot = `${partner.slotPrefix}_raw`;
      const admin = new pg.Client({ connectionString: partner.url });
      await admin.connect();
      const created = await admin.query(
        "SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')",
        [slot],
      );
      await admin.end();
      const from = String(created.rows[0].lsn);
      await changes(partner);
      const publication = `${partner.slotPrefix}_partner_accounts`;
      raw = () => rawPostgres(partner.url, slot, publication, from, expected);
    } else {
      const from = state as unknown as { file: string; position: number };
      await changes(partner);
      const database = new URL(partner.url).pathname.slice(1);
      raw = () => rawMysql(partner.url, database, from, expected);
    }
    // Warm both, then the best of three each (neither confirms anything: each read starts over).
    await raw();
    await drain(source, state);
    const bare = await best(3, raw);
    const custos = await best(3, () => drain(source, state));
    await source.dropReplication?.();
    if (bare.changes !== expected)
      throw new Error(`bench: the bare reader saw ${bare.changes} changes, expected ${expected}`);
    const bareRate = (bare.changes * 1000) / bare.ms;
    const custosRate = (bare.changes * 1000) / custos.ms;
    return {
      name: `CDC ${dialect === 'postgres' ? 'PostgreSQL pgoutput' : 'MariaDB binlog'} changes/s`,
      value: custosRate,
      unit: 'changes/s',
      baseline: {
        name: dialect === 'postgres' ? 'bare pg-logical-replication read' : 'bare zongji read',
        value: bareRate,
      },
      ratio: custosRate / bareRate,
      note: `${expected} changes in ${TRANSACTIONS} transactions; Custos delivered ${custos.changes} (changes to a row within one transaction collapse)`,
    };
  } finally {
    await partner.drop();
  }
}

export const benchmark: Benchmark = {
  area: 'cdc',
  async run(): Promise<BenchResult[]> {
    return [await measure('postgres'), await measure('mysql')];
  },
};
