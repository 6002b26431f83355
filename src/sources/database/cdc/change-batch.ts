// Assembles committed source transactions into batches for the pipeline. A batch holds whole
// transactions only, so its checkpoint (the position after its last commit) is a point the stream
// can resume from. Within one transaction, several changes to a row collapse into the last one
// (nobody outside it saw the others); a transaction touching a row the batch already holds starts
// a new batch, so each committed version of a row is stored in commit order and history is kept.

import type { SourceBatch, SourceRecord } from '../../types.js';
import { plain } from '../connector.js';
import { zoneRecord } from '../time-zone.js';

export type ChangeOperation = 'upsert' | 'delete';

export interface Change {
  operation: ChangeOperation;
  /** The row as of this change (a delete: its last image, at least its key columns). */
  row: SourceRecord;
}

export class ChangeBatch {
  private readonly changes = new Map<string, Change>();
  private transaction = new Map<string, Change>();
  /** Transactions in this batch. */
  transactions = 0;

  get size(): number {
    return this.changes.size;
  }

  /** A change of the open transaction, keyed by the row's primary key. */
  add(key: string, change: Change): void {
    this.transaction.delete(key);
    this.transaction.set(key, change);
  }

  get hasOpenTransaction(): boolean {
    return this.transaction.size > 0;
  }

  /** Would committing the open transaction touch a row this batch already holds? */
  overlapsOpenTransaction(): boolean {
    for (const key of this.transaction.keys()) if (this.changes.has(key)) return true;
    return false;
  }

  /** The open transaction committed: its changes join the batch. */
  commit(): void {
    for (const [key, change] of this.transaction) this.changes.set(key, change);
    if (this.transaction.size > 0) this.transactions += 1;
    this.transaction = new Map();
  }

  /** The open transaction rolled back (or held no change of this stream). */
  discardOpenTransaction(): void {
    this.transaction = new Map();
  }

  /** Takes the batch's rows: upserts and deletes, disjoint by key. Keeps the open transaction. */
  take(): { records: SourceRecord[]; deleted: SourceRecord[] } {
    const records: SourceRecord[] = [];
    const deleted: SourceRecord[] = [];
    for (const change of this.changes.values())
      (change.operation === 'delete' ? deleted : records).push(change.row);
    this.changes.clear();
    this.transactions = 0;
    return { records, deleted };
  }
}

/** What a CDC checkpoint holds besides its log position, whatever the dialect. */
export interface CaptureProgress {
  phase: 'snapshot' | 'stream';
  /** snapshot: the primary key of the last row stored. */
  key?: unknown[];
  /** snapshot: a full snapshot whose batches say so (records it does not read go: SourceBatch.snapshot). */
  sweep?: true;
}

/** The phase, snapshot key and sweep mark of a saved state; undefined when it holds none. */
export function parseProgress(raw: Record<string, unknown>): CaptureProgress | undefined {
  const { phase, key, sweep } = raw;
  if (phase !== 'snapshot' && phase !== 'stream') return undefined;
  return {
    phase,
    ...(Array.isArray(key) ? { key } : {}),
    ...(sweep === true ? { sweep: true as const } : {}),
  };
}

/** The primary-key values of a row, as one string for lookups. */
export function rowKey(row: SourceRecord, primaryKey: readonly string[]): string {
  return JSON.stringify(primaryKey.map((column) => row[column] ?? null));
}

/**
 * The stream side of a capture, whatever the dialect: rows projected to the stream's columns,
 * changes gathered into a ChangeBatch, and batches flushed with the position after their last
 * commit (`P`: an LSN, a binlog coordinate) as their checkpoint.
 */
export class ChangeStream<P> {
  readonly batch = new ChangeBatch();
  /** Position after the last commit added to the batch. */
  position: P;
  private stored: P;
  private changes = 0;
  private readonly keep: Set<string> | undefined;

  constructor(
    private readonly stream: { columns: string[] | undefined; primaryKey: string[]; timeZone: string },
    /** Zone-less date-time columns, given the stream's zone. */
    private readonly zoneless: readonly string[],
    from: P,
    private readonly checkpoint: (
      position: P,
      first: number,
      last: number,
    ) => Pick<SourceBatch, 'state' | 'position' | 'snapshot'>,
    private readonly same: (a: P, b: P) => boolean,
  ) {
    this.position = from;
    this.stored = from;
    this.keep = stream.columns ? new Set([...stream.columns, ...stream.primaryKey]) : undefined;
  }

  private project(row: Record<string, unknown>): SourceRecord {
    const out = zoneRecord(plain(row), this.zoneless, this.stream.timeZone);
    const keep = this.keep;
    return keep ? Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k))) : out;
  }

  private key(row: Record<string, unknown>): string {
    return rowKey(row, this.stream.primaryKey);
  }

  upsert(row: Record<string, unknown>): void {
    this.batch.add(this.key(row), { operation: 'upsert', row: this.project(row) });
  }

  delete(row: Record<string, unknown>): void {
    this.batch.add(this.key(row), { operation: 'delete', row: this.project(row) });
  }

  /** An update; a changed primary key means the row under the old key is gone. */
  update(before: Record<string, unknown> | undefined, after: Record<string, unknown>): void {
    if (before && this.key(before) !== this.key(after)) this.delete(before);
    this.upsert(after);
  }

  /** Anything to hand over: changes, or just a position the checkpoint has not reached. */
  get isPending(): boolean {
    return this.batch.size > 0 || !this.same(this.position, this.stored);
  }

  flush(): SourceBatch {
    const { records, deleted } = this.batch.take();
    const first = this.changes + 1;
    this.changes += records.length + deleted.length;
    this.stored = this.position;
    return {
      records,
      ...(deleted.length > 0 ? { deleted } : {}),
      ...this.checkpoint(this.position, first, this.changes),
    };
  }
}
