// Derived de-identified datasets (issue 20): the saved result of an analysis (a segmentation's
// segment per subject) with its lineage — input datasets, purpose, grant, parameters and hashes —
// and its rows keyed by the subject's pseudonym (the `hash` mask's), never a natural key in clear.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('derived_datasets')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    // JSON: [{ dataset, fields, count }]
    .addColumn('inputs', 'text', (c) => c.notNull())
    // JSON: the model's parameters (k, features, k-anonymity threshold…)
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('input_hash', 'text', (c) => c.notNull())
    .addColumn('result_hash', 'text', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('derived_rows')
    .addColumn('derived_id', 'text', (c) => c.notNull())
    .addColumn('pseudonym', 'text', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull())
    // JSON: the de-identified features of the row (RFM scores)
    .addColumn('features', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('derived_rows_pk', ['derived_id', 'pseudonym'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('derived_rows').execute();
  await db.schema.dropTable('derived_datasets').execute();
}
