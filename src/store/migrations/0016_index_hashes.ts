// A record's own blind indexes beside it (`index_hashes`, JSON: field → hash, or null when the
// field had no value), so the read path's `hash` mask takes its pseudonym from the stored index
// without decrypting the record. Records stored before have none: the read path opens them instead.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('dataset_records').addColumn('index_hashes', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('dataset_records').dropColumn('index_hashes').execute();
}
