// Every API call the console makes, with its method, path, the roles the server admits (the
// operation's `x-custos-roles`) and its types. test/console/endpoints.test.ts checks each entry
// against /api/v1/openapi.json: an endpoint that is renamed, removed or re-roled on the server turns
// that test red. This file holds no DOM code so the server's tests can import it.

import type { OpenApiDocument } from './form-rules.js';

export const ROLES = ['admin', 'data_engineer', 'compliance_officer', 'analyst', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One operation. The type parameters only carry types for `call()` (src/api/client.ts). */
export interface Endpoint<Params, Query, Body, Response> {
  method: Method;
  path: string;
  /** Who the server admits; empty for public operations. */
  roles: readonly Role[];
  /** Phantom: never set, only gives `call()` its types. */
  types?: { params: Params; query: Query; body: Body; response: Response };
}

function ep<Params = undefined, Query = undefined, Body = undefined, Response = unknown>(
  method: Method,
  path: string,
  roles: readonly Role[],
): Endpoint<Params, Query, Body, Response> {
  return { method, path, roles };
}

const ALL = ROLES;
const ENGINEERS = ['admin', 'data_engineer'] as const;
const OVERSIGHT = ['admin', 'data_engineer', 'compliance_officer', 'auditor'] as const;
const CONSENT_RECORDERS = ['admin', 'compliance_officer', 'data_engineer'] as const;
const CONSENT_VIEWERS = ['admin', 'compliance_officer', 'auditor'] as const;
const ANALYSTS = ['analyst'] as const;

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  isDisabled: boolean;
  createdAt: string;
}

export interface Workspace {
  organisation: string;
  dialect: 'sqlite' | 'postgres';
  suite: 'sm' | 'aes';
  locale: 'zh-CN' | 'en';
  counts: Record<string, number>;
  datasets: { name: string; source: string; purposes: string[]; lawfulBasis: string }[];
}

/** POST /api/v1/analytics/segmentation/runs (src/api/routes/segmentation.ts). */
export interface SegmentationRequest {
  dataset: string;
  purpose: string;
  subjectField?: string;
  dateField: string;
  amountField: string;
  kMin: number;
  kMax: number;
  kAnonymity: number;
}

export interface SegmentProfile {
  segment: string;
  size: number | null;
  isSuppressed: boolean;
  means: { recency: number; frequency: number; monetary: number; r: number; f: number; m: number } | null;
  distribution: { r: (number | null)[]; f: (number | null)[]; m: (number | null)[] } | null;
}

export interface Segmentation {
  dataset: string;
  purpose: string;
  grant: string | null;
  asOf: string;
  subjects: number;
  skipped: number;
  k: number;
  kAnonymity: number;
  quantiles: number;
  silhouettes: { k: number; silhouette: number }[];
  segments: SegmentProfile[];
}

/** POST /api/v1/analytics/claims/reserve (src/api/routes/claims.ts). */
export interface ReserveRequest {
  dataset: string;
  purpose: string;
  origin: string;
  development: string;
  value: string;
  cumulative: boolean;
  kAnonymity: number;
}

export interface ClaimsReserve {
  grant: string | null;
  ldfs: number[];
  origins: {
    origin: string;
    latest: number | null;
    ultimate: number | null;
    ibnr: number | null;
    isSuppressed?: boolean;
  }[];
  totals: { latest: number; ultimate: number; ibnr: number };
  triangle: {
    origins: string[];
    ages: string[];
    cumulative: (number | null)[][];
    incremental: (number | null)[][];
    suppressed: [number, number][];
  };
}

/** POST /api/v1/analytics/claims/summary. */
export interface ClaimsSummaryRequest {
  dataset: string;
  purpose: string;
  premiumDataset?: string;
  kAnonymity: number;
}

export interface ClaimsSummary {
  claims: number;
  policies: number;
  kAnonymity: number;
  lossRatios: {
    dimension: 'period' | 'product' | 'channel';
    value: string;
    isSuppressed: boolean;
    claims: number | null;
    incurred: number | null;
    premium: number | null;
    lossRatio: number | null;
  }[];
  cycleTimes: {
    group: string;
    isSuppressed: boolean;
    settled: number | null;
    mean: number | null;
    median: number | null;
    p90: number | null;
  }[];
}
/** The paging query of the users, tokens and sources lists (src/api/routes/schemas.ts pageQuery). */
export interface PageQuery<K extends string> {
  sort?: K | `-${K}`;
  limit?: number;
  offset?: number;
}
/** Sort columns of the lists (src/governance USER_SORT_KEYS, TOKEN_SORT_KEYS; src/sources SOURCE_SORT_KEYS). */
export type UserSortKey = 'username' | 'displayName' | 'role' | 'createdAt';
export type TokenSortKey = 'name' | 'username' | 'createdAt' | 'expiresAt' | 'lastUsedAt';
export type SourceSortKey = 'name' | 'type' | 'vendor';

/** GET /api/v1/runs `sort`: a column, `-` for descending (src/pipeline/runs.ts RUN_SORT_KEYS). */
export type RunSortKey =
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'dataset'
  | 'status'
  | 'read'
  | 'stored'
  | 'quarantined';
export type RunSort = RunSortKey | `-${RunSortKey}`;

export interface Run {
  id: string;
  dataset: string;
  status: string;
  trigger: string;
  worker: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  quarantineReasons: Record<string, number>;
  droppedFields: string[];
  error: string | null;
}

export interface QuarantineEntry {
  id: string;
  dataset: string;
  runId: string;
  reason: string;
  detail: string;
  position: string | null;
  status: string;
  createdAt: string;
}

export interface QuarantineReprocess {
  run: string;
  dataset: string;
  status: 'succeeded' | 'failed' | 'blocked';
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  quarantineReasons: Record<string, number>;
  /** Held records of earlier runs the fix let through. */
  reprocessed: number;
  error: string | null;
}

export interface AccessRequest {
  id: string;
  requester: string;
  datasets: string[];
  fields: string[] | null;
  purpose: string;
  durationDays: number;
  justification: string;
  status: 'pending' | 'approved' | 'rejected';
  approvalsRequired: number;
  decisions: {
    approver: string;
    decision: 'approve' | 'reject';
    comment: string | null;
    decidedAt: string;
  }[];
  grantId: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface Grant {
  id: string;
  requestId: string;
  grantee: string;
  datasets: string[];
  fields: string[] | null;
  purpose: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface RecordItem {
  key: string;
  version: number;
  collectedAt: string;
  fields: Record<string, unknown>;
}

export interface RecordPage {
  items: RecordItem[];
  nextCursor: string | null;
  withheld: { noConsent: number; filtered: number };
  damaged: string[];
  erased: number;
  grant: string | null;
}

export interface LookupResult {
  matches: {
    dataset: string;
    items: RecordItem[];
    withheld: { noConsent: number; filtered: number };
    damaged: string[];
  }[];
  skipped: { dataset: string; code: string }[];
}

export interface AuditEntry {
  index: number;
  time: string;
  actor: string;
  action: string;
  target: string;
  purpose?: string;
  details?: Record<string, unknown>;
  leafHash: string;
}

export interface TreeHead {
  origin: string;
  treeSize: number;
  rootHash: string;
  timestamp: string;
  hashAlgorithm: string;
  signatureAlgorithm: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  headsChecked: number;
  rootHash: string;
  problem?: { index: number; toIndex?: number; kind: string; message: string };
}

export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  rootHash: string;
}

const REQUESTERS = ['analyst', 'data_engineer', 'compliance_officer', 'admin'] as const;
const OFFICERS = ['compliance_officer'] as const;
const AUDITORS = ['admin', 'compliance_officer', 'auditor'] as const;

/** A data-subject request (docs/consent-and-rights.md): the person named by a keyed hash only. */
export interface SubjectRequest {
  id: string;
  type: 'access' | 'copy' | 'correction' | 'deletion' | 'withdrawal' | 'explanation';
  status: 'received' | 'verified' | 'in_progress' | 'completed' | 'denied' | 'cancelled';
  subjectId: string;
  scope: { corrections?: { dataset: string; fields: string[] }[]; purposes?: string[] };
  channel: string | null;
  receivedAt: string;
  deadlineAt: string;
  isOverdue: boolean;
  createdBy: string;
  verifiedBy: string | null;
  verifiedAt: string | null;
  startedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  reason: string | null;
  note: string | null;
  result: Record<string, unknown> | null;
  steps: { step: string; actor: string; at: string; detail: Record<string, unknown> }[];
}

const DSR_MANAGERS = ['compliance_officer', 'admin'] as const;
const DSR_READERS = ['compliance_officer', 'admin', 'auditor'] as const;

/** A completed sign-in: the session cookie is set. */
export interface SignedIn {
  status: 'signed_in';
  user: User;
  expiresAt: string;
  /** Only on the sign-in that completed a second-factor enrolment: shown once. */
  recoveryCodes?: string[];
}

/** The password was right; a second factor is needed (docs/api.md, sign-in flow). */
export interface SecondFactorRequired {
  status: 'second_factor_required';
  challenge: string;
  isEnrolled: boolean;
  expiresAt: string;
}

export type AlertStatus = 'open' | 'acknowledged' | 'closed';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface SecurityAlert {
  id: string;
  rule: string;
  severity: Severity;
  subject: string;
  status: AlertStatus;
  evidence: Record<string, string | number | boolean>;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  note: string | null;
}

/** A full verification of the audit log against the pinned keys (scheduled or on demand). */
export interface AuditVerification {
  id: string;
  verifiedAt: string;
  trigger: 'schedule' | 'manual';
  isOk: boolean;
  treeSize: number;
  headsChecked: number;
  problem: { kind: string; index: number } | null;
  durationMs: number;
}

const ALERT_WATCHERS = ['admin', 'compliance_officer', 'auditor'] as const;
const SCAN_READERS = ['admin', 'compliance_officer', 'auditor'] as const;

export type ScanKind = 'dependency' | 'posture' | 'api';
export type SeverityCounts = Record<Severity, number>;

export interface ScanFinding {
  id: string;
  kind: ScanKind;
  rule: string;
  severity: Severity;
  title: Localized;
  evidence: Record<string, string | number | boolean>;
  remediation: Localized;
}

export interface ScanCouldNotCheck {
  kind: ScanKind;
  check: string;
  reason: Localized;
  detail?: string;
}

export interface Scan {
  id: string;
  at: string;
  actor: string;
  trigger: 'manual' | 'schedule';
  checked: ScanKind[];
  findings: ScanFinding[];
  couldNotCheck: ScanCouldNotCheck[];
  counts: SeverityCounts;
  target?: string;
}

export interface ScanSummary {
  id: string;
  at: string;
  actor: string;
  trigger: string;
  counts: SeverityCounts;
  couldNotCheck: number;
}
const ALERT_RESPONDERS = ['admin', 'compliance_officer'] as const;

export interface ApiToken {
  id: string;
  username: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface KeyRewrap {
  state: 'idle' | 'running' | 'succeeded' | 'failed';
  done: number;
  remaining: number;
  startedAt: string | null;
  finishedAt: string | null;
  startedBy: string | null;
  error: string | null;
}

export interface KeyStatus {
  suite: string;
  provider: string;
  currentVersion: number;
  versions: { version: number; createdAt: string; retiredAt: string | null; dataKeys: number }[];
  dataKeys: number;
  shredded: number;
  pendingRewrap: number;
  rewrap: KeyRewrap;
}

export interface SourceSummary {
  name: string;
  type: string;
  vendor: string | null;
  description: string | null;
}

export interface SourceCheck {
  source: string;
  ok: boolean;
  identity?: string;
  message: string;
}

export interface StreamDescription {
  name: string;
  fields: { name: string; type: string; nullable?: boolean }[];
  cursorFields?: string[];
  primaryKey?: string[];
}

export interface SourcePreview {
  source: string;
  stream: string;
  records: Record<string, unknown>[];
  masked: boolean;
}

export type Category = 'C1' | 'C2' | 'C3';

export interface FieldClassification {
  dataset: string;
  field: string;
  category: Category | null;
  level: number;
  sensitive: boolean;
  /** The classifier's evidence: entity types found and the share of values holding them. */
  entities: unknown;
  confidence: number;
  status: string;
  confirmed_by: string | null;
  updated_at: string;
}
export type ControlStatus = 'pass' | 'fail' | 'warn' | 'manual' | 'not_applicable';
export interface Localized {
  'zh-CN': string;
  en: string;
}

export interface ComplianceControl {
  id: string;
  framework: string;
  clause: string;
  title: Localized;
  text: Localized;
  kind: 'automated' | 'attested' | 'manual';
  severity: 'low' | 'medium' | 'high' | 'critical';
  check?: string;
  remediation: Localized;
  source: { provenance: 'digest' | 'not_at_hand'; note?: string };
  latest: { status: ControlStatus; evidence: Record<string, unknown>; auditId: string } | null;
}

export interface ComplianceAuditSummary {
  id: string;
  at: string;
  actor: string;
  trigger: string;
  score: number;
  reportHash: string;
  hashAlgorithm: string;
  auditIndex: number | null;
}

/** The stored report (src/compliance/compliance-audit.ts AuditReport), the parts the console shows. */
export interface ComplianceReport {
  id: string;
  at: string;
  score: number;
  frameworks: { framework: string; score: number | null; counts: Record<ControlStatus, number> }[];
  previous: { id: string; at: string; score: number } | null;
  trend: {
    scoreDelta: number | null;
    frameworks: Record<string, number | null>;
    newlyFailing: string[];
    resolved: string[];
  };
}

const COMPLIANCE_READERS = ['compliance_officer', 'auditor'] as const;
const COMPLIANCE_OFFICERS = ['compliance_officer'] as const;
const SHARE_READERS = ['compliance_officer', 'auditor', 'data_engineer'] as const;
const SHARERS = ['compliance_officer', 'data_engineer'] as const;

/** An attestation of an `attested` control (src/compliance/compliance-service.ts AttestationView). */
export interface Attestation {
  id: string;
  controlId: string;
  statement: string;
  evidenceRef: string | null;
  attestedBy: string;
  attestedAt: string;
  validUntil: string;
  isExpired: boolean;
}

/** A provision of a dataset to a third party (src/compliance/third-party-share.ts Share). */
export interface Share {
  id: string;
  dataset: string;
  vendor: string;
  contract: string;
  purpose: string;
  consentPurpose: string;
  withoutConsent: 'refuse' | 'leave_out';
  format: string;
  exportId: string;
  status: 'started' | 'completed' | 'aborted';
  records: number;
  leftOut: number;
  actor: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface NewShare {
  dataset: string;
  vendor: string;
  contract: string;
  purpose: string;
  format: 'ndjson' | 'csv' | 'xlsx';
  withoutConsent: 'refuse' | 'leave_out';
}

export interface ConsentChange {
  subjectId: string;
  purposes: string[];
  action: 'granted' | 'withdrawn';
  recorded: number;
  erased: boolean;
}

export interface PurposeConsent {
  purpose: string;
  status: 'granted' | 'withdrawn';
  separate: boolean;
  crossBorder: boolean;
  noticeVersion: string | null;
  currentNotice: string | null;
  noticeHolds: boolean;
  grantedAt: string;
  withdrawnAt: string | null;
  channel: string | null;
  evidence: string | null;
}

export interface ConsentHistoryEntry {
  purpose: string;
  action: 'granted' | 'withdrawn';
  at: string;
  recordedAt: string;
  recordedBy: string;
  channel: string;
  evidence: string | null;
  noticeVersion: string | null;
  separate: boolean;
  crossBorder: boolean;
}

/** Scorecard models (GET /api/v1/analytics/scorecard/models). */
export type ModelStatus = 'draft' | 'approved' | 'rejected';

export interface ScorecardModel {
  id: string;
  kind: 'scorecard';
  name: string;
  version: number;
  hash: string;
  hashSm3: string;
  dataset: string;
  purpose: string;
  createdBy: string;
  createdAt: string;
  status: ModelStatus;
  approvedBy: string | null;
  approvedAt: string | null;
  rejectedBy: string | null;
  rejectedAt: string | null;
  reason: string | null;
}

export interface ScorecardDetail {
  model: ScorecardModel;
  scaling: { pdo: number; basePoints: number; baseOdds: number; factor: number; offset: number };
  target: string;
  bad: string;
  training: { rows: number; bads: number; auc: number; ks: number; gini: number };
  charts: {
    roc: { x: number; y: number }[];
    ks: { population: number; bad: number; good: number }[];
    iv: { variable: string; iv: number; isSelected: boolean; dropped: string | null }[];
  };
  variables: {
    name: string;
    kind: string;
    iv: number;
    coefficient: number;
    bins: { label: string; count: number; badRate: number; woe: number; points: number }[];
  }[];
  table: { variable: string; bin: string; count: number; badRate: number; woe: number; points: number }[];
}

export interface ScorecardFit {
  dataset: string;
  target: string;
  bad: string;
  purpose: string;
  pdo?: number;
  basePoints?: number;
  baseOdds?: number;
  monotonicTrend?: 'ascending' | 'descending' | 'auto';
}

const SCORECARD_READERS = ['analyst', 'compliance_officer', 'auditor', 'admin'] as const;
/**
 * The OpenAPI document (public, and hidden from itself, so not in `endpoints`): the console takes its
 * forms' rules from the request-body schemas (form-rules.ts).
 */
export const openApiDocument = ep<undefined, undefined, undefined, OpenApiDocument>(
  'GET',
  '/api/v1/openapi.json',
  [],
);

export const endpoints = {
  login: ep<undefined, undefined, { username: string; password: string }, SignedIn | SecondFactorRequired>(
    'POST',
    '/api/v1/auth/login',
    [],
  ),
  secondFactorEnrol: ep<undefined, undefined, { challenge: string }, { secret: string; otpauthUrl: string }>(
    'POST',
    '/api/v1/auth/second-factor/enrol',
    [],
  ),
  secondFactor: ep<undefined, undefined, { challenge: string; code: string }, SignedIn>(
    'POST',
    '/api/v1/auth/second-factor',
    [],
  ),
  alerts: ep<undefined, { status?: AlertStatus; limit?: number }, undefined, { alerts: SecurityAlert[] }>(
    'GET',
    '/api/v1/security/alerts',
    ALERT_WATCHERS,
  ),
  acknowledgeAlert: ep<{ id: string }, undefined, { note?: string }, { alert: SecurityAlert }>(
    'POST',
    '/api/v1/security/alerts/:id/acknowledge',
    ALERT_RESPONDERS,
  ),
  closeAlert: ep<{ id: string }, undefined, { note?: string }, { alert: SecurityAlert }>(
    'POST',
    '/api/v1/security/alerts/:id/close',
    ALERT_RESPONDERS,
  ),
  auditVerification: ep<
    undefined,
    undefined,
    undefined,
    { last: AuditVerification | null; everyMinutes: number }
  >('GET', '/api/v1/security/audit-verification', ALERT_WATCHERS),
  verifyAuditLog: ep<
    undefined,
    undefined,
    undefined,
    { verification: AuditVerification; raised: SecurityAlert[] }
  >('POST', '/api/v1/security/audit-verification', ALERT_RESPONDERS),
  scans: ep<undefined, { limit?: number }, undefined, { scans: ScanSummary[] }>(
    'GET',
    '/api/v1/security/scans',
    SCAN_READERS,
  ),
  scan: ep<{ id: string }, undefined, undefined, { scan: Scan }>(
    'GET',
    '/api/v1/security/scans/:id',
    SCAN_READERS,
  ),
  runScan: ep<undefined, undefined, { dependencies?: boolean; posture?: boolean }, { scan: Scan }>(
    'POST',
    '/api/v1/security/scans',
    ['admin'],
  ),
  logout: ep<undefined, undefined, undefined, null>('POST', '/api/v1/auth/logout', ALL),
  me: ep<undefined, undefined, undefined, { user: User }>('GET', '/api/v1/auth/me', ALL),
  workspace: ep<undefined, undefined, undefined, Workspace>('GET', '/api/v1/workspace', ALL),
  segmentationRun: ep<undefined, undefined, SegmentationRequest, Segmentation>(
    'POST',
    '/api/v1/analytics/segmentation/runs',
    ANALYSTS,
  ),
  claimsReserve: ep<undefined, undefined, ReserveRequest, ClaimsReserve>(
    'POST',
    '/api/v1/analytics/claims/reserve',
    ANALYSTS,
  ),
  claimsSummary: ep<undefined, undefined, ClaimsSummaryRequest, ClaimsSummary>(
    'POST',
    '/api/v1/analytics/claims/summary',
    ANALYSTS,
  ),
  runs: ep<
    undefined,
    { dataset?: string; status?: string; sort?: RunSort; limit?: number; offset?: number },
    undefined,
    { runs: Run[]; total: number }
  >('GET', '/api/v1/runs', OVERSIGHT),
  startRun: ep<{ name: string }, undefined, undefined, { run: string; status: 'queued' }>(
    'POST',
    '/api/v1/datasets/:name/runs',
    ENGINEERS,
  ),
  quarantine: ep<
    undefined,
    { dataset?: string; status?: string; limit?: number; offset?: number },
    undefined,
    { quarantine: QuarantineEntry[]; total: number }
  >('GET', '/api/v1/quarantine', OVERSIGHT),
  reprocessQuarantine: ep<undefined, undefined, { dataset: string }, QuarantineReprocess>(
    'POST',
    '/api/v1/quarantine/reprocess',
    ENGINEERS,
  ),
  accessRequests: ep<undefined, { status?: string }, undefined, { requests: AccessRequest[] }>(
    'GET',
    '/api/v1/access-requests',
    ALL,
  ),
  requestAccess: ep<
    undefined,
    undefined,
    { datasets: string[]; fields?: string[]; purpose: string; durationDays: number; justification: string },
    AccessRequest
  >('POST', '/api/v1/access-requests', REQUESTERS),
  approveRequest: ep<
    { id: string },
    undefined,
    { comment?: string },
    { request: AccessRequest; grant?: Grant }
  >('POST', '/api/v1/access-requests/:id/approve', OFFICERS),
  rejectRequest: ep<{ id: string }, undefined, { comment?: string }, { request: AccessRequest }>(
    'POST',
    '/api/v1/access-requests/:id/reject',
    OFFICERS,
  ),
  grants: ep<undefined, { status?: string }, undefined, { grants: Grant[] }>('GET', '/api/v1/grants', ALL),
  revokeGrant: ep<{ id: string }, undefined, undefined, { grant: Grant }>('DELETE', '/api/v1/grants/:id', [
    'compliance_officer',
    'admin',
  ]),
  records: ep<{ name: string }, { purpose: string; limit?: number; cursor?: string }, undefined, RecordPage>(
    'GET',
    '/api/v1/datasets/:name/records',
    ALL,
  ),
  lookup: ep<undefined, undefined, { identifier: string; purpose: string }, LookupResult>(
    'POST',
    '/api/v1/subjects/lookup',
    ALL,
  ),
  auditEntries: ep<
    undefined,
    { actor?: string; action?: string; target?: string; before?: number; limit?: number },
    undefined,
    { entries: AuditEntry[]; size: number; nextBefore: number | null }
  >('GET', '/api/v1/audit/entries', AUDITORS),
  auditVerify: ep<undefined, undefined, { against?: TreeHead[] }, VerifyReport>(
    'POST',
    '/api/v1/audit/verify',
    AUDITORS,
  ),
  auditProof: ep<{ index: string }, { size?: number }, undefined, InclusionProof>(
    'GET',
    '/api/v1/audit/entries/:index/proof',
    AUDITORS,
  ),
  treeHead: ep<undefined, { format?: 'json' }, undefined, { treeHead: TreeHead | null }>(
    'GET',
    '/api/v1/audit/tree-head',
    AUDITORS,
  ),
  dsrList: ep<
    undefined,
    { status?: string; type?: string; overdue?: 'true' | 'false' },
    undefined,
    { requests: SubjectRequest[] }
  >('GET', '/api/v1/dsr', DSR_READERS),
  dsr: ep<{ id: string }, undefined, undefined, SubjectRequest>('GET', '/api/v1/dsr/:id', DSR_READERS),
  dsrVerify: ep<{ id: string }, undefined, { method: string }, SubjectRequest>(
    'POST',
    '/api/v1/dsr/:id/verify',
    DSR_MANAGERS,
  ),
  dsrStart: ep<{ id: string }, undefined, undefined, SubjectRequest>(
    'POST',
    '/api/v1/dsr/:id/start',
    DSR_MANAGERS,
  ),
  dsrComplete: ep<{ id: string }, undefined, undefined, SubjectRequest>(
    'POST',
    '/api/v1/dsr/:id/complete',
    DSR_MANAGERS,
  ),
  dsrDeny: ep<{ id: string }, undefined, { reason: string; note?: string }, SubjectRequest>(
    'POST',
    '/api/v1/dsr/:id/deny',
    DSR_MANAGERS,
  ),
  dsrCancel: ep<{ id: string }, undefined, { reason: string; note?: string }, SubjectRequest>(
    'POST',
    '/api/v1/dsr/:id/cancel',
    DSR_MANAGERS,
  ),
  dsrResult: ep<{ id: string }, undefined, undefined, Record<string, unknown>>(
    'GET',
    '/api/v1/dsr/:id/result',
    DSR_MANAGERS,
  ),
  users: ep<
    undefined,
    PageQuery<UserSortKey> & { search?: string; role?: Role; disabled?: 'true' | 'false' },
    undefined,
    { users: User[]; total: number }
  >('GET', '/api/v1/users', ['admin']),
  createUser: ep<
    undefined,
    undefined,
    { username: string; role: Role; password: string; displayName?: string },
    { user: User }
  >('POST', '/api/v1/users', ['admin']),
  updateUser: ep<{ username: string }, undefined, { role?: Role; isDisabled?: boolean }, { user: User }>(
    'PATCH',
    '/api/v1/users/:username',
    ['admin'],
  ),
  tokens: ep<
    undefined,
    PageQuery<TokenSortKey> & {
      all?: 'true' | 'false';
      search?: string;
      status?: 'active' | 'expired' | 'revoked';
    },
    undefined,
    { tokens: ApiToken[]; total: number }
  >('GET', '/api/v1/tokens', ALL),
  createToken: ep<
    undefined,
    undefined,
    { name: string; expiresIn?: string },
    { token: string; info: ApiToken }
  >('POST', '/api/v1/tokens', ALL),
  revokeToken: ep<{ id: string }, undefined, undefined, { token: ApiToken }>(
    'DELETE',
    '/api/v1/tokens/:id',
    ALL,
  ),
  keys: ep<undefined, undefined, undefined, KeyStatus>('GET', '/api/v1/keys', ['admin']),
  rotateKey: ep<undefined, undefined, undefined, { version: number }>('POST', '/api/v1/keys/rotate', [
    'admin',
  ]),
  rewrapKeys: ep<undefined, undefined, undefined, KeyRewrap>('POST', '/api/v1/keys/rewrap', ['admin']),
  retireKey: ep<{ version: string }, undefined, undefined, { version: number; retiredAt: string }>(
    'POST',
    '/api/v1/keys/:version/retire',
    ['admin'],
  ),
  sources: ep<
    undefined,
    PageQuery<SourceSortKey> & { search?: string; type?: string },
    undefined,
    { sources: SourceSummary[]; total: number }
  >('GET', '/api/v1/sources', ENGINEERS),
  checkSource: ep<{ name: string }, undefined, undefined, SourceCheck>(
    'POST',
    '/api/v1/sources/:name/check',
    ENGINEERS,
  ),
  sourceStreams: ep<{ name: string }, undefined, undefined, { source: string; streams: StreamDescription[] }>(
    'GET',
    '/api/v1/sources/:name/streams',
    ENGINEERS,
  ),
  sourcePreview: ep<{ name: string }, { stream?: string; limit?: number }, undefined, SourcePreview>(
    'GET',
    '/api/v1/sources/:name/preview',
    ENGINEERS,
  ),
  classifications: ep<undefined, { dataset?: string }, undefined, { classifications: FieldClassification[] }>(
    'GET',
    '/api/v1/classifications',
    OVERSIGHT,
  ),
  confirmClassification: ep<
    { dataset: string; field: string },
    undefined,
    undefined,
    { dataset: string; field: string; status: 'confirmed' }
  >('POST', '/api/v1/classifications/:dataset/:field/confirm', ['compliance_officer']),
  overrideClassification: ep<
    { dataset: string; field: string },
    undefined,
    { category: Category | null; level: number; sensitive: boolean },
    FieldClassification
  >('PUT', '/api/v1/classifications/:dataset/:field', ['compliance_officer']),
  grantConsent: ep<
    undefined,
    undefined,
    {
      identifier: string;
      purposes: string[];
      evidence: string;
      separate?: boolean;
      crossBorder?: boolean;
      channel?: string;
      noticeVersion?: string;
    },
    ConsentChange
  >('POST', '/api/v1/consents', CONSENT_RECORDERS),
  withdrawConsent: ep<
    undefined,
    undefined,
    { identifier: string; purposes: string[]; channel?: string; evidence?: string },
    ConsentChange
  >('POST', '/api/v1/consents/withdraw', CONSENT_RECORDERS),
  subjectConsents: ep<
    undefined,
    undefined,
    { identifier: string },
    { subjectId: string; consents: PurposeConsent[]; history: ConsentHistoryEntry[] }
  >('POST', '/api/v1/subjects/consents', CONSENT_VIEWERS),
  complianceControls: ep<undefined, undefined, undefined, { controls: ComplianceControl[] }>(
    'GET',
    '/api/v1/compliance/controls',
    COMPLIANCE_READERS,
  ),
  complianceAudits: ep<undefined, { limit?: number }, undefined, { audits: ComplianceAuditSummary[] }>(
    'GET',
    '/api/v1/compliance/audits',
    COMPLIANCE_READERS,
  ),
  complianceAudit: ep<
    { id: string },
    undefined,
    undefined,
    {
      id: string;
      reportHash: string;
      hashAlgorithm: string;
      auditIndex: number | null;
      report: ComplianceReport;
    }
  >('GET', '/api/v1/compliance/audits/:id', COMPLIANCE_READERS),
  runComplianceAudit: ep<
    undefined,
    { lang?: 'zh-CN' | 'en' },
    undefined,
    { id: string; at: string; score: number }
  >('POST', '/api/v1/compliance/audits', COMPLIANCE_OFFICERS),
  /** A file the browser downloads (a link, not a call). */
  complianceReport: ep<
    { id: string },
    { format: 'html' | 'json' | 'pdf'; lang: 'zh-CN' | 'en' },
    undefined,
    unknown
  >('GET', '/api/v1/compliance/audits/:id/report', COMPLIANCE_READERS),
  scorecardModels: ep<undefined, { status?: ModelStatus }, undefined, { models: ScorecardModel[] }>(
    'GET',
    '/api/v1/analytics/scorecard/models',
    SCORECARD_READERS,
  ),
  scorecardModel: ep<{ id: string }, undefined, undefined, ScorecardDetail>(
    'GET',
    '/api/v1/analytics/scorecard/models/:id',
    SCORECARD_READERS,
  ),
  fitScorecard: ep<undefined, undefined, ScorecardFit, ScorecardDetail>(
    'POST',
    '/api/v1/analytics/scorecard/models',
    ['analyst'],
  ),
  approveScorecard: ep<{ id: string }, undefined, { reason?: string }, ScorecardModel>(
    'POST',
    '/api/v1/analytics/scorecard/models/:id/approve',
    ['compliance_officer'],
  ),
  rejectScorecard: ep<{ id: string }, undefined, { reason?: string }, ScorecardModel>(
    'POST',
    '/api/v1/analytics/scorecard/models/:id/reject',
    ['compliance_officer'],
  ),
  complianceCapabilities: ep<
    undefined,
    undefined,
    undefined,
    { pdf: 'available' | 'unavailable'; pdfReason: string | null }
  >('GET', '/api/v1/compliance/capabilities', COMPLIANCE_READERS),
  complianceAttestations: ep<undefined, { control?: string }, undefined, { attestations: Attestation[] }>(
    'GET',
    '/api/v1/compliance/attestations',
    COMPLIANCE_READERS,
  ),
  shares: ep<undefined, { limit?: number }, undefined, { shares: Share[] }>(
    'GET',
    '/api/v1/shares',
    SHARE_READERS,
  ),
  /** Answers with the shared file (download it with `download`, not `call`). */
  createShare: ep<undefined, undefined, NewShare, unknown>('POST', '/api/v1/shares', SHARERS),
} as const;

export type Endpoints = typeof endpoints;

/** Whether a role may call an endpoint (navigation and buttons follow this; the server decides). */
export function allows(endpoint: { roles: readonly Role[] }, role: Role | undefined): boolean {
  return endpoint.roles.length === 0 || (role !== undefined && endpoint.roles.includes(role));
}
