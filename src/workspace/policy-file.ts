// Writes policies.yaml for the policy API: the file's other policies, comments and layout kept
// (yaml's Document), the whole list checked as loading would check it, then written atomically
// (a temporary file in the same directory, flushed, renamed over the old one) — a reader sees the
// old file or the new one, never half of one, and an invalid change writes nothing.

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { ConfigError, ConflictError, NotFoundError, ValidationError } from '../domain/index.js';
import { declarationFiles, type PolicyDeclaration } from './schema.js';
import { checkPolicies, describeIssue, type Workspace } from './workspace.js';

export type PolicyChange =
  | { kind: 'create'; policy: unknown }
  | { kind: 'update'; name: string; policy: unknown }
  | { kind: 'delete'; name: string };

/** Applies one change to the workspace's policies.yaml; returns the policies as now in force. */
export function changePolicies(workspace: Workspace, change: PolicyChange): PolicyDeclaration[] {
  const file = declarationFiles.policies.file;
  const absolute = path.join(workspace.dir, file);
  const text = existsSync(absolute) ? readFileSync(absolute, 'utf8') : 'policies: []\n';
  let document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0)
    throw new ConfigError(`${file} is not valid YAML; fix it by hand first`, [
      { file, path: '', message: `invalid YAML: ${document.errors[0]!.code}` },
    ]);
  // An empty file (comments only) starts its list.
  if (document.contents === null) document = parseDocument(`${text.trimEnd()}\npolicies: []\n`);
  if (!isMap(document.contents))
    throw new ConfigError(`${file} must hold a map with a policies: list`, [
      { file, path: '', message: 'expected a map with a "policies:" list' },
    ]);
  let list = document.get('policies', true);
  if (!isSeq(list)) {
    list = new YAMLSeq();
    document.set('policies', list);
  }
  const seq = list as YAMLSeq;
  // Block style from now on (a `policies: []` placeholder would keep new entries on one line).
  seq.flow = false;
  const names =
    (document.toJS() as { policies?: Array<{ name?: unknown }> }).policies?.map((p) => p?.name) ?? [];
  const index = change.kind === 'create' ? -1 : names.indexOf(change.name);
  if (change.kind !== 'create' && index < 0)
    throw new NotFoundError(`no policy named ${change.name} in ${file}`, { policy: change.name });

  if (change.kind === 'create') {
    const name = (change.policy as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && names.includes(name))
      throw new ConflictError(`a policy named ${name} already exists`, { policy: name });
    seq.items.push(document.createNode(change.policy));
  } else if (change.kind === 'update') {
    const name = (change.policy as { name?: unknown } | null)?.name;
    if (name !== change.name)
      throw new ValidationError('the policy’s name must be the one in the path (rename: delete and create)', {
        field: 'name',
      });
    seq.items[index] = document.createNode(change.policy);
  } else seq.items.splice(index, 1);

  const checked = checkPolicies(workspace, (document.toJS() as { policies: unknown[] }).policies);
  if ('issues' in checked) {
    const first = checked.issues[0]!;
    throw new ValidationError(
      `the policy is invalid (${checked.issues.length} problem${checked.issues.length === 1 ? '' : 's'}); first: ${describeIssue(first)}`,
      { issues: checked.issues },
    );
  }
  writeAtomically(absolute, document.toString());
  return checked.policies;
}

function writeAtomically(target: string, text: string): void {
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o640);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
