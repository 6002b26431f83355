// Compliance: the latest audit's score per framework and trend, every control with its status and
// evidence (failing first), running an audit (compliance officers) and downloading its report
// (PDF only where the server has Chromium); attestations and shares to third parties in their tabs.
// The API decides every status; this page only shows it (docs/compliance.md).

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Col, Empty, Row, Space, Statistic, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { call, pathOf } from '../../api/client';
import { allows, type ComplianceControl, type ControlStatus, endpoints } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { currentLanguage, formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { Chart, type EChartsOption } from '../../components/Chart';
import AttestationsTab from './AttestationsTab';
import SharesTab from './SharesTab';

const STATUS_ORDER: Record<ControlStatus, number> = {
  fail: 0,
  warn: 1,
  manual: 2,
  pass: 3,
  not_applicable: 4,
};
const STATUS_COLOUR: Record<ControlStatus, string> = {
  fail: 'red',
  warn: 'orange',
  manual: 'default',
  pass: 'green',
  not_applicable: 'default',
};
const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 } as const;

export default function CompliancePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const lang = currentLanguage();
  const queryClient = useQueryClient();
  const controls = useQuery({
    queryKey: ['compliance', 'controls'],
    queryFn: () => call(endpoints.complianceControls),
  });
  // The newest audit's id from the list (an empty list is the "no audit yet" state, not an error).
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
  // Known ahead: without Chromium the PDF button is off and says the HTML report prints to PDF.
  const capabilities = useQuery({
    queryKey: ['compliance', 'capabilities'],
    queryFn: () => call(endpoints.complianceCapabilities),
    staleTime: 5 * 60_000,
  });
  const pdfUnavailable = capabilities.data?.pdf === 'unavailable';
  const run = useMutation({
    mutationFn: () => call(endpoints.runComplianceAudit, { query: { lang } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['compliance'] }),
  });
  const noAudit = audits.data !== undefined && audits.data.audits.length === 0;
  const failed = audits.error ?? latest.error;
  const pending = audits.isPending || (latestId !== undefined && latest.isPending);
  const report = latest.data?.report;

  const frameworkChart: EChartsOption | undefined = report && {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 110, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', min: 0, max: 100 },
    yAxis: { type: 'category', data: report.frameworks.map((f) => t(`compliance.framework.${f.framework}`)) },
    series: [
      { type: 'bar', data: report.frameworks.map((f) => f.score ?? 0), itemStyle: { color: '#1677ff' } },
    ],
  };
  const download = (id: string, format: 'html' | 'json' | 'pdf') =>
    `${pathOf(endpoints.complianceReport.path, { id })}?format=${format}&lang=${encodeURIComponent(lang)}`;
  const rows = [...(controls.data?.controls ?? [])].sort(
    (a, b) =>
      STATUS_ORDER[a.latest?.status ?? 'manual'] - STATUS_ORDER[b.latest?.status ?? 'manual'] ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.id.localeCompare(b.id),
  );

  const controlsCard = (
    <Card title={t('compliance.controls')}>
      <Table<ComplianceControl>
        rowKey="id"
        size="small"
        loading={controls.isPending}
        dataSource={rows}
        pagination={{ pageSize: 20 }}
        expandable={{
          expandedRowRender: (c) => (
            <>
              <Typography.Paragraph>{c.text[lang]}</Typography.Paragraph>
              <Typography.Text strong>{t('compliance.evidence')}</Typography.Text>
              <pre style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>
                {c.latest ? JSON.stringify(c.latest.evidence, null, 2) : '—'}
              </pre>
              {c.source.note && <Typography.Paragraph type="secondary">{c.source.note}</Typography.Paragraph>}
            </>
          ),
        }}
        columns={[
          {
            title: t('compliance.control'),
            dataIndex: 'id',
            render: (id: string) => <Typography.Text code>{id}</Typography.Text>,
          },
          { title: t('compliance.clause'), dataIndex: 'clause' },
          { title: t('compliance.controlTitle'), render: (_, c) => c.title[lang] },
          {
            title: t('compliance.status'),
            render: (_, c) =>
              c.latest ? (
                <Tag color={STATUS_COLOUR[c.latest.status]}>
                  {t(`compliance.statusName.${c.latest.status}`)}
                </Tag>
              ) : (
                '—'
              ),
            filters: (Object.keys(STATUS_ORDER) as ControlStatus[]).map((s) => ({
              text: t(`compliance.statusName.${s}`),
              value: s,
            })),
            onFilter: (value, c) => c.latest?.status === value,
          },
          {
            title: t('compliance.severity'),
            dataIndex: 'severity',
            render: (s: string) => t(`compliance.severityName.${s}`),
          },
          {
            title: t('compliance.kind'),
            dataIndex: 'kind',
            render: (k: string) => t(`compliance.kindName.${k}`),
          },
          {
            title: t('compliance.remediation'),
            render: (_, c) =>
              c.latest && (c.latest.status === 'fail' || c.latest.status === 'warn')
                ? c.remediation[lang]
                : '',
          },
        ]}
      />
    </Card>
  );

  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} align="start">
        <Typography.Title level={3}>{t('compliance.title')}</Typography.Title>
        {allows(endpoints.runComplianceAudit, user?.role) && (
          <Button type="primary" loading={run.isPending} onClick={() => run.mutate()}>
            {t('compliance.runAudit')}
          </Button>
        )}
      </Space>
      {run.isError && <ErrorState error={run.error} />}
      {failed && <ErrorState error={failed} retry={() => void audits.refetch()} />}
      {noAudit ? (
        <Card>
          <Empty description={t('compliance.noAudit')} />
        </Card>
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} md={8}>
            <Card loading={pending}>
              <Statistic title={t('compliance.score')} value={report?.score ?? 0} suffix="/ 100" />
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {t('compliance.auditAt', { at: formatDateTime(report?.at) })}
              </Typography.Paragraph>
              <Typography.Paragraph>
                {report?.previous
                  ? t('compliance.trend', {
                      delta: `${(report.trend.scoreDelta ?? 0) > 0 ? '+' : ''}${report.trend.scoreDelta ?? 0}`,
                      failing: report.trend.newlyFailing.length,
                      resolved: report.trend.resolved.length,
                    })
                  : t('compliance.noPrevious')}
              </Typography.Paragraph>
              {report && (
                <Space wrap>
                  <Button href={download(report.id, 'html')} target="_blank">
                    {t('compliance.downloadHtml')}
                  </Button>
                  <Button href={download(report.id, 'json')}>{t('compliance.downloadJson')}</Button>
                  {pdfUnavailable ? (
                    <Tooltip title={t('compliance.pdfUnavailable')}>
                      {/* A disabled button shows no tooltip of its own: the span carries it. */}
                      <span>
                        <Button disabled>{t('compliance.downloadPdf')}</Button>
                      </span>
                    </Tooltip>
                  ) : (
                    <Button href={download(report.id, 'pdf')}>{t('compliance.downloadPdf')}</Button>
                  )}
                </Space>
              )}
            </Card>
          </Col>
          <Col xs={24} md={16}>
            <Card title={t('compliance.byFramework')} loading={pending}>
              {frameworkChart && (
                <Chart option={frameworkChart} height={220} label={t('compliance.byFramework')} />
              )}
            </Card>
          </Col>
        </Row>
      )}
      {controls.isError && <ErrorState error={controls.error} retry={() => void controls.refetch()} />}
      <Tabs
        style={{ marginTop: 16 }}
        items={[
          { key: 'controls', label: t('compliance.tabs.controls'), children: controlsCard },
          { key: 'attestations', label: t('compliance.tabs.attestations'), children: <AttestationsTab /> },
          { key: 'shares', label: t('compliance.tabs.shares'), children: <SharesTab /> },
        ]}
      />
    </>
  );
}
