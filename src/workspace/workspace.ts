// Loads and validates a workspace folder. Every problem names the file, the path inside it (with its
// line) and what is wrong; all problems are collected before failing, and nothing is touched.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { type ConfigIssue, ConfigError, ROLES } from '../domain/index.js';
import {
  type DatasetDeclaration,
  declarationFiles,
  type PolicyDeclaration,
  type Purpose,
  type RoleDeclaration,
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
    const root = yamlFile.value;
    if (root === null || root === undefined) {
      lists[kind] = [];
      continue;
    }
    const items = typeof root === 'object' && !Array.isArray(root) ? (root as Record<string, unknown>)[kind] : root;
    if (!Array.isArray(items)) {
      issues.push({ file, path: kind, line: yamlFile.lineOf([]) ?? 1, message: `expected a list under "${kind}:"` });
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
      issues.push(...(options.validateSource?.(source, declarationFiles.sources.file, index) ?? []));
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
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_value') return `must be one of: ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.message;
}

function checkReferences(workspace: Workspace, issues: ConfigIssue[]): void {
  const files = declarationFiles;
  const unique = (kind: keyof typeof declarationFiles, names: string[]): Set<string> => {
    const seen = new Set<string>();
    names.forEach((itemName, index) => {
      if (seen.has(itemName)) {
        issues.push({ file: files[kind].file, path: `${kind}[${index}].name`, message: `duplicate name "${itemName}"` });
      }
      seen.add(itemName);
    });
    return seen;
  };
  const vendors = unique(
    'vendors',
    workspace.vendors.map((v) => v.name),
  );
  const sources = unique(
    'sources',
    workspace.sources.map((s) => s.name),
  );
  const datasets = unique(
    'datasets',
    workspace.datasets.map((d) => d.name),
  );
  const purposes = unique(
    'purposes',
    workspace.purposes.map((p) => p.name),
  );
  const roles = unique(
    'roles',
    workspace.roles.map((r) => r.name),
  );
  unique(
    'policies',
    workspace.policies.map((p) => p.name),
  );

  const expect = (kind: keyof typeof declarationFiles, where: string, set: Set<string>, value: string, what: string) => {
    if (!set.has(value)) issues.push({ file: files[kind].file, path: where, message: `unknown ${what} "${value}"` });
  };
  workspace.sources.forEach((source, i) => {
    if (source.vendor) expect('sources', `sources[${i}].vendor`, vendors, source.vendor, 'vendor');
  });
  workspace.datasets.forEach((dataset, i) => {
    expect('datasets', `datasets[${i}].source`, sources, dataset.source, 'source');
    if (dataset.vendor) expect('datasets', `datasets[${i}].vendor`, vendors, dataset.vendor, 'vendor');
    dataset.purposes.forEach((purpose, j) => {
      expect('datasets', `datasets[${i}].purposes[${j}]`, purposes, purpose, 'purpose');
    });
    const fields = new Set(Object.keys(dataset.fields));
    dataset.naturalKey.forEach((field, j) => {
      expect('datasets', `datasets[${i}].naturalKey[${j}]`, fields, field, 'field');
    });
    dataset.subjectFields.forEach((field, j) => {
      expect('datasets', `datasets[${i}].subjectFields[${j}]`, fields, field, 'field');
    });
  });
  const roleNames = new Set<string>([...ROLES, ...roles]);
  workspace.roles.forEach((role, i) => {
    role.datasets.forEach((d, j) => expect('roles', `roles[${i}].datasets[${j}]`, datasets, d, 'dataset'));
    role.purposes.forEach((p, j) => expect('roles', `roles[${i}].purposes[${j}]`, purposes, p, 'purpose'));
  });
  workspace.policies.forEach((policy, i) => {
    policy.roles.forEach((r, j) => expect('policies', `policies[${i}].roles[${j}]`, roleNames, r, 'role'));
    policy.datasets.forEach((d, j) => expect('policies', `policies[${i}].datasets[${j}]`, datasets, d, 'dataset'));
    policy.purposes.forEach((p, j) => expect('policies', `policies[${i}].purposes[${j}]`, purposes, p, 'purpose'));
  });
}
