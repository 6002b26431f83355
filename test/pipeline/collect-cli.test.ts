// `custos collect` and `custos quarantine` as an operator meets them: a run that finds nothing says
// since when and how to read again; `--full` reads again from the start and stores nothing twice;
// the quarantine list names each held record by its reference and honours --limit (CLI and API);
// `quarantine reprocess` fails when its run fails.

import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/index.js';
import { type AppContext, openContext } from '../../src/context.js';
import { cli } from '../support/cli.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import type { TestWorkspace } from '../support/workspace.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function workspace(
  dialect: (typeof TEST_DIALECTS)[number],
  options: Parameters<typeof createPipelineWorkspace>[1] = {},
): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect, options);
  cleanups.push(() => ws.cleanup());
  return ws;
}

async function open(ws: TestWorkspace): Promise<AppContext> {
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  cleanups.push(() => ctx.close());
  return ctx;
}

const custos = (ws: TestWorkspace, args: string[]) =>
  cli([...args, '--workspace', ws.dir], { env: MASTER_ENV });

describe.each(TEST_DIALECTS)('collect and quarantine from the CLI on %s', (dialect) => {
  it('says a run found nothing new since the last checkpoint, and --full reads again storing nothing twice', async () => {
    const ws = await workspace(dialect, { lawfulBasis: 'contract' });
    writePeople(ws.dir, people(12));
    const first = await custos(ws, ['collect', 'people', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ read: 12, stored: 12 });
    expect(first.stderr).not.toMatch(/nothing new/);

    const again = await custos(ws, ['collect', 'people', '--json']);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ read: 0, stored: 0 });
    expect(again.stderr).toMatch(/nothing new since \d{4}-\d\d-\d\dT[\d:.]+Z .*--full/);

    const full = await custos(ws, ['collect', 'people', '--full', '--json']);
    expect(full.code, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({ read: 12, stored: 0, updated: 0, unchanged: 12 });
    expect(full.stderr).not.toMatch(/nothing new/);
    const ctx = await open(ws);
    const count = async (table: 'dataset_records' | 'record_versions') =>
      Number(
        (
          await ctx.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('dataset_records')).toBe(12);
    // Read again unchanged: no record got a second version.
    expect(await count('record_versions')).toBe(0);
  });

  it('lists held records each by its own reference, newest first, as many as --limit says', async () => {
    const ws = await workspace(dialect);
    const rows = people(12);
    writePeople(ws.dir, rows);
    expect((await custos(ws, ['collect', 'people'])).code).toBe(0);

    const listed = await custos(ws, ['quarantine', 'list', '--limit', '5', '--lang', 'en']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    const entries = lines.slice(0, -1);
    expect(entries.length).toBe(5);
    expect(new Set(entries).size).toBe(5);
    for (const line of entries) expect(line).toMatch(/^q_[0-9a-f]{40}\s/);
    expect(lines.at(-1)).toMatch(/5 of 12 held record/);
    for (const r of rows) expect(listed.stdout).not.toContain(r.id_no);

    const json = JSON.parse((await custos(ws, ['quarantine', 'list', '--json'])).stdout);
    expect(json.total).toBe(12);
    expect(new Set(json.quarantine.map((q: { id: string }) => q.id)).size).toBe(12);
    expect((await custos(ws, ['quarantine', 'list', '--limit', '0'])).code).toBe(2);
    expect((await custos(ws, ['quarantine', 'list', '--status', 'bogus'])).code).toBe(2);
  });

  it('exits 1 from quarantine reprocess when its run fails, leaving held records open', async () => {
    const ws = await workspace(dialect, { vendorValidUntil: '2020-12-31' });
    writePeople(ws.dir, people(4));
    const reprocess = await custos(ws, ['quarantine', 'reprocess', 'people', '--json']);
    expect(JSON.parse(reprocess.stdout)).toMatchObject({ status: 'failed' });
    expect(reprocess.code).toBe(1);
  });
});

it('GET /api/v1/quarantine honours limit and reports the total', async () => {
  const ws = await workspace('sqlite');
  writePeople(ws.dir, people(12));
  expect((await custos(ws, ['collect', 'people'])).code).toBe(0);
  const ctx = await open(ws);
  const { app } = await buildServer(ctx);
  cleanups.push(() => app.close());
  await ctx.users.create(
    { username: 'dora', role: 'data_engineer', password: 'a long enough password 1' },
    'test',
  );
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'dora', password: 'a long enough password 1' },
  });
  const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]! };
  const page = await app.inject({ method: 'GET', url: '/api/v1/quarantine?limit=3', headers });
  expect(page.statusCode).toBe(200);
  expect(page.json().quarantine.length).toBe(3);
  expect(page.json().total).toBe(12);
  expect(page.json().quarantine[0].id).toMatch(/^q_/);
  expect((await app.inject({ method: 'GET', url: '/api/v1/quarantine?limit=501', headers })).statusCode).toBe(
    400,
  );
});
