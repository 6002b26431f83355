// Every API call the console makes, with its method, path, the roles the server admits (the
// operation's `x-custos-roles`) and its types. test/console/endpoints.test.ts checks each entry
// against /api/v1/openapi.json: an endpoint that is renamed, removed or re-roled on the server turns
// that test red. This file holds no DOM code so the server's tests can import it.

export const ROLES = ['admin', 'data_engineer', 'compliance_officer', 'analyst', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One operation. The type parameters only carry types for `call()` (src/api/client.ts). */
export interface Endpoint<Params, Query, Body, Response> {
  method: Method;
  path: string;
  /** Who the server admits; empty for public operations. */
  roles: readonly Role[];
  /** Phantom: never set, only gives `call()` its types. */
  types?: { params: Params; query: Query; body: Body; response: Response };
}

function ep<Params = undefined, Query = undefined, Body = undefined, Response = unknown>(
  method: Method,
  path: string,
  roles: readonly Role[],
): Endpoint<Params, Query, Body, Response> {
  return { method, path, roles };
}

const ALL = ROLES;
const ENGINEERS = ['admin', 'data_engineer'] as const;
const OVERSIGHT = ['admin', 'data_engineer', 'compliance_officer', 'auditor'] as const;

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  isDisabled: boolean;
  createdAt: string;
}

export interface Workspace {
  organisation: string;
  dialect: 'sqlite' | 'postgres';
  suite: 'sm' | 'aes';
  locale: 'zh-CN' | 'en';
  counts: Record<string, number>;
  datasets: { name: string; source: string; purposes: string[]; lawfulBasis: string }[];
}

export interface Run {
  id: string;
  dataset: string;
  status: string;
  trigger: string;
  worker: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  quarantineReasons: Record<string, number>;
  droppedFields: string[];
  error: string | null;
}

export interface QuarantineEntry {
  id: string;
  dataset: string;
  runId: string;
  reason: string;
  detail: string;
  position: string | null;
  status: string;
  createdAt: string;
}

/** A completed sign-in: the session cookie is set. */
export interface SignedIn {
  status: 'signed_in';
  user: User;
  expiresAt: string;
  /** Only on the sign-in that completed a second-factor enrolment: shown once. */
  recoveryCodes?: string[];
}

/** The password was right; a second factor is needed (docs/api.md, sign-in flow). */
export interface SecondFactorRequired {
  status: 'second_factor_required';
  challenge: string;
  isEnrolled: boolean;
  expiresAt: string;
}

export type AlertStatus = 'open' | 'acknowledged' | 'closed';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface SecurityAlert {
  id: string;
  rule: string;
  severity: Severity;
  subject: string;
  status: AlertStatus;
  evidence: Record<string, string | number | boolean>;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  note: string | null;
}

const ALERT_WATCHERS = ['admin', 'compliance_officer', 'auditor'] as const;
const ALERT_RESPONDERS = ['admin', 'compliance_officer'] as const;

export interface ApiToken {
  id: string;
  username: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface KeyRewrap {
  state: 'idle' | 'running' | 'succeeded' | 'failed';
  done: number;
  remaining: number;
  startedAt: string | null;
  finishedAt: string | null;
  startedBy: string | null;
  error: string | null;
}

export interface KeyStatus {
  suite: string;
  provider: string;
  currentVersion: number;
  versions: { version: number; createdAt: string; retiredAt: string | null; dataKeys: number }[];
  dataKeys: number;
  shredded: number;
  pendingRewrap: number;
  rewrap: KeyRewrap;
}

export interface SourceSummary {
  name: string;
  type: string;
  vendor: string | null;
  description: string | null;
}

export interface SourceCheck {
  source: string;
  ok: boolean;
  identity?: string;
  message: string;
}

export interface StreamDescription {
  name: string;
  fields: { name: string; type: string; nullable?: boolean }[];
  cursorFields?: string[];
  primaryKey?: string[];
}

export interface SourcePreview {
  source: string;
  stream: string;
  records: Record<string, unknown>[];
  masked: boolean;
}

export type Category = 'C1' | 'C2' | 'C3';

export interface FieldClassification {
  dataset: string;
  field: string;
  category: Category | null;
  level: number;
  sensitive: boolean;
  /** The classifier's evidence: entity types found and the share of values holding them. */
  entities: unknown;
  confidence: number;
  status: string;
  confirmed_by: string | null;
  updated_at: string;
}

export const endpoints = {
  login: ep<undefined, undefined, { username: string; password: string }, SignedIn | SecondFactorRequired>(
    'POST',
    '/api/v1/auth/login',
    [],
  ),
  secondFactorEnrol: ep<undefined, undefined, { challenge: string }, { secret: string; otpauthUrl: string }>(
    'POST',
    '/api/v1/auth/second-factor/enrol',
    [],
  ),
  secondFactor: ep<undefined, undefined, { challenge: string; code: string }, SignedIn>(
    'POST',
    '/api/v1/auth/second-factor',
    [],
  ),
  alerts: ep<undefined, { status?: AlertStatus; limit?: number }, undefined, { alerts: SecurityAlert[] }>(
    'GET',
    '/api/v1/security/alerts',
    ALERT_WATCHERS,
  ),
  acknowledgeAlert: ep<{ id: string }, undefined, { note?: string }, { alert: SecurityAlert }>(
    'POST',
    '/api/v1/security/alerts/:id/acknowledge',
    ALERT_RESPONDERS,
  ),
  closeAlert: ep<{ id: string }, undefined, { note?: string }, { alert: SecurityAlert }>(
    'POST',
    '/api/v1/security/alerts/:id/close',
    ALERT_RESPONDERS,
  ),
  logout: ep<undefined, undefined, undefined, null>('POST', '/api/v1/auth/logout', ALL),
  me: ep<undefined, undefined, undefined, { user: User }>('GET', '/api/v1/auth/me', ALL),
  workspace: ep<undefined, undefined, undefined, Workspace>('GET', '/api/v1/workspace', ALL),
  runs: ep<undefined, { dataset?: string; limit?: number }, undefined, { runs: Run[] }>(
    'GET',
    '/api/v1/runs',
    OVERSIGHT,
  ),
  startRun: ep<{ name: string }, undefined, undefined, { run: string; status: 'queued' }>(
    'POST',
    '/api/v1/datasets/:name/runs',
    ENGINEERS,
  ),
  quarantine: ep<
    undefined,
    { dataset?: string; status?: string; limit?: number },
    undefined,
    { quarantine: QuarantineEntry[]; total: number }
  >('GET', '/api/v1/quarantine', OVERSIGHT),
  users: ep<undefined, undefined, undefined, { users: User[] }>('GET', '/api/v1/users', ['admin']),
  createUser: ep<
    undefined,
    undefined,
    { username: string; role: Role; password: string; displayName?: string },
    { user: User }
  >('POST', '/api/v1/users', ['admin']),
  updateUser: ep<{ username: string }, undefined, { role?: Role; isDisabled?: boolean }, { user: User }>(
    'PATCH',
    '/api/v1/users/:username',
    ['admin'],
  ),
  tokens: ep<undefined, { all?: 'true' | 'false' }, undefined, { tokens: ApiToken[] }>(
    'GET',
    '/api/v1/tokens',
    ALL,
  ),
  createToken: ep<
    undefined,
    undefined,
    { name: string; expiresIn?: string },
    { token: string; info: ApiToken }
  >('POST', '/api/v1/tokens', ALL),
  revokeToken: ep<{ id: string }, undefined, undefined, { token: ApiToken }>(
    'DELETE',
    '/api/v1/tokens/:id',
    ALL,
  ),
  keys: ep<undefined, undefined, undefined, KeyStatus>('GET', '/api/v1/keys', ['admin']),
  rotateKey: ep<undefined, undefined, undefined, { version: number }>('POST', '/api/v1/keys/rotate', [
    'admin',
  ]),
  rewrapKeys: ep<undefined, undefined, undefined, KeyRewrap>('POST', '/api/v1/keys/rewrap', ['admin']),
  retireKey: ep<{ version: string }, undefined, undefined, { version: number; retiredAt: string }>(
    'POST',
    '/api/v1/keys/:version/retire',
    ['admin'],
  ),
  sources: ep<undefined, undefined, undefined, { sources: SourceSummary[] }>(
    'GET',
    '/api/v1/sources',
    ENGINEERS,
  ),
  checkSource: ep<{ name: string }, undefined, undefined, SourceCheck>(
    'POST',
    '/api/v1/sources/:name/check',
    ENGINEERS,
  ),
  sourceStreams: ep<{ name: string }, undefined, undefined, { source: string; streams: StreamDescription[] }>(
    'GET',
    '/api/v1/sources/:name/streams',
    ENGINEERS,
  ),
  sourcePreview: ep<{ name: string }, { stream?: string; limit?: number }, undefined, SourcePreview>(
    'GET',
    '/api/v1/sources/:name/preview',
    ENGINEERS,
  ),
  classifications: ep<undefined, { dataset?: string }, undefined, { classifications: FieldClassification[] }>(
    'GET',
    '/api/v1/classifications',
    OVERSIGHT,
  ),
  confirmClassification: ep<
    { dataset: string; field: string },
    undefined,
    undefined,
    { dataset: string; field: string; status: 'confirmed' }
  >('POST', '/api/v1/classifications/:dataset/:field/confirm', ['compliance_officer']),
  overrideClassification: ep<
    { dataset: string; field: string },
    undefined,
    { category: Category | null; level: number; sensitive: boolean },
    FieldClassification
  >('PUT', '/api/v1/classifications/:dataset/:field', ['compliance_officer']),
} as const;

export type Endpoints = typeof endpoints;

/** Whether a role may call an endpoint (navigation and buttons follow this; the server decides). */
export function allows(endpoint: { roles: readonly Role[] }, role: Role | undefined): boolean {
  return endpoint.roles.length === 0 || (role !== undefined && endpoint.roles.includes(role));
}
