// `custos policy list|explain`: the workspace's access policies, and what a user would see.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';

export function registerPolicyCommands(program: Command, cli: CliEnvironment): void {
  const policy = program.command('policy').description('access policies (policies.yaml)');

  policy
    .command('list')
    .description('list the access policies')
    .action(async () => {
      await cli.withContext(async (ctx) => {
        const policies = ctx.accessPolicy.policies;
        cli.print(
          policies.map(
            (p) =>
              `${p.name}\t${[...p.roles, ...p.users.map((u) => `user:${u}`)].join(',')}\t${p.datasets.join(',')}\t${p.purposes.join(',')}\tclear≤${p.maxClearLevel}${p.requiresApproval ? '\tapproval' : ''}`,
          ),
          { policies },
        );
      });
    });

  policy
    .command('explain')
    .description('field by field, what a user would see of a dataset for a purpose, and which rule decided')
    .requiredOption('--user <username>')
    .requiredOption('--dataset <name>')
    .requiredOption('--purpose <name>')
    .action(async (options: { user: string; dataset: string; purpose: string }) => {
      await cli.withContext(async (ctx) => {
        const user = await ctx.users.get(options.user);
        const explanation = await ctx.accessPolicy.explain(
          { username: user.username, role: user.role },
          options.dataset,
          options.purpose,
          cli.locale,
        );
        const lines = [
          cli.t('cli.policy.explain', {
            user: user.username,
            dataset: options.dataset,
            purpose: options.purpose,
            outcome: explanation.outcome,
          }),
          ...(explanation.refusal ? [`  ${explanation.refusal.reason}`] : []),
          ...explanation.fields.map(
            (f) =>
              `  ${f.field.padEnd(20)} ${f.access.padEnd(7)} ${(f.mask ?? '').padEnd(12)} ${f.rule}  (${f.reason})`,
          ),
          ...explanation.rowFilters.map(
            (r) => `  ${cli.t('cli.policy.row_filter', { rule: r.rule, where: JSON.stringify(r.where) })}`,
          ),
        ];
        cli.print(lines, explanation);
      });
    });
}
