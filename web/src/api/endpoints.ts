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

export const endpoints = {
  login: ep<undefined, undefined, { username: string; password: string }, { user: User; expiresAt: string }>(
    'POST',
    '/api/v1/auth/login',
    [],
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
