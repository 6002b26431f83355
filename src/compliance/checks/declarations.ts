// Checks over the workspace's declarations (datasets, purposes, vendors, policies, roles, sources)
// and the classification the pipeline recorded for each field.

import type { Category } from '../../domain/index.js';
import { effectiveLevel, levelFloor } from '../../domain/index.js';
import type { DatasetDeclaration, Workspace } from '../../workspace/index.js';
import { type Check, type CheckContext, failIfAny, notApplicable, pass, warn } from './check.js';

/** A field's category and level as the pipeline classified it, else as declared. */
export interface FieldGrade {
  dataset: string;
  field: string;
  category: Category | null;
  level: number;
  isSensitive: boolean;
  /** Where the grade comes from. */
  from: 'classified' | 'declared' | 'none';
  /** Level as declared, when one is. */
  declaredLevel?: number;
}

/** Every declared field's grade: the stored classification when there is one, else the declaration. */
export async function fieldGrades(ctx: CheckContext): Promise<FieldGrade[]> {
  const rows = await ctx.db.selectFrom('field_classifications').selectAll().execute();
  const classified = new Map(rows.map((r) => [`${r.dataset}\u0000${r.field}`, r]));
  return ctx.workspace.datasets.flatMap((dataset) =>
    Object.entries(dataset.fields).map(([field, declared]): FieldGrade => {
      const row = classified.get(`${dataset.name}\u0000${field}`);
      const declaredCategory =
        declared.category === undefined
          ? undefined
          : declared.category === 'public'
            ? null
            : declared.category;
      const declaredLevel = declared.level === undefined ? {} : { declaredLevel: declared.level };
      if (row)
        return {
          dataset: dataset.name,
          field,
          category: (row.category as Category | null) ?? null,
          level: Number(row.level),
          isSensitive: Number(row.sensitive) === 1 || declared.isSensitive === true,
          from: 'classified',
          ...declaredLevel,
        };
      if (declaredCategory !== undefined)
        return {
          dataset: dataset.name,
          field,
          category: declaredCategory,
          level: declared.level ?? effectiveLevel(declaredCategory),
          isSensitive: declared.isSensitive === true,
          from: 'declared',
          ...declaredLevel,
        };
      return { dataset: dataset.name, field, category: null, level: 1, isSensitive: false, from: 'none' };
    }),
  );
}

/** Datasets with at least one stored record (current, not deleted at source). */
export async function datasetsWithRecords(ctx: CheckContext): Promise<Map<string, number>> {
  const rows = await ctx.db
    .selectFrom('dataset_records')
    .select(['dataset', (eb) => eb.fn.countAll<number>().as('n')])
    .where('deleted_at', 'is', null)
    .groupBy('dataset')
    .execute();
  return new Map(rows.map((r) => [r.dataset, Number(r.n)]));
}

export function isSensitiveDataset(dataset: DatasetDeclaration, grades: readonly FieldGrade[]): boolean {
  return grades.some((g) => g.dataset === dataset.name && g.isSensitive);
}

/** The vendor a dataset is collected from (its own, else its source's). */
export function vendorOf(workspace: Workspace, dataset: DatasetDeclaration): string | undefined {
  return dataset.vendor ?? workspace.sources.find((s) => s.name === dataset.source)?.vendor;
}

// PIPL Art. 13: `public_information` fits only sources that publish (crawlers, files without a vendor).
export const lawfulBasisFitsSource: Check = async (ctx) => {
  const problems = ctx.workspace.datasets.flatMap((dataset) => {
    if (dataset.lawfulBasis !== 'public_information') return [];
    const source = ctx.workspace.sources.find((s) => s.name === dataset.source);
    const isPublic =
      source?.type === 'crawler' || (source?.type === 'file' && !vendorOf(ctx.workspace, dataset));
    return isPublic
      ? []
      : [{ dataset: dataset.name, lawfulBasis: dataset.lawfulBasis, sourceType: source?.type ?? 'unknown' }];
  });
  return failIfAny(problems, 'datasets', { datasets: ctx.workspace.datasets.length });
};

// PIPL Art. 17: each purpose carries the text a notice needs.
export const purposesHaveNoticeText: Check = async (ctx) => {
  const used = new Set(ctx.workspace.datasets.flatMap((d) => d.purposes));
  const missing = ctx.workspace.purposes
    .filter((p) => used.has(p.name) && (p.description ?? '').trim() === '')
    .map((p) => p.name);
  return failIfAny(missing, 'purposesWithoutDescription', { purposesInUse: used.size });
};

// PIPL Art. 21: an entrusted processor has a contract.
export const processorsHaveContracts: Check = async (ctx) => {
  const processors = ctx.workspace.vendors.filter((v) => v.relationship === 'processor');
  if (processors.length === 0) return notApplicable({ processors: 0 });
  const missing = processors.filter((v) => v.contract === undefined).map((v) => v.name);
  return failIfAny(missing, 'processorsWithoutContract', { processors: processors.length });
};

// PIPL Art. 38: every cross-border provision names its mechanism and the mechanism's reference.
export const crossBorderMechanism: Check = async (ctx) => {
  const transfers = ctx.workspace.datasets.flatMap((d) =>
    d.crossBorder.map((t) => ({ dataset: d.name, recipient: t.recipient, country: t.country, t })),
  );
  if (transfers.length === 0) return notApplicable({ transfers: 0 });
  const problems = transfers
    .filter(({ t }) => t.mechanism === undefined || t.reference === undefined)
    .map(({ dataset, recipient, country, t }) => ({
      dataset,
      recipient,
      country,
      missing: [
        t.mechanism === undefined ? 'mechanism' : [],
        t.reference === undefined ? 'reference' : [],
      ].flat(),
    }));
  return failIfAny(problems, 'transfers', { transfersDeclared: transfers.length });
};

// PIPL Art. 28: what the classifier found sensitive is declared sensitive.
export const sensitiveFieldsDeclared: Check = async (ctx) => {
  const rows = await ctx.db
    .selectFrom('field_classifications')
    .select(['dataset', 'field'])
    .where('sensitive', '=', 1)
    .execute();
  const undeclared = rows.filter((r) => {
    const declared = ctx.workspace.datasets.find((d) => d.name === r.dataset)?.fields[r.field];
    return declared !== undefined && declared.isSensitive !== true;
  });
  return failIfAny(
    undeclared.map((r) => `${r.dataset}.${r.field}`),
    'fields',
    { sensitiveFieldsClassified: rows.length },
  );
};

// PIPL Art. 51 (4): clear reads of level 3 and above go through approval.
export const clearAccessNeedsApproval: Check = async (ctx) => {
  const problems = ctx.workspace.policies
    .filter((p) => p.maxClearLevel >= 3 && !p.requiresApproval)
    .map((p) => ({ policy: p.name, maxClearLevel: p.maxClearLevel }));
  return failIfAny(problems, 'policies', { policies: ctx.workspace.policies.length });
};

// JR/T 0197 level 4: need-to-know — any read of a dataset holding level-4+ fields needs approval.
export const highLevelNeedToKnow: Check = async (ctx) => {
  const grades = await fieldGrades(ctx);
  const high = new Set(grades.filter((g) => g.level >= 4).map((g) => g.dataset));
  if (high.size === 0) return notApplicable({ datasetsWithLevel4: 0 });
  const problems = ctx.workspace.policies
    .filter((p) => !p.requiresApproval && p.datasets.some((d) => high.has(d)))
    .map((p) => ({ policy: p.name, datasets: p.datasets.filter((d) => high.has(d)) }));
  return failIfAny(problems, 'policies', { datasetsWithLevel4: [...high] });
};

// JR/T 0197: no level below its category's floor (declared or classified).
export const levelsNotBelowFloor: Check = async (ctx) => {
  const grades = await fieldGrades(ctx);
  const problems = grades.flatMap((g) => {
    const floor = levelFloor(g.category);
    const low =
      g.declaredLevel !== undefined && g.declaredLevel < floor
        ? g.declaredLevel
        : g.level < floor
          ? g.level
          : undefined;
    return low === undefined
      ? []
      : [{ field: `${g.dataset}.${g.field}`, category: g.category, level: low, floor }];
  });
  return failIfAny(problems, 'fields', { fields: grades.length });
};

// DSL Art. 21: each field of a dataset holding records has a grade.
export const everyStoredFieldGraded: Check = async (ctx) => {
  const stored = await datasetsWithRecords(ctx);
  if (stored.size === 0) return notApplicable({ datasetsWithRecords: 0 });
  const grades = await fieldGrades(ctx);
  const ungraded = grades
    .filter((g) => stored.has(g.dataset) && g.from === 'none')
    .map((g) => `${g.dataset}.${g.field}`);
  return failIfAny(ungraded, 'ungradedFields', { datasetsWithRecords: stored.size });
};

// JR/T 0171: C3 is not kept — no C3 field in a dataset holding records.
export const noC3Stored: Check = async (ctx) => {
  const stored = await datasetsWithRecords(ctx);
  const grades = await fieldGrades(ctx);
  const c3 = grades
    .filter((g) => g.category === 'C3' && stored.has(g.dataset))
    .map((g) => ({
      field: `${g.dataset}.${g.field}`,
      records: stored.get(g.dataset) ?? 0,
    }));
  return failIfAny(c3, 'fields', { datasetsWithRecords: stored.size });
};

// PIPL Art. 51 (2): no classification awaits confirmation.
export const classificationConfirmed: Check = async (ctx) => {
  const pending = await ctx.db
    .selectFrom('field_classifications')
    .select(['dataset', 'field', 'category'])
    .where('status', '=', 'pending')
    .execute();
  return failIfAny(
    pending.map((r) => ({ field: `${r.dataset}.${r.field}`, category: r.category })),
    'pendingFields',
  );
};

// GB/T 22239 personal information protection: minimisation can apply — personal fields name what
// they are for, and each purpose lists what it needs.
export const minimisationDeclared: Check = async (ctx) => {
  const fields = ctx.workspace.datasets.flatMap((d) =>
    Object.entries(d.fields)
      .filter(([, f]) => f.category === 'C1' || f.category === 'C2' || f.category === 'C3')
      .filter(([name]) => !d.naturalKey.includes(name))
      .filter(([, f]) => f.dataCategory === undefined)
      .map(([name]) => `${d.name}.${name}`),
  );
  const used = new Set(ctx.workspace.datasets.flatMap((d) => d.purposes));
  const purposes = ctx.workspace.purposes
    .filter((p) => used.has(p.name) && p.needs.length === 0)
    .map((p) => p.name);
  if (fields.length + purposes.length === 0) return pass({ count: 0 });
  return {
    status: 'fail',
    evidence: {
      fieldsWithoutDataCategory: fields.slice(0, 50),
      purposesWithoutNeeds: purposes,
      count: fields.length + purposes.length,
    },
  };
};

// GB/T 22239 intrusion prevention: sources reaching the network name their hosts.
export const egressRestricted: Check = async (ctx) => {
  const open = ctx.workspace.sources
    .filter((s) => (s.type === 'api' || s.type === 'crawler') && (s.egress?.allow.length ?? 0) === 0)
    .map((s) => s.name);
  const isDemo = ctx.workspace.config.demo !== undefined;
  const privateNetworks = ctx.workspace.config.egress.allowPrivateNetworks;
  if (open.length > 0 || (privateNetworks && !isDemo))
    return {
      status: 'fail',
      evidence: { sourcesWithoutAllowlist: open, allowPrivateNetworks: privateNetworks, count: open.length },
    };
  if (privateNetworks) return warn({ allowPrivateNetworks: true, demo: true, count: 0 });
  return pass({ count: 0 });
};

// GB/T 22239 confidentiality: the national suite (GB/T 39786 per our digest).
export const nationalCryptography: Check = async (ctx) => {
  const suite = ctx.workspace.config.crypto.suite;
  return suite === 'sm' ? pass({ suite }) : warn({ suite, expected: 'sm' });
};

// GB/T 22239 access control: nobody holds both an admin-based and an auditor-based role.
export const adminNotAuditor: Check = async (ctx) => {
  const users = await ctx.db
    .selectFrom('users')
    .select(['username', 'role'])
    .where('is_disabled', '=', 0)
    .execute();
  const bases = new Map<string, Set<string>>(users.map((u) => [u.username, new Set([u.role])]));
  for (const role of ctx.workspace.roles)
    for (const user of role.users) {
      const set = bases.get(user) ?? new Set<string>();
      set.add(role.base);
      bases.set(user, set);
    }
  const both = [...bases].filter(([, set]) => set.has('admin') && set.has('auditor')).map(([user]) => user);
  return failIfAny(both, 'users', { accounts: users.length });
};
