// `custos serve`: the HTTP API and console. On first start it creates the admin user.
// A start that fails (no master secret, port taken) fails before it writes keys or creates users,
// and says why in one line.

import path from 'node:path';
import type { Command } from 'commander';
import { UnavailableError } from '../../domain/index.js';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerServeCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('serve')
    .description('run the API server and console')
    .option('--host <host>', 'address to listen on (default from custos.yaml, 127.0.0.1)')
    .option('--port <port>', 'port (default from custos.yaml, 8750; 0 picks a free one)')
    .option('--no-worker', 'execute no queued runs in this process (leave them to custos worker processes)')
    .action(async (options: { host?: string; port?: string; worker: boolean }) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new UsageError('--port must be an integer between 0 and 65535');
      }
      // The server, pipeline and simulators load when serve runs, not with every `custos` start.
      const [
        { buildServer, checkBindAddress },
        { queueDemoRuns, retentionSchedule, seedDemoConsents, startScheduler },
        { startDemoSimulators },
        { checkAuditSchedule, startAuditScheduler },
        { startAuditVerificationSchedule },
        { checkScanSchedule, startScanScheduler },
      ] = await Promise.all([
        import('../../api/index.js'),
        import('../../pipeline/index.js'),
        import('../../sources/simulators/demo.js'),
        import('../../compliance/index.js'),
        import('../../compliance/monitoring/index.js'),
        import('../../compliance/scan/index.js'),
      ]);
      // Request logs at info level on stderr; stdout carries the URL and login.
      // Refuses to start without the master secret (rather than run unable to protect data), checked
      // before anything is written.
      const ctx = await cli.openContext({
        logLevel: cli.io.env.CUSTOS_LOG_LEVEL ?? 'info',
        requireMasterSecret: true,
      });
      // Listening for SIGINT/SIGTERM from here on: a signal that arrives while the server starts,
      // or just after it printed its URL, stops it cleanly once started (exit 0), never kills it.
      const shutdown = waitForShutdown();
      try {
        // A bad compliance.auditSchedule stops the start before anything listens.
        checkAuditSchedule(ctx.workspace);
        checkScanSchedule(ctx.workspace);
        const host = options.host ?? ctx.workspace.config.server.host;
        // Before anything listens: a non-loopback address is not served in clear (docs/security.md).
        checkBindAddress(host, ctx.workspace);
        const simulators = await whenPortFree(() => startDemoSimulators(ctx.workspace));
        const { app } = await buildServer(ctx);
        try {
          await whenPortFree(() => app.listen({ host, port: port ?? ctx.workspace.config.server.port }));
        } catch (error) {
          await app.close();
          await simulators?.close();
          throw error;
        }
        // Listening: now the keyring and the first admin may be created.
        ctx.keys();
        const admin = await ctx.users.ensureInitialAdmin(cli.io.env.CUSTOS_ADMIN_PASSWORD);
        const workspaceOption = workspaceOptionFor(cli.io.cwd, ctx.workspace.dir);
        const address = app.server.address();
        const actualPort = typeof address === 'object' && address ? address.port : port;
        const scheme = ctx.workspace.config.server.tls ? 'https' : 'http';
        const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`;
        const lines = [
          cli.t('cli.serve.listening', { url }),
          cli.t('cli.serve.api_docs', { url: `${url}api/v1/docs` }),
          cli.t('cli.serve.workspace', { dir: ctx.workspace.dir, storage: ctx.storageDescription }),
        ];
        if (admin?.isGenerated) {
          lines.push(
            cli.t('cli.serve.admin_created', { username: admin.username, password: admin.password }),
            cli.t('cli.serve.admin_created_note', { username: admin.username, workspace: workspaceOption }),
          );
        } else if (admin) {
          lines.push(cli.t('cli.serve.admin_from_env', { username: admin.username }));
        } else {
          lines.push(cli.t('cli.serve.login_hint', { workspace: workspaceOption }));
        }
        cli.print(lines, {
          url,
          workspace: ctx.workspace.dir,
          storage: ctx.storageDescription,
          admin: admin
            ? { username: admin.username, ...(admin.isGenerated ? { password: admin.password } : {}) }
            : null,
        });
        if (simulators)
          cli.note(
            cli.t('cli.serve.demo_simulators', {
              url: simulators.partnerApi.url,
              site: simulators.noticeSite.url,
            }),
          );
        const retention = retentionSchedule(ctx.workspace);
        const scheduler = startScheduler({
          workspace: ctx.workspace,
          runs: ctx.runs,
          logger: ctx.logger,
          worker: options.worker,
          // Retention under the server (custos.yaml retention.schedule); its report is audited.
          jobs:
            retention === undefined
              ? []
              : [
                  {
                    name: 'retention',
                    schedule: retention,
                    run: async () => {
                      const report = await ctx.retention.run({ actor: 'system:retention' });
                      cli.note(
                        cli.t('cli.retention.ran', {
                          deleted: report.totals.deleted,
                          held: report.totals.keptOnHold,
                          keys: report.keysDeleted,
                        }),
                      );
                    },
                  },
                ],
          onRunFinished: (s) =>
            cli.note(
              cli.t('cli.serve.run_finished', {
                dataset: s.dataset,
                status: s.status,
                stored: s.stored + s.updated,
                quarantined: s.quarantined,
                detail:
                  s.error ??
                  Object.entries(s.quarantineReasons)
                    .map(([r, n]) => `${r} ${n}`)
                    .join(', '),
              }),
            ),
        });
        // PIPL Art. 54: compliance audits on custos.yaml's compliance.auditSchedule.
        const audits = startAuditScheduler({
          workspace: ctx.workspace,
          compliance: ctx.compliance,
          logger: ctx.logger,
          onAudit: (audit) =>
            cli.note(cli.t('cli.compliance.scheduled_audit', { id: audit.id, score: audit.score })),
        });
        // Vulnerability and posture scans on custos.yaml's security.scan.schedule (docs/security.md).
        const scans = startScanScheduler({ workspace: ctx.workspace, scans: ctx.scans, logger: ctx.logger });
        if (!options.worker) cli.note(cli.t('cli.serve.no_worker'));
        // Security monitoring every minute (docs/security.md); a failure is logged, never fatal.
        const monitorTimer = setInterval(() => {
          ctx.monitor
            .run()
            .catch((error: Error) => ctx.logger.warn({ reason: error.message }, 'security monitor failed'));
        }, 60_000);
        monitorTimer.unref();
        // The whole audit log against the pinned keys, every monitoring.verifyEveryMinutes.
        const verifications = startAuditVerificationSchedule({
          workspace: ctx.workspace,
          verifications: ctx.auditVerifications,
          logger: ctx.logger,
        });
        if (simulators && ctx.workspace.config.demo?.collectOnStart) {
          await seedDemoConsents(ctx.store, ctx.keys(), ctx.workspace, simulators.partnerApi);
          const { queued, skipped } = await queueDemoRuns(ctx.workspace, ctx.runs);
          cli.note(cli.t('cli.serve.demo_collecting', { queued: queued.join(', ') }));
          if (skipped.length > 0) cli.note(cli.t('cli.serve.demo_skipped', { skipped: skipped.join(', ') }));
        }
        await shutdown.requested;
        clearInterval(monitorTimer);
        await verifications.stop();
        await scheduler.stop();
        await audits.stop();
        await scans.stop();
        await app.close();
        await simulators?.close();
      } finally {
        shutdown.dispose();
        await ctx.close();
      }
    });
}

/** A port already taken becomes one line saying so, not a stack trace. */
async function whenPortFree<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { address?: string; port?: number };
    if (failure.code !== 'EADDRINUSE') throw error;
    throw new UnavailableError(
      `${failure.address ?? 'the address'}:${failure.port ?? '?'} is already in use — is another custos serve (or the demo) running? Stop it, or pick another port with --port`,
      { address: failure.address, port: failure.port },
      { cause: error },
    );
  }
}

/** ` -w DIR` for hints printed to the user, unless the workspace is the current folder. */
function workspaceOptionFor(cwd: string, dir: string): string {
  const relative = path.relative(cwd, dir);
  if (relative === '') return '';
  const shown = path.isAbsolute(relative) || relative.startsWith('..') ? dir : relative;
  return ` -w ${/[\s'"$`\\]/.test(shown) ? JSON.stringify(shown) : shown}`;
}

interface Shutdown {
  /** Settles at the first SIGINT or SIGTERM. */
  requested: Promise<void>;
  /** Stops listening for the signals (their default action applies again). */
  dispose(): void;
}

function waitForShutdown(): Shutdown {
  let stop = () => {};
  const requested = new Promise<void>((resolve) => {
    stop = () => {
      dispose();
      resolve();
    };
  });
  const dispose = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { requested, dispose };
}
