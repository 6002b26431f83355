// Data-subject requests (PIPL Arts. 44–48): a person asks to know (access), to copy, to correct, to
// delete, to withdraw consent or for an explanation of the processing rules. Each request runs
// received → verified (identity) → in progress → completed | denied (with a reason) | cancelled,
// has a deadline in working days, is flagged overdue once past it, and every step is audited. The
// person is named by the subject id (a keyed hash of the identifier); the identifier and the
// corrected values are kept only sealed under the subject's data key, never in clear, never in a
// log or an audit entry. Maker-checker: whoever records a request does not verify the identity,
// nor complete a deletion.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../audit/index.js';
import { IDENTIFIER_KINDS } from '../crypto/index.js';
import {
  type AuditTrail,
  actorOf,
  type Clock,
  ConflictError,
  CryptoError,
  ForbiddenError,
  isPastDeadline,
  NotFoundError,
  type Principal,
  systemClock,
  ValidationError,
  workingDaysDeadline,
} from '../domain/index.js';
import type { Database, RecordStore, SubjectRequestsTable } from '../store/index.js';
import type { DatasetDeclaration, Workspace } from '../workspace/index.js';
import type { AccessPolicyService } from './access-policy-service.js';
import type { KeyService } from './key-service.js';
import { type DatasetExplanation, explainProcessing } from './processing-explanation.js';
import type { RecordReadService } from './record-read-service.js';
import { eraseSubject } from './subject-erasure.js';
import { type HeldRecord, type SubjectHoldings, SubjectHoldingsReader } from './subject-holdings.js';
import { subjectIdOf } from './subject-id.js';

export const SUBJECT_REQUEST_TYPES = [
  'access',
  'copy',
  'correction',
  'deletion',
  'withdrawal',
  'explanation',
] as const;
export type SubjectRequestType = (typeof SUBJECT_REQUEST_TYPES)[number];

export const SUBJECT_REQUEST_STATUSES = [
  'received',
  'verified',
  'in_progress',
  'completed',
  'denied',
  'cancelled',
] as const;
export type SubjectRequestStatus = (typeof SUBJECT_REQUEST_STATUSES)[number];

/** Statuses of a request still to be answered: the only ones that can be overdue. */
export const OPEN_STATUSES: readonly SubjectRequestStatus[] = ['received', 'verified', 'in_progress'];

/** How the person's identity was verified. */
export const VERIFICATION_METHODS = ['id_document', 'in_person', 'account_login', 'other'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

export const DENIAL_REASONS = [
  'identity_not_verified',
  'manifestly_unfounded',
  'excessive',
  'legal_obligation',
  'other',
] as const;
export const CANCELLATION_REASONS = ['withdrawn_by_subject', 'duplicate', 'other'] as const;

/** Who manages data-subject requests. */
export const SUBJECT_REQUEST_ROLES = ['compliance_officer', 'admin'] as const;

/** The request steps (the API's and the CLI's verbs). */
export const SUBJECT_REQUEST_STEPS = ['verify', 'start', 'complete', 'deny', 'cancel'] as const;

const MAX_NOTE = 1000;
/** How long a completion may run before another may take it over (its process is presumed dead). */
const COMPLETING_STALE_MS = 10 * 60_000;
const MAX_CORRECTIONS = 50;

/** One correction the person asks for: new values of fields of their records in a dataset. */
export interface Correction {
  dataset: string;
  fields: Record<string, unknown>;
}

export interface NewSubjectRequest {
  type: SubjectRequestType;
  /** The person's identifier (ID number, mobile, …): hashed, sealed, never stored in clear. */
  identifier: string;
  /** How the request arrived (`email`, `counter`, `app`…). */
  channel?: string;
  /** When it was received (default now); the deadline counts from here. */
  receivedAt?: string;
  /** Working days to answer (default from custos.yaml `rights.deadlineWorkingDays`). */
  deadlineWorkingDays?: number;
  /** `correction`: what to correct. */
  corrections?: Correction[];
  /** `withdrawal`: the purposes consent is withdrawn for (default: every purpose). */
  purposes?: string[];
}

export interface SubjectRequestStep {
  step: string;
  actor: string;
  at: string;
  detail: Record<string, unknown>;
}

export interface SubjectRequest {
  id: string;
  type: SubjectRequestType;
  status: SubjectRequestStatus;
  /** The subject id (a keyed hash of the identifier). */
  subjectId: string;
  /** By name only: the datasets and fields to correct, the purposes to withdraw. */
  scope: { corrections?: Array<{ dataset: string; fields: string[] }>; purposes?: string[] };
  channel: string | null;
  receivedAt: string;
  deadlineAt: string;
  isOverdue: boolean;
  createdBy: string;
  verifiedBy: string | null;
  verifiedAt: string | null;
  startedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  reason: string | null;
  note: string | null;
  /** What completing did: counts and names, never values. */
  result: Record<string, unknown> | null;
  steps: SubjectRequestStep[];
}

export interface SubjectRequestQuery {
  status?: SubjectRequestStatus;
  type?: SubjectRequestType;
  /** Only open requests past their deadline (true), or only the others (false). */
  isOverdue?: boolean;
}

/** The document a completed access, copy or explanation request gives the person. */
export interface SubjectRequestDocument {
  request: string;
  type: SubjectRequestType;
  generatedAt: string;
  /** access: what is held, why and how, with the current values. */
  datasets?: Array<Partial<DatasetExplanation> & { dataset: string; records?: HeldRecord[] }>;
  quarantined?: SubjectHoldings['quarantined'];
  /** access, copy: the person's consents and their history, from the consent ledger. */
  consents?: unknown;
  /** explanation: the processing rules of every dataset. */
  processing?: DatasetExplanation[];
}

/**
 * Withdraws consent through the consent ledger: how many withdrawals it recorded, and whether the
 * workspace's `consent.onWithdrawal: erase` then erased the person.
 */
export type ConsentWithdrawal = (
  input: { identifier: string; purposes: readonly string[]; requestId: string },
  actor: string,
) => Promise<{ withdrawn: number; erased: boolean }>;

export interface SubjectRequestServiceDeps {
  db: Kysely<Database>;
  workspace: Workspace;
  records: RecordStore;
  reads: RecordReadService;
  policy: AccessPolicyService;
  keys: () => KeyService;
  audit: AuditTrail;
  /** Checks and converts a corrected value to the field's declared type (the pipeline's rule). */
  coerce: (type: string, value: unknown) => { ok: true; value: unknown } | { ok: false };
  /** The consent ledger's withdrawal, for `withdrawal` requests. */
  withdrawConsent?: ConsentWithdrawal;
  /** The person's consents and their history from the ledger, for access and copy documents. */
  consentsOf?: (subjectId: string) => Promise<unknown>;
  clock?: Clock;
}

interface Particulars {
  identifier: string;
  corrections?: Correction[];
}

export class SubjectRequestService {
  private readonly clock: Clock;
  private readonly holdings: SubjectHoldingsReader;

  constructor(private readonly deps: SubjectRequestServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.holdings = new SubjectHoldingsReader(
      deps.records,
      deps.reads,
      () => deps.workspace.datasets.map((d) => d.name),
      deps.keys,
      deps.audit,
    );
  }

  async create(principal: Principal, input: NewSubjectRequest): Promise<SubjectRequest> {
    mayManage(principal);
    const { workspace } = this.deps;
    const identifier = input.identifier.trim();
    if (identifier.length === 0 || identifier.length > 256)
      throw new ValidationError('identifier must be 1–256 characters', { field: 'identifier' });
    if (!(SUBJECT_REQUEST_TYPES as readonly string[]).includes(input.type))
      throw new ValidationError(`type must be one of ${SUBJECT_REQUEST_TYPES.join(', ')}`, { field: 'type' });
    const now = this.clock();
    const receivedAt = input.receivedAt === undefined ? now : new Date(input.receivedAt);
    if (Number.isNaN(receivedAt.getTime()))
      throw new ValidationError('receivedAt must be an ISO 8601 date-time', { field: 'receivedAt' });
    if (receivedAt.getTime() > now.getTime() + 60_000)
      throw new ValidationError('receivedAt cannot be in the future', { field: 'receivedAt' });
    const rights = workspace.config.rights;
    const days = input.deadlineWorkingDays ?? rights.deadlineWorkingDays;
    if (!Number.isInteger(days) || days < 1 || days > 90)
      throw new ValidationError('deadlineWorkingDays must be a whole number from 1 to 90', {
        field: 'deadlineWorkingDays',
      });
    const corrections = input.type === 'correction' ? this.checkCorrections(input.corrections) : undefined;
    if (input.type !== 'correction' && input.corrections !== undefined)
      throw new ValidationError('corrections belong to a correction request', { field: 'corrections' });
    const purposes = input.type === 'withdrawal' ? this.checkPurposes(input.purposes) : undefined;
    if (input.type !== 'withdrawal' && input.purposes !== undefined)
      throw new ValidationError('purposes belong to a withdrawal request', { field: 'purposes' });
    const channel = input.channel?.trim();
    if (channel !== undefined && !/^[\p{L}\p{N}_ -]{1,40}$/u.test(channel))
      throw new ValidationError('channel must be a short name (letters, digits, _ - space; ≤ 40)', {
        field: 'channel',
      });

    const keys = this.deps.keys();
    const subjectId = subjectIdOf(keys, identifier);
    const particulars: Particulars = { identifier, ...(corrections ? { corrections } : {}) };
    let sealed: string | null;
    try {
      sealed = await keys.encryptRecord(subjectId, particulars as unknown as Record<string, unknown>);
    } catch (error) {
      // An erased person may still ask (to know nothing is held): nothing new is sealed under a
      // destroyed key, so the request keeps only the subject id.
      if (!(error instanceof CryptoError)) throw error;
      if (corrections) throw new ConflictError('this person was erased: nothing is held to correct');
      sealed = null;
    }
    const id = `dsr_${randomUUID()}`;
    const at = now.toISOString();
    const deadlineAt = workingDaysDeadline(receivedAt, days, rights.timeZone, rights.holidays).toISOString();
    const scope: SubjectRequest['scope'] = {
      ...(corrections
        ? { corrections: corrections.map((c) => ({ dataset: c.dataset, fields: Object.keys(c.fields) })) }
        : {}),
      ...(purposes ? { purposes } : {}),
    };
    const actor = actorOf(principal);
    await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('subject_requests')
        .values({
          id,
          type: input.type,
          status: 'received',
          subject_id: subjectId,
          sealed,
          scope: JSON.stringify(scope),
          channel: channel ?? null,
          received_at: receivedAt.toISOString(),
          deadline_at: deadlineAt,
          created_by: principal.username,
          verified_by: null,
          verified_at: null,
          started_at: null,
          closed_at: null,
          closed_by: null,
          reason: null,
          note: null,
          result: null,
          updated_at: at,
        })
        .execute();
      await trx
        .insertInto('subject_request_steps')
        .values({
          request_id: id,
          seq: 1,
          step: 'received',
          actor,
          at,
          detail: JSON.stringify({ deadlineWorkingDays: days }),
        })
        .execute();
    });
    await this.deps.audit.record([
      {
        actor,
        action: 'dsr.create',
        target: `dsr:${id}`,
        details: { type: input.type, deadlineAt, deadlineWorkingDays: days, ...scope },
      },
    ]);
    return this.get(id);
  }

  async get(id: string): Promise<SubjectRequest> {
    const row = await this.deps.db
      .selectFrom('subject_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no data-subject request ${id}`, { id });
    const steps = await this.deps.db
      .selectFrom('subject_request_steps')
      .selectAll()
      .where('request_id', '=', id)
      .orderBy('seq')
      .execute();
    return this.toRequest(row, steps);
  }

  async list(query: SubjectRequestQuery = {}): Promise<SubjectRequest[]> {
    let q = this.deps.db.selectFrom('subject_requests').selectAll();
    if (query.status) q = q.where('status', '=', query.status);
    if (query.type) q = q.where('type', '=', query.type);
    const now = this.clock().toISOString();
    if (query.isOverdue === true)
      q = q.where('status', 'in', [...OPEN_STATUSES]).where('deadline_at', '<', now);
    if (query.isOverdue === false)
      q = q.where((eb) => eb.or([eb('status', 'not in', [...OPEN_STATUSES]), eb('deadline_at', '>=', now)]));
    const rows = await q.orderBy('deadline_at').orderBy('id').limit(1000).execute();
    return rows.map((r) => this.toRequest(r, []));
  }

  /** received → verified: the person's identity was checked (never by whoever recorded the request). */
  async verify(id: string, principal: Principal, method: VerificationMethod): Promise<SubjectRequest> {
    mayManage(principal);
    if (!(VERIFICATION_METHODS as readonly string[]).includes(method))
      throw new ValidationError(`method must be one of ${VERIFICATION_METHODS.join(', ')}`, {
        field: 'method',
      });
    const request = await this.get(id);
    if (request.createdBy === principal.username)
      throw new ForbiddenError(
        'the identity is verified by someone other than whoever recorded the request',
        {
          id,
        },
      );
    const at = this.now();
    await this.transition(
      request,
      'received',
      'verified',
      principal,
      'verify',
      { method },
      {
        verified_by: principal.username,
        verified_at: at,
      },
    );
    return this.get(id);
  }

  /** verified → in progress. */
  async start(id: string, principal: Principal): Promise<SubjectRequest> {
    mayManage(principal);
    const request = await this.get(id);
    await this.transition(
      request,
      'verified',
      'in_progress',
      principal,
      'start',
      {},
      { started_at: this.now() },
    );
    return this.get(id);
  }

  /**
   * in progress → completed, doing what the request asks: reads for access and copy (audited),
   * the corrections, the erasure, the consent withdrawal, the explanation. A deletion is completed
   * by someone other than whoever recorded it.
   */
  async complete(id: string, principal: Principal): Promise<SubjectRequest> {
    mayManage(principal);
    const request = await this.get(id);
    if (request.type === 'deletion' && request.createdBy === principal.username)
      throw new ForbiddenError('a deletion is completed by someone other than whoever recorded it', { id });
    if (request.type === 'withdrawal' && !this.deps.withdrawConsent)
      throw new ConflictError('no consent ledger is available to withdraw consent', { id });
    // Claimed first, so two officers completing at once cannot both act; released if acting fails.
    // A claim older than COMPLETING_STALE_MS is that of a process that died mid-way: taken over
    // (every completion is safe to repeat: reads, a correction of the same values, an erasure).
    const staleBefore = new Date(this.clock().getTime() - COMPLETING_STALE_MS).toISOString();
    const claimed = await this.deps.db
      .updateTable('subject_requests')
      .set({ status: 'completing', updated_at: this.now() })
      .where('id', '=', request.id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'in_progress'),
          eb.and([eb('status', '=', 'completing'), eb('updated_at', '<', staleBefore)]),
        ]),
      )
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0)
      throw new ConflictError(
        `request ${id} is ${request.status}, not in progress (or is being completed now)`,
        {
          id,
          status: request.status,
        },
      );
    const actor = actorOf(principal);
    let result: Record<string, unknown>;
    try {
      result = await this.perform(request, actor);
    } catch (error) {
      await this.claim(
        { ...request, status: 'completing' as SubjectRequestStatus },
        'completing',
        'in_progress',
      );
      throw error;
    }
    await this.transition(
      { ...request, status: 'completing' as SubjectRequestStatus },
      'completing' as SubjectRequestStatus,
      'completed',
      principal,
      'complete',
      result,
      { closed_at: this.now(), closed_by: principal.username, result: JSON.stringify(result) },
    );
    return this.get(id);
  }

  /** An open request → denied, with a reason code (and a note, never audited). */
  async deny(id: string, principal: Principal, reason: string, note?: string): Promise<SubjectRequest> {
    return this.close(id, principal, 'denied', 'deny', DENIAL_REASONS, reason, note);
  }

  /** An open request → cancelled, with a reason code (and a note, never audited). */
  async cancel(id: string, principal: Principal, reason: string, note?: string): Promise<SubjectRequest> {
    return this.close(id, principal, 'cancelled', 'cancel', CANCELLATION_REASONS, reason, note);
  }

  /**
   * The document for the person of a completed access, copy or explanation request, generated now
   * from what is held (audited as reads). Values appear only here, never in the request itself.
   */
  async document(id: string, principal: Principal): Promise<SubjectRequestDocument> {
    mayManage(principal);
    const request = await this.get(id);
    if (request.status !== 'completed')
      throw new ConflictError(`request ${id} is ${request.status}: only a completed request has a result`, {
        id,
        status: request.status,
      });
    if (request.type !== 'access' && request.type !== 'copy' && request.type !== 'explanation')
      throw new ConflictError(`a ${request.type} request has no document to download`, { id });
    const actor = actorOf(principal);
    const doc = await this.generate(request, actor);
    await this.deps.audit.record([
      {
        actor,
        action: 'dsr.download',
        target: `dsr:${id}`,
        details: { type: request.type, datasets: (doc.datasets ?? doc.processing ?? []).length },
      },
    ]);
    return doc;
  }

  private async generate(request: SubjectRequest, actor: string): Promise<SubjectRequestDocument> {
    const identifier = await this.identifierOf(request);
    const base = { request: request.id, type: request.type, generatedAt: this.now() };
    if (request.type === 'explanation') {
      const held = await this.holdings.count(request.subjectId, identifier);
      return { ...base, processing: explainProcessing(this.deps.workspace, held) };
    }
    const holdings = await this.holdings.read(request.subjectId, identifier, {
      actor,
      request: request.id,
      withHistory: request.type === 'copy',
    });
    const consents = this.deps.consentsOf ? { consents: await this.deps.consentsOf(request.subjectId) } : {};
    if (request.type === 'copy')
      return {
        ...base,
        datasets: holdings.datasets.map((d) => ({ dataset: d.dataset, records: d.records })),
        quarantined: holdings.quarantined,
        ...consents,
      };
    const explained = new Map(explainProcessing(this.deps.workspace).map((e) => [e.dataset, e]));
    return {
      ...base,
      datasets: holdings.datasets.map((d) => ({ ...explained.get(d.dataset)!, records: d.records })),
      quarantined: holdings.quarantined,
      ...consents,
    };
  }

  private async perform(request: SubjectRequest, actor: string): Promise<Record<string, unknown>> {
    switch (request.type) {
      case 'access':
      case 'copy': {
        const doc = await this.generate(request, actor);
        const datasets = Object.fromEntries(
          (doc.datasets ?? []).map((d) => [d.dataset, d.records?.length ?? 0]),
        );
        return { datasets, quarantined: doc.quarantined?.length ?? 0 };
      }
      case 'explanation': {
        const held = await this.holdings.count(request.subjectId, await this.identifierOf(request));
        return { datasets: this.deps.workspace.datasets.length, holding: Object.fromEntries(held) };
      }
      case 'correction':
        return { corrected: await this.correct(request, actor) };
      case 'deletion': {
        const erased = await eraseSubject(
          { keys: this.deps.keys(), records: this.deps.records, audit: this.deps.audit },
          this.deps.workspace.datasets.map((d) => d.name),
          request.subjectId,
          actor,
        );
        const { subjectId: _subject, ...counts } = erased;
        return counts;
      }
      case 'withdrawal': {
        const identifier = await this.identifierOf(request);
        if (identifier === undefined)
          throw new ConflictError('the identifier of this request cannot be read (the person was erased)');
        const purposes = request.scope.purposes ?? this.deps.workspace.purposes.map((p) => p.name);
        const { withdrawn, erased } = await this.deps.withdrawConsent!(
          { identifier, purposes, requestId: request.id },
          actor,
        );
        return { purposes, withdrawn, erased };
      }
    }
  }

  /** Writes each correction as a new version of each of the person's records in its dataset. */
  private async correct(
    request: SubjectRequest,
    actor: string,
  ): Promise<Array<{ dataset: string; records: number; fields: string[] }>> {
    const particulars = await this.particularsOf(request);
    if (!particulars?.corrections)
      throw new ConflictError('the corrections of this request cannot be read (the person was erased)');
    const keys = this.deps.keys();
    const out: Array<{ dataset: string; records: number; fields: string[] }> = [];
    for (const correction of particulars.corrections) {
      const dataset = this.deps.policy.dataset(correction.dataset);
      const facts = await this.deps.policy.fieldFacts(dataset);
      const sealedNames = new Set(
        facts.filter((f) => f.category === 'C2' || f.category === 'C3').map((f) => f.name),
      );
      const found = await this.deps.reads.findSubject(
        dataset.name,
        particulars.identifier,
        request.subjectId,
      );
      const values = this.coerceAll(dataset, correction.fields);
      let corrected = 0;
      for (const record of found) {
        const personal =
          record.sealed === null ? {} : await keys.decryptRecord(record.sealingSubject, record.sealed);
        for (const name of Object.keys(personal)) sealedNames.add(name);
        const whole: Record<string, unknown> = { ...record.fields, ...personal, ...values };
        const clear: Record<string, unknown> = {};
        const hidden: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(whole))
          (sealedNames.has(name) ? hidden : clear)[name] = value;
        const sealed =
          record.sealed !== null || Object.keys(hidden).length > 0
            ? await keys.encryptRecord(record.sealingSubject, hidden)
            : null;
        const indexes = facts.flatMap((f) => {
          const kind = f.entity ? IDENTIFIER_KINDS[f.entity] : undefined;
          const value = values[f.name];
          return kind && typeof value === 'string'
            ? [{ field: f.name, hash: keys.blindIndex(kind, value) }]
            : [];
        });
        await this.deps.records.writeCorrection(dataset.name, record.naturalKey, {
          expectedVersion: record.version,
          data: JSON.stringify(clear),
          sealed,
          contentHash: keys.blindIndex('text', canonicalJson(whole)),
          indexes,
          origin: `dsr:${request.id}`,
          at: this.now(),
        });
        corrected += 1;
      }
      await this.deps.audit.record([
        {
          actor,
          action: 'dsr.correct',
          target: `dataset:${dataset.name}`,
          details: { request: request.id, records: corrected, fields: Object.keys(values) },
        },
      ]);
      out.push({ dataset: dataset.name, records: corrected, fields: Object.keys(values) });
    }
    return out;
  }

  private coerceAll(dataset: DatasetDeclaration, fields: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      const declared = dataset.fields[name]!;
      if (value === null) {
        if (declared.required)
          throw new ValidationError(`${dataset.name}.${name} is required: it cannot be emptied`, {
            dataset: dataset.name,
            field: name,
          });
        out[name] = null;
        continue;
      }
      const coerced = this.deps.coerce(declared.type, value);
      if (!coerced.ok || (declared.format && !new RegExp(declared.format, 'u').test(String(coerced.value))))
        throw new ValidationError(
          `the corrected value of ${dataset.name}.${name} is not a valid ${declared.type}`,
          {
            dataset: dataset.name,
            field: name,
          },
        );
      out[name] = coerced.value;
    }
    return out;
  }

  private checkCorrections(corrections: Correction[] | undefined): Correction[] {
    if (!corrections || corrections.length === 0)
      throw new ValidationError('a correction request names what to correct (corrections)', {
        field: 'corrections',
      });
    if (corrections.length > MAX_CORRECTIONS)
      throw new ValidationError(`at most ${MAX_CORRECTIONS} corrections`, { field: 'corrections' });
    corrections.forEach((c, i) => {
      const dataset = this.deps.workspace.datasets.find((d) => d.name === c.dataset);
      if (!dataset)
        throw new ValidationError(`unknown dataset ${c.dataset}`, { field: `corrections[${i}].dataset` });
      const names = Object.keys(c.fields ?? {});
      if (names.length === 0)
        throw new ValidationError('a correction names at least one field', {
          field: `corrections[${i}].fields`,
        });
      for (const name of names) {
        const where = `corrections[${i}].fields.${name}`;
        if (!(name in dataset.fields))
          throw new ValidationError(`unknown field of ${dataset.name}`, { field: where });
        // The natural key and the subject fields say which record and whose it is: changing them
        // would move the record to another key or person, which a correction does not do.
        if (dataset.naturalKey.includes(name) || dataset.subjectFields.includes(name))
          throw new ValidationError(
            `${name} identifies the record or its subject: it cannot be corrected (erase and collect again)`,
            { field: where },
          );
      }
      this.coerceAll(dataset, c.fields);
    });
    return corrections;
  }

  private checkPurposes(purposes: string[] | undefined): string[] | undefined {
    if (purposes === undefined) return undefined;
    const known = new Set(this.deps.workspace.purposes.map((p) => p.name));
    const unknown = purposes.filter((p) => !known.has(p));
    if (purposes.length === 0 || unknown.length > 0)
      throw new ValidationError(`unknown purpose(s): ${unknown.join(', ') || '(none given)'}`, {
        field: 'purposes',
      });
    return [...new Set(purposes)];
  }

  private async close(
    id: string,
    principal: Principal,
    status: 'denied' | 'cancelled',
    step: 'deny' | 'cancel',
    reasons: readonly string[],
    reason: string,
    note: string | undefined,
  ): Promise<SubjectRequest> {
    mayManage(principal);
    if (!reasons.includes(reason))
      throw new ValidationError(`reason must be one of ${reasons.join(', ')}`, { field: 'reason' });
    if (note !== undefined && note.length > MAX_NOTE)
      throw new ValidationError(`note is at most ${MAX_NOTE} characters`, { field: 'note' });
    const request = await this.get(id);
    if (!OPEN_STATUSES.includes(request.status))
      throw new ConflictError(`request ${id} is already ${request.status}`, { id, status: request.status });
    await this.transition(
      request,
      request.status,
      status,
      principal,
      step,
      { reason },
      {
        closed_at: this.now(),
        closed_by: principal.username,
        reason,
        note: note ?? null,
      },
    );
    return this.get(id);
  }

  /** Moves a request from one status to the next if it is still in the first; else ConflictError. */
  private async transition(
    request: SubjectRequest,
    from: SubjectRequestStatus,
    to: SubjectRequestStatus,
    principal: Principal,
    step: string,
    detail: Record<string, unknown>,
    set: Partial<SubjectRequestsTable>,
  ): Promise<void> {
    const at = this.now();
    const actor = actorOf(principal);
    await this.deps.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('subject_requests')
        .set({ ...set, status: to, updated_at: at })
        .where('id', '=', request.id)
        .where('status', '=', from)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0)
        throw new ConflictError(`request ${request.id} is ${request.status}, not ${from}: cannot ${step}`, {
          id: request.id,
          status: request.status,
        });
      const last = await trx
        .selectFrom('subject_request_steps')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('request_id', '=', request.id)
        .executeTakeFirst();
      await trx
        .insertInto('subject_request_steps')
        .values({
          request_id: request.id,
          seq: Number(last?.seq ?? 0) + 1,
          step: to,
          actor,
          at,
          detail: JSON.stringify(detail),
        })
        .execute();
    });
    await this.deps.audit.record([
      {
        actor,
        action: `dsr.${step}`,
        target: `dsr:${request.id}`,
        details: { type: request.type, ...detail },
      },
    ]);
  }

  /** Compare-and-set of the status alone (the claim around completing). */
  private async claim(request: SubjectRequest, from: string, to: string): Promise<void> {
    const updated = await this.deps.db
      .updateTable('subject_requests')
      .set({ status: to, updated_at: this.now() })
      .where('id', '=', request.id)
      .where('status', '=', from)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      throw new ConflictError(`request ${request.id} is ${request.status}, not ${from.replace('_', ' ')}`, {
        id: request.id,
        status: request.status,
      });
  }

  private async particularsOf(request: SubjectRequest): Promise<Particulars | undefined> {
    const row = await this.deps.db
      .selectFrom('subject_requests')
      .select('sealed')
      .where('id', '=', request.id)
      .executeTakeFirstOrThrow();
    if (row.sealed === null) return undefined;
    const [outcome] = await this.deps
      .keys()
      .openEach([{ subjectId: request.subjectId, ciphertext: row.sealed }]);
    // Erased since (its key destroyed): the request goes on by the subject id alone.
    return outcome && 'fields' in outcome ? (outcome.fields as unknown as Particulars) : undefined;
  }

  private async identifierOf(request: SubjectRequest): Promise<string | undefined> {
    return (await this.particularsOf(request))?.identifier;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private toRequest(
    row: SubjectRequestsTable,
    steps: ReadonlyArray<{ step: string; actor: string; at: string; detail: string }>,
  ): SubjectRequest {
    // `completing` is the short claim while a completion runs: shown as in progress.
    const status = (row.status === 'completing' ? 'in_progress' : row.status) as SubjectRequestStatus;
    return {
      id: row.id,
      type: row.type as SubjectRequestType,
      status,
      subjectId: row.subject_id,
      scope: JSON.parse(row.scope) as SubjectRequest['scope'],
      channel: row.channel,
      receivedAt: row.received_at,
      deadlineAt: row.deadline_at,
      isOverdue: OPEN_STATUSES.includes(status) && isPastDeadline(row.deadline_at, this.clock()),
      createdBy: row.created_by,
      verifiedBy: row.verified_by,
      verifiedAt: row.verified_at,
      startedAt: row.started_at,
      closedAt: row.closed_at,
      closedBy: row.closed_by,
      reason: row.reason,
      note: row.note,
      result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
      steps: steps.map((s) => ({
        step: s.step,
        actor: s.actor,
        at: s.at,
        detail: JSON.parse(s.detail) as Record<string, unknown>,
      })),
    };
  }
}

function mayManage(principal: Principal): void {
  if (!(SUBJECT_REQUEST_ROLES as readonly string[]).includes(principal.role))
    throw new ForbiddenError('data-subject requests are managed by compliance officers and admins', {
      role: principal.role,
    });
}
