// `custos scan`: vulnerability and posture scan — dependency audit (npm audit), configuration
// posture, and with --url or --self-check a check of a running API. Stored, audited, alerts raised
// for high and critical findings. Exit 0 when it ran, 1 with --fail-on and a finding that high.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { actorOf } from '../../domain/index.js';
import { actingUser } from '../acting-user.js';
import type { CliEnvironment } from '../environment.js';
import { EXIT_FAILURE, ExitCode, UsageError } from '../exit-codes.js';

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];

interface ScanCommandOptions {
  dependencies: boolean;
  posture: boolean;
  url?: string;
  selfCheck?: boolean;
  ca?: string;
  tokenStdin?: boolean;
  registry?: string;
  failOn?: string;
}

export function registerScanCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('scan')
    .description(
      'vulnerability and posture scan: dependencies (npm audit), configuration, optionally a running API',
    )
    .option('--no-dependencies', 'skip the dependency audit (npm audit)')
    .option('--no-posture', 'skip the configuration posture checks')
    .option('--url <url>', 'also self-check the API running at this URL')
    .option('--self-check', "also self-check the workspace's own server (server.host:port)")
    .option('--ca <file>', 'CA certificate (PEM) to trust for an HTTPS --url')
    .option('--token-stdin', 'read an API token for the authenticated checks from stdin (else CUSTOS_TOKEN)')
    .option('--registry <url>', 'registry npm audit asks (default: npm configuration)')
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding is at least this severe: low | medium | high | critical',
    )
    .action(async (options: ScanCommandOptions) => {
      const failOn = options.failOn;
      if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity))
        throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
      if (options.url && options.selfCheck) throw new UsageError('give --url or --self-check, not both');
      const { reaches } = await import('../../compliance/scan/index.js');
      const token = options.tokenStdin ? (await cli.readLine()).trim() : cli.io.env.CUSTOS_TOKEN;
      await cli.withContext(async (ctx) => {
        const actor = cli.io.env.CUSTOS_TOKEN ? actorOf(await actingUser(ctx, cli.io.env)) : 'cli';
        let url = options.url;
        if (options.selfCheck) {
          const { host, port, tls } = ctx.workspace.config.server;
          url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
        }
        if (url !== undefined && !/^https?:\/\//.test(url))
          throw new UsageError('--url must be an http:// or https:// URL');
        const result = await ctx.scans.run(actor, {
          dependencies: options.dependencies
            ? options.registry
              ? { args: ['--registry', options.registry] }
              : true
            : false,
          posture: options.posture,
          ...(url
            ? {
                api: {
                  url,
                  ...(token ? { token } : {}),
                  ...(options.ca ? { ca: readFileSync(path.resolve(cli.io.cwd, options.ca)) } : {}),
                },
              }
            : {}),
        });
        const locale = cli.locale;
        cli.print(
          [
            cli.t('cli.scan.summary', {
              id: result.id,
              ...result.counts,
              couldNotCheck: result.couldNotCheck.length,
            }),
            ...result.findings.flatMap((f) => [
              `[${f.severity}] ${f.kind}: ${f.title[locale]}`,
              `    → ${f.remediation[locale]}`,
            ]),
            ...result.couldNotCheck.map(
              (c) =>
                `[${cli.t('cli.scan.could_not')}] ${c.kind}/${c.check}: ${c.reason[locale]}${c.detail ? ` (${c.detail})` : ''}`,
            ),
          ],
          result,
        );
        if (failOn !== undefined && reaches(result.findings, failOn as Severity))
          throw new ExitCode(EXIT_FAILURE);
      });
    });
}
