// Exactly once: a real `custos collect` child process is killed with SIGKILL at random moments,
// several times, then run to completion. The stored dataset equals that of an uninterrupted run
// (same keys, same content hashes, every record at version 1: no loss, no duplicates).

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createRandom } from '../../src/classify/index.js';
import { openContext } from '../../src/context.js';
import { openStore, parseDatabaseUrl } from '../../src/store/index.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.ts');
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

function collect(ws: TestWorkspace): ChildProcess {
  // `node --import tsx`, not the tsx wrapper: SIGKILL must hit the process doing the work.
  return spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'collect', 'people', '--batch-size', '250', '--workspace', ws.dir],
    {
      env: { ...process.env, ...MASTER_ENV, CUSTOS_LANG: 'en' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function snapshot(ws: TestWorkspace) {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  try {
    const records = await ctx.store.db
      .selectFrom('dataset_records')
      .select(['natural_key', 'content_hash', 'version', 'data'])
      .orderBy('natural_key')
      .execute();
    const count = async (table: 'record_history' | 'index_staging') =>
      Number(
        (
          await ctx.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const indexes = await ctx.store.db
      .selectFrom('blind_indexes')
      .select(['field', 'hash', 'natural_key'])
      .orderBy('field')
      .orderBy('hash')
      .orderBy('natural_key')
      .execute();
    const runs = await ctx.runs.list({ limit: 100 });
    return {
      records,
      versions: await count('record_history'),
      staged: await count('index_staging'),
      indexes,
      runs,
    };
  } finally {
    await ctx.close();
  }
}

it('SIGKILL at random points, several times, stores exactly what an uninterrupted run stores', async () => {
  const rows = people(6_000, 77).map(({ extra: _extra, ...p }) => p);
  const interrupted = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract' });
  const reference = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract' });
  cleanups.push(
    () => interrupted.cleanup(),
    () => reference.cleanup(),
  );
  writePeople(interrupted.dir, rows);
  writePeople(reference.dir, rows);
  // Same key file, so content hashes (keyed) are comparable across the two workspaces.
  const first = await openContext(interrupted.dir, { env: MASTER_ENV, logLevel: 'silent' });
  first.keys();
  await first.close();
  rmSync(path.join(reference.dir, 'keys'), { recursive: true, force: true });
  mkdirSync(path.join(reference.dir, 'keys'), { recursive: true });
  cpSync(
    path.join(interrupted.dir, 'keys', 'keyring.json'),
    path.join(reference.dir, 'keys', 'keyring.json'),
  );

  expect(await exit(collect(reference))).toBe(0);

  const random = createRandom(20261125);
  let kills = 0;
  for (let attempt = 0; attempt < 8 && kills < 4; attempt++) {
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
    // Wait until the child is inside its run (a 'running' row of its own), then kill it at a random
    // moment of the next ~1.5 s: before, between or in the middle of batch transactions.
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
  expect(a.records.length).toBe(6_000);
  expect(a.records).toEqual(b.records);
  expect(a.records.every((r) => Number(r.version) === 1)).toBe(true);
  expect(a.versions).toBe(6_000);
  // Entries staged by killed runs were merged by the next run: the same index, nothing left staged.
  expect(a.staged).toBe(0);
  expect(a.indexes.length).toBe(6_000 * 3);
  expect(a.indexes).toEqual(b.indexes);
  // Killed runs were recognised as abandoned, not left "running".
  expect(a.runs.some((r) => r.status === 'abandoned')).toBe(true);
  expect(a.runs.some((r) => r.status === 'running')).toBe(false);
}, 240_000);
