// `custos collect DATASET`, `custos runs`, `custos worker`, `custos quarantine list`,
// `custos classification list|confirm`: the collection pipeline from the command line.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import type { RunProgressUpdate, RunSummary } from '../../pipeline/index.js';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

export function registerCollectCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('collect')
    .description('collect a dataset now: read, validate, classify, admit, protect, store')
    .argument('<dataset>')
    .option('--batch-size <n>', 'records per batch', '1000')
    .option('--queue', 'hand the run to the workers instead (resumed by another worker if its worker dies)')
    .option('--full', 'read the source again from the start (stored records are not duplicated)')
    .action(async (dataset: string, options: { batchSize: string; queue?: boolean; full?: boolean }) => {
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000)
        throw new UsageError('--batch-size must be 1–50000');
      await cli.withContext(async (ctx) => {
        if (options.queue) {
          if (options.full)
            throw new UsageError('--full runs in this process; it cannot be combined with --queue');
          const run = await ctx.runs.enqueue(dataset, 'cli', 'cli');
          cli.print(cli.t('cli.collect.queued', { run, dataset }), { run, dataset, status: 'queued' });
          return;
        }
        // A run resumes where the last one stopped; when that finds nothing, say so and since when.
        const resumedFrom = options.full ? undefined : await ctx.runs.checkpointOf(dataset);
        const summary = await collectWithProgress(cli, ctx, dataset, batchSize, {
          full: options.full === true,
        });
        printSummary(cli, summary);
        if (summary.status === 'succeeded' && summary.read === 0 && resumedFrom)
          cli.note(cli.t('cli.collect.nothing_new', { time: resumedFrom.updatedAt }));
        if (summary.status !== 'succeeded') throw new ExitCode(EXIT_FAILURE);
      });
    });

  program
    .command('runs')
    .description('run history with counts')
    .option('--dataset <name>', 'only this dataset')
    .option('--limit <n>', 'how many', '20')
    .action(async (options: { dataset?: string; limit: string }) => {
      await cli.withContext(async (ctx) => {
        const runs = await ctx.runs.list({
          ...(options.dataset ? { dataset: options.dataset } : {}),
          limit: Number(options.limit) || 20,
        });
        cli.print(
          runs.map(
            (r) =>
              `${r.createdAt}  ${r.dataset}  ${r.status}  ${cli.t('cli.collect.counts', counts(r))}${r.error ? `  — ${r.error}` : ''}`,
          ),
          { runs },
        );
      });
    });

  program
    .command('worker')
    .description('claim and execute queued runs (any number of workers may share PostgreSQL)')
    .option('--once', 'exit when no run is queued')
    .option('--poll <ms>', 'idle polling interval: how often an idle worker looks for queued runs', '2000')
    .action(async (options: { once?: boolean; poll: string }) => {
      const { workerId } = await import('../../pipeline/index.js');
      await cli.withContext(async (ctx) => {
        const id = workerId();
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        let executed = 0;
        try {
          while (!stop.signal.aborted) {
            const claimed = await ctx.runs.claim(id);
            if (!claimed) {
              if (options.once) break;
              await sleep(Number(options.poll) || 2000, undefined, { signal: stop.signal }).catch(
                () => undefined,
              );
              continue;
            }
            const summary = await ctx.runs.execute(claimed.id, `worker:${id}`);
            executed += 1;
            cli.note(
              `${claimed.dataset}: ${summary.status} (${summary.stored} stored, ${summary.quarantined} quarantined)`,
            );
          }
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
        cli.print(cli.t('cli.collect.worker_done', { id, count: executed }), { worker: id, executed });
      });
    });

  const quarantine = program
    .command('quarantine')
    .description('records held back by validation or admission');
  quarantine
    .command('list')
    .description('held records, newest first: reference, dataset, reason, where read, status (never values)')
    .option('--dataset <name>', 'only this dataset')
    .option('--status <status>', 'open | reprocessed | discarded')
    .option('--limit <n>', 'how many (1–500)', '50')
    .action(async (options: { dataset?: string; status?: string; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be 1–500');
      const { countQuarantine, listQuarantine, QUARANTINE_STATUSES } = await import(
        '../../pipeline/index.js'
      );
      const status = QUARANTINE_STATUSES.find((s) => s === options.status);
      if (options.status !== undefined && !status)
        throw new UsageError(`--status must be one of: ${QUARANTINE_STATUSES.join(', ')}`);
      await cli.withContext(async (ctx) => {
        const query = {
          ...(options.dataset ? { dataset: options.dataset } : {}),
          ...(status ? { status } : {}),
        };
        const [entries, total] = await Promise.all([
          listQuarantine(ctx.store, { ...query, limit }),
          countQuarantine(ctx.store, query),
        ]);
        cli.print(
          [
            ...entries.map(
              (q) =>
                `${q.id}  ${q.createdAt}  ${q.dataset}  ${q.reason}  ${q.detail}  ${q.position ?? '-'}  [${q.status}]`,
            ),
            cli.t('cli.quarantine.shown', { shown: entries.length, total }),
          ],
          { quarantine: entries, total },
        );
      });
    });
  quarantine
    .command('reprocess')
    .description('after a fix (consent granted, schema corrected): collect the dataset again from its source')
    .argument('<dataset>')
    .action(async (dataset: string) => {
      await cli.withContext(async (ctx) => {
        const { summary } = await withProgress(cli, dataset, (onProgress) =>
          ctx.runs.reprocess(dataset, 'cli', 'cli', { batchSize: 1000, onProgress }),
        );
        printSummary(cli, summary);
        if (summary.status !== 'succeeded') throw new ExitCode(EXIT_FAILURE);
      });
    });

  const classification = program
    .command('classification')
    .description('field classifications and their confirmation');
  classification
    .command('list')
    .option('--dataset <name>', 'only this dataset')
    .action(async (options: { dataset?: string }) => {
      await cli.withContext(async (ctx) => {
        let query = ctx.store.db
          .selectFrom('field_classifications')
          .selectAll()
          .orderBy('dataset')
          .orderBy('field');
        if (options.dataset) query = query.where('dataset', '=', options.dataset);
        const rows = await query.execute();
        cli.print(
          rows.map(
            (r) =>
              `${r.dataset}.${r.field}  ${r.category ?? '-'}  L${r.level}  ${r.sensitive ? cli.t('cli.collect.sensitive') : ''}  ${r.status}`,
          ),
          { classifications: rows },
        );
      });
    });
  classification
    .command('confirm')
    .description('a compliance officer confirms a field classification (unblocks the dataset)')
    .argument('<dataset>')
    .argument('<field>')
    .requiredOption('--by <username>', 'the compliance officer confirming')
    .action(async (dataset: string, field: string, options: { by: string }) => {
      await cli.withContext(async (ctx) => {
        const user = await ctx.users.get(options.by);
        if (user.role !== 'compliance_officer' && user.role !== 'admin') {
          throw new UsageError(`${options.by} is not a compliance officer`);
        }
        const result = await ctx.store.db
          .updateTable('field_classifications')
          .set({ status: 'confirmed', confirmed_by: options.by, updated_at: new Date().toISOString() })
          .where('dataset', '=', dataset)
          .where('field', '=', field)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0)
          throw new UsageError(`no classification for ${dataset}.${field}`);
        await ctx.audit.record([
          {
            actor: `user:${options.by}`,
            action: 'classification.confirm',
            target: `field:${dataset}.${field}`,
          },
        ]);
        cli.print(cli.t('cli.collect.confirmed', { dataset, field }), {
          dataset,
          field,
          confirmedBy: options.by,
        });
      });
    });
}

export async function collectWithProgress(
  cli: CliEnvironment,
  ctx: AppContext,
  dataset: string,
  batchSize: number,
  options: { full?: boolean } = {},
): Promise<RunSummary> {
  const id = await ctx.runs.startInline(dataset, 'cli', options);
  return withProgress(cli, dataset, (onProgress) => ctx.runs.execute(id, 'cli', { batchSize, onProgress }));
}

/** Runs `work` with a progress bar on a terminal's stderr (nothing otherwise). */
async function withProgress<T>(
  cli: CliEnvironment,
  dataset: string,
  work: (onProgress: (p: RunProgressUpdate) => void) => Promise<T>,
): Promise<T> {
  // The progress bar and its estimator load when a collection runs, not with every `custos` start.
  const [{ default: cliProgress }, { EtaEstimator, formatDuration }] = await Promise.all([
    import('cli-progress'),
    import('../../pipeline/index.js'),
  ]);
  const tty = !cli.isJson && (cli.io.stderr as { isTTY?: boolean }).isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `${dataset} {bar} {value} records | {rate}/s | stored {stored} quarantined {quarantined}{timeLeft}`,
          stream: cli.io.stderr as NodeJS.WritableStream,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(0, 0, { rate: 0, stored: 0, quarantined: 0, timeLeft: '' });
  // When the source knows its size (files), the bar fills by share read and shows the time left.
  const eta = new EtaEstimator();
  const onProgress = (p: RunProgressUpdate) => {
    const rate = Math.round((p.read * 1000) / Math.max(1, p.elapsedMs));
    if (!bar) return;
    const left = p.fraction === undefined ? undefined : eta.update(p.fraction, p.elapsedMs);
    // The bar's length is in records: the total a known fraction implies, else what was read.
    bar.setTotal(p.fraction ? Math.max(p.read, Math.round(p.read / p.fraction)) : p.read);
    bar.update(p.read, {
      rate,
      stored: p.stored + p.updated,
      quarantined: p.quarantined,
      timeLeft: left === undefined ? '' : ` | ${cli.t('cli.collect.eta', { time: formatDuration(left) })}`,
    });
  };
  try {
    return await work(onProgress);
  } finally {
    bar?.stop();
  }
}

/** The counts of a run, for the catalogue's `cli.collect.counts` line. */
function counts(r: {
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
}): Record<string, number> {
  return {
    read: r.read,
    stored: r.stored,
    updated: r.updated,
    unchanged: r.unchanged,
    quarantined: r.quarantined,
  };
}

function printSummary(cli: CliEnvironment, s: RunSummary): void {
  cli.print(
    [
      `${cli.t('cli.collect.finished', { dataset: s.dataset, status: s.status, seconds: (s.elapsedMs / 1000).toFixed(1) })} — ${cli.t('cli.collect.counts', counts(s))}${
        Object.keys(s.quarantineReasons).length
          ? ` (${Object.entries(s.quarantineReasons)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ')})`
          : ''
      }`,
      ...(s.deleted > 0 ? [cli.t('cli.collect.deleted', { count: s.deleted })] : []),
      ...(s.droppedFields.length
        ? [cli.t('cli.collect.dropped', { fields: s.droppedFields.join(', ') })]
        : []),
      ...(s.error ? [s.error] : []),
    ],
    s,
  );
}
