// Applies the shared migration list with Kysely's Migrator (the same schema on every dialect).

import { type Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { CustosError } from '../domain/index.js';
import { migrations } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
  current: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: any table map; migrations never use today's table types
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    // Kysely's lock/migration tables must live in the store's own schema, or two stores on
    // different PostgreSQL schemas in one process would share (and miss) them.
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new CustosError(
      'internal',
      `migration ${failed} failed`,
      { migration: failed },
      { cause: result.error },
    );
  }
  const all = await migrator.getMigrations();
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    current: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
  };
}
