// Stage 5, store: a protected batch goes to the record store — upsert by natural key (unchanged
// records skipped, changed ones versioned), held-back records to quarantine — in ONE transaction
// with its checkpoint, the run's counts and the batch's audit entry (stages 6 and 7).

import type { AuditLog } from '../audit/index.js';
import type { SourceBatch } from '../sources/index.js';
import type { RecordStore } from '../store/index.js';
import { batchEntry, type RunIdentity } from './audit.js';
import { recordRunProgress } from './checkpoint.js';
import type { ProtectingBatch } from './protect.js';
import type { RunSummary } from './run-summary.js';

/** A batch as handed from protect to store. */
export interface BatchToStore extends ProtectingBatch {
  batch: SourceBatch;
  /** Its source state, serialised when it arrived (checkpointOf). */
  checkpoint: string | null;
  /** Fields dropped by minimisation so far in the run, as of this batch. */
  dropped: string[];
  /** Natural keys of records deleted at source (change data capture). */
  deletions: string[];
}

export interface StoreTarget {
  records: RecordStore;
  audit: AuditLog;
  run: RunIdentity;
}

/** Stores a batch once its protection is done, and adds it to the run's summary. */
export async function storeBatch(
  target: StoreTarget,
  summary: RunSummary,
  next: BatchToStore,
): Promise<void> {
  const { batch, admitted, held } = next;
  const protectedRecords = await next.records;
  summary.read += batch.records.length;
  const at = new Date().toISOString();
  const position = batch.position ?? null;
  await target.records.writeBatch(
    {
      dataset: target.run.dataset,
      runId: target.run.runId,
      at,
      records: admitted.map((a, i) => {
        const p = protectedRecords[i]!;
        return {
          naturalKey: a.key,
          subjectId: a.subjectId,
          data: p.data,
          sealed: p.sealed,
          contentHash: p.hash,
          indexes: p.indexes,
          indexHashes: p.indexHashes,
        };
      }),
      quarantine: held.map((h) => ({ ...h, position })),
      deletions: next.deletions,
      checkpoint: next.checkpoint,
    },
    {
      inTransaction: async (trx, outcome) => {
        summary.stored += outcome.stored;
        summary.updated += outcome.updated;
        summary.unchanged += outcome.unchanged;
        summary.deleted += outcome.deleted;
        summary.quarantined += held.length;
        summary.suppressed += next.suppressed;
        for (const h of held)
          summary.quarantineReasons[h.reason] = (summary.quarantineReasons[h.reason] ?? 0) + 1;
        summary.droppedFields = next.dropped;
        await recordRunProgress(trx, summary, at);
        await target.audit.recordWithin(trx, [batchEntry(target.run, batch, outcome, held.length)]);
      },
    },
  );
}
