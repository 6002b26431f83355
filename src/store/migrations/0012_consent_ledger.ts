// The consent ledger (PIPL Arts. 14–15, 29, 39): `consents` stays the current state per subject ×
// purpose (what admission and reads check) and gains the notice version consented to, the
// cross-border flag (Art. 39), the channel, the evidence reference and the time of its last
// change; `consent_events` keeps every grant and withdrawal, append-only. `sensitive` remains the
// separate-consent flag (Art. 29). Subjects are subject ids (keyed hashes), never identifiers.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('consents')
    .addColumn('cross_border', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('consents').addColumn('notice_version', 'text').execute();
  await db.schema.alterTable('consents').addColumn('channel', 'text').execute();
  await db.schema.alterTable('consents').addColumn('evidence', 'text').execute();
  await db.schema.alterTable('consents').addColumn('changed_at', 'text').execute();
  await db.schema
    .createTable('consent_events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    /** granted | withdrawn */
    .addColumn('action', 'text', (c) => c.notNull())
    /** When the person gave or withdrew consent (as the channel reports it). */
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text')
    .addColumn('notice_version', 'text')
    .addColumn('separate', 'integer', (c) => c.notNull())
    .addColumn('cross_border', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('consent_events_subject')
    .on('consent_events')
    .columns(['subject_id', 'purpose', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consent_events').execute();
  for (const column of ['changed_at', 'evidence', 'channel', 'notice_version', 'cross_border'])
    await db.schema.alterTable('consents').dropColumn(column).execute();
}
