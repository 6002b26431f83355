// Source connector benchmarks, each beside a raw loop over the same data in the same run:
// the REST connector reading the local partner API simulator vs plain fetch of the same pages,
// and the database connector reading PostgreSQL vs a plain `pg` server-side cursor.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openSource } from '../src/sources/registry.js';
import { startPartnerApi } from '../src/sources/simulators/partner-api.js';
import type { Source } from '../src/sources/types.js';
import { accountRows, createPartnerDb } from '../test/support/partner-db.js';
import type { Benchmark, BenchResult } from './result.js';

async function drain(source: Source, stream: string): Promise<number> {
  let n = 0;
  for await (const batch of source.read(stream, null)) n += batch.records.length;
  return n;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

async function best<T>(runs: number, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  let out = await timed(fn);
  for (let i = 1; i < runs; i++) {
    const next = await timed(fn);
    if (next.ms < out.ms) out = next;
  }
  return out;
}

export const benchmark: Benchmark = {
  area: 'sources',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const RECORDS = 30_000;
    const PAGE = 500;
    const api = await startPartnerApi({ records: RECORDS });
    const context = {
      workspaceDir: process.cwd(),
      env: {},
      allowPrivateNetworks: true,
      userAgent: 'CustosBench/1',
    };
    try {
      const source = openSource(
        {
          name: 'bench-api',
          type: 'api',
          egress: { allow: ['127.0.0.1'], allowPrivate: true },
          baseUrl: api.url,
          streams: {
            reports: {
              path: 'v1/reports/page',
              records: '$.data[*]',
              pagination: { type: 'page', size: PAGE },
            },
          },
        } as never,
        context,
      );
      const raw = async () => {
        let n = 0;
        for (let page = 1; ; page++) {
          const response = await fetch(`${api.url}/v1/reports/page?page=${page}&page_size=${PAGE}`);
          const body = (await response.json()) as { data: unknown[] };
          n += body.data.length;
          if (body.data.length < PAGE) return n;
        }
      };
      await raw();
      await drain(source, 'reports');
      const rawRun = await best(3, raw);
      const custos = await best(3, () => drain(source, 'reports'));
      await source.close();
      if (custos.value !== RECORDS || rawRun.value !== RECORDS)
        throw new Error('API benchmark read the wrong count');
      const rate = (RECORDS * 1000) / custos.ms;
      const rawRate = (RECORDS * 1000) / rawRun.ms;
      results.push({
        name: `REST connector, ${RECORDS} records in pages of ${PAGE} (egress guard, rate limiter, JSONPath)`,
        value: rate,
        unit: 'records/s',
        baseline: { name: 'plain fetch + JSON.parse of the same pages', value: rawRate },
        ratio: rate / rawRate,
        target: 'ratio ≥ 0.8',
        isTargetMet: rate / rawRate >= 0.8,
      });
    } finally {
      await api.close();
    }

    const dir = mkdtempSync(path.join(tmpdir(), 'custos-bench-sources-'));
    const ROWS = 200_000;
    const BATCH = 5_000;
    const db = await createPartnerDb('postgres', dir);
    try {
      await db.insert(accountRows(1, ROWS));
      // Incremental extraction pages by (cursor, key): the partner's table needs that index, as
      // docs/sources.md says; without it every batch sorts the table.
      const admin = new pg.Client({ connectionString: db.location });
      await admin.connect();
      await admin.query('CREATE INDEX accounts_cursor_idx ON accounts (updated_at, id)');
      await admin.query('ANALYZE accounts');
      await admin.end();
      const source = openSource(
        {
          name: 'bench-db',
          type: 'database',
          egress: { allow: ['127.0.0.1'], allowPrivate: true },
          dialect: 'postgres',
          url: 'env:BENCH_DB_URL',
          batchSize: BATCH,
          streams: {
            full: { table: 'accounts', primaryKey: ['id'] },
            incremental: { table: 'accounts', cursor: 'updated_at', primaryKey: ['id'] },
          },
        } as never,
        { ...context, env: { BENCH_DB_URL: db.location } },
      );
      const raw = async () => {
        const client = new pg.Client({ connectionString: db.location });
        await client.connect();
        let n = 0;
        try {
          await client.query('BEGIN');
          await client.query('DECLARE c NO SCROLL CURSOR FOR SELECT * FROM accounts ORDER BY id');
          for (;;) {
            const { rows } = await client.query(`FETCH ${BATCH} FROM c`);
            n += rows.length;
            if (rows.length < BATCH) break;
          }
          await client.query('COMMIT');
        } finally {
          await client.end();
        }
        return n;
      };
      await raw();
      await drain(source, 'full');
      const rawRun = await best(3, raw);
      const full = await best(3, () => drain(source, 'full'));
      const incremental = await best(2, () => drain(source, 'incremental'));
      await source.close();
      const rawRate = (ROWS * 1000) / rawRun.ms;
      for (const [label, run] of [
        ['full extraction (keyset by primary key)', full],
        ['incremental extraction (keyset by cursor column + key)', incremental],
      ] as const) {
        if (run.value !== ROWS) throw new Error('database benchmark read the wrong count');
        const rate = (ROWS * 1000) / run.ms;
        results.push({
          name: `database connector, PostgreSQL ${ROWS} rows, batches of ${BATCH}: ${label}`,
          value: rate,
          unit: 'rows/s',
          baseline: { name: 'plain pg server-side cursor of the same rows', value: rawRate },
          ratio: rate / rawRate,
          target: 'ratio ≥ 0.8',
          isTargetMet: rate / rawRate >= 0.8,
        });
      }
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
    return results;
  },
};
