// The overview's posture panels: the latest compliance audit's score (overall and per framework)
// and the open security alerts by severity. Each panel is shown only to the roles its endpoint
// admits (the API refuses the others anyway) and links to the page where the work is done. Loaded
// lazily by the overview, so roles that see neither panel never fetch this code.

import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, Progress, Row, Skeleton, Space, Statistic, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { call } from '../../api/client';
import { allows, endpoints, type Role, type Severity } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_COLOUR: Record<Severity, string> = {
  low: 'default',
  medium: 'gold',
  high: 'orange',
  critical: 'red',
};
/** The most open alerts fetched; more than this is shown as "at least". */
const ALERT_WINDOW = 1000;

export default function PosturePanels({ role }: { role: Role | undefined }) {
  const compliance = allows(endpoints.complianceAudits, role);
  const alerts = allows(endpoints.alerts, role);
  if (!compliance && !alerts) return null;
  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
      {compliance && (
        <Col xs={24} xl={12}>
          <CompliancePanel />
        </Col>
      )}
      {alerts && (
        <Col xs={24} xl={12}>
          <AlertsPanel />
        </Col>
      )}
    </Row>
  );
}

function CompliancePanel() {
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

function AlertsPanel() {
  const { t } = useTranslation();
  const alerts = useQuery({
    queryKey: ['security', 'alerts', { status: 'open', limit: ALERT_WINDOW }],
    queryFn: () => call(endpoints.alerts, { query: { status: 'open', limit: ALERT_WINDOW } }),
    refetchInterval: 30_000,
  });
  const list = alerts.data?.alerts;
  let body: ReactNode;
  if (alerts.error) body = <ErrorState error={alerts.error} retry={() => void alerts.refetch()} />;
  else if (!list) body = <Skeleton active />;
  else if (list.length === 0) body = <Empty description={t('overview.noAlerts')} />;
  else {
    const counts = new Map<Severity, number>();
    for (const alert of list) counts.set(alert.severity, (counts.get(alert.severity) ?? 0) + 1);
    body = (
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Statistic
          title={t('overview.openAlerts')}
          value={list.length}
          suffix={list.length >= ALERT_WINDOW ? '+' : undefined}
        />
        <Space wrap>
          {SEVERITIES.map((severity) => (
            <Tag key={severity} color={SEVERITY_COLOUR[severity]}>
              {t(`alerts.severities.${severity}`)}: {counts.get(severity) ?? 0}
            </Tag>
          ))}
        </Space>
      </Space>
    );
  }
  return (
    <Card
      title={t('overview.alerts')}
      extra={<Link to="/security/alerts">{t('overview.openAlertsPage')}</Link>}
    >
      {body}
    </Card>
  );
}
