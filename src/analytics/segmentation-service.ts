// Runs a segmentation over a dataset on the governed read path: reads the subject, date and amount
// fields for a purpose, aggregates per subject (recency, frequency, monetary), segments, audits the
// run (purpose, grant, counts; never a pseudonym or value) and optionally saves the assignments as
// a derived de-identified dataset with lineage.

import { type AuditTrail, actorOf, type Principal, ValidationError } from '../domain/index.js';
import { type DerivedDataset, type DerivedDatasetStore, hashOf } from './derived-datasets.js';
import { type AnalyticsReadDeps, numberOf, readForAnalysis, textOf } from './governed-read.js';
import { type SegmentationResult, type SegmentationSubject, segment } from './segmentation.js';

export interface SegmentationRequest {
  dataset: string;
  purpose: string;
  /** The field naming the customer (absent: each record is a subject). */
  subjectField?: string;
  /** Date of each event (recency: days from it to `asOf`). */
  dateField: string;
  /** Amount of each event (monetary: their sum). */
  amountField: string;
  /** A count per record (frequency: their sum); absent: the number of records. */
  frequencyField?: string;
  /** Recency reference date (default: the latest date read). */
  asOf?: string;
  kMin?: number;
  kMax?: number;
  kAnonymity?: number;
  /** Save the assignments as a derived dataset of this name. */
  save?: string;
}

export type PublishedSegmentation = Omit<SegmentationResult, 'assignments'> & {
  dataset: string;
  purpose: string;
  grant: string | null;
  asOf: string;
  /** Records read but left out (no usable date or amount). */
  skipped: number;
  saved: DerivedDataset | null;
};

const DAY_MS = 86_400_000;

export class SegmentationService {
  constructor(
    private readonly deps: AnalyticsReadDeps & { audit: AuditTrail; derived: DerivedDatasetStore },
  ) {}

  async run(principal: Principal, request: SegmentationRequest): Promise<PublishedSegmentation> {
    const clear = [
      request.dateField,
      request.amountField,
      ...(request.frequencyField ? [request.frequencyField] : []),
    ];
    const read = await readForAnalysis(this.deps, principal, {
      dataset: request.dataset,
      purpose: request.purpose,
      clear,
      ...(request.subjectField ? { subject: request.subjectField } : {}),
    });
    const bySubject = new Map<string, { latest: number; frequency: number; monetary: number }>();
    let skipped = 0;
    for (const row of read.rows) {
      const at = Date.parse(textOf(row.fields[request.dateField]) ?? '');
      const amount = numberOf(row.fields[request.amountField]);
      const count = request.frequencyField ? numberOf(row.fields[request.frequencyField]) : 1;
      if (!Number.isFinite(at) || amount === null || count === null || amount < 0 || count < 0) {
        skipped += 1;
        continue;
      }
      const s = bySubject.get(row.pseudonym) ?? { latest: at, frequency: 0, monetary: 0 };
      s.latest = Math.max(s.latest, at);
      s.frequency += count;
      s.monetary += amount;
      bySubject.set(row.pseudonym, s);
    }
    if (bySubject.size === 0)
      throw new ValidationError(`no record of ${request.dataset} has a usable date and amount`, {
        dataset: request.dataset,
        skipped,
      });
    // A loop, not Math.max(...): that overflows the stack for a million subjects.
    let latest = Number.NEGATIVE_INFINITY;
    for (const s of bySubject.values()) latest = Math.max(latest, s.latest);
    const asOf = request.asOf === undefined ? latest : Date.parse(request.asOf);
    if (!Number.isFinite(asOf))
      throw new ValidationError('asOf must be a date (YYYY-MM-DD)', { field: 'asOf' });
    const subjects: SegmentationSubject[] = [...bySubject.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([pseudonym, s]) => ({
        pseudonym,
        values: {
          recency: Math.max(0, (asOf - s.latest) / DAY_MS),
          frequency: s.frequency,
          monetary: s.monetary,
        },
      }));
    const result = segment(subjects, {
      ...(request.kMin === undefined ? {} : { kMin: request.kMin }),
      ...(request.kMax === undefined ? {} : { kMax: request.kMax }),
      ...(request.kAnonymity === undefined ? {} : { kAnonymity: request.kAnonymity }),
    });
    const { assignments, ...published } = result;
    const params = {
      method: 'rfm+kmeans',
      features: result.features,
      transform: 'log1p+zscore',
      k: result.k,
      kMin: request.kMin ?? 2,
      kMax: request.kMax ?? 8,
      kAnonymity: result.kAnonymity,
      quantiles: result.quantiles,
      subjectField: request.subjectField ?? null,
      dateField: request.dateField,
      amountField: request.amountField,
      frequencyField: request.frequencyField ?? null,
      asOf: new Date(asOf).toISOString(),
    };
    let saved: DerivedDataset | null = null;
    if (request.save !== undefined)
      saved = await this.deps.derived.save(
        request.save,
        'segmentation',
        actorOf(principal),
        {
          inputs: [{ dataset: request.dataset, fields: read.fields, count: read.rows.length }],
          purpose: request.purpose,
          grant: read.grant,
          params,
          inputHash: hashOf(subjects),
          resultHash: hashOf(assignments),
        },
        assignments.map((a) => ({
          pseudonym: a.pseudonym,
          segment: a.segment,
          features: { r: a.scores.r, f: a.scores.f, m: a.scores.m },
        })),
      );
    await this.deps.audit.record([
      {
        actor: actorOf(principal),
        action: 'analytics.segmentation.run',
        target: `dataset:${request.dataset}`,
        purpose: request.purpose,
        details: {
          grant: read.grant,
          records: read.rows.length,
          skipped,
          subjects: result.subjects,
          k: result.k,
          kAnonymity: result.kAnonymity,
          suppressedSegments: result.segments.filter((s) => s.isSuppressed).length,
          resultHash: hashOf(published),
          ...(saved ? { derived: saved.name, derivedId: saved.id } : {}),
        },
      },
    ]);
    return {
      ...published,
      dataset: request.dataset,
      purpose: request.purpose,
      grant: read.grant,
      asOf: params.asOf,
      skipped,
      saved,
    };
  }
}
