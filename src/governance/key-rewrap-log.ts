// Where a key rewrap stands, kept in the database (0022_key_rewrap) rather than in one server's
// memory: started, every batch's counts, how it ended. A restarted server shows the last rewrap;
// a row left `running` by a process that stopped is reported as failed (`interrupted`) once no
// batch has touched it for REWRAP_STALE_MS — the rewrap itself is resumable, so starting a new one
// carries on with the data keys still under an older version.

import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../domain/index.js';
import type { Database, KeyRewrapsTable } from '../store/index.js';
import { newId } from './secret-token.js';

/** A running rewrap writes after every batch (500 data keys, well under a second); silence this long means its process is gone. */
export const REWRAP_STALE_MS = 60_000;

export type RewrapState = 'idle' | 'running' | 'succeeded' | 'failed';

export interface RewrapProgress {
  state: RewrapState;
  /** Data keys moved to the current version by this rewrap so far. */
  done: number;
  /** Data keys still under an older version (as of the last batch). */
  remaining: number;
  startedAt: string | null;
  finishedAt: string | null;
  startedBy: string | null;
  /** The error's class (never its message), or `interrupted`. */
  error: string | null;
}

export const IDLE_REWRAP: RewrapProgress = {
  state: 'idle',
  done: 0,
  remaining: 0,
  startedAt: null,
  finishedAt: null,
  startedBy: null,
  error: null,
};

export class KeyRewrapLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Records a new rewrap as running; returns its id for the updates. */
  async start(startedBy: string, remaining: number): Promise<string> {
    const id = newId();
    const now = this.clock().toISOString();
    await this.db
      .insertInto('key_rewraps')
      .values({
        id,
        state: 'running',
        done_count: 0,
        remaining_count: remaining,
        started_at: now,
        finished_at: null,
        started_by: startedBy,
        error: null,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /** A batch's counts, or the end (`succeeded` / `failed` with the error's class). */
  async update(
    id: string,
    progress: Pick<RewrapProgress, 'done' | 'remaining'> &
      Partial<Pick<RewrapProgress, 'state' | 'error' | 'finishedAt'>>,
  ): Promise<void> {
    await this.db
      .updateTable('key_rewraps')
      .set({
        done_count: progress.done,
        remaining_count: progress.remaining,
        updated_at: this.clock().toISOString(),
        ...(progress.state ? { state: progress.state } : {}),
        ...(progress.error !== undefined ? { error: progress.error } : {}),
        ...(progress.finishedAt !== undefined ? { finished_at: progress.finishedAt } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** The latest rewrap (idle when there was none); a silent `running` one shows as interrupted. */
  async latest(): Promise<RewrapProgress> {
    const row = await this.db
      .selectFrom('key_rewraps')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? this.progressOf(row) : { ...IDLE_REWRAP };
  }

  private progressOf(row: KeyRewrapsTable): RewrapProgress {
    const progress: RewrapProgress = {
      state: row.state as RewrapState,
      done: Number(row.done_count),
      remaining: Number(row.remaining_count),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      startedBy: row.started_by,
      error: row.error,
    };
    const isSilent = this.clock().getTime() - Date.parse(row.updated_at) > REWRAP_STALE_MS;
    if (progress.state === 'running' && isSilent)
      return { ...progress, state: 'failed', finishedAt: row.updated_at, error: 'interrupted' };
    return progress;
  }
}
