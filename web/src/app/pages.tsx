// The console's pages: one entry per page, in navigation order. A page is shown (in the side
// navigation and as a route) only to roles its `endpoint` admits — the API refuses the others
// anyway. Pages load lazily, so each area's code is fetched when first opened. See docs/console.md.

import type { ComponentType, LazyExoticComponent } from 'react';
import { lazy } from 'react';
import { type Endpoint, endpoints } from '../api/endpoints';

/** Areas of the side navigation, in order. An area with no page yet is not shown. */
export const AREAS = [
  'overview',
  'collection',
  'access',
  'consent',
  'compliance',
  'security',
  'analytics',
  'audit',
  'administration',
] as const;
export type Area = (typeof AREAS)[number];

export interface PageEntry {
  /** Unique key; its label is `nav.<key>` in the locale files. */
  key: string;
  area: Area;
  /** Route path; `/` is the overview. */
  path: string;
  /** The API call the page cannot do without: its roles decide who sees the page. */
  endpoint: Endpoint<unknown, unknown, unknown, unknown>;
  component: LazyExoticComponent<ComponentType>;
}

export const PAGES: PageEntry[] = [
  {
    key: 'overview',
    area: 'overview',
    path: '/',
    endpoint: endpoints.workspace,
    component: lazy(() => import('../pages/overview/OverviewPage')),
  },
  {
    key: 'dsr',
    area: 'consent',
    path: '/dsr',
    endpoint: endpoints.dsrList,
    component: lazy(() => import('../pages/dsr/SubjectRequestsPage')),
  },
  {
    key: 'alerts',
    area: 'security',
    path: '/security/alerts',
    endpoint: endpoints.alerts,
    component: lazy(() => import('../pages/security/AlertsPage')),
  },
  {
    key: 'scans',
    area: 'security',
    path: '/security/scans',
    endpoint: endpoints.scans,
    component: lazy(() => import('../pages/security/ScansPage')),
  },
  {
    key: 'sources',
    area: 'collection',
    path: '/collection/sources',
    endpoint: endpoints.sources,
    component: lazy(() => import('../pages/collection/SourcesPage')),
  },
  {
    key: 'datasets',
    area: 'collection',
    path: '/collection/datasets',
    endpoint: endpoints.classifications,
    component: lazy(() => import('../pages/collection/DatasetsPage')),
  },
  {
    key: 'runs',
    area: 'collection',
    path: '/collection/runs',
    endpoint: endpoints.runs,
    component: lazy(() => import('../pages/collection/RunsPage')),
  },
  {
    key: 'quarantine',
    area: 'collection',
    path: '/collection/quarantine',
    endpoint: endpoints.quarantine,
    component: lazy(() => import('../pages/collection/QuarantinePage')),
  },
  {
    key: 'records',
    area: 'access',
    path: '/access/records',
    endpoint: endpoints.records,
    component: lazy(() => import('../pages/access/RecordsPage')),
  },
  {
    key: 'requests',
    area: 'access',
    path: '/access/requests',
    endpoint: endpoints.accessRequests,
    component: lazy(() => import('../pages/access/RequestsPage')),
  },
  {
    key: 'grants',
    area: 'access',
    path: '/access/grants',
    endpoint: endpoints.grants,
    component: lazy(() => import('../pages/access/GrantsPage')),
  },
  {
    key: 'audit',
    area: 'audit',
    path: '/audit/log',
    endpoint: endpoints.auditEntries,
    component: lazy(() => import('../pages/audit/AuditPage')),
  },
  {
    key: 'users',
    area: 'administration',
    path: '/administration/users',
    endpoint: endpoints.users,
    component: lazy(() => import('../pages/administration/UsersPage')),
  },
  {
    key: 'tokens',
    area: 'administration',
    path: '/administration/tokens',
    endpoint: endpoints.tokens,
    component: lazy(() => import('../pages/administration/TokensPage')),
  },
  {
    key: 'keys',
    area: 'administration',
    path: '/administration/keys',
    endpoint: endpoints.keys,
    component: lazy(() => import('../pages/administration/KeysPage')),
  },
  {
    key: 'consents',
    area: 'consent',
    path: '/consent/consents',
    endpoint: endpoints.subjectConsents,
    component: lazy(() => import('../pages/consents/ConsentsPage')),
  },
  {
    key: 'compliance',
    area: 'compliance',
    path: '/compliance',
    endpoint: endpoints.complianceControls,
    component: lazy(() => import('../pages/compliance/CompliancePage')),
  },
  {
    key: 'analytics',
    area: 'analytics',
    path: '/analytics',
    endpoint: endpoints.scorecardModels,
    component: lazy(() => import('../pages/analytics/AnalyticsPage')),
  },
];
