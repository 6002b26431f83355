// The verifiable audit log (src/audit): entries with their leaf hashes, stored complete subtree
// hashes (so proofs are O(log n) reads), signed tree heads and the public keys that signed them.

import { type Kysely, SqliteAdapter } from 'kysely';

/** 64-bit integer key: SQLite's INTEGER PRIMARY KEY is the rowid itself (one B-tree, fast appends). */
function int64Key(db: Kysely<unknown>): 'integer' | 'bigint' {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'integer' : 'bigint';
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    .addColumn('idx', int64Key(db), (c) => c.primaryKey().notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .execute();

  // Aligned complete subtrees of level ≥ 1, keyed by id = last covered leaf × 64 + level: the key
  // order is the order appends create them, so the verifier streams them alongside the entries.
  await db.schema
    .createTable('audit_nodes')
    .addColumn('id', int64Key(db), (c) => c.primaryKey().notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
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
