// Data keys (one per data subject), stored only wrapped by a key-encryption key version.
// A shredded subject keeps its row (so the erasure is visible) with the wrapped key destroyed.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('subject_keys')
    .addColumn('subject_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('kek_version', 'integer', (c) => c.notNull())
    .addColumn('wrapped_dek', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('shredded_at', 'text')
    .execute();
  await db.schema.createIndex('subject_keys_version_idx').on('subject_keys').column('kek_version').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('subject_keys').execute();
}
