import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it('resolves a relative SQLite path against the workspace', () => {
    expect(parseDatabaseUrl('sqlite:./data/custos.db', '/ws')).toEqual({
      dialect: 'sqlite',
      file: '/ws/data/custos.db',
    });
  });

  it('takes the schema out of a PostgreSQL URL', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db?schema=tenant_a', '/ws')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://u@h:5432/db',
      schema: 'tenant_a',
    });
  });

  it('refuses an unsafe schema name and unknown schemes, naming the setting', () => {
    expect(() => parseDatabaseUrl('postgres://u@h/db?schema=a;drop', '/ws')).toThrow(/invalid storage URL/);
    expect(() => parseDatabaseUrl('mysql://h/db', '/ws')).toThrowError(
      expect.objectContaining({ code: 'config' }),
    );
  });

  it('redacts passwords for display', () => {
    expect(redactDatabaseUrl('postgres://u:pw@h/db')).toBe('postgres://u:***@h/db');
    expect(redactDatabaseUrl('sqlite:./x.db')).toBe('sqlite:./x.db');
  });
});
