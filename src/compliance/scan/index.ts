// Public face of vulnerability and posture scans (issue 19 item 5, docs/security.md).
export { type ApiSelfCheckOptions, EXPECTED_PUBLIC, selfCheckApi } from './api-self-check.js';
export {
  auditDependencies,
  type DependencyAuditOptions,
  PACKAGE_ROOT,
  parseNpmAudit,
} from './dependency-audit.js';
export { checkPosture, DEMO_MASTER_SECRET } from './posture.js';
export {
  type CouldNotCheck,
  reaches,
  SCAN_KINDS,
  SCAN_SEVERITIES,
  type ScanFinding,
  type ScanKind,
  type ScanResult,
} from './scan-result.js';
export { checkScanSchedule, startScanScheduler } from './scan-scheduler.js';
export { type ScanOptions, ScanService, type ScanSummary } from './scan-service.js';
