// Third-party review (第三方审查): a vendor's assessments over time — questionnaire, evidence files
// (name and hash; the files stay with the officer), result, validity — and the standing collection
// consults. The latest recorded review wins over the assessment declared in vendors.yaml.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../domain/index.js';
import { NotFoundError, ValidationError } from '../domain/index.js';
import type { Database } from '../store/index.js';
import type { DatasetDeclaration, Workspace } from '../workspace/index.js';

export const VENDOR_RESULTS = ['approved', 'conditional', 'rejected'] as const;
export type VendorResult = (typeof VENDOR_RESULTS)[number];

/** Questions of the assessment questionnaire (answers: yes | no | partial | n/a, plus a note). */
export const VENDOR_QUESTIONS = [
  'lawful_source',
  'consent_evidence',
  'security_certification',
  'encryption_in_transit',
  'incident_history',
  'subprocessors_disclosed',
  'contract_signed',
] as const;

export interface VendorReview {
  id: string;
  vendor: string;
  questionnaire: Record<string, string>;
  evidence: Array<{ name: string; sha256: string }>;
  result: VendorResult;
  reference: string | null;
  reviewedAt: string;
  validUntil: string;
  reviewer: string;
}

export interface NewVendorReview {
  vendor: string;
  questionnaire: Record<string, string>;
  evidence?: Array<{ name: string; sha256: string }>;
  result: VendorResult;
  reference?: string;
  validUntil: string;
}

/** A vendor's standing for collection: where it comes from and when it lapses. */
export interface VendorStanding {
  vendor: string;
  source: 'review' | 'declaration' | 'none';
  result: VendorResult | null;
  validUntil: string | null;
  reference: string | null;
  /** Why collection from it is refused, if it is. */
  refusal?: string;
}

export class VendorReviewService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly workspace: Workspace,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: NewVendorReview, actor: string): Promise<VendorReview> {
    if (!this.workspace.vendors.some((v) => v.name === input.vendor))
      throw new NotFoundError(`no vendor named ${input.vendor} in vendors.yaml`, { vendor: input.vendor });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.validUntil) || Number.isNaN(Date.parse(input.validUntil)))
      throw new ValidationError('validUntil must be a date YYYY-MM-DD', { field: 'validUntil' });
    const unknown = Object.keys(input.questionnaire).filter(
      (q) => !(VENDOR_QUESTIONS as readonly string[]).includes(q),
    );
    if (unknown.length > 0)
      throw new ValidationError(`unknown questionnaire item(s): ${unknown.join(', ')}`, {
        field: 'questionnaire',
        known: VENDOR_QUESTIONS,
      });
    for (const [i, file] of (input.evidence ?? []).entries())
      if (!/^[0-9a-f]{64}$/.test(file.sha256))
        throw new ValidationError(`evidence[${i}].sha256 must be 64 hex digits`, { field: `evidence[${i}]` });
    const review: VendorReview = {
      id: randomUUID(),
      vendor: input.vendor,
      questionnaire: input.questionnaire,
      evidence: input.evidence ?? [],
      result: input.result,
      reference: input.reference ?? null,
      reviewedAt: this.now().toISOString(),
      validUntil: input.validUntil,
      reviewer: actor,
    };
    await this.db
      .insertInto('vendor_reviews')
      .values({
        id: review.id,
        vendor: review.vendor,
        questionnaire: JSON.stringify(review.questionnaire),
        evidence: JSON.stringify(review.evidence),
        result: review.result,
        reference: review.reference,
        reviewed_at: review.reviewedAt,
        valid_until: review.validUntil,
        reviewer: actor,
      })
      .execute();
    await this.audit.record([
      {
        actor,
        action: 'compliance.vendor_review',
        target: `vendor:${review.vendor}`,
        details: { reviewId: review.id, result: review.result, validUntil: review.validUntil },
      },
    ]);
    return review;
  }

  async list(vendor?: string): Promise<VendorReview[]> {
    let query = this.db.selectFrom('vendor_reviews').selectAll().orderBy('reviewed_at', 'desc');
    if (vendor !== undefined) query = query.where('vendor', '=', vendor);
    return (await query.execute()).map((r) => ({
      id: r.id,
      vendor: r.vendor,
      questionnaire: JSON.parse(r.questionnaire) as Record<string, string>,
      evidence: JSON.parse(r.evidence) as VendorReview['evidence'],
      result: r.result as VendorResult,
      reference: r.reference,
      reviewedAt: r.reviewed_at,
      validUntil: r.valid_until,
      reviewer: r.reviewer,
    }));
  }

  /** Every declared vendor's standing, with re-review reminders for those lapsing within `warnDays`. */
  async standings(): Promise<VendorStanding[]> {
    return Promise.all(
      this.workspace.vendors.map((v) => vendorStanding(this.db, this.workspace, v.name, this.now())),
    );
  }
}

/** The latest review of `vendor`, else its declared assessment; `refusal` says why collection stops. */
export async function vendorStanding(
  db: Kysely<Database>,
  workspace: Workspace,
  vendor: string,
  now: Date = new Date(),
): Promise<VendorStanding> {
  const latest = await db
    .selectFrom('vendor_reviews')
    .select(['result', 'valid_until', 'reference', 'reviewed_at'])
    .where('vendor', '=', vendor)
    .orderBy('reviewed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const declared = workspace.vendors.find((v) => v.name === vendor)?.assessment;
  const standing: VendorStanding = latest
    ? {
        vendor,
        source: 'review',
        result: latest.result as VendorResult,
        validUntil: latest.valid_until,
        reference: latest.reference,
      }
    : declared
      ? {
          vendor,
          source: 'declaration',
          result: declared.result,
          validUntil: declared.validUntil,
          reference: declared.reference ?? null,
        }
      : { vendor, source: 'none', result: null, validUntil: null, reference: null };
  const today = now.toISOString().slice(0, 10);
  if (standing.source === 'none') standing.refusal = `vendor ${vendor} has no assessment on record`;
  else if (standing.result === 'rejected')
    standing.refusal = `vendor ${vendor} was rejected by its ${standing.source === 'review' ? 'latest third-party review' : 'assessment'}${standing.reference ? ` (${standing.reference})` : ''}`;
  else if (standing.validUntil! < today)
    standing.refusal = `vendor ${vendor}'s ${standing.source === 'review' ? 'third-party review' : 'assessment'} expired on ${standing.validUntil}`;
  return standing;
}

/**
 * Why collection of `dataset` is refused on account of its vendor (expired or rejected review),
 * or undefined when it may go on. The pipeline calls this before a run reads anything.
 */
export async function vendorRefusal(
  db: Kysely<Database>,
  workspace: Workspace,
  dataset: DatasetDeclaration,
  now: Date = new Date(),
): Promise<string | undefined> {
  const name = dataset.vendor ?? workspace.sources.find((s) => s.name === dataset.source)?.vendor;
  if (!name) return undefined;
  return (await vendorStanding(db, workspace, name, now)).refusal;
}
