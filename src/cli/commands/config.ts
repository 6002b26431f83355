// `custos config check`: validate the workspace without touching any data.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';

export function registerConfigCommands(program: Command, cli: CliEnvironment): void {
  const config = program.command('config').description('workspace configuration');
  config
    .command('check')
    .description('validate custos.yaml and the declaration files; exit 2 with every problem listed')
    .action(async () => {
      // Loads only: no database is opened, nothing is written.
      const [{ validateSourceSettings }, { loadWorkspace }] = await Promise.all([
        import('../../sources/index.js'),
        import('../../workspace/index.js'),
      ]);
      const workspace = loadWorkspace(cli.workspaceDir, {
        env: cli.io.env,
        validateSource: validateSourceSettings,
      });
      const counts = {
        vendors: workspace.vendors.length,
        sources: workspace.sources.length,
        datasets: workspace.datasets.length,
        purposes: workspace.purposes.length,
        roles: workspace.roles.length,
        policies: workspace.policies.length,
      };
      cli.print(cli.t('cli.config.ok', { dir: workspace.dir, ...counts }), {
        valid: true,
        dir: workspace.dir,
        counts,
      });
    });
}
