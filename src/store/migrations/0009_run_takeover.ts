// Runs that survive their worker: a queued run whose worker dies is abandoned and queued again as
// a new run that resumes from the dataset's checkpoint. `resumable` says a run was handed to the
// workers (queued), not started inline by `custos collect`; `resumed_from` links a resumed run to
// the one it takes over; `attempt` counts the chain, so a run that kills every worker it meets is
// given up after a few attempts instead of forever.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('runs')
    .addColumn('resumable', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('runs').addColumn('resumed_from', 'text').execute();
  await db.schema
    .alterTable('runs')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('attempt').execute();
  await db.schema.alterTable('runs').dropColumn('resumed_from').execute();
  await db.schema.alterTable('runs').dropColumn('resumable').execute();
}
