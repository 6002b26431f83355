// The store on both dialects: one migration set, the same schema, idempotent migration.

import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, parseDatabaseUrl, type Store } from '../src/store/index.js';
import { migrations } from '../src/store/migrations/index.js';
import {
  createTestDatabase,
  createTestStore,
  TEST_DIALECTS,
  type TestDatabase,
} from './support/databases.js';

type ColumnShape = { table: string; column: string; type: string; isNullable: boolean };

/** Column types normalised across dialects (pg's int4/text vs SQLite's declared INTEGER/TEXT). */
function normaliseType(type: string): string {
  const lower = type.toLowerCase();
  if (lower.startsWith('int') || lower === 'bigint') return 'integer';
  if (lower === 'text' || lower.startsWith('varchar')) return 'text';
  return lower;
}

async function describeSchema(store: Store): Promise<ColumnShape[]> {
  const tables = await store.db.introspection.getTables();
  return tables
    .filter((t) => (store.dialect === 'postgres' ? t.schema === store.schema : true))
    .flatMap((t) =>
      t.columns.map((c) => ({
        table: t.name,
        column: c.name,
        type: normaliseType(c.dataType),
        isNullable: c.isNullable,
      })),
    )
    .sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
}

describe('store', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('produces the same schema on SQLite and PostgreSQL', async () => {
    const schemas: ColumnShape[][] = [];
    for (const dialect of TEST_DIALECTS) {
      const { store, cleanup } = await createTestStore(dialect);
      cleanups.push(cleanup);
      schemas.push(await describeSchema(store));
    }
    expect(schemas[0]?.length).toBeGreaterThan(10);
    expect(schemas[1]).toEqual(schemas[0]);
  });

  for (const dialect of TEST_DIALECTS) {
    describe(dialect, () => {
      let database: TestDatabase;

      it('applies migrations once and reports nothing new the second time', async () => {
        database = await createTestDatabase(dialect);
        cleanups.push(() => database.drop());
        const store = await openStore(parseDatabaseUrl(database.url, database.dir), { migrate: false });
        try {
          // The store's own schema: unnamed, Kysely looks for its lock table in every schema and
          // finds another test's (tests on one PostgreSQL run concurrently).
          const first = await migrateToLatest(store.db, store.schema);
          expect(first.applied).toContain('0001_foundation');
          const second = await migrateToLatest(store.db, store.schema);
          expect(second.applied).toEqual([]);
          expect(second.current).toEqual(first.current);
        } finally {
          await store.close();
        }
      });

      it('keeps data across reopen and enforces unique usernames', async () => {
        database = await createTestDatabase(dialect);
        cleanups.push(() => database.drop());
        const location = parseDatabaseUrl(database.url, database.dir);
        const row = {
          id: 'u1',
          username: 'alice',
          display_name: null,
          role: 'analyst',
          password_hash: 'x',
          is_disabled: 0,
          locked_until: null,
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
        };
        const first = await openStore(location);
        await first.db.insertInto('users').values(row).execute();
        await expect(
          first.db
            .insertInto('users')
            .values({ ...row, id: 'u2' })
            .execute(),
        ).rejects.toThrow(
          dialect === 'sqlite'
            ? /UNIQUE constraint failed: users\.username/
            : /duplicate key value violates unique constraint "\w*username\w*"/,
        );
        await first.close();
        const second = await openStore(location);
        const users = await second.db
          .selectFrom('users')
          .select(['username', 'failed_login_count'])
          .execute();
        expect(users).toEqual([{ username: 'alice', failed_login_count: 0 }]);
        const count = await second.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(count.n).toBe(1);
        await second.close();
      });

      it('moves stored records to the 0005 layout: current versions once, subject links as index entries', async () => {
        database = await createTestDatabase(dialect);
        cleanups.push(() => database.drop());
        const store = await openStore(parseDatabaseUrl(database.url, database.dir), { migrate: false });
        try {
          const migrator = new Migrator({
            db: store.db,
            ...(store.schema ? { migrationTableSchema: store.schema } : {}),
            provider: { getMigrations: async () => migrations },
          });
          expect((await migrator.migrateTo('0004_pipeline')).error).toBeUndefined();
          const at = '2026-01-01T00:00:00.000Z';
          const record = (key: string, version: number) => ({
            dataset: 'd',
            natural_key: key,
            version,
            data: `{"v":${version}}`,
            sealed: null,
            content_hash: `h${key}${version}`,
            run_id: 'r',
            created_at: at,
          });
          await store.db
            .insertInto('dataset_records')
            .values([
              { ...record('a', 2), subject_id: 's_a', updated_at: at },
              { ...record('b', 1), subject_id: null, updated_at: at },
            ])
            .execute();
          await store.db
            .insertInto('record_versions')
            .values([record('a', 1), record('a', 2), record('b', 1)])
            .execute();
          await migrateToLatest(store.db, store.schema);
          const versions = await store.db
            .selectFrom('record_versions')
            .select(['natural_key', 'version'])
            .execute();
          expect(versions).toEqual([{ natural_key: 'a', version: 1 }]);
          const history = await store.db
            .selectFrom('record_history')
            .select(['natural_key', 'version', 'data'])
            .orderBy('natural_key')
            .orderBy('version')
            .execute();
          expect(history.map((h) => [h.natural_key, Number(h.version), h.data])).toEqual([
            ['a', 1, '{"v":1}'],
            ['a', 2, '{"v":2}'],
            ['b', 1, '{"v":1}'],
          ]);
          const links = await store.db.selectFrom('blind_index_entries').selectAll().execute();
          expect(links).toEqual([{ dataset: 'd', field: '$subject', hash: 's_a', natural_key: 'a' }]);
          // And back: the current versions rejoin record_versions, the subject links leave the index.
          await store.db
            .insertInto('index_staging')
            .values({ ...links[0]!, field: 'id_no' })
            .execute();
          // Down to 0004 (later migrations first): the step back over 0005 is the one under test.
          expect((await migrator.migrateTo('0004_pipeline')).error).toBeUndefined();
          expect(await store.db.selectFrom('record_versions').select('version').execute()).toHaveLength(3);
          expect(await store.db.selectFrom('blind_indexes').select('field').execute()).toEqual([
            { field: 'id_no' },
          ]);
        } finally {
          await store.close();
        }
      });
    });
  }

  it('uses WAL on SQLite', async () => {
    const { store, cleanup } = await createTestStore('sqlite');
    cleanups.push(cleanup);
    const result = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(result.rows[0]?.journal_mode).toBe('wal');
  });

  it('refuses an unreachable PostgreSQL with an error that does not echo the URL password', async () => {
    const location = parseDatabaseUrl('postgres://postgres:s3cret-pw@127.0.0.1:1/test', '/tmp');
    const error = await openStore(location).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('s3cret-pw');
  });
});
