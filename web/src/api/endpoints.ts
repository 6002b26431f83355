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
} as const;

export type Endpoints = typeof endpoints;

/** Whether a role may call an endpoint (navigation and buttons follow this; the server decides). */
export function allows(endpoint: { roles: readonly Role[] }, role: Role | undefined): boolean {
  return endpoint.roles.length === 0 || (role !== undefined && endpoint.roles.includes(role));
}
