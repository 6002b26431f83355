// Public face of workspace loading: custos.yaml and the declaration files, validated with zod.
export { initWorkspace } from './init.js';
export { unneededFields } from './minimisation.js';
export { changePolicies, type PolicyChange } from './policy-file.js';
export * from './schema.js';
export {
  checkPolicies,
  conditionFields,
  describeIssue,
  type LoadWorkspaceOptions,
  loadWorkspace,
  type SourceConfigValidator,
  WORKSPACE_FILE,
  type Workspace,
} from './workspace.js';
