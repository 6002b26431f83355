// Personal-information protection impact assessments (PIPL Art. 55–56) and risk assessments of
// important data (DSL Art. 30): what triggers one (read from the declarations), the records
// (scope, risks, measures, approval by someone other than the author) and their retention of at
// least three years: a decided assessment is never altered, and is deleted only after its period.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type AuditTrail,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';

/** PIPL Art. 55's situations, as Custos reads them from the declarations. */
export const PIA_TRIGGERS = [
  'sensitive_pi',
  'automated_decisions',
  'provision_to_others',
  'cross_border',
] as const;
export type PiaTrigger = (typeof PIA_TRIGGERS)[number];

export const ASSESSMENT_KINDS = ['pia', 'risk'] as const;
export type AssessmentKind = (typeof ASSESSMENT_KINDS)[number];

/** Art. 56: records kept at least three years. */
export const RETENTION_YEARS = 3;

export interface ImpactAssessment {
  id: string;
  kind: AssessmentKind;
  title: string;
  datasets: string[];
  triggers: PiaTrigger[];
  scope: string;
  risks: string[];
  measures: string[];
  status: 'draft' | 'approved' | 'rejected';
  author: string;
  approver: string | null;
  createdAt: string;
  decidedAt: string | null;
  retainUntil: string | null;
}

export interface NewImpactAssessment {
  kind?: AssessmentKind;
  title: string;
  datasets: string[];
  scope: string;
  risks: string[];
  measures: string[];
}

/**
 * The Art. 55 triggers of each dataset: sensitive PI (any field flagged sensitive, declared or
 * classified), automated decisions, provision to others (sharing, or an entrusted processor as
 * vendor), cross-border provision. Datasets with none are absent.
 */
export function piaTriggers(
  workspace: Workspace,
  sensitiveDatasets: ReadonlySet<string>,
  modelledDatasets: ReadonlySet<string> = new Set(),
): Map<string, PiaTrigger[]> {
  const out = new Map<string, PiaTrigger[]>();
  for (const dataset of workspace.datasets) {
    const triggers: PiaTrigger[] = [];
    const isSensitive =
      sensitiveDatasets.has(dataset.name) ||
      Object.values(dataset.fields).some((f) => f.isSensitive === true);
    if (isSensitive) triggers.push('sensitive_pi');
    // Declared, or an analytics model (credit scorecard) fitted on it that is not rejected.
    if (dataset.automatedDecisions || modelledDatasets.has(dataset.name))
      triggers.push('automated_decisions');
    const vendor = workspace.vendors.find((v) => v.name === dataset.vendor);
    if (dataset.sharing.length > 0 || vendor?.relationship === 'processor')
      triggers.push('provision_to_others');
    if (dataset.crossBorder.length > 0) triggers.push('cross_border');
    if (triggers.length > 0) out.set(dataset.name, triggers);
  }
  return out;
}

/**
 * Datasets on which an analytics model (a credit scorecard) is fitted and not rejected: automated
 * decision-making in analytics (PIPL Art. 24, 55), whether or not the declaration says so.
 */
export async function modelledDatasets(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db
    .selectFrom('analytics_models')
    .select('dataset')
    .where('status', '!=', 'rejected')
    .distinct()
    .execute();
  return new Set(rows.map((r) => r.dataset));
}

/** The end of an assessment's retention: three years after its decision (Art. 56). */
export function retainUntil(decidedAt: Date): string {
  const until = new Date(decidedAt.getTime());
  until.setUTCFullYear(until.getUTCFullYear() + RETENTION_YEARS);
  return until.toISOString();
}

type Row = Awaited<ReturnType<typeof selectAll>>[number];
function selectAll(db: Kysely<Database>) {
  return db.selectFrom('impact_assessments').selectAll().orderBy('created_at', 'desc').execute();
}

function toAssessment(r: Row): ImpactAssessment {
  return {
    id: r.id,
    kind: r.kind as AssessmentKind,
    title: r.title,
    datasets: JSON.parse(r.datasets) as string[],
    triggers: JSON.parse(r.triggers) as PiaTrigger[],
    scope: r.scope,
    risks: JSON.parse(r.risks) as string[],
    measures: JSON.parse(r.measures) as string[],
    status: r.status as ImpactAssessment['status'],
    author: r.author,
    approver: r.approver,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    retainUntil: r.retain_until,
  };
}

export class ImpactAssessmentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly workspace: Workspace,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<ImpactAssessment[]> {
    return (await selectAll(this.db)).map(toAssessment);
  }

  async get(id: string): Promise<ImpactAssessment> {
    const row = await this.db
      .selectFrom('impact_assessments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no impact assessment ${id}`, { id });
    return toAssessment(row);
  }

  /** Drafts an assessment; the triggers are those the declarations show for its datasets. */
  async create(
    input: NewImpactAssessment,
    author: string,
    sensitiveDatasets: ReadonlySet<string>,
  ): Promise<ImpactAssessment> {
    const known = new Set(this.workspace.datasets.map((d) => d.name));
    const unknown = input.datasets.filter((d) => !known.has(d));
    if (input.datasets.length === 0 || unknown.length > 0)
      throw new ValidationError(
        input.datasets.length === 0
          ? 'an assessment covers at least one dataset'
          : `unknown dataset(s): ${unknown.join(', ')}`,
        { field: 'datasets' },
      );
    if (input.scope.trim() === '') throw new ValidationError('scope must not be empty', { field: 'scope' });
    const triggers = piaTriggers(this.workspace, sensitiveDatasets, await modelledDatasets(this.db));
    const found = [...new Set(input.datasets.flatMap((d) => triggers.get(d) ?? []))];
    const assessment: ImpactAssessment = {
      id: randomUUID(),
      kind: input.kind ?? 'pia',
      title: input.title,
      datasets: input.datasets,
      triggers: found,
      scope: input.scope,
      risks: input.risks,
      measures: input.measures,
      status: 'draft',
      author,
      approver: null,
      createdAt: this.now().toISOString(),
      decidedAt: null,
      retainUntil: null,
    };
    await this.db
      .insertInto('impact_assessments')
      .values({
        id: assessment.id,
        kind: assessment.kind,
        title: assessment.title,
        datasets: JSON.stringify(assessment.datasets),
        triggers: JSON.stringify(found),
        scope: assessment.scope,
        risks: JSON.stringify(assessment.risks),
        measures: JSON.stringify(assessment.measures),
        status: 'draft',
        author,
        approver: null,
        created_at: assessment.createdAt,
        decided_at: null,
        retain_until: null,
      })
      .execute();
    await this.audit.record([
      {
        actor: author,
        action: 'compliance.pia_create',
        target: `pia:${assessment.id}`,
        details: { kind: assessment.kind, datasets: assessment.datasets, triggers: found },
      },
    ]);
    return assessment;
  }

  /**
   * Revises a draft (its triggers read again from the declarations). A decided assessment is a
   * record: never overwritten — an approved one within its three years says so (Art. 56).
   */
  async revise(
    id: string,
    input: NewImpactAssessment,
    actor: string,
    sensitiveDatasets: ReadonlySet<string>,
  ): Promise<ImpactAssessment> {
    const current = await this.get(id);
    this.refuseIfKept(current, 'overwritten');
    if (current.status !== 'draft')
      throw new ConflictError(
        `impact assessment ${id} is ${current.status} and cannot be revised; draft a new one`,
        {
          id,
        },
      );
    const known = new Set(this.workspace.datasets.map((d) => d.name));
    const unknown = input.datasets.filter((d) => !known.has(d));
    if (input.datasets.length === 0 || unknown.length > 0)
      throw new ValidationError(
        input.datasets.length === 0
          ? 'an assessment covers at least one dataset'
          : `unknown dataset(s): ${unknown.join(', ')}`,
        { field: 'datasets' },
      );
    if (input.scope.trim() === '') throw new ValidationError('scope must not be empty', { field: 'scope' });
    const triggers = piaTriggers(this.workspace, sensitiveDatasets, await modelledDatasets(this.db));
    const found = [...new Set(input.datasets.flatMap((d) => triggers.get(d) ?? []))];
    await this.db
      .updateTable('impact_assessments')
      .set({
        kind: input.kind ?? current.kind,
        title: input.title,
        datasets: JSON.stringify(input.datasets),
        triggers: JSON.stringify(found),
        scope: input.scope,
        risks: JSON.stringify(input.risks),
        measures: JSON.stringify(input.measures),
      })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .execute();
    await this.audit.record([
      {
        actor,
        action: 'compliance.pia_revise',
        target: `pia:${id}`,
        details: { datasets: input.datasets, triggers: found },
      },
    ]);
    return this.get(id);
  }

  /**
   * Deletes an assessment: a draft at any time, a decided one only once its retention period
   * (three years from the decision, Art. 56) has passed. Retention sweeps never delete them.
   */
  async delete(id: string, actor: string): Promise<void> {
    const current = await this.get(id);
    this.refuseIfKept(current, 'deleted');
    await this.db.deleteFrom('impact_assessments').where('id', '=', id).execute();
    await this.audit.record([
      {
        actor,
        action: 'compliance.pia_delete',
        target: `pia:${id}`,
        details: { status: current.status, decidedAt: current.decidedAt, retainUntil: current.retainUntil },
      },
    ]);
  }

  /** Refuses to alter a decided assessment still within its retention period. */
  private refuseIfKept(current: ImpactAssessment, what: 'deleted' | 'overwritten'): void {
    if (current.status === 'draft') return;
    const until = current.retainUntil ?? retainUntil(new Date(current.decidedAt ?? current.createdAt));
    if (this.now().toISOString() < until)
      throw new ConflictError(
        `impact assessment ${current.id} was ${current.status} on ${(current.decidedAt ?? current.createdAt).slice(0, 10)} and is kept unaltered until ${until.slice(0, 10)} (PIPL Art. 56: at least ${RETENTION_YEARS} years); it cannot be ${what}`,
        { id: current.id, status: current.status, retainUntil: until },
      );
  }

  /** Approves or rejects a draft; the approver is never its author (maker-checker). */
  async decide(id: string, decision: 'approved' | 'rejected', approver: string): Promise<ImpactAssessment> {
    const current = await this.get(id);
    if (current.status !== 'draft')
      throw new ConflictError(`impact assessment ${id} is already ${current.status}`);
    if (current.author === approver)
      throw new ForbiddenError('the author of an impact assessment cannot decide it', { id });
    if (decision === 'approved' && (current.risks.length === 0 || current.measures.length === 0))
      throw new ValidationError('an approved assessment names its risks and measures', { field: 'risks' });
    const decidedAt = this.now();
    await this.db
      .updateTable('impact_assessments')
      .set({
        status: decision,
        approver,
        decided_at: decidedAt.toISOString(),
        retain_until: retainUntil(decidedAt),
      })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .execute();
    await this.audit.record([
      { actor: approver, action: 'compliance.pia_decide', target: `pia:${id}`, details: { decision } },
    ]);
    return this.get(id);
  }
}
