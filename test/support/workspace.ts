// A throwaway workspace on a fresh database (SQLite file or PostgreSQL schema), plus a collecting
// audit trail for assertions.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent, AuditTrail } from '../../src/domain/index.js';
import { initWorkspace } from '../../src/workspace/index.js';
import { createTestDatabase, type TestDialect } from './databases.js';

export const DEMO_WORKSPACE = path.resolve(import.meta.dirname, '../../examples/demo');

export interface TestWorkspace {
  dir: string;
  storageUrl: string;
  cleanup(): Promise<void>;
}

/** A new workspace from `custos init` (or a copy of the demo) whose storage is a fresh test database. */
export async function createTestWorkspace(
  dialect: TestDialect = 'sqlite',
  options: { fromDemo?: boolean } = {},
): Promise<TestWorkspace> {
  const database = await createTestDatabase(dialect);
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'custos-ws-')), 'ws');
  if (options.fromDemo) {
    cpSync(DEMO_WORKSPACE, dir, {
      recursive: true,
      filter: (src) => !/[/\\](data|keys|audit-trust\.json)([/\\]|$)/.test(src),
    });
  } else {
    initWorkspace(dir, { organisation: 'Test Org' });
  }
  const file = path.join(dir, 'custos.yaml');
  const text = readFileSync(file, 'utf8').replace(/^storage: .*$/m, `storage: ${database.url}`);
  writeFileSync(file, text);
  return {
    dir,
    storageUrl: database.url,
    cleanup: async () => {
      await database.drop();
      rmSync(path.dirname(dir), { recursive: true, force: true });
    },
  };
}

export class CollectingAuditTrail implements AuditTrail {
  readonly events: AuditEvent[] = [];
  async record(events: readonly AuditEvent[]): Promise<void> {
    this.events.push(...events);
  }
}
