// Runs vulnerability and posture scans (`custos scan`, POST /api/v1/security/scans): dependency
// audit, configuration posture, optionally a self-check of a running API; stores each result,
// appends an audit entry (who ran it, the counts) and raises an alert per high or critical finding.

import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/index.js';
import { NotFoundError } from '../../domain/index.js';
import type { Store } from '../../store/index.js';
import type { Workspace } from '../../workspace/index.js';
import { createCheckContext } from '../compliance-audit.js';
import type { AlertService } from '../monitoring/index.js';
import { type ApiSelfCheckOptions, selfCheckApi } from './api-self-check.js';
import { auditDependencies, type DependencyAuditOptions } from './dependency-audit.js';
import { checkPosture } from './posture.js';
import {
  bySeverity,
  couldNotCheck,
  countBySeverity,
  type ScanKind,
  type ScanPart,
  type ScanResult,
} from './scan-result.js';

export interface ScanDeps {
  workspace: Workspace;
  store: Store;
  audit: AuditLog;
  alerts: AlertService;
  /** Environment of this process (the master secret check) and of `npm audit` (npm_config_*). */
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface ScanOptions {
  trigger?: 'manual' | 'schedule';
  /** Run `npm audit` (default true); an object overrides its command, arguments or root. */
  dependencies?: boolean | Partial<DependencyAuditOptions>;
  /** Check the workspace's configuration (default true). */
  posture?: boolean;
  /** Self-check a running API at this URL. */
  api?: ApiSelfCheckOptions;
}

export interface ScanSummary {
  id: string;
  at: string;
  actor: string;
  trigger: string;
  counts: ScanResult['counts'];
  couldNotCheck: number;
}

export class ScanService {
  private readonly now: () => Date;

  constructor(private readonly deps: ScanDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async run(actor: string, options: ScanOptions = {}): Promise<ScanResult> {
    const { workspace, store, audit, env } = this.deps;
    const at = this.now();
    const parts: ScanPart[] = [];
    const checked: ScanKind[] = [];
    if (options.dependencies !== false) {
      checked.push('dependency');
      const given = typeof options.dependencies === 'object' ? options.dependencies : {};
      parts.push(
        await guarded('dependency', 'npm-audit', () =>
          auditDependencies({
            timeoutMs: workspace.config.security.scan.dependencyTimeoutSeconds * 1000,
            env,
            ...given,
          }),
        ),
      );
    }
    if (options.posture !== false) {
      checked.push('posture');
      parts.push(await checkPosture(createCheckContext({ workspace, store, audit }, at), env));
    }
    if (options.api) {
      checked.push('api');
      const api = options.api;
      parts.push(await guarded('api', 'api', () => selfCheckApi(api)));
    }
    const findings = parts.flatMap((p) => p.findings).sort(bySeverity);
    const result: ScanResult = {
      id: randomUUID(),
      at: at.toISOString(),
      actor,
      trigger: options.trigger ?? 'manual',
      checked,
      findings,
      couldNotCheck: parts.flatMap((p) => p.couldNotCheck),
      counts: countBySeverity(findings),
      ...(options.api ? { target: new URL(options.api.url).origin } : {}),
    };
    await store.db
      .insertInto('security_scans')
      .values({
        id: result.id,
        at: result.at,
        actor,
        trigger: result.trigger,
        critical_count: result.counts.critical,
        high_count: result.counts.high,
        medium_count: result.counts.medium,
        low_count: result.counts.low,
        could_not_check_count: result.couldNotCheck.length,
        result: JSON.stringify(result),
      })
      .execute();
    await audit.record([
      {
        actor,
        action: 'security.scan',
        target: `scan:${result.id}`,
        details: {
          trigger: result.trigger,
          checked: checked.join(','),
          ...result.counts,
          couldNotCheck: result.couldNotCheck.length,
        },
      },
    ]);
    // High and critical findings become alerts (one open alert per finding id; repeats count).
    await this.deps.alerts.raise(
      findings
        .filter((f) => f.severity === 'high' || f.severity === 'critical')
        .map((f) => ({
          rule: 'scan' as const,
          severity: f.severity,
          subject: f.id,
          evidence: { scanId: result.id, title: f.title.en, ...f.evidence },
        })),
    );
    return result;
  }

  async list(limit = 50): Promise<ScanSummary[]> {
    const rows = await this.deps.store.db
      .selectFrom('security_scans')
      .select([
        'id',
        'at',
        'actor',
        'trigger',
        'critical_count',
        'high_count',
        'medium_count',
        'low_count',
        'could_not_check_count',
      ])
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      trigger: r.trigger,
      counts: {
        critical: Number(r.critical_count),
        high: Number(r.high_count),
        medium: Number(r.medium_count),
        low: Number(r.low_count),
      },
      couldNotCheck: Number(r.could_not_check_count),
    }));
  }

  async get(id: string): Promise<ScanResult> {
    const row = await this.deps.store.db
      .selectFrom('security_scans')
      .select('result')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('no scan with that id');
    return JSON.parse(row.result) as ScanResult;
  }
}

/** A part that fails outright (a refused connection mid-way) is reported as not checked. */
async function guarded(kind: ScanKind, check: string, work: () => Promise<ScanPart>): Promise<ScanPart> {
  try {
    return await work();
  } catch (error) {
    return {
      findings: [],
      couldNotCheck: [couldNotCheck(kind, check, 'scan.could_not.failed', (error as Error).message)],
    };
  }
}
