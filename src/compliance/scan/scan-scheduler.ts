// Scheduled scans under `custos serve`: custos.yaml `security.scan.schedule` (cron) runs a scan of
// the dependencies and the posture at each firing, as actor `system`. A failure is logged only.

import { Cron } from 'croner';
import { ConfigError } from '../../domain/index.js';
import type { Logger } from '../../logger.js';
import type { Workspace } from '../../workspace/index.js';
import type { ScanResult } from './scan-result.js';
import type { ScanService } from './scan-service.js';

/** Checks `security.scan.schedule` parses, naming the file and key when it does not. */
export function checkScanSchedule(workspace: Workspace): string | undefined {
  const schedule = workspace.config.security.scan.schedule;
  if (schedule === undefined) return undefined;
  try {
    new Cron(schedule, { paused: true }).stop();
  } catch (error) {
    throw new ConfigError('invalid scan schedule', [
      {
        file: 'custos.yaml',
        path: 'security.scan.schedule',
        message: `not a cron expression: ${(error as Error).message}`,
      },
    ]);
  }
  return schedule;
}

export function startScanScheduler(options: {
  workspace: Workspace;
  scans: ScanService;
  logger: Logger;
  onScan?: (scan: ScanResult) => void;
}): { stop(): Promise<void> } {
  const schedule = checkScanSchedule(options.workspace);
  if (schedule === undefined) return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const job = new Cron(schedule, { protect: true }, async () => {
    running = options.scans
      .run('system', { trigger: 'schedule' })
      .then((scan) => {
        options.logger.info({ scanId: scan.id, ...scan.counts }, 'scheduled scan done');
        options.onScan?.(scan);
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'scheduled scan failed'));
    await running;
  });
  return {
    stop: async () => {
      job.stop();
      await running;
    },
  };
}
