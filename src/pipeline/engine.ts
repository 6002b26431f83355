// One run of a dataset's collection: the stages of DESIGN.md's diagram, one file each, strung
// together batch by batch.
//
//   source.read      → batches with the state to resume after each
//   validate.ts      → typed, minimised records; the others held back (quarantine), the run goes on
//   classify.ts      → plans of fields seen for the first time; a new C2/C3 field blocks the dataset
//   admit.ts         → lawful basis and consent (per record); the vendor's review is checked
//                      once per run (compliance/vendor-review.ts)
//   protect.ts       → seals, blind indexes, content hash (on the protect thread: protect-thread.ts)
//   store.ts         → upsert by natural key with history, quarantine, records deleted at source
//                      marked (history kept) — in ONE transaction with
//   checkpoint.ts    →   the source state and the run's counts, and
//   audit.ts         →   one audit entry per batch
//
// Two threads share the work (batch-overlap.ts): batch N is sealed on the protect thread while
// this thread prepares batch N+1 and stores batch N−1; batches are stored in source order.

import type { AuditLog } from '../audit/index.js';
import { vendorRefusal } from '../compliance/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/index.js';
import { ConsentLedger, type KeyService } from '../governance/index.js';
import type { Source } from '../sources/index.js';
import type { Store } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';
import { admitBatch } from './admit.js';
import { type RunIdentity, stoppedEntry } from './audit.js';
import { BatchOverlap } from './batch-overlap.js';
import { checkpointOf, resumeState } from './checkpoint.js';
import { FieldPlans } from './classify.js';
import { admitConsentFeed } from './consent-feed.js';
import { ProtectStage } from './protect.js';
import { type RunProgressUpdate, type RunSummary, startSummary } from './run-summary.js';
import { type BatchToStore, storeBatch } from './store.js';
import { DatasetValidator, validateBatch } from './validate.js';

export type { RunProgress, RunProgressUpdate, RunSummary } from './run-summary.js';
export { runCounts } from './run-summary.js';

export interface PipelineDeps {
  workspace: Workspace;
  store: Store;
  keys(): KeyService;
  audit: AuditLog;
  openSource(name: string): Source;
}

export interface ExecuteOptions {
  runId: string;
  actor: string;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgressUpdate) => void;
  /**
   * Seal and hash on the protect thread, alongside this thread's work on the batches before and
   * after (default true; a run of one batch never starts the thread).
   */
  protectThread?: boolean;
}

export async function executeRun(
  deps: PipelineDeps,
  datasetName: string,
  options: ExecuteOptions,
): Promise<RunSummary> {
  const dataset = deps.workspace.datasets.find((d) => d.name === datasetName);
  if (!dataset) throw new NotFoundError(`no dataset named ${datasetName}`, { dataset: datasetName });
  const { db, records } = deps.store;
  const keys = deps.keys();
  const run: RunIdentity = {
    runId: options.runId,
    actor: options.actor,
    dataset: dataset.name,
    purposes: dataset.purposes,
  };
  const started = performance.now();
  const summary = startSummary(options.runId, dataset.name);
  const stop = async (status: 'failed' | 'blocked', error: string): Promise<RunSummary> => {
    summary.status = status;
    summary.error = error;
    await deps.audit.record([stoppedEntry(run, status, error)]);
    return summary;
  };

  // Third-party review: the vendor's latest review (else its declared assessment) must be neither
  // expired nor rejected — the run stops before reading anything, naming why.
  const vendorProblem = await vendorRefusal(db, deps.workspace, dataset);
  if (vendorProblem) return stop('failed', vendorProblem);
  const validator = new DatasetValidator(dataset, deps.workspace.purposes);
  const { requireConfirmation, fieldNames } = deps.workspace.config.classification;
  const plans = await FieldPlans.load(db, dataset, { requireConfirmation, fieldNames }, validator.unneeded);
  // A consent feed stores no record values (its events go into the ledger): nothing to classify.
  const isConsentFeed = dataset.kind === 'consent';
  const pending = isConsentFeed ? [] : plans.pending();
  if (pending.length > 0)
    return stop('blocked', `fields awaiting a compliance officer's confirmation: ${pending.join(', ')}`);

  // Entries an earlier run of this dataset staged and could not merge (it was killed) go first.
  await records.mergeStagedIndexes(dataset.name);
  const source = deps.openSource(dataset.source);
  const state = await resumeState(records, dataset.name);
  const protect = new ProtectStage(keys, dataset.name, options.protectThread ?? true);
  /** Subjects whose withdrawal a consent feed recorded: erased after the run if the workspace says so. */
  const withdrawn = new Set<string>();
  const overlap = new BatchOverlap(async (next: BatchToStore) => {
    for (const subject of await storeBatch({ records, audit: deps.audit, run }, summary, next))
      withdrawn.add(subject);
    summary.elapsedMs = performance.now() - started;
    const size = next.batch.progress;
    options.onProgress?.({
      ...summary,
      ...(size && size.total > 0 ? { fraction: Math.min(1, size.done / size.total) } : {}),
    });
  });
  const dropped = new Set<string>();
  let mergeError: unknown;
  try {
    for await (const batch of source.read(dataset.stream, state, {
      batchSize: options.batchSize ?? 1000,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      const checkpoint = checkpointOf(batch);
      const validated = validateBatch(validator, batch.records, batch.deleted);
      for (const field of validated.dropped) dropped.add(field);
      const blocked = isConsentFeed ? [] : await plans.classifyNew(validated.valid);
      if (blocked.length > 0) {
        await overlap.flush();
        summary.read += batch.records.length;
        return await stop(
          'blocked',
          `fields newly detected as personal information need a compliance officer's confirmation: ${blocked.join(', ')}`,
        );
      }
      const feed = isConsentFeed
        ? await admitConsentFeed(db, keys, dataset, validated, deps.workspace.purposes)
        : undefined;
      const admitted = feed
        ? { admitted: [], held: feed.held, suppressed: feed.suppressed }
        : await admitBatch(db, keys, dataset, validated, plans.hasSensitive(), deps.workspace.purposes);
      const protecting = await protect.protect(admitted, plans);
      await overlap.handOver({
        ...protecting,
        ...(feed ? { consents: feed.events } : {}),
        batch,
        checkpoint,
        dropped: [...dropped],
        deletions: validated.deletions,
        ...(batch.snapshot
          ? {
              snapshotKeys: batch.records
                .map((r) => validator.naturalKeyOf(r))
                .filter((k): k is string => k !== undefined),
            }
          : {}),
      });
    }
    await overlap.flush();
  } catch (error) {
    // The batch read before the failure (say, of the source on its next read) is still stored,
    // unless its own protect step or the store before it is what failed.
    await overlap.flush().catch(() => undefined);
    if (error instanceof ConflictError || error instanceof ValidationError) throw error;
    summary.elapsedMs = performance.now() - started;
    return stop('failed', (error as Error).message);
  } finally {
    await protect.close();
    await source.close();
    // The blind-index entries this run staged go into blind_indexes in key order, however the run
    // ended. Should the merge fail, they stay staged (still found by findByIndex) for the next run
    // to merge; that fails only a run that had otherwise succeeded (below).
    mergeError = await records.mergeStagedIndexes(dataset.name).then(
      () => undefined,
      (error: unknown) => error ?? new Error('merge failed'),
    );
  }
  if (mergeError) throw mergeError;
  // Withdrawals a consent feed brought: under `consent.onWithdrawal: erase`, subjects left without
  // any consent are erased now that the events are committed (audited by the erasure).
  if (withdrawn.size > 0)
    await new ConsentLedger({
      workspace: deps.workspace,
      db,
      keys: deps.keys,
      records,
      audit: deps.audit,
    }).eraseIfWithdrawn([...withdrawn], `run:${options.runId}`);
  summary.elapsedMs = performance.now() - started;
  return summary;
}
