// `custos access request|approve|reject|list`: data-use approval (审批流程) from the command line,
// acting as the owner of CUSTOS_TOKEN (see acting-user.ts).

import type { Command } from 'commander';
import type { AccessRequest, Grant } from '../../governance/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export function registerAccessCommands(program: Command, cli: CliEnvironment): void {
  const access = program.command('access').description('access requests and their approval');

  access
    .command('request')
    .description('ask for access to datasets for a purpose (acts as the owner of CUSTOS_TOKEN)')
    .requiredOption('--dataset <names>', 'dataset name(s), comma-separated')
    .requiredOption('--purpose <name>')
    .requiredOption('--days <n>', 'how long the grant should last')
    .requiredOption('--justification <text>', 'why the data is needed (10–2000 characters)')
    .option('--fields <names>', 'only these fields, comma-separated')
    .action(
      async (options: {
        dataset: string;
        purpose: string;
        days: string;
        justification: string;
        fields?: string;
      }) => {
        const days = Number(options.days);
        if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a whole number ≥ 1');
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          const request = await ctx.accessRequests.request(me, {
            datasets: list(options.dataset),
            purpose: options.purpose,
            durationDays: days,
            justification: options.justification,
            ...(options.fields ? { fields: list(options.fields) } : {}),
          });
          cli.print(
            cli.t('cli.access.requested', { id: request.id, approvals: request.approvalsRequired }),
            request,
          );
        });
      },
    );

  for (const decision of ['approve', 'reject'] as const) {
    access
      .command(decision)
      .description(`${decision} a request (compliance officers; never your own)`)
      .argument('<id>')
      .option('--comment <text>')
      .action(async (id: string, options: { comment?: string }) => {
        await cli.withContext(async (ctx) => {
          const me = await actingUser(ctx, cli.io.env);
          if (me.role !== 'compliance_officer')
            throw new UsageError('only compliance officers approve or reject access requests');
          const result: { request: AccessRequest; grant?: Grant } = await ctx.accessRequests[decision](
            id,
            me,
            options.comment,
          );
          const grant = result.grant;
          cli.print(
            grant
              ? cli.t('cli.access.granted', {
                  id,
                  grant: grant.id,
                  grantee: grant.grantee,
                  expiresAt: grant.expiresAt,
                })
              : cli.t('cli.access.decided', { id, status: result.request.status }),
            result,
          );
        });
      });
  }

  access
    .command('list')
    .description('list access requests (all for officers, admins and auditors; yours otherwise)')
    .option('--status <status>', 'pending, approved or rejected')
    .action(async (options: { status?: string }) => {
      const status = options.status;
      if (status !== undefined && !['pending', 'approved', 'rejected'].includes(status))
        throw new UsageError('--status must be pending, approved or rejected');
      await cli.withContext(async (ctx) => {
        const me = await actingUser(ctx, cli.io.env);
        // Loaded when the command runs, not with every `custos` start.
        const { canOversee } = await import('../../governance/index.js');
        const requests = await ctx.accessRequests.list({
          ...(status ? { status: status as 'pending' | 'approved' | 'rejected' } : {}),
          ...(canOversee(me) ? {} : { requester: me.username }),
        });
        cli.print(
          requests.map(
            (r) =>
              `${r.id}\t${r.status}\t${r.requester}\t${r.datasets.join(',')}\t${r.purpose}\t${r.durationDays}d\t${r.decisions.filter((d) => d.decision === 'approve').length}/${r.approvalsRequired}`,
          ),
          { requests },
        );
      });
    });
}
