// Loads and validates a workspace folder. Every problem names the file, the path inside it (with its
// line) and what is wrong; all problems are collected before failing, and nothing is touched.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, ROLES } from '../domain/index.js';
import { unneededFields } from './minimisation.js';
import {
  type DatasetDeclaration,
  declarationFiles,
  type PolicyCondition,
  type PolicyDeclaration,
  type Purpose,
  type RoleDeclaration,
  type RowCondition,
  type SourceDeclaration,
  type Vendor,
  type WorkspaceConfig,
  workspaceConfigSchema,
} from './schema.js';
import { formatPath, readYamlFile, type YamlFile } from './yaml-file.js';

export const WORKSPACE_FILE = 'custos.yaml';

export interface Workspace {
  /** Absolute path of the workspace folder. */
  dir: string;
  config: WorkspaceConfig;
  /** Effective storage URL (CUSTOS_DATABASE_URL overrides custos.yaml). */
  storageUrl: string;
  vendors: Vendor[];
  sources: SourceDeclaration[];
  datasets: DatasetDeclaration[];
  purposes: Purpose[];
  roles: RoleDeclaration[];
  policies: PolicyDeclaration[];
}

/** Checks a source's type-specific settings; pushes issues naming `file` and the path. */
export type SourceConfigValidator = (source: SourceDeclaration, file: string, index: number) => ConfigIssue[];

export interface LoadWorkspaceOptions {
  env?: NodeJS.ProcessEnv;
  validateSource?: SourceConfigValidator;
}

export function loadWorkspace(dir: string, options: LoadWorkspaceOptions = {}): Workspace {
  const env = options.env ?? process.env;
  const absoluteDir = path.resolve(dir);
  const mainFile = path.join(absoluteDir, WORKSPACE_FILE);
  if (!existsSync(absoluteDir) || !statSync(absoluteDir).isDirectory()) {
    throw new ConfigError(`workspace folder not found: ${absoluteDir}`, [
      { file: absoluteDir, path: '', message: 'folder does not exist' },
    ]);
  }
  if (!existsSync(mainFile)) {
    throw new ConfigError(`not a workspace: ${WORKSPACE_FILE} missing in ${absoluteDir}`, [
      { file: WORKSPACE_FILE, path: '', message: 'file missing (create a workspace with `custos init DIR`)' },
    ]);
  }

  const issues: ConfigIssue[] = [];
  const config = parseWith(readYamlFile(mainFile, WORKSPACE_FILE), workspaceConfigSchema, [], issues);

  const lists: { -readonly [K in keyof typeof declarationFiles]: unknown[] } = {
    vendors: [],
    sources: [],
    datasets: [],
    purposes: [],
    roles: [],
    policies: [],
  };
  const yamlFiles = new Map<string, YamlFile>();
  for (const [kind, { file, schema }] of Object.entries(declarationFiles) as Array<
    [keyof typeof declarationFiles, (typeof declarationFiles)[keyof typeof declarationFiles]]
  >) {
    const absolute = path.join(absoluteDir, file);
    if (!existsSync(absolute)) {
      lists[kind] = [];
      continue;
    }
    const yamlFile = readYamlFile(absolute, file);
    if (!('value' in yamlFile)) {
      issues.push(yamlFile);
      lists[kind] = [];
      continue;
    }
    yamlFiles.set(kind, yamlFile);
    const root = yamlFile.value;
    if (root === null || root === undefined) {
      lists[kind] = [];
      continue;
    }
    const items =
      typeof root === 'object' && !Array.isArray(root) ? (root as Record<string, unknown>)[kind] : root;
    if (!Array.isArray(items)) {
      issues.push({
        file,
        path: kind,
        line: yamlFile.lineOf([]) ?? 1,
        message: `expected a list under "${kind}:"`,
      });
      lists[kind] = [];
      continue;
    }
    const prefix = Array.isArray(root) ? [] : [kind];
    lists[kind] = items.flatMap((item, index) => {
      const parsed = parseValue(yamlFile, item, schema, [...prefix, index], issues);
      return parsed === undefined ? [] : [parsed];
    });
  }

  const workspace: Workspace = {
    dir: absoluteDir,
    config: config ?? workspaceConfigSchema.parse({ version: 1, organisation: { name: '?' } }),
    storageUrl: env.CUSTOS_DATABASE_URL ?? config?.storage ?? 'sqlite:./data/custos.db',
    vendors: lists.vendors as Vendor[],
    sources: lists.sources as SourceDeclaration[],
    datasets: lists.datasets as DatasetDeclaration[],
    purposes: lists.purposes as Purpose[],
    roles: lists.roles as RoleDeclaration[],
    policies: lists.policies as PolicyDeclaration[],
  };
  checkReferences(workspace, issues);
  if (options.validateSource) {
    workspace.sources.forEach((source, index) => {
      for (const issue of options.validateSource?.(source, declarationFiles.sources.file, index) ?? []) {
        // Validators name a dotted path; the YAML file knows its line.
        const segments = issue.path.split('.').map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
        const line = issue.line ?? yamlFiles.get('sources')?.lineOf(segments);
        issues.push({ ...issue, ...(line === undefined ? {} : { line }) });
      }
    });
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new ConfigError(
      `workspace has ${issues.length} problem${issues.length === 1 ? '' : 's'}; first: ${describeIssue(first)}`,
      issues,
    );
  }
  return workspace;
}

export function describeIssue(issue: ConfigIssue): string {
  const where = `${issue.file}${issue.line === undefined ? '' : `:${issue.line}`}`;
  return `${where}${issue.path ? ` ${issue.path}` : ''}: ${issue.message}`;
}

function parseWith<T extends z.ZodType>(
  yamlFile: YamlFile | ConfigIssue,
  schema: T,
  prefix: PropertyKey[],
  issues: ConfigIssue[],
): z.infer<T> | undefined {
  if (!('value' in yamlFile)) {
    issues.push(yamlFile);
    return undefined;
  }
  return parseValue(yamlFile, yamlFile.value ?? {}, schema, prefix, issues);
}

function parseValue<T extends z.ZodType>(
  yamlFile: YamlFile,
  value: unknown,
  schema: T,
  prefix: PropertyKey[],
  issues: ConfigIssue[],
): z.infer<T> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const fullPath = [...prefix, ...issue.path];
    const line = yamlFile.lineOf(fullPath);
    issues.push({
      file: yamlFile.file,
      path: formatPath(fullPath),
      ...(line === undefined ? {} : { line }),
      message: issueMessage(issue),
    });
  }
  return undefined;
}

/** zod's message, without echoing the offending value (it could be a secret or personal data). */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_value') return `must be one of: ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.message;
}

/** Every field a row condition reads. */
export function conditionFields(condition: RowCondition): string[] {
  if ('all' in condition) return condition.all.flatMap(conditionFields);
  if ('any' in condition) return condition.any.flatMap(conditionFields);
  return [condition.field];
}

/**
 * Checks a candidate list of policies against the rest of the workspace, as loading would: each
 * through policySchema, then the references (roles, datasets, purposes, fields, row filters).
 * Returns the parsed policies, or every issue (paths as in policies.yaml).
 */
export function checkPolicies(
  workspace: Workspace,
  candidates: readonly unknown[],
): { policies: PolicyDeclaration[] } | { issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const { file, schema } = declarationFiles.policies;
  const policies = candidates.flatMap((candidate, index) => {
    const result = schema.safeParse(candidate);
    if (result.success) return [result.data];
    for (const issue of result.error.issues)
      issues.push({
        file,
        path: formatPath(['policies', index, ...issue.path]),
        message: issueMessage(issue),
      });
    return [];
  });
  if (issues.length === 0) {
    const all: ConfigIssue[] = [];
    checkReferences({ ...workspace, policies }, all);
    issues.push(...all.filter((issue) => issue.file === file));
  }
  return issues.length > 0 ? { issues } : { policies };
}

function checkReferences(workspace: Workspace, issues: ConfigIssue[]): void {
  const fileOf = (kind: keyof typeof declarationFiles) => declarationFiles[kind].file;
  const unique = (
    kind: keyof typeof declarationFiles,
    items: ReadonlyArray<{ name: string }>,
  ): Set<string> => {
    const seen = new Set<string>();
    items.forEach(({ name }, index) => {
      if (seen.has(name))
        issues.push({
          file: fileOf(kind),
          path: `${kind}[${index}].name`,
          message: `duplicate name "${name}"`,
        });
      seen.add(name);
    });
    return seen;
  };
  /** Every value of `values` must be in `known`; `where` is the path of the list. */
  const expectKnown = (
    kind: keyof typeof declarationFiles,
    where: string,
    known: Set<string>,
    values: readonly string[],
    what: string,
  ): void => {
    values.forEach((value, index) => {
      if (!known.has(value)) {
        issues.push({
          file: fileOf(kind),
          path: `${where}[${index}]`,
          message: `unknown ${what} "${value}"`,
        });
      }
    });
  };
  const expectOne = (
    kind: keyof typeof declarationFiles,
    where: string,
    known: Set<string>,
    value: string,
    what: string,
  ) => {
    if (!known.has(value))
      issues.push({ file: fileOf(kind), path: where, message: `unknown ${what} "${value}"` });
  };

  const vendors = unique('vendors', workspace.vendors);
  const sources = unique('sources', workspace.sources);
  const datasets = unique('datasets', workspace.datasets);
  const purposes = unique('purposes', workspace.purposes);
  const roles = unique('roles', workspace.roles);
  unique('policies', workspace.policies);
  const dataCategories = new Set(workspace.purposes.flatMap((p) => p.needs));

  workspace.sources.forEach((source, i) => {
    if (source.vendor) expectOne('sources', `sources[${i}].vendor`, vendors, source.vendor, 'vendor');
  });
  workspace.datasets.forEach((dataset, i) => {
    expectOne('datasets', `datasets[${i}].source`, sources, dataset.source, 'source');
    if (dataset.vendor) expectOne('datasets', `datasets[${i}].vendor`, vendors, dataset.vendor, 'vendor');
    expectKnown('datasets', `datasets[${i}].purposes`, purposes, dataset.purposes, 'purpose');
    const fields = new Set(Object.keys(dataset.fields));
    expectKnown('datasets', `datasets[${i}].naturalKey`, fields, dataset.naturalKey, 'field');
    expectKnown('datasets', `datasets[${i}].subjectFields`, fields, dataset.subjectFields, 'field');
    // Minimisation must not drop what identifies a record or its subject, and a data category
    // must be one some purpose lists (a misspelt one would silently drop the field).
    const unneeded = unneededFields(dataset, workspace.purposes);
    for (const [name, field] of Object.entries(dataset.fields)) {
      const where = `datasets[${i}].fields.${name}.dataCategory`;
      if (field.dataCategory !== undefined && !dataCategories.has(field.dataCategory)) {
        issues.push({
          file: fileOf('datasets'),
          path: where,
          message: `unknown data category "${field.dataCategory}" (no purpose lists it in needs)`,
        });
      } else if (unneeded.has(name) && [...dataset.naturalKey, ...dataset.subjectFields].includes(name)) {
        issues.push({
          file: fileOf('datasets'),
          path: where,
          message: `${name} identifies the record or its subject, but no purpose of the dataset needs "${field.dataCategory}"`,
        });
      }
    }
  });
  workspace.roles.forEach((role, i) => {
    expectKnown('roles', `roles[${i}].datasets`, datasets, role.datasets, 'dataset');
    expectKnown('roles', `roles[${i}].purposes`, purposes, role.purposes, 'purpose');
  });
  const roleNames = new Set<string>([...ROLES, ...roles]);
  workspace.policies.forEach((policy, i) => {
    const at = `policies[${i}]`;
    expectKnown('policies', `${at}.roles`, roleNames, policy.roles, 'role');
    expectKnown('policies', `${at}.datasets`, datasets, policy.datasets, 'dataset');
    expectKnown('policies', `${at}.purposes`, purposes, policy.purposes, 'purpose');
    const covered = workspace.datasets.filter((d) => policy.datasets.includes(d.name));
    const fieldNames = new Set(covered.flatMap((d) => Object.keys(d.fields)));
    const checkCondition = (where: string, condition: PolicyCondition) => {
      if (condition.roles) expectKnown('policies', `${where}.roles`, roleNames, condition.roles, 'role');
      if (condition.purposes) {
        const own = new Set(policy.purposes);
        expectKnown('policies', `${where}.purposes`, own, condition.purposes, 'purpose of this policy');
      }
      if (condition.fields?.names)
        expectKnown('policies', `${where}.fields.names`, fieldNames, condition.fields.names, 'field');
    };
    for (const kind of ['allow', 'deny'] as const) {
      (policy[kind] ?? []).forEach((item, j) => {
        checkCondition(`${at}.${kind}[${j}]`, item);
        item.exceptions.forEach((exception, k) => {
          checkCondition(`${at}.${kind}[${j}].exceptions[${k}]`, exception);
        });
      });
    }
    policy.masks.forEach((entry, j) => {
      if (entry.fields.names)
        expectKnown('policies', `${at}.masks[${j}].fields.names`, fieldNames, entry.fields.names, 'field');
    });
    // Row filters read fields stored in clear only: a condition on a sealed (C2/C3) field would
    // need every record decrypted, and its outcome would reveal the value.
    policy.rowFilters.forEach((filter, j) => {
      if (filter.roles)
        expectKnown('policies', `${at}.rowFilters[${j}].roles`, roleNames, filter.roles, 'role');
      for (const field of conditionFields(filter.where)) {
        for (const dataset of covered) {
          const declared = dataset.fields[field];
          const problem = !declared
            ? `field "${field}" is not declared in dataset ${dataset.name}`
            : declared.category === 'C2' || declared.category === 'C3'
              ? `field "${field}" of dataset ${dataset.name} is personal (${declared.category}); row filters use fields stored in clear`
              : undefined;
          if (problem)
            issues.push({ file: fileOf('policies'), path: `${at}.rowFilters[${j}].where`, message: problem });
        }
      }
    });
  });
}
