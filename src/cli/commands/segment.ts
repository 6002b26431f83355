// `custos segment run`: customer segmentation (RFM + k-means, k by silhouette) of a dataset on the
// governed read path, acting as the owner of CUSTOS_TOKEN; prints k-anonymous profiles only.

import type { Command } from 'commander';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function integerOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new UsageError(`${name} must be an integer`);
  return value;
}

const fixed = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined ? '—' : n.toFixed(digits);

export function registerSegmentCommands(program: Command, cli: CliEnvironment): void {
  const segment = program
    .command('segment')
    .description('customer segmentation on de-identified features (audited)');

  segment
    .command('run')
    .description('RFM scores and k-means segments of a dataset for a purpose; k chosen by silhouette')
    .requiredOption('--dataset <name>')
    .requiredOption('--purpose <name>')
    .option('--subject <field>', 'field naming the customer (default: each record is a subject)')
    .option('--date <field>', 'date of each event (recency)', 'date')
    .option('--amount <field>', 'amount of each event (monetary)', 'amount')
    .option('--frequency <field>', 'count per record (default: one per record)')
    .option('--as-of <date>', 'recency reference date (default: the latest date read)')
    .option('--k-min <n>', 'fewest segments tried', '2')
    .option('--k-max <n>', 'most segments tried', '8')
    .option('--k-anon <n>', 'suppress segments and cells with fewer subjects', '10')
    .option('--save <name>', 'save the assignments as a derived de-identified dataset')
    .action(
      async (options: {
        dataset: string;
        purpose: string;
        subject?: string;
        date: string;
        amount: string;
        frequency?: string;
        asOf?: string;
        kMin: string;
        kMax: string;
        kAnon: string;
        save?: string;
      }) => {
        const kMin = integerOption(options.kMin, '--k-min');
        const kMax = integerOption(options.kMax, '--k-max');
        const kAnonymity = integerOption(options.kAnon, '--k-anon');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const result = await ctx.segmentation.run(me, {
            dataset: options.dataset,
            purpose: options.purpose,
            dateField: options.date,
            amountField: options.amount,
            ...(options.subject ? { subjectField: options.subject } : {}),
            ...(options.frequency ? { frequencyField: options.frequency } : {}),
            ...(options.asOf ? { asOf: options.asOf } : {}),
            ...(kMin === undefined ? {} : { kMin }),
            ...(kMax === undefined ? {} : { kMax }),
            ...(kAnonymity === undefined ? {} : { kAnonymity }),
            ...(options.save ? { save: options.save } : {}),
          });
          const chosen = result.silhouettes.find((s) => s.k === result.k)?.silhouette;
          cli.print(
            [
              cli.t('cli.segment.chosen', {
                subjects: result.subjects,
                k: result.k,
                silhouette: fixed(chosen, 3),
                kAnonymity: result.kAnonymity,
              }),
              ...result.segments.map((s) =>
                s.isSuppressed
                  ? cli.t('cli.segment.suppressed', { segment: s.segment, kAnonymity: result.kAnonymity })
                  : cli.t('cli.segment.profile', {
                      segment: s.segment,
                      size: s.size ?? '—',
                      r: fixed(s.means?.r),
                      f: fixed(s.means?.f),
                      m: fixed(s.means?.m),
                    }),
              ),
              ...(result.saved
                ? [
                    cli.t('cli.segment.saved', {
                      name: result.saved.name,
                      rows: result.saved.rowCount,
                      hash: result.saved.resultHash.slice(0, 16),
                    }),
                  ]
                : []),
            ],
            result,
          );
        });
      },
    );
}
