// Change data capture that must take its snapshot again (its replication slot or binlog was lost,
// or its checkpoint reset) cannot see what was deleted at source meanwhile. While a full snapshot
// is stored, the natural keys it has read are kept here; once its last part is stored, records
// it did not read are marked deleted at source (history kept) and the keys go.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('snapshot_keys')
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('natural_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_keys_pk', ['dataset', 'natural_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('snapshot_keys').execute();
}
