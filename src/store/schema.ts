// Kysely table types for every table Custos owns. Each area adds its tables here and a migration in
// ./migrations; times are ISO 8601 UTC text and booleans are 0/1 integers on every dialect.

import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  display_name: string | null;
  role: string;
  password_hash: string;
  is_disabled: number;
  failed_login_count: Generated<number>;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the whole secret token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 of the cookie value. */
  session_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

// --- audit (src/audit) ---

export interface AuditEntriesTable {
  idx: number;
  /** Canonical entry text (src/audit/entry.ts): the leaf input. */
  entry: string;
  leaf_hash: string;
}

export interface AuditNodesTable {
  /** (last leaf covered) × 64 + level; see src/audit/merkle.ts `nodeId`. */
  id: number;
  hash: string;
}

export interface AuditTreeHeadsTable {
  tree_size: number;
  root_hash: string;
  timestamp: string;
  origin: string;
  hash_algorithm: string;
  key_id: string;
  signature: string;
}

export interface AuditKeysTable {
  key_id: string;
  algorithm: string;
  public_key: string;
  created_at: string;
}

// --- keys (src/governance/keys.ts) ---

export interface SubjectKeysTable {
  subject_id: string;
  kek_version: number;
  /** Base64 of the DEK sealed with KEK `kek_version`; null once shredded. */
  wrapped_dek: string | null;
  created_at: string;
  shredded_at: string | null;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  audit_entries: AuditEntriesTable;
  audit_nodes: AuditNodesTable;
  audit_tree_heads: AuditTreeHeadsTable;
  audit_keys: AuditKeysTable;
  subject_keys: SubjectKeysTable;
}
