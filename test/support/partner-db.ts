// Partner databases for source tests and benchmarks: a fresh PostgreSQL database, MariaDB database
// or SQLite file holding an `accounts` table whose rows share timestamps (as real data does).

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MARIADB_URL, POSTGRES_URL } from './databases.js';

export type PartnerDialect = 'postgres' | 'mysql' | 'sqlite';

export interface PartnerDb {
  dialect: PartnerDialect;
  /** URL (postgres/mysql) or file path (sqlite). */
  location: string;
  insert(rows: AccountRow[]): Promise<void>;
  drop(): Promise<void>;
}

export interface AccountRow {
  id: number;
  holder_name: string;
  id_no: string;
  balance: number;
  updated_at: string;
}

export function accountRows(
  from: number,
  count: number,
  baseTime = Date.parse('2026-03-01T00:00:00Z'),
): AccountRow[] {
  return Array.from({ length: count }, (_, i) => {
    const id = from + i;
    return {
      id,
      holder_name: `客户${id}`,
      id_no: `1101011990${String(id).padStart(8, '0')}`,
      balance: (id * 37) % 100_000,
      // Four rows per timestamp.
      updated_at: new Date(baseTime + Math.floor(id / 4) * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace('Z', ''),
    };
  });
}

const DDL =
  'CREATE TABLE accounts (id INTEGER PRIMARY KEY, holder_name VARCHAR(64) NOT NULL, id_no VARCHAR(18) NOT NULL, balance INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL)';

export async function createPartnerDb(dialect: PartnerDialect, dir: string): Promise<PartnerDb> {
  const name = `partner_${randomBytes(5).toString('hex')}`;
  if (dialect === 'sqlite') {
    const file = path.join(dir, `${name}.db`);
    const db = new SqliteDatabase(file);
    db.exec(DDL);
    db.close();
    return {
      dialect,
      location: file,
      insert: async (rows) => {
        const w = new SqliteDatabase(file);
        const stmt = w.prepare(
          'INSERT INTO accounts VALUES (@id, @holder_name, @id_no, @balance, @updated_at)',
        );
        w.transaction(() => {
          for (const r of rows) stmt.run(r);
        })();
        w.close();
      },
      drop: async () => undefined,
    };
  }
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = POSTGRES_URL.replace(/\/[^/]*$/, `/${name}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(DDL);
    return {
      dialect,
      location: url,
      insert: async (rows) => {
        for (let i = 0; i < rows.length; i += 500) {
          const chunk = rows.slice(i, i + 500);
          const values = chunk
            .map((_, j) => `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5})`)
            .join(', ');
          await client.query(
            `INSERT INTO accounts VALUES ${values}`,
            chunk.flatMap((r) => [r.id, r.holder_name, r.id_no, r.balance, r.updated_at]),
          );
        }
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
  await connection.query(DDL);
  return {
    dialect,
    location: url,
    insert: async (rows) => {
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await connection.query('INSERT INTO accounts VALUES ?', [
          chunk.map((r) => [r.id, r.holder_name, r.id_no, r.balance, r.updated_at]),
        ]);
      }
    },
    drop: async () => {
      await connection.end();
      const a = await mysql.createConnection(MARIADB_URL);
      await a.query(`DROP DATABASE IF EXISTS ${name}`);
      await a.end();
    },
  };
}
