// Runs: the queue and history of collections. A run is created queued (schedules, the API) or
// claimed directly (`custos collect`); workers claim queued runs with FOR UPDATE SKIP LOCKED on
// PostgreSQL, at most one running run per dataset (a unique partial index), and keep a heartbeat.
// A queued run whose worker dies (no heartbeat for STALE_MS, or a dead process on this host) is
// abandoned and queued again as a new run that resumes from the dataset's checkpoint, so another
// worker takes it over without waiting for the next schedule.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { ConflictError, NotFoundError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { type ExecuteOptions, executeRun, type PipelineDeps, type RunSummary, runCounts } from './engine.js';
import { markReprocessed } from './quarantine.js';

export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 30_000;
/** Attempts of one queued run (the first and its resumptions) before a dead worker is not replaced. */
export const MAX_ATTEMPTS = 3;

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'blocked', 'abandoned'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** What runs sort by: `createdAt` ascending, `-createdAt` descending, and so on. */
export const RUN_SORT_KEYS = [
  'createdAt',
  'startedAt',
  'finishedAt',
  'dataset',
  'status',
  'read',
  'stored',
  'quarantined',
] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number];
export type RunSort = RunSortKey | `-${RunSortKey}`;
export const RUN_SORTS = RUN_SORT_KEYS.flatMap((k) => [k, `-${k}`] as const) as RunSort[];
export const DEFAULT_RUN_SORT: RunSort = '-createdAt';
const RUN_SORT_COLUMNS = {
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  dataset: 'dataset',
  status: 'status',
  read: 'read_count',
  stored: 'stored_count',
  quarantined: 'quarantined_count',
} as const satisfies Record<RunSortKey, string>;

function sortOf(sort: RunSort): [(typeof RUN_SORT_COLUMNS)[RunSortKey], 'asc' | 'desc'] {
  const descending = sort.startsWith('-');
  const key = (descending ? sort.slice(1) : sort) as RunSortKey;
  return [RUN_SORT_COLUMNS[key], descending ? 'desc' : 'asc'];
}

export interface RunListOptions {
  dataset?: string;
  status?: RunStatus;
  limit?: number;
  offset?: number;
  sort?: RunSort;
}

export interface RunRow {
  id: string;
  dataset: string;
  status: string;
  trigger: string;
  worker: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  deleted: number;
  quarantineReasons: Record<string, number>;
  /** Records of erased subjects dropped (`onErasedSubject: drop`). */
  suppressed: number;
  droppedFields: string[];
  error: string | null;
  /** Queued for the workers: taken over if its worker dies. */
  isResumable: boolean;
  /** The abandoned run this one resumes. */
  resumedFrom: string | null;
  attempt: number;
}

/** A dataset's saved source position (its content stays internal: cursors, pages, validators). */
export interface Checkpoint {
  runId: string | null;
  updatedAt: string;
}

export function workerId(): string {
  return `${hostname()}:${process.pid}`;
}

export class RunService {
  constructor(private readonly deps: PipelineDeps) {}

  private get db(): Store['db'] {
    return this.deps.store.db;
  }

  async enqueue(dataset: string, trigger: string, actor: string): Promise<string> {
    this.requireDataset(dataset);
    const id = randomUUID();
    await this.db
      .insertInto('runs')
      .values({
        id,
        dataset,
        status: 'queued',
        trigger,
        worker: null,
        heartbeat_at: null,
        created_at: new Date().toISOString(),
        started_at: null,
        finished_at: null,
        error: null,
        resumable: 1,
      })
      .execute();
    await this.deps.audit.record([
      { actor, action: 'collect.enqueue', target: `dataset:${dataset}`, details: { run: id, trigger } },
    ]);
    return id;
  }

  /**
   * Marks runs whose worker stopped beating (or, on this host, died) as abandoned; a queued run is
   * queued again in the same transaction (keeping its place in the queue) until MAX_ATTEMPTS.
   */
  async recoverStale(now = Date.now()): Promise<number> {
    const running = await this.db
      .selectFrom('runs')
      .select(['id', 'dataset', 'trigger', 'worker', 'heartbeat_at', 'created_at', 'resumable', 'attempt'])
      .where('status', '=', 'running')
      .execute();
    let recovered = 0;
    for (const run of running) {
      const beat = run.heartbeat_at ? Date.parse(run.heartbeat_at) : 0;
      if (!(now - beat > STALE_MS || isDeadLocalWorker(run.worker))) continue;
      const resume =
        Number(run.resumable) === 1 && Number(run.attempt) < MAX_ATTEMPTS ? randomUUID() : undefined;
      const taken = await this.db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('runs')
          .set({
            status: 'abandoned',
            finished_at: new Date(now).toISOString(),
            error: resume
              ? `worker ${run.worker} stopped; run ${resume} resumes it from the last checkpoint`
              : `worker ${run.worker} stopped; the next run resumes from the last checkpoint`,
          })
          .where('id', '=', run.id)
          .where('status', '=', 'running')
          .executeTakeFirst();
        // Another worker recovered it first.
        if (Number(result.numUpdatedRows) !== 1) return false;
        if (resume) {
          await trx
            .insertInto('runs')
            .values({
              id: resume,
              dataset: run.dataset,
              status: 'queued',
              trigger: run.trigger,
              worker: null,
              heartbeat_at: null,
              created_at: run.created_at,
              started_at: null,
              finished_at: null,
              error: null,
              resumable: 1,
              resumed_from: run.id,
              attempt: Number(run.attempt) + 1,
            })
            .execute();
          await this.deps.audit.recordWithin(trx, [
            {
              actor: 'system',
              action: 'collect.resume',
              target: `dataset:${run.dataset}`,
              details: { run: resume, resumes: run.id, attempt: Number(run.attempt) + 1 },
            },
          ]);
        }
        return true;
      });
      if (taken) recovered += 1;
    }
    return recovered;
  }

  /**
   * Starts a run of `dataset` now, in this process (the CLI's `custos collect`). With `full`, the
   * run reads the source again from the start: the checkpoint is cleared in the same transaction
   * that starts the run (so never under a run already going). Records read again are stored once —
   * the upsert by natural key finds them unchanged.
   */
  async startInline(dataset: string, trigger: string, options: { full?: boolean } = {}): Promise<string> {
    this.requireDataset(dataset);
    await this.recoverStale();
    const id = randomUUID();
    const now = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('runs')
          .values({
            id,
            dataset,
            status: 'running',
            trigger,
            worker: workerId(),
            heartbeat_at: now,
            created_at: now,
            started_at: now,
            finished_at: null,
            error: null,
          })
          .execute();
        if (options.full) await trx.deleteFrom('source_state').where('dataset', '=', dataset).execute();
      });
    } catch (error) {
      if (/unique|UNIQUE|duplicate/i.test(String((error as Error).message))) {
        throw new ConflictError(`a run of ${dataset} is already running`, { dataset });
      }
      throw error;
    }
    return id;
  }

  /**
   * Reprocesses a dataset's quarantine after a fix (consent granted, schema corrected): a full run
   * now, in this process — stored records come back unchanged (idempotent upsert), held ones are
   * admitted if the fix lets them through. Only a run that read everything can say which records
   * held by earlier runs were let through: those are marked reprocessed. One audit entry
   * (`quarantine.reprocess`: run id, counts). The CLI and the API both call this.
   */
  async reprocess(
    dataset: string,
    actor: string,
    trigger: string,
    options: Pick<ExecuteOptions, 'onProgress' | 'batchSize'> = {},
  ): Promise<{ summary: RunSummary; reprocessed: number }> {
    const id = await this.startInline(dataset, trigger, { full: true });
    const summary = await this.execute(id, actor, options);
    const reprocessed =
      summary.status === 'succeeded' ? await markReprocessed(this.deps.store, dataset, summary.runId) : 0;
    await this.deps.audit.record([
      {
        actor,
        action: 'quarantine.reprocess',
        target: `dataset:${dataset}`,
        details: {
          run: summary.runId,
          status: summary.status,
          quarantined: summary.quarantined,
          reprocessed,
        },
      },
    ]);
    return { summary, reprocessed };
  }

  /** Claims the oldest queued run whose dataset has no running run; undefined when none. */
  async claim(worker: string): Promise<{ id: string; dataset: string } | undefined> {
    await this.recoverStale();
    const now = new Date().toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const lock = this.deps.store.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
          const candidate = await sql<{ id: string; dataset: string }>`
            SELECT id, dataset FROM runs WHERE status = 'queued'
            AND dataset NOT IN (SELECT dataset FROM runs WHERE status = 'running')
            ORDER BY created_at LIMIT 1${lock}`.execute(trx);
          const row = candidate.rows[0];
          if (!row) return undefined;
          const result = await trx
            .updateTable('runs')
            .set({ status: 'running', worker, heartbeat_at: now, started_at: now })
            .where('id', '=', row.id)
            .where('status', '=', 'queued')
            .executeTakeFirst();
          return Number(result.numUpdatedRows) === 1 ? row : undefined;
        });
      } catch (error) {
        // Another worker started a run of the same dataset first (unique index): try the next one.
        if (!/unique|UNIQUE|duplicate/i.test(String((error as Error).message))) throw error;
      }
    }
    return undefined;
  }

  /** Executes a started run to its end, with a heartbeat, and records the outcome. */
  async execute(
    id: string,
    actor: string,
    options: Pick<ExecuteOptions, 'onProgress' | 'batchSize' | 'signal' | 'protectThread'> = {},
  ): Promise<RunSummary> {
    const run = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!run) throw new NotFoundError(`no run ${id}`);
    const beat = setInterval(() => {
      this.db
        .updateTable('runs')
        .set({ heartbeat_at: new Date().toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute()
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    beat.unref();
    let summary: RunSummary;
    try {
      summary = await executeRun(this.deps, run.dataset, { runId: id, actor, ...options });
    } catch (error) {
      await this.db
        .updateTable('runs')
        .set({ status: 'failed', finished_at: new Date().toISOString(), error: (error as Error).message })
        .where('id', '=', id)
        // An abandoned run keeps its status: another run has taken its place.
        .where('status', '=', 'running')
        .execute();
      throw error;
    } finally {
      clearInterval(beat);
    }
    await this.db
      .updateTable('runs')
      .set({
        status: summary.status,
        finished_at: new Date().toISOString(),
        error: summary.error ?? null,
        ...runCounts(summary),
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
    return summary;
  }

  /** Where the next run of `dataset` resumes: the last checkpoint and when it was written. */
  async checkpointOf(dataset: string): Promise<Checkpoint | undefined> {
    const row = await this.db
      .selectFrom('source_state')
      .select(['state', 'run_id', 'updated_at'])
      .where('dataset', '=', dataset)
      .executeTakeFirst();
    if (!row || row.state === null) return undefined;
    return { runId: row.run_id, updatedAt: row.updated_at };
  }

  /**
   * Runs matching `dataset`/`status`, ordered by `sort` (default newest first; the id breaks
   * ties so pages never overlap), `limit` of them from `offset`.
   */
  async list(options: RunListOptions = {}): Promise<RunRow[]> {
    const [key, direction] = sortOf(options.sort ?? DEFAULT_RUN_SORT);
    let query = this.db
      .selectFrom('runs')
      .selectAll()
      .orderBy(key, direction)
      .orderBy('id', direction)
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0);
    if (options.dataset) query = query.where('dataset', '=', options.dataset);
    if (options.status) query = query.where('status', '=', options.status);
    return (await query.execute()).map((r) => ({
      id: r.id,
      dataset: r.dataset,
      status: r.status,
      trigger: r.trigger,
      worker: r.worker,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      read: Number(r.read_count),
      stored: Number(r.stored_count),
      updated: Number(r.updated_count),
      unchanged: Number(r.unchanged_count),
      quarantined: Number(r.quarantined_count),
      deleted: Number(r.deleted_count),
      quarantineReasons: JSON.parse(r.quarantine_reasons) as Record<string, number>,
      suppressed: Number(r.suppressed_count),
      droppedFields: JSON.parse(r.dropped_fields) as string[],
      error: r.error,
      isResumable: Number(r.resumable) === 1,
      resumedFrom: r.resumed_from,
      attempt: Number(r.attempt),
    }));
  }

  /** How many runs match (the list shows a page of them). */
  async count(options: Pick<RunListOptions, 'dataset' | 'status'> = {}): Promise<number> {
    let query = this.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n'));
    if (options.dataset) query = query.where('dataset', '=', options.dataset);
    if (options.status) query = query.where('status', '=', options.status);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  private requireDataset(name: string): void {
    if (!this.deps.workspace.datasets.some((d) => d.name === name))
      throw new NotFoundError(`no dataset named ${name} in datasets.yaml`, { dataset: name });
  }
}

function isDeadLocalWorker(worker: string | null): boolean {
  if (!worker) return false;
  const [host, pid] = worker.split(':');
  if (host !== hostname() || !pid) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
