// PostgreSQL change data capture: logical replication with the built-in pgoutput plugin, through
// pg-logical-replication. The slot is created with an exported snapshot, the table is read in that
// snapshot, and the stream takes over at the slot's consistent point: no change is missed or read
// twice. The slot is only ever told (confirmed_flush_lsn) a position already checkpointed in
// Custos's store, so the partner's server keeps every change not yet stored.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { SourceError } from '../../../domain/index.js';
import type { ReadOptions, ReplicationReport, SourceBatch, SourceRecord, SourceState } from '../../types.js';
import { plain } from '../connector.js';
import { postgresTemporalTypes } from '../temporal-text.js';
import { isZoneless, zoneRecord } from '../time-zone.js';
import type { Capture, CaptureTarget } from './capture.js';
import { type CaptureProgress, ChangeStream, parseProgress } from './change-batch.js';
import { ChangeQueue } from './change-queue.js';
import { slotName } from './settings.js';

/** Checkpointed position: reading the snapshot (after `key`), or streaming after commit `lsn`. */
interface PostgresCdcState extends CaptureProgress {
  slot: string;
  /** snapshot: the consistent point its rows were read at; stream: end of the last stored commit. */
  lsn: string;
}

const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;
/** How long the reader waits for the server before asking it where it is. */
const POLL_MS = 200;

/** An LSN (`16/B374D848`) as a number, for comparisons. */
export function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

function lsnText(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

function parseState(raw: SourceState, slot: string): PostgresCdcState | null {
  if (raw === null) return null;
  const progress = parseProgress(raw);
  const { lsn } = raw as Partial<PostgresCdcState>;
  if (!progress || raw.slot !== slot || typeof lsn !== 'string' || !LSN.test(lsn)) return null;
  return { ...progress, slot, lsn };
}

export class PostgresCapture implements Capture {
  private readonly slot: string;
  private readonly publication: string;
  /** The table's zone-less date-time columns (read at the start of a read). */
  private zoneless: string[] = [];

  constructor(private readonly target: CaptureTarget) {
    this.slot = slotName(target.cdc.slotPrefix, target.source, target.stream);
    this.publication = target.cdc.publication ?? this.slot;
  }

  private fail(what: string, error: unknown): SourceError {
    // The driver's message names objects, never row values; the URL is never included.
    return new SourceError(
      `source ${this.target.source}: ${what}: ${(error as Error).message}`,
      { source: this.target.source, stream: this.target.stream },
      { cause: error },
    );
  }

  private async client(): Promise<pg.Client> {
    // Dates and times as the database's text (timestamptz in UTC), never through the process zone.
    const client = new pg.Client({
      connectionString: this.target.url.toString(),
      options: '-c TimeZone=UTC',
      types: postgresTemporalTypes,
    });
    try {
      await client.connect();
    } catch (error) {
      throw this.fail('cannot connect to PostgreSQL', error);
    }
    return client;
  }

  async *read(rawState: SourceState, options: ReadOptions): AsyncIterable<SourceBatch> {
    const client = await this.client();
    try {
      const schema = String((await client.query('SELECT current_schema() AS s')).rows[0].s);
      await this.ensurePublication(client, schema);
      const columns = await client.query(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
        [schema, this.target.table],
      );
      this.zoneless = (columns.rows as Array<{ column_name: string; data_type: string }>)
        .filter((c) => isZoneless('postgres', c.data_type))
        .map((c) => c.column_name);
      let state = parseState(rawState, this.slot);
      if (state !== null && !(await this.slotExists(client))) {
        // Dropped or lost (max_slot_wal_keep_size): the changes since the checkpoint are gone
        // with it, deletions among them. A new snapshot is taken, and records it does not read
        // are marked deleted at source once it is stored.
        this.target.warn('replication slot is gone: taking a new snapshot', {
          source: this.target.source,
          stream: this.target.stream,
          slot: this.slot,
        });
        state = null;
      }
      if (state === null) {
        // A new capture (or one whose checkpoint names another slot): a slot left by a run that
        // died before its first checkpoint is dropped, and a new one is made with its snapshot.
        await this.dropSlot(client);
        const created = await this.createSlot(this.slot);
        state = yield* this.snapshot(
          await this.openSnapshot(created),
          { phase: 'snapshot', slot: this.slot, lsn: created.lsn, sweep: true },
          true,
        );
      } else if (state.phase === 'snapshot') {
        // The exported snapshot died with the run that made it. A new one is taken at a known
        // point (a temporary slot's consistent point); the stream is read from the checkpoint up
        // to that point first, then the rest of the table from the new snapshot. So every row's
        // versions are stored in commit order, and a row the stream brought up to date reads
        // unchanged from the snapshot (which the store does not version again). Replaying the
        // stream after the new snapshot stored a row's later value first, then its earlier ones.
        const created = await this.createSlot(
          `${this.slot.slice(0, 50)}_${randomBytes(6).toString('hex')}`,
          true,
        );
        const reader = await this.openSnapshot(created);
        try {
          const { key, sweep } = state;
          const at = yield* this.stream(client, schema, state, options, { until: created.lsn, key, sweep });
          state = yield* this.snapshot(reader, { ...state, lsn: at });
        } finally {
          await reader.end().catch(() => undefined); // ended by the snapshot already, or broken
        }
      }
      await this.requireSlot(client);
      await this.warnIfLagging(client);
      yield* this.stream(client, schema, state, options);
    } finally {
      await client.end().catch(() => undefined); // closing a broken connection: nothing left to do
    }
  }

  private async ensurePublication(client: pg.Client, schema: string): Promise<void> {
    const found = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [this.publication]);
    if (found.rowCount) return;
    if (this.target.cdc.publication)
      throw new SourceError(
        `source ${this.target.source}: publication ${this.publication} does not exist on the partner's server`,
        { source: this.target.source, publication: this.publication },
      );
    try {
      // Truncates are not published: they cannot be mapped to deletions of known records.
      await client.query(
        `CREATE PUBLICATION "${this.publication}" FOR TABLE "${schema}"."${this.target.table}" WITH (publish = 'insert, update, delete')`,
      );
    } catch (error) {
      throw this.fail(`cannot create publication ${this.publication}`, error);
    }
  }

  /** Creates the slot on a replication connection, exporting a snapshot of its consistent point. */
  private async createSlot(
    name: string,
    temporary = false,
  ): Promise<{ lsn: string; snapshot: string; connection: pg.Client }> {
    const connection = new pg.Client({
      connectionString: this.target.url.toString(),
      replication: 'database',
    } as pg.ClientConfig);
    try {
      await connection.connect();
      const result = await connection.query(
        `CREATE_REPLICATION_SLOT "${name}"${temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput EXPORT_SNAPSHOT`,
      );
      const row = result.rows[0] as { consistent_point: string; snapshot_name: string };
      return { lsn: row.consistent_point, snapshot: row.snapshot_name, connection };
    } catch (error) {
      await connection.end().catch(() => undefined); // the error below says what failed
      throw this.fail(`cannot create replication slot ${name}`, error);
    }
  }

  /**
   * A connection inside a read-only transaction that has imported the slot's exported snapshot;
   * the replication connection that exported it (and a temporary slot with it) then goes.
   */
  private async openSnapshot(created: { snapshot: string; connection: pg.Client }): Promise<pg.Client> {
    const t = this.target;
    try {
      const reader = await this.client();
      try {
        await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        if (!/^[0-9A-F-]+$/i.test(created.snapshot))
          throw new SourceError(`source ${t.source}: unexpected snapshot name from the server`, {
            source: t.source,
          });
        await reader.query(`SET TRANSACTION SNAPSHOT '${created.snapshot}'`);
        return reader;
      } catch (error) {
        await reader.end().catch(() => undefined); // the error below says what failed
        if (error instanceof SourceError) throw error;
        throw this.fail(`cannot open the snapshot of ${t.table}`, error);
      }
    } finally {
      await created.connection.end().catch(() => undefined); // imported, or failed: either way done
    }
  }

  /** Reads the table after `from.key` in the reader's snapshot, taken at `from.lsn`. */
  private async *snapshot(
    reader: pg.Client,
    from: PostgresCdcState,
    /** The first part of a full snapshot (a new set of snapshot keys). */
    isFirst = false,
  ): AsyncGenerator<SourceBatch, PostgresCdcState> {
    const t = this.target;
    const lsn = from.lsn;
    try {
      await reader.query(`SET LOCAL statement_timeout = ${Math.floor(t.statementTimeoutMs)}`);
      const q = (n: string) => `"${n}"`;
      const select = t.columns ? [...new Set([...t.columns, ...t.primaryKey])].map(q).join(', ') : '*';
      const order = t.primaryKey.map(q).join(', ');
      let key = from.key;
      let read = 0;
      for (;;) {
        const where = key ? `WHERE (${order}) > (${key.map((_, i) => `$${i + 1}`).join(', ')})` : '';
        const rows = (
          await reader.query(
            `SELECT ${select} FROM ${q(t.table)} ${where} ORDER BY ${order} LIMIT ${t.batchSize}`,
            key ?? [],
          )
        ).rows as SourceRecord[];
        const records = rows.map((row) => zoneRecord(plain(row), this.zoneless, t.timeZone));
        read += records.length;
        const last = rows[rows.length - 1];
        if (last) key = t.primaryKey.map((k) => last[k]);
        const done = rows.length < t.batchSize;
        const state: PostgresCdcState = done
          ? { phase: 'stream', slot: this.slot, lsn }
          : {
              phase: 'snapshot',
              slot: this.slot,
              lsn,
              ...(key ? { key } : {}),
              ...(from.sweep ? { sweep: true as const } : {}),
            };
        yield {
          records,
          ...(from.sweep ? { snapshot: { isFirst: isFirst && read === records.length, isLast: done } } : {}),
          state: state as unknown as SourceState,
          position: `${t.table}: snapshot rows ${read - records.length + 1}-${read} at LSN ${lsn}`,
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

  private async *stream(
    client: pg.Client,
    schema: string,
    from: PostgresCdcState,
    options: ReadOptions,
    /** Resuming a snapshot: only the transactions committed before `until`; checkpoints keep `key`. */
    window?: { until: string; key: unknown[] | undefined; sweep: true | undefined },
  ): AsyncGenerator<SourceBatch, string> {
    const t = this.target;
    // Read up to what was committed (and flushed: the server decodes no further) when the run
    // started; then the run ends and the next one goes on.
    const target = lsnValue(
      window?.until ?? String((await client.query('SELECT pg_current_wal_flush_lsn() AS lsn')).rows[0].lsn),
    );
    const durable = from.lsn;
    if (lsnValue(durable) >= target) return durable; // nothing committed since the checkpoint
    const service = new LogicalReplicationService(
      { connectionString: t.url.toString(), options: '-c TimeZone=UTC' } as pg.ClientConfig,
      // Never acknowledge on our behalf: the library would confirm what was received, not stored.
      // Its flow control would queue changes but not keepalives, reordering them: ours keeps both
      // in line, and pauses the socket itself while the queue is full.
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: false } },
    );
    const queue = new ChangeQueue<{ lsn: string; message: Pgoutput.Message | { tag: 'keepalive' } }>(
      Math.max(1_000, t.batchSize * 4),
    );
    // Status updates carry the stored position (the library adds one): the slot never moves past
    // it. `ping` asks the server for a keepalive naming how far it has decoded.
    const confirm = (ping = false) =>
      void service.acknowledge(lsnText(lsnValue(durable) - 1n), ping).catch(queue.fail.bind(queue));
    const socket = () =>
      (service as unknown as { _connection?: { stream?: { pause(): void; resume(): void } } })._connection
        ?.stream;
    service.on('data', (lsn: string, message: Pgoutput.Message) => {
      // The plugin parses with pg's global parsers (timestamp → Date in the process zone): the
      // relation's date/time columns get ours before any row of it is parsed.
      if (message.tag === 'relation')
        for (const column of message.columns)
          column.parser = postgresTemporalTypes.getTypeParser(column.typeOid);
      const full = queue.push({ lsn, message });
      if (full) {
        socket()?.pause();
        void full.then(() => socket()?.resume());
      }
    });
    service.on('heartbeat', (lsn: string, _time: number, shouldRespond: boolean) => {
      if (shouldRespond) confirm();
      // In line with the changes: it vouches for everything sent before it.
      queue.push({ lsn, message: { tag: 'keepalive' } });
    });
    service.on('error', (error: unknown) => queue.fail(error));
    service.once('start', () => confirm());
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.publication] });
    const subscribed = service
      .subscribe(plugin, this.slot, durable)
      .catch((error: unknown) => queue.fail(this.fail(`replication from slot ${this.slot} failed`, error)));

    const changes = new ChangeStream<string>(
      t,
      this.zoneless,
      durable,
      (lsn, first, last) => ({
        state: window
          ? {
              phase: 'snapshot',
              slot: this.slot,
              lsn,
              ...(window.key ? { key: window.key } : {}),
              ...(window.sweep ? { sweep: true } : {}),
            }
          : { phase: 'stream', slot: this.slot, lsn },
        // Rows the window brings are rows of the snapshot being stored.
        ...(window?.sweep ? { snapshot: { isFirst: false, isLast: false } } : {}),
        position: `${this.slot}: changes ${first}-${last} of this read, up to LSN ${lsn}`,
      }),
      (a, b) => a === b,
    );
    const batch = changes.batch;
    const ours = (relation: Pgoutput.MessageRelation) =>
      relation.schema === schema && relation.name === t.table;
    let heardAt = Date.now();
    try {
      for (;;) {
        const item = await queue.take(POLL_MS, options.signal);
        if (item === undefined) {
          if (Date.now() - heardAt >= t.cdc.idleMs && !batch.hasOpenTransaction) break; // server silent
          confirm(true);
          continue;
        }
        heardAt = Date.now();
        const m = item.message;
        switch (m.tag) {
          case 'keepalive':
            // The server has sent everything up to here: past the target, the run has its changes.
            if (lsnValue(item.lsn) >= target && !batch.hasOpenTransaction) {
              if (changes.isPending) yield changes.flush();
              return changes.position;
            }
            break;
          case 'begin':
            // A transaction committed at or after the window's end is in the new snapshot.
            if (window && m.commitLsn !== null && lsnValue(m.commitLsn) >= target) {
              if (changes.isPending) yield changes.flush();
              return changes.position;
            }
            batch.discardOpenTransaction();
            break;
          case 'insert':
            if (ours(m.relation)) changes.upsert(m.new);
            break;
          case 'update':
            if (ours(m.relation)) changes.update(m.old ?? m.key ?? undefined, m.new);
            break;
          case 'delete': {
            const before = m.old ?? m.key;
            if (ours(m.relation) && before) changes.delete(before);
            break;
          }
          case 'commit': {
            if (batch.overlapsOpenTransaction()) yield changes.flush();
            batch.commit();
            changes.position = m.commitEndLsn ?? changes.position;
            if (batch.size >= t.batchSize) yield changes.flush();
            if (lsnValue(changes.position) >= target) {
              if (changes.isPending) yield changes.flush();
              return changes.position;
            }
            break;
          }
          default:
            break; // relation, type, origin, message: nothing to store
        }
      }
      // Caught up: the last transactions, or just the new position (so the slot can move on).
      if (changes.isPending) yield changes.flush();
      return changes.position;
    } finally {
      queue.end();
      await service.stop().catch(() => undefined); // stopping: the connection may already be gone
      await subscribed;
      service.removeAllListeners();
    }
  }

  private async slotExists(client: pg.Client): Promise<boolean> {
    const found = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.slot]);
    return (found.rowCount ?? 0) > 0;
  }

  private async requireSlot(client: pg.Client): Promise<void> {
    const found = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.slot]);
    if (!found.rowCount)
      throw new SourceError(
        `source ${this.target.source}: replication slot ${this.slot} no longer exists on the partner's server; changes since the last checkpoint are lost to it — reset the dataset's source state to take a new snapshot`,
        { source: this.target.source, slot: this.slot },
      );
  }

  private async slotRow(client: pg.Client) {
    const result = await client.query(
      `SELECT active, confirmed_flush_lsn::text AS confirmed,
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained
       FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    return result.rows[0] as
      | { active: boolean; confirmed: string | null; retained: string | null }
      | undefined;
  }

  private async warnIfLagging(client: pg.Client): Promise<void> {
    const row = await this.slotRow(client);
    const retained = row?.retained === null || row === undefined ? 0 : Number(row.retained);
    if (retained > this.target.cdc.lagWarnBytes)
      this.target.warn('replication slot lags: the partner keeps log for it', {
        source: this.target.source,
        stream: this.target.stream,
        slot: this.slot,
        retainedBytes: retained,
        lagWarnBytes: this.target.cdc.lagWarnBytes,
      });
  }

  async report(): Promise<ReplicationReport> {
    const client = await this.client();
    try {
      const row = await this.slotRow(client);
      const retained = row?.retained === null || row === undefined ? null : Number(row.retained);
      const isLagging = retained !== null && retained > this.target.cdc.lagWarnBytes;
      return {
        source: this.target.source,
        stream: this.target.stream,
        kind: 'slot',
        name: this.slot,
        exists: row !== undefined,
        isActive: row?.active ?? false,
        retainedBytes: retained,
        isLagging,
        lagWarnBytes: this.target.cdc.lagWarnBytes,
        detail: row ? `confirmed up to ${row.confirmed ?? '-'}` : 'no slot',
      };
    } finally {
      await client.end().catch(() => undefined); // report already read
    }
  }

  async drop(): Promise<boolean> {
    const client = await this.client();
    try {
      const dropped = await this.dropSlot(client);
      if (!this.target.cdc.publication)
        await client.query(`DROP PUBLICATION IF EXISTS "${this.publication}"`);
      return dropped;
    } finally {
      await client.end().catch(() => undefined); // dropped already, or the error is thrown
    }
  }

  private async dropSlot(client: pg.Client): Promise<boolean> {
    try {
      const result = await client.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
        [this.slot],
      );
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      throw this.fail(`cannot drop replication slot ${this.slot} (is a run still reading from it?)`, error);
    }
  }
}
