// MySQL/MariaDB change data capture: the row-based binlog, read as a replica through
// @vlasky/zongji. The table is read in a consistent snapshot whose binlog position the server
// names (MariaDB: binlog_snapshot_file/position, no lock; MySQL: a brief global read lock), and the
// binlog is read from that position on. A checkpoint is the position after a commit, so a resumed
// read starts at a transaction boundary: nothing is missed or read twice.

import { randomInt } from 'node:crypto';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import { SourceError } from '../../../domain/index.js';
import type { ReadOptions, ReplicationReport, SourceBatch, SourceRecord, SourceState } from '../../types.js';
import { plain } from '../connector.js';
import { isZoneless, zoneRecord } from '../time-zone.js';
import type { Capture, CaptureTarget } from './capture.js';
import { type CaptureProgress, ChangeStream, parseProgress } from './change-batch.js';
import { ChangeQueue } from './change-queue.js';

/** A binlog coordinate: file and byte offset. */
export interface BinlogPosition {
  file: string;
  position: number;
}

interface MysqlCdcState extends BinlogPosition, CaptureProgress {}

// The same value shapes as the snapshot's reads and the extracting connector's (dates as the
// server writes them, big numbers as strings), so a row read either way hashes the same.
const VALUE_OPTIONS = { dateStrings: true, supportBigNumbers: true, bigNumberStrings: true } as const;

/** Orders binlog positions: by file sequence number, then offset. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  const seq = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? 0);
  return seq(a.file) - seq(b.file) || a.position - b.position;
}

function parseState(raw: SourceState): MysqlCdcState | null {
  if (raw === null) return null;
  const progress = parseProgress(raw);
  const { file, position } = raw as Partial<MysqlCdcState>;
  if (!progress || typeof file !== 'string' || typeof position !== 'number') return null;
  return { ...progress, file, position };
}

export class MysqlCapture implements Capture {
  /** The table's zone-less date-time columns (read at the start of a read). */
  private zoneless: string[] = [];

  constructor(private readonly target: CaptureTarget) {}

  private get database(): string {
    return decodeURIComponent(this.target.url.pathname.slice(1));
  }

  private fail(what: string, error: unknown): SourceError {
    return new SourceError(
      `source ${this.target.source}: ${what}: ${(error as Error).message}`,
      { source: this.target.source, stream: this.target.stream },
      { cause: error },
    );
  }

  private async connect(): Promise<mysql.Connection> {
    try {
      return await mysql.createConnection({ uri: this.target.url.toString(), ...VALUE_OPTIONS });
    } catch (error) {
      throw this.fail('cannot connect to MySQL/MariaDB', error);
    }
  }

  async *read(rawState: SourceState, options: ReadOptions): AsyncIterable<SourceBatch> {
    let state = parseState(rawState);
    const control = await this.connect();
    try {
      const [columns] = (await control.query(
        'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?',
        [this.target.table],
      )) as unknown as [Array<{ name: string; type: string }>];
      this.zoneless = columns.filter((c) => isZoneless('mysql', c.type)).map((c) => c.name);
      if (state !== null && this.behind(await this.binaryLogs(control), state) === null) {
        // The binlog from the checkpoint on was purged: the changes since are gone, deletions
        // among them. A new snapshot is taken, and records it does not read are marked deleted at
        // source once it is stored.
        this.target.warn('binlog from the checkpoint was purged: taking a new snapshot', {
          source: this.target.source,
          stream: this.target.stream,
          file: state.file,
        });
        state = null;
      }
      if (state === null) {
        const { reader, at } = await this.openSnapshot();
        state = yield* this.snapshot(reader, { phase: 'snapshot', ...at, sweep: true }, true);
      } else if (state.phase === 'snapshot') {
        // The snapshot died with the run that opened it. A new one is opened (its binlog position
        // known), the binlog is read from the checkpoint up to that position first, then the rest
        // of the table from the new snapshot: each row's versions are stored in commit order, and
        // a row the binlog brought up to date reads unchanged. Replaying the binlog after the new
        // snapshot stored a row's later value first, then its earlier ones.
        await this.requireRetained(control, state);
        const { reader, at } = await this.openSnapshot();
        try {
          const { key, sweep } = state;
          const position = yield* this.stream(control, state, options, { until: at, key, sweep });
          state = yield* this.snapshot(reader, {
            phase: 'snapshot',
            ...position,
            ...(key ? { key } : {}),
            ...(sweep ? { sweep } : {}),
          });
        } finally {
          await reader.end().catch(() => undefined); // ended by the snapshot already, or broken
        }
      }
      await this.requireRetained(control, state);
      yield* this.stream(control, state, options);
    } finally {
      await control.end().catch(() => undefined); // closing a broken connection: nothing left to do
    }
  }

  /** The server's current binlog position (MySQL 8.4 renamed the statement). */
  private async currentPosition(connection: mysql.Connection): Promise<BinlogPosition> {
    let rows: Array<Record<string, unknown>>;
    try {
      [rows] = (await connection.query('SHOW MASTER STATUS')) as unknown as [Array<Record<string, unknown>>];
    } catch {
      // MySQL 8.4+ knows only the new name; any other failure shows in its error.
      [rows] = (await connection.query('SHOW BINARY LOG STATUS')) as unknown as [
        Array<Record<string, unknown>>,
      ];
    }
    const row = rows[0];
    if (!row)
      throw new SourceError(
        `source ${this.target.source}: the partner's server does not write a binlog (log_bin is off)`,
        { source: this.target.source },
      );
    return { file: String(row.File), position: Number(row.Position) };
  }

  /** A connection inside a consistent read-only snapshot, and the binlog position it was taken at. */
  private async openSnapshot(): Promise<{ reader: mysql.Connection; at: BinlogPosition }> {
    const t = this.target;
    const reader = await this.connect();
    try {
      await reader.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const [[version]] = (await reader.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
      if (/mariadb/i.test(version.v)) {
        // MariaDB names the binlog position of a consistent snapshot without any lock.
        await reader.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
        const [rows] = (await reader.query("SHOW STATUS LIKE 'binlog_snapshot_%'")) as unknown as [
          Array<{ Variable_name: string; Value: string }>,
        ];
        const value = (name: string) => rows.find((r) => r.Variable_name.toLowerCase() === name)?.Value;
        const at = {
          file: String(value('binlog_snapshot_file') ?? ''),
          position: Number(value('binlog_snapshot_position')),
        };
        if (!at.file)
          throw new SourceError(
            `source ${t.source}: the partner's server does not write a binlog (log_bin is off)`,
            { source: t.source },
          );
        return { reader, at };
      }
      // MySQL: hold writes for the moment it takes to open the snapshot and read the position.
      await reader.query('FLUSH TABLES WITH READ LOCK');
      try {
        await reader.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
        return { reader, at: await this.currentPosition(reader) };
      } finally {
        await reader.query('UNLOCK TABLES');
      }
    } catch (error) {
      await reader.end().catch(() => undefined); // the error below says what failed
      if (error instanceof SourceError) throw error;
      throw this.fail(`cannot open a snapshot of ${t.table}`, error);
    }
  }

  /** Reads the table after `from.key` in the reader's snapshot, taken at `from`'s position. */
  private async *snapshot(
    reader: mysql.Connection,
    from: MysqlCdcState,
    /** The first part of a full snapshot (a new set of snapshot keys). */
    isFirst = false,
  ): AsyncGenerator<SourceBatch, MysqlCdcState> {
    const t = this.target;
    const start: BinlogPosition = { file: from.file, position: from.position };
    try {
      const q = (n: string) => `\`${n}\``;
      const select = t.columns ? [...new Set([...t.columns, ...t.primaryKey])].map(q).join(', ') : '*';
      const order = t.primaryKey.map(q).join(', ');
      let key = from.key;
      let read = 0;
      for (;;) {
        const where = key ? `WHERE (${order}) > (${key.map(() => '?').join(', ')})` : '';
        const [rows] = (await reader.query(
          `SELECT ${select} FROM ${q(t.table)} ${where} ORDER BY ${order} LIMIT ${t.batchSize}`,
          key ?? [],
        )) as unknown as [SourceRecord[]];
        const records = rows.map((row) => zoneRecord(plain(row), this.zoneless, t.timeZone));
        read += records.length;
        const last = rows[rows.length - 1]; // the database's values, not the zoned ones
        if (last) key = t.primaryKey.map((k) => last[k]);
        const done = rows.length < t.batchSize;
        const state: MysqlCdcState = done
          ? { phase: 'stream', ...start }
          : {
              phase: 'snapshot',
              ...start,
              ...(key ? { key } : {}),
              ...(from.sweep ? { sweep: true as const } : {}),
            };
        yield {
          records,
          ...(from.sweep ? { snapshot: { isFirst: isFirst && read === records.length, isLast: done } } : {}),
          state: state as unknown as SourceState,
          position: `${t.table}: snapshot rows ${read - records.length + 1}-${read} at ${start.file}:${start.position}`,
        };
        if (done) {
          await reader.query('COMMIT');
          return state;
        }
      }
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw this.fail(`reading the snapshot of ${t.table} failed`, error);
    } finally {
      await reader.end().catch(() => undefined); // an open snapshot transaction ends with it
    }
  }

  private async binaryLogs(connection: mysql.Connection): Promise<Array<{ file: string; size: number }>> {
    const [rows] = (await connection.query('SHOW BINARY LOGS')) as unknown as [
      Array<{ Log_name: string; File_size: number | string }>,
    ];
    return rows.map((r) => ({ file: r.Log_name, size: Number(r.File_size) }));
  }

  /** Bytes of binlog written after `from` (how far behind the checkpoint is). */
  private behind(logs: Array<{ file: string; size: number }>, from: BinlogPosition): number | null {
    const index = logs.findIndex((l) => l.file === from.file);
    if (index < 0) return null;
    return logs.slice(index).reduce((sum, l) => sum + l.size, 0) - from.position;
  }

  private async requireRetained(connection: mysql.Connection, state: MysqlCdcState): Promise<void> {
    const logs = await this.binaryLogs(connection);
    const behind = this.behind(logs, state);
    if (behind === null)
      throw new SourceError(
        `source ${this.target.source}: binlog file ${state.file} was purged by the partner's server before it was read; changes since the last checkpoint are lost to it — reset the dataset's source state to take a new snapshot`,
        { source: this.target.source, file: state.file },
      );
    if (behind > this.target.cdc.lagWarnBytes)
      this.target.warn('binlog reader lags: the partner must keep binlog files for it', {
        source: this.target.source,
        stream: this.target.stream,
        behindBytes: behind,
        lagWarnBytes: this.target.cdc.lagWarnBytes,
      });
  }

  private async *stream(
    control: mysql.Connection,
    from: MysqlCdcState,
    options: ReadOptions,
    /** Resuming a snapshot: only the binlog before `until`; checkpoints keep `key`. */
    window?: { until: BinlogPosition; key: unknown[] | undefined; sweep: true | undefined },
  ): AsyncGenerator<SourceBatch, BinlogPosition> {
    const t = this.target;
    // Read up to what was committed when the run started; then the run ends (the next one goes on).
    const target = window?.until ?? (await this.currentPosition(control));
    const zongji = new ZongJi({ uri: t.url.toString(), ...VALUE_OPTIONS });
    const queue = new ChangeQueue<{ event: AnyBinlogEvent; file: string }>(Math.max(1_000, t.batchSize * 4));
    let file = from.file;
    const binlogConnection = () =>
      (zongji as unknown as { connection: { pause(): void; resume(): void } | null }).connection;
    zongji.on('binlog', (event: AnyBinlogEvent) => {
      if (event.getEventName() === 'rotate') file = (event as { binlogName: string }).binlogName;
      // A full queue stops reading the socket: the server holds the rest (backpressure).
      const full = queue.push({ event, file });
      if (full) {
        binlogConnection()?.pause();
        void full.then(() => binlogConnection()?.resume());
      }
    });
    zongji.on('error', (error: unknown) => queue.fail(this.fail('reading the binlog failed', error)));
    zongji.start({
      // A replica id of its own, so concurrent readers do not disconnect each other.
      serverId: t.cdc.serverId ?? randomInt(1_000_000, 2 ** 31),
      filename: from.file,
      position: from.position,
      includeEvents: [
        'rotate',
        'tablemap',
        'writerows',
        'updaterows',
        'deleterows',
        'xid',
        'query',
        'mariadbgtid',
        'gtid',
      ],
      includeSchema: { [this.database]: [t.table] },
    });

    const changes = new ChangeStream<BinlogPosition>(
      t,
      this.zoneless,
      { file: from.file, position: from.position },
      (at, first, last) => ({
        state: window
          ? {
              phase: 'snapshot',
              ...at,
              ...(window.key ? { key: window.key } : {}),
              ...(window.sweep ? { sweep: true } : {}),
            }
          : { phase: 'stream', ...at },
        // Rows the window brings are rows of the snapshot being stored.
        ...(window?.sweep ? { snapshot: { isFirst: false, isLast: false } } : {}),
        position: `${t.table}: changes ${first}-${last} of this read, up to ${at.file}:${at.position}`,
      }),
      (x, y) => comparePositions(x, y) === 0,
    );
    const batch = changes.batch;
    const ours = (event: {
      tableId: number;
      tableMap: Record<number, { parentSchema: string; tableName: string }>;
    }) => {
      const table = event.tableMap[event.tableId];
      return table?.parentSchema === this.database && table.tableName === t.table;
    };
    try {
      if (comparePositions(from, target) >= 0) return changes.position; // nothing written since the checkpoint
      for (;;) {
        // The server streams every event up to the target (our table's or not); silence this long
        // means it has nothing more to say.
        const item = await queue.take(t.cdc.idleMs, options.signal);
        if (item === undefined) {
          if (!batch.hasOpenTransaction) break;
          continue;
        }
        const e = item.event;
        // An event ending at or past the target, between transactions: everything before it was
        // read (the target, taken between event groups, is never inside a transaction).
        if (
          !batch.hasOpenTransaction &&
          e.nextPosition > 0 &&
          e.getEventName() !== 'rotate' &&
          comparePositions({ file: item.file, position: e.nextPosition }, target) >= 0
        )
          break;
        let isCommit = false;
        switch (e.getEventName()) {
          case 'mariadbgtid':
          case 'gtid':
            batch.discardOpenTransaction();
            break;
          case 'query': {
            const query = (e as { query: string }).query.trim().toUpperCase();
            if (query === 'BEGIN') batch.discardOpenTransaction();
            else if (query === 'COMMIT') isCommit = true;
            else if (query === 'ROLLBACK') batch.discardOpenTransaction();
            break;
          }
          case 'xid':
            isCommit = true;
            break;
          case 'writerows': {
            const rows = e as unknown as { rows: SourceRecord[] } & Parameters<typeof ours>[0];
            if (ours(rows)) for (const row of rows.rows) changes.upsert(row);
            break;
          }
          case 'updaterows': {
            const rows = e as unknown as {
              rows: Array<{ before: SourceRecord; after: SourceRecord }>;
            } & Parameters<typeof ours>[0];
            if (ours(rows)) for (const { before, after } of rows.rows) changes.update(before, after);
            break;
          }
          case 'deleterows': {
            const rows = e as unknown as { rows: SourceRecord[] } & Parameters<typeof ours>[0];
            if (ours(rows)) for (const row of rows.rows) changes.delete(row);
            break;
          }
          default:
            break; // rotate, table maps: bookkeeping only
        }
        if (!isCommit) continue;
        if (batch.overlapsOpenTransaction()) yield changes.flush();
        batch.commit();
        changes.position = { file: item.file, position: e.nextPosition };
        if (batch.size >= t.batchSize) yield changes.flush();
        if (comparePositions(changes.position, target) >= 0) {
          if (changes.isPending) yield changes.flush();
          return changes.position;
        }
      }
      if (changes.isPending) yield changes.flush();
      return changes.position;
    } finally {
      queue.end();
      zongji.stop();
      zongji.removeAllListeners('binlog');
    }
  }

  async report(rawState: SourceState): Promise<ReplicationReport> {
    const state = parseState(rawState);
    const connection = await this.connect();
    try {
      const logs = await this.binaryLogs(connection);
      const behind = state ? this.behind(logs, state) : null;
      return {
        source: this.target.source,
        stream: this.target.stream,
        kind: 'binlog',
        name: state ? `${state.file}:${state.position}` : '-',
        exists: state !== null && behind !== null,
        isActive: false,
        retainedBytes: behind,
        isLagging: behind !== null && behind > this.target.cdc.lagWarnBytes,
        lagWarnBytes: this.target.cdc.lagWarnBytes,
        detail:
          state === null
            ? 'no checkpoint yet'
            : behind === null
              ? `binlog file ${state.file} was purged: a new snapshot is needed`
              : `${logs.length} binlog files on the server`,
      };
    } finally {
      await connection.end().catch(() => undefined); // report already read
    }
  }

  /** A binlog reader holds nothing on the partner's server: the server's retention decides. */
  async drop(): Promise<boolean> {
    return false;
  }
}
