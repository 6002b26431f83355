// `custos backup` / `custos restore`: an encrypted copy made while the workspace is in use, that
// opens only with the master secret, restores into a fresh folder whose audit log verifies against
// its trust file and whose records and keys are there.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

describe('backup and restore (SQLite)', () => {
  let ws: TestWorkspace;
  let out: string;
  const rows = people(20);
  beforeAll(async () => {
    ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract', requireConfirmation: false });
    writePeople(ws.dir, rows);
    const collected = await cli(['collect', 'people', '--json', '--workspace', ws.dir], { env: MASTER_ENV });
    expect(collected.code, collected.stderr).toBe(0);
    out = path.join(mkdtempSync(path.join(tmpdir(), 'custos-backup-')), 'ws.custos-backup');
  });
  afterAll(async () => {
    await ws.cleanup();
    rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('writes a backup sealed under the master secret, and audits it', async () => {
    const made = await cli(['backup', '--out', out, '--json', '--workspace', ws.dir], { env: MASTER_ENV });
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ includesDatabase: true });
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 16).toString()).toBe('CUSTOS-BACKUP-1\n');
    // Nothing readable inside: no SQL, no declarations, no names.
    for (const clear of ['CREATE TABLE', 'datasets:', 'privateKey', rows[0]!.name]) {
      expect(bytes.includes(Buffer.from(clear))).toBe(false);
    }
    const db = new Database(ws.storageUrl.slice('sqlite:'.length), { readonly: true });
    const last = db
      .prepare('SELECT entry FROM audit_entries ORDER BY idx DESC LIMIT 1')
      .pluck()
      .get() as string;
    db.close();
    expect(JSON.parse(last)).toMatchObject({ actor: 'cli', action: 'backup.create' });
  });

  it('refuses another master secret', async () => {
    const into = path.join(path.dirname(out), 'wrong');
    const refused = await cli(['restore', '--from', out, '--into', into], {
      env: { CUSTOS_MASTER_KEY: 'not-the-master-secret' },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('wrong master secret');
    expect(existsSync(into)).toBe(false);
  });

  it('restores into a fresh folder: the audit log verifies and the records are there', async () => {
    const into = path.join(path.dirname(out), 'restored');
    // The original database is gone: everything must come from the backup.
    rmSync(ws.storageUrl.slice('sqlite:'.length));
    const restored = await cli(['restore', '--from', out, '--into', into, '--json'], { env: MASTER_ENV });
    expect(restored.code, restored.stderr).toBe(0);
    const facts = JSON.parse(restored.stdout);
    expect(facts.auditLog.ok).toBe(true);
    expect(facts.auditLog.treeSize).toBeGreaterThanOrEqual(1);
    expect(facts.records).toBe(rows.length);
    // The restored workspace works on its own: its audit log verifies with its own trust file, and
    // the key service opens the records' keys (a verify of stored records decrypts each one).
    const verify = await cli(['audit', 'verify', '--json', '--workspace', into], { env: MASTER_ENV });
    expect(verify.code, verify.stderr).toBe(0);
    const records = await cli(['records', 'verify', 'people', '--json', '--workspace', into], {
      env: MASTER_ENV,
    });
    expect(records.code, records.stderr + records.stdout).toBe(0);
    // A second restore into the same folder is refused.
    expect((await cli(['restore', '--from', out, '--into', into], { env: MASTER_ENV })).code).not.toBe(0);
  });
});
