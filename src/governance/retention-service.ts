// Retention (PIPL Art. 19, 47(2)): each dataset keeps records for its declared `retention` (30d,
// 18m, 5y), counted from the record's collection or from a declared date field. A retention run
// deletes the records past it — with their history, index entries and the dataset's quarantined
// copies as old — and then the data keys of subjects none of whose data is held any more. A legal
// hold (on a dataset in datasets.yaml, or on a subject) suspends deletion. Each run leaves a report
// of counts, never values, and one audit entry.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type AuditTrail,
  type Clock,
  ConflictError,
  NotFoundError,
  systemClock,
  ValidationError,
} from '../domain/index.js';
import type { Database, RecordStore } from '../store/index.js';
import type { DatasetDeclaration, Workspace } from '../workspace/index.js';
import type { KeyService } from './key-service.js';

export interface DatasetRetention {
  dataset: string;
  retention: string;
  /** `collection`, or the date field retention counts from. */
  from: string;
  /** Records collected (or dated) before this are past retention. */
  cutoff: string;
  /** The dataset is on legal hold: nothing of it was deleted. */
  isOnHold: boolean;
  /** Records past retention (deleted, unless a dry run or held). */
  expired: number;
  /** Of those, records of subjects on legal hold: kept. */
  keptOnHold: number;
  deleted: number;
  versionsDeleted: number;
  indexEntriesDeleted: number;
  quarantinedDeleted: number;
}

export interface RetentionReport {
  id: string;
  startedAt: string;
  finishedAt: string;
  isDryRun: boolean;
  actor: string;
  datasets: DatasetRetention[];
  /** Data keys deleted: subjects none of whose data is held any more. */
  keysDeleted: number;
  totals: { expired: number; deleted: number; keptOnHold: number; quarantinedDeleted: number };
}

export interface LegalHold {
  subjectId: string;
  reason: string;
  placedBy: string;
  placedAt: string;
}

const PAGE = 500;

/** The instant `retention` (`30d`, `18m`, `5y`) before `now`, by the calendar (UTC). */
export function retentionCutoff(retention: string, now: Date): Date {
  const match = /^(\d{1,5})([dmy])$/.exec(retention);
  if (!match) throw new ValidationError(`retention must look like 30d, 18m or 5y: ${retention}`);
  const amount = Number(match[1]);
  const cutoff = new Date(now.getTime());
  if (match[2] === 'd') cutoff.setUTCDate(cutoff.getUTCDate() - amount);
  else {
    const months = match[2] === 'm' ? amount : amount * 12;
    // 31 March minus one month is 28/29 February, not 3 March.
    const day = cutoff.getUTCDate();
    cutoff.setUTCDate(1);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - months);
    const last = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth() + 1, 0)).getUTCDate();
    cutoff.setUTCDate(Math.min(day, last));
  }
  return cutoff;
}

export class RetentionService {
  private running = false;

  constructor(
    private readonly workspace: Workspace,
    private readonly db: Kysely<Database>,
    private readonly records: RecordStore,
    private readonly keys: () => KeyService,
    private readonly audit: AuditTrail,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Runs retention over every dataset (or reports what it would delete, with `dryRun`). */
  async run(options: {
    actor: string;
    dryRun?: boolean;
    datasets?: readonly string[];
  }): Promise<RetentionReport> {
    if (this.running) throw new ConflictError('a retention run is already under way in this process');
    this.running = true;
    try {
      return await this.runOnce(options);
    } finally {
      this.running = false;
    }
  }

  private async runOnce(options: {
    actor: string;
    dryRun?: boolean;
    datasets?: readonly string[];
  }): Promise<RetentionReport> {
    const isDryRun = options.dryRun === true;
    const now = this.clock();
    const startedAt = now.toISOString();
    const chosen = this.chosen(options.datasets);
    const held = new Set(
      (await this.db.selectFrom('legal_holds').select('subject_id').execute()).map((r) => r.subject_id),
    );
    const touched = new Set<string>();
    const datasets: DatasetRetention[] = [];
    for (const dataset of chosen) {
      const cutoff = retentionCutoff(dataset.retention, now).toISOString();
      const entry: DatasetRetention = {
        dataset: dataset.name,
        retention: dataset.retention,
        from: dataset.retentionFrom ?? 'collection',
        cutoff,
        isOnHold: dataset.legalHold,
        expired: 0,
        keptOnHold: 0,
        deleted: 0,
        versionsDeleted: 0,
        indexEntriesDeleted: 0,
        quarantinedDeleted: 0,
      };
      datasets.push(entry);
      let after: string | undefined;
      for (;;) {
        const page = await this.records.expiredRecords(dataset.name, {
          cutoff,
          ...(dataset.retentionFrom === undefined ? {} : { dateField: dataset.retentionFrom }),
          ...(after === undefined ? {} : { after }),
          limit: PAGE,
        });
        if (page.length === 0) break;
        after = page[page.length - 1]!.naturalKey;
        entry.expired += page.length;
        if (dataset.legalHold) continue;
        const doomed = page.filter((r) => r.subjectId === null || !held.has(r.subjectId));
        entry.keptOnHold += page.length - doomed.length;
        if (isDryRun || doomed.length === 0) continue;
        const removed = await this.records.deleteRecords(
          dataset.name,
          doomed.map((r) => r.naturalKey),
        );
        entry.deleted += removed.records;
        entry.versionsDeleted += removed.versions;
        entry.indexEntriesDeleted += removed.indexEntries;
        for (const r of doomed) if (r.subjectId !== null) touched.add(r.subjectId);
      }
      if (dataset.legalHold) continue;
      const quarantined = await this.records.deleteQuarantinedBefore(dataset.name, cutoff, held, {
        dryRun: isDryRun,
      });
      for (const [subjectId, count] of quarantined) {
        entry.quarantinedDeleted += count;
        touched.add(subjectId);
      }
    }
    // A subject's key goes once none of its data is held anywhere (another dataset may hold it).
    let keysDeleted = 0;
    if (!isDryRun && touched.size > 0) {
      const candidates = [...touched].filter((id) => id.startsWith('s_') && !held.has(id));
      const holding = await this.records.subjectsHoldingData(candidates);
      keysDeleted = await this.keys().discard(candidates.filter((id) => !holding.has(id)));
    }
    const report: RetentionReport = {
      id: `ret_${randomUUID()}`,
      startedAt,
      finishedAt: this.clock().toISOString(),
      isDryRun,
      actor: options.actor,
      datasets,
      keysDeleted,
      totals: {
        expired: sum(datasets, 'expired'),
        deleted: sum(datasets, 'deleted'),
        keptOnHold: sum(datasets, 'keptOnHold'),
        quarantinedDeleted: sum(datasets, 'quarantinedDeleted'),
      },
    };
    await this.db
      .insertInto('retention_reports')
      .values({
        id: report.id,
        started_at: report.startedAt,
        finished_at: report.finishedAt,
        is_dry_run: isDryRun ? 1 : 0,
        actor: report.actor,
        report: JSON.stringify({ datasets, keysDeleted, totals: report.totals }),
      })
      .execute();
    await this.audit.record([
      {
        actor: options.actor,
        action: isDryRun ? 'retention.dry_run' : 'retention.run',
        target: `retention:${report.id}`,
        details: {
          ...report.totals,
          keysDeleted,
          datasets: Object.fromEntries(
            datasets.map((d) => [
              d.dataset,
              { expired: d.expired, deleted: d.deleted, keptOnHold: d.keptOnHold, onHold: d.isOnHold },
            ]),
          ),
        },
      },
    ]);
    return report;
  }

  /** The latest reports, newest first. */
  async reports(limit = 20): Promise<RetentionReport[]> {
    const rows = await this.db
      .selectFrom('retention_reports')
      .selectAll()
      .orderBy('started_at', 'desc')
      .limit(Math.min(Math.max(1, limit), 200))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      isDryRun: r.is_dry_run === 1,
      actor: r.actor,
      ...(JSON.parse(r.report) as Pick<RetentionReport, 'datasets' | 'keysDeleted' | 'totals'>),
    }));
  }

  /** Places a legal hold on a subject: retention deletes nothing of it until released. */
  async hold(subjectId: string, reason: string, actor: string): Promise<LegalHold> {
    const text = reason.trim();
    if (text.length < 3 || text.length > 500)
      throw new ValidationError(
        'a legal hold needs a reason of 3–500 characters (a case number, not personal data)',
        {
          field: 'reason',
        },
      );
    const placedAt = this.clock().toISOString();
    await this.db
      .insertInto('legal_holds')
      .values({ subject_id: subjectId, reason: text, placed_by: actor, placed_at: placedAt })
      .onConflict((oc) =>
        oc.column('subject_id').doUpdateSet({ reason: text, placed_by: actor, placed_at: placedAt }),
      )
      .execute();
    await this.audit.record([{ actor, action: 'retention.hold', target: `subject:${subjectId}` }]);
    return { subjectId, reason: text, placedBy: actor, placedAt };
  }

  async release(subjectId: string, actor: string): Promise<void> {
    const result = await this.db
      .deleteFrom('legal_holds')
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new NotFoundError('no legal hold on this subject');
    await this.audit.record([{ actor, action: 'retention.release', target: `subject:${subjectId}` }]);
  }

  async holds(): Promise<LegalHold[]> {
    const rows = await this.db.selectFrom('legal_holds').selectAll().orderBy('placed_at').execute();
    return rows.map((r) => ({
      subjectId: r.subject_id,
      reason: r.reason,
      placedBy: r.placed_by,
      placedAt: r.placed_at,
    }));
  }

  private chosen(names: readonly string[] | undefined): DatasetDeclaration[] {
    if (names === undefined) return this.workspace.datasets;
    return names.map((name) => {
      const dataset = this.workspace.datasets.find((d) => d.name === name);
      if (!dataset) throw new NotFoundError(`no dataset named ${name}`, { dataset: name });
      return dataset;
    });
  }
}

function sum(
  rows: readonly DatasetRetention[],
  key: 'expired' | 'deleted' | 'keptOnHold' | 'quarantinedDeleted',
) {
  return rows.reduce((n, r) => n + r[key], 0);
}
