// Assembles committed source transactions into batches for the pipeline. A batch holds whole
// transactions only, so its checkpoint (the position after its last commit) is a point the stream
// can resume from. Within one transaction, several changes to a row collapse into the last one
// (nobody outside it saw the others); a transaction touching a row the batch already holds starts
// a new batch, so each committed version of a row is stored in commit order and history is kept.

import type { SourceRecord } from '../../types.js';

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

/** The primary-key values of a row, as one string for lookups. */
export function rowKey(row: SourceRecord, primaryKey: readonly string[]): string {
  return JSON.stringify(primaryKey.map((column) => row[column] ?? null));
}
