// Fresh databases for tests: a SQLite file in its own temp dir, or a PostgreSQL schema of its own
// on 127.0.0.1:5432. PostgreSQL tests fail loudly when the server is unreachable; they never skip.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, parseDatabaseUrl, type Store } from '../../src/store/index.js';

export type TestDialect = 'sqlite' | 'postgres';
export const TEST_DIALECTS: readonly TestDialect[] = ['sqlite', 'postgres'];

export const POSTGRES_URL = process.env.CUSTOS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.CUSTOS_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface TestDatabase {
  /** A storage URL as custos.yaml or CUSTOS_DATABASE_URL would hold it. */
  url: string;
  dialect: TestDialect;
  /** Temp directory owned by this database (SQLite file lives here; also handy as a workspace). */
  dir: string;
  drop(): Promise<void>;
}

/** Creates an empty database (no migrations applied). */
export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-test-'));
  if (dialect === 'sqlite') {
    return {
      url: `sqlite:${path.join(dir, 'custos.db')}`,
      dialect,
      dir,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await assertPostgresReachable();
  return {
    url: `${POSTGRES_URL}?schema=${schema}`,
    dialect,
    dir,
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A migrated store on a fresh database; `cleanup` closes it and drops the database. */
export async function createTestStore(
  dialect: TestDialect,
): Promise<{ store: Store; database: TestDatabase; cleanup(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const store = await openStore(parseDatabaseUrl(database.url, database.dir));
  return {
    store,
    database,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
}

let postgresChecked = false;
async function assertPostgresReachable(): Promise<void> {
  if (postgresChecked) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.end();
    postgresChecked = true;
  } catch (error) {
    throw new Error(
      `PostgreSQL is required for this test and is not reachable at ${POSTGRES_URL} ` +
        `(start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`,
      { cause: error },
    );
  }
}
