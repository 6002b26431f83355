// Analytics (分析): one page with a tab per analysis. Each tab is its own file and chunk.

import { Tabs, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';

const ScorecardTab = lazy(() => import('./ScorecardTab'));

export default function AnalyticsPage() {
  const { t } = useTranslation();
  return (
    <>
      <Typography.Title level={3}>{t('analytics.title')}</Typography.Title>
      <Tabs
        items={[
          {
            key: 'scorecard',
            label: t('analytics.tab.scorecard'),
            children: (
              <Suspense fallback={null}>
                <ScorecardTab />
              </Suspense>
            ),
          },
        ]}
      />
    </>
  );
}
