// Fits and applies credit scorecards over the governed read path only: the caller's policy and
// grant decide which fields the analysis may use (only fields the caller sees in clear; masked or
// denied fields are never variables), the read is an audited export, and the results that leave —
// the model (bins, points, aggregate evaluation) and per-key scores with reason codes — hold no
// personal value. Every fit and score is audited with the model hash, purpose, grant and counts.

import type { Readable } from 'node:stream';
import {
  type AuditTrail,
  actorOf,
  ForbiddenError,
  type Principal,
  ValidationError,
} from '../domain/index.js';
import type { AccessPolicyService, RecordExporter, RecordItem } from '../governance/index.js';
import type { BinningOptions, BinValue } from './binning.js';
import type { ModelFile, ModelRecord, ModelRegistry } from './model-registry.js';
import {
  type FitOptions,
  fitScorecard,
  type Reason,
  type Scaling,
  type ScorecardDefinition,
  scorerOf,
} from './scorecard.js';

/** Roles that fit and apply models (their reads still need the policy and grant). */
export const ANALYST_ROLES = ['analyst'] as const;

/** A categorical candidate with more distinct values than this is an identifier, not a variable. */
const MAX_CATEGORIES = 50;

export interface FitRequest {
  dataset: string;
  target: string;
  /** The target's value that marks a bad outcome (compared as text). */
  bad: string;
  purpose: string;
  /** Model name (default `<dataset>-<target>`); each fit is its next version. */
  name?: string;
  /** Candidate variables (default: every field the caller sees in clear, except key and target). */
  variables?: string[];
  scaling?: Partial<Scaling>;
  binning?: BinningOptions;
  minIv?: number;
  maxCorrelation?: number;
}

export interface FitResult extends ModelFile {
  status: 'draft';
  /** Rows read, rows used (target present), rows left out of the read (counts only). */
  rows: { read: number; used: number; noTarget: number };
  grant: string | null;
}

export interface ScoredItem {
  key: string;
  score: number;
  probability: number;
  reasons: Reason[];
}

export interface ScoreResult {
  model: { id: string; name: string; version: number; hash: string };
  items: ScoredItem[];
  grant: string | null;
}

export class ScorecardService {
  constructor(
    private readonly deps: {
      policy: AccessPolicyService;
      exports: RecordExporter;
      registry: ModelRegistry;
      audit: AuditTrail;
      now?: () => Date;
    },
  ) {}

  async fit(principal: Principal, request: FitRequest): Promise<FitResult> {
    requireAnalyst(principal);
    const { policy } = this.deps;
    const permission = await policy.authorise(principal, request.dataset, request.purpose);
    const declared = permission.dataset.fields;
    const clear = new Set(permission.fields.filter((f) => f.access === 'clear').map((f) => f.field));
    if (!Object.hasOwn(declared, request.target))
      throw new ValidationError(`${request.dataset} has no field ${request.target}`, { field: 'target' });
    if (!clear.has(request.target))
      throw new ValidationError(
        `the target ${request.target} is not readable in clear for ${request.purpose}: a masked or denied field cannot be used`,
        { field: 'target' },
      );
    const keys = new Set(permission.dataset.naturalKey);
    let variables: string[];
    if (request.variables && request.variables.length > 0) {
      const unusable = request.variables.filter((v) => !clear.has(v) || v === request.target || keys.has(v));
      if (unusable.length > 0)
        throw new ValidationError(
          `variable(s) not usable (unknown, masked, denied, the key or the target): ${unusable.join(', ')}`,
          { field: 'variables', names: unusable },
        );
      variables = request.variables;
    } else {
      variables = Object.entries(declared)
        .filter(
          ([name, field]) =>
            clear.has(name) &&
            name !== request.target &&
            !keys.has(name) &&
            ['string', 'integer', 'number', 'boolean'].includes(field.type),
        )
        .map(([name]) => name);
    }
    if (variables.length === 0)
      throw new ValidationError(
        `no variable of ${request.dataset} is readable in clear for ${request.purpose}`,
        {
          field: 'variables',
        },
      );

    const items = await this.read(principal, request.dataset, request.purpose, [
      ...variables,
      request.target,
    ]);
    const rows = items.filter((i) => !isAbsent(i.fields[request.target]));
    const target = Uint8Array.from(rows, (i) => (String(i.fields[request.target]) === request.bad ? 1 : 0));
    const columns = new Map<string, BinValue[]>();
    for (const v of variables) {
      const numeric = declared[v]!.type === 'integer' || declared[v]!.type === 'number';
      const values = rows.map((i) => toBinValue(i.fields[v], numeric));
      // Free text with many distinct values (names, ids) would be a lookup table, not a variable.
      if (!numeric && new Set(values).size > MAX_CATEGORIES) continue;
      columns.set(v, values);
    }
    let definition: ScorecardDefinition;
    try {
      definition = fitScorecard(
        { columns, target },
        {
          name: request.name ?? `${request.dataset}-${request.target}`,
          dataset: request.dataset,
          purpose: request.purpose,
          target: request.target,
          bad: request.bad,
          createdBy: principal.username,
          createdAt: (this.deps.now ?? (() => new Date()))().toISOString(),
        },
        fitOptions(request),
      );
    } catch (error) {
      // The fitting code reports data that cannot be fitted (one outcome only, no informative
      // variable) as a RangeError: for the caller that is bad input, not a fault.
      if (error instanceof RangeError) throw new ValidationError(error.message, { field: 'target' });
      throw error;
    }
    const model = await this.deps.registry.register(definition);
    const grant = permission.grant?.id ?? null;
    await this.deps.audit.record([
      {
        actor: actorOf(principal),
        action: 'analytics.scorecard_fit',
        target: `model:${model.id}`,
        purpose: request.purpose,
        details: {
          dataset: request.dataset,
          grant,
          name: model.name,
          version: model.version,
          hash: model.hash.sha256,
          hashSm3: model.hash.sm3,
          rows: rows.length,
          bads: definition.training.bads,
          variables: definition.variables.map((v) => v.name),
        },
      },
    ]);
    return {
      ...model,
      status: 'draft',
      rows: { read: items.length, used: rows.length, noTarget: items.length - rows.length },
      grant,
    };
  }

  /** Scores a dataset with an approved model (from the registry, or a model file checked against it). */
  async score(
    principal: Principal,
    model: (ModelRecord & { definition: ScorecardDefinition }) | { file: unknown },
    dataset: string,
    purpose: string,
  ): Promise<ScoreResult> {
    requireAnalyst(principal);
    const resolved =
      'file' in model
        ? await this.deps.registry.resolveForScoring(model.file)
        : this.deps.registry.requireApproved(model);
    const { definition } = resolved;
    if (purpose !== definition.purpose)
      throw new ForbiddenError(
        `model ${resolved.name} was approved for purpose ${definition.purpose}, not ${purpose}`,
        { model: resolved.id },
      );
    const permission = await this.deps.policy.authorise(principal, dataset, purpose);
    const scorer = scorerOf(definition);
    const unusable = scorer.variables.filter(
      (v) => permission.fields.find((f) => f.field === v)?.access !== 'clear',
    );
    if (unusable.length > 0)
      throw new ValidationError(
        `the model needs field(s) not readable in clear in ${dataset} for ${purpose}: ${unusable.join(', ')}`,
        { field: 'dataset', names: unusable },
      );
    const items = await this.read(principal, dataset, purpose, scorer.variables);
    const numeric = new Map(definition.variables.map((v) => [v.name, v.kind === 'numeric'] as const));
    const scored = items.map((item) => {
      const row: Record<string, unknown> = {};
      for (const v of scorer.variables) row[v] = toBinValue(item.fields[v], numeric.get(v) === true);
      return { key: item.key, ...scorer.score(row) };
    });
    const grant = permission.grant?.id ?? null;
    await this.deps.audit.record([
      {
        actor: actorOf(principal),
        action: 'analytics.scorecard_score',
        target: `model:${resolved.id}`,
        purpose,
        details: {
          dataset,
          grant,
          name: resolved.name,
          version: resolved.version,
          hash: resolved.hash,
          count: scored.length,
        },
      },
    ]);
    return {
      model: { id: resolved.id, name: resolved.name, version: resolved.version, hash: resolved.hash },
      items: scored,
      grant,
    };
  }

  /** Reads the named fields of every current record through the audited export (NDJSON). */
  private async read(
    principal: Principal,
    dataset: string,
    purpose: string,
    fields: string[],
  ): Promise<RecordItem[]> {
    const started = await this.deps.exports.start(principal, dataset, {
      purpose,
      format: 'ndjson',
      fields,
      includeDeleted: false,
    });
    return parseNdjson(started.body);
  }
}

function requireAnalyst(principal: Principal): void {
  if (!(ANALYST_ROLES as readonly string[]).includes(principal.role))
    throw new ForbiddenError('only an analyst fits and applies scorecards', { role: principal.role });
}

function fitOptions(request: FitRequest): FitOptions {
  return {
    ...(request.scaling ? { scaling: request.scaling } : {}),
    ...(request.binning ? { binning: request.binning } : {}),
    ...(request.minIv === undefined ? {} : { minIv: request.minIv }),
    ...(request.maxCorrelation === undefined ? {} : { maxCorrelation: request.maxCorrelation }),
  };
}

const isAbsent = (v: unknown) => v === null || v === undefined || v === '';

/** A stored value as the binning sees it: numbers for numeric fields, text otherwise, null if absent. */
function toBinValue(value: unknown, numeric: boolean): BinValue {
  if (isAbsent(value)) return null;
  if (numeric) {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function parseNdjson(body: Readable): Promise<RecordItem[]> {
  const items: RecordItem[] = [];
  let rest = '';
  for await (const chunk of body) {
    rest += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line !== '') items.push(JSON.parse(line) as RecordItem);
  }
  if (rest.trim() !== '') items.push(JSON.parse(rest) as RecordItem);
  return items;
}
