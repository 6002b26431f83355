// `custos token create|revoke|list`: API tokens for scripts and integrations.

import type { Command } from 'commander';
import { parseDuration } from '../../domain/index.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerTokenCommands(program: Command, cli: CliEnvironment): void {
  const token = program.command('token').description('API tokens (shown once, stored hashed)');

  token
    .command('create')
    .description('create an API token for a user; the secret is printed once')
    .requiredOption('--user <username>', 'owner of the token')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--expires-in <duration>', 'lifetime such as 30d, 12h (max 366d)', '90d')
    .action(async (options: { user: string; name: string; expiresIn: string }) => {
      const ttl = parseDuration(options.expiresIn);
      if (ttl === undefined) throw new UsageError('--expires-in must look like 30d, 12h or 45m');
      const { DEFAULT_TOKEN_TTL_MS } = await import('../../governance/index.js');
      await cli.withContext(async (ctx) => {
        const created = await ctx.tokens.create(
          options.user,
          options.name,
          ttl ?? DEFAULT_TOKEN_TTL_MS,
          'cli',
        );
        cli.print(
          [
            cli.t('cli.token.created', {
              name: created.info.name,
              username: created.info.username,
              id: created.info.id,
              expiresAt: created.info.expiresAt,
            }),
            created.token,
            cli.t('cli.token.shown_once'),
          ],
          created,
        );
      });
    });

  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>')
    .action(async (id: string) => {
      await cli.withContext(async (ctx) => {
        const revoked = await ctx.tokens.revoke(id, 'cli', 'cli');
        cli.print(cli.t('cli.token.revoked', { id }), { token: revoked });
      });
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--user <username>', 'only this user’s tokens')
    .action(async (options: { user?: string }) => {
      await cli.withContext(async (ctx) => {
        const tokens = await ctx.tokens.list(options.user);
        cli.print(
          tokens.map(
            (t) => `${t.id}\t${t.username}\t${t.name}\t${t.revokedAt ? 'revoked' : `expires ${t.expiresAt}`}`,
          ),
          { tokens },
        );
      });
    });
}
