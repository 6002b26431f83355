// `custos consent grant|withdraw|show|import FILE`: the consent ledger from the command line. The
// identifier is read from stdin (never an argument: shell history and `ps` keep those); an import
// reports a bad line by its number and field, never its values.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import type { CliEnvironment } from '../environment.js';
import { EXIT_USAGE, ExitCode, UsageError } from '../exit-codes.js';

const splitList = (text: string) =>
  text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');

async function identifierFromStdin(cli: CliEnvironment): Promise<string> {
  const identifier = (await cli.readLine()).trim();
  if (identifier.length === 0) throw new UsageError('no identifier on stdin');
  return identifier;
}

async function withKeys<T>(cli: CliEnvironment, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  const masterSecret =
    cli.io.env.CUSTOS_MASTER_KEY === undefined && cli.io.stdin.isTTY
      ? await cli.promptMasterSecret()
      : undefined;
  return cli.withContext(work, masterSecret === undefined ? {} : { masterSecret });
}

export function registerConsentCommands(program: Command, cli: CliEnvironment): void {
  const consent = program
    .command('consent')
    .description(
      'the consent ledger: record grants and withdrawals, show a person’s consents, import a file',
    );

  consent
    .command('grant')
    .description("record a person's consent (the identifier is read from stdin)")
    .requiredOption('--purposes <list>', 'comma-separated purposes')
    .requiredOption('--evidence <ref>', "the consent record's id at its source")
    .option('--separate', 'separate consent for sensitive personal information (PIPL Art. 29)')
    .option('--cross-border', 'consent to transfer abroad (PIPL Art. 39)')
    .option('--channel <name>', 'where the consent was taken (app, paper, partner…)', 'cli')
    .option('--notice-version <v>', "the notice version consented to (default: the purpose's current one)")
    .option('--at <time>', 'when the person consented (ISO 8601; default now)')
    .action(
      async (options: {
        purposes: string;
        evidence: string;
        separate?: boolean;
        crossBorder?: boolean;
        channel: string;
        noticeVersion?: string;
        at?: string;
      }) => {
        const identifier = await identifierFromStdin(cli);
        await withKeys(cli, async (ctx) => {
          const change = await ctx.consents.grant(
            {
              identifier,
              purposes: splitList(options.purposes),
              evidence: options.evidence,
              separate: options.separate === true,
              crossBorder: options.crossBorder === true,
              channel: options.channel,
              noticeVersion: options.noticeVersion,
              at: options.at,
            },
            'cli',
          );
          cli.print(
            cli.t('cli.consent.granted', { subject: change.subjectId, purposes: change.purposes.join(', ') }),
            change,
          );
        });
      },
    );

  consent
    .command('withdraw')
    .description("record a person's withdrawal (the identifier is read from stdin)")
    .requiredOption('--purposes <list>', 'comma-separated purposes')
    .option('--evidence <ref>', "the withdrawal's record id at its source")
    .option('--channel <name>', 'where the withdrawal was received', 'cli')
    .option('--at <time>', 'when the person withdrew (ISO 8601; default now)')
    .action(async (options: { purposes: string; evidence?: string; channel: string; at?: string }) => {
      const identifier = await identifierFromStdin(cli);
      await withKeys(cli, async (ctx) => {
        const change = await ctx.consents.withdraw(
          {
            identifier,
            purposes: splitList(options.purposes),
            evidence: options.evidence,
            channel: options.channel,
            at: options.at,
          },
          'cli',
        );
        cli.print(
          [
            cli.t('cli.consent.withdrawn', {
              subject: change.subjectId,
              purposes: change.purposes.join(', '),
            }),
            ...(change.erased ? [cli.t('cli.consent.erased', { subject: change.subjectId })] : []),
          ],
          change,
        );
      });
    });

  consent
    .command('show')
    .description("a person's consents now and their history (the identifier is read from stdin)")
    .action(async () => {
      const identifier = await identifierFromStdin(cli);
      await withKeys(cli, async (ctx) => {
        const shown = await ctx.consents.show(identifier, 'cli');
        cli.print(
          [
            cli.t('cli.consent.subject', { subject: shown.subjectId, count: shown.consents.length }),
            ...shown.consents.map(
              (c) =>
                `  ${c.purpose}  ${c.status}  ${c.noticeVersion ?? '-'}${c.noticeHolds ? '' : ` (${cli.t('cli.consent.outdated', { current: c.currentNotice ?? '-' })})`}  ${c.separate ? 'separate' : ''} ${c.crossBorder ? 'cross-border' : ''}  ${c.withdrawnAt ?? c.grantedAt}  ${c.channel ?? '-'}  ${c.evidence ?? '-'}`,
            ),
          ],
          shown,
        );
      });
    });

  consent
    .command('import')
    .description(
      'record the consents of a CSV (header row) or NDJSON file; a bad line is reported by line and field',
    )
    .argument('<file>')
    .option('--format <format>', 'csv | ndjson (default: by the file extension)')
    .option('--channel <name>', 'channel of lines that name none', 'import')
    .option('--skip-invalid', 'record the readable lines even when others are not (default: record nothing)')
    .action(async (file: string, options: { format?: string; channel: string; skipInvalid?: boolean }) => {
      const format = (
        options.format ?? (path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson')
      ).toLowerCase();
      if (format !== 'csv' && format !== 'ndjson') throw new UsageError('--format must be csv or ndjson');
      let text: string;
      try {
        text = readFileSync(path.resolve(cli.io.cwd, file), 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const [{ parseConsentFile }, { default: cliProgress }] = await Promise.all([
        import('../../governance/index.js'),
        import('cli-progress'),
      ]);
      await withKeys(cli, async (ctx) => {
        const parsed = parseConsentFile(ctx.consents, text, format, options.channel);
        for (const p of parsed.problems)
          cli.note(
            cli.t('cli.consent.line_problem', { file, line: p.line, field: p.field, message: p.message }),
          );
        const refused = parsed.problems.length > 0 && options.skipInvalid !== true;
        const lines = refused ? [] : parsed.lines;
        const tty = !cli.isJson && (cli.io.stderr as { isTTY?: boolean }).isTTY === true;
        const bar = tty
          ? new cliProgress.SingleBar(
              {
                format: `${path.basename(file)} {bar} {value}/{total} lines`,
                stream: cli.io.stderr as NodeJS.WritableStream,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
        bar?.start(lines.length, 0);
        let recorded = 0;
        let erased = 0;
        try {
          for (let i = 0; i < lines.length; i += 500) {
            const chunk = lines.slice(i, i + 500);
            const changes = await ctx.consents.record(
              chunk.flatMap((l) => l.events),
              'cli',
              { bulk: `file:${path.basename(file)}` },
            );
            recorded += chunk.length;
            erased += changes.filter((c) => c.erased).length;
            bar?.update(recorded);
          }
        } finally {
          bar?.stop();
        }
        const summary = {
          file,
          lines: recorded,
          invalid: parsed.problems.length,
          erased,
          problems: parsed.problems,
        };
        cli.print(
          refused
            ? cli.t('cli.consent.import_refused', { file, invalid: parsed.problems.length })
            : cli.t('cli.consent.imported', {
                file,
                lines: recorded,
                invalid: parsed.problems.length,
                erased,
              }),
          summary,
        );
        if (refused) throw new ExitCode(EXIT_USAGE);
      });
    });
}
