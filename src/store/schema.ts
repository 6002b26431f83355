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

// --- pipeline (src/pipeline) ---

export interface RunsTable {
  id: string;
  dataset: string;
  /** queued | running | succeeded | failed | blocked | abandoned */
  status: string;
  trigger: string;
  worker: string | null;
  heartbeat_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  read_count: Generated<number>;
  stored_count: Generated<number>;
  updated_count: Generated<number>;
  unchanged_count: Generated<number>;
  quarantined_count: Generated<number>;
  /** Records marked deleted at source (change data capture). */
  deleted_count: Generated<number>;
  /** Records of erased subjects dropped (`onErasedSubject: drop`, 0010). */
  suppressed_count: Generated<number>;
  /** JSON object: reason → count. */
  quarantine_reasons: Generated<string>;
  /** JSON array of field names dropped by minimisation. */
  dropped_fields: Generated<string>;
  error: string | null;
  /** 1 when the run was queued for the workers: if its worker dies, it is queued again (0009). */
  resumable: Generated<number>;
  /** The abandoned run this one resumes, if any. */
  resumed_from: Generated<string | null>;
  /** 1 for a new run, n for the (n-1)th resumption. */
  attempt: Generated<number>;
}

export interface SourceStateTable {
  dataset: string;
  state: string | null;
  run_id: string | null;
  updated_at: string;
}

export interface DatasetRecordsTable {
  dataset: string;
  natural_key: string;
  subject_id: string | null;
  version: number;
  /** JSON of the fields stored in clear (level ≤ 2). */
  data: string;
  /** One ciphertext of the record's personal fields under the subject's data key. */
  sealed: string | null;
  /** Keyed hash of the whole record: unchanged records are not rewritten. */
  content_hash: string;
  run_id: string;
  created_at: string;
  updated_at: string;
  /** When the record was deleted at source (CDC); null while it exists there. History is kept. */
  deleted_at: string | null;
  /**
   * JSON of the record's blind indexes, field → hash (null: the field had no value), for masks
   * that need no clear value; null for records stored before 0016_index_hashes.
   */
  index_hashes: string | null;
}

/** The versions a record had before its current one (which is only in dataset_records). */
export interface RecordVersionsTable {
  dataset: string;
  natural_key: string;
  version: number;
  data: string;
  sealed: string | null;
  content_hash: string;
  run_id: string;
  created_at: string;
  /** Set when this version was the one deleted at source. */
  deleted_at: string | null;
}

/**
 * Keyed hashes of identifiers → the records holding them. Field `$subject` links a data subject
 * (hash = subject id) to its records. Entries written by a run that has not ended yet are still in
 * index_staging: read blind_index_entries, which holds both.
 */
export interface BlindIndexesTable {
  dataset: string;
  field: string;
  hash: string;
  natural_key: string;
}

/** Read-only view: every version of every record, earlier ones and the current one. */
export type RecordHistoryView = RecordVersionsTable;

export interface QuarantineTable {
  id: string;
  dataset: string;
  run_id: string;
  reason: string;
  detail: string;
  position: string | null;
  subject_id: string;
  /** The record sealed under the subject's key; '' when no copy is kept (`erased_subject`). */
  sealed: string;
  /** open | reprocessed | discarded */
  status: string;
  created_at: string;
}

export interface FieldClassificationsTable {
  dataset: string;
  field: string;
  category: string | null;
  level: number;
  sensitive: number;
  entities: string;
  /** Thousandths (0–1000): integer on every dialect. */
  confidence: number;
  /** confirmed | pending */
  status: string;
  confirmed_by: string | null;
  updated_at: string;
}

export interface ConsentsTable {
  subject_id: string;
  purpose: string;
  sensitive: number;
  granted_at: string;
  withdrawn_at: string | null;
}

/** A suppression entry: this subject was erased and is not collected again (0010). */
export interface ErasedSubjectsTable {
  /** The subject id: a keyed hash of the identifier. */
  subject_id: string;
  erased_at: string;
}

// --- access (src/governance/access-requests.ts) ---

export interface AccessRequestsTable {
  id: string;
  requester: string;
  /** JSON array of dataset names. */
  datasets: string;
  /** JSON array of field names; null = every field the policy allows. */
  fields: string | null;
  purpose: string;
  duration_days: number;
  justification: string;
  /** pending | approved | rejected */
  status: string;
  approvals_required: number;
  grant_id: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface AccessDecisionsTable {
  request_id: string;
  approver: string;
  /** approve | reject */
  decision: string;
  comment: string | null;
  decided_at: string;
}

export interface GrantsTable {
  id: string;
  request_id: string;
  grantee: string;
  datasets: string;
  fields: string | null;
  purpose: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** Failed sign-ins per hash of (submitted user name, client address): a delay, never a lockout. */
export interface LoginThrottleTable {
  throttle_key: string;
  failed_count: number;
  blocked_until: string | null;
  updated_at: string;
}

export interface SecondFactorsTable {
  user_id: string;
  secret_ciphertext: string;
  confirmed_at: string | null;
  /** Last TOTP time step accepted (a code is never accepted twice). */
  last_step: number | string | bigint | null;
  created_at: string;
}

export interface RecoveryCodesTable {
  code_hash: string;
  user_id: string;
  used_at: string | null;
  created_at: string;
}

export interface LoginChallengesTable {
  challenge_hash: string;
  user_id: string;
  client_address: string;
  attempts: number;
  expires_at: string;
  created_at: string;
}

export interface SecurityAlertsTable {
  id: string;
  rule: string;
  severity: string;
  subject: string;
  status: string;
  evidence: string;
  occurrences: number;
  first_seen_at: string;
  last_seen_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  note: string | null;
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
  runs: RunsTable;
  source_state: SourceStateTable;
  dataset_records: DatasetRecordsTable;
  record_versions: RecordVersionsTable;
  blind_indexes: BlindIndexesTable;
  /** Blind-index entries a run appended and has not merged yet (see 0005_record_storage). */
  index_staging: BlindIndexesTable;
  /** View: blind_indexes ∪ index_staging. */
  blind_index_entries: BlindIndexesTable;
  /** View: record_versions ∪ the current versions. */
  record_history: RecordHistoryView;
  quarantine: QuarantineTable;
  field_classifications: FieldClassificationsTable;
  consents: ConsentsTable;
  erased_subjects: ErasedSubjectsTable;
  access_requests: AccessRequestsTable;
  access_decisions: AccessDecisionsTable;
  grants: GrantsTable;
  login_throttle: LoginThrottleTable;
  second_factors: SecondFactorsTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  security_alerts: SecurityAlertsTable;
}
