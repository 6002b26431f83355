// Public face of governance: identity (users, tokens, sessions), keys, access policy and masking,
// data-use approval and grants, data-subject requests and retention.

export {
  type AccessDecision,
  type AccessPrincipal,
  type AccessRules,
  evaluateAccess,
  type FieldDecision,
  type FieldFacts,
  matchesField,
  type Reason,
  type RefusalCode,
  reasonText,
  rolesOf,
} from './access-policy.js';
export {
  AccessPolicyService,
  type ExplainedField,
  type Explanation,
  type ReadPermission,
} from './access-policy-service.js';
export {
  type AccessRequest,
  AccessRequestService,
  canOversee,
  MAX_JUSTIFICATION,
  type NewAccessRequest,
  OVERSIGHT_ROLES,
} from './access-request-service.js';
export {
  type AcceptedNotices,
  acceptedNotices,
  type ConsentNeeds,
  type ConsentStanding,
  consentingSubjects,
  consentStanding,
  currentNotice,
} from './consent-check.js';
export {
  CONSENT_FILE_FORMATS,
  type ConsentFileFormat,
  type ConsentFileProblem,
  type ParsedConsentFile,
  parseConsentFile,
} from './consent-import.js';
export {
  applyConsentEvents,
  CONSENT_ACTIONS,
  type ConsentAction,
  type ConsentApplied,
  type ConsentChange,
  type ConsentEvent,
  type ConsentGrantInput,
  type ConsentHistoryEntry,
  ConsentLedger,
  type ConsentWithdrawalInput,
  MAX_CHANNEL,
  MAX_EVIDENCE,
  noticeVersionFor,
  type PurposeConsent,
  type SubjectConsents,
  subjectsWithoutConsent,
} from './consent-ledger.js';
export { type Grant, type GrantLookup, GrantService } from './grant-service.js';
export {
  IDLE_REWRAP,
  KeyRewrapLog,
  REWRAP_STALE_MS,
  type RewrapProgress,
  type RewrapState,
} from './key-rewrap-log.js';
export {
  KeyService,
  type KeyServiceOptions,
  type KeyStatus,
  type SealItem,
  sealFields,
} from './key-service.js';
export { applyMask, ENTITY_MASKS, needsClearValue } from './masks.js';
export {
  checkPasswordRules,
  DEFAULT_PASSWORD_POLICY,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  type PasswordPolicy,
  verifyPassword,
} from './password.js';
export { type DatasetExplanation, explainProcessing } from './processing-explanation.js';
export { Pseudonymiser } from './pseudonym.js';
export {
  EXPORT_CONTENT_TYPES,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOutcome,
  type RecordExport,
  RecordExporter,
  type RecordGate,
} from './record-export.js';
export {
  type ListOptions,
  type ReadOptions,
  type RecordItem,
  type RecordPageResult,
  RecordReadService,
  type Withheld,
} from './record-read-service.js';
export { type ReadableRecord, type RecordReader, SUBJECT_INDEX_FIELD } from './record-reader.js';
export {
  type DatasetRetention,
  type LegalHold,
  type RetentionReport,
  RetentionService,
  retentionCutoff,
} from './retention-service.js';
export { matchesRow } from './row-filter.js';
export {
  type Challenge,
  type CompletedSignIn,
  SecondFactorService,
} from './second-factor-service.js';
export { type SessionLimits, SessionService } from './session-service.js';
export { eraseSubject, type SubjectErasureResult } from './subject-erasure.js';
export { DSR_PURPOSE, type HeldRecord, type SubjectHoldings } from './subject-holdings.js';
export { subjectIdOf } from './subject-id.js';
export {
  CANCELLATION_REASONS,
  type ConsentWithdrawal,
  type Correction,
  DENIAL_REASONS,
  type NewSubjectRequest,
  OPEN_STATUSES,
  SUBJECT_REQUEST_ROLES,
  SUBJECT_REQUEST_STATUSES,
  SUBJECT_REQUEST_STEPS,
  SUBJECT_REQUEST_TYPES,
  type SubjectRequest,
  type SubjectRequestDocument,
  type SubjectRequestQuery,
  SubjectRequestService,
  type SubjectRequestStatus,
  type SubjectRequestType,
  VERIFICATION_METHODS,
  type VerificationMethod,
} from './subject-request-service.js';
export {
  type ApiToken,
  DEFAULT_TOKEN_TTL_MS,
  MAX_TOKEN_TTL_MS,
  TOKEN_NAME_PATTERN,
  TOKEN_PREFIX,
  TOKEN_SORT_KEYS,
  TOKEN_STATUSES,
  type TokenListOptions,
  TokenService,
  type TokenSortKey,
  type TokenStatus,
} from './token-service.js';
export {
  type NewUser,
  USER_SORT_KEYS,
  type User,
  type UserListOptions,
  UserService,
  type UserSortKey,
} from './user-service.js';
export { isWithinValidity } from './validity.js';
