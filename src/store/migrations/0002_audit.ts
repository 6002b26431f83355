// The verifiable audit log (src/audit): entries with their leaf hashes, stored complete subtree
// hashes (so proofs are O(log n) reads), signed tree heads and the public keys that signed them.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    .addColumn('idx', 'bigint', (c) => c.primaryKey().notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .execute();

  // Aligned complete subtrees of level ≥ 1; `completed_at` is the last leaf they cover, so the
  // verifier can stream them in the order an append creates them.
  await db.schema
    .createTable('audit_nodes')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_nodes_pk', ['level', 'idx'])
    .execute();
  await db.schema
    .createIndex('audit_nodes_completed_idx')
    .on('audit_nodes')
    .columns(['completed_at', 'level'])
    .execute();

  await db.schema
    .createTable('audit_tree_heads')
    .addColumn('tree_size', 'bigint', (c) => c.primaryKey().notNull())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('hash_algorithm', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_keys', 'audit_tree_heads', 'audit_nodes', 'audit_entries']) {
    await db.schema.dropTable(table).execute();
  }
}
