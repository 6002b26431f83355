// Checks of consent-based processing against the consent ledger (table `consents` on this build):
// PIPL Art. 14–15, 23, 29, 39. Counts of subjects, never their ids or values.

import { acceptedNotices, currentNotice } from '../../governance/consent-check.js';
import type { DatasetDeclaration } from '../../workspace/index.js';
import { type Check, type CheckContext, failIfAny, notApplicable } from './check.js';
import { fieldGrades, isSensitiveDataset } from './declarations.js';

/**
 * How many live (not erased) subjects with a current record in `dataset` hold no unwithdrawn
 * consent for `purpose` — separate (the `sensitive` flag) when `separate`.
 */
export async function subjectsLackingConsent(
  ctx: CheckContext,
  dataset: string,
  purpose: string,
  separate: boolean,
): Promise<number> {
  const row = await ctx.db
    .selectFrom('dataset_records as r')
    .select((eb) => eb.fn.count<number>('r.subject_id').distinct().as('n'))
    .where('r.dataset', '=', dataset)
    .where('r.deleted_at', 'is', null)
    .where('r.subject_id', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('erased_subjects as e')
            .select('e.subject_id')
            .whereRef('e.subject_id', '=', 'r.subject_id'),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('consents as c')
            .select('c.subject_id')
            .whereRef('c.subject_id', '=', 'r.subject_id')
            .where('c.purpose', '=', purpose)
            .where('c.withdrawn_at', 'is', null)
            .$if(separate, (q) => q.where('c.sensitive', '=', 1)),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function consentGaps(
  ctx: CheckContext,
  datasets: readonly DatasetDeclaration[],
  separate: boolean,
): Promise<Array<{ dataset: string; purpose: string; subjectsWithoutConsent: number }>> {
  const gaps = [];
  for (const dataset of datasets)
    for (const purpose of dataset.purposes) {
      const lacking = await subjectsLackingConsent(ctx, dataset.name, purpose, separate);
      if (lacking > 0) gaps.push({ dataset: dataset.name, purpose, subjectsWithoutConsent: lacking });
    }
  return gaps;
}

// PIPL Art. 14: every stored subject of a consent-based dataset consented to each purpose.
export const consentCoversStoredSubjects: Check = async (ctx) => {
  const datasets = ctx.workspace.datasets.filter((d) => d.lawfulBasis === 'consent');
  if (datasets.length === 0) return notApplicable({ consentBasedDatasets: 0 });
  return failIfAny(await consentGaps(ctx, datasets, false), 'gaps', {
    consentBasedDatasets: datasets.length,
  });
};

// PIPL Art. 29: … separately, when the dataset holds sensitive personal information.
export const separateConsentForSensitive: Check = async (ctx) => {
  const grades = await fieldGrades(ctx);
  const datasets = ctx.workspace.datasets.filter(
    (d) => d.lawfulBasis === 'consent' && isSensitiveDataset(d, grades),
  );
  if (datasets.length === 0) return notApplicable({ sensitiveConsentBasedDatasets: 0 });
  return failIfAny(await consentGaps(ctx, datasets, true), 'gaps', {
    sensitiveConsentBasedDatasets: datasets.map((d) => d.name),
  });
};

// PIPL Art. 15: no record written after its subject withdrew consent for a purpose of its dataset
// (and did not consent again).
export const withdrawnConsentRespected: Check = async (ctx) => {
  const datasets = ctx.workspace.datasets.filter((d) => d.lawfulBasis === 'consent');
  if (datasets.length === 0) return notApplicable({ consentBasedDatasets: 0 });
  const problems = [];
  for (const dataset of datasets) {
    const row = await ctx.db
      .selectFrom('dataset_records as r')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('r.dataset', '=', dataset.name)
      .where('r.subject_id', 'is not', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('consents as w')
            .select('w.subject_id')
            .whereRef('w.subject_id', '=', 'r.subject_id')
            .where('w.purpose', 'in', dataset.purposes)
            .where('w.withdrawn_at', 'is not', null)
            .whereRef('w.withdrawn_at', '<', 'r.updated_at')
            .where((inner) =>
              inner.not(
                inner.exists(
                  inner
                    .selectFrom('consents as g')
                    .select('g.subject_id')
                    .whereRef('g.subject_id', '=', 'w.subject_id')
                    .whereRef('g.purpose', '=', 'w.purpose')
                    .where('g.withdrawn_at', 'is', null),
                ),
              ),
            ),
        ),
      )
      .executeTakeFirstOrThrow();
    if (Number(row.n) > 0)
      problems.push({ dataset: dataset.name, recordsWrittenAfterWithdrawal: Number(row.n) });
  }
  return failIfAny(problems, 'datasets', { consentBasedDatasets: datasets.length });
};

// PIPL Art. 23: provision to a third party names a registered recipient, a contract, and the
// purpose its separate consent is recorded under — which every stored subject holds. Every share
// made (third_party_shares) went to a declared provision's vendor under a contract reference and
// a consent purpose (the service refuses any other; this catches rows that bypassed it).
export const sharingHasVendorContractConsent: Check = async (ctx) => {
  const provisions = ctx.workspace.datasets.flatMap((d) => d.sharing.map((s) => ({ dataset: d, s })));
  const shares = await ctx.db
    .selectFrom('third_party_shares')
    .select(['id', 'dataset', 'vendor', 'contract', 'consent_purpose'])
    .execute();
  if (provisions.length === 0 && shares.length === 0) return notApplicable({ provisions: 0, shares: 0 });
  const purposes = new Set(ctx.workspace.purposes.map((p) => p.name));
  const problems = [];
  for (const { dataset, s } of provisions) {
    const vendor = ctx.workspace.vendors.find((v) => v.name === s.recipient);
    const defects: string[] = [];
    if (!vendor) defects.push('recipient_not_a_vendor');
    if ((s.contract ?? vendor?.contract) === undefined) defects.push('no_contract');
    if (s.consentPurpose === undefined || !purposes.has(s.consentPurpose)) defects.push('no_consent_purpose');
    const lacking =
      s.consentPurpose !== undefined && purposes.has(s.consentPurpose)
        ? await subjectsLackingConsent(ctx, dataset.name, s.consentPurpose, true)
        : 0;
    if (lacking > 0) defects.push('subjects_without_separate_consent');
    if (defects.length > 0)
      problems.push({
        dataset: dataset.name,
        recipient: s.recipient,
        defects,
        subjectsWithoutConsent: lacking,
      });
  }
  const badShares = [];
  for (const share of shares) {
    // Judged by what the share recorded: a declaration changed later does not undo a past share.
    const defects: string[] = [];
    if (!ctx.workspace.vendors.some((v) => v.name === share.vendor)) defects.push('vendor_not_registered');
    if (share.contract.trim() === '') defects.push('no_contract');
    if (share.consent_purpose.trim() === '') defects.push('no_consent_purpose');
    if (defects.length > 0)
      badShares.push({ share: share.id, dataset: share.dataset, vendor: share.vendor, defects });
  }
  const result = failIfAny([...problems, ...badShares], 'provisions', {
    provisions: provisions.length,
    shares: shares.length,
  });
  if (badShares.length > 0) result.evidence.sharesWithDefects = badShares.length;
  return result;
};

// PIPL Art. 39: a cross-border provision has its separate consent.
export const crossBorderSeparateConsent: Check = async (ctx) => {
  const transfers = ctx.workspace.datasets.flatMap((d) => d.crossBorder.map((t) => ({ dataset: d, t })));
  if (transfers.length === 0) return notApplicable({ transfers: 0 });
  const purposes = new Set(ctx.workspace.purposes.map((p) => p.name));
  const problems = [];
  for (const { dataset, t } of transfers) {
    if (t.consentPurpose === undefined || !purposes.has(t.consentPurpose)) {
      problems.push({ dataset: dataset.name, recipient: t.recipient, defect: 'no_consent_purpose' });
      continue;
    }
    const lacking = await subjectsLackingConsent(ctx, dataset.name, t.consentPurpose, true);
    if (lacking > 0)
      problems.push({
        dataset: dataset.name,
        recipient: t.recipient,
        subjectsWithoutSeparateConsent: lacking,
      });
  }
  return failIfAny(problems, 'transfers', { transfers: transfers.length });
};

// PIPL Art. 14 (re-consent on change): a consent still relied on was given to the purpose's
// notice as it stands since its last material change — the ledger's rule (acceptedNotices). Counts
// subjects per purpose; never their ids.
export const consentNoticeVersion: Check = async (ctx) => {
  const versioned = ctx.workspace.purposes.filter((p) => p.notices.length > 0);
  if (versioned.length === 0) return notApplicable({ purposesWithNotices: 0 });
  const problems = [];
  for (const purpose of versioned) {
    const accepted = acceptedNotices(purpose);
    if (!accepted) continue;
    const row = await ctx.db
      .selectFrom('consents')
      .select((eb) => eb.fn.count<number>('subject_id').distinct().as('n'))
      .where('purpose', '=', purpose.name)
      .where('withdrawn_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('notice_version', 'not in', [...accepted.versions]),
          ...(accepted.unversioned ? [] : [eb('notice_version', 'is', null)]),
        ]),
      )
      .executeTakeFirstOrThrow();
    if (Number(row.n) > 0)
      problems.push({
        purpose: purpose.name,
        currentNotice: currentNotice(purpose),
        subjectsConsentedToEarlierNotice: Number(row.n),
      });
  }
  return failIfAny(problems, 'purposes', { purposesWithNotices: versioned.length });
};
