// Opens the database behind one interface: Kysely over better-sqlite3 (WAL) or pg. The dialect is
// chosen once here; nothing else in Custos imports a driver.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type Dialect as KyselyDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { UnavailableError } from '../domain/index.js';
import type { DatabaseLocation } from './database-url.js';
import { migrateToLatest } from './migrator.js';
import { PostgresRecordStore } from './postgres-record-store.js';
import type { RecordStore } from './record-store.js';
import type { Database } from './schema.js';
import { SchemaIntrospector } from './schema-introspector.js';
import { SqliteRecordStore } from './sqlite-record-store.js';

export type Dialect = DatabaseLocation['dialect'];

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** PostgreSQL schema in use (search_path), if one was named. */
  readonly schema: string | undefined;
  /**
   * The better-sqlite3 handle behind `db` (SQLite only), for hot bulk paths (audit appends,
   * collection batches). It is the same connection, so statements run inside Kysely's open transaction.
   */
  readonly sqlite?: SqliteDatabase.Database;
  /** Collected records, their history, index entries, quarantine and checkpoints, in this dialect. */
  readonly records: RecordStore;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
}

// int8 (COUNT(*), SUM) arrives as a string by default; Custos's counts fit in a double.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export async function openStore(location: DatabaseLocation, options: OpenStoreOptions = {}): Promise<Store> {
  const store =
    location.dialect === 'sqlite' ? openSqlite(location.file) : await openPostgres(location, options);
  if (options.migrate ?? true) {
    try {
      await migrateToLatest(store.db, store.schema);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 10000');
  // 64 MiB of page cache (SQLite's default is 2 MiB): collection batches touch many index pages,
  // and a small cache spills them to the WAL mid-transaction (+15% pipeline throughput measured).
  database.pragma('cache_size = -65536');
  // Checkpoint when the WAL reaches 64 MiB rather than SQLite's 4 MiB: a page changed by several
  // batches is copied back into the database once, not after every batch; the file is cut back to
  // 64 MiB after a checkpoint so it does not keep the size of the largest burst.
  database.pragma('wal_autocheckpoint = 16384');
  database.pragma('journal_size_limit = 67108864');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: 'sqlite',
    schema: undefined,
    sqlite: database,
    records: new SqliteRecordStore(db, database),
    close: () => db.destroy(),
  };
}

async function openPostgres(
  location: Extract<DatabaseLocation, { dialect: 'postgres' }>,
  options: OpenStoreOptions,
): Promise<Store> {
  const schema = location.schema;
  if (schema !== undefined) {
    // Create the schema with a short-lived client first, so every pooled connection can use it.
    const client = new pg.Client({ connectionString: location.connectionString });
    try {
      await client.connect();
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (error) {
      throw new UnavailableError('cannot reach PostgreSQL', { reason: errorReason(error) }, { cause: error });
    } finally {
      await client.end().catch(() => undefined); // already failed or closed; nothing more to report
    }
  }
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: options.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // A pooled connection that breaks (a database restart, a network partition) emits 'error' on the
  // pool when idle and on its client when in use; unheard, either crashes the process. The query in
  // flight is rejected all the same, the pool drops the connection and the next query opens a new
  // one or reports the failure to its caller (`/readyz` answers 503).
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const postgres = new PostgresDialect({ pool });
  const dialect: KyselyDialect = {
    createAdapter: () => postgres.createAdapter(),
    createDriver: () => postgres.createDriver(),
    createQueryCompiler: () => postgres.createQueryCompiler(),
    // The migrator looks up its own tables: in this schema only (see schema-introspector.ts).
    createIntrospector: (db) => new SchemaIntrospector(db, schema ?? 'public'),
  };
  const db = new Kysely<Database>({ dialect });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new UnavailableError('cannot reach PostgreSQL', { reason: errorReason(error) }, { cause: error });
  }
  return { db, dialect: 'postgres', schema, records: new PostgresRecordStore(db), close: () => db.destroy() };
}

/** A driver error's message without the connection string (which may carry a password). */
function errorReason(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message.replace(/postgres(ql)?:\/\/\S+/g, 'postgres://…') : 'unknown';
}
