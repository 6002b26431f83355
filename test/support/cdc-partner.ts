// A partner database for change-data-capture tests: a fresh PostgreSQL or MariaDB database with
// an `accounts` table, a connection to change it, and a CDC source over it whose replication slot
// names are unique to the test (other test files run against the same servers at the same time).

import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openSource } from '../../src/sources/registry.js';
import type { Source } from '../../src/sources/types.js';
import { MARIADB_URL, POSTGRES_URL } from './databases.js';

export type CdcDialect = 'postgres' | 'mysql';

export interface CdcPartner {
  dialect: CdcDialect;
  url: string;
  /** Runs SQL on the partner's database (`?` placeholders on both dialects). */
  exec(sql: string, params?: unknown[]): Promise<void>;
  /** Runs statements in one transaction. */
  transaction(statements: Array<[string, unknown[]?]>): Promise<void>;
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** A CDC source over the partner's `accounts` table (stream `accounts`). */
  source(options?: {
    batchSize?: number;
    cdc?: Record<string, unknown>;
    warn?: (m: string) => void;
    timeZone?: string;
  }): Source;
  slotPrefix: string;
  drop(): Promise<void>;
}

const DDL =
  'CREATE TABLE accounts (id INTEGER PRIMARY KEY, holder_name VARCHAR(64) NOT NULL, balance INTEGER NOT NULL, note VARCHAR(64))';

function toDollar(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

export async function createCdcPartner(dialect: CdcDialect): Promise<CdcPartner> {
  const suffix = randomBytes(5).toString('hex');
  const name = `cdc_${suffix}`;
  const slotPrefix = `t${suffix}`;
  const opened: Source[] = [];
  const source: CdcPartner['source'] = (options = {}) => {
    const s = openSource(
      {
        name: 'partner',
        type: 'database',
        egress: { allow: ['127.0.0.1'], allowPrivate: true },
        dialect,
        mode: 'cdc',
        url: 'env:PARTNER_DB_URL',
        batchSize: options.batchSize ?? 100,
        cdc: { slotPrefix, idleMs: 3000, ...options.cdc },
        ...(options.timeZone ? { timeZone: options.timeZone } : {}),
        streams: { accounts: { table: 'accounts', primaryKey: ['id'] } },
      } as never,
      {
        workspaceDir: '.',
        env: { PARTNER_DB_URL: url },
        allowPrivateNetworks: true,
        ...(options.warn ? { warn: options.warn } : {}),
      },
    );
    opened.push(s);
    return s;
  };
  let url: string;
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    url = POSTGRES_URL.replace(/\/[^/]*$/, `/${name}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(DDL);
    await client.query('ALTER TABLE accounts REPLICA IDENTITY FULL');
    return {
      dialect,
      url,
      slotPrefix,
      source,
      exec: async (sql, params = []) => {
        await client.query(toDollar(sql), params);
      },
      transaction: async (statements) => {
        await client.query('BEGIN');
        for (const [sql, params] of statements) await client.query(toDollar(sql), params ?? []);
        await client.query('COMMIT');
      },
      rows: async (sql) => (await client.query(sql)).rows,
      drop: async () => {
        for (const s of opened) await s.close();
        await client.end();
        const a = new pg.Client({ connectionString: POSTGRES_URL });
        await a.connect();
        try {
          // Whatever a failed test left: slots pin the database (and the server's WAL).
          await a.query(
            `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE '${slotPrefix}%' AND active`,
          );
          // A terminated walsender lets go of its slot a moment later.
          for (let i = 0; i < 50; i++) {
            await a.query(
              `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${slotPrefix}%' AND NOT active`,
            );
            const left = await a.query(
              `SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE '${slotPrefix}%'`,
            );
            if (!left.rowCount) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await a.end();
        }
      },
    };
  }
  const admin = await mysql.createConnection(MARIADB_URL);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url = MARIADB_URL.replace(/\/[^/]*$/, `/${name}`);
  const connection = await mysql.createConnection(url);
  await connection.query(DDL);
  return {
    dialect,
    url,
    slotPrefix,
    source,
    exec: async (sql, params = []) => {
      await connection.query(sql, params);
    },
    transaction: async (statements) => {
      await connection.query('START TRANSACTION');
      for (const [sql, params] of statements) await connection.query(sql, params ?? []);
      await connection.query('COMMIT');
    },
    rows: async (sql) => (await connection.query(sql))[0] as Array<Record<string, unknown>>,
    drop: async () => {
      for (const s of opened) await s.close();
      await connection.end();
      const a = await mysql.createConnection(MARIADB_URL);
      await a.query(`DROP DATABASE IF EXISTS ${name}`);
      await a.end();
    },
  };
}
