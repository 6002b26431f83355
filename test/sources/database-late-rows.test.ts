// Late rows: a row committed after a run passed its cursor value — with a key before the saved
// position — is never read by keyset alone. `lookback` re-reads a window of cursor values at the
// start of each run, so such a row is read when its cursor value lies within the window, and not
// when it lies before it (the guarantee docs/sources.md states).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/sources/registry.js';
import type { Source, SourceState } from '../../src/sources/types.js';
import { accountRows, createPartnerDb, type PartnerDb, type PartnerDialect } from '../support/partner-db.js';

async function readAll(source: Source, stream: string, state: SourceState) {
  const ids: number[] = [];
  let last = state;
  for await (const batch of source.read(stream, state)) {
    ids.push(...batch.records.map((r) => Number(r.id)));
    last = JSON.parse(JSON.stringify(batch.state)) as SourceState;
  }
  return { ids, state: last };
}

describe.each(['postgres', 'mysql', 'sqlite'] as PartnerDialect[])('late rows on %s', (dialect) => {
  let dir: string;
  let db: PartnerDb;
  let source: Source;
  const open = (streams: Record<string, unknown>) =>
    openSource(
      {
        name: 'partner-db',
        type: 'database',
        egress: { allow: ['127.0.0.1'], allowPrivate: true },
        dialect,
        ...(dialect === 'sqlite' ? { file: db.location } : { url: 'env:PARTNER_DB_URL' }),
        batchSize: 7,
        streams,
      } as never,
      { workspaceDir: dir, env: { PARTNER_DB_URL: db.location }, allowPrivateNetworks: true },
    );
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'custos-late-'));
    db = await createPartnerDb(dialect, dir);
    // Rows 1001–1400, four per second from 2026-03-01 00:04:10.
    await db.insert(accountRows(1001, 400));
    source = open({
      keyset: { table: 'accounts', cursor: 'updated_at', primaryKey: ['id'] },
      window: { table: 'accounts', cursor: 'updated_at', primaryKey: ['id'], lookback: '1m' },
      byId: { table: 'accounts', cursor: 'id', primaryKey: ['id'], lookback: 20 },
    });
  });
  afterAll(async () => {
    await source.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads rows committed late within the window, and states what it cannot see', async () => {
    const first = {
      keyset: await readAll(source, 'keyset', null),
      window: await readAll(source, 'window', null),
    };
    expect(first.keyset.ids).toHaveLength(400);
    expect(first.window.ids).toHaveLength(400);
    // 150 rows committed now whose timestamps the runs have already passed (the last 30 seconds
    // read), with keys before the saved position; and one older than the one-minute window.
    const recent = accountRows(1001, 400).slice(-120);
    const late = accountRows(1, 150).map((r, i) => ({
      ...r,
      updated_at: recent[i % recent.length]!.updated_at,
    }));
    const old = { ...accountRows(151, 1)[0]!, updated_at: accountRows(1001, 1)[0]!.updated_at };
    await db.insert([...late, old]);

    // Keyset alone: none of the 150 late rows.
    const keyset = await readAll(source, 'keyset', first.keyset.state);
    expect(keyset.ids).toEqual([]);

    // With lookback: every late row in the window, re-read rows of the window, never the old one.
    const window = await readAll(source, 'window', first.window.state);
    expect(window.ids.filter((id) => id <= 150).sort((a, b) => a - b)).toEqual(late.map((r) => r.id));
    expect(window.ids).not.toContain(151);
    expect(new Set(window.ids).size).toBe(window.ids.length);
    // The window is one minute of cursor values before the saved one: 4 rows a second, 61 seconds.
    expect(window.ids.filter((id) => id > 1000).length).toBeGreaterThanOrEqual(240);
    expect(window.ids.filter((id) => id > 1000).length).toBeLessThanOrEqual(248);
    // A run with nothing new re-reads the window, nothing else.
    const again = await readAll(source, 'window', window.state);
    expect(new Set(again.ids)).toEqual(new Set(window.ids));
  });

  it('re-reads a count of values before an integer cursor', async () => {
    const first = await readAll(source, 'byId', null);
    expect(first.ids.at(-1)).toBe(1400);
    const next = await readAll(source, 'byId', first.state);
    expect(next.ids).toEqual(Array.from({ length: 21 }, (_, i) => 1380 + i));
  });

  it('refuses a lookback that does not fit the cursor', async () => {
    const bad = open({ x: { table: 'accounts', cursor: 'id', primaryKey: ['id'], lookback: '10m' } });
    const { state } = await readAll(bad, 'x', null);
    await expect(readAll(bad, 'x', state)).rejects.toThrow(
      /stream x: an integer cursor takes a number as lookback/,
    );
    await bad.close();
    let refused: unknown;
    try {
      open({ y: { table: 'accounts', primaryKey: ['id'], lookback: '10m' } });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      details: [
        { file: 'sources.yaml', path: 'partner-db.streams.y.lookback', message: 'lookback needs cursor' },
      ],
    });
  });
});

describe('lookback on SQLite text the date functions cannot read, or with offsets', () => {
  // datetime() answers NULL for '2026/03/01 …', and shifts '…-05:00' to a UTC text that sorts after
  // the saved one: either way the bound must not pass the saved value.
  async function twoRuns(times: [string, string, string]): Promise<number[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-late-sqlite-'));
    const db = await createPartnerDb('sqlite', dir);
    const row = (id: number, time: string) => ({ ...accountRows(id, 1)[0]!, updated_at: time });
    try {
      await db.insert([row(1, times[0]), row(2, times[1])]);
      const source = await openSource(
        {
          name: 'partner-db',
          type: 'database',
          egress: { allow: ['127.0.0.1'], allowPrivate: true },
          dialect: 'sqlite',
          file: db.location,
          streams: { s: { table: 'accounts', cursor: 'updated_at', primaryKey: ['id'], lookback: '1m' } },
        } as never,
        { workspaceDir: dir, env: {}, allowPrivateNetworks: true },
      );
      try {
        const first = await readAll(source, 's', null);
        expect(first.ids).toEqual([1, 2]);
        await db.insert([row(3, times[2])]);
        return (await readAll(source, 's', first.state)).ids;
      } finally {
        await source.close();
      }
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads a new row after a value datetime() cannot read (the bound never becomes NULL)', async () => {
    expect(await twoRuns(['2026/03/01 08:00:00', '2026/03/01 08:00:01', '2026/03/01 08:00:02'])).toContain(3);
  });

  it('reads a new row after a value west of UTC whose UTC text sorts after it', async () => {
    expect(
      await twoRuns(['2026-03-01T21:59:00-05:00', '2026-03-01T22:00:00-05:00', '2026-03-01T23:30:00-05:00']),
    ).toContain(3);
  });
});
