// The access-policy evaluator (docs/access.md): for one principal, dataset and purpose, decides
// field by field whether a value is shown in clear, masked or denied, and names the rule that
// decided. Pure: the caller supplies the workspace's policies, the fields' classification and the
// time. Modelled on Apache Ranger, stricter: deny items (minus their exceptions) first, then allow
// items (minus theirs); nothing matched is denied.

import {
  type Category,
  type EntityType,
  type Level,
  type Locale,
  type MessageKey,
  type Role,
  translate,
} from '../domain/index.js';
import type {
  FieldMatcher,
  MaskKind,
  PolicyCondition,
  PolicyDeclaration,
  PolicyItem,
  RoleDeclaration,
  RowCondition,
} from '../workspace/index.js';
import { ENTITY_MASKS } from './masks.js';
import { isWithinValidity } from './validity.js';

/** What the evaluator needs to know of a field: its declaration and classification. */
export interface FieldFacts {
  name: string;
  /** JR/T 0171 category; null = not personal information. */
  category: Category | null;
  level: Level;
  dataCategory?: string;
  isSensitive: boolean;
  /** The entity type the classifier found (chooses the default mask). */
  entity?: EntityType;
}

export interface AccessPrincipal {
  username: string;
  role: Role;
}

export interface AccessQuery {
  principal: AccessPrincipal;
  dataset: { name: string; purposes: readonly string[] };
  purpose: string;
  fields: readonly FieldFacts[];
  at: Date;
}

export interface AccessRules {
  policies: readonly PolicyDeclaration[];
  roles: readonly RoleDeclaration[];
  defaultMasks: Partial<Record<EntityType, MaskKind>>;
  fallbackMask: MaskKind;
}

export type RefusalCode = 'no_policy' | 'purpose_not_allowed';

/** Why a rule decided: a key of the message catalogues and its values, rendered per locale. */
export interface Reason {
  key: ReasonKey;
  params: Record<string, string | number>;
}

export type ReasonKey = Extract<MessageKey, `access.reason.${string}`>;

/** A reason in the reader's language (src/domain/messages). */
export function reasonText(reason: Reason, locale: Locale): string {
  return translate(locale, reason.key, reason.params);
}

const because = (key: ReasonKey, params: Record<string, string | number> = {}): Reason => ({ key, params });

export interface FieldDecision {
  field: string;
  access: 'clear' | 'masked' | 'denied';
  mask?: MaskKind;
  /** The policy item that decided, e.g. `risk-credit/deny[0]`, or `default` when nothing matched. */
  rule: string;
  reason: Reason;
}

export interface AccessDecision {
  dataset: string;
  purpose: string;
  /** The principal's roles for this dataset and purpose: the built-in role and declared ones. */
  roles: string[];
  /** Set when the read is refused outright. */
  refusal?: { code: RefusalCode; reason: Reason };
  /** Policies that allowed at least one field. */
  policies: string[];
  /** Whether any allowing policy requires an approved grant. */
  requiresApproval: boolean;
  fields: FieldDecision[];
  /** Conditions every returned record must satisfy (row filters of the applicable policies). */
  rowFilters: Array<{ rule: string; where: RowCondition }>;
}

/**
 * The principal's roles for a dataset and purpose: its built-in role, and each declared role that
 * lists the user, is based on that built-in role and (when it lists any) covers the dataset and purpose.
 */
export function rolesOf(
  principal: AccessPrincipal,
  declared: readonly RoleDeclaration[],
  dataset: string,
  purpose: string,
): string[] {
  const roles = [principal.role as string];
  for (const role of declared) {
    if (!role.users.includes(principal.username) || role.base !== principal.role) continue;
    if (role.datasets.length > 0 && !role.datasets.includes(dataset)) continue;
    if (role.purposes.length > 0 && !role.purposes.includes(purpose)) continue;
    roles.push(role.name);
  }
  return roles;
}

export function matchesField(matcher: FieldMatcher | undefined, field: FieldFacts): boolean {
  if (!matcher) return true;
  if (matcher.names && !matcher.names.includes(field.name)) return false;
  if (matcher.categories && !matcher.categories.includes(field.category ?? 'public')) return false;
  if (matcher.levels && !matcher.levels.includes(field.level)) return false;
  if (
    matcher.dataCategories &&
    (field.dataCategory === undefined || !matcher.dataCategories.includes(field.dataCategory))
  )
    return false;
  if (matcher.isSensitive !== undefined && matcher.isSensitive !== field.isSensitive) return false;
  return true;
}

interface Who {
  username: string;
  roles: readonly string[];
}

function matchesPrincipal(
  roles: readonly string[] | undefined,
  users: readonly string[] | undefined,
  who: Who,
): boolean {
  return (roles ?? []).some((r) => who.roles.includes(r)) || (users ?? []).includes(who.username);
}

/** An item's principals and purposes default to its policy's. */
function itemApplies(policy: PolicyDeclaration, item: PolicyItem, who: Who, purpose: string): boolean {
  const ownPrincipals = item.roles !== undefined || item.users !== undefined;
  const isPrincipal = ownPrincipals
    ? matchesPrincipal(item.roles, item.users, who)
    : matchesPrincipal(policy.roles, policy.users, who);
  return isPrincipal && (item.purposes ?? policy.purposes).includes(purpose);
}

/** An exception's omitted criteria match anything the item already matched. */
function exceptionApplies(exception: PolicyCondition, who: Who, purpose: string, field: FieldFacts): boolean {
  const ownPrincipals = exception.roles !== undefined || exception.users !== undefined;
  if (ownPrincipals && !matchesPrincipal(exception.roles, exception.users, who)) return false;
  if (exception.purposes && !exception.purposes.includes(purpose)) return false;
  return matchesField(exception.fields, field);
}

/** A policy without allow items allows its principals, for its purposes, every field. */
function allowItems(policy: PolicyDeclaration): PolicyItem[] {
  return policy.allow ?? [{ exceptions: [] }];
}

function maskOf(policy: PolicyDeclaration, field: FieldFacts): MaskKind | undefined {
  return policy.masks.find((m) => matchesField(m.fields, field))?.mask;
}

function defaultMask(rules: AccessRules, field: FieldFacts): MaskKind {
  if (field.entity) {
    const kind = rules.defaultMasks[field.entity] ?? ENTITY_MASKS[field.entity];
    if (kind !== undefined && kind !== 'none') return kind;
  }
  return rules.fallbackMask;
}

export function evaluateAccess(rules: AccessRules, query: AccessQuery): AccessDecision {
  const { dataset, purpose } = query;
  const who: Who = {
    username: query.principal.username,
    roles: rolesOf(query.principal, rules.roles, dataset.name, purpose),
  };
  const decision: AccessDecision = {
    dataset: dataset.name,
    purpose,
    roles: [...who.roles],
    policies: [],
    requiresApproval: false,
    fields: [],
    rowFilters: [],
  };
  const refuse = (code: RefusalCode, reason: Reason): AccessDecision => ({
    ...decision,
    refusal: { code, reason },
    fields: query.fields.map((f) => ({ field: f.name, access: 'denied', rule: 'default', reason })),
  });

  // PIPL Art. 6: personal information is used only for the purposes it was collected for.
  if (!dataset.purposes.includes(purpose))
    return refuse(
      'purpose_not_allowed',
      because('access.reason.purpose_of_dataset', { purpose, dataset: dataset.name }),
    );

  const inForce = rules.policies.filter(
    (p) =>
      p.datasets.includes(dataset.name) &&
      (p.validity === undefined || isWithinValidity(p.validity, query.at)),
  );
  const mine = inForce.filter(
    (p) =>
      matchesPrincipal(p.roles, p.users, who) ||
      [...allowItems(p), ...p.deny].some((item) => matchesPrincipal(item.roles, item.users, who)),
  );
  if (mine.length === 0)
    return refuse(
      'no_policy',
      because('access.reason.no_policy', { user: who.username, dataset: dataset.name }),
    );
  if (!mine.some((p) => allowItems(p).some((item) => itemApplies(p, item, who, purpose))))
    return refuse(
      'purpose_not_allowed',
      because('access.reason.no_policy_for_purpose', { user: who.username, dataset: dataset.name, purpose }),
    );

  const allowing = new Set<PolicyDeclaration>();
  for (const field of query.fields)
    decision.fields.push(decideField(rules, mine, who, purpose, field, allowing));
  if (!decision.fields.some((f) => f.access !== 'denied'))
    return refuse(
      'no_policy',
      because('access.reason.every_field_denied', { user: who.username, dataset: dataset.name, purpose }),
    );

  decision.policies = [...allowing].map((p) => p.name);
  decision.requiresApproval = [...allowing].some((p) => p.requiresApproval);
  for (const policy of allowing) {
    policy.rowFilters.forEach((filter, j) => {
      const applies =
        filter.roles === undefined && filter.users === undefined
          ? matchesPrincipal(policy.roles, policy.users, who)
          : matchesPrincipal(filter.roles, filter.users, who);
      if (applies) decision.rowFilters.push({ rule: `${policy.name}/rowFilters[${j}]`, where: filter.where });
    });
  }
  return decision;
}

function decideField(
  rules: AccessRules,
  policies: readonly PolicyDeclaration[],
  who: Who,
  purpose: string,
  field: FieldFacts,
  allowing: Set<PolicyDeclaration>,
): FieldDecision {
  // 1. deny items minus their exceptions
  for (const policy of policies) {
    for (const [j, item] of policy.deny.entries()) {
      if (!itemApplies(policy, item, who, purpose) || !matchesField(item.fields, field)) continue;
      const exception = item.exceptions.findIndex((e) => exceptionApplies(e, who, purpose, field));
      if (exception >= 0) continue;
      return {
        field: field.name,
        access: 'denied',
        rule: `${policy.name}/deny[${j}]`,
        reason: because('access.reason.deny_item'),
      };
    }
  }
  // 2. allow items minus their exceptions; the first policy (in file order) that allows decides
  for (const policy of policies) {
    for (const [j, item] of allowItems(policy).entries()) {
      if (!itemApplies(policy, item, who, purpose) || !matchesField(item.fields, field)) continue;
      if (item.exceptions.some((e) => exceptionApplies(e, who, purpose, field))) continue;
      allowing.add(policy);
      const rule = policy.allow === undefined ? `${policy.name}` : `${policy.name}/allow[${j}]`;
      const chosen = maskOf(policy, field);
      if (field.level > policy.maxClearLevel) {
        // Above the reader's clearance a value is always masked, whatever mask a policy names.
        const mask = chosen !== undefined && chosen !== 'none' ? chosen : defaultMask(rules, field);
        return {
          field: field.name,
          access: 'masked',
          mask,
          rule,
          reason: because('access.reason.above_clear_level', {
            level: field.level,
            max: policy.maxClearLevel,
          }),
        };
      }
      if (chosen !== undefined && chosen !== 'none')
        return {
          field: field.name,
          access: 'masked',
          mask: chosen,
          rule,
          reason: because('access.reason.policy_mask'),
        };
      return {
        field: field.name,
        access: 'clear',
        rule,
        reason: because('access.reason.within_clear_level', {
          level: field.level,
          max: policy.maxClearLevel,
        }),
      };
    }
  }
  return {
    field: field.name,
    access: 'denied',
    rule: 'default',
    reason: because('access.reason.default_deny'),
  };
}
