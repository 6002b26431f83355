// `custos user add|passwd|list`: manage console and API users.

import type { Command } from 'commander';
import { isRole, ROLES } from '../../domain/index.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerUserCommands(program: Command, cli: CliEnvironment): void {
  const user = program.command('user').description('users and their roles');

  user
    .command('add')
    .description('add a user (password prompted, or read from stdin with --password-stdin)')
    .argument('<username>')
    .requiredOption('--role <role>', `one of: ${ROLES.join(', ')}`)
    .option('--display-name <name>', 'name shown in the console')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(
      async (username: string, options: { role: string; displayName?: string; passwordStdin?: boolean }) => {
        if (!isRole(options.role)) throw new UsageError(`--role must be one of: ${ROLES.join(', ')}`);
        const role = options.role;
        const password = await cli.readSecret(options.passwordStdin === true, true);
        await cli.withContext(async (ctx) => {
          const created = await ctx.users.create(
            {
              username,
              role,
              password,
              ...(options.displayName ? { displayName: options.displayName } : {}),
            },
            'cli',
          );
          cli.print(cli.t('cli.user.added', { username, role }), { user: created });
        });
      },
    );

  user
    .command('passwd')
    .description('set a user’s password (ends their sessions and clears a login lock)')
    .argument('<username>')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (username: string, options: { passwordStdin?: boolean }) => {
      const password = await cli.readSecret(options.passwordStdin === true, true);
      await cli.withContext(async (ctx) => {
        await ctx.users.setPassword(username, password, 'cli');
        cli.print(cli.t('cli.user.password_changed', { username }), { username, changed: true });
      });
    });

  user
    .command('list')
    .description('list users')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const users = await ctx.users.list();
        cli.print(
          users.map((u) => `${u.username}\t${u.role}${u.isDisabled ? '\t(disabled)' : ''}`),
          { users },
        );
      });
    });
}
