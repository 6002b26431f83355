// `custos retention run|reports|hold|release|holds`: retention of collected records (each dataset's
// `retention` in datasets.yaml) and legal holds that suspend it. `custos serve` runs retention on
// custos.yaml `retention.schedule`; this runs it now. Needs the master secret (subject ids are
// keyed hashes, and data keys are deleted).

import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import type { RetentionReport } from '../../governance/index.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerRetentionCommands(program: Command, cli: CliEnvironment): void {
  const retention = program
    .command('retention')
    .description('retention of collected records: run it, its reports, legal holds');

  const printReport = (report: RetentionReport) =>
    cli.print(
      [
        ...report.datasets.map((d) =>
          cli.t('cli.retention.report', {
            dataset: d.dataset,
            retention: d.retention,
            from: d.from,
            expired: d.expired,
            deleted: d.deleted,
            held: d.keptOnHold,
            quarantined: d.quarantinedDeleted,
            onHold: d.isOnHold ? cli.t('cli.retention.on_hold') : '',
          }),
        ),
        cli.t('cli.retention.totals', {
          mode: cli.t(report.isDryRun ? 'cli.retention.dry_run' : 'cli.retention.done'),
          deleted: report.totals.deleted,
          held: report.totals.keptOnHold,
          keys: report.keysDeleted,
          id: report.id,
        }),
      ],
      report,
    );

  retention
    .command('run')
    .description('delete records past retention (with their keys where nothing else holds the subject)')
    .option('--dry-run', 'report what would be deleted, delete nothing')
    .option('--dataset <names>', 'only these datasets, comma-separated')
    .action(async (options: { dryRun?: boolean; dataset?: string }) => {
      const datasets = options.dataset
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      await withKeys(cli, async (ctx) => {
        const report = await ctx.retention.run({
          actor: 'cli',
          dryRun: options.dryRun === true,
          ...(datasets ? { datasets } : {}),
        });
        printReport(report);
      });
    });

  retention
    .command('reports')
    .description('the latest retention reports (counts only)')
    .option('--limit <n>', 'how many', '10')
    .action(async (options: { limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
      await cli.withContext(async (ctx) => {
        const reports = await ctx.retention.reports(limit);
        cli.print(
          reports.map(
            (r) =>
              `${r.id}\t${r.startedAt}\t${r.isDryRun ? 'dry-run' : 'run'}\t${r.totals.deleted}\t${r.totals.keptOnHold}\t${r.keysDeleted}`,
          ),
          { reports },
        );
      });
    });

  retention
    .command('hold')
    .description(
      'place a legal hold on a subject: retention deletes nothing of it (identifier on stdin with --identifier)',
    )
    .argument('[subject-id]', 'internal subject id (s_…); or use --identifier')
    .option('--identifier', "read the subject's identifier from stdin (never an argument: shell history)")
    .requiredOption('--reason <text>', 'why (a case or order number; no personal data)')
    .action(async (given: string | undefined, options: { identifier?: boolean; reason: string }) => {
      const identifier = await identifierFrom(cli, given, options.identifier);
      await withKeys(cli, async (ctx) => {
        const subjectId = await subjectOf(ctx, given, identifier);
        const hold = await ctx.retention.hold(subjectId, options.reason, 'cli');
        cli.print(cli.t('cli.retention.held', { subject: subjectId }), hold);
      });
    });

  retention
    .command('release')
    .description('release the legal hold on a subject')
    .argument('[subject-id]', 'internal subject id (s_…); or use --identifier')
    .option('--identifier', "read the subject's identifier from stdin")
    .action(async (given: string | undefined, options: { identifier?: boolean }) => {
      const identifier = await identifierFrom(cli, given, options.identifier);
      await withKeys(cli, async (ctx) => {
        const subjectId = await subjectOf(ctx, given, identifier);
        await ctx.retention.release(subjectId, 'cli');
        cli.print(cli.t('cli.retention.released', { subject: subjectId }), { subjectId, released: true });
      });
    });

  retention
    .command('holds')
    .description('subjects on legal hold')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const holds = await ctx.retention.holds();
        cli.print(
          holds.map((h) => `${h.subjectId}\t${h.placedAt}\t${h.placedBy}\t${h.reason}`),
          { holds },
        );
      });
    });
}

async function identifierFrom(
  cli: CliEnvironment,
  given: string | undefined,
  fromStdin: boolean | undefined,
): Promise<string | undefined> {
  if ((given === undefined) === (fromStdin !== true))
    throw new UsageError('give either a subject id or --identifier (the identifier on stdin)');
  if (!fromStdin) return undefined;
  const identifier = (await cli.readLine()).trim();
  if (identifier.length === 0) throw new UsageError('no identifier on stdin');
  return identifier;
}

async function subjectOf(ctx: AppContext, given: string | undefined, identifier: string | undefined) {
  if (identifier === undefined) return given!;
  const { subjectIdOf } = await import('../../governance/index.js');
  return subjectIdOf(ctx.keys(), identifier);
}

async function withKeys(cli: CliEnvironment, work: (ctx: AppContext) => Promise<void>): Promise<void> {
  const masterSecret =
    cli.io.env.CUSTOS_MASTER_KEY === undefined && cli.io.stdin.isTTY
      ? await cli.promptMasterSecret()
      : undefined;
  await cli.withContext(work, masterSecret === undefined ? {} : { masterSecret });
}
