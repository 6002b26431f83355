// Applies the workspace's access policies to a principal: field facts from the declarations and
// the stored classification, the pure evaluator, then the grant a policy with `requiresApproval`
// needs. `explain` answers "what would this user see, and which rule decided" without reading data;
// `authorise` is the same decision turned into a permission for one read, or a refusal.

import type { Kysely } from 'kysely';
import { entityTypeForFieldName } from '../classify/index.js';
import {
  AccessDeniedError,
  type AuditTrail,
  actorOf,
  type Category,
  type Clock,
  categoryFromDeclaration,
  type EntityType,
  effectiveLevel,
  type Level,
  type Locale,
  NotFoundError,
  type Principal,
  systemClock,
  ValidationError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import {
  changePolicies,
  type DatasetDeclaration,
  type PolicyChange,
  type PolicyDeclaration,
  type Workspace,
} from '../workspace/index.js';
import {
  type AccessDecision,
  type AccessPrincipal,
  type AccessRules,
  evaluateAccess,
  type FieldDecision,
  type FieldFacts,
  type RefusalCode,
  reasonText,
} from './access-policy.js';
import type { Grant, GrantService } from './grant-service.js';

/** A field decision with its reason in the reader's language. */
export type ExplainedField = Omit<FieldDecision, 'reason'> & { reason: string };

export interface Explanation extends Omit<AccessDecision, 'fields' | 'refusal'> {
  user: string;
  fields: ExplainedField[];
  refusal?: { code: RefusalCode; reason: string };
  /** The grant a read would use now, when one is needed and held. */
  grant?: { id: string; expiresAt: string; fields: string[] | null };
  /** What a read would answer now: `allowed`, or the refusal code. */
  outcome: 'allowed' | AccessDeniedError['code'];
}

/** What one read may do: the fields it returns and how, its row filters, the grant it uses. */
export interface ReadPermission {
  dataset: DatasetDeclaration;
  purpose: string;
  fields: Array<FieldDecision & { facts: FieldFacts }>;
  rowFilters: AccessDecision['rowFilters'];
  grant: Grant | undefined;
  policies: string[];
  /** Whether the reader sees every natural-key field in clear (else keys are shown as pseudonyms). */
  isKeyClear: boolean;
  /** The dataset holds sensitive personal information: consent must be separate (PIPL Art. 29). */
  needsSeparateConsent: boolean;
  /** The dataset's records go abroad: consent must include the transfer (PIPL Art. 39). */
  needsCrossBorderConsent: boolean;
}

export class AccessPolicyService {
  private rules: AccessRules;
  /** Policy changes one after another: each reads the file the previous one wrote. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly workspace: Workspace,
    private readonly db: Kysely<Database>,
    private readonly grants: GrantService,
    private readonly audit: AuditTrail,
    private readonly clock: Clock = systemClock,
  ) {
    this.rules = {
      policies: workspace.policies,
      roles: workspace.roles,
      defaultMasks: workspace.config.access.defaultMasks,
      fallbackMask: workspace.config.access.fallbackMask,
    };
  }

  get policies() {
    return this.workspace.policies;
  }

  get datasets() {
    return this.workspace.datasets;
  }

  /** The declared purposes, with their notice versions (consent counts per version). */
  get purposes() {
    return this.workspace.purposes;
  }

  policy(name: string): PolicyDeclaration {
    const found = this.workspace.policies.find((p) => p.name === name);
    if (!found) throw new NotFoundError(`no policy named ${name}`, { policy: name });
    return found;
  }

  /**
   * Creates, replaces or deletes a policy in policies.yaml (validated as loading validates it,
   * written atomically) and applies it to this process's reads at once. Audited with the policy's
   * name only. Other running processes apply it when they next start.
   */
  change(change: PolicyChange, actor: string): Promise<PolicyDeclaration | undefined> {
    const next = this.changes.then(async () => {
      const policies = changePolicies(this.workspace, change);
      this.workspace.policies = policies;
      this.rules = { ...this.rules, policies };
      const name = change.kind === 'create' ? (change.policy as { name: string }).name : change.name;
      await this.audit.record([{ actor, action: `policy.${change.kind}`, target: `policy:${name}` }]);
      return policies.find((p) => p.name === name);
    });
    this.changes = next.catch(() => undefined);
    return next;
  }

  dataset(name: string): DatasetDeclaration {
    const dataset = this.workspace.datasets.find((d) => d.name === name);
    if (!dataset) throw new NotFoundError(`no dataset named ${name}`, { dataset: name });
    return dataset;
  }

  /** Each declared field's category, level, sensitivity and entity: the stored classification wins. */
  async fieldFacts(dataset: DatasetDeclaration): Promise<FieldFacts[]> {
    const rows = await this.db
      .selectFrom('field_classifications')
      .selectAll()
      .where('dataset', '=', dataset.name)
      .execute();
    const stored = new Map(rows.map((r) => [r.field, r]));
    const fieldNames = this.workspace.config.classification.fieldNames;
    return Object.entries(dataset.fields).map(([name, declared]) => {
      const row = stored.get(name);
      const declaredCategory = categoryFromDeclaration(declared.category);
      const category: Category | null =
        row !== undefined ? (row.category as Category | null) : (declaredCategory ?? null);
      const entities = row ? (JSON.parse(row.entities) as Array<{ type: EntityType; share: number }>) : [];
      const entity =
        entities.find((e) => e.share >= 0.5)?.type ??
        entityTypeForFieldName(declared.from ?? name, fieldNames);
      return {
        name,
        category,
        level: row ? (row.level as Level) : effectiveLevel(category, declared.level),
        isSensitive: row ? row.sensitive === 1 : declared.isSensitive === true,
        ...(declared.dataCategory === undefined ? {} : { dataCategory: declared.dataCategory }),
        ...(entity === undefined ? {} : { entity }),
      };
    });
  }

  async decide(principal: AccessPrincipal, datasetName: string, purpose: string): Promise<AccessDecision> {
    const dataset = this.dataset(datasetName);
    return evaluateAccess(this.rules, {
      principal,
      dataset,
      purpose,
      fields: await this.fieldFacts(dataset),
      at: this.clock(),
    });
  }

  /**
   * Field by field, what the principal would see of the dataset for the purpose, and why — the
   * reasons in `locale` (src/domain/messages).
   */
  async explain(
    principal: AccessPrincipal,
    datasetName: string,
    purpose: string,
    locale: Locale = 'zh-CN',
  ): Promise<Explanation> {
    const decision = await this.decide(principal, datasetName, purpose);
    const { refusal, fields, ...rest } = decision;
    const render = (list: FieldDecision[]): ExplainedField[] =>
      list.map((f) => ({ ...f, reason: reasonText(f.reason, locale) }));
    const base = { ...rest, user: principal.username, fields: render(fields) };
    if (refusal)
      return {
        ...base,
        refusal: { code: refusal.code, reason: reasonText(refusal.reason, locale) },
        outcome: refusal.code,
      };
    if (!decision.requiresApproval) return { ...base, outcome: 'allowed' };
    const found = await this.grants.lookup(principal.username, datasetName, purpose);
    if (!found.grant) return { ...base, outcome: found.hadExpired ? 'grant_expired' : 'approval_required' };
    const grant = found.grant;
    return {
      ...base,
      fields: render(withinGrant(fields, grant)),
      grant: { id: grant.id, expiresAt: grant.expiresAt, fields: grant.fields },
      outcome: 'allowed',
    };
  }

  /**
   * The permission for one read, or the refusal (AccessDeniedError with its code). `requested`
   * narrows the fields; asking for a field the principal may not see is refused, not silently dropped.
   */
  async authorise(
    principal: AccessPrincipal,
    datasetName: string,
    purpose: string,
    requested?: readonly string[],
    options: { isProbe?: boolean } = {},
  ): Promise<ReadPermission> {
    try {
      return await this.permit(principal, datasetName, purpose, requested);
    } catch (error) {
      // A refusal is audited (the monitor's refusalBurst rule counts them per principal), unless the
      // caller only probes which datasets may be read (a lookup across datasets names them skipped).
      if (error instanceof AccessDeniedError && !options.isProbe)
        await this.audit.record([
          {
            actor: actorOfReader(principal),
            action: 'access.refused',
            target: `dataset:${datasetName}`,
            purpose,
            details: { code: error.code },
          },
        ]);
      throw error;
    }
  }

  private async permit(
    principal: AccessPrincipal,
    datasetName: string,
    purpose: string,
    requested?: readonly string[],
  ): Promise<ReadPermission> {
    const dataset = this.dataset(datasetName);
    const facts = await this.fieldFacts(dataset);
    const decision = evaluateAccess(this.rules, {
      principal,
      dataset,
      purpose,
      fields: facts,
      at: this.clock(),
    });
    if (decision.refusal)
      throw new AccessDeniedError(decision.refusal.code, reasonText(decision.refusal.reason, 'en'), {
        dataset: datasetName,
        purpose,
      });
    let fields = decision.fields;
    let grant: Grant | undefined;
    if (decision.requiresApproval) {
      const found = await this.grants.lookup(principal.username, datasetName, purpose);
      if (!found.grant) {
        throw found.hadExpired
          ? new AccessDeniedError(
              'grant_expired',
              `the grant for ${datasetName} (${purpose}) has expired or was revoked`,
              {
                dataset: datasetName,
                purpose,
              },
            )
          : new AccessDeniedError(
              'approval_required',
              `reading ${datasetName} for ${purpose} needs an approved access request`,
              {
                dataset: datasetName,
                purpose,
              },
            );
      }
      grant = found.grant;
      fields = withinGrant(fields, grant);
    }
    const whole = fields;
    const isKeyClear = dataset.naturalKey.every(
      (name) => whole.find((f) => f.field === name)?.access === 'clear',
    );
    if (requested !== undefined) {
      const known = new Set(Object.keys(dataset.fields));
      const unknown = requested.filter((f) => !known.has(f));
      if (unknown.length > 0)
        throw new ValidationError(`unknown field(s) of ${datasetName}: ${unknown.join(', ')}`, {
          fields: unknown,
        });
      const denied = requested.filter((f) => fields.find((d) => d.field === f)?.access === 'denied');
      if (denied.length > 0) {
        throw new AccessDeniedError(
          grant && denied.every((f) => grant.fields !== null && !grant.fields.includes(f))
            ? 'approval_required'
            : 'no_policy',
          `field(s) not allowed: ${denied.join(', ')}`,
          { dataset: datasetName, purpose, fields: denied },
        );
      }
      fields = requested.map((f) => fields.find((d) => d.field === f)!);
    }
    const factsOf = new Map(facts.map((f) => [f.name, f]));
    return {
      isKeyClear,
      needsSeparateConsent: facts.some((f) => f.isSensitive),
      needsCrossBorderConsent: dataset.crossBorder.length > 0,
      dataset,
      purpose,
      fields: fields
        .filter((f) => f.access !== 'denied')
        .map((f) => ({ ...f, facts: factsOf.get(f.field)! })),
      rowFilters: decision.rowFilters,
      grant,
      policies: decision.policies,
    };
  }
}

/** A grant that lists fields narrows the decision to them. */
function withinGrant(fields: FieldDecision[], grant: Grant): FieldDecision[] {
  if (grant.fields === null) return fields;
  const granted = grant.fields;
  return fields.map((f) =>
    f.access === 'denied' || granted.includes(f.field)
      ? f
      : {
          field: f.field,
          access: 'denied',
          rule: `grant:${grant.id}`,
          reason: { key: 'access.reason.not_granted', params: {} },
        },
  );
}

/** The audit actor of a reader: a full principal names its token too. */
function actorOfReader(principal: AccessPrincipal): string {
  return 'via' in principal ? actorOf(principal as Principal) : `user:${principal.username}`;
}
