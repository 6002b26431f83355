// Public face of compliance: the controls catalogue, automated checks, audit runs and reports,
// impact assessments, vendor reviews, the incident register, records and regulator packages.

export {
  CATALOGUE_DIR,
  type Catalogue,
  type Control,
  catalogueFileSchema,
  controlSchema,
  defaultCatalogue,
  FRAMEWORKS,
  type Framework,
  type Localized,
  loadCatalogue,
} from './catalogue.js';
export {
  AWAITING_FEATURES,
  CHECK_STATUSES,
  CHECKS,
  type CheckContext,
  type CheckResult,
  type CheckStatus,
  type Evidence,
} from './checks/index.js';
export {
  type AuditReport,
  type AuditSummary,
  type ControlResult,
  createCheckContext,
  REPORT_FORMAT,
  type StoredAudit,
  scoreOf,
  summaryOf,
} from './compliance-audit.js';
export {
  type Attestation,
  type AttestationView,
  type ComplianceCapabilities,
  ComplianceService,
  type ControlView,
} from './compliance-service.js';
export {
  ASSESSMENT_KINDS,
  type ImpactAssessment,
  type NewImpactAssessment,
  PIA_TRIGGERS,
} from './impact-assessment.js';
export { INCIDENT_SEVERITIES, type Incident, type NewIncident } from './incident-register.js';
export type { ProcessingRecord } from './processing-record.js';
export type { PackageManifest } from './regulator-package.js';
export { renderReportHtml } from './report-html.js';
export { findChromium } from './report-pdf.js';
export { checkAuditSchedule, startAuditScheduler } from './scheduler.js';
export {
  SHARE_REFUSALS,
  type Share,
  type ShareRefusal,
  ShareRefusedError,
  type ShareRequest,
  type ShareSummary,
  ThirdPartyShareService,
  WITHOUT_CONSENT,
  type WithoutConsent,
} from './third-party-share.js';
export {
  VENDOR_QUESTIONS,
  VENDOR_RESULTS,
  type VendorReview,
  type VendorStanding,
  vendorRefusal,
  vendorStanding,
} from './vendor-review.js';
