// Parses the storage setting (`sqlite:./data/custos.db`, `postgres://…`) into a typed location.

import path from 'node:path';
import { ConfigError } from '../domain/index.js';

export type DatabaseLocation =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; connectionString: string; schema?: string };

/**
 * `baseDir` resolves relative SQLite paths (the workspace folder). A `?schema=NAME` parameter on a
 * PostgreSQL URL selects the schema (search_path) Custos uses; it is created if missing.
 */
export function parseDatabaseUrl(url: string, baseDir: string, source = 'storage'): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') {
      throw new ConfigError('invalid storage URL', [
        {
          file: source,
          path: 'storage',
          message: 'sqlite: URL needs a file path, e.g. sqlite:./data/custos.db',
        },
      ]);
    }
    return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(baseDir, file) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      // The URL may hold a password: report the problem without echoing it.
      throw new ConfigError('invalid storage URL', [
        { file: source, path: 'storage', message: 'not a valid postgres:// URL' },
      ]);
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError('invalid storage URL', [
        { file: source, path: 'storage', message: 'schema must match [a-z_][a-z0-9_]* (max 63 characters)' },
      ]);
    }
    return schema === undefined
      ? { dialect: 'postgres', connectionString: parsed.toString() }
      : { dialect: 'postgres', connectionString: parsed.toString(), schema };
  }
  throw new ConfigError('unsupported storage URL', [
    { file: source, path: 'storage', message: 'storage must start with sqlite: or postgres://' },
  ]);
}

/** The URL with any password replaced, safe for logs and status output. */
export function redactDatabaseUrl(url: string): string {
  if (!url.startsWith('postgres')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}
