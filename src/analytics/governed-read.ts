// How analytics reads: through the governed read path only (DESIGN.md "Analytics"). The policy is
// asked first, so an analysis refuses fields it would only see masked (a masked amount is no
// number; a partially masked identifier would merge people), then every page goes through the
// record read service under the caller's purpose and grant, each page audited there.

import type { IdentifierKind } from '../crypto/index.js';
import { IDENTIFIER_KINDS } from '../crypto/index.js';
import { ForbiddenError, type Principal } from '../domain/index.js';
import {
  type AccessPolicyService,
  type KeyService,
  Pseudonymiser,
  type RecordItem,
  type RecordReadService,
} from '../governance/index.js';

export interface AnalyticsReadDeps {
  policy: AccessPolicyService;
  records: RecordReadService;
  keys: () => KeyService;
}

export interface AnalysisInput {
  dataset: string;
  purpose: string;
  /** Fields read as numbers, dates or categories: they must be shown in clear. */
  clear: string[];
  /** The field identifying the subject (absent: the record's key): clear or `hash`-masked. */
  subject?: string;
}

export interface AnalysisRows {
  rows: Array<{ pseudonym: string; fields: Record<string, unknown> }>;
  grant: string | null;
  fields: string[];
  withheld: { noConsent: number; filtered: number; damaged: number; erased: number };
}

const PAGE = 1000;
const PSEUDONYM = /^p_[0-9a-f]{24}$/;

export async function readForAnalysis(
  deps: AnalyticsReadDeps,
  principal: Principal,
  input: AnalysisInput,
): Promise<AnalysisRows> {
  const fields = [...new Set([...input.clear, ...(input.subject ? [input.subject] : [])])];
  const permission = await deps.policy.authorise(principal, input.dataset, input.purpose, fields);
  for (const name of input.clear) {
    const decision = permission.fields.find((f) => f.field === name);
    if (decision?.access !== 'clear')
      throw new ForbiddenError(
        `analysis needs ${input.dataset}.${name} in clear; for ${input.purpose} you see it ${decision?.mask ?? decision?.access ?? 'not at all'}`,
        { dataset: input.dataset, field: name, purpose: input.purpose },
      );
  }
  let kind: IdentifierKind = 'text';
  if (input.subject) {
    const decision = permission.fields.find((f) => f.field === input.subject);
    if (decision?.access !== 'clear' && decision?.mask !== 'hash')
      throw new ForbiddenError(
        `the subject field ${input.dataset}.${input.subject} must be readable in clear or as a pseudonym (mask: hash)`,
        { dataset: input.dataset, field: input.subject, purpose: input.purpose },
      );
    kind = (decision.facts.entity && IDENTIFIER_KINDS[decision.facts.entity]) || 'text';
  }
  let pseudonymiser: Pseudonymiser | undefined;
  const pseudonymOf = (value: string, valueKind: IdentifierKind): string => {
    // Already the `hash` mask's pseudonym: kept, so derived rows join with pseudonymised reads.
    if (PSEUDONYM.test(value)) return value;
    if (!pseudonymiser) {
      const keys = deps.keys();
      pseudonymiser = new Pseudonymiser(keys.suite, keys.blindIndexKey());
    }
    return pseudonymiser.fromValue(valueKind, value);
  };
  const rows: AnalysisRows['rows'] = [];
  const withheld = { noConsent: 0, filtered: 0, damaged: 0, erased: 0 };
  let grant: string | null = permission.grant?.id ?? null;
  let cursor: string | undefined;
  do {
    const page = await deps.records.list(principal, input.dataset, {
      purpose: input.purpose,
      fields,
      limit: PAGE,
      includeDeleted: false,
      ...(cursor === undefined ? {} : { cursor }),
    });
    grant = page.grant;
    withheld.noConsent += page.withheld.noConsent;
    withheld.filtered += page.withheld.filtered;
    withheld.damaged += page.damaged.length;
    withheld.erased += page.erased;
    for (const item of page.items) rows.push(toRow(item, input.subject, kind, pseudonymOf));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { rows, grant, fields, withheld };
}

function toRow(
  item: RecordItem,
  subject: string | undefined,
  kind: IdentifierKind,
  pseudonymOf: (value: string, kind: IdentifierKind) => string,
): AnalysisRows['rows'][number] {
  const { [subject ?? '']: who, ...rest } = item.fields;
  const id = subject === undefined ? item.key : who === null || who === undefined ? null : String(who);
  return {
    // A subject without a value is its record's own (pseudonymised) subject.
    pseudonym: id === null ? pseudonymOf(item.key, 'text') : pseudonymOf(id, subject ? kind : 'text'),
    fields: subject === undefined ? item.fields : rest,
  };
}

/** A finite number from a field value (numbers, numeric strings), or null. */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A text value of a field (categories, periods), or null. */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  return typeof value === 'string' ? value : String(value);
}
