import { describe, expect, it } from 'vitest';
import {
  type PolicyDeclaration,
  policySchema,
  type RoleDeclaration,
  roleSchema,
} from '../workspace/index.js';
import {
  type AccessPrincipal,
  type AccessRules,
  evaluateAccess,
  type FieldDecision,
  type FieldFacts,
} from './access-policy.js';
import { matchesRow } from './row-filter.js';
import { isWithinValidity, zonedInstant } from './validity.js';

const fields: FieldFacts[] = [
  { name: 'report_id', category: 'C1', level: 2, isSensitive: false },
  {
    name: 'name',
    category: 'C2',
    level: 3,
    isSensitive: false,
    dataCategory: 'identity',
    entity: 'PERSON_NAME',
  },
  {
    name: 'id_no',
    category: 'C2',
    level: 3,
    isSensitive: true,
    dataCategory: 'identity',
    entity: 'CN_RESIDENT_ID',
  },
  { name: 'credit_score', category: 'C2', level: 3, isSensitive: false, dataCategory: 'credit' },
  { name: 'region', category: null, level: 1, isSensitive: false },
];
const dataset = { name: 'credit_reports', purposes: ['credit_assessment', 'customer_service'] };
const at = new Date('2026-06-01T04:00:00Z');

function rules(policies: unknown[], roles: unknown[] = []): AccessRules {
  return {
    policies: policies.map((p) => policySchema.parse(p) as PolicyDeclaration),
    roles: roles.map((r) => roleSchema.parse(r) as RoleDeclaration),
    defaultMasks: {},
    fallbackMask: 'mask',
  };
}
const demoPolicy = {
  name: 'risk',
  roles: ['risk_analyst', 'analyst'],
  datasets: ['credit_reports'],
  purposes: ['credit_assessment'],
  maxClearLevel: 2,
  requiresApproval: true,
};
const alice: AccessPrincipal = { username: 'alice', role: 'analyst' };
const query = (purpose = 'credit_assessment', principal = alice) => ({
  principal,
  dataset,
  purpose,
  fields,
  at,
});
const byField = (d: ReturnType<typeof evaluateAccess>): Record<string, FieldDecision> =>
  Object.fromEntries(d.fields.map((f) => [f.field, f]));

describe('evaluateAccess', () => {
  it('the demo policy shows levels up to 2 in clear and masks the rest with the entity presets', () => {
    const d = evaluateAccess(rules([demoPolicy]), query());
    expect(d.refusal).toBeUndefined();
    expect(d.requiresApproval).toBe(true);
    const f = byField(d);
    expect(f.report_id).toMatchObject({ access: 'clear', rule: 'risk' });
    expect(f.name).toMatchObject({ access: 'masked', mask: 'name' });
    expect(f.id_no).toMatchObject({ access: 'masked', mask: 'resident_id' });
    expect(f.credit_score).toMatchObject({ access: 'masked', mask: 'mask' });
  });

  it('nothing matched is denied: another role gets no_policy', () => {
    const d = evaluateAccess(
      rules([demoPolicy]),
      query('credit_assessment', { username: 'eve', role: 'auditor' }),
    );
    expect(d.refusal?.code).toBe('no_policy');
    expect(d.fields.every((f) => f.access === 'denied')).toBe(true);
  });

  it('a purpose outside the dataset or the policy is purpose_not_allowed', () => {
    expect(evaluateAccess(rules([demoPolicy]), query('market_analysis')).refusal?.code).toBe(
      'purpose_not_allowed',
    );
    expect(evaluateAccess(rules([demoPolicy]), query('customer_service')).refusal?.code).toBe(
      'purpose_not_allowed',
    );
  });

  it('a deny item beats an allow item, and a deny exception lets the allow item decide', () => {
    const policy = {
      ...demoPolicy,
      maxClearLevel: 3,
      allow: [{ roles: ['analyst'] }],
      deny: [{ fields: { isSensitive: true }, exceptions: [{ users: ['bob'] }] }],
    };
    const f = byField(evaluateAccess(rules([policy]), query()));
    expect(f.id_no).toMatchObject({ access: 'denied', rule: 'risk/deny[0]' });
    expect(f.name).toMatchObject({ access: 'clear', rule: 'risk/allow[0]' });
    const g = byField(
      evaluateAccess(rules([policy]), query('credit_assessment', { username: 'bob', role: 'analyst' })),
    );
    expect(g.id_no).toMatchObject({ access: 'clear', rule: 'risk/allow[0]' });
  });

  it('a deny item in one policy beats an allow item of another', () => {
    const open = { ...demoPolicy, name: 'open', maxClearLevel: 5 };
    const deny = {
      ...demoPolicy,
      name: 'no-credit',
      allow: [],
      deny: [{ fields: { dataCategories: ['credit'] } }],
    };
    const f = byField(evaluateAccess(rules([open, deny]), query()));
    expect(f.credit_score).toMatchObject({ access: 'denied', rule: 'no-credit/deny[0]' });
    expect(f.id_no?.access).toBe('clear');
  });

  it('allow exceptions carve fields out of an allow item', () => {
    const policy = { ...demoPolicy, allow: [{ exceptions: [{ fields: { categories: ['C2'] } }] }] };
    const f = byField(evaluateAccess(rules([policy]), query()));
    expect(f.report_id?.access).toBe('clear');
    expect(f.name).toMatchObject({ access: 'denied', rule: 'default' });
  });

  it('a value above the clearance is masked even when the policy says none', () => {
    const policy = { ...demoPolicy, masks: [{ fields: { names: ['id_no', 'report_id'] }, mask: 'none' }] };
    const f = byField(evaluateAccess(rules([policy]), query()));
    expect(f.id_no).toMatchObject({ access: 'masked', mask: 'resident_id' });
    const hashed = { ...demoPolicy, masks: [{ fields: { names: ['report_id'] }, mask: 'hash' }] };
    expect(byField(evaluateAccess(rules([hashed]), query())).report_id).toMatchObject({
      access: 'masked',
      mask: 'hash',
    });
  });

  it('declared roles apply to the users they list, on their base role, datasets and purposes', () => {
    const policy = { ...demoPolicy, roles: ['risk_analyst'] };
    const role = {
      name: 'risk_analyst',
      title: 'r',
      base: 'analyst',
      users: ['alice'],
      datasets: ['credit_reports'],
    };
    expect(evaluateAccess(rules([policy], [role]), query()).refusal).toBeUndefined();
    expect(
      evaluateAccess(
        rules([policy], [role]),
        query('credit_assessment', { username: 'bob', role: 'analyst' }),
      ).refusal?.code,
    ).toBe('no_policy');
    expect(
      evaluateAccess(
        rules([policy], [role]),
        query('credit_assessment', { username: 'alice', role: 'auditor' }),
      ).refusal?.code,
    ).toBe('no_policy');
  });

  it('a policy outside its validity window does not apply', () => {
    const policy = { ...demoPolicy, validity: { start: '2026-06-01T12:00', timeZone: 'Asia/Shanghai' } };
    // 04:00Z is 12:00 in Shanghai: in force from that minute.
    expect(evaluateAccess(rules([policy]), query()).refusal).toBeUndefined();
    const early = { ...query(), at: new Date('2026-06-01T03:59:59Z') };
    expect(evaluateAccess(rules([policy]), early).refusal?.code).toBe('no_policy');
  });

  it('collects the row filters of the allowing policies for the principal', () => {
    const policy = {
      ...demoPolicy,
      rowFilters: [
        { where: { field: 'region', in: ['east'] } },
        { users: ['zed'], where: { field: 'region', eq: 'x' } },
      ],
    };
    const d = evaluateAccess(rules([policy]), query());
    expect(d.rowFilters).toEqual([{ rule: 'risk/rowFilters[0]', where: { field: 'region', in: ['east'] } }]);
  });
});

describe('row filters', () => {
  it('evaluate structured conditions on clear fields', () => {
    const row = { region: 'east', score: 620, closed: null };
    expect(matchesRow({ field: 'region', in: ['east', 'west'] }, row)).toBe(true);
    expect(matchesRow({ field: 'region', notIn: ['east'] }, row)).toBe(false);
    expect(
      matchesRow(
        {
          all: [
            { field: 'score', gte: 600 },
            { field: 'closed', isNull: true },
          ],
        },
        row,
      ),
    ).toBe(true);
    expect(
      matchesRow(
        {
          any: [
            { field: 'score', lt: 600 },
            { field: 'region', ne: 'east' },
          ],
        },
        row,
      ),
    ).toBe(false);
    expect(matchesRow({ field: 'missing', gt: 1 }, row)).toBe(false);
  });
});

describe('validity windows', () => {
  it('reads local times in the named zone, across daylight saving', () => {
    expect(new Date(zonedInstant('2026-01-01T08:00', 'Asia/Shanghai')).toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(new Date(zonedInstant('2026-07-01T12:00', 'Europe/Berlin')).toISOString()).toBe(
      '2026-07-01T10:00:00.000Z',
    );
    expect(new Date(zonedInstant('2026-01-01', 'Europe/Berlin')).toISOString()).toBe(
      '2025-12-31T23:00:00.000Z',
    );
    const window = { start: '2026-01-01', end: '2026-02-01', timeZone: 'UTC' };
    expect(isWithinValidity(window, new Date('2026-01-31T23:59:59Z'))).toBe(true);
    expect(isWithinValidity(window, new Date('2026-02-01T00:00:00Z'))).toBe(false);
  });
});
