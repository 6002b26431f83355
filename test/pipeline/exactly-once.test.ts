// Exactly once, on SQLite and PostgreSQL: a real `custos collect` child process is killed with
// SIGKILL at random moments of its run (never after its end), several times, then run to
// completion. The stored dataset equals that of an uninterrupted run (same keys, same content
// hashes, every record at version 1: no loss, no duplicates).

import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../src/classify/index.js';
import { openContext } from '../../src/context.js';
import { openStore, parseDatabaseUrl } from '../../src/store/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
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

const RECORDS = 6_000;
const KILLS = 4;

describe.each(TEST_DIALECTS)('exactly once on %s', (dialect) => {
  it('SIGKILL at random points, several times, stores exactly what an uninterrupted run stores', async () => {
    const rows = people(RECORDS, 77).map(({ extra: _extra, ...p }) => p);
    const interrupted = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract' });
    const reference = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract' });
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
    const store = await openStore(parseDatabaseUrl(interrupted.storageUrl, interrupted.dir), {
      migrate: false,
    });
    let kills = 0;
    try {
      for (let attempt = 0; attempt < 2 * KILLS && kills < KILLS; attempt++) {
        const stored = Number(
          (
            await store.db
              .selectFrom('dataset_records')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        if (stored === RECORDS) {
          // An earlier attempt ran to its end before its kill: read everything again (a reprocess),
          // which must store nothing new, and go on killing.
          await store.db.deleteFrom('source_state').execute();
        }
        const remaining = stored === RECORDS ? RECORDS : RECORDS - stored;
        // Kill once this run has read a random share of what is left, but at least 1,000 records
        // (four batches) before its end, a random few milliseconds later: before, between or in
        // the middle of batch transactions, never after the run is over.
        const target = Math.floor(random() * Math.max(0, remaining - 1_000));
        const delay = Math.floor(random() * 100);
        const child = collect(interrupted);
        let output = '';
        child.stderr?.on('data', (c) => {
          output += String(c);
        });
        let finished = false;
        const done = exit(child).then((code) => {
          finished = true;
          return code;
        });
        let killed = false;
        while (!finished) {
          const run = await store.db
            .selectFrom('runs')
            .select(['worker', 'read_count'])
            .where('status', '=', 'running')
            .executeTakeFirst();
          if (run?.worker?.endsWith(`:${child.pid}`) && Number(run.read_count) >= target) {
            await new Promise((r) => setTimeout(r, delay));
            killed = !finished && child.kill('SIGKILL');
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
        const code = await done;
        if (killed && code === null) kills += 1;
        else expect(code, output).toBe(0);
      }
    } finally {
      await store.close();
    }
    expect(kills).toBe(KILLS);
    expect(await exit(collect(interrupted))).toBe(0);

    const a = await snapshot(interrupted);
    const b = await snapshot(reference);
    expect(a.records.length).toBe(RECORDS);
    expect(a.records).toEqual(b.records);
    expect(a.records.every((r) => Number(r.version) === 1)).toBe(true);
    expect(a.versions).toBe(RECORDS);
    // Entries staged by killed runs were merged by the next run: the same index, nothing left staged.
    expect(a.staged).toBe(0);
    expect(a.indexes.length).toBe(RECORDS * 3);
    expect(a.indexes).toEqual(b.indexes);
    // Killed runs were recognised as abandoned, not left "running".
    expect(a.runs.some((r) => r.status === 'abandoned')).toBe(true);
    expect(a.runs.some((r) => r.status === 'running')).toBe(false);
  }, 600_000);
});
