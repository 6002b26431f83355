// `custos classify FILE`: what personal information a file holds. Text files get entity spans
// (UTF-16 offsets into the decoded text, end exclusive); CSV, NDJSON and JSON get one result per
// field. Values are masked unless --show-values: a value the classifier did not recognise is
// masked whole (undetected is not public). Needs no workspace.

import type { Command } from 'commander';
import type { CliEnvironment } from '../environment.js';
import type { ClassifyOptions } from './classify-file.js';

export function registerClassifyCommands(program: Command, cli: CliEnvironment): void {
  program
    .command('classify')
    .description('classify the personal information in a file (CSV, NDJSON, JSON or text)')
    .argument('[file]', 'file to classify')
    .option('--format <format>', 'csv | ndjson | json | text (default: from the file extension)')
    .option('--encoding <encoding>', 'utf8 | gbk | gb18030 (default: detected)')
    .option('--show-values', 'print values in clear (default: masked)')
    .option('--sample <n>', 'records examined per field', '1000')
    .option('--evaluate', 'print precision, recall and F1 per entity type on a generated labelled corpus')
    .action(async (file: string | undefined, options: ClassifyOptions) => {
      // The detectors and parsers load when the command runs, not with every `custos` start.
      const { classifyFile } = await import('./classify-file.js');
      classifyFile(cli, file, options);
    });
}
