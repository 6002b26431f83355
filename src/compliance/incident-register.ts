// The incident register (PIPL Art. 57, DSL Art. 29): what happened, when, how many subjects, which
// datasets, measures, and when the regulator and the subjects were notified — plus a notification
// draft in the terms Art. 57 lists (what, why, harm, measures, contact). Counts, never identities.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type AuditTrail,
  ConflictError,
  type Locale,
  NotFoundError,
  ValidationError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';

export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export interface Incident {
  id: string;
  title: string;
  description: string;
  occurredAt: string;
  detectedAt: string;
  subjectsAffected: number;
  datasets: string[];
  severity: (typeof INCIDENT_SEVERITIES)[number];
  measures: string;
  status: 'open' | 'closed';
  regulatorNotifiedAt: string | null;
  subjectsNotifiedAt: string | null;
  closedAt: string | null;
  createdBy: string;
  createdAt: string;
}

export interface NewIncident {
  title: string;
  description: string;
  occurredAt: string;
  detectedAt: string;
  subjectsAffected: number;
  datasets: string[];
  severity: Incident['severity'];
  measures: string;
}

export type IncidentUpdate =
  | { kind: 'notified'; who: 'regulator' | 'subjects'; at: string }
  | { kind: 'close'; measures: string };

function toIncident(r: Database['incidents']): Incident {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    occurredAt: r.occurred_at,
    detectedAt: r.detected_at,
    subjectsAffected: Number(r.subjects_affected),
    datasets: JSON.parse(r.datasets) as string[],
    severity: r.severity as Incident['severity'],
    measures: r.measures,
    status: r.status as Incident['status'],
    regulatorNotifiedAt: r.regulator_notified_at,
    subjectsNotifiedAt: r.subjects_notified_at,
    closedAt: r.closed_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

const isTime = (value: string) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value);

export class IncidentRegister {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly workspace: Workspace,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<Incident[]> {
    const rows = await this.db.selectFrom('incidents').selectAll().orderBy('detected_at', 'desc').execute();
    return rows.map(toIncident);
  }

  async get(id: string): Promise<Incident> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no incident ${id}`, { id });
    return toIncident(row);
  }

  async register(input: NewIncident, actor: string): Promise<Incident> {
    for (const field of ['occurredAt', 'detectedAt'] as const)
      if (!isTime(input[field]))
        throw new ValidationError(`${field} must be an ISO 8601 date-time`, { field });
    if (!Number.isSafeInteger(input.subjectsAffected) || input.subjectsAffected < 0)
      throw new ValidationError('subjectsAffected must be a non-negative integer', {
        field: 'subjectsAffected',
      });
    const known = new Set(this.workspace.datasets.map((d) => d.name));
    const unknown = input.datasets.filter((d) => !known.has(d));
    if (unknown.length > 0)
      throw new ValidationError(`unknown dataset(s): ${unknown.join(', ')}`, { field: 'datasets' });
    const id = randomUUID();
    const createdAt = this.now().toISOString();
    await this.db
      .insertInto('incidents')
      .values({
        id,
        title: input.title,
        description: input.description,
        occurred_at: new Date(input.occurredAt).toISOString(),
        detected_at: new Date(input.detectedAt).toISOString(),
        subjects_affected: input.subjectsAffected,
        datasets: JSON.stringify(input.datasets),
        severity: input.severity,
        measures: input.measures,
        status: 'open',
        regulator_notified_at: null,
        subjects_notified_at: null,
        closed_at: null,
        created_by: actor,
        created_at: createdAt,
      })
      .execute();
    await this.audit.record([
      {
        actor,
        action: 'compliance.incident_register',
        target: `incident:${id}`,
        details: {
          severity: input.severity,
          subjectsAffected: input.subjectsAffected,
          datasets: input.datasets,
        },
      },
    ]);
    return this.get(id);
  }

  async update(id: string, update: IncidentUpdate, actor: string): Promise<Incident> {
    const current = await this.get(id);
    if (current.status === 'closed') throw new ConflictError(`incident ${id} is closed`);
    if (update.kind === 'notified') {
      if (!isTime(update.at)) throw new ValidationError('at must be an ISO 8601 date-time', { field: 'at' });
      const at = new Date(update.at).toISOString();
      await this.db
        .updateTable('incidents')
        .set(update.who === 'regulator' ? { regulator_notified_at: at } : { subjects_notified_at: at })
        .where('id', '=', id)
        .execute();
      await this.audit.record([
        {
          actor,
          action: 'compliance.incident_notified',
          target: `incident:${id}`,
          details: { who: update.who, at },
        },
      ]);
    } else {
      if (update.measures.trim() === '')
        throw new ValidationError('closing names the measures taken', { field: 'measures' });
      await this.db
        .updateTable('incidents')
        .set({ status: 'closed', closed_at: this.now().toISOString(), measures: update.measures })
        .where('id', '=', id)
        .execute();
      await this.audit.record([{ actor, action: 'compliance.incident_close', target: `incident:${id}` }]);
    }
    return this.get(id);
  }

  /** A notification draft in Art. 57's terms, for the regulator or the subjects. Counts, never identities. */
  async draft(id: string, locale: Locale): Promise<string> {
    const incident = await this.get(id);
    const org = this.workspace.config.organisation;
    const contact = org.contact ?? '—';
    const datasets = incident.datasets.join(', ') || '—';
    if (locale === 'en')
      return [
        `Personal information security incident notification — ${org.name}`,
        '',
        `Incident: ${incident.title} (register id ${incident.id})`,
        `What happened: ${incident.description}`,
        `When: occurred ${incident.occurredAt}, detected ${incident.detectedAt}`,
        `Personal information concerned: datasets ${datasets}; subjects affected: ${incident.subjectsAffected}`,
        `Possible harm: [to be completed by the compliance officer]`,
        `Measures taken and to be taken: ${incident.measures}`,
        `What individuals can do to reduce harm: [to be completed by the compliance officer]`,
        `Contact: ${contact}`,
        '',
        'Basis: PIPL Art. 57 (per the team digest; check the statute before sending).',
      ].join('\n');
    return [
      `个人信息安全事件通知 — ${org.name}`,
      '',
      `事件：${incident.title}（登记编号 ${incident.id}）`,
      `发生情况：${incident.description}`,
      `时间：发生于 ${incident.occurredAt}，发现于 ${incident.detectedAt}`,
      `涉及的个人信息：数据集 ${datasets}；受影响个人数量：${incident.subjectsAffected}`,
      `可能造成的危害：【由合规官填写】`,
      `已采取和将采取的补救措施：${incident.measures}`,
      `个人可以采取的减轻危害的措施：【由合规官填写】`,
      `联系方式：${contact}`,
      '',
      '依据：《个人信息保护法》第五十七条（依团队摘要整理，发送前请核对法条原文）。',
    ].join('\n');
  }
}
