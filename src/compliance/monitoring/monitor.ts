// The security monitor: reads the audit log's recent entries, evaluates the workspace's rules,
// raises alerts and delivers the new ones (webhook, e-mail). `custos serve` runs it every minute;
// `custos monitor run` and POST /api/v1/security/monitor/run run it on demand.

import type { Kysely } from 'kysely';
import { type AuditEntry, parseEntry } from '../../audit/index.js';
import type { Logger } from '../../logger.js';
import { resolveSecret } from '../../sources/index.js';
import type { Database } from '../../store/index.js';
import type { Workspace } from '../../workspace/index.js';
import type { Alert, AlertService } from './alert-service.js';
import { deliverEmail, deliverWebhook } from './notifier.js';
import { auditWindowMinutes, evaluateRules, type Finding } from './rules.js';

export interface MonitorRun {
  findings: Finding[];
  /** Alerts opened by this run (delivered). */
  raised: Alert[];
  /** Channels that failed to deliver (named, never with a secret). */
  deliveryFailures: string[];
}

export interface MonitorOptions {
  workspace: Workspace;
  db: Kysely<Database>;
  alerts: AlertService;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

const PAGE = 1000;

export class SecurityMonitor {
  constructor(private readonly options: MonitorOptions) {}

  async run(verification?: { ok: boolean; index?: number; kind?: string }): Promise<MonitorRun> {
    const { workspace, db, alerts } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    const rules = workspace.config.monitoring.rules;
    const since = new Date(now.getTime() - auditWindowMinutes(rules) * 60_000).toISOString();
    const findings = await evaluateRules({
      now,
      entries: await this.recentEntries(since),
      db,
      rules,
      workingHours: workspace.config.monitoring.workingHours,
      ...(verification ? { verification } : {}),
    });
    const raised = await alerts.raise(findings);
    const deliveryFailures = raised.length > 0 ? await this.deliver(raised) : [];
    return { findings, raised, deliveryFailures };
  }

  /** Entries appended at or after `since`, read backwards from the log's end (times only grow). */
  private async recentEntries(since: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    let before: number | undefined;
    for (;;) {
      let query = this.options.db
        .selectFrom('audit_entries')
        .select(['idx', 'entry'])
        .orderBy('idx', 'desc')
        .limit(PAGE);
      if (before !== undefined) query = query.where('idx', '<', before);
      const rows = await query.execute();
      for (const row of rows) {
        const entry = parseEntry(row.entry);
        if (entry.time < since) return out.reverse();
        out.push(entry);
      }
      if (rows.length < PAGE) return out.reverse();
      before = Number(rows[rows.length - 1]!.idx);
    }
  }

  private async deliver(raised: Alert[]): Promise<string[]> {
    const { workspace, env, logger } = this.options;
    const { webhook, email } = workspace.config.monitoring;
    const failures: string[] = [];
    if (webhook) {
      try {
        const secret = resolveSecret(webhook.secret, env, workspace.dir, 'monitoring.webhook.secret');
        await deliverWebhook(webhook, secret, raised);
      } catch (error) {
        failures.push('webhook');
        logger.warn({ channel: 'webhook', reason: (error as Error).message }, 'alert delivery failed');
      }
    }
    if (email) {
      try {
        const password = email.password
          ? resolveSecret(email.password, env, workspace.dir, 'monitoring.email.password')
          : undefined;
        await deliverEmail(email, password, raised);
      } catch (error) {
        failures.push('email');
        logger.warn({ channel: 'email', reason: (error as Error).message }, 'alert delivery failed');
      }
    }
    return failures;
  }
}
