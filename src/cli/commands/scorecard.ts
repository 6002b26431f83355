// `custos scorecard fit|score|list|approve|reject`: credit scorecards over the governed read path,
// acting as the owner of CUSTOS_TOKEN (an analyst fits and scores; a compliance officer decides).

import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

const TRENDS = ['ascending', 'descending', 'auto'] as const;

function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${name} must be a positive number`);
  return value;
}

const fixed = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');

export function registerScorecardCommands(program: Command, cli: CliEnvironment): void {
  const scorecard = program
    .command('scorecard')
    .description('credit scorecards: fit, approve, score (governed reads, audited)');

  scorecard
    .command('fit')
    .description('fit a scorecard on a dataset and write the model file (a draft until approved)')
    .requiredOption('--dataset <name>')
    .requiredOption('--target <field>', 'the outcome field')
    .requiredOption('--bad <value>', "the target's value that marks a bad outcome")
    .requiredOption('--purpose <name>')
    .requiredOption('--out <file>', 'model file to write (JSON)')
    .option('--pdo <points>', 'points to double the odds', '20')
    .option('--base-points <points>', 'score at the base odds', '600')
    .option('--base-odds <odds>', 'good:bad odds at the base points', '50')
    .option('--name <name>', 'model name (default <dataset>-<target>); each fit is its next version')
    .option('--variables <names>', 'comma-separated candidate fields (default: all you see in clear)')
    .option('--monotonic <trend>', 'bad rate across bins: ascending | descending | auto')
    .option('--min-iv <iv>', 'leave out variables below this information value', '0.02')
    .action(
      async (options: {
        dataset: string;
        target: string;
        bad: string;
        purpose: string;
        out: string;
        pdo: string;
        basePoints: string;
        baseOdds: string;
        name?: string;
        variables?: string;
        monotonic?: string;
        minIv: string;
      }) => {
        const scaling = {
          pdo: positiveNumber('--pdo', options.pdo)!,
          basePoints: Number(options.basePoints),
          baseOdds: positiveNumber('--base-odds', options.baseOdds)!,
        };
        if (!Number.isFinite(scaling.basePoints)) throw new UsageError('--base-points must be a number');
        const minIv = Number(options.minIv);
        if (!Number.isFinite(minIv) || minIv < 0) throw new UsageError('--min-iv must be 0 or more');
        if (options.monotonic !== undefined && !(TRENDS as readonly string[]).includes(options.monotonic))
          throw new UsageError(`--monotonic must be one of ${TRENDS.join(', ')}`);
        const variables = options.variables
          ?.split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const fitted = await ctx.scorecards.fit(me, {
            dataset: options.dataset,
            target: options.target,
            bad: options.bad,
            purpose: options.purpose,
            scaling,
            minIv,
            ...(options.name ? { name: options.name } : {}),
            ...(variables ? { variables } : {}),
            ...(options.monotonic
              ? { binning: { monotonicTrend: options.monotonic as (typeof TRENDS)[number] } }
              : {}),
          });
          const file = {
            id: fitted.id,
            name: fitted.name,
            version: fitted.version,
            hash: fitted.hash,
            definition: fitted.definition,
          };
          writeFileSync(options.out, `${JSON.stringify(file, null, 2)}\n`);
          const { training, candidates } = fitted.definition;
          cli.print(
            [
              ...candidates.map((c) =>
                cli.t('cli.scorecard.variable', {
                  name: c.name,
                  iv: fixed(c.iv),
                  status:
                    c.dropped === undefined
                      ? cli.t('cli.scorecard.kept')
                      : c.dropped.reason === 'low_iv'
                        ? cli.t('cli.scorecard.dropped_low_iv')
                        : cli.t('cli.scorecard.dropped_correlated', {
                            other: c.dropped.with,
                            r: c.dropped.correlation.toFixed(2),
                          }),
                }),
              ),
              cli.t('cli.scorecard.training', {
                auc: fixed(training.auc),
                ks: fixed(training.ks),
                gini: fixed(training.gini),
              }),
              cli.t('cli.scorecard.fitted', {
                name: fitted.name,
                version: fitted.version,
                id: fitted.id,
                rows: training.rows,
                bads: training.bads,
                file: options.out,
              }),
            ],
            {
              model: {
                id: fitted.id,
                name: fitted.name,
                version: fitted.version,
                hash: fitted.hash,
                status: fitted.status,
              },
              variables: candidates,
              training: {
                rows: training.rows,
                bads: training.bads,
                auc: training.auc,
                ks: training.ks,
                gini: training.gini,
              },
              rows: fitted.rows,
              grant: fitted.grant,
              out: options.out,
            },
          );
        });
      },
    );

  scorecard
    .command('score')
    .description('score a dataset with an approved model: key, score, probability of bad, reasons')
    .requiredOption('--model <file>', 'model file written by fit')
    .requiredOption('--dataset <name>')
    .requiredOption('--purpose <name>')
    .action(async (options: { model: string; dataset: string; purpose: string }) => {
      let file: unknown;
      try {
        file = JSON.parse(readFileSync(options.model, 'utf8'));
      } catch {
        // Unreadable or not JSON: name the file, not its content.
        throw new UsageError(`cannot read the model file ${options.model} (JSON written by scorecard fit)`);
      }
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const result = await ctx.scorecards.score(me, { file }, options.dataset, options.purpose);
        cli.print(
          [
            ...result.items.map(
              (i) =>
                `${i.key}\t${i.score}\t${i.probability.toFixed(4)}\t${i.reasons.map((r) => r.variable).join(',')}`,
            ),
            cli.t('cli.scorecard.scored', {
              count: result.items.length,
              name: result.model.name,
              version: result.model.version,
            }),
          ],
          { model: result.model, items: result.items },
        );
      });
    });

  scorecard
    .command('list')
    .description('models with their version, hash and approval status')
    .option('--status <status>', 'draft | approved | rejected')
    .action(async (options: { status?: string }) => {
      const { MODEL_STATUSES } = await import('../../analytics/index.js');
      if (options.status !== undefined && !(MODEL_STATUSES as readonly string[]).includes(options.status))
        throw new UsageError(`--status must be one of ${MODEL_STATUSES.join(', ')}`);
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const models = await ctx.models.list(
          me,
          options.status ? { status: options.status as (typeof MODEL_STATUSES)[number] } : {},
        );
        cli.print(
          models.map(
            (m) =>
              `${m.id}\t${m.name}\tv${m.version}\t${m.status}\t${m.dataset}\t${m.purpose}\t${m.createdBy}\t${m.hash.slice(0, 16)}`,
          ),
          { models },
        );
      });
    });

  for (const decision of ['approve', 'reject'] as const) {
    scorecard
      .command(decision)
      .description(`${decision} a draft model (a compliance officer other than who fitted it)`)
      .argument('<id>')
      .option('--reason <text>')
      .action(async (id: string, options: { reason?: string }) => {
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const decided = await ctx.models.decide(
            me,
            id,
            decision === 'approve' ? 'approved' : 'rejected',
            options.reason,
          );
          cli.print(cli.t('cli.scorecard.decided', { id, status: decided.status }), { model: decided });
        });
      });
  }
}
