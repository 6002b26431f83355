// Analytics / 分析: one tab per analysis, each in its own file and chunk, loaded when opened. A tab
// is shown to the roles its endpoint admits (the API decides what each may read, for which
// purpose). Add an analysis by adding an entry to TABS.

import { Skeleton, Tabs, Typography } from 'antd';
import { type ComponentType, type LazyExoticComponent, lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { allows, type Endpoint, endpoints } from '../../api/endpoints';
import { useSession } from '../../app/session';

interface AnalyticsTab {
  /** Its label is `analytics.tab.<key>` in the locale files. */
  key: string;
  endpoint: Endpoint<unknown, unknown, unknown, unknown>;
  component: LazyExoticComponent<ComponentType>;
}

const TABS: AnalyticsTab[] = [
  { key: 'scorecard', endpoint: endpoints.scorecardModels, component: lazy(() => import('./ScorecardTab')) },
  {
    key: 'segmentation',
    endpoint: endpoints.segmentationRun,
    component: lazy(() => import('./SegmentationTab')),
  },
  { key: 'claims', endpoint: endpoints.claimsReserve, component: lazy(() => import('./ClaimsTab')) },
];

export default function AnalyticsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const tabs = TABS.filter((tab) => allows(tab.endpoint, user?.role));
  return (
    <>
      <Typography.Title level={3}>{t('analytics.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('analytics.intro')}</Typography.Paragraph>
      <Tabs
        items={tabs.map((tab) => ({
          key: tab.key,
          label: t(`analytics.tab.${tab.key}`),
          children: (
            <Suspense fallback={<Skeleton active />}>
              <tab.component />
            </Suspense>
          ),
        }))}
      />
    </>
  );
}
