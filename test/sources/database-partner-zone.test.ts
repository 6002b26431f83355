// A partner writing local times of Asia/Shanghai into zone-less columns (PostgreSQL `timestamp`,
// MariaDB `DATETIME`): with `timeZone: Asia/Shanghai` the records carry the instant meant
// (+08:00), a `datetime` field stores it in UTC, and the cursor keeps the database's own text so
// runs resume exactly. A zone name the runtime does not know is refused naming file and field.

import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/index.js';
import { DatasetValidator } from '../../src/pipeline/validate.js';
import { openSource, validateSourceSettings } from '../../src/sources/registry.js';
import type { Source, SourceState } from '../../src/sources/types.js';
import { MARIADB_URL, POSTGRES_URL } from '../support/databases.js';

type Dialect = 'postgres' | 'mysql';

interface Partner {
  url: string;
  insert(id: number, written: string): Promise<void>;
  drop(): Promise<void>;
}

async function createPartner(dialect: Dialect): Promise<Partner> {
  const name = `zone_${randomBytes(5).toString('hex')}`;
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = POSTGRES_URL.replace(/\/[^/]*$/, `/${name}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE orders (id integer PRIMARY KEY, written_at timestamp(6) NOT NULL)');
    return {
      url,
      insert: async (id, written) => {
        await client.query('INSERT INTO orders VALUES ($1, $2)', [id, written]);
      },
      drop: async () => {
        await client.end();
        const a = new pg.Client({ connectionString: POSTGRES_URL });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const admin = await mysql.createConnection(MARIADB_URL);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = MARIADB_URL.replace(/\/[^/]*$/, `/${name}`);
  const connection = await mysql.createConnection(url);
  await connection.query('CREATE TABLE orders (id INT PRIMARY KEY, written_at DATETIME(6) NOT NULL)');
  return {
    url,
    insert: async (id, written) => {
      await connection.query('INSERT INTO orders VALUES (?, ?)', [id, written]);
    },
    drop: async () => {
      await connection.end();
      const a = await mysql.createConnection(MARIADB_URL);
      await a.query(`DROP DATABASE IF EXISTS ${name}`);
      await a.end();
    },
  };
}

function open(dialect: Dialect, url: string, settings: Record<string, unknown>): Source {
  return openSource(
    {
      name: 'partner-db',
      type: 'database',
      egress: { allow: ['127.0.0.1'], allowPrivate: true },
      dialect,
      url: 'env:PARTNER_DB_URL',
      batchSize: 2,
      countRows: false,
      streams: { orders: { table: 'orders', cursor: 'written_at', primaryKey: ['id'] } },
      ...settings,
    } as never,
    { workspaceDir: '.', env: { PARTNER_DB_URL: url }, allowPrivateNetworks: true },
  );
}

async function readAll(source: Source, state: SourceState) {
  const records: Array<Record<string, unknown>> = [];
  let last = state;
  for await (const batch of source.read('orders', state)) {
    records.push(...batch.records);
    last = batch.state;
  }
  return { records, state: last };
}

describe.each(['postgres', 'mysql'] as Dialect[])('timeZone on %s', (dialect) => {
  let partner: Partner | undefined;
  let source: Source | undefined;
  afterEach(async () => {
    await source?.close();
    await partner?.drop();
    source = undefined;
    partner = undefined;
  });

  it('reads zone-less date-times as local times of the partner zone; the cursor stays exact', async () => {
    partner = await createPartner(dialect);
    const p = partner;
    // Shanghai 08:00 is 00:00 UTC; three rows share the first value (a batch boundary inside).
    for (const id of [1, 2, 3]) await p.insert(id, '2026-03-01 08:00:00.123456');
    await p.insert(4, '2026-03-01 07:59:59.999999');
    source = open(dialect, p.url, { timeZone: 'Asia/Shanghai' });
    const first = await readAll(source, null);
    expect(first.records.map((r) => [r.id, r.written_at])).toEqual([
      [4, '2026-03-01T07:59:59.999999+08:00'],
      [1, '2026-03-01T08:00:00.123456+08:00'],
      [2, '2026-03-01T08:00:00.123456+08:00'],
      [3, '2026-03-01T08:00:00.123456+08:00'],
    ]);
    // The position is the database's text, compared by the database: nothing re-read or skipped.
    expect((first.state as { cursor: string }).cursor).toBe('2026-03-01 08:00:00.123456');
    await p.insert(5, '2026-03-01 08:00:00.123457');
    const next = await readAll(source, first.state);
    expect(next.records.map((r) => [r.id, r.written_at])).toEqual([[5, '2026-03-01T08:00:00.123457+08:00']]);

    // A dataset field of type datetime stores the instant, in UTC.
    const validator = new DatasetValidator({
      name: 'orders',
      source: 'partner-db',
      stream: 'orders',
      naturalKey: ['id'],
      subjectFields: [],
      purposes: [],
      fields: { id: { type: 'integer', required: true }, written_at: { type: 'datetime' } },
    } as never);
    const valid = validator.validate(first.records[1]!);
    expect(valid).toMatchObject({ ok: true, record: { written_at: '2026-03-01T00:00:00.123Z' } });

    // Without timeZone (UTC), the same text as before: stored values do not change for anyone.
    const utc = open(dialect, p.url, {});
    try {
      const plain = await readAll(utc, null);
      expect(plain.records[1]!.written_at).toBe('2026-03-01 08:00:00.123456');
    } finally {
      await utc.close();
    }
    // A stream may name its own zone.
    const own = open(dialect, p.url, {
      timeZone: 'Asia/Shanghai',
      streams: {
        orders: { table: 'orders', cursor: 'written_at', primaryKey: ['id'], timeZone: 'America/New_York' },
      },
    });
    try {
      expect((await readAll(own, null)).records[0]!.written_at).toBe('2026-03-01T07:59:59.999999-05:00');
    } finally {
      await own.close();
    }
  });
});

it('refuses a time zone name the runtime does not know, naming sources.yaml and the field', () => {
  // At workspace load (custos config check), every problem with its path.
  expect(
    validateSourceSettings(
      {
        name: 'partner-db',
        type: 'database',
        dialect: 'postgres',
        url: 'env:PARTNER_DB_URL',
        timeZone: 'Mars/Olympus',
        streams: { orders: { table: 'orders', primaryKey: ['id'], timeZone: 'CST+8' } },
      } as never,
      'sources.yaml',
      3,
    ),
  ).toEqual([
    {
      file: 'sources.yaml',
      path: 'sources.3.timeZone',
      message: 'must be an IANA time zone name such as Asia/Shanghai or UTC',
    },
    {
      file: 'sources.yaml',
      path: 'sources.3.streams.orders.timeZone',
      message: 'must be an IANA time zone name such as Asia/Shanghai or UTC',
    },
  ]);
  // When a source is opened.
  let refused: unknown;
  try {
    open('postgres', POSTGRES_URL, { timeZone: 'Asia/Shangai' });
  } catch (error) {
    refused = error;
  }
  expect(refused).toBeInstanceOf(ConfigError);
  expect(refused).toMatchObject({
    details: [
      {
        file: 'sources.yaml',
        path: 'partner-db.timeZone',
        message: 'must be an IANA time zone name such as Asia/Shanghai or UTC',
      },
    ],
  });
});
