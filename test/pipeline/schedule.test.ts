// `custos serve` runs the cron schedules of datasets: each firing queues a run, which the server's
// own worker executes — on the real bin, with nothing else running.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore, parseDatabaseUrl } from '../../src/store/index.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.ts');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function serve(ws: TestWorkspace): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', BIN, 'serve', '--workspace', ws.dir, '--port', '0'], {
    env: {
      ...process.env,
      ...MASTER_ENV,
      CUSTOS_LANG: 'en',
      CUSTOS_LOG_LEVEL: 'warn',
      CUSTOS_ADMIN_PASSWORD: 'schedule test admin 1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

it('custos serve collects a scheduled dataset at each firing, with no other process', async () => {
  const ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract' });
  cleanups.push(() => ws.cleanup());
  const rows = people(30, 51).map(({ extra: _e, ...p }) => p);
  writePeople(ws.dir, rows);
  const file = path.join(ws.dir, 'datasets.yaml');
  // Every two seconds (croner's six-field form, seconds first).
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(
      '    retention: 1y\n',
      '    retention: 1y\n    schedule: "*/2 * * * * *"\n',
    ),
  );

  const child = serve(ws);
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += String(c);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  cleanups.push(async () => {
    if (running) {
      child.kill('SIGKILL');
      await exited;
    }
  });

  // Two scheduled runs done: the first stores the file, the next finds nothing new after it.
  const store = await openStore(parseDatabaseUrl(ws.storageUrl, ws.dir), { migrate: false });
  let runs: Array<{ trigger: string; status: string; stored_count: number; read_count: number }> = [];
  try {
    for (let i = 0; i < 900 && running; i++) {
      runs = await store.db
        .selectFrom('runs')
        .select(['trigger', 'status', 'stored_count', 'read_count'])
        .orderBy('created_at')
        .execute()
        .catch(() => []); // the server has not created the tables yet
      if (runs.filter((r) => r.status === 'succeeded').length >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const records = await store.db.selectFrom('dataset_records').select('natural_key').execute();
    expect(records.map((r) => r.natural_key).sort()).toEqual(rows.map((r) => r.cid).sort());
  } finally {
    await store.close();
  }
  expect(running, stderr).toBe(true);
  const done = runs.filter((r) => r.status === 'succeeded');
  expect(done.length, stderr).toBeGreaterThanOrEqual(2);
  expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
  expect(done.slice(0, 2).map((r) => [Number(r.read_count), Number(r.stored_count)])).toEqual([
    [30, 30],
    [0, 0],
  ]);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 240_000);
