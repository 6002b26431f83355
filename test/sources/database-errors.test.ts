// A failed read names the driver's error code, never its text: PostgreSQL quotes the offending
// value (`invalid input syntax for type bigint: "…"`), and the message reaches the run's error and
// its audit entry, which are never erased.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSource } from '../../src/sources/registry.js';
import type { Source } from '../../src/sources/types.js';
import { accountRows, createPartnerDb, type PartnerDb } from '../support/partner-db.js';

let dir: string;
let db: PartnerDb;
let source: Source;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'custos-dberr-'));
  db = await createPartnerDb('postgres', dir);
  await db.insert(accountRows(1, 5));
  source = await openSource(
    {
      name: 'partner-db',
      type: 'database',
      egress: { allow: ['127.0.0.1'], allowPrivate: true },
      dialect: 'postgres',
      url: 'env:PARTNER_DB_URL',
      streams: { s: { table: 'accounts', cursor: 'id', primaryKey: ['id'] } },
    } as never,
    { workspaceDir: dir, env: { PARTNER_DB_URL: db.location }, allowPrivateNetworks: true },
  );
});
afterAll(async () => {
  await source.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('reports a failed read by SQLSTATE, without the value the database quoted', async () => {
  // A saved position that no longer fits the column (the partner changed its type): an ID number.
  const value = '11010119900307123X';
  let failure: unknown;
  try {
    for await (const _ of source.read('s', { cursor: value, key: [value] } as never)) {
      // nothing is read
    }
  } catch (error) {
    failure = error;
  }
  expect(failure).toBeInstanceOf(Error);
  const error = failure as Error & { details?: unknown };
  expect(error.message).toMatch(/^source partner-db: reading accounts failed \(22[0-9A-Z]{3}\)$/);
  expect(error.message).not.toContain(value);
  expect(JSON.stringify(error.details)).not.toContain(value);
});
