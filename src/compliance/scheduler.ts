// Scheduled audits under `custos serve`: custos.yaml `compliance.auditSchedule` (cron) runs an
// audit at each firing, as actor `system`. A failing audit run is logged; the server goes on.

import { Cron } from 'croner';
import { ConfigError } from '../domain/index.js';
import type { Logger } from '../logger.js';
import type { Workspace } from '../workspace/index.js';
import type { StoredAudit } from './compliance-audit.js';
import type { ComplianceService } from './compliance-service.js';

/** Checks `compliance.auditSchedule` parses, naming the file and key when it does not. */
export function checkAuditSchedule(workspace: Workspace): string | undefined {
  const schedule = workspace.config.compliance.auditSchedule;
  if (schedule === undefined) return undefined;
  try {
    new Cron(schedule, { paused: true }).stop();
  } catch (error) {
    throw new ConfigError('invalid compliance audit schedule', [
      {
        file: 'custos.yaml',
        path: 'compliance.auditSchedule',
        message: `not a cron expression: ${(error as Error).message}`,
      },
    ]);
  }
  return schedule;
}

export function startAuditScheduler(options: {
  workspace: Workspace;
  compliance: ComplianceService;
  logger: Logger;
  onAudit?: (audit: StoredAudit) => void;
}): { stop(): Promise<void> } {
  const schedule = checkAuditSchedule(options.workspace);
  if (schedule === undefined) return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const job = new Cron(schedule, { protect: true }, async () => {
    running = options.compliance
      .runAudit('system', 'schedule')
      .then((audit) => {
        options.logger.info({ auditId: audit.id, score: audit.score }, 'scheduled compliance audit done');
        options.onAudit?.(audit);
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'scheduled compliance audit failed'));
    await running;
  });
  return {
    stop: async () => {
      job.stop();
      await running;
    },
  };
}
