// `custos grants list|revoke`: the grants approved access requests created.

import type { Command } from 'commander';
import { actorOf } from '../../domain/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerGrantCommands(program: Command, cli: CliEnvironment): void {
  const grants = program.command('grants').description('grants of approved access requests');

  grants
    .command('list')
    .description('list grants (all for officers, admins and auditors; yours otherwise)')
    .option('--status <status>', 'active, expired or revoked')
    .action(async (options: { status?: string }) => {
      const status = options.status;
      if (status !== undefined && !['active', 'expired', 'revoked'].includes(status))
        throw new UsageError('--status must be active, expired or revoked');
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        // Loaded when the command runs, not with every `custos` start.
        const { canOversee } = await import('../../governance/index.js');
        const found = await ctx.grants.list({
          ...(status ? { status: status as 'active' | 'expired' | 'revoked' } : {}),
          ...(canOversee(me) ? {} : { grantee: me.username }),
        });
        cli.print(
          found.map(
            (g) =>
              `${g.id}\t${g.status}\t${g.grantee}\t${g.datasets.join(',')}\t${g.purpose}\t${g.expiresAt}`,
          ),
          { grants: found },
        );
      });
    });

  grants
    .command('revoke')
    .description('revoke a grant (compliance officers and admins)')
    .argument('<id>')
    .action(async (id: string) => {
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        if (me.role !== 'compliance_officer' && me.role !== 'admin')
          throw new UsageError('only compliance officers and admins revoke grants');
        const grant = await ctx.grants.revoke(id, actorOf(me));
        cli.print(cli.t('cli.grants.revoked', { id }), { grant });
      });
    });
}
