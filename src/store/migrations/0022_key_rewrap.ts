// The key rewrap's progress (`key_rewraps`: one row per rewrap, updated after every batch), so a
// restarted server — or another server on the same database — shows the last rewrap's state and
// counts instead of forgetting them. A row still `running` that no batch has touched for a while
// belonged to a process that stopped: it is shown as failed (interrupted), and a new rewrap
// carries on where the keys are.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('key_rewraps')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('done_count', 'integer', (c) => c.notNull())
    .addColumn('remaining_count', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('key_rewraps_started').on('key_rewraps').column('started_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('key_rewraps').execute();
}
