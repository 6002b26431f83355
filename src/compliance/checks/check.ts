// What an automated check is: a function over live evidence returning a status and the evidence
// it rests on — counts, ids, names of datasets and fields; never a data subject's value.

import type { Kysely } from 'kysely';
import type { AuditLog, VerifyReport } from '../../audit/index.js';
import type { KeyStatus } from '../../governance/index.js';
import type { Database, Store } from '../../store/index.js';
import type { Workspace } from '../../workspace/index.js';

export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'manual', 'not_applicable'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** Facts behind a result: counts, ids, dataset and field names. Never personal data. */
export type Evidence = Record<string, unknown>;

export interface CheckResult {
  status: CheckStatus;
  evidence: Evidence;
}

export interface CheckContext {
  workspace: Workspace;
  store: Store;
  db: Kysely<Database>;
  audit: AuditLog;
  now: Date;
  /** Key status, or a reason it could not be read (no master secret in this process). */
  keyStatus(): Promise<KeyStatus | { unavailable: string }>;
  /** The whole audit log verified once per audit run (several controls rest on it). */
  verifyAuditLog(): Promise<VerifyReport>;
  /** The audit before this one, if any. */
  previousAudit: { id: string; at: string } | undefined;
}

export type Check = (ctx: CheckContext) => Promise<CheckResult>;

export const pass = (evidence: Evidence = {}): CheckResult => ({ status: 'pass', evidence });
export const fail = (evidence: Evidence): CheckResult => ({ status: 'fail', evidence });
export const warn = (evidence: Evidence): CheckResult => ({ status: 'warn', evidence });
export const notApplicable = (evidence: Evidence): CheckResult => ({ status: 'not_applicable', evidence });

/** `fail` when `problems` is non-empty, else `pass`; evidence holds both the count and the list. */
export function failIfAny(problems: readonly unknown[], key: string, evidence: Evidence = {}): CheckResult {
  return problems.length > 0
    ? fail({ ...evidence, [key]: problems.slice(0, 50), count: problems.length })
    : pass({ ...evidence, count: 0 });
}

export const DAY_MS = 86_400_000;

export function daysBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

export function jsonList(text: string | null): string[] {
  if (text === null) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}
