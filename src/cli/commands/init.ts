// `custos init DIR`: create a new workspace.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';
import { UsageError } from '../exit-codes.js';

export function registerInitCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('init')
    .description('create a new workspace folder with custos.yaml and declaration files')
    .argument('<dir>', 'folder to create (must be empty or missing)')
    .option('--organisation <name>', 'organisation name', 'My Organisation')
    .option('--suite <suite>', 'crypto suite: sm (SM2/SM3/SM4) or aes', 'sm')
    .action(async (dir: string, options: { organisation: string; suite: string }) => {
      if (options.suite !== 'sm' && options.suite !== 'aes') {
        throw new UsageError('--suite must be sm or aes');
      }
      const { initWorkspace } = await import('../../workspace/index.js');
      const result = initWorkspace(dir, { organisation: options.organisation, suite: options.suite });
      cli.print(
        [cli.t('cli.init.created', { dir: result.dir }), ...result.files.map((f) => `  ${f}`)],
        result,
      );
    });
}
