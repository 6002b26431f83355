// Partner tables with one cursor column of each type, for time-zone tests: every cursor value is
// shared by seven rows whose keys are scattered, so batch boundaries fall inside equal-value groups.

import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MARIADB_URL, POSTGRES_URL } from './databases.js';

export const CURSOR_ROWS = 350;
const GROUPS = 50;

/** The cursor group of row `id` (ids 1…350, seven per group, not contiguous). */
export function groupOf(id: number): number {
  return (id * 3) % GROUPS;
}

/** Wall-clock text of group g on 2026-03-08 — the night New York's clocks jump 02:00 → 03:00. */
function wallClock(g: number, hourOffset = 0, fraction = true): string {
  const minutes = g * 4;
  const hh = String(Math.floor(minutes / 60) + hourOffset).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  // Odd microseconds: no trailing zero for the database to trim, and below JavaScript's millisecond.
  return `2026-03-08 ${hh}:${mm}:00${fraction ? `.${123457 + g * 2}` : ''}`;
}

function day(g: number): string {
  return new Date(Date.UTC(2026, 2, 1 + g)).toISOString().slice(0, 10);
}

interface CursorColumn {
  /** Column type in the DDL. */
  type: string;
  /** The value inserted for group g. */
  value(g: number): string | number;
  /** The record value the connector must give for group g, whatever the process time zone. */
  expected(g: number): string | number;
}

export const POSTGRES_CURSORS: Record<string, CursorColumn> = {
  timestamp: { type: 'timestamp(6)', value: (g) => wallClock(g), expected: (g) => wallClock(g) },
  // Whole seconds, as many partner tables hold them: wrong only when the process is not in UTC.
  timestamp_seconds: {
    type: 'timestamp(0)',
    value: (g) => wallClock(g, 0, false),
    expected: (g) => wallClock(g, 0, false),
  },
  timestamptz: {
    type: 'timestamptz(6)',
    value: (g) => `${wallClock(g, 8)}+08`,
    expected: (g) => `${wallClock(g).replace(' ', 'T')}Z`,
  },
  date: { type: 'date', value: day, expected: day },
  integer: { type: 'integer', value: (g) => g * 10 - 200, expected: (g) => g * 10 - 200 },
  // Beyond 2^53: exact only if never read as a JavaScript number.
  bigint: {
    type: 'bigint',
    value: (g) => (9007199254740993n + BigInt(g)).toString(),
    expected: (g) => (9007199254740993n + BigInt(g)).toString(),
  },
  text: {
    type: 'text',
    value: (g) => `k${String(g).padStart(3, '0')}`,
    expected: (g) => `k${String(g).padStart(3, '0')}`,
  },
};

export const MARIADB_CURSORS: Record<string, CursorColumn> = {
  datetime: { type: 'DATETIME(6)', value: (g) => wallClock(g), expected: (g) => wallClock(g) },
  // Written and read in a UTC session: the text is UTC.
  timestamp: { type: 'TIMESTAMP(6)', value: (g) => wallClock(g), expected: (g) => wallClock(g) },
  date: { type: 'DATE', value: day, expected: day },
  integer: { type: 'INT', value: (g) => g * 10 - 200, expected: (g) => g * 10 - 200 },
};

export interface CursorTables {
  location: string;
  /** Stream declarations, one per cursor type: table `c_<type>`, cursor `c`, key `id`. */
  streams: Record<string, { table: string; cursor: string; primaryKey: string[] }>;
  drop(): Promise<void>;
}

export async function createCursorTables(dialect: 'postgres' | 'mysql'): Promise<CursorTables> {
  const name = `cursors_${randomBytes(5).toString('hex')}`;
  const columns = dialect === 'postgres' ? POSTGRES_CURSORS : MARIADB_CURSORS;
  const ids = Array.from({ length: CURSOR_ROWS }, (_, i) => i + 1);
  const streams = Object.fromEntries(
    Object.keys(columns).map((type) => [type, { table: `c_${type}`, cursor: 'c', primaryKey: ['id'] }]),
  );
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const location = POSTGRES_URL.replace(/\/[^/]*$/, `/${name}`);
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    for (const [type, column] of Object.entries(columns)) {
      await client.query(`CREATE TABLE c_${type} (id integer PRIMARY KEY, c ${column.type} NOT NULL)`);
      await client.query(
        `INSERT INTO c_${type} VALUES ${ids.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2})`).join(', ')}`,
        ids.flatMap((id) => [id, column.value(groupOf(id))]),
      );
    }
    await client.end();
    return {
      location,
      streams,
      drop: async () => {
        const a = new pg.Client({ connectionString: POSTGRES_URL });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  }
  const admin = await mysql.createConnection(MARIADB_URL);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const location = MARIADB_URL.replace(/\/[^/]*$/, `/${name}`);
  const connection = await mysql.createConnection(location);
  await connection.query("SET time_zone = '+00:00'");
  for (const [type, column] of Object.entries(columns)) {
    await connection.query(`CREATE TABLE c_${type} (id INT PRIMARY KEY, c ${column.type} NOT NULL)`);
    await connection.query(`INSERT INTO c_${type} VALUES ?`, [
      ids.map((id) => [id, column.value(groupOf(id))]),
    ]);
  }
  await connection.end();
  return {
    location,
    streams,
    drop: async () => {
      const a = await mysql.createConnection(MARIADB_URL);
      await a.query(`DROP DATABASE IF EXISTS ${name}`);
      await a.end();
    },
  };
}
