// The overview's compliance panel: the latest audit's score, overall and per framework, linking to
// the Compliance page; or what to do when no audit has run. Loaded by PosturePanels for the roles
// that read audits.

import { useQuery } from '@tanstack/react-query';
import { Card, Empty, Progress, Skeleton, Space, Statistic, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { call } from '../../api/client';
import { endpoints } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';

export default function CompliancePanel() {
  const { t } = useTranslation();
  const audits = useQuery({
    queryKey: ['compliance', 'audits', { limit: 1 }],
    queryFn: () => call(endpoints.complianceAudits, { query: { limit: 1 } }),
  });
  const latestId = audits.data?.audits[0]?.id;
  const latest = useQuery({
    queryKey: ['compliance', 'audit', latestId],
    queryFn: () => call(endpoints.complianceAudit, { params: { id: latestId! } }),
    enabled: latestId !== undefined,
  });
  const error = audits.error ?? latest.error;
  const summary = audits.data?.audits[0];
  const report = latest.data?.report;
  let body: ReactNode;
  if (error)
    body = <ErrorState error={error} retry={() => void (audits.error ? audits : latest).refetch()} />;
  else if (audits.isPending) body = <Skeleton active />;
  else if (!summary) body = <Empty description={t('overview.noAudit')} />;
  else
    body = (
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Statistic title={t('overview.complianceScore')} value={summary.score} suffix="/ 100" />
        <Typography.Text type="secondary">
          {t('overview.auditAt', { at: formatDateTime(summary.at) })}
        </Typography.Text>
        {latest.isPending ? (
          <Skeleton active paragraph={{ rows: 3 }} />
        ) : (
          report?.frameworks.map((f) => (
            <div key={f.framework}>
              <Typography.Text>
                {t(`compliance.framework.${f.framework}`, { defaultValue: f.framework })}
              </Typography.Text>
              {f.score === null ? (
                <Typography.Text type="secondary"> — {t('overview.notAssessed')}</Typography.Text>
              ) : (
                <Progress percent={f.score} size="small" />
              )}
            </div>
          ))
        )}
      </Space>
    );
  return (
    <Card
      title={t('overview.compliance')}
      extra={<Link to="/compliance">{t('overview.openCompliance')}</Link>}
    >
      {body}
    </Card>
  );
}
