// Several real processes appending to one PostgreSQL log at once produce one linear log: no gaps,
// no forks, every head consistent with the entries, every entry present exactly once.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { AUDIT_TRUST_FILE, loadOrCreateSigningKey, readTrustFile, verifyLog } from '../../src/audit/index.js';
import { createTestStore } from '../support/databases.js';

const run = promisify(execFile);
const TSX = path.resolve(import.meta.dirname, '../../node_modules/.bin/tsx');
const WORKER = path.resolve(import.meta.dirname, 'append-worker.ts');

it('four processes appending concurrently to PostgreSQL make one linear, verifiable log', async () => {
  const { store, database, cleanup } = await createTestStore('postgres');
  const keyDir = mkdtempSync(path.join(tmpdir(), 'custos-audit-conc-'));
  try {
    loadOrCreateSigningKey(keyDir, 'ed25519');
    const workers = ['a', 'b', 'c', 'd'];
    await Promise.all(
      workers.map((w) => run(TSX, [WORKER, database.url, keyDir, w, '25', '8'], { timeout: 120_000 })),
    );
    const rows = await store.db.selectFrom('audit_entries').select(['idx', 'entry']).orderBy('idx').execute();
    expect(rows.length).toBe(4 * 25 * 8);
    expect(rows.map((row) => Number(row.idx))).toEqual(rows.map((_, i) => i));
    for (const w of workers) {
      expect(rows.filter((r) => r.entry.includes(`"actor":"worker:${w}"`)).length).toBe(200);
    }
    // The processes really did interleave (not one after another).
    const switches = rows.filter(
      (r, i) => i > 0 && r.entry.slice(60, 110) !== rows[i - 1]!.entry.slice(60, 110),
    ).length;
    expect(switches).toBeGreaterThan(3);
    const heads = await store.db
      .selectFrom('audit_tree_heads')
      .select('tree_size')
      .orderBy('tree_size')
      .execute();
    expect(heads.length).toBe(100);
    expect(heads.map((h) => Number(h.tree_size))).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 8));
    const trust = readTrustFile(path.join(keyDir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
    const report = await verifyLog(store, 'sha256', { trust });
    expect(report).toMatchObject({ ok: true, treeSize: 800, headsChecked: 100 });
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
    await cleanup();
  }
}, 180_000);
