// Security alerts: raised by the monitor (one open alert per rule and subject; a repeat counts an
// occurrence), acknowledged and closed by a person. Every change of status is audited.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type AuditTrail,
  type Clock,
  ConflictError,
  NotFoundError,
  systemClock,
} from '../../domain/index.js';
import type { Database } from '../../store/index.js';
import type { Finding, RuleName, Severity } from './rules.js';

export type AlertStatus = 'open' | 'acknowledged' | 'closed';
/** A monitoring rule, or `scan`: a high or critical finding of a vulnerability and posture scan. */
export type AlertRule = RuleName | 'scan';
/** What raises an alert: a monitoring rule's finding, or a scan's (src/compliance/scan). */
export type AlertFinding = Omit<Finding, 'rule'> & { rule: AlertRule };

export interface Alert {
  id: string;
  rule: AlertRule;
  severity: Severity;
  subject: string;
  status: AlertStatus;
  evidence: Finding['evidence'];
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  note: string | null;
}

export class AlertService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records findings: new ones open alerts (returned, to be delivered); repeats update the open one. */
  async raise(findings: readonly AlertFinding[]): Promise<Alert[]> {
    const opened: Alert[] = [];
    const now = this.clock().toISOString();
    for (const finding of findings) {
      const current = await this.db
        .selectFrom('security_alerts')
        .selectAll()
        .where('rule', '=', finding.rule)
        .where('subject', '=', finding.subject)
        .where('status', '!=', 'closed')
        .executeTakeFirst();
      if (current) {
        await this.db
          .updateTable('security_alerts')
          .set({
            occurrences: current.occurrences + 1,
            last_seen_at: now,
            evidence: JSON.stringify(finding.evidence),
          })
          .where('id', '=', current.id)
          .execute();
        continue;
      }
      const row = {
        id: randomUUID(),
        rule: finding.rule,
        severity: finding.severity,
        subject: finding.subject,
        status: 'open',
        evidence: JSON.stringify(finding.evidence),
        occurrences: 1,
        first_seen_at: now,
        last_seen_at: now,
        acknowledged_by: null,
        acknowledged_at: null,
        closed_by: null,
        closed_at: null,
        note: null,
      };
      await this.db.insertInto('security_alerts').values(row).execute();
      opened.push(toAlert(row));
    }
    if (opened.length > 0) {
      await this.audit.record(
        opened.map((alert) => ({
          actor: 'system',
          action: 'alert.raise',
          target: `alert:${alert.id}`,
          details: { rule: alert.rule, severity: alert.severity },
        })),
      );
    }
    return opened;
  }

  async list(filter: { status?: AlertStatus; limit?: number } = {}): Promise<Alert[]> {
    let query = this.db
      .selectFrom('security_alerts')
      .selectAll()
      .orderBy('last_seen_at', 'desc')
      .limit(filter.limit ?? 200);
    if (filter.status) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toAlert);
  }

  async get(id: string): Promise<Alert> {
    const row = await this.db
      .selectFrom('security_alerts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('no alert with that id');
    return toAlert(row);
  }

  /** Open counts by rule and severity (Prometheus). */
  async openCounts(): Promise<Array<{ rule: string; severity: string; count: number }>> {
    const rows = await this.db
      .selectFrom('security_alerts')
      .select(['rule', 'severity', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '!=', 'closed')
      .groupBy(['rule', 'severity'])
      .execute();
    return rows.map((r) => ({ rule: r.rule, severity: r.severity, count: Number(r.n) }));
  }

  async acknowledge(id: string, actor: string, note?: string): Promise<Alert> {
    const alert = await this.get(id);
    if (alert.status !== 'open') throw new ConflictError(`the alert is ${alert.status}, not open`);
    const now = this.clock().toISOString();
    await this.db
      .updateTable('security_alerts')
      .set({
        status: 'acknowledged',
        acknowledged_by: actor,
        acknowledged_at: now,
        ...(note ? { note } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .execute();
    await this.audit.record([
      { actor, action: 'alert.acknowledge', target: `alert:${id}`, details: { rule: alert.rule } },
    ]);
    return this.get(id);
  }

  async close(id: string, actor: string, note?: string): Promise<Alert> {
    const alert = await this.get(id);
    if (alert.status === 'closed') throw new ConflictError('the alert is already closed');
    const now = this.clock().toISOString();
    await this.db
      .updateTable('security_alerts')
      .set({ status: 'closed', closed_by: actor, closed_at: now, ...(note ? { note } : {}) })
      .where('id', '=', id)
      .execute();
    await this.audit.record([
      { actor, action: 'alert.close', target: `alert:${id}`, details: { rule: alert.rule } },
    ]);
    return this.get(id);
  }
}

function toAlert(row: Database['security_alerts']): Alert {
  return {
    id: row.id,
    rule: row.rule as AlertRule,
    severity: row.severity as Severity,
    subject: row.subject,
    status: row.status as AlertStatus,
    evidence: JSON.parse(row.evidence) as Finding['evidence'],
    occurrences: Number(row.occurrences),
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    closedBy: row.closed_by,
    closedAt: row.closed_at,
    note: row.note,
  };
}
