// Exactly once for change data capture: `custos collect` children reading a PostgreSQL slot are
// killed with SIGKILL at random moments of the stream, several times, then run to completion. The
// stored dataset — records, their versions, deletion marks — equals that of an uninterrupted
// reader of the same changes through a slot of its own.

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createRandom } from '../../src/classify/index.js';
import { openContext } from '../../src/context.js';
import { openStore, parseDatabaseUrl } from '../../src/store/index.js';
import { type CdcPartner, createCdcPartner } from '../support/cdc-partner.js';
import { type CdcWorkspace, createCdcWorkspace } from '../support/cdc-workspace.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.ts');
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function collect(ws: CdcWorkspace): ChildProcess {
  // `node --import tsx`, not the tsx wrapper: SIGKILL must hit the process doing the work.
  return spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'collect', 'accounts', '--batch-size', '40', '--workspace', ws.dir],
    { env: { ...process.env, ...ws.env, CUSTOS_LANG: 'en' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function snapshot(ws: CdcWorkspace) {
  const ctx = await openContext(ws.dir, { env: ws.env, logLevel: 'silent' });
  try {
    const records = await ctx.store.db
      .selectFrom('dataset_records')
      .select(['natural_key', 'content_hash', 'version'])
      .select((eb) => eb.case().when('deleted_at', 'is', null).then(0).else(1).end().as('isDeleted'))
      .orderBy('natural_key')
      .execute();
    const history = await ctx.store.db
      .selectFrom('record_history')
      .select(['natural_key', 'version', 'content_hash'])
      .orderBy('natural_key')
      .orderBy('version')
      .execute();
    return { records, history, runs: await ctx.runs.list({ limit: 100 }) };
  } finally {
    await ctx.close();
  }
}

it('SIGKILL at random points of the stream, several times, stores exactly what an uninterrupted reader stores', async () => {
  const partner: CdcPartner = await createCdcPartner('postgres');
  cleanups.push(async () => {
    await partner.source().dropReplication?.();
    await partner.source({ cdc: { slotPrefix: `${partner.slotPrefix}r` } }).dropReplication?.();
    await partner.drop();
  });
  const interrupted = await createCdcWorkspace(partner, 'sqlite', { batchSize: 40 });
  const reference = await createCdcWorkspace(partner, 'sqlite', {
    batchSize: 40,
    slotPrefix: `${partner.slotPrefix}r`,
  });
  cleanups.push(
    () => interrupted.cleanup(),
    () => reference.cleanup(),
  );
  // Same key file, so content hashes (keyed) are comparable across the two workspaces.
  const first = await openContext(interrupted.dir, { env: interrupted.env, logLevel: 'silent' });
  first.keys();
  await first.close();
  rmSync(path.join(reference.dir, 'keys'), { recursive: true, force: true });
  mkdirSync(path.join(reference.dir, 'keys'), { recursive: true });
  cpSync(
    path.join(interrupted.dir, 'keys', 'keyring.json'),
    path.join(reference.dir, 'keys', 'keyring.json'),
  );

  // Both readers take their snapshot (and make their slot) before the changes.
  for (let i = 1; i <= 20; i++)
    await partner.exec('INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, ?)', [
      i,
      `客户${i}`,
      i,
    ]);
  expect(await exit(collect(reference))).toBe(0);
  expect(await exit(collect(interrupted))).toBe(0);

  // About 1,500 changes in 300 transactions: inserts, updates of earlier rows, deletes, revivals.
  const random = createRandom(20261204);
  let next = 21;
  for (let t = 0; t < 300; t++) {
    const statements: Array<[string, unknown[]]> = [];
    for (let k = 0; k < 3; k++, next++)
      statements.push([
        'INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, ?)',
        [next, `客户${next}`, next],
      ]);
    const some = () => 1 + Math.floor(random() * (next - 1));
    statements.push(['UPDATE accounts SET balance = balance + 1 WHERE id = ?', [some()]]);
    if (t % 5 === 0) statements.push(['DELETE FROM accounts WHERE id = ?', [some()]]);
    if (t % 11 === 0)
      statements.push([
        'INSERT INTO accounts (id, holder_name, balance) VALUES (?, ?, 0) ON CONFLICT (id) DO NOTHING',
        [some(), '回来'],
      ]);
    await partner.transaction(statements);
  }
  expect(await exit(collect(reference))).toBe(0);

  let kills = 0;
  for (let attempt = 0; attempt < 10 && kills < 4; attempt++) {
    const child = collect(interrupted);
    let output = '';
    child.stderr?.on('data', (c) => {
      output += String(c);
    });
    const done = exit(child);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    // Wait until the child is inside its run, then kill it at a random moment of the next ~1.5 s.
    const store = await openStore(parseDatabaseUrl(interrupted.storageUrl, interrupted.dir), {
      migrate: false,
    });
    try {
      for (let i = 0; i < 300 && !finished; i++) {
        const running = await store.db
          .selectFrom('runs')
          .select('worker')
          .where('status', '=', 'running')
          .executeTakeFirst();
        if (running?.worker?.endsWith(`:${child.pid}`)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await store.close();
    }
    const delay = Math.floor(random() * 1500);
    const killed = await Promise.race([
      new Promise<boolean>((resolve) => setTimeout(() => resolve(!finished && child.kill('SIGKILL')), delay)),
      done.then(() => false),
    ]);
    const code = await done;
    if (killed && code === null) kills += 1;
    else expect(code, output).toBe(0);
  }
  expect(kills).toBeGreaterThanOrEqual(2);
  expect(await exit(collect(interrupted))).toBe(0);

  const a = await snapshot(interrupted);
  const b = await snapshot(reference);
  const rows = await partner.rows('SELECT id FROM accounts ORDER BY id');
  expect(a.records.filter((r) => Number(r.isDeleted) === 0).length).toBe(rows.length);
  expect(a.records.some((r) => Number(r.isDeleted) === 1)).toBe(true);
  expect(a.records).toEqual(b.records);
  expect(a.history.length).toBe(b.history.length);
  expect(a.history).toEqual(b.history);
  expect(a.runs.some((r) => r.status === 'abandoned')).toBe(true);
}, 300_000);
