// The overview's posture panels: the latest compliance audit's score (overall and per framework)
// and the open security alerts by severity. Each panel is shown only to the roles its endpoint
// admits (the API refuses the others anyway) and links to the page where the work is done. Loaded
// lazily by the overview, so roles that see neither panel never fetch this code.

import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, Row, Skeleton, Space, Statistic, Tag } from 'antd';
import { lazy, type ReactNode, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { call } from '../../api/client';
import { allows, endpoints, type Role, type Severity } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const SEVERITY_COLOUR: Record<Severity, string> = {
  low: 'default',
  medium: 'gold',
  high: 'orange',
  critical: 'red',
};
// Its own chunk (it carries the progress bars): admins watch alerts but read no audits.
const CompliancePanel = lazy(() => import('./CompliancePanel'));
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
          <Suspense fallback={<Skeleton active />}>
            <CompliancePanel />
          </Suspense>
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
