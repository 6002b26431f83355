// The one place that maps errors to exit codes: 0 success, 1 the work failed, 2 bad usage or input.

import { isCustosError } from '../domain/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (isCustosError(error) && (error.code === 'validation' || error.code === 'config')) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** Bad usage of the command line itself (missing option, conflicting flags). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown by a command that has already printed its outcome and only needs a non-zero exit. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
