// The composition root: loads the workspace, opens the store and builds the services that the API,
// the CLI and workers share, so they can never disagree.

import path from 'node:path';
import {
  ClaimsService,
  DerivedDatasetStore,
  ModelRegistry,
  ScorecardService,
  SegmentationService,
} from './analytics/index.js';
import { type AuditLog, defaultAuditOrigin, openAuditLog } from './audit/index.js';
import { ComplianceService, ThirdPartyShareService } from './compliance/index.js';
import { AlertService, AuditVerificationService, SecurityMonitor } from './compliance/monitoring/index.js';
import { ScanService } from './compliance/scan/index.js';
import { LocalKeyFileProvider } from './crypto/index.js';
import { ConfigError, NotFoundError, PersonalFieldRegistry } from './domain/index.js';
import {
  AccessPolicyService,
  AccessRequestService,
  ConsentLedger,
  GrantService,
  KeyService,
  RecordExporter,
  RecordReadService,
  RetentionService,
  SecondFactorService,
  SessionService,
  SubjectRequestService,
  TokenService,
  UserService,
} from './governance/index.js';
import { createLogger, type Logger } from './logger.js';
import { coerceFieldValue, RunService } from './pipeline/index.js';
import { type ConnectorContext, openSource, type Source, validateSourceSettings } from './sources/index.js';
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
  /** Security alerts and the monitor that raises them (docs/security.md). */
  alerts: AlertService;
  monitor: SecurityMonitor;
  /** Full audit-log verification against the trust file, stored, alerting on failure. */
  auditVerifications: AuditVerificationService;
  /** Vulnerability and posture scans (docs/security.md). */
  scans: ScanService;
  /** TOTP second factor and recovery codes for sign-in (docs/security.md). */
  secondFactors: SecondFactorService;
  /** Access policies of the workspace: explain and authorise reads (docs/access.md). */
  accessPolicy: AccessPolicyService;
  /** Data-use approval: access requests and their maker-checker decisions. */
  accessRequests: AccessRequestService;
  /** Grants created by approved access requests. */
  grants: GrantService;
  /** The consent ledger: grants, withdrawals, current state (docs/consent-and-rights.md). */
  consents: ConsentLedger;
  /** The governed read path: list, get, lookup, verify (docs/access.md). */
  records: RecordReadService;
  /** Streamed, audited exports through the read path. */
  exports: RecordExporter;
  /** Provision of a dataset to a third party (PIPL Art. 23) over the exports (docs/compliance.md). */
  shares: ThirdPartyShareService;
  /** Data-subject requests: access, copy, correction, deletion, withdrawal, explanation. */
  subjectRequests: SubjectRequestService;
  /** Retention runs and legal holds. */
  retention: RetentionService;
  /** Customer segmentation over the governed read path (docs/analytics.md). */
  segmentation: SegmentationService;
  /** Claims analysis: loss ratios, cycle times, reserves (docs/analytics.md). */
  claims: ClaimsService;
  /** Saved de-identified analysis results with their lineage. */
  derivedDatasets: DerivedDatasetStore;
  /**
   * The key service (envelope encryption, blind index, rotation, shredding). Opened on first use:
   * it needs the master secret, which commands that never touch personal data do not.
   */
  keys(): KeyService;
  /** Collection runs: start, queue, claim, execute, list. */
  runs: RunService;
  /** Controls, audits and reports, impact assessments, vendors, incidents (docs/compliance.md). */
  compliance: ComplianceService;
  /** Versioned, hashed analytics models and their approval (docs/analytics.md). */
  models: ModelRegistry;
  /** Credit scorecards: fit and score over the governed read path (docs/analytics.md). */
  scorecards: ScorecardService;
  /** Opens a declared source by name (connector settings were validated at load). */
  openSource(name: string): Source;
  /** What connectors get from the workspace (directory, env, egress permission, user agent). */
  connectorContext: ConnectorContext;
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
  /** Master secret when not in the environment (the CLI may prompt for it). */
  masterSecret?: string;
  /** Fail before opening the store (so before anything is written) when there is no master secret. */
  requireMasterSecret?: boolean;
}

export async function openContext(dir: string, options: OpenContextOptions = {}): Promise<AppContext> {
  const env = options.env ?? process.env;
  const workspace = loadWorkspace(dir, { env, validateSource: validateSourceSettings });
  if (options.requireMasterSecret) resolveMasterSecret(workspace, env, options.masterSecret);
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
  const users = new UserService(store.db, audit, undefined, workspace.config.security.passwords);
  const tokens = new TokenService(store.db, users, audit);
  const sessions = new SessionService(store.db, users, {
    idleMinutes: workspace.config.server.sessionIdleMinutes,
    maxHours: workspace.config.server.sessionMaxHours,
  });
  const grants = new GrantService(store.db, audit);
  const accessPolicy = new AccessPolicyService(workspace, store.db, grants, audit);
  const accessRequests = new AccessRequestService(store.db, audit, accessPolicy);
  let keyService: KeyService | undefined;
  const keys = (): KeyService => {
    if (!keyService) {
      const { suite, keyFile } = workspace.config.crypto;
      const provider = LocalKeyFileProvider.openOrCreate(
        path.resolve(workspace.dir, keyFile),
        keyFile,
        suite,
        resolveMasterSecret(workspace, env, options.masterSecret),
      );
      keyService = new KeyService(store.db, provider, audit, store.sqlite ? { sqlite: store.sqlite } : {});
    }
    return keyService;
  };
  const connectorContext: ConnectorContext = {
    workspaceDir: workspace.dir,
    env,
    allowPrivateNetworks: workspace.config.egress.allowPrivateNetworks,
    userAgent: honestUserAgent(workspace.config.organisation.name, workspace.config.organisation.contact),
    warn: (message, details) => logger.warn(details, message),
  };
  const alerts = new AlertService(store.db, audit);
  const monitor = new SecurityMonitor({ workspace, db: store.db, alerts, logger, env });
  const ctx: AppContext = {
    workspace,
    alerts,
    monitor,
    auditVerifications: new AuditVerificationService({ workspace, store, audit, monitor }),
    scans: new ScanService({ workspace, store, audit, alerts, env }),
    store,
    connectorContext,
    runs: undefined as unknown as RunService,
    compliance: new ComplianceService({ workspace, store, audit, keys, env }),
    openSource: (name) => {
      const declaration = workspace.sources.find((s) => s.name === name);
      if (!declaration) throw new NotFoundError(`no source named ${name} in sources.yaml`, { source: name });
      return openSource(declaration, connectorContext);
    },
    logger,
    personalFields,
    audit,
    users,
    tokens,
    sessions,
    secondFactors: new SecondFactorService(store.db, users, keys, audit, {
      issuer: `Custos ${workspace.config.organisation.name}`,
      requiredRoles: workspace.config.security.signIn.secondFactorRoles,
    }),
    accessPolicy,
    accessRequests,
    grants,
    consents: undefined as unknown as ConsentLedger,
    records: undefined as unknown as RecordReadService,
    exports: undefined as unknown as RecordExporter,
    shares: undefined as unknown as ThirdPartyShareService,
    subjectRequests: undefined as unknown as SubjectRequestService,
    segmentation: undefined as unknown as SegmentationService,
    claims: undefined as unknown as ClaimsService,
    derivedDatasets: new DerivedDatasetStore(store.db),
    models: new ModelRegistry(store.db, audit),
    scorecards: undefined as unknown as ScorecardService,
    retention: new RetentionService(workspace, store.db, store.records, keys, audit),
    keys,
    storageDescription: redactDatabaseUrl(workspace.storageUrl),
    close: async () => {
      keyService?.close();
      await store.close();
    },
  };
  ctx.runs = new RunService(ctx);
  ctx.consents = new ConsentLedger({ workspace, db: store.db, keys, records: store.records, audit });
  ctx.records = new RecordReadService(store.records, accessPolicy, keys, store.db, audit);
  ctx.exports = new RecordExporter(store.records, accessPolicy, ctx.records);
  const analyticsReads = { policy: accessPolicy, records: ctx.records, keys, audit };
  ctx.segmentation = new SegmentationService({ ...analyticsReads, derived: ctx.derivedDatasets });
  ctx.claims = new ClaimsService(analyticsReads);
  ctx.scorecards = new ScorecardService({
    policy: accessPolicy,
    exports: ctx.exports,
    registry: ctx.models,
    audit,
  });
  ctx.shares = new ThirdPartyShareService(store.db, workspace, audit, ctx.exports);
  ctx.subjectRequests = new SubjectRequestService({
    db: store.db,
    workspace,
    records: store.records,
    reads: ctx.records,
    policy: accessPolicy,
    keys,
    audit,
    coerce: coerceFieldValue,
    // Withdrawal requests go through the consent ledger, the request id as the evidence reference.
    withdrawConsent: async ({ identifier, purposes, requestId }, actor) => {
      const change = await ctx.consents.withdraw({ identifier, purposes, evidence: requestId }, actor, 'dsr');
      return { withdrawn: change.recorded, erased: change.erased };
    },
    consentsOf: async (subjectId) => {
      const { consents, history } = await ctx.consents.ofSubject(subjectId);
      return { current: consents, history };
    },
  });
  return ctx;
}

/** Names the organisation and its contact; non-ASCII is percent-encoded (HTTP headers are ASCII). */
export function honestUserAgent(organisation: string, contact?: string): string {
  const ascii = (text: string) =>
    text.replace(/[^\x20-\x7e]+/g, (run) => encodeURIComponent(run)).replace(/[()]/g, '');
  return `Custos/0.1 (${ascii(organisation)}${contact ? `; ${ascii(contact)}` : ''})`;
}

/**
 * The master secret: CUSTOS_MASTER_KEY, else one given by the caller (a CLI prompt), else the demo
 * workspace's published demo secret. Anything else refuses to run rather than run unencrypted.
 */
export function resolveMasterSecret(workspace: Workspace, env: NodeJS.ProcessEnv, given?: string): string {
  const secret = env.CUSTOS_MASTER_KEY ?? given ?? workspace.config.crypto.demoMasterKey;
  if (secret === undefined || secret.length === 0) {
    throw new ConfigError(
      'no master secret: set CUSTOS_MASTER_KEY (personal data is never stored unencrypted)',
      [
        {
          file: 'custos.yaml',
          path: 'crypto',
          message:
            'CUSTOS_MASTER_KEY is not set in the environment: set a secret of 16 characters or more, e.g. export CUSTOS_MASTER_KEY="$(openssl rand -base64 32)", and keep it (data encrypted under it cannot be read without it)',
        },
      ],
    );
  }
  if (secret.length < 16) {
    throw new ConfigError('the master secret is too short', [
      { file: 'custos.yaml', path: 'crypto', message: 'CUSTOS_MASTER_KEY must be at least 16 characters' },
    ]);
  }
  return secret;
}

/** Field names the workspace declares as personal information (C1–C3): never logged. */
function declaredPersonalFields(workspace: Workspace): string[] {
  return workspace.datasets.flatMap((dataset) =>
    Object.entries(dataset.fields)
      .filter(([, field]) => field.category !== undefined && field.category !== 'public')
      .flatMap(([name, field]) => (field.from ? [name, field.from] : [name])),
  );
}
