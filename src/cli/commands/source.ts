// `custos source check|discover|preview NAME`: try a declared source before collecting from it.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

export function registerSourceCommands(program: Command, cli: CliEnvironment): void {
  const source = program
    .command('source')
    .description('declared sources: check, discover, preview, replication slots');

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

  source
    .command('slots')
    .description('replication slots / binlog positions a CDC source holds on the partner server')
    .argument('<name>')
    .option('--drop', 'drop the slots (and publications) Custos created; the datasets start over')
    .option('--stream <stream>', 'with --drop: only this stream')
    .action(async (name: string, options: { drop?: boolean; stream?: string }) => {
      if (options.stream !== undefined && !options.drop) throw new UsageError('--stream goes with --drop');
      // Loaded when the command runs, as every command's modules are (a quick start-up).
      const { dropReplication, replicationReport } = await import('../../pipeline/index.js');
      await cli.withContext(async (ctx) => {
        if (options.drop) {
          const streams = await dropReplication(ctx, name, 'cli', options.stream);
          cli.print(
            cli.t('cli.source.slots_dropped', {
              name,
              count: streams.length,
              streams: streams.join(', ') || '-',
            }),
            { source: name, dropped: streams },
          );
          return;
        }
        const reports = await replicationReport(ctx, name);
        cli.print(
          reports.map((r) =>
            cli.t('cli.source.slot', {
              stream: r.stream,
              kind: r.kind,
              slot: r.name,
              state: cli.t(
                !r.exists
                  ? 'cli.source.slot_missing'
                  : r.isActive
                    ? 'cli.source.slot_active'
                    : 'cli.source.slot_idle',
              ),
              retained: r.retainedBytes === null ? '-' : `${r.retainedBytes} B`,
              lagging: r.isLagging ? cli.t('cli.source.slot_lagging') : '',
              detail: r.detail,
              datasets: r.datasets.join(', ') || '-',
            }),
          ),
          { source: name, slots: reports },
        );
        // A lagging slot is a failure to act on (monitoring can run this command).
        if (reports.some((r) => r.isLagging)) throw new ExitCode(EXIT_FAILURE);
      });
    });
}
