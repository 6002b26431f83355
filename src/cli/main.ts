// The `custos` command: parses arguments, runs one command, maps the outcome to an exit code.

import { Command, CommanderError } from 'commander';
import { ConfigError, type ConfigIssue, isCustosError, resolveLocale, translate } from '../domain/index.js';
import { commandGroups } from './commands/index.js';
import { CliEnvironment } from './environment.js';
import { EXIT_OK, EXIT_USAGE, ExitCode, exitCodeFor, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';

export const VERSION = '0.1.0';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('custos');
  const cli = new CliEnvironment(io, program);
  program
    .description('Custos — compliant data collection (PIPL, JR/T 0171, JR/T 0197)')
    .version(VERSION)
    .option('-w, --workspace <dir>', 'workspace folder (default: $CUSTOS_WORKSPACE or the current folder)')
    .option('--json', 'print machine-readable JSON')
    .option('--lang <locale>', 'zh-CN (default) or en')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const register of commandGroups) register(program, cli);
  for (const command of program.commands) applyExitOverride(command, io);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other commander error is bad usage.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof ExitCode) return error.code;
    await reportError(error, io, program.opts<{ json?: boolean; lang?: string }>());
    return exitCodeFor(error);
  }
}

function applyExitOverride(command: Command, io: CliIo): void {
  command.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  for (const sub of command.commands) applyExitOverride(sub, io);
}

async function reportError(
  error: unknown,
  io: CliIo,
  options: { json?: boolean; lang?: string },
): Promise<void> {
  const locale = resolveLocale(options.lang, io.env.CUSTOS_LANG, io.env.LC_ALL, io.env.LANG);
  if (options.json) {
    const body = isCustosError(error)
      ? { error: { code: error.code, message: error.message, details: error.details } }
      : error instanceof UsageError
        ? { error: { code: 'usage', message: error.message } }
        : { error: { code: 'internal', message: 'internal error' } };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    if (!isCustosError(error) && !(error instanceof UsageError)) io.stderr.write(`${stackOf(error)}\n`);
    return;
  }
  if (error instanceof ConfigError) {
    const { describeIssue } = await import('../workspace/index.js');
    io.stderr.write(`${translate(locale, 'cli.config.problems', { count: error.details.length })}\n`);
    for (const issue of error.details as ConfigIssue[]) io.stderr.write(`  ${describeIssue(issue)}\n`);
    return;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`${translate(locale, 'error.usage')}: ${error.message}\n`);
    return;
  }
  if (isCustosError(error)) {
    io.stderr.write(`${translate(locale, `error.${error.code}`)}: ${error.message}\n`);
    return;
  }
  // A bug: show the stack (it holds code locations, not data) so it can be reported.
  io.stderr.write(`${translate(locale, 'error.internal')}: ${stackOf(error)}\n`);
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
