// An audit run (PIPL Art. 54): every control of the catalogue evaluated — automated ones by their
// check over live evidence, attested ones by a current attestation, manual ones left to a person —
// scored per framework, compared with the previous audit, stored (the JSON exactly as hashed) and
// its hash (SHA-256, or SM3 under the `sm` suite) appended to the audit log, so the report can
// later be proven unaltered with an inclusion proof of that entry.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AUDIT_TRUST_FILE, type AuditLog, canonicalJson, readTrustFile, verifyLog } from '../audit/index.js';
import { digestOne } from '../crypto/index.js';
import { CustosError, IntegrityError, type Locale, NotFoundError } from '../domain/index.js';
import type { KeyService, KeyStatus } from '../governance/index.js';
import type { Store } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';
import { type Catalogue, type Control, FRAMEWORKS, type Framework, type Localized } from './catalogue.js';
import {
  CHECKS,
  type CheckContext,
  type CheckResult,
  type CheckStatus,
  type Evidence,
} from './checks/index.js';

export const REPORT_FORMAT = 'custos.compliance.report/1';

export interface ControlResult {
  id: string;
  framework: Framework;
  clause: string;
  kind: Control['kind'];
  severity: Control['severity'];
  status: CheckStatus;
  evidence: Evidence;
  title: Localized;
  remediation: Localized;
}

export interface FrameworkScore {
  framework: Framework;
  /** 0–100 with one decimal; null when no control of it could be scored. */
  score: number | null;
  counts: Record<CheckStatus, number>;
}

export interface AuditReport {
  format: typeof REPORT_FORMAT;
  id: string;
  at: string;
  actor: string;
  trigger: 'manual' | 'schedule';
  organisation: string;
  score: number;
  frameworks: FrameworkScore[];
  previous: { id: string; at: string; score: number } | null;
  trend: {
    scoreDelta: number | null;
    frameworks: Partial<Record<Framework, number | null>>;
    newlyFailing: string[];
    resolved: string[];
  };
  /** Failing first, then warnings, manual, passing, not applicable; by severity within each. */
  controls: ControlResult[];
}

export interface StoredAudit {
  id: string;
  at: string;
  actor: string;
  trigger: string;
  score: number;
  reportHash: string;
  hashAlgorithm: string;
  auditIndex: number | null;
  report: AuditReport;
  /** The stored JSON text, exactly as hashed. */
  reportText: string;
}

/** The shape `custos compliance audit --json` prints (issue 18). */
export interface AuditSummary {
  id: string;
  at: string;
  score: number;
  controls: Array<{
    id: string;
    framework: string;
    clause: string;
    status: CheckStatus;
    evidence: Evidence;
    remediation: string;
  }>;
}

export interface AuditDeps {
  workspace: Workspace;
  store: Store;
  audit: AuditLog;
  catalogue: Catalogue;
  /** The key service, when this process has the master secret. */
  keys?: () => KeyService;
  now?: () => Date;
}

const STATUS_ORDER: Record<CheckStatus, number> = { fail: 0, warn: 1, manual: 2, pass: 3, not_applicable: 4 };
const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 } as const;
const POINTS: Partial<Record<CheckStatus, number>> = { pass: 1, warn: 0.5, fail: 0 };

/** 0–100 with one decimal over the scored statuses (manual and not applicable do not count). */
export function scoreOf(statuses: readonly CheckStatus[]): number | null {
  const scored = statuses.filter((s) => POINTS[s] !== undefined);
  if (scored.length === 0) return null;
  const points = scored.reduce((sum, s) => sum + (POINTS[s] ?? 0), 0);
  return Math.round((points / scored.length) * 1000) / 10;
}

export async function runComplianceAudit(
  deps: AuditDeps,
  options: { actor: string; trigger: 'manual' | 'schedule' },
): Promise<StoredAudit> {
  const now = (deps.now ?? (() => new Date()))();
  const previousRow = await deps.store.db
    .selectFrom('compliance_audits')
    .select(['id', 'at', 'report'])
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const previous = previousRow ? (JSON.parse(previousRow.report) as AuditReport) : undefined;
  const ctx = createCheckContext(deps, now, previous ? { id: previous.id, at: previous.at } : undefined);
  const today = now.toISOString();
  const attestations = await deps.store.db
    .selectFrom('compliance_attestations')
    .select(['id', 'control_id', 'attested_by', 'valid_until'])
    .where('valid_until', '>=', today.slice(0, 10))
    .orderBy('attested_at', 'desc')
    .execute();

  const controls: ControlResult[] = [];
  for (const control of deps.catalogue.controls) {
    const result = await evaluate(control, ctx, attestations);
    controls.push({
      id: control.id,
      framework: control.framework,
      clause: control.clause,
      kind: control.kind,
      severity: control.severity,
      status: result.status,
      evidence: result.evidence,
      title: control.title,
      remediation: control.remediation,
    });
  }
  controls.sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.id.localeCompare(b.id),
  );
  const frameworks = FRAMEWORKS.filter((f) => controls.some((c) => c.framework === f)).map((framework) => {
    const statuses = controls.filter((c) => c.framework === framework).map((c) => c.status);
    const counts = { pass: 0, fail: 0, warn: 0, manual: 0, not_applicable: 0 };
    for (const s of statuses) counts[s] += 1;
    return { framework, score: scoreOf(statuses), counts };
  });
  const score = scoreOf(controls.map((c) => c.status)) ?? 0;
  const failing = (list: readonly ControlResult[]) =>
    new Set(list.filter((c) => c.status === 'fail').map((c) => c.id));
  const nowFailing = failing(controls);
  const beforeFailing = previous ? failing(previous.controls) : new Set<string>();
  const report: AuditReport = {
    format: REPORT_FORMAT,
    id: randomUUID(),
    at: now.toISOString(),
    actor: options.actor,
    trigger: options.trigger,
    organisation: deps.workspace.config.organisation.name,
    score,
    frameworks,
    previous: previous ? { id: previous.id, at: previous.at, score: previous.score } : null,
    trend: {
      scoreDelta: previous ? Math.round((score - previous.score) * 10) / 10 : null,
      frameworks: Object.fromEntries(
        frameworks.map((f) => {
          const before = previous?.frameworks.find((p) => p.framework === f.framework)?.score;
          return [
            f.framework,
            before === undefined || before === null || f.score === null
              ? null
              : Math.round((f.score - before) * 10) / 10,
          ];
        }),
      ),
      newlyFailing: previous ? [...nowFailing].filter((id) => !beforeFailing.has(id)).sort() : [],
      resolved: [...beforeFailing].filter((id) => !nowFailing.has(id)).sort(),
    },
    controls,
  };
  const reportText = canonicalJson(report);
  const hashAlgorithm = deps.audit.hashAlgorithm;
  const reportHash = digestOne(hashAlgorithm, Buffer.from(reportText, 'utf8')).toString('hex');
  await deps.store.db
    .insertInto('compliance_audits')
    .values({
      id: report.id,
      at: report.at,
      actor: options.actor,
      trigger: options.trigger,
      score: Math.round(score * 10),
      report: reportText,
      report_hash: reportHash,
      hash_algorithm: hashAlgorithm,
      audit_index: null,
    })
    .execute();
  const head = await deps.audit.append([
    {
      actor: options.actor,
      action: 'compliance.audit',
      target: `compliance_audit:${report.id}`,
      details: {
        reportHash,
        hashAlgorithm,
        score: Math.round(score * 10),
        failing: nowFailing.size,
        controls: controls.length,
      },
    },
  ]);
  const auditIndex = head.treeSize - 1;
  await deps.store.db
    .updateTable('compliance_audits')
    .set({ audit_index: auditIndex })
    .where('id', '=', report.id)
    .execute();
  return {
    id: report.id,
    at: report.at,
    actor: options.actor,
    trigger: options.trigger,
    score,
    reportHash,
    hashAlgorithm,
    auditIndex,
    report,
    reportText,
  };
}

/** The facts every check reads, with the audit log verified and the key status read at most once. */
export function createCheckContext(
  deps: Omit<AuditDeps, 'catalogue' | 'now'>,
  now: Date,
  previousAudit?: { id: string; at: string },
): CheckContext {
  let verified: ReturnType<typeof verifyLog> | undefined;
  let keyStatus: Promise<KeyStatus | { unavailable: string }> | undefined;
  return {
    workspace: deps.workspace,
    store: deps.store,
    db: deps.store.db,
    audit: deps.audit,
    now,
    previousAudit,
    verifyAuditLog: () => {
      // Against the keys pinned in the workspace's trust file, never the database's own key table.
      verified ??= Promise.resolve().then(() =>
        verifyLog(deps.store, deps.audit.hashAlgorithm, {
          trust: readTrustFile(path.join(deps.workspace.dir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE),
        }),
      );
      return verified;
    },
    keyStatus: () => {
      keyStatus ??= readKeyStatus(deps.keys);
      return keyStatus;
    },
  };
}

async function evaluate(
  control: Control,
  ctx: CheckContext,
  attestations: ReadonlyArray<{ id: string; control_id: string; attested_by: string; valid_until: string }>,
): Promise<CheckResult> {
  if (control.kind === 'manual') return { status: 'manual', evidence: { kind: 'manual' } };
  if (control.kind === 'attested') {
    const current = attestations.find((a) => a.control_id === control.id);
    return current
      ? {
          status: 'pass',
          evidence: {
            attestationId: current.id,
            attestedBy: current.attested_by,
            validUntil: current.valid_until,
          },
        }
      : { status: 'manual', evidence: { attestation: null } };
  }
  const check = CHECKS[control.check!];
  if (!check) return { status: 'fail', evidence: { checkError: 'unknown_check', check: control.check } };
  try {
    return await check(ctx);
  } catch (error) {
    // A check that cannot run is not a pass: it fails, naming the error's code (its message may
    // quote a database value, so it stays out of the report).
    return {
      status: 'fail',
      evidence: {
        checkError: error instanceof CustosError ? error.code : ((error as Error).name ?? 'Error'),
      },
    };
  }
}

async function readKeyStatus(
  keys: (() => KeyService) | undefined,
): Promise<KeyStatus | { unavailable: string }> {
  if (!keys) return { unavailable: 'key service not available to this process' };
  try {
    return await keys().status();
  } catch (error) {
    if (error instanceof CustosError && error.code === 'config')
      return { unavailable: 'no master secret in this process (CUSTOS_MASTER_KEY)' };
    throw error;
  }
}

/** The issue's `--json` shape: remediation in one language. */
export function summaryOf(audit: StoredAudit, locale: Locale): AuditSummary {
  return {
    id: audit.id,
    at: audit.at,
    score: audit.score,
    controls: audit.report.controls.map((c) => ({
      id: c.id,
      framework: c.framework,
      clause: c.clause,
      status: c.status,
      evidence: c.evidence,
      remediation: c.remediation[locale],
    })),
  };
}

export async function listAudits(
  store: Store,
  limit = 50,
): Promise<Array<Omit<StoredAudit, 'report' | 'reportText'>>> {
  const rows = await store.db
    .selectFrom('compliance_audits')
    .select(['id', 'at', 'actor', 'trigger', 'score', 'report_hash', 'hash_algorithm', 'audit_index'])
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    trigger: r.trigger,
    score: Number(r.score) / 10,
    reportHash: r.report_hash,
    hashAlgorithm: r.hash_algorithm,
    auditIndex: r.audit_index === null ? null : Number(r.audit_index),
  }));
}

/** A stored audit by id, or the latest when `id` is undefined; its hash is re-checked on load. */
export async function loadAudit(store: Store, id?: string): Promise<StoredAudit> {
  let query = store.db.selectFrom('compliance_audits').selectAll().orderBy('at', 'desc').limit(1);
  if (id !== undefined) query = query.where('id', '=', id);
  const row = await query.executeTakeFirst();
  if (!row)
    throw new NotFoundError(
      id === undefined ? 'no compliance audit has run yet' : `no compliance audit ${id}`,
      { id },
    );
  const actual = digestOne(row.hash_algorithm as 'sha256' | 'sm3', Buffer.from(row.report, 'utf8')).toString(
    'hex',
  );
  if (actual !== row.report_hash)
    throw new IntegrityError(`stored report of audit ${row.id} no longer matches its hash`, { id: row.id });
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    trigger: row.trigger,
    score: Number(row.score) / 10,
    reportHash: row.report_hash,
    hashAlgorithm: row.hash_algorithm,
    auditIndex: row.audit_index === null ? null : Number(row.audit_index),
    report: JSON.parse(row.report) as AuditReport,
    reportText: row.report,
  };
}
