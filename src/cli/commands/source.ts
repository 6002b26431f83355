// `custos source check|discover|preview NAME`: try a declared source before collecting from it.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

export function registerSourceCommands(program: Command, cli: CliEnvironment): void {
  const source = program.command('source').description('declared sources: check, discover, preview');

  source
    .command('check')
    .description('can we connect, and as whom')
    .argument('<name>')
    .action(async (name: string) => {
      await cli.withContext(async (ctx) => {
        const s = ctx.openSource(name);
        try {
          const result = await s.check();
          const identity = result.identity ?? '-';
          cli.print(
            cli.t(result.ok ? 'cli.source.check_ok' : 'cli.source.check_failed', {
              name,
              message: result.message,
              identity,
            }),
            { source: name, ...result },
          );
          if (!result.ok) throw new ExitCode(EXIT_FAILURE);
        } finally {
          await s.close();
        }
      });
    });

  source
    .command('discover')
    .description('streams and fields the source offers')
    .argument('<name>')
    .action(async (name: string) => {
      await cli.withContext(async (ctx) => {
        const s = ctx.openSource(name);
        try {
          const streams = await s.discover();
          cli.print(
            streams.flatMap((st) => [
              `${st.name}${st.primaryKey?.length ? `  (key ${st.primaryKey.join(', ')})` : ''}`,
              ...st.fields.map((f) => `  ${f.name}\t${f.type}`),
            ]),
            { source: name, streams },
          );
        } finally {
          await s.close();
        }
      });
    });

  source
    .command('preview')
    .description('the first records of a stream, personal values masked')
    .argument('<name>')
    .option('--stream <stream>', 'stream (default: the first one)')
    .option('--limit <n>', 'records to show', '10')
    .option('--show-values', 'show values in clear (audited)')
    .action(async (name: string, options: { stream?: string; limit: string; showValues?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new UsageError('--limit must be 1–1000');
      const { previewSource } = await import('../../sources/preview.js');
      await cli.withContext(async (ctx) => {
        const s = ctx.openSource(name);
        try {
          const result = await previewSource(s, options.stream, limit, {
            showValues: options.showValues === true,
            actor: 'cli',
            audit: ctx.audit,
          });
          cli.print(
            [
              cli.t('cli.source.preview', { count: result.records.length, name, stream: result.stream }),
              ...result.records.map((r) => JSON.stringify(r)),
            ],
            result,
          );
        } finally {
          await s.close();
        }
      });
    });
}
