// Stage 6, checkpoint: where a run resumes (the source state stored with the last batch) and what
// each batch commits besides its records — its source state, as it was when the batch arrived, and
// the run's counts with a heartbeat. A process killed at any moment resumes from the last
// committed batch, and re-processing a batch is idempotent (store.ts), so a run interrupted any
// number of times stores exactly what an uninterrupted run stores.

import type { Transaction } from 'kysely';
import { ConflictError } from '../domain/index.js';
import type { SourceBatch, SourceState } from '../sources/index.js';
import type { Database, RecordStore } from '../store/index.js';
import { type RunSummary, runCounts } from './run-summary.js';

/** The source state the dataset's next run starts from (null: the beginning). */
export async function resumeState(records: RecordStore, dataset: string): Promise<SourceState | null> {
  const stored = await records.checkpoint(dataset);
  return stored ? (JSON.parse(stored) as SourceState) : null;
}

/**
 * The state to checkpoint with a batch, serialised as the batch arrives: a source may go on
 * changing objects its state shares while it reads the next batch (the crawler's validators), and
 * that batch is read before this one is stored.
 */
export function checkpointOf(batch: SourceBatch): string | null {
  return batch.state === null ? null : JSON.stringify(batch.state);
}

/**
 * The run's counts and heartbeat, written in the transaction of the batch they include. A run that
 * is no longer `running` was declared abandoned (its heartbeat stalled) and may already be resumed
 * by another worker: the batch must not commit, or two workers would store the dataset at once.
 */
export async function recordRunProgress(
  trx: Transaction<Database>,
  summary: RunSummary,
  at: string,
): Promise<void> {
  const result = await trx
    .updateTable('runs')
    .set({ ...runCounts(summary), heartbeat_at: at })
    .where('id', '=', summary.runId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new ConflictError(`run ${summary.runId} is no longer running (abandoned and taken over)`, {
      run: summary.runId,
    });
  }
}
