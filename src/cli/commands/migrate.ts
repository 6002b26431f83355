// `custos migrate`: apply pending database migrations (also done automatically on start).

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';

export function registerMigrateCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const { migrateToLatest } = await import('../../store/index.js');
      await cli.withContext(
        async (ctx) => {
          const report = await migrateToLatest(ctx.store.db, ctx.store.schema);
          cli.print(
            cli.t('cli.migrate.done', {
              count: report.current.length,
              applied: report.applied.length === 0 ? '-' : report.applied.join(', '),
            }),
            { dialect: ctx.store.dialect, ...report },
          );
        },
        { migrate: false },
      );
    });
}
