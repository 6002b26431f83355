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

export type ControlStatus = 'pass' | 'fail' | 'warn' | 'manual' | 'not_applicable';
export interface Localized {
  'zh-CN': string;
  en: string;
}

export interface ComplianceControl {
  id: string;
  framework: string;
  clause: string;
  title: Localized;
  text: Localized;
  kind: 'automated' | 'attested' | 'manual';
  severity: 'low' | 'medium' | 'high' | 'critical';
  check?: string;
  remediation: Localized;
  source: { provenance: 'digest' | 'not_at_hand'; note?: string };
  latest: { status: ControlStatus; evidence: Record<string, unknown>; auditId: string } | null;
}

export interface ComplianceAuditSummary {
  id: string;
  at: string;
  actor: string;
  trigger: string;
  score: number;
  reportHash: string;
  hashAlgorithm: string;
  auditIndex: number | null;
}

/** The stored report (src/compliance/compliance-audit.ts AuditReport), the parts the console shows. */
export interface ComplianceReport {
  id: string;
  at: string;
  score: number;
  frameworks: { framework: string; score: number | null; counts: Record<ControlStatus, number> }[];
  previous: { id: string; at: string; score: number } | null;
  trend: {
    scoreDelta: number | null;
    frameworks: Record<string, number | null>;
    newlyFailing: string[];
    resolved: string[];
  };
}

const COMPLIANCE_READERS = ['compliance_officer', 'auditor'] as const;
const COMPLIANCE_OFFICERS = ['compliance_officer'] as const;

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
  complianceControls: ep<undefined, undefined, undefined, { controls: ComplianceControl[] }>(
    'GET',
    '/api/v1/compliance/controls',
    COMPLIANCE_READERS,
  ),
  complianceAudits: ep<undefined, { limit?: number }, undefined, { audits: ComplianceAuditSummary[] }>(
    'GET',
    '/api/v1/compliance/audits',
    COMPLIANCE_READERS,
  ),
  complianceAudit: ep<
    { id: string },
    undefined,
    undefined,
    {
      id: string;
      reportHash: string;
      hashAlgorithm: string;
      auditIndex: number | null;
      report: ComplianceReport;
    }
  >('GET', '/api/v1/compliance/audits/:id', COMPLIANCE_READERS),
  runComplianceAudit: ep<
    undefined,
    { lang?: 'zh-CN' | 'en' },
    undefined,
    { id: string; at: string; score: number }
  >('POST', '/api/v1/compliance/audits', COMPLIANCE_OFFICERS),
  /** A file the browser downloads (a link, not a call). */
  complianceReport: ep<
    { id: string },
    { format: 'html' | 'json' | 'pdf'; lang: 'zh-CN' | 'en' },
    undefined,
    unknown
  >('GET', '/api/v1/compliance/audits/:id/report', COMPLIANCE_READERS),
} as const;

export type Endpoints = typeof endpoints;

/** Whether a role may call an endpoint (navigation and buttons follow this; the server decides). */
export function allows(endpoint: { roles: readonly Role[] }, role: Role | undefined): boolean {
  return endpoint.roles.length === 0 || (role !== undefined && endpoint.roles.includes(role));
}
