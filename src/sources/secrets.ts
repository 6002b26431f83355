// Secrets in source declarations are references, never values: `env:NAME` or `file:path`
// (relative to the workspace). Errors name the reference, never the value.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../domain/index.js';

export const secretRef = z
  .string()
  .regex(
    /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/,
    'must be a reference: env:NAME or file:path (never the secret itself)',
  );

export function resolveSecret(
  reference: string,
  env: NodeJS.ProcessEnv,
  workspaceDir: string,
  where: string,
): string {
  if (reference.startsWith('env:')) {
    const name = reference.slice(4);
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ConfigError(`${where}: environment variable ${name} is not set`, [
        { file: 'sources.yaml', path: where, message: `${reference} is not set in the environment` },
      ]);
    }
    return value;
  }
  const file = path.resolve(workspaceDir, reference.slice(5));
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new ConfigError(`${where}: cannot read ${reference}`, [
      { file: 'sources.yaml', path: where, message: `${reference} cannot be read` },
    ]);
  }
}
