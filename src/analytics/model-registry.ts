// Versioned, hashed analytics models and their approval. A model's identity is the SHA-256 (and
// SM3) of its definition's canonical JSON; a new fit of the same name is the next version. Only a
// compliance officer may approve or reject, never the person who fitted it (separation of duties),
// and only an approved model may score (PIPL Art. 24/55: automated decisions are assessed first).

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../audit/index.js';
import { digest } from '../crypto/index.js';
import {
  type AuditTrail,
  actorOf,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type Principal,
  ValidationError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import { SCORECARD_FORMAT, type ScorecardDefinition } from './scorecard.js';

export const MODEL_STATUSES = ['draft', 'approved', 'rejected'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** Roles that decide on models. */
export const MODEL_APPROVER_ROLES = ['compliance_officer'] as const;

/** Roles that may list and inspect models (bins, weights and aggregates; no personal value). */
export const MODEL_READER_ROLES = ['analyst', 'compliance_officer', 'auditor', 'admin'] as const;

export interface ModelHashes {
  sha256: string;
  sm3: string;
}

export interface ModelRecord {
  id: string;
  kind: 'scorecard';
  name: string;
  version: number;
  hash: string;
  hashSm3: string;
  dataset: string;
  purpose: string;
  createdBy: string;
  createdAt: string;
  status: ModelStatus;
  approvedBy: string | null;
  approvedAt: string | null;
  rejectedBy: string | null;
  rejectedAt: string | null;
  reason: string | null;
}

/** The model file `custos scorecard fit --out` writes: the registry entry plus the definition. */
export interface ModelFile {
  id: string;
  name: string;
  version: number;
  hash: ModelHashes;
  definition: ScorecardDefinition;
}

/** SHA-256 and SM3 of the definition's canonical JSON (keys sorted, no spaces). */
export function hashDefinition(definition: ScorecardDefinition): ModelHashes {
  const bytes = Buffer.from(canonicalJson(definition), 'utf8');
  return { sha256: digest('sha256', bytes).toString('hex'), sm3: digest('sm3', bytes).toString('hex') };
}

type Row = Database['analytics_models'];

function toRecord(r: Omit<Row, 'definition'>): ModelRecord {
  return {
    id: r.id,
    kind: r.kind as 'scorecard',
    name: r.name,
    version: Number(r.version),
    hash: r.hash,
    hashSm3: r.hash_sm3,
    dataset: r.dataset,
    purpose: r.purpose,
    createdBy: r.created_by,
    createdAt: r.created_at,
    status: r.status as ModelStatus,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    rejectedBy: r.rejected_by,
    rejectedAt: r.rejected_at,
    reason: r.decision_reason,
  };
}

const SUMMARY_COLUMNS = [
  'id',
  'kind',
  'name',
  'version',
  'hash',
  'hash_sm3',
  'dataset',
  'purpose',
  'created_by',
  'created_at',
  'status',
  'approved_by',
  'approved_at',
  'rejected_by',
  'rejected_at',
  'decision_reason',
] as const;

export class ModelRegistry {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stores a fitted definition as the next version of its name, in draft. */
  async register(definition: ScorecardDefinition): Promise<ModelFile> {
    const hash = hashDefinition(definition);
    const id = `mdl_${randomUUID()}`;
    // The version is the next of the name; the unique (name, version) index settles a race.
    const latest = await this.db
      .selectFrom('analytics_models')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('name', '=', definition.name)
      .executeTakeFirst();
    const version = Number(latest?.version ?? 0) + 1;
    await this.db
      .insertInto('analytics_models')
      .values({
        id,
        kind: 'scorecard',
        name: definition.name,
        version,
        hash: hash.sha256,
        hash_sm3: hash.sm3,
        dataset: definition.dataset,
        purpose: definition.purpose,
        definition: canonicalJson(definition),
        created_by: definition.createdBy,
        created_at: definition.createdAt,
        status: 'draft',
        approved_by: null,
        approved_at: null,
        rejected_by: null,
        rejected_at: null,
        decision_reason: null,
      })
      .execute();
    return { id, name: definition.name, version, hash, definition };
  }

  /** Models, newest first, for a role that may see them. */
  async list(principal: Principal, filter: { status?: ModelStatus } = {}): Promise<ModelRecord[]> {
    if (!(MODEL_READER_ROLES as readonly string[]).includes(principal.role))
      throw new ForbiddenError('models are listed to analysts, compliance officers, auditors and admins', {
        role: principal.role,
      });
    let query = this.db
      .selectFrom('analytics_models')
      .select(SUMMARY_COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('version', 'desc');
    if (filter.status) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toRecord);
  }

  async get(id: string): Promise<ModelRecord & { definition: ScorecardDefinition }> {
    const row = await this.db
      .selectFrom('analytics_models')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no model ${id}`, { model: id });
    return { ...toRecord(row), definition: JSON.parse(row.definition) as ScorecardDefinition };
  }

  /**
   * The registered model a file claims to be: its definition must hash to the registered hash (an
   * edited file is refused), and the model must be approved to score.
   */
  async resolveForScoring(file: unknown): Promise<ModelRecord & { definition: ScorecardDefinition }> {
    const parsed = parseModelFile(file);
    const model = await this.get(parsed.id);
    const hash = hashDefinition(parsed.definition);
    if (hash.sha256 !== model.hash || hash.sm3 !== model.hashSm3)
      throw new ConflictError(
        `the model file's content does not match registered model ${model.name} v${model.version} (hash differs): use the file written by fit`,
        { model: model.id },
      );
    return this.requireApproved(model);
  }

  /** Refuses a model that is not approved, saying what to do. */
  requireApproved<M extends ModelRecord>(model: M): M {
    if (model.status !== 'approved')
      throw new ForbiddenError(
        model.status === 'rejected'
          ? `model ${model.name} v${model.version} was rejected and cannot score`
          : `model ${model.name} v${model.version} is not approved: a compliance officer must approve it before it scores (custos scorecard approve ${model.id})`,
        { model: model.id, status: model.status },
      );
    return model;
  }

  /** A compliance officer's decision on a draft; never the person who fitted it. Audited. */
  async decide(
    principal: Principal,
    id: string,
    decision: 'approved' | 'rejected',
    reason?: string,
  ): Promise<ModelRecord> {
    if (!(MODEL_APPROVER_ROLES as readonly string[]).includes(principal.role))
      throw new ForbiddenError('only a compliance officer decides on models', { role: principal.role });
    const model = await this.get(id);
    if (model.createdBy === principal.username)
      throw new ForbiddenError('the person who fitted a model may not decide on it (separation of duties)', {
        model: id,
      });
    if (model.status !== 'draft')
      throw new ConflictError(`model ${id} is already ${model.status}`, { model: id });
    if (reason !== undefined && reason.length > 500)
      throw new ValidationError('reason must be at most 500 characters', { field: 'reason' });
    const at = this.now().toISOString();
    const updated = await this.db
      .updateTable('analytics_models')
      .set(
        decision === 'approved'
          ? {
              status: 'approved',
              approved_by: principal.username,
              approved_at: at,
              decision_reason: reason ?? null,
            }
          : {
              status: 'rejected',
              rejected_by: principal.username,
              rejected_at: at,
              decision_reason: reason ?? null,
            },
      )
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1)
      throw new ConflictError(`model ${id} was decided meanwhile`, { model: id });
    await this.audit.record([
      {
        actor: actorOf(principal),
        action: decision === 'approved' ? 'analytics.model_approve' : 'analytics.model_reject',
        target: `model:${id}`,
        purpose: model.purpose,
        details: {
          name: model.name,
          version: model.version,
          hash: model.hash,
          hashSm3: model.hashSm3,
          dataset: model.dataset,
          fittedBy: model.createdBy,
        },
      },
    ]);
    return {
      ...model,
      status: decision,
      ...(decision === 'approved'
        ? { approvedBy: principal.username, approvedAt: at }
        : { rejectedBy: principal.username, rejectedAt: at }),
      reason: reason ?? null,
    };
  }
}

/** Checks the shape of a model file (read from disk or a request) before trusting any of it. */
export function parseModelFile(file: unknown): ModelFile {
  const f = file as Partial<ModelFile> | null;
  const d = f?.definition as Partial<ScorecardDefinition> | undefined;
  if (
    typeof f !== 'object' ||
    f === null ||
    typeof f.id !== 'string' ||
    typeof f.name !== 'string' ||
    typeof f.version !== 'number' ||
    typeof f.hash?.sha256 !== 'string' ||
    typeof d !== 'object' ||
    d === null ||
    d.format !== SCORECARD_FORMAT ||
    !Array.isArray(d.variables)
  )
    throw new ValidationError(
      `not a scorecard model file (${SCORECARD_FORMAT}, as written by custos scorecard fit)`,
      {
        field: 'model',
      },
    );
  return f as ModelFile;
}
