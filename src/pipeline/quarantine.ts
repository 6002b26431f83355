// The quarantine as people see it: records held back by validation or admission, listed by their
// reference (a keyed hash of dataset, reason and record, never content), reason and position — the
// records themselves stay sealed. Shared by `custos quarantine` and `GET /api/v1/quarantine`.

import type { Store } from '../store/index.js';

export const QUARANTINE_STATUSES = ['open', 'reprocessed', 'discarded'] as const;
export type QuarantineStatus = (typeof QUARANTINE_STATUSES)[number];

export interface QuarantineEntry {
  /** The record's reference: the same record held for the same reason is always this one row. */
  id: string;
  dataset: string;
  runId: string;
  reason: string;
  detail: string;
  /** Where in the source the batch holding it was read (page, rows, cursor); never a value. */
  position: string | null;
  status: string;
  createdAt: string;
}

export interface QuarantineQuery {
  dataset?: string;
  status?: QuarantineStatus;
  limit?: number;
  /** How many of the newest to skip (paging). */
  offset?: number;
}

export const DEFAULT_QUARANTINE_LIMIT = 50;
export const MAX_QUARANTINE_LIMIT = 500;

/** Newest first, at most `limit` (default 50, at most 500), skipping the first `offset`. */
export async function listQuarantine(store: Store, query: QuarantineQuery = {}): Promise<QuarantineEntry[]> {
  const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_QUARANTINE_LIMIT), MAX_QUARANTINE_LIMIT);
  let select = store.db
    .selectFrom('quarantine')
    .select(['id', 'dataset', 'run_id', 'reason', 'detail', 'position', 'status', 'created_at'])
    // The id breaks ties: a batch's records share their created_at.
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(Math.max(0, query.offset ?? 0));
  if (query.dataset) select = select.where('dataset', '=', query.dataset);
  if (query.status) select = select.where('status', '=', query.status);
  return (await select.execute()).map((r) => ({
    id: r.id,
    dataset: r.dataset,
    runId: r.run_id,
    reason: r.reason,
    detail: r.detail,
    position: r.position,
    status: r.status,
    createdAt: r.created_at,
  }));
}

/** How many records match (the list may show fewer). */
export async function countQuarantine(
  store: Store,
  query: Omit<QuarantineQuery, 'limit' | 'offset'> = {},
): Promise<number> {
  let select = store.db.selectFrom('quarantine').select((eb) => eb.fn.countAll<number>().as('n'));
  if (query.dataset) select = select.where('dataset', '=', query.dataset);
  if (query.status) select = select.where('status', '=', query.status);
  return Number((await select.executeTakeFirstOrThrow()).n);
}

/**
 * After a successful reprocess run: records still open from earlier runs were let through by the
 * fix (a record held again was reopened under the new run, so it keeps status open).
 */
export async function markReprocessed(store: Store, dataset: string, runId: string): Promise<number> {
  const result = await store.db
    .updateTable('quarantine')
    .set({ status: 'reprocessed' })
    .where('dataset', '=', dataset)
    .where('status', '=', 'open')
    .where('run_id', '!=', runId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
