// Runs the CLI in-process with captured output (and optional stdin).

import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += String(chunk);
  });
  stderr.on('data', (chunk) => {
    err += String(chunk);
  });
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: Readable.from([options.stdin ?? '']),
    env: { CUSTOS_LANG: 'en', ...options.env },
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout: out, stderr: err };
}
