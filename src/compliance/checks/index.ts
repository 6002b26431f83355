// The registry of automated checks, by the name the catalogue's `check:` field uses.

import type { Check } from './check.js';
import {
  consentCoversStoredSubjects,
  consentNoticeVersion,
  crossBorderSeparateConsent,
  separateConsentForSensitive,
  sharingHasVendorContractConsent,
  withdrawnConsentRespected,
} from './consent.js';
import {
  adminNotAuditor,
  classificationConfirmed,
  clearAccessNeedsApproval,
  crossBorderMechanism,
  egressRestricted,
  everyStoredFieldGraded,
  highLevelNeedToKnow,
  lawfulBasisFitsSource,
  levelsNotBelowFloor,
  minimisationDeclared,
  nationalCryptography,
  noC3Stored,
  processorsHaveContracts,
  purposesHaveNoticeText,
  sensitiveFieldsDeclared,
} from './declarations.js';
import {
  disabledAccountsRevoked,
  grantsWithinMaxDuration,
  inactiveAccounts,
  protectionOfficerAppointed,
  secondFactorPrivileged,
  separationOfDuties,
  tokensBounded,
} from './identity.js';
import {
  auditLogVerifies,
  dataKeysRewrapped,
  impactAssessmentsComplete,
  impactAssessmentWhereRequired,
  importantDataRiskAssessed,
  incidentsClosed,
  incidentsNotified,
  kekRotated,
  noOverdueSubjectRequests,
  regularAudit,
  treeHeadWitnessed,
} from './records.js';
import { vulnerabilityScanRecent } from './scans.js';
import {
  erasureComplete,
  noPersonalDataInClear,
  quarantineReviewed,
  residualInformationCleared,
  retentionEnforced,
  sealedFieldsNotInClear,
  vendorAssessmentsValid,
} from './stored-data.js';

export * from './check.js';
export { HEAD_EXPORT_ACTIONS, sensitiveDatasets } from './records.js';

export const CHECKS: Readonly<Record<string, Check>> = {
  'lawful-basis-fits-source': lawfulBasisFitsSource,
  'consent-covers-stored-subjects': consentCoversStoredSubjects,
  'consent-notice-version': consentNoticeVersion,
  'withdrawn-consent-respected': withdrawnConsentRespected,
  'purposes-have-notice-text': purposesHaveNoticeText,
  'retention-enforced': retentionEnforced,
  'processors-have-contracts': processorsHaveContracts,
  'sharing-has-vendor-contract-consent': sharingHasVendorContractConsent,
  'sensitive-fields-declared': sensitiveFieldsDeclared,
  'separate-consent-for-sensitive': separateConsentForSensitive,
  'cross-border-mechanism': crossBorderMechanism,
  'cross-border-separate-consent': crossBorderSeparateConsent,
  'no-overdue-subject-requests': noOverdueSubjectRequests,
  'erasure-complete': erasureComplete,
  'classification-confirmed': classificationConfirmed,
  'no-personal-data-in-clear': noPersonalDataInClear,
  'clear-access-needs-approval': clearAccessNeedsApproval,
  'protection-officer-appointed': protectionOfficerAppointed,
  'regular-audit': regularAudit,
  'impact-assessment-where-required': impactAssessmentWhereRequired,
  'impact-assessments-complete': impactAssessmentsComplete,
  'incidents-notified': incidentsNotified,
  'every-stored-field-graded': everyStoredFieldGraded,
  'audit-log-verifies': auditLogVerifies,
  'tree-head-witnessed': treeHeadWitnessed,
  'incidents-closed': incidentsClosed,
  'important-data-risk-assessed': importantDataRiskAssessed,
  'no-c3-stored': noC3Stored,
  'sealed-fields-not-in-clear': sealedFieldsNotInClear,
  'vendor-assessments-valid': vendorAssessmentsValid,
  'quarantine-reviewed': quarantineReviewed,
  'levels-not-below-floor': levelsNotBelowFloor,
  'high-level-need-to-know': highLevelNeedToKnow,
  'tokens-bounded': tokensBounded,
  'second-factor-privileged': secondFactorPrivileged,
  'inactive-accounts': inactiveAccounts,
  'separation-of-duties': separationOfDuties,
  'admin-not-auditor': adminNotAuditor,
  'grants-within-max-duration': grantsWithinMaxDuration,
  'disabled-accounts-revoked': disabledAccountsRevoked,
  'egress-restricted': egressRestricted,
  'national-cryptography': nationalCryptography,
  'kek-rotated': kekRotated,
  'data-keys-rewrapped': dataKeysRewrapped,
  'residual-information-cleared': residualInformationCleared,
  'minimisation-declared': minimisationDeclared,
  'vulnerability-scan-recent': vulnerabilityScanRecent,
};

/** Checks that report not_applicable on this build because the feature they read is absent. */
export const AWAITING_FEATURES: Readonly<Record<string, string>> = {};
