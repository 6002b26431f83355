// What `custos serve` runs besides the API: the cron schedules of datasets (each firing queues a
// run), other scheduled jobs (retention) and, unless disabled, an in-process worker that executes
// queued runs — so a single-machine SQLite install needs nothing else, and PostgreSQL installs may
// add `custos worker` processes.

import { Cron } from 'croner';
import { ConfigError } from '../domain/index.js';
import type { Logger } from '../logger.js';
import type { Workspace } from '../workspace/index.js';
import type { RunSummary } from './engine.js';
import type { RunService } from './runs.js';
import { workerId } from './runs.js';

export interface SchedulerOptions {
  workspace: Workspace;
  runs: RunService;
  logger: Logger;
  /** Execute queued runs in this process (default true). */
  worker?: boolean;
  pollMs?: number;
  onRunFinished?: (summary: RunSummary) => void;
  /** Further jobs on cron schedules (the retention run); a firing never overlaps the previous one. */
  jobs?: ReadonlyArray<{ name: string; schedule: string; run: () => Promise<void> }>;
}

/** The retention job's schedule, or undefined when custos.yaml turns it off. */
export function retentionSchedule(workspace: Workspace): string | undefined {
  const schedule = workspace.config.retention.schedule;
  return schedule === 'off' ? undefined : schedule;
}

/** Checks every dataset schedule parses, naming the dataset when one does not. */
export function checkSchedules(workspace: Workspace): void {
  const issues = workspace.datasets.flatMap((d) => {
    if (!d.schedule) return [];
    try {
      new Cron(d.schedule, { paused: true }).stop();
      return [];
    } catch (error) {
      return [
        {
          file: 'datasets.yaml',
          path: `${d.name}.schedule`,
          message: `not a cron expression: ${(error as Error).message}`,
        },
      ];
    }
  });
  const retention = retentionSchedule(workspace);
  if (retention !== undefined) {
    try {
      new Cron(retention, { paused: true }).stop();
    } catch (error) {
      issues.push({
        file: 'custos.yaml',
        path: 'retention.schedule',
        message: `not a cron expression (or off): ${(error as Error).message}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError('invalid schedule', issues);
}

export function startScheduler(options: SchedulerOptions): { stop(): Promise<void> } {
  checkSchedules(options.workspace);
  const jobs = options.workspace.datasets
    .filter((d) => d.schedule)
    .map(
      (d) =>
        new Cron(d.schedule!, { protect: true }, async () => {
          try {
            await options.runs.enqueue(d.name, 'schedule', 'system');
          } catch (error) {
            options.logger.error({ dataset: d.name, err: error }, 'could not queue a scheduled run');
          }
        }),
    );
  for (const job of options.jobs ?? [])
    jobs.push(
      new Cron(job.schedule, { protect: true }, async () => {
        try {
          await job.run();
        } catch (error) {
          options.logger.error({ job: job.name, err: error }, 'scheduled job failed');
        }
      }),
    );
  let stopped = false;
  let loop: Promise<void> = Promise.resolve();
  if (options.worker ?? true) {
    const id = workerId();
    loop = (async () => {
      while (!stopped) {
        try {
          const claimed = await options.runs.claim(id);
          if (claimed) {
            const summary = await options.runs.execute(claimed.id, `worker:${id}`);
            options.onRunFinished?.(summary);
            continue;
          }
        } catch (error) {
          options.logger.error({ err: error }, 'collection worker error');
        }
        await new Promise((r) => setTimeout(r, options.pollMs ?? 1000).unref());
      }
    })();
  }
  return {
    stop: async () => {
      stopped = true;
      for (const job of jobs) job.stop();
      await loop;
    },
  };
}
