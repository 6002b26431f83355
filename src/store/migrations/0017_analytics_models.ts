// Analytics models (issue 20): each fitted model version with its content hashes (SHA-256 and SM3 of
// its canonical JSON), the dataset and purpose it was fitted for, who fitted it and the compliance
// officer's decision. A model scores only once approved. The definition holds bins, weights and
// aggregate evaluation only — never a data subject's value.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_models')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    /** scorecard */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    /** SHA-256 (hex) of the definition's canonical JSON. */
    .addColumn('hash', 'text', (c) => c.notNull())
    /** SM3 (hex) of the same bytes. */
    .addColumn('hash_sm3', 'text', (c) => c.notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    /** The definition as canonical JSON, exactly as hashed. */
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    /** draft | approved | rejected */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('rejected_by', 'text')
    .addColumn('rejected_at', 'text')
    .addColumn('decision_reason', 'text')
    .addUniqueConstraint('analytics_models_name_version_uq', ['name', 'version'])
    .execute();
  await db.schema.createIndex('analytics_models_hash_idx').on('analytics_models').column('hash').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('analytics_models').execute();
}
