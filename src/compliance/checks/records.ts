// Checks over the audit log, keys, assessments, incidents and the audits themselves.

import { parseEntry } from '../../audit/index.js';
import { isPastDeadline } from '../../domain/index.js';
import { OPEN_STATUSES } from '../../governance/subject-request-service.js';
import { modelledDatasets, piaTriggers, RETENTION_YEARS } from '../impact-assessment.js';
import {
  type Check,
  type CheckContext,
  DAY_MS,
  daysBefore,
  failIfAny,
  notApplicable,
  pass,
  warn,
} from './check.js';
import { fieldGrades } from './declarations.js';

/** Audit actions that hand a signed tree head to someone outside (a witness, a regulator). */
export const HEAD_EXPORT_ACTIONS = ['audit.head_export', 'compliance.package'] as const;

// DSL Art. 27 / GB/T 22239 security audit: the whole log recomputes to every signed head.
export const auditLogVerifies: Check = async (ctx) => {
  const report = await ctx.verifyAuditLog();
  if (report.ok)
    return pass({ treeSize: report.treeSize, headsChecked: report.headsChecked, rootHash: report.rootHash });
  return {
    status: 'fail',
    evidence: {
      treeSize: report.treeSize,
      headsChecked: report.headsChecked,
      problem: report.problem ? { kind: report.problem.kind, index: report.problem.index } : null,
    },
  };
};

// DSL Art. 27 monitoring: a tree head left the building within compliance.treeHeadExportDays.
export const treeHeadWitnessed: Check = async (ctx) => {
  const days = ctx.workspace.config.compliance.treeHeadExportDays;
  let latest: { index: number; time: string; action: string } | undefined;
  for (const action of HEAD_EXPORT_ACTIONS) {
    const row = await ctx.db
      .selectFrom('audit_entries')
      .select(['idx', 'entry'])
      .where('entry', 'like', `%"action":"${action}"%`)
      .orderBy('idx', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) continue;
    const entry = parseEntry(row.entry);
    // The LIKE may match text inside details; only the entry's own action counts.
    if (entry.action !== action) continue;
    if (!latest || entry.time > latest.time) latest = { index: Number(row.idx), time: entry.time, action };
  }
  if (!latest) return { status: 'fail', evidence: { lastExport: null, withinDays: days } };
  const evidence = {
    lastExport: latest.time,
    entryIndex: latest.index,
    action: latest.action,
    withinDays: days,
  };
  return latest.time >= daysBefore(ctx.now, days) ? pass(evidence) : { status: 'fail', evidence };
};

// PIPL Art. 54: audits are regular — the previous one is within compliance.auditIntervalDays.
export const regularAudit: Check = async (ctx) => {
  const days = ctx.workspace.config.compliance.auditIntervalDays;
  const previous = ctx.previousAudit;
  if (!previous) return warn({ previousAudit: null, intervalDays: days });
  const evidence = { previousAudit: previous.id, previousAt: previous.at, intervalDays: days };
  return previous.at >= daysBefore(ctx.now, days) ? pass(evidence) : { status: 'fail', evidence };
};

/** Datasets holding a sensitive field (declared or classified). */
export async function sensitiveDatasets(ctx: CheckContext): Promise<Set<string>> {
  return new Set((await fieldGrades(ctx)).filter((g) => g.isSensitive).map((g) => g.dataset));
}

// PIPL Art. 55: every triggering dataset has an approved assessment from the last three years.
export const impactAssessmentWhereRequired: Check = async (ctx) => {
  const triggers = piaTriggers(ctx.workspace, await sensitiveDatasets(ctx), await modelledDatasets(ctx.db));
  if (triggers.size === 0) return notApplicable({ datasetsNeedingAssessment: 0 });
  const since = new Date(ctx.now.getTime());
  since.setUTCFullYear(since.getUTCFullYear() - RETENTION_YEARS);
  const approved = await ctx.db
    .selectFrom('impact_assessments')
    .select(['id', 'datasets'])
    .where('kind', '=', 'pia')
    .where('status', '=', 'approved')
    .where('decided_at', '>=', since.toISOString())
    .execute();
  const covered = new Set(approved.flatMap((a) => JSON.parse(a.datasets) as string[]));
  const missing = [...triggers]
    .filter(([d]) => !covered.has(d))
    .map(([dataset, t]) => ({ dataset, triggers: t }));
  return failIfAny(missing, 'datasetsWithoutAssessment', {
    datasetsNeedingAssessment: triggers.size,
    approvedAssessments: approved.map((a) => a.id),
  });
};

// PIPL Art. 56: approved assessments are complete and decided by someone other than their author.
export const impactAssessmentsComplete: Check = async (ctx) => {
  const approved = await ctx.db
    .selectFrom('impact_assessments')
    .selectAll()
    .where('status', '=', 'approved')
    .execute();
  if (approved.length === 0) return notApplicable({ approvedAssessments: 0 });
  const problems = approved.flatMap((a) => {
    const defects = [
      a.scope.trim() === '' ? 'no_scope' : [],
      (JSON.parse(a.risks) as unknown[]).length === 0 ? 'no_risks' : [],
      (JSON.parse(a.measures) as unknown[]).length === 0 ? 'no_measures' : [],
      a.approver === null || a.approver === a.author ? 'not_independently_approved' : [],
      a.retain_until === null ? 'no_retention_date' : [],
    ].flat();
    return defects.length > 0 ? [{ assessmentId: a.id, defects }] : [];
  });
  return failIfAny(problems, 'assessments', { approvedAssessments: approved.length });
};

// DSL Art. 30: datasets holding level-5 (important) data have an approved risk assessment < 1 year old.
export const importantDataRiskAssessed: Check = async (ctx) => {
  const important = new Set((await fieldGrades(ctx)).filter((g) => g.level >= 5).map((g) => g.dataset));
  if (important.size === 0) return notApplicable({ datasetsWithLevel5: 0 });
  const assessed = await ctx.db
    .selectFrom('impact_assessments')
    .select('datasets')
    .where('kind', '=', 'risk')
    .where('status', '=', 'approved')
    .where('decided_at', '>=', daysBefore(ctx.now, 365))
    .execute();
  const covered = new Set(assessed.flatMap((a) => JSON.parse(a.datasets) as string[]));
  return failIfAny(
    [...important].filter((d) => !covered.has(d)),
    'datasetsWithoutRiskAssessment',
    { datasetsWithLevel5: [...important] },
  );
};

// PIPL Art. 57: incidents notified to the regulator (and to subjects, when any are affected) in time.
export const incidentsNotified: Check = async (ctx) => {
  const hours = ctx.workspace.config.compliance.incidentNotificationHours;
  const due = new Date(ctx.now.getTime() - hours * 3_600_000).toISOString();
  const incidents = await ctx.db.selectFrom('incidents').selectAll().execute();
  const late = incidents.flatMap((i) => {
    const missing = [
      i.regulator_notified_at === null ? 'regulator' : [],
      i.subjects_notified_at === null && Number(i.subjects_affected) > 0 ? 'subjects' : [],
    ].flat();
    return missing.length > 0 && i.detected_at < due ? [{ incidentId: i.id, notYetNotified: missing }] : [];
  });
  return failIfAny(late, 'incidents', { incidents: incidents.length, notifyWithinHours: hours });
};

// DSL Art. 29: no incident open for more than 30 days.
export const incidentsClosed: Check = async (ctx) => {
  const stale = await ctx.db
    .selectFrom('incidents')
    .select(['id', 'detected_at'])
    .where('status', '=', 'open')
    .where('detected_at', '<', daysBefore(ctx.now, 30))
    .execute();
  return failIfAny(
    stale.map((i) => i.id),
    'incidentIds',
  );
};

// PIPL Art. 44–48 / 50: no data-subject request still open past its deadline — the register's
// own rule (OPEN_STATUSES, isPastDeadline). Evidence: request ids, types and deadlines.
export const noOverdueSubjectRequests: Check = async (ctx) => {
  const open = await ctx.db
    .selectFrom('subject_requests')
    .select(['id', 'type', 'deadline_at'])
    .where('status', 'in', [...OPEN_STATUSES])
    .orderBy('deadline_at')
    .orderBy('id')
    .execute();
  const overdue = open
    .filter((r) => isPastDeadline(r.deadline_at, ctx.now))
    .map((r) => ({ requestId: r.id, type: r.type, deadlineAt: r.deadline_at }));
  return failIfAny(overdue, 'overdueRequests', { openRequests: open.length });
};

// GB/T 22239 confidentiality: the current KEK is younger than compliance.kekRotationDays.
export const kekRotated: Check = async (ctx) => {
  const status = await ctx.keyStatus();
  const days = ctx.workspace.config.compliance.kekRotationDays;
  if ('unavailable' in status) return warn({ reason: status.unavailable, rotationDays: days });
  const current = status.versions.find((v) => v.version === status.currentVersion);
  const createdAt = current?.createdAt ?? null;
  const ageDays =
    createdAt === null ? null : Math.floor((ctx.now.getTime() - Date.parse(createdAt)) / DAY_MS);
  const evidence = { currentVersion: status.currentVersion, createdAt, ageDays, rotationDays: days };
  return ageDays !== null && ageDays <= days ? pass(evidence) : { status: 'fail', evidence };
};

// GB/T 22239 confidentiality: no data key waits to be rewrapped under the current KEK.
export const dataKeysRewrapped: Check = async (ctx) => {
  const status = await ctx.keyStatus();
  if ('unavailable' in status) return warn({ reason: status.unavailable });
  const evidence = {
    currentVersion: status.currentVersion,
    dataKeys: status.dataKeys,
    pendingRewrap: status.pendingRewrap,
  };
  return status.pendingRewrap > 0 ? warn(evidence) : pass(evidence);
};
