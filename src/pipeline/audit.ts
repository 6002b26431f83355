// Stage 7, audit: the entries a run appends to the verifiable log — one per stored batch (in the
// batch's transaction) and one when a run fails or is blocked. Counts and ids only, never values.

import type { AuditEvent } from '../domain/index.js';
import type { SourceBatch } from '../sources/index.js';
import type { BatchOutcome } from '../store/index.js';

export interface RunIdentity {
  runId: string;
  actor: string;
  dataset: string;
  purposes: readonly string[];
}

export function batchEntry(
  run: RunIdentity,
  batch: SourceBatch,
  outcome: BatchOutcome,
  quarantined: number,
): AuditEvent {
  return {
    actor: run.actor,
    action: 'collect.batch',
    target: `dataset:${run.dataset}`,
    purpose: run.purposes.join(','),
    details: {
      run: run.runId,
      read: batch.records.length,
      stored: outcome.stored,
      updated: outcome.updated,
      unchanged: outcome.unchanged,
      quarantined,
      ...(batch.deleted?.length ? { deleted: outcome.deleted } : {}),
      ...(batch.position ? { position: batch.position } : {}),
    },
  };
}

export function stoppedEntry(run: RunIdentity, status: 'failed' | 'blocked', reason: string): AuditEvent {
  return {
    actor: run.actor,
    action: status === 'blocked' ? 'collect.blocked' : 'collect.failed',
    target: `dataset:${run.dataset}`,
    details: { run: run.runId, reason },
  };
}
