// `custos monitor run`: evaluate the security monitoring rules now (verifying the audit log against
// the pinned keys first), raise and deliver alerts; `custos alerts …`: list, acknowledge, close.

import type { Command } from 'commander';
import { actorOf } from '../../domain/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode } from '../exit-codes.js';

export function registerMonitorCommands(program: Command, cli: CliEnvironment): void {
  const monitor = program
    .command('monitor')
    .description('security monitoring: evaluate the rules, raise alerts');
  monitor
    .command('run')
    .description('evaluate every monitoring rule now; exit 1 when an alert was raised')
    .option('--no-verify', 'skip verifying the audit log against the pinned keys')
    .action(async (options: { verify: boolean }) => {
      await cli.withContext(async (ctx) => {
        // With verification, the result is stored like a scheduled one (trigger `manual`).
        const run = options.verify
          ? (await ctx.auditVerifications.verifyAndMonitor('manual')).run
          : await ctx.monitor.run();
        cli.print(
          [
            cli.t('cli.monitor.ran', { findings: run.findings.length, raised: run.raised.length }),
            ...run.raised.map((a) => `${a.severity} ${a.rule} ${a.subject} (${a.id})`),
          ],
          { findings: run.findings, raised: run.raised, deliveryFailures: run.deliveryFailures },
        );
        if (run.raised.length > 0) throw new ExitCode(EXIT_FAILURE);
      });
    });

  const alerts = program.command('alerts').description('security alerts: list, acknowledge, close');
  alerts
    .command('list')
    .option('--status <status>', 'open | acknowledged | closed')
    .action(async (options: { status?: 'open' | 'acknowledged' | 'closed' }) => {
      await cli.withContext(async (ctx) => {
        const list = await ctx.alerts.list(options.status ? { status: options.status } : {});
        cli.print(
          list.map((a) => `${a.id} ${a.status} ${a.severity} ${a.rule} ${a.subject} ×${a.occurrences}`),
          { alerts: list },
        );
      });
    });
  for (const verb of ['ack', 'close'] as const) {
    alerts
      .command(`${verb} <id>`)
      .description(
        verb === 'ack'
          ? 'acknowledge an open alert, as the owner of CUSTOS_TOKEN (audited)'
          : 'close an alert, as the owner of CUSTOS_TOKEN (audited)',
      )
      .option('--note <text>', 'what was done')
      .action(async (id: string, options: { note?: string }) => {
        await cli.withContext(async (ctx) => {
          // A personal act: the person proves who they are with their token (CUSTOS_TOKEN).
          const actor = actorOf(await actingUser(ctx, cli.io.env));
          const alert =
            verb === 'ack'
              ? await ctx.alerts.acknowledge(id, actor, options.note)
              : await ctx.alerts.close(id, actor, options.note);
          cli.print(`${alert.id} ${alert.status}`, { alert });
        });
      });
  }
}
