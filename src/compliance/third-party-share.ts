// Provision of personal information to a third party (PIPL Art. 23; issue 18 item 5): a share is a
// record export through the governed read path (policy, purpose, masks, audit) addressed to a vendor,
// allowed only when the dataset declares that provision, the vendor's assessment is valid, a contract
// reference is given (the declared one, where declared) and the subjects hold the separate consent
// the declaration names. Each share is a row (names and counts) and audit-log entries.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type AuditTrail, actorOf, CustosError, NotFoundError, type Principal } from '../domain/index.js';
import {
  consentingSubjects,
  type ExportFormat,
  type ReadableRecord,
  type RecordExport,
  type RecordExporter,
} from '../governance/index.js';
import type { Database } from '../store/index.js';
import type { Workspace } from '../workspace/index.js';
import { vendorStanding } from './vendor-review.js';

/**
 * What happens to subjects without the separate consent: `refuse` (the default, the stricter)
 * refuses the whole share before anything is read; `leave_out` shares the others and counts them.
 */
export const WITHOUT_CONSENT = ['refuse', 'leave_out'] as const;
export type WithoutConsent = (typeof WITHOUT_CONSENT)[number];

/** Why a share was refused (stable codes, in the error's details and the audit entry). */
export const SHARE_REFUSALS = [
  'not_declared',
  'no_consent_purpose',
  'vendor_not_valid',
  'no_contract',
  'contract_mismatch',
  'subjects_without_consent',
] as const;
export type ShareRefusal = (typeof SHARE_REFUSALS)[number];

/** A share refused by a rule of Art. 23 (HTTP 422, CLI exit 1); `details.reason` says which. */
export class ShareRefusedError extends CustosError {
  constructor(
    readonly reason: ShareRefusal,
    message: string,
    details: Record<string, unknown>,
  ) {
    super('share_refused', message, { reason, ...details });
  }
}

export interface ShareRequest {
  dataset: string;
  vendor: string;
  contract: string;
  /** The purpose of the read (access policy); the consent purpose comes from the declaration. */
  purpose: string;
  format: ExportFormat;
  withoutConsent?: WithoutConsent;
  fields?: readonly string[];
}

export interface Share {
  id: string;
  dataset: string;
  vendor: string;
  contract: string;
  purpose: string;
  consentPurpose: string;
  withoutConsent: WithoutConsent;
  format: string;
  exportId: string;
  status: 'started' | 'completed' | 'aborted';
  records: number;
  leftOut: number;
  actor: string;
  startedAt: string;
  finishedAt: string | null;
}

/** Shares per dataset and recipient, for the record of processing activities. */
export interface ShareSummary {
  dataset: string;
  vendor: string;
  shares: number;
  records: number;
  contracts: string[];
  lastAt: string;
}

type Row = Awaited<ReturnType<typeof selectShares>>[number];
function selectShares(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('third_party_shares')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

function toShare(r: Row): Share {
  return {
    id: r.id,
    dataset: r.dataset,
    vendor: r.vendor,
    contract: r.contract,
    purpose: r.purpose,
    consentPurpose: r.consent_purpose,
    withoutConsent: r.without_consent as WithoutConsent,
    format: r.format,
    exportId: r.export_id,
    status: r.status as Share['status'],
    records: Number(r.records),
    leftOut: Number(r.left_out),
    actor: r.actor,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Completed shares grouped by dataset and vendor. */
export async function shareSummaries(db: Kysely<Database>): Promise<ShareSummary[]> {
  const rows = await db
    .selectFrom('third_party_shares')
    .select(['dataset', 'vendor', 'contract', 'records', 'started_at'])
    .where('status', '=', 'completed')
    .orderBy('started_at')
    .execute();
  const out = new Map<string, ShareSummary>();
  for (const r of rows) {
    const key = JSON.stringify([r.dataset, r.vendor]);
    const s = out.get(key) ?? {
      dataset: r.dataset,
      vendor: r.vendor,
      shares: 0,
      records: 0,
      contracts: [],
      lastAt: r.started_at,
    };
    s.shares += 1;
    s.records += Number(r.records);
    if (!s.contracts.includes(r.contract)) s.contracts.push(r.contract);
    s.lastAt = r.started_at;
    out.set(key, s);
  }
  return [...out.values()];
}

export class ThirdPartyShareService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly workspace: Workspace,
    private readonly audit: AuditTrail,
    private readonly exporter: RecordExporter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(limit = 100): Promise<Share[]> {
    return (await selectShares(this.db, limit)).map(toShare);
  }

  async get(id: string): Promise<Share> {
    const row = await this.db
      .selectFrom('third_party_shares')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no share ${id}`, { id });
    return toShare(row);
  }

  /**
   * Checks every Art. 23 condition, then starts the export (policy is checked there, before any
   * byte). A refusal is audited and thrown; the body of the returned export streams the records.
   * Even under `refuse`, a consent withdrawn after the check leaves its subject out (counted).
   */
  async start(principal: Principal, request: ShareRequest): Promise<{ share: Share; file: RecordExport }> {
    const actor = actorOf(principal);
    const withoutConsent = request.withoutConsent ?? 'refuse';
    const dataset = this.workspace.datasets.find((d) => d.name === request.dataset);
    if (!dataset)
      throw new NotFoundError(`no dataset named ${request.dataset} in datasets.yaml`, {
        dataset: request.dataset,
      });
    const contract = request.contract.trim();
    const refuse = async (reason: ShareRefusal, message: string, details: Record<string, unknown> = {}) => {
      await this.audit.record([
        {
          actor,
          action: 'compliance.share_refused',
          target: `dataset:${dataset.name}`,
          purpose: request.purpose,
          details: { vendor: request.vendor, reason, ...details },
        },
      ]);
      return new ShareRefusedError(reason, message, {
        dataset: dataset.name,
        vendor: request.vendor,
        ...details,
      });
    };

    const provision = dataset.sharing.find((s) => s.recipient === request.vendor);
    if (!provision)
      throw await refuse(
        'not_declared',
        `dataset ${dataset.name} declares no provision to ${request.vendor} (sharing in datasets.yaml)`,
      );
    const consentPurpose = provision.consentPurpose;
    if (consentPurpose === undefined || !this.workspace.purposes.some((p) => p.name === consentPurpose))
      throw await refuse(
        'no_consent_purpose',
        `the provision of ${dataset.name} to ${request.vendor} names no declared consentPurpose for the subjects' separate consent`,
      );
    const standing = await vendorStanding(this.db, this.workspace, request.vendor, this.now());
    if (!this.workspace.vendors.some((v) => v.name === request.vendor) || standing.refusal !== undefined)
      throw await refuse(
        'vendor_not_valid',
        standing.refusal ?? `no vendor named ${request.vendor} in vendors.yaml`,
        { standing: standing.source, result: standing.result, validUntil: standing.validUntil },
      );
    if (contract === '')
      throw await refuse('no_contract', `a share to ${request.vendor} needs the contract reference`);
    const declared =
      provision.contract ?? this.workspace.vendors.find((v) => v.name === request.vendor)?.contract;
    if (declared !== undefined && declared !== contract)
      throw await refuse(
        'contract_mismatch',
        `contract ${contract} is not the contract declared for ${dataset.name} → ${request.vendor} (${declared})`,
        { declared },
      );
    if (withoutConsent === 'refuse') {
      const lacking = await this.lackingConsent(dataset.name, consentPurpose);
      if (lacking.subjects + lacking.recordsWithoutSubject > 0)
        throw await refuse(
          'subjects_without_consent',
          `${lacking.subjects} subject(s) of ${dataset.name} lack a separate consent to ${consentPurpose} (provision to ${request.vendor}) and ${lacking.recordsWithoutSubject} record(s) have no subject to hold one; nothing was shared (withoutConsent: leave_out shares the others)`,
          { consentPurpose, ...lacking },
        );
    }

    const id = `shr_${randomUUID()}`;
    const startedAt = this.now().toISOString();
    const gate = async (records: readonly ReadableRecord[]): Promise<ReadableRecord[]> => {
      const consenting = await consentingSubjects(
        this.db,
        this.workspace.purposes,
        records.flatMap((r) => (r.subjectId === null ? [] : [r.subjectId])),
        consentPurpose,
        { separate: true, crossBorder: false },
      );
      return records.filter((r) => r.subjectId !== null && consenting.has(r.subjectId));
    };
    const file = await this.exporter.start(principal, dataset.name, {
      purpose: request.purpose,
      format: request.format,
      ...(request.fields ? { fields: request.fields } : {}),
      gate,
      details: { share: id, vendor: request.vendor },
      onEnd: async (outcome) => {
        await this.db
          .updateTable('third_party_shares')
          .set({
            status: outcome.status,
            records: outcome.count,
            left_out: outcome.leftOut,
            finished_at: this.now().toISOString(),
          })
          .where('id', '=', id)
          .execute();
      },
    });
    const share: Share = {
      id,
      dataset: dataset.name,
      vendor: request.vendor,
      contract,
      purpose: request.purpose,
      consentPurpose,
      withoutConsent,
      format: request.format,
      exportId: file.id,
      status: 'started',
      records: 0,
      leftOut: 0,
      actor,
      startedAt,
      finishedAt: null,
    };
    await this.db
      .insertInto('third_party_shares')
      .values({
        id,
        dataset: share.dataset,
        vendor: share.vendor,
        contract,
        purpose: share.purpose,
        consent_purpose: consentPurpose,
        without_consent: withoutConsent,
        format: share.format,
        export_id: file.id,
        status: 'started',
        actor,
        started_at: startedAt,
        finished_at: null,
      })
      .execute();
    await this.audit.record([
      {
        actor,
        action: 'compliance.share',
        target: `dataset:${dataset.name}`,
        purpose: request.purpose,
        details: {
          share: id,
          vendor: request.vendor,
          contract,
          consentPurpose,
          withoutConsent,
          export: file.id,
        },
      },
    ]);
    return {
      share,
      file: { ...file, filename: `${dataset.name}-${request.vendor}-${id}.${request.format}` },
    };
  }

  /** Live subjects of the dataset without the separate consent, and records without a subject. */
  private async lackingConsent(
    dataset: string,
    consentPurpose: string,
  ): Promise<{ subjects: number; recordsWithoutSubject: number }> {
    const rows = await this.db
      .selectFrom('dataset_records as r')
      .select('r.subject_id')
      .distinct()
      .where('r.dataset', '=', dataset)
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
      .execute();
    const subjects = rows.map((r) => r.subject_id!);
    const consenting = await consentingSubjects(this.db, this.workspace.purposes, subjects, consentPurpose, {
      separate: true,
      crossBorder: false,
    });
    const orphans = await this.db
      .selectFrom('dataset_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('dataset', '=', dataset)
      .where('subject_id', 'is', null)
      .executeTakeFirstOrThrow();
    return { subjects: subjects.length - consenting.size, recordsWithoutSubject: Number(orphans.n) };
  }
}
