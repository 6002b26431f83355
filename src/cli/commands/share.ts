// `custos share`: provide a dataset to a third party (PIPL Art. 23) — an export through the governed
// read path addressed to a vendor under a contract, refused unless the provision is declared, the
// vendor's assessment valid and the subjects' separate consent on record (docs/compliance.md).

import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ExportFormat } from '../../governance/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerShareCommands(program: Command, cli: CliEnvironment): void {
  const share = program
    .command('share')
    .description('share a dataset with a third-party vendor (declared provision, contract, consent)')
    .option('--dataset <name>')
    .option('--vendor <name>', 'the recipient (vendors.yaml)')
    .option('--contract <ref>', 'the contract reference with the recipient')
    .option('--purpose <name>', 'the purpose of the read (access policy)')
    .option('--out <file>')
    .option('--format <format>', 'ndjson | csv | xlsx (default: from the --out extension)')
    .option('--fields <names>', 'comma-separated')
    .option(
      '--leave-out-unconsented',
      'share the subjects who consented and count the others (default: refuse the whole share)',
    )
    .option('--list', 'list the shares made instead')
    .action(
      async (options: {
        dataset?: string;
        vendor?: string;
        contract?: string;
        purpose?: string;
        out?: string;
        format?: string;
        fields?: string;
        leaveOutUnconsented?: boolean;
        list?: boolean;
      }) => {
        if (options.list) {
          await cli.withContext(async (ctx) => {
            const shares = await ctx.shares.list();
            cli.print(
              shares.map(
                (s) =>
                  `${s.id}\t${s.startedAt}\t${s.dataset}\t${s.vendor}\t${s.contract}\t${s.purpose}\t${s.status}\t${s.records}\t${s.leftOut}\t${s.actor}`,
              ),
              { shares },
            );
          });
          return;
        }
        const missing = (['dataset', 'vendor', 'contract', 'purpose', 'out'] as const).filter(
          (o) => options[o] === undefined,
        );
        if (missing.length > 0)
          throw new UsageError(`custos share needs ${missing.map((o) => `--${o}`).join(', ')} (or --list)`);
        const { EXPORT_FORMATS } = await import('../../governance/index.js');
        const out = options.out!;
        const format = (options.format ?? path.extname(out).slice(1)) as ExportFormat;
        if (!EXPORT_FORMATS.includes(format))
          throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
        const fields = options.fields
          ?.split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const started = await ctx.shares.start(me, {
            dataset: options.dataset!,
            vendor: options.vendor!,
            contract: options.contract!,
            purpose: options.purpose!,
            format,
            withoutConsent: options.leaveOutUnconsented ? 'leave_out' : 'refuse',
            ...(fields ? { fields } : {}),
          });
          const file = path.resolve(cli.io.cwd, out);
          await pipeline(started.file.body, createWriteStream(file, { mode: 0o600 }));
          const done = await ctx.shares.get(started.share.id);
          cli.print(
            cli.t('cli.share.written', {
              id: done.id,
              vendor: done.vendor,
              records: done.records,
              leftOut: done.leftOut,
              file,
            }),
            { share: done, file },
          );
        });
      },
    );
  share.addHelpText(
    'after',
    '\nExample:\n  custos share --dataset credit_reports --vendor bureau --contract CT-2026-01 --purpose credit_assessment --out share.ndjson',
  );
}
