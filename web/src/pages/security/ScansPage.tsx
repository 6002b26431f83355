// Vulnerability and posture scans (docs/security.md): the latest scan's findings by severity, what
// it could not check (shown as such, never as a pass), and the history. Admins run a scan here;
// compliance officers and auditors read. The server runs, stores and audits the scan.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Empty, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import {
  allows,
  endpoints,
  type ScanFinding,
  type ScanSummary,
  type Severity,
  type SeverityCounts,
} from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

const SEVERITY_COLOUR: Record<Severity, string> = {
  low: 'default',
  medium: 'gold',
  high: 'orange',
  critical: 'red',
};
const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];

function Counts({ counts }: { counts: SeverityCounts }) {
  const { t } = useTranslation();
  return (
    <Space size={4} wrap>
      {SEVERITIES.map((severity) => (
        <Tag key={severity} color={counts[severity] > 0 ? SEVERITY_COLOUR[severity] : 'default'}>
          {t(`alerts.severities.${severity}`)} {counts[severity]}
        </Tag>
      ))}
    </Space>
  );
}

export default function ScansPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'en' ? 'en' : 'zh-CN';
  const { user } = useSession();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string | undefined>();
  const scans = useQuery({
    queryKey: ['security', 'scans'],
    queryFn: () => call(endpoints.scans, { query: { limit: 50 } }),
  });
  const shownId = selected ?? scans.data?.scans[0]?.id;
  const scan = useQuery({
    queryKey: ['security', 'scans', shownId],
    queryFn: () => call(endpoints.scan, { params: { id: shownId! } }),
    enabled: shownId !== undefined,
  });
  const run = useMutation({
    mutationFn: () => call(endpoints.runScan, { body: {} }),
    onSuccess: async (result) => {
      setSelected(result.scan.id);
      await queryClient.invalidateQueries({ queryKey: ['security', 'scans'] });
    },
  });
  const mayRun = allows(endpoints.runScan, user?.role);
  const shown = scan.data?.scan;

  return (
    <>
      <Typography.Title level={3}>{t('scans.title')}</Typography.Title>
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Paragraph type="secondary">{t('scans.intro')}</Typography.Paragraph>
        {mayRun && (
          <Button type="primary" loading={run.isPending} onClick={() => run.mutate()}>
            {run.isPending ? t('scans.running') : t('scans.run')}
          </Button>
        )}
        {run.isError && <ErrorState error={run.error} />}
        {scans.isError && <ErrorState error={scans.error} retry={() => void scans.refetch()} />}
        {scan.isError && <ErrorState error={scan.error} />}
        {scans.data && scans.data.scans.length === 0 && <Empty description={t('scans.none')} />}
        {shown && (
          <section aria-label={t('scans.latest', { at: formatDateTime(shown.at), actor: shown.actor })}>
            <Typography.Title level={4}>
              {t('scans.latest', { at: formatDateTime(shown.at), actor: shown.actor })}
            </Typography.Title>
            <Space direction="vertical" size="small" style={{ width: '100%' }}>
              <Counts counts={shown.counts} />
              <Typography.Text type="secondary">
                {t('scans.checked', {
                  parts: shown.checked.map((kind) => t(`scans.kinds.${kind}`)).join(' · '),
                })}
              </Typography.Text>
              {shown.couldNotCheck.length > 0 && (
                <Alert
                  type="warning"
                  showIcon
                  message={t('scans.notCheckedTitle')}
                  description={
                    <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                      {shown.couldNotCheck.map((gap) => (
                        <li key={`${gap.kind}:${gap.check}`}>
                          {gap.reason[language]}
                          {gap.detail ? ` (${gap.detail})` : ''}
                        </li>
                      ))}
                    </ul>
                  }
                />
              )}
              <Table<ScanFinding>
                rowKey="id"
                dataSource={shown.findings}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                locale={{ emptyText: <Empty description={t('scans.noFindings')} /> }}
                columns={[
                  {
                    title: t('scans.severity'),
                    dataIndex: 'severity',
                    render: (severity: Severity) => (
                      <Tag color={SEVERITY_COLOUR[severity]}>{t(`alerts.severities.${severity}`)}</Tag>
                    ),
                  },
                  {
                    title: t('scans.kind'),
                    dataIndex: 'kind',
                    render: (kind: ScanFinding['kind']) => t(`scans.kinds.${kind}`),
                  },
                  {
                    title: t('scans.finding'),
                    key: 'title',
                    render: (_: unknown, finding: ScanFinding) => finding.title[language],
                  },
                  {
                    title: t('scans.remediation'),
                    key: 'remediation',
                    render: (_: unknown, finding: ScanFinding) => finding.remediation[language],
                  },
                ]}
              />
            </Space>
          </section>
        )}
        {scans.data && scans.data.scans.length > 0 && (
          <>
            <Typography.Title level={4}>{t('scans.history')}</Typography.Title>
            <Table<ScanSummary>
              rowKey="id"
              loading={scans.isPending}
              dataSource={scans.data.scans}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              columns={[
                { title: t('scans.at'), dataIndex: 'at', render: (at: string) => formatDateTime(at) },
                { title: t('scans.actor'), dataIndex: 'actor' },
                {
                  title: t('scans.trigger'),
                  dataIndex: 'trigger',
                  render: (trigger: string) => t(`scans.triggers.${trigger}`, { defaultValue: trigger }),
                },
                {
                  title: t('scans.counts'),
                  dataIndex: 'counts',
                  render: (counts: SeverityCounts) => <Counts counts={counts} />,
                },
                { title: t('scans.couldNotCheck'), dataIndex: 'couldNotCheck', align: 'right' },
                {
                  title: '',
                  key: 'select',
                  render: (_: unknown, row: ScanSummary) => (
                    <Button size="small" disabled={row.id === shownId} onClick={() => setSelected(row.id)}>
                      {t('scans.select')}
                    </Button>
                  ),
                },
              ]}
            />
          </>
        )}
      </Space>
    </>
  );
}
