// Security alerts raised by the monitoring rules (docs/security.md): newest first, filtered by
// status, with their evidence; admins and compliance officers acknowledge and close them (audited
// by the server). Auditors see the list only. Above it, the last full verification of the audit log
// against the pinned keys (scheduled under `custos serve`); responders can run one now.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Empty, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type AlertStatus, allows, endpoints, type SecurityAlert, type Severity } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

const SEVERITY_COLOUR: Record<Severity, string> = {
  low: 'default',
  medium: 'gold',
  high: 'orange',
  critical: 'red',
};
const FILTERS = ['open', 'acknowledged', 'closed', 'all'] as const;
type Filter = (typeof FILTERS)[number];

export default function AlertsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<Filter>('open');
  const query: { status?: AlertStatus } = filter === 'all' ? {} : { status: filter };
  const alerts = useQuery({
    queryKey: ['security', 'alerts', query],
    queryFn: () => call(endpoints.alerts, { query }),
    refetchInterval: 30_000,
  });
  const act = useMutation({
    mutationFn: ({ id, verb }: { id: string; verb: 'acknowledge' | 'close' }) =>
      call(verb === 'acknowledge' ? endpoints.acknowledgeAlert : endpoints.closeAlert, {
        params: { id },
        body: {},
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['security', 'alerts'] }),
  });
  const mayAct = allows(endpoints.closeAlert, user?.role);
  const verification = useQuery({
    queryKey: ['security', 'audit-verification'],
    queryFn: () => call(endpoints.auditVerification),
    refetchInterval: 60_000,
  });
  const verify = useMutation({
    mutationFn: () => call(endpoints.verifyAuditLog),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['security'] }),
  });
  const last = verification.data?.last;

  return (
    <>
      <Typography.Title level={3}>{t('alerts.title')}</Typography.Title>
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Segmented<Filter>
          value={filter}
          onChange={setFilter}
          options={FILTERS.map((value) => ({ value, label: t(`alerts.filter.${value}`) }))}
        />
        {verification.isError && <ErrorState error={verification.error} />}
        {verify.isError && <ErrorState error={verify.error} />}
        {verification.data && (
          <Alert
            data-testid="audit-verification"
            showIcon
            type={last ? (last.isOk ? 'success' : 'error') : 'info'}
            message={
              last
                ? t(last.isOk ? 'alerts.verification.passed' : 'alerts.verification.failed', {
                    at: formatDateTime(last.verifiedAt),
                    entries: last.treeSize,
                    heads: last.headsChecked,
                    index: last.problem?.index ?? -1,
                    problem: last.problem?.kind ?? '',
                  })
                : t('alerts.verification.never')
            }
            description={t('alerts.verification.schedule', {
              minutes: verification.data.everyMinutes,
              trigger: last ? t(`alerts.verification.triggers.${last.trigger}`) : '—',
            })}
            action={
              mayAct ? (
                <Button size="small" loading={verify.isPending} onClick={() => verify.mutate()}>
                  {t('alerts.verification.verifyNow')}
                </Button>
              ) : undefined
            }
          />
        )}
        {alerts.isError && <ErrorState error={alerts.error} retry={() => void alerts.refetch()} />}
        {act.isError && <ErrorState error={act.error} />}
        <Table<SecurityAlert>
          rowKey="id"
          loading={alerts.isPending}
          dataSource={alerts.data?.alerts ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty description={t('alerts.empty')} /> }}
          columns={[
            {
              title: t('alerts.severity'),
              dataIndex: 'severity',
              render: (severity: Severity) => (
                <Tag color={SEVERITY_COLOUR[severity]}>{t(`alerts.severities.${severity}`)}</Tag>
              ),
            },
            {
              title: t('alerts.rule'),
              dataIndex: 'rule',
              render: (rule: string) => t(`alerts.rules.${rule}`, { defaultValue: rule }),
            },
            { title: t('alerts.subject'), dataIndex: 'subject' },
            {
              title: t('alerts.evidence'),
              dataIndex: 'evidence',
              render: (evidence: SecurityAlert['evidence']) =>
                Object.entries(evidence)
                  .map(([key, value]) => `${key}: ${value}`)
                  .join(' · '),
            },
            { title: t('alerts.occurrences'), dataIndex: 'occurrences', align: 'right' },
            {
              title: t('alerts.lastSeen'),
              dataIndex: 'lastSeenAt',
              render: (at: string) => formatDateTime(at),
            },
            {
              title: t('alerts.status'),
              dataIndex: 'status',
              render: (status: AlertStatus) => t(`alerts.statuses.${status}`),
            },
            ...(mayAct
              ? [
                  {
                    title: t('alerts.actions'),
                    key: 'actions',
                    render: (_: unknown, alert: SecurityAlert) => (
                      <Space>
                        {alert.status === 'open' && (
                          <Button
                            size="small"
                            onClick={() => act.mutate({ id: alert.id, verb: 'acknowledge' })}
                          >
                            {t('alerts.acknowledge')}
                          </Button>
                        )}
                        {alert.status !== 'closed' && (
                          <Button
                            size="small"
                            danger
                            onClick={() => act.mutate({ id: alert.id, verb: 'close' })}
                          >
                            {t('alerts.close')}
                          </Button>
                        )}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Space>
    </>
  );
}
