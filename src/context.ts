// The composition root: loads the workspace, opens the store and builds the services that the API,
// the CLI and workers share, so they can never disagree.

import { type AuditLog, defaultAuditOrigin, openAuditLog } from './audit/index.js';
import { PersonalFieldRegistry } from './domain/index.js';
import { SessionService, TokenService, UserService } from './governance/index.js';
import { createLogger, type Logger } from './logger.js';
import { openStore, parseDatabaseUrl, redactDatabaseUrl, type Store } from './store/index.js';
import { loadWorkspace, type Workspace } from './workspace/index.js';

export interface AppContext {
  workspace: Workspace;
  store: Store;
  logger: Logger;
  /** Keys whose values never reach a log line (credentials and personal-data fields). */
  personalFields: PersonalFieldRegistry;
  /** The verifiable audit log: every privileged action appends here. */
  audit: AuditLog;
  users: UserService;
  tokens: TokenService;
  sessions: SessionService;
  /** Storage URL safe to show (password removed). */
  storageDescription: string;
  close(): Promise<void>;
}

export interface OpenContextOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Level and destination of the logger built when `logger` is not given. */
  logLevel?: string;
  logDestination?: NodeJS.WritableStream;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export async function openContext(dir: string, options: OpenContextOptions = {}): Promise<AppContext> {
  const env = options.env ?? process.env;
  const workspace = loadWorkspace(dir, { env });
  const personalFields = new PersonalFieldRegistry(declaredPersonalFields(workspace));
  const logger =
    options.logger ??
    createLogger({
      registry: personalFields,
      ...(options.logLevel ? { level: options.logLevel } : {}),
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
  const store = await openStore(parseDatabaseUrl(workspace.storageUrl, workspace.dir, 'custos.yaml'), {
    migrate: options.migrate ?? true,
  });
  const audit = openAuditLog({
    store,
    suite: workspace.config.crypto.suite,
    workspaceDir: workspace.dir,
    origin: defaultAuditOrigin(workspace.config.organisation.name),
  });
  const users = new UserService(store.db, audit);
  const tokens = new TokenService(store.db, users, audit);
  const sessions = new SessionService(store.db, users, {
    idleMinutes: workspace.config.server.sessionIdleMinutes,
    maxHours: workspace.config.server.sessionMaxHours,
  });
  return {
    workspace,
    store,
    logger,
    personalFields,
    audit,
    users,
    tokens,
    sessions,
    storageDescription: redactDatabaseUrl(workspace.storageUrl),
    close: () => store.close(),
  };
}

/** Field names the workspace declares as personal information (C1–C3): never logged. */
function declaredPersonalFields(workspace: Workspace): string[] {
  return workspace.datasets.flatMap((dataset) =>
    Object.entries(dataset.fields)
      .filter(([, field]) => field.category !== undefined && field.category !== 'public')
      .flatMap(([name, field]) => (field.from ? [name, field.from] : [name])),
  );
}
