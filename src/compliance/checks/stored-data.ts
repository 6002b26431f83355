// Checks over what is stored: retention, erasure and its residue, the clear part of records
// (scanned with the classifier), quarantine, and vendors in use. Evidence names datasets and
// fields and counts records; it never holds a record's key or value.

import { detectValue } from '../../classify/index.js';
import { ENTITY_FACTS, type EntityType } from '../../domain/index.js';
import { retentionCutoff } from '../../governance/retention-service.js';
import { SUBJECT_INDEX_FIELD } from '../../store/index.js';
import { vendorStanding } from '../vendor-review.js';
import {
  type Check,
  type CheckContext,
  DAY_MS,
  daysBefore,
  failIfAny,
  notApplicable,
  pass,
  warn,
} from './check.js';
import { fieldGrades, vendorOf } from './declarations.js';

// PIPL Art. 19 / 47: no record kept past its dataset's retention, by the rule retention runs
// enforce (calendar cut-off, from collection or the declared date field); records under a legal
// hold (dataset or subject) are kept by design and only counted. Evidence names the last run.
export const retentionEnforced: Check = async (ctx) => {
  const held = new Set(
    (await ctx.db.selectFrom('legal_holds').select('subject_id').execute()).map((r) => r.subject_id),
  );
  const problems = [];
  let keptOnHold = 0;
  for (const dataset of ctx.workspace.datasets) {
    const cutoff = retentionCutoff(dataset.retention, ctx.now).toISOString();
    let past = 0;
    let after: string | undefined;
    for (;;) {
      const page = await ctx.store.records.expiredRecords(dataset.name, {
        cutoff,
        ...(dataset.retentionFrom === undefined ? {} : { dateField: dataset.retentionFrom }),
        ...(after === undefined ? {} : { after }),
        limit: 500,
      });
      if (page.length === 0) break;
      after = page[page.length - 1]?.naturalKey;
      for (const r of page)
        if (dataset.legalHold || (r.subjectId !== null && held.has(r.subjectId))) keptOnHold += 1;
        else past += 1;
    }
    if (past > 0)
      problems.push({
        dataset: dataset.name,
        retention: dataset.retention,
        from: dataset.retentionFrom ?? 'collection',
        recordsPastRetention: past,
      });
  }
  const last = await ctx.db
    .selectFrom('retention_reports')
    .select(['id', 'finished_at'])
    .where('is_dry_run', '=', 0)
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return failIfAny(problems, 'datasets', {
    datasets: ctx.workspace.datasets.length,
    keptOnHold,
    lastRetentionRun: last ? { id: last.id, finishedAt: last.finished_at } : null,
  });
};

// PIPL Art. 47: an erased subject has no usable data key left.
export const erasureComplete: Check = async (ctx) => {
  const erased = await ctx.db
    .selectFrom('erased_subjects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const live = await ctx.db
    .selectFrom('erased_subjects as e')
    .innerJoin('subject_keys as k', 'k.subject_id', 'e.subject_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('k.wrapped_dek', 'is not', null)
    .executeTakeFirstOrThrow();
  const n = Number(live.n);
  return n > 0
    ? { status: 'fail', evidence: { erasedSubjects: Number(erased.n), withUsableDataKey: n } }
    : pass({ erasedSubjects: Number(erased.n), withUsableDataKey: 0 });
};

// GB/T 22239 residual information: no blind-index entry or sealed quarantine copy of an erased subject.
export const residualInformationCleared: Check = async (ctx) => {
  const index = await ctx.db
    .selectFrom('blind_index_entries as b')
    .innerJoin('erased_subjects as e', 'e.subject_id', 'b.hash')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('b.field', '=', SUBJECT_INDEX_FIELD)
    .executeTakeFirstOrThrow();
  const quarantine = await ctx.db
    .selectFrom('quarantine as q')
    .innerJoin('erased_subjects as e', 'e.subject_id', 'q.subject_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('q.sealed', '!=', '')
    .executeTakeFirstOrThrow();
  const evidence = { subjectIndexEntries: Number(index.n), sealedQuarantineCopies: Number(quarantine.n) };
  return evidence.subjectIndexEntries + evidence.sealedQuarantineCopies > 0
    ? { status: 'fail', evidence }
    : pass(evidence);
};

/** The clear parts (`data` JSON) of the latest records of a dataset, at most `limit`. */
async function clearParts(
  ctx: CheckContext,
  dataset: string,
  limit: number,
): Promise<Array<Record<string, unknown>>> {
  const rows = await ctx.db
    .selectFrom('dataset_records')
    .select('data')
    .where('dataset', '=', dataset)
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const value: unknown = JSON.parse(r.data);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  });
}

/** Detections that count: C2/C3 identifiers with a confidence of at least this. */
const SCANNED_CONFIDENCE = 0.85;
const ASCII_ALNUM = /[0-9A-Za-z]/;

/**
 * The C2/C3 entity found in a clear value, if any. A match inside a longer ASCII token (digits
 * within a hex digest, say) is not one. The detectors bound their digit runs by ASCII letters and
 * digits themselves; this check keeps the rule for every entity type so a detector added later
 * cannot make hex content hashes of crawled pages read as personal data.
 */
function personalEntity(value: unknown): EntityType | undefined {
  // detectValue reports offsets in the trimmed value.
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  for (const detection of detectValue(value)) {
    const category = ENTITY_FACTS[detection.type].category;
    if ((category !== 'C2' && category !== 'C3') || detection.confidence < SCANNED_CONFIDENCE) continue;
    const before = text[detection.start - 1] ?? '';
    const after = text[detection.end] ?? '';
    const embedded = ASCII_ALNUM.test(before) || ASCII_ALNUM.test(after);
    if (!embedded) return detection.type;
  }
  return undefined;
}

// PIPL Art. 51 (3): scanning the clear parts with the classifier finds no C2/C3 value.
export const noPersonalDataInClear: Check = async (ctx) => {
  const limit = ctx.workspace.config.compliance.scanSampleSize;
  const findings = new Map<string, { dataset: string; field: string; entity: EntityType; records: number }>();
  let scanned = 0;
  for (const dataset of ctx.workspace.datasets) {
    for (const data of await clearParts(ctx, dataset.name, limit)) {
      scanned += 1;
      for (const [field, value] of Object.entries(data)) {
        const entity = personalEntity(value);
        if (!entity) continue;
        const key = `${dataset.name}.${field}.${entity}`;
        const found = findings.get(key) ?? { dataset: dataset.name, field, entity, records: 0 };
        found.records += 1;
        findings.set(key, found);
      }
    }
  }
  return failIfAny([...findings.values()], 'findings', {
    recordsScanned: scanned,
    sampleSizePerDataset: limit,
  });
};

// JR/T 0171: a field classified C2/C3 is never a key of a record's clear part.
export const sealedFieldsNotInClear: Check = async (ctx) => {
  const grades = await fieldGrades(ctx);
  const personal = new Map<string, Set<string>>();
  for (const g of grades)
    if (g.category === 'C2' || g.category === 'C3')
      personal.set(g.dataset, (personal.get(g.dataset) ?? new Set()).add(g.field));
  const findings: Array<{ field: string; records: number }> = [];
  let scanned = 0;
  for (const [dataset, fields] of personal) {
    const counts = new Map<string, number>();
    for (const data of await clearParts(ctx, dataset, ctx.workspace.config.compliance.scanSampleSize)) {
      scanned += 1;
      for (const field of Object.keys(data))
        if (fields.has(field) && data[field] !== null) counts.set(field, (counts.get(field) ?? 0) + 1);
    }
    for (const [field, records] of counts) findings.push({ field: `${dataset}.${field}`, records });
  }
  return failIfAny(findings, 'fieldsInClear', { recordsScanned: scanned });
};

// JR/T 0171 (Custos practice): quarantine is worked, not a store — nothing open past 30 days.
export const quarantineReviewed: Check = async (ctx) => {
  const rows = await ctx.db
    .selectFrom('quarantine')
    .select(['dataset', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'open')
    .where('created_at', '<', daysBefore(ctx.now, 30))
    .groupBy('dataset')
    .execute();
  const stale = rows.map((r) => ({ dataset: r.dataset, openOver30Days: Number(r.n) }));
  return stale.length > 0
    ? warn({ datasets: stale, count: stale.reduce((a, s) => a + s.openOver30Days, 0) })
    : pass({ count: 0 });
};

// JR/T 0171 third parties: every vendor in use has a valid assessment; lapsing soon is warned.
export const vendorAssessmentsValid: Check = async (ctx) => {
  const inUse = new Set(
    [
      ...ctx.workspace.datasets.map((d) => vendorOf(ctx.workspace, d)),
      ...ctx.workspace.datasets.flatMap((d) => d.sharing.map((s) => s.recipient)),
      ...ctx.workspace.vendors.filter((v) => v.relationship === 'processor').map((v) => v.name),
    ].filter((v): v is string => v !== undefined && ctx.workspace.vendors.some((x) => x.name === v)),
  );
  if (inUse.size === 0) return notApplicable({ vendorsInUse: 0 });
  const refused = [];
  const expiring = [];
  const warnBefore = new Date(
    ctx.now.getTime() + ctx.workspace.config.compliance.vendorExpiryWarningDays * DAY_MS,
  )
    .toISOString()
    .slice(0, 10);
  for (const vendor of inUse) {
    const standing = await vendorStanding(ctx.db, ctx.workspace, vendor, ctx.now);
    if (standing.refusal)
      refused.push({
        vendor,
        result: standing.result,
        validUntil: standing.validUntil,
        source: standing.source,
      });
    else if (standing.validUntil !== null && standing.validUntil <= warnBefore)
      expiring.push({ vendor, validUntil: standing.validUntil });
  }
  if (refused.length > 0)
    return { status: 'fail', evidence: { refused, expiringSoon: expiring, count: refused.length } };
  if (expiring.length > 0) return warn({ expiringSoon: expiring, count: expiring.length });
  return pass({ vendorsInUse: [...inUse], count: 0 });
};
