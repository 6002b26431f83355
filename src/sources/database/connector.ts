// Direct extraction from partner databases: PostgreSQL (pg), MySQL/MariaDB (mysql2) and SQLite
// (better-sqlite3, opened read-only). Sessions are read-only with a statement timeout; tables and
// columns are discovered; extraction is keyset-paginated by (cursor column, primary key), so rows
// sharing a timestamp are neither missed nor repeated across batches. Positions stay in the
// database's own representation and go back as parameters cast to the column's type (see
// cursor-parameter.ts, temporal-text.ts); `lookback` re-reads a window for rows committed late
// (lookback.ts). It never writes to a source.

import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';
import { SourceError } from '../../domain/index.js';
import type { SourceDeclaration } from '../../workspace/index.js';
import { EgressGuard } from '../egress.js';
import { resolveSecret, secretRef } from '../secrets.js';
import { declaredStream } from '../stream-lookup.js';
import type {
  CheckResult,
  Connector,
  ConnectorContext,
  ReadOptions,
  Source,
  SourceBatch,
  SourceRecord,
  SourceState,
  StreamDescription,
} from '../types.js';
import { CdcSource } from './cdc/cdc-source.js';
import { cdcSettings } from './cdc/settings.js';
import { cursorKind, typedParameter } from './cursor-parameter.js';
import { lookbackBound, lookbackSetting } from './lookback.js';
import { postgresTemporalTypes } from './temporal-text.js';
import { isZoneless, timeZoneSetting, zoneRecord } from './time-zone.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain SQL identifier');

export const databaseSettings = z
  .object({
    dialect: z.enum(['postgres', 'mysql', 'sqlite']),
    /** extract: keyset-paginated reads; cdc: snapshot, then the replication log (docs/sources.md). */
    mode: z.enum(['extract', 'cdc']).default('extract'),
    cdc: cdcSettings.optional(),
    /** postgres/mysql: a secret reference holding the connection URL (env:PARTNER_DB_URL). */
    url: secretRef.optional(),
    /** sqlite: the database file, relative to the workspace. */
    file: z.string().min(1).optional(),
    statementTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    batchSize: z.number().int().min(1).max(100_000).default(1_000),
    /** Count the rows to read before a run, so progress and time left can be shown. */
    countRows: z.boolean().default(true),
    /** The zone the partner writes zone-less date-times in (`timestamp`, `DATETIME`): an IANA name. */
    timeZone: timeZoneSetting.default('UTC'),
    streams: z.record(
      z.string().min(1),
      z
        .object({
          table: identifier,
          columns: z.array(identifier).optional(),
          /** Incremental: only rows after the saved (cursor, primary key) position. */
          cursor: identifier.optional(),
          primaryKey: z.array(identifier).min(1),
          /** Each run re-reads cursor values this far before the saved position: `10m` (date/time), 500 (integer). */
          lookback: lookbackSetting.optional(),
          /** This table's zone for zone-less date-times, when it differs from the source's. */
          timeZone: timeZoneSetting.optional(),
        })
        .strict(),
    ),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const [name, stream] of Object.entries(s.streams))
      if (stream.lookback !== undefined && !stream.cursor)
        ctx.addIssue({
          code: 'custom',
          path: ['streams', name, 'lookback'],
          message: 'lookback needs cursor',
        });
    if (s.dialect === 'sqlite' && !s.file)
      ctx.addIssue({ code: 'custom', path: ['file'], message: 'sqlite needs file' });
    if (s.dialect !== 'sqlite' && !s.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: `${s.dialect} needs url` });
    if (s.mode === 'cdc' && s.dialect === 'sqlite')
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'cdc needs postgres or mysql' });
  });
export type DatabaseSettings = z.infer<typeof databaseSettings>;

type Row = Record<string, unknown>;

interface Driver {
  identity(): Promise<string>;
  query(sql: string, params: unknown[]): Promise<Row[]>;
  quote(name: string): string;
  placeholder(index: number): string;
  discover(): Promise<
    Array<{
      table: string;
      columns: Array<{ name: string; type: string; nullable: boolean }>;
      primaryKey: string[];
    }>
  >;
  close(): Promise<void>;
}

interface DbState {
  cursor?: unknown;
  key?: unknown[];
}

export const databaseConnector: Connector<DatabaseSettings> = {
  type: 'database',
  spec: databaseSettings as unknown as z.ZodType<DatabaseSettings>,
  open: (declaration, settings, context) =>
    settings.mode === 'cdc'
      ? new CdcSource(new DatabaseSource(declaration, settings, context), declaration, settings, context)
      : new DatabaseSource(declaration, settings, context),
};

class DatabaseSource implements Source {
  readonly type = 'database' as const;
  readonly name: string;
  private driver: Promise<Driver> | undefined;
  private readonly guard: EgressGuard;

  constructor(
    readonly declaration: SourceDeclaration,
    private readonly settings: DatabaseSettings,
    private readonly context: ConnectorContext,
  ) {
    this.name = declaration.name;
    this.guard = new EgressGuard(declaration.name, {
      allow: declaration.egress?.allow ?? [],
      allowPrivate: (declaration.egress?.allowPrivate ?? false) && context.allowPrivateNetworks,
    });
  }

  private connect(): Promise<Driver> {
    this.driver ??= this.open().catch((error: unknown) => {
      this.driver = undefined;
      throw error;
    });
    return this.driver;
  }

  private async open(): Promise<Driver> {
    const s = this.settings;
    if (s.dialect === 'sqlite') {
      const file = path.resolve(this.context.workspaceDir, s.file!);
      let db: SqliteDatabase.Database;
      try {
        db = new SqliteDatabase(file, { readonly: true, fileMustExist: true, timeout: s.statementTimeoutMs });
      } catch (error) {
        throw new SourceError(
          `source ${this.name}: cannot open SQLite file ${s.file}`,
          { source: this.name },
          { cause: error },
        );
      }
      return sqliteDriver(db, s.file!);
    }
    const url = new URL(
      resolveSecret(s.url!, this.context.env, this.context.workspaceDir, `${this.name}.url`),
    );
    await this.guard.checkHost(url.hostname);
    if (s.dialect === 'postgres') {
      const pool = new pg.Pool({
        connectionString: url.toString(),
        max: 1,
        // UTC session: timestamptz values come back with +00 whatever the server's zone.
        options: `-c default_transaction_read_only=on -c statement_timeout=${s.statementTimeoutMs} -c TimeZone=UTC`,
        types: postgresTemporalTypes,
      });
      return postgresDriver(pool, url.username, url.pathname.slice(1));
    }
    const connection = await mysql.createConnection({
      uri: url.toString(),
      dateStrings: true,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    await connection.query('SET SESSION TRANSACTION READ ONLY');
    // TIMESTAMP columns are read and compared in the session zone: UTC has no DST gaps or repeats.
    await connection.query("SET SESSION time_zone = '+00:00'");
    await connection
      .query(`SET SESSION max_execution_time = ${Math.floor(s.statementTimeoutMs)}`)
      .catch(() => undefined);
    return mysqlDriver(connection, url.username, url.pathname.slice(1));
  }

  async check(): Promise<CheckResult> {
    try {
      const driver = await this.connect();
      const identity = await driver.identity();
      await driver.query('SELECT 1', []);
      return { ok: true, identity, message: `connected read-only to ${this.settings.dialect}` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async discover(): Promise<StreamDescription[]> {
    const driver = await this.connect();
    const tables = await driver.discover();
    return tables.map((t) => ({
      name: t.table,
      fields: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
      primaryKey: t.primaryKey,
      cursorFields: t.columns
        .filter((c) => /time|date|stamp|updated|modified|id$/i.test(`${c.type} ${c.name}`))
        .map((c) => c.name),
    }));
  }

  async *read(
    streamName: string,
    rawState: SourceState,
    options: ReadOptions = {},
  ): AsyncIterable<SourceBatch> {
    const stream = declaredStream(this.settings.streams, streamName, this.name);
    const driver = await this.connect();
    const types = await this.checkColumns(driver, stream);
    const q = (n: string) => driver.quote(n);
    const order = [...(stream.cursor ? [stream.cursor] : []), ...stream.primaryKey];
    const dialect = this.settings.dialect;
    const parameter = (column: string, index: number) =>
      typedParameter(dialect, types.get(column) ?? '', driver.placeholder(index));
    const columns = stream.columns ? [...new Set([...stream.columns, ...order])] : undefined;
    const select = columns ? columns.map(q).join(', ') : '*';
    const zone = stream.timeZone ?? this.settings.timeZone;
    const zoneless = [...types].filter(([, type]) => isZoneless(dialect, type)).map(([name]) => name);
    const batchSize = Math.min(options.batchSize ?? this.settings.batchSize, this.settings.batchSize);
    let state = (rawState ?? {}) as DbState;
    let consumed = 0;
    const after = (at: DbState): { where: string; params: unknown[] } => {
      if (!at.key) return { where: '', params: [] };
      const position = [...(stream.cursor ? [at.cursor] : []), ...at.key];
      return {
        where: `WHERE (${order.map(q).join(', ')}) > (${order.map((c, i) => parameter(c, i + 1)).join(', ')})`,
        params: position,
      };
    };
    // A run's first read starts `lookback` before the saved cursor value; later batches go on by keyset.
    let from = after(state);
    if (stream.cursor && stream.lookback !== undefined && state.key && state.cursor != null) {
      const columnType = types.get(stream.cursor) ?? '';
      const bound = lookbackBound({
        dialect,
        columnType,
        kind: cursorKind(dialect === 'sqlite' && typeof state.cursor === 'number' ? 'integer' : columnType),
        cursor: state.cursor,
        lookback: stream.lookback,
        placeholder: driver.placeholder,
        first: 1,
      });
      if ('problem' in bound)
        throw new SourceError(`source ${this.name}: stream ${streamName}: ${bound.problem}`, {
          source: this.name,
          stream: streamName,
        });
      from = { where: `WHERE ${q(stream.cursor)} >= ${bound.sql}`, params: bound.params };
    }
    // Rows this read will return, for progress; a count that fails only costs the time left.
    let total: number | undefined;
    if (this.settings.countRows) {
      total = await driver
        .query(`SELECT count(*) AS n FROM ${q(stream.table)} ${from.where}`, from.params)
        .then((rows) => Number(rows[0]?.n ?? rows[0]?.N))
        .catch(() => undefined);
      if (total !== undefined && !Number.isFinite(total)) total = undefined;
    }
    for (;;) {
      options.signal?.throwIfAborted();
      const { where, params } = from;
      const sql = `SELECT ${select} FROM ${q(stream.table)} ${where} ORDER BY ${order.map((c) => `${q(c)} ASC`).join(', ')} LIMIT ${batchSize}`;
      let rows: Row[];
      try {
        rows = await driver.query(sql, params);
      } catch (error) {
        throw new SourceError(
          `source ${this.name}: reading ${stream.table} failed (${driverErrorCode(error)})`,
          {
            source: this.name,
            table: stream.table,
            code: driverErrorCode(error),
          },
        );
      }
      if (rows.length === 0) {
        if (!stream.cursor) return; // a full extraction starts over next run
        return;
      }
      const records = rows.map(plain);
      consumed += rows.length;
      // Dates and times are already the database's text here (temporal-text.ts, dateStrings).
      const last = records[records.length - 1]!;
      state = {
        ...(stream.cursor ? { cursor: last[stream.cursor] } : {}),
        key: stream.primaryKey.map((k) => last[k]),
      };
      // The position stays the database's text (above); records carry the instant it means.
      for (const record of records) zoneRecord(record, zoneless, zone);
      yield {
        records,
        // A full extraction keeps no state once it ends (the next run reads everything again).
        state: (rows.length < batchSize && !stream.cursor ? null : state) as SourceState,
        // Positions land in audit entries and quarantine: row counts, never key values (a key may be personal).
        position: `${stream.table}: rows ${consumed - rows.length + 1}-${consumed} of this read`,
        // Rows appended while we read can outgrow the count: the total follows.
        ...(total !== undefined ? { progress: { done: consumed, total: Math.max(total, consumed) } } : {}),
      };
      if (rows.length < batchSize) return;
      from = after(state);
    }
  }

  /** Checks the stream's table and columns exist; returns each column's type. */
  private async checkColumns(
    driver: Driver,
    stream: DatabaseSettings['streams'][string],
  ): Promise<Map<string, string>> {
    const tables = await driver.discover();
    const table = tables.find((t) => t.table === stream.table);
    if (!table)
      throw new SourceError(`source ${this.name}: table ${stream.table} does not exist`, {
        source: this.name,
      });
    const names = new Set(table.columns.map((c) => c.name));
    for (const column of [
      ...(stream.columns ?? []),
      ...(stream.cursor ? [stream.cursor] : []),
      ...stream.primaryKey,
    ]) {
      if (!names.has(column)) {
        throw new SourceError(`source ${this.name}: column ${stream.table}.${column} does not exist`, {
          source: this.name,
        });
      }
    }
    return new Map(table.columns.map((c) => [c.name, c.type]));
  }

  async close(): Promise<void> {
    const driver = await this.driver?.catch(() => undefined);
    this.driver = undefined;
    await driver?.close();
  }
}

/** Dates as ISO strings, big numbers as strings, bytes as base64: plain JSON. */
export function plain(row: Row): SourceRecord {
  const out: SourceRecord = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] =
      v instanceof Date
        ? v.toISOString()
        : typeof v === 'bigint'
          ? v.toString()
          : Buffer.isBuffer(v)
            ? v.toString('base64')
            : v;
  }
  return out;
}

function sqliteDriver(db: SqliteDatabase.Database, file: string): Driver {
  return {
    identity: async () => `sqlite file ${file} (read-only)`,
    query: async (sql, params) => db.prepare(sql).all(...(params as unknown[])) as Row[],
    quote: (n) => `"${n}"`,
    placeholder: () => '?',
    discover: async () => {
      const tables = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as Array<{ name: string }>;
      return tables.map(({ name }) => {
        const columns = db.prepare(`PRAGMA table_info("${name.replace(/"/g, '""')}")`).all() as Array<{
          name: string;
          type: string;
          notnull: number;
          pk: number;
        }>;
        return {
          table: name,
          columns: columns.map((c) => ({
            name: c.name,
            type: c.type.toLowerCase() || 'any',
            nullable: c.notnull === 0,
          })),
          primaryKey: columns
            .filter((c) => c.pk > 0)
            .sort((a, b) => a.pk - b.pk)
            .map((c) => c.name),
        };
      });
    },
    close: async () => {
      db.close();
    },
  };
}

function postgresDriver(pool: pg.Pool, user: string, database: string): Driver {
  return {
    identity: async () => `postgres user ${user} on ${database} (read-only session)`,
    query: async (sql, params) => (await pool.query(sql, params)).rows as Row[],
    quote: (n) => `"${n}"`,
    placeholder: (i) => `$${i}`,
    discover: async () => {
      const columns = (
        await pool.query(
          `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
           WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
        )
      ).rows as Array<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>;
      const keys = (
        await pool.query(
          `SELECT k.table_name, k.column_name FROM information_schema.table_constraints c
           JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema
           WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() ORDER BY k.ordinal_position`,
        )
      ).rows as Array<{ table_name: string; column_name: string }>;
      return group(columns, keys, (c) => ({
        name: c.column_name,
        type: c.data_type,
        nullable: c.is_nullable === 'YES',
      }));
    },
    close: () => pool.end(),
  };
}

function mysqlDriver(connection: mysql.Connection, user: string, database: string): Driver {
  return {
    identity: async () => `mysql user ${user} on ${database} (read-only session)`,
    query: async (sql, params) => (await connection.query(sql, params))[0] as Row[],
    quote: (n) => `\`${n}\``,
    placeholder: () => '?',
    discover: async () => {
      const [rows] = await connection.query(
        `SELECT table_name AS table_name, column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable, column_key AS column_key
         FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position`,
      );
      const columns = rows as Array<{
        table_name: string;
        column_name: string;
        data_type: string;
        is_nullable: string;
        column_key: string;
      }>;
      const keys = columns.filter((c) => c.column_key === 'PRI');
      return group(columns, keys, (c) => ({
        name: c.column_name,
        type: c.data_type,
        nullable: c.is_nullable === 'YES',
      }));
    },
    close: () => connection.end(),
  };
}

function group<C extends { table_name: string }>(
  columns: C[],
  keys: Array<{ table_name: string; column_name: string }>,
  shape: (c: C) => { name: string; type: string; nullable: boolean },
) {
  const tables = new Map<
    string,
    { table: string; columns: Array<{ name: string; type: string; nullable: boolean }>; primaryKey: string[] }
  >();
  for (const c of columns) {
    const t = tables.get(c.table_name) ?? { table: c.table_name, columns: [], primaryKey: [] };
    t.columns.push(shape(c));
    tables.set(c.table_name, t);
  }
  for (const k of keys) tables.get(k.table_name)?.primaryKey.push(k.column_name);
  return [...tables.values()];
}

/**
 * A driver error as its code only (PostgreSQL SQLSTATE, MySQL/MariaDB ER_… name, SQLite SQLITE_…):
 * the driver's text can quote a partner's row value (`invalid input syntax for type bigint: "…"`),
 * and this message reaches the run's error and its audit entry, which are never erased.
 */
function driverErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code)) return code;
  return error instanceof Error ? error.name : 'unknown error';
}
