// What a vulnerability and posture scan reports: findings (dependency, posture, api), each with a
// severity, evidence (names and counts, never a secret or a personal value) and a remediation in
// both languages; and what it could not check, with the reason — never a silent pass.

import { type Locale, type MessageKey, translate } from '../../domain/index.js';
import type { Severity } from '../monitoring/index.js';

export const SCAN_KINDS = ['dependency', 'posture', 'api'] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];
export const SCAN_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Severity[];

export type Localized = Record<Locale, string>;
export type ScanEvidence = Record<string, string | number | boolean>;

export interface ScanFinding {
  /** Stable across scans for the same problem: `kind:rule[:subject]`. */
  id: string;
  kind: ScanKind;
  rule: string;
  severity: Severity;
  title: Localized;
  evidence: ScanEvidence;
  remediation: Localized;
}

export interface CouldNotCheck {
  kind: ScanKind;
  /** Which check: `npm-audit`, `key-files`, `openapi`, `authenticated`. */
  check: string;
  reason: Localized;
  /** The technical cause (an error code or tool message, credentials removed). */
  detail?: string;
}

export interface ScanResult {
  id: string;
  at: string;
  actor: string;
  trigger: 'manual' | 'schedule';
  /** The parts this scan ran. */
  checked: ScanKind[];
  findings: ScanFinding[];
  couldNotCheck: CouldNotCheck[];
  counts: Record<Severity, number>;
  /** The API the self-check probed, when it ran. */
  target?: string;
}

/** Parts of a scan's outcome, as each part returns them. */
export interface ScanPart {
  findings: ScanFinding[];
  couldNotCheck: CouldNotCheck[];
}

export function localized(key: MessageKey, params: Record<string, string | number> = {}): Localized {
  return { 'zh-CN': translate('zh-CN', key, params), en: translate('en', key, params) };
}

/** A finding whose title and remediation are `scan.<rule>.title` / `.remediation` in the catalogues. */
export function finding(
  kind: ScanKind,
  rule: string,
  severity: Severity,
  evidence: ScanEvidence,
  subject?: string,
): ScanFinding {
  const params = Object.fromEntries(
    Object.entries(evidence).map(([key, value]) => [key, typeof value === 'boolean' ? String(value) : value]),
  );
  return {
    id: subject === undefined ? `${kind}:${rule}` : `${kind}:${rule}:${subject}`,
    kind,
    rule,
    severity,
    title: localized(`scan.${rule}.title` as MessageKey, params),
    evidence,
    remediation: localized(`scan.${rule}.remediation` as MessageKey, params),
  };
}

export function couldNotCheck(
  kind: ScanKind,
  check: string,
  reason: MessageKey,
  detail?: string,
  params: Record<string, string | number> = {},
): CouldNotCheck {
  return {
    kind,
    check,
    reason: localized(reason, params),
    ...(detail === undefined ? {} : { detail: withoutCredentials(detail).slice(0, 500) }),
  };
}

/** Removes `user:password@` from URLs in a tool's message (a registry URL may carry them). */
export function withoutCredentials(text: string): string {
  return text.replace(/(\w+:\/\/)[^/\s@]+@/g, '$1');
}

const ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function bySeverity(a: ScanFinding, b: ScanFinding): number {
  return ORDER[a.severity] - ORDER[b.severity] || a.id.localeCompare(b.id);
}

export function countBySeverity(findings: readonly ScanFinding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/** Whether any finding is at or above `threshold` (`custos scan --fail-on`). */
export function reaches(findings: readonly ScanFinding[], threshold: Severity): boolean {
  return findings.some((f) => ORDER[f.severity] <= ORDER[threshold]);
}
