// The database connector under the process time zones of real deployments (UTC, Asia/Shanghai,
// America/New_York): every cursor type on PostgreSQL and MariaDB is read exactly once, in
// (cursor, key) order, across runs resumed from JSON checkpoints, and every date/time value reads
// the same whatever the zone. Each zone runs in a child process started with TZ=…, so the driver
// itself runs in that zone.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURSOR_ROWS,
  type CursorTables,
  createCursorTables,
  groupOf,
  MARIADB_CURSORS,
  POSTGRES_CURSORS,
} from '../support/cursor-tables.js';

const run = promisify(execFile);
const READER = path.resolve(import.meta.dirname, '../support/read-partner-stream.ts');
const ZONES = [
  { tz: 'UTC', offset: 0 },
  { tz: 'Asia/Shanghai', offset: -480 },
  { tz: 'America/New_York', offset: 300 },
];

interface Read {
  timeZoneOffsetMinutes: number;
  streams: Record<
    string,
    { ids: number[]; cursorValues: Record<string, unknown>; runs: number; stopped: boolean }
  >;
}

const ids = Array.from({ length: CURSOR_ROWS }, (_, i) => i + 1);
const keysetOrder = [...ids].sort((a, b) => groupOf(a) - groupOf(b) || a - b);

describe.each([
  ['postgres', POSTGRES_CURSORS],
  ['mysql', MARIADB_CURSORS],
] as const)('cursor types on %s', (dialect, columns) => {
  let tables: CursorTables;
  const reads = new Map<string, Read>();
  beforeAll(async () => {
    tables = await createCursorTables(dialect);
    await Promise.all(
      ZONES.map(async ({ tz }) => {
        const job = { dialect, location: tables.location, streams: tables.streams, expected: CURSOR_ROWS };
        const { stdout } = await run(process.execPath, ['--import', 'tsx', READER, JSON.stringify(job)], {
          env: { ...process.env, TZ: tz },
          timeout: 90_000,
          maxBuffer: 64 * 1024 * 1024,
        });
        reads.set(tz, JSON.parse(stdout) as Read);
      }),
    );
  }, 120_000);
  afterAll(async () => tables?.drop());

  for (const { tz, offset } of ZONES) {
    describe(`with TZ=${tz}`, () => {
      it('runs the reader in that zone', () => {
        expect(reads.get(tz)!.timeZoneOffsetMinutes).toBe(offset);
      });
      for (const type of Object.keys(columns)) {
        it(`reads a ${type} cursor exactly once in (cursor, key) order across resumed runs`, () => {
          const read = reads.get(tz)!.streams[type]!;
          expect(read.stopped, 'the cursor never advanced past a batch').toBe(false);
          expect(read.ids.length).toBe(CURSOR_ROWS);
          expect(read.ids).toEqual(keysetOrder);
          // 350 rows in batches of 10, twenty batches per run: resumed from a checkpoint once at least.
          expect(read.runs).toBeGreaterThanOrEqual(2);
        });
        it(`gives each ${type} value as the database holds it`, () => {
          const values = reads.get(tz)!.streams[type]!.cursorValues;
          const column = columns[type as keyof typeof columns] as { expected(g: number): unknown };
          expect(values).toEqual(
            Object.fromEntries(ids.map((id) => [String(id), column.expected(groupOf(id))])),
          );
        });
      }
    });
  }
});
