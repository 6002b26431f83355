// Public face of security monitoring: rules, alerts, delivery, the monitor.
export {
  type Alert,
  type AlertFinding,
  type AlertRule,
  AlertService,
  type AlertStatus,
} from './alert-service.js';
export { type MonitorRun, SecurityMonitor } from './monitor.js';
export { deliverEmail, deliverWebhook, webhookSignature } from './notifier.js';
export { evaluateRules, type Finding, type RuleName, type Severity } from './rules.js';
