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

/** Natural keys a full CDC snapshot being stored has read (0011_snapshot_keys). */
export interface SnapshotKeysTable {
  dataset: string;
  natural_key: string;
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

/** The consent ledger's current state: one row per subject × purpose (0004, 0012). */
export interface ConsentsTable {
  subject_id: string;
  purpose: string;
  /** 1: separate consent given (PIPL Art. 29), as sensitive personal information needs. */
  sensitive: number;
  granted_at: string;
  withdrawn_at: string | null;
  /** 1: consent to transfer abroad given (PIPL Art. 39). */
  cross_border: Generated<number>;
  /** The purpose's notice version consented to; null before the ledger recorded versions. */
  notice_version: string | null;
  channel: string | null;
  /** The evidence reference (the partner's consent record id). */
  evidence: string | null;
  /** When the person last granted or withdrew (orders out-of-order events from feeds). */
  changed_at: string | null;
}

/** One grant or withdrawal, append-only (0012). */
export interface ConsentEventsTable {
  id: string;
  subject_id: string;
  purpose: string;
  /** granted | withdrawn */
  action: string;
  at: string;
  recorded_at: string;
  recorded_by: string;
  channel: string;
  evidence: string | null;
  notice_version: string | null;
  separate: number;
  cross_border: number;
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

// --- data-subject requests and retention (src/governance, 0013) ---

export interface SubjectRequestsTable {
  id: string;
  /** access | copy | correction | deletion | withdrawal | explanation */
  type: string;
  /** received | verified | in_progress | completed | denied | cancelled */
  status: string;
  /** Keyed hash of the identifier (the subject id); never the identifier. */
  subject_id: string;
  /** JSON of the identifier and the request's particulars, sealed under the subject's data key. */
  sealed: string | null;
  /** JSON of what the request covers, by name only: corrected datasets and fields, purposes. */
  scope: string;
  channel: string | null;
  received_at: string;
  deadline_at: string;
  created_by: string;
  verified_by: string | null;
  verified_at: string | null;
  started_at: string | null;
  closed_at: string | null;
  closed_by: string | null;
  /** Reason code of a denial or cancellation. */
  reason: string | null;
  /** The officer's note on a denial or cancellation (no personal data; never audited). */
  note: string | null;
  /** JSON of what completing did: counts and names, never values. */
  result: string | null;
  updated_at: string;
}

export interface SubjectRequestStepsTable {
  request_id: string;
  seq: number;
  step: string;
  actor: string;
  at: string;
  /** JSON: counts, codes and names, never values. */
  detail: string;
}

/** A legal hold on a subject: retention deletes nothing of it while the row exists. */
export interface LegalHoldsTable {
  subject_id: string;
  reason: string;
  placed_by: string;
  placed_at: string;
}

export interface RetentionReportsTable {
  id: string;
  started_at: string;
  finished_at: string;
  is_dry_run: number;
  actor: string;
  /** JSON of the report: counts per dataset, never values. */
  report: string;
}

// --- compliance (src/compliance, 0014) ---

export interface ComplianceAuditsTable {
  id: string;
  at: string;
  actor: string;
  /** manual | schedule */
  trigger: string;
  /** Tenths of a percent (0–1000). */
  score: number;
  /** The JSON report exactly as hashed. */
  report: string;
  report_hash: string;
  hash_algorithm: string;
  audit_index: number | null;
}

export interface ImpactAssessmentsTable {
  id: string;
  /** pia | risk */
  kind: string;
  title: string;
  datasets: string;
  triggers: string;
  scope: string;
  risks: string;
  measures: string;
  /** draft | approved | rejected */
  status: string;
  author: string;
  approver: string | null;
  created_at: string;
  decided_at: string | null;
  retain_until: string | null;
}

export interface VendorReviewsTable {
  id: string;
  vendor: string;
  questionnaire: string;
  evidence: string;
  /** approved | conditional | rejected */
  result: string;
  reference: string | null;
  reviewed_at: string;
  valid_until: string;
  reviewer: string;
}

export interface IncidentsTable {
  id: string;
  title: string;
  description: string;
  occurred_at: string;
  detected_at: string;
  subjects_affected: number;
  datasets: string;
  severity: string;
  measures: string;
  /** open | closed */
  status: string;
  regulator_notified_at: string | null;
  subjects_notified_at: string | null;
  closed_at: string | null;
  created_by: string;
  created_at: string;
}

export interface ComplianceAttestationsTable {
  id: string;
  control_id: string;
  statement: string;
  evidence_ref: string | null;
  attested_by: string;
  attested_at: string;
  valid_until: string;
}

/** A provision of a dataset to a third party (PIPL Art. 23): names and counts, no values. */
export interface ThirdPartySharesTable {
  id: string;
  dataset: string;
  vendor: string;
  contract: string;
  purpose: string;
  consent_purpose: string;
  without_consent: string;
  format: string;
  export_id: string;
  status: string;
  records: Generated<number>;
  left_out: Generated<number>;
  actor: string;
  started_at: string;
  finished_at: string | null;
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

/** A saved analysis result (issue 20) with its lineage. */
export interface DerivedDatasetsTable {
  id: string;
  name: string;
  kind: string;
  created_by: string;
  created_at: string;
  purpose: string;
  grant_id: string | null;
  inputs: string;
  params: string;
  input_hash: string;
  result_hash: string;
  row_count: number;
}

/** A derived dataset's rows, keyed by the subject's pseudonym. */
export interface DerivedRowsTable {
  derived_id: string;
  pseudonym: string;
  segment: string;
  features: string;
}

/** Client addresses an API token was used from (0019). */
export interface TokenAddressesTable {
  token_id: string;
  address: string;
  first_seen_at: string;
  last_seen_at: string;
}

/** Results of audit-log verifications run by the schedule or on demand (0019). */
export interface AuditVerificationsTable {
  id: string;
  verified_at: string;
  trigger: string;
  is_ok: number;
  tree_size: number | string;
  heads_checked: number;
  problem_kind: string | null;
  problem_index: number | string | null;
  duration_ms: number;
}

export interface AnalyticsModelsTable {
  id: string;
  /** scorecard */
  kind: string;
  name: string;
  version: number;
  /** SHA-256 (hex) of the definition's canonical JSON. */
  hash: string;
  hash_sm3: string;
  dataset: string;
  purpose: string;
  definition: string;
  created_by: string;
  created_at: string;
  /** draft | approved | rejected */
  status: string;
  approved_by: string | null;
  approved_at: string | null;
  rejected_by: string | null;
  rejected_at: string | null;
  decision_reason: string | null;
}

export interface SecurityScansTable {
  id: string;
  at: string;
  actor: string;
  trigger: string;
  critical_count: number;
  high_count: number;
  medium_count: number;
  low_count: number;
  could_not_check_count: number;
  result: string;
}

/** A key rewrap's progress (0022_key_rewrap), updated after every batch. */
export interface KeyRewrapsTable {
  id: string;
  state: string;
  done_count: number;
  remaining_count: number;
  started_at: string;
  finished_at: string | null;
  started_by: string;
  error: string | null;
  updated_at: string;
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
  snapshot_keys: SnapshotKeysTable;
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
  consent_events: ConsentEventsTable;
  erased_subjects: ErasedSubjectsTable;
  access_requests: AccessRequestsTable;
  access_decisions: AccessDecisionsTable;
  grants: GrantsTable;
  subject_requests: SubjectRequestsTable;
  subject_request_steps: SubjectRequestStepsTable;
  legal_holds: LegalHoldsTable;
  retention_reports: RetentionReportsTable;
  compliance_audits: ComplianceAuditsTable;
  impact_assessments: ImpactAssessmentsTable;
  analytics_models: AnalyticsModelsTable;
  vendor_reviews: VendorReviewsTable;
  incidents: IncidentsTable;
  compliance_attestations: ComplianceAttestationsTable;
  third_party_shares: ThirdPartySharesTable;
  login_throttle: LoginThrottleTable;
  second_factors: SecondFactorsTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  security_alerts: SecurityAlertsTable;
  derived_datasets: DerivedDatasetsTable;
  derived_rows: DerivedRowsTable;
  token_addresses: TokenAddressesTable;
  audit_verifications: AuditVerificationsTable;
  security_scans: SecurityScansTable;
  key_rewraps: KeyRewrapsTable;
}
