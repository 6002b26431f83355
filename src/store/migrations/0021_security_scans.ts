// Vulnerability and posture scans (issue 19 item 5): each run with its findings and what it could
// not check, so the compliance control and the console read the latest one.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('security_scans')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    /** manual | schedule */
    .addColumn('trigger', 'text', (c) => c.notNull())
    /** Counts of findings by severity, for the control without parsing the result. */
    .addColumn('critical_count', 'integer', (c) => c.notNull())
    .addColumn('high_count', 'integer', (c) => c.notNull())
    .addColumn('medium_count', 'integer', (c) => c.notNull())
    .addColumn('low_count', 'integer', (c) => c.notNull())
    .addColumn('could_not_check_count', 'integer', (c) => c.notNull())
    /** The whole result as JSON: findings (evidence holds names and counts, never a value), gaps. */
    .addColumn('result', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('security_scans_at_idx').on('security_scans').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('security_scans').execute();
}
