// `custos records list|get|find|export|verify`: the governed read path from the command line,
// acting as the owner of CUSTOS_TOKEN (verify is an operator's integrity check and reads no values).

import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ExportFormat } from '../../governance/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

const split = (text: string | undefined) =>
  text
    ?.split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');

export function registerRecordCommands(program: Command, cli: CliEnvironment): void {
  const records = program.command('records').description('read collected records through policy (audited)');

  records
    .command('list')
    .description('list current records of a dataset for a purpose')
    .argument('<dataset>')
    .requiredOption('--purpose <name>')
    .option('--fields <names>', 'comma-separated')
    .option(
      '--filter <json>',
      'row condition over fields you see in clear, e.g. {"field":"city","eq":"深圳"}',
    )
    .option('--limit <n>', 'records per page (1–1000)', '100')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .option('--exclude-deleted', 'leave out records deleted at source (shown, flagged, by default)')
    .action(
      async (
        dataset: string,
        options: {
          purpose: string;
          fields?: string;
          filter?: string;
          limit: string;
          cursor?: string;
          excludeDeleted?: boolean;
        },
      ) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new UsageError('--limit must be 1–1000');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const fields = split(options.fields);
          const { RecordReadService } = await import('../../governance/index.js');
          const page = await ctx.records.list(me, dataset, {
            purpose: options.purpose,
            limit,
            includeDeleted: options.excludeDeleted !== true,
            ...(fields ? { fields } : {}),
            ...(options.filter ? { filter: RecordReadService.parseFilter(options.filter) } : {}),
            ...(options.cursor ? { cursor: options.cursor } : {}),
          });
          cli.print(
            [
              ...page.items.map(
                (i) =>
                  `${i.key}\tv${i.version}\t${JSON.stringify(i.fields)}${i.deletedAtSource ? `\t${cli.t('cli.records.deleted_at_source', { at: i.deletedAtSource })}` : ''}`,
              ),
              cli.t('cli.records.page', {
                count: page.items.length,
                noConsent: page.withheld.noConsent,
                filtered: page.withheld.filtered,
                damaged: page.damaged.length,
              }),
              ...(page.nextCursor ? [`--cursor ${page.nextCursor}`] : []),
            ],
            page,
          );
        });
      },
    );

  records
    .command('get')
    .description('one record by natural key')
    .argument('<dataset>')
    .argument('<key>')
    .requiredOption('--purpose <name>')
    .option('--fields <names>', 'comma-separated')
    .action(async (dataset: string, key: string, options: { purpose: string; fields?: string }) => {
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const fields = split(options.fields);
        const item = await ctx.records.get(me, dataset, key, {
          purpose: options.purpose,
          ...(fields ? { fields } : {}),
        });
        cli.print(
          Object.entries(item.fields).map(([f, v]) => `${f}\t${v === null ? '' : String(v)}`),
          item,
        );
      });
    });

  records
    .command('find')
    .description('find a person across datasets by an identifier (read from stdin, never an argument)')
    .requiredOption('--purpose <name>')
    .action(async (options: { purpose: string }) => {
      // From stdin: an ID number on the command line would land in shell history and `ps`.
      const identifier = (await cli.readLine()).trim();
      if (identifier === '')
        throw new UsageError('write the identifier to stdin, e.g. `echo … | custos records find`');
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        const found = await ctx.records.lookup(me, identifier, options.purpose);
        cli.print(
          [
            ...found.matches.flatMap((m) =>
              m.items.map((i) => `${m.dataset}\t${i.key}\t${JSON.stringify(i.fields)}`),
            ),
            ...found.skipped.map((s) => `${s.dataset}\t(${s.code})`),
          ],
          found,
        );
      });
    });

  records
    .command('export')
    .description('export a dataset through policy to a file (ndjson, csv or xlsx)')
    .argument('<dataset>')
    .requiredOption('--purpose <name>')
    .requiredOption('--out <file>')
    .option('--format <format>', 'ndjson | csv | xlsx (default: from the --out extension)')
    .option('--fields <names>', 'comma-separated')
    .option('--exclude-deleted', 'leave out records deleted at source (included, flagged, by default)')
    .action(
      async (
        dataset: string,
        options: { purpose: string; out: string; format?: string; fields?: string; excludeDeleted?: boolean },
      ) => {
        // Loaded when the command runs, not with every `custos` start.
        const { EXPORT_FORMATS } = await import('../../governance/index.js');
        const format = (options.format ?? path.extname(options.out).slice(1)) as ExportFormat;
        if (!EXPORT_FORMATS.includes(format))
          throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const fields = split(options.fields);
          const started = await ctx.exports.start(me, dataset, {
            purpose: options.purpose,
            format,
            includeDeleted: options.excludeDeleted !== true,
            ...(fields ? { fields } : {}),
          });
          const file = path.resolve(cli.io.cwd, options.out);
          await pipeline(started.body, createWriteStream(file, { mode: 0o600 }));
          cli.print(cli.t('cli.records.exported', { id: started.id, file }), {
            id: started.id,
            file,
            format,
          });
        });
      },
    );

  records
    .command('verify')
    .description('authenticate every stored record of a dataset and name damaged ones by key')
    .argument('<dataset>')
    .action(async (dataset: string) => {
      await cli.withContext(async (ctx) => {
        const report = await ctx.records.verify(dataset, 'cli');
        cli.print(
          [
            cli.t('cli.records.verified', {
              dataset,
              checked: report.checked,
              damaged: report.damaged.length,
              erased: report.erased,
            }),
            ...report.damaged.map((key) => `  damaged: ${key}`),
          ],
          report,
        );
        if (report.damaged.length > 0) throw new ExitCode(EXIT_FAILURE);
      });
    });
}
