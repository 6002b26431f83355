// Stores on their own PostgreSQL schemas of one database open (and migrate) while other sessions
// create and drop schemas of their own — as other workspaces, or tests running in parallel, do.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, it } from 'vitest';
import { openStore, parseDatabaseUrl } from '../src/store/index.js';
import { POSTGRES_URL } from './support/databases.js';

it('opens and migrates stores on PostgreSQL while other sessions drop their schemas', async () => {
  const prefix = `t_churn_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  let churning = true;
  const churn = (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      for (let i = 0; churning; i++) {
        const schema = `${prefix}_x${i}`;
        await client.query(
          `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id serial PRIMARY KEY, a text)`,
        );
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
      }
    } finally {
      await client.end();
    }
  })();
  const failures: string[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      const schema = `${prefix}_s${i}`;
      try {
        const store = await openStore(parseDatabaseUrl(`${POSTGRES_URL}?schema=${schema}`, '/'));
        const tables = await store.db.introspection.getTables();
        expect(tables.every((t) => t.schema === schema)).toBe(true);
        expect(tables.map((t) => t.name)).toContain('dataset_records');
        await store.close();
      } catch (error) {
        failures.push(`${(error as Error).message}: ${String((error as Error).cause ?? '')}`);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    }
  } finally {
    churning = false;
    await churn;
    await admin.end();
  }
  expect(failures).toEqual([]);
}, 240_000);
