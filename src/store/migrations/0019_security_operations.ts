// Security operations (issue 19): the client addresses each API token was used from (the monitor's
// "token used from a new address" rule), and the results of scheduled audit-log verifications.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('token_addresses')
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('token_addresses_pk', ['token_id', 'address'])
    .execute();
  await db.schema
    .createIndex('token_addresses_first_seen')
    .on('token_addresses')
    .column('first_seen_at')
    .execute();

  await db.schema
    .createTable('audit_verifications')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('verified_at', 'text', (c) => c.notNull())
    /** `schedule` (custos serve) or `manual`. */
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('is_ok', 'integer', (c) => c.notNull())
    .addColumn('tree_size', 'bigint', (c) => c.notNull())
    .addColumn('heads_checked', 'integer', (c) => c.notNull())
    .addColumn('problem_kind', 'text')
    .addColumn('problem_index', 'bigint')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_verifications_at')
    .on('audit_verifications')
    .column('verified_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_verifications').execute();
  await db.schema.dropTable('token_addresses').execute();
}
