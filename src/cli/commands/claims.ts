// `custos claims reserve|summary`: claims analysis. Reserves (chain ladder, optionally
// Bornhuetter–Ferguson) from a dataset on the governed read path — acting as the owner of
// CUSTOS_TOKEN — or from a triangle CSV file (aggregates: no workspace needed); the experience
// summary (loss ratios, cycle times) from datasets.

import path from 'node:path';
import type { Command } from 'commander';
import type { ReserveResult } from '../../analytics/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';
import { integerOption } from './segment.js';

const fixed = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined ? '—' : n.toFixed(digits);

/** `2021=250,2022=260` → { 2021: 250, 2022: 260 } */
function premiumsOf(text: string): Record<string, number> {
  const premiums: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [origin, value] = pair.split('=').map((t) => t.trim());
    const amount = Number(value);
    if (!origin || value === undefined || value === '' || !Number.isFinite(amount))
      throw new UsageError('--premiums must look like 2021=250000,2022=260000');
    premiums[origin] = amount;
  }
  return premiums;
}

export function registerClaimsCommands(program: Command, cli: CliEnvironment): void {
  const claims = program
    .command('claims')
    .description('claims analysis: loss ratios, cycle times, reserves (audited)');

  claims
    .command('reserve')
    .description('chain-ladder development factors, ultimates and IBNR per origin (and Bornhuetter–Ferguson)')
    .option('--dataset <name>', 'claims dataset read through policy (with --purpose)')
    .option('--purpose <name>')
    .option('--triangle <file.csv>', 'a triangle as CSV rows instead of a dataset')
    .requiredOption('--origin <column>', 'origin period (accident or underwriting year)')
    .requiredOption('--development <column>', 'development age, or calendar period of the value')
    .requiredOption('--value <column>', 'amount (incremental unless --cumulative)')
    .option('--cumulative', 'values are cumulative (default: incremental)')
    .option('--loss-ratio <ratio>', 'Bornhuetter–Ferguson a-priori loss ratio (with --premiums)')
    .option('--premiums <list>', 'premium per origin for Bornhuetter–Ferguson, e.g. 2021=250000,2022=260000')
    .option('--k-anon <n>', 'dataset input: suppress cells and origins with fewer claims', '10')
    .action(
      async (options: {
        dataset?: string;
        purpose?: string;
        triangle?: string;
        origin: string;
        development: string;
        value: string;
        cumulative?: boolean;
        lossRatio?: string;
        premiums?: string;
        kAnon: string;
      }) => {
        const fromDataset = options.dataset !== undefined || options.purpose !== undefined;
        if (fromDataset === (options.triangle !== undefined))
          throw new UsageError('give either --dataset D --purpose P or --triangle FILE.csv');
        if (fromDataset && (options.dataset === undefined || options.purpose === undefined))
          throw new UsageError('--dataset and --purpose go together');
        if ((options.lossRatio === undefined) !== (options.premiums === undefined))
          throw new UsageError('Bornhuetter–Ferguson needs both --loss-ratio and --premiums');
        const bf =
          options.lossRatio !== undefined && options.premiums !== undefined
            ? { aPrioriLossRatio: Number(options.lossRatio), premiums: premiumsOf(options.premiums) }
            : undefined;
        const isCumulative = options.cumulative === true;
        const print = (result: ReserveResult) =>
          cli.print(
            [
              `LDF\t${result.ldfs.map((f) => f.toFixed(3)).join('\t')}`,
              ...result.origins.map(
                (o) => `${o.origin}\t${fixed(o.latest)}\t${fixed(o.ultimate)}\t${fixed(o.ibnr)}`,
              ),
              cli.t('cli.claims.reserve_total', {
                latest: fixed(result.totals.latest),
                ultimate: fixed(result.totals.ultimate),
                ibnr: fixed(result.totals.ibnr),
              }),
              ...(result.bornhuetterFerguson
                ? [
                    `BF\t${result.bornhuetterFerguson.origins.map((o) => `${o.origin}:${fixed(o.ibnr)}`).join('\t')}`,
                  ]
                : []),
            ],
            result,
          );
        const { readTriangleCsv, reserveFromRows } = await import('../../analytics/index.js');
        if (options.triangle !== undefined) {
          const rows = readTriangleCsv(
            path.resolve(cli.io.cwd, options.triangle),
            { origin: options.origin, development: options.development, value: options.value },
            options.triangle,
          );
          print(reserveFromRows(rows, { isCumulative, ...(bf ? { bornhuetterFerguson: bf } : {}) }));
          return;
        }
        const kAnonymity = integerOption(options.kAnon, '--k-anon');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          print(
            await ctx.claims.reserve(me, {
              dataset: options.dataset as string,
              purpose: options.purpose as string,
              origin: options.origin,
              development: options.development,
              value: options.value,
              isCumulative,
              ...(kAnonymity === undefined ? {} : { kAnonymity }),
              ...(bf ? { bornhuetterFerguson: bf } : {}),
            }),
          );
        });
      },
    );

  claims
    .command('summary')
    .description('loss ratio by period, product and channel; report-to-settlement cycle times')
    .requiredOption('--dataset <name>', 'claims dataset')
    .requiredOption('--purpose <name>')
    .option('--premium-dataset <name>', 'policies dataset with the premium (for loss ratios)')
    .option('--premium <field>', 'premium field of the policies dataset', 'premium')
    .option('--amount <field>', 'claim amount field', 'amount')
    .option('--period <field>', 'period field (a date counts as its year)', 'period')
    .option('--product <field>', 'product field', 'product')
    .option('--channel <field>', 'channel field', 'channel')
    .option('--reported <field>', 'report date field', 'reported_at')
    .option('--settled <field>', 'settlement date field', 'settled_at')
    .option('--k-anon <n>', 'suppress groups with fewer claims or policies', '10')
    .action(
      async (options: {
        dataset: string;
        purpose: string;
        premiumDataset?: string;
        premium: string;
        amount: string;
        period: string;
        product: string;
        channel: string;
        reported: string;
        settled: string;
        kAnon: string;
      }) => {
        const kAnonymity = integerOption(options.kAnon, '--k-anon');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const result = await ctx.claims.summary(me, {
            dataset: options.dataset,
            purpose: options.purpose,
            fields: {
              amount: options.amount,
              period: options.period,
              product: options.product,
              channel: options.channel,
              reportedAt: options.reported,
              settledAt: options.settled,
            },
            premiumField: options.premium,
            ...(options.premiumDataset ? { premiumDataset: options.premiumDataset } : {}),
            ...(kAnonymity === undefined ? {} : { kAnonymity }),
          });
          const hidden = cli.t('cli.claims.suppressed', { kAnonymity: result.kAnonymity });
          cli.print(
            [
              ...result.lossRatios.map((g) =>
                g.isSuppressed
                  ? `${g.dimension}=${g.value}\t${hidden}`
                  : cli.t('cli.claims.loss_ratio', {
                      dimension: g.dimension,
                      value: g.value,
                      claims: g.claims ?? 0,
                      incurred: fixed(g.incurred),
                      premium: fixed(g.premium),
                      lossRatio: fixed(g.lossRatio, 3),
                    }),
              ),
              ...result.cycleTimes.map((c) =>
                c.isSuppressed
                  ? `${c.group}\t${hidden}`
                  : cli.t('cli.claims.cycle_time', {
                      group: c.group,
                      settled: c.settled ?? 0,
                      mean: fixed(c.mean, 1),
                      median: fixed(c.median, 1),
                      p90: fixed(c.p90, 1),
                    }),
              ),
            ],
            result,
          );
        });
      },
    );
}
