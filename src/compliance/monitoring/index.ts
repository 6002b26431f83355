// Public face of security monitoring: rules, alerts, delivery, the monitor.
export {
  type Alert,
  type AlertFinding,
  type AlertRule,
  AlertService,
  type AlertStatus,
} from './alert-service.js';
export {
  type AuditVerificationResult,
  AuditVerificationService,
  startAuditVerificationSchedule,
} from './audit-verification.js';
export { type MonitorRun, SecurityMonitor } from './monitor.js';
export { deliverEmail, deliverWebhook, webhookSignature } from './notifier.js';
export {
  evaluateRules,
  type Finding,
  isWithinWorkingHours,
  type RuleName,
  type Severity,
} from './rules.js';
