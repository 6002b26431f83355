// The overview: what the workspace declares, and — for roles that oversee collection — records
// collected per dataset over time, runs by status, quarantine by reason and the latest runs; for
// roles that oversee compliance and security, the latest audit's score and the open alerts.

import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, Row, Skeleton, Statistic, Table, Tag, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, endpoints, type Run } from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { currentLanguage, formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { Chart, type EChartsOption } from '../../components/Chart';
import { RunStatus } from '../../components/RunStatus';

const RUN_WINDOW = 200;
// Compliance score and open alerts: their own chunk, fetched only for roles that see them.
const PosturePanels = lazy(() => import('./PosturePanels'));

export default function OverviewPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const workspace = useQuery({ queryKey: ['workspace'], queryFn: () => call(endpoints.workspace) });
  const seesRuns = allows(endpoints.runs, user?.role);
  const runs = useQuery({
    queryKey: ['runs', { limit: RUN_WINDOW }],
    queryFn: () => call(endpoints.runs, { query: { limit: RUN_WINDOW } }),
    enabled: seesRuns,
    refetchInterval: 10_000,
  });

  return (
    <>
      <Typography.Title level={3}>{t('overview.title')}</Typography.Title>
      {workspace.isError && <ErrorState error={workspace.error} retry={() => void workspace.refetch()} />}
      <Row gutter={[16, 16]}>
        {(['datasets', 'sources', 'purposes', 'policies'] as const).map((key) => (
          <Col key={key} xs={12} md={6}>
            <Card>
              <Statistic
                title={t(`overview.count.${key}`)}
                value={workspace.data?.counts[key] ?? 0}
                loading={workspace.isPending}
              />
            </Card>
          </Col>
        ))}
      </Row>
      {(allows(endpoints.complianceAudits, user?.role) || allows(endpoints.alerts, user?.role)) && (
        <Suspense fallback={<Skeleton active style={{ marginTop: 16 }} />}>
          <PosturePanels role={user?.role} />
        </Suspense>
      )}
      {seesRuns ? (
        <RunSection
          runs={runs.data?.runs}
          pending={runs.isPending}
          error={runs.error}
          retry={() => void runs.refetch()}
        />
      ) : (
        <Card title={t('overview.datasets')} style={{ marginTop: 16 }}>
          <Table
            rowKey="name"
            size="small"
            pagination={false}
            loading={workspace.isPending}
            dataSource={workspace.data?.datasets ?? []}
            columns={[
              { title: t('overview.dataset'), dataIndex: 'name' },
              { title: t('overview.source'), dataIndex: 'source' },
              {
                title: t('overview.purposes'),
                dataIndex: 'purposes',
                render: (purposes: string[]) => purposes.map((p) => <Tag key={p}>{p}</Tag>),
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}

function RunSection({
  runs,
  pending,
  error,
  retry,
}: {
  runs: Run[] | undefined;
  pending: boolean;
  error: unknown;
  retry: () => void;
}) {
  const { t } = useTranslation();
  if (error) return <ErrorState error={error} retry={retry} />;
  if (pending || !runs) return <Skeleton active style={{ marginTop: 16 }} />;
  if (runs.length === 0) {
    return (
      <Card style={{ marginTop: 16 }}>
        <Empty description={t('overview.noRuns')} />
      </Card>
    );
  }
  // Records stored (new or changed) per dataset per day, in the user's time zone.
  const day = new Intl.DateTimeFormat(currentLanguage(), { month: 'short', day: 'numeric' });
  const finished = runs
    .filter((r) => r.finishedAt)
    .sort((a, b) => a.finishedAt!.localeCompare(b.finishedAt!));
  const days = [...new Set(finished.map((r) => day.format(new Date(r.finishedAt!))))];
  const datasets = [...new Set(finished.map((r) => r.dataset))].sort();
  const collected: EChartsOption = {
    tooltip: { trigger: 'axis' },
    legend: { data: datasets, bottom: 0 },
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', minInterval: 1 },
    series: datasets.map((dataset) => ({
      name: dataset,
      type: 'bar',
      stack: 'stored',
      data: days.map((d) =>
        finished
          .filter((r) => r.dataset === dataset && day.format(new Date(r.finishedAt!)) === d)
          .reduce((sum, r) => sum + r.stored + r.updated, 0),
      ),
    })),
  };
  const byStatus = new Map<string, number>();
  for (const run of runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
  const statusChart: EChartsOption = {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        data: [...byStatus].map(([status, value]) => ({
          name: t(`runStatus.${status}`, { defaultValue: status }),
          value,
        })),
      },
    ],
  };
  const byReason = new Map<string, number>();
  for (const run of runs) {
    for (const [reason, count] of Object.entries(run.quarantineReasons)) {
      byReason.set(reason, (byReason.get(reason) ?? 0) + count);
    }
  }
  const reasons = [...byReason].sort((a, b) => b[1] - a[1]);
  const reasonChart: EChartsOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 8, top: 16, bottom: 32 },
    yAxis: { type: 'value', minInterval: 1 },
    xAxis: {
      type: 'category',
      data: reasons.map(([reason]) => t(`quarantineReason.${reason}`, { defaultValue: reason })),
    },
    series: [{ type: 'bar', data: reasons.map(([, count]) => count), itemStyle: { color: '#fa8c16' } }],
  };

  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
      <Col xs={24} xl={12}>
        <Card
          title={t('overview.collected')}
          extra={
            <Typography.Text type="secondary">{t('overview.window', { count: runs.length })}</Typography.Text>
          }
        >
          <Chart option={collected} label={t('overview.collected')} />
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card title={t('overview.runsByStatus')}>
          <Chart option={statusChart} label={t('overview.runsByStatus')} />
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card title={t('overview.quarantineByReason')}>
          {reasons.length === 0 ? (
            <Empty description={t('overview.noQuarantine')} />
          ) : (
            <Chart option={reasonChart} label={t('overview.quarantineByReason')} />
          )}
        </Card>
      </Col>
      <Col span={24}>
        <Card title={t('overview.latestRuns')}>
          <Table<Run>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={runs.slice(0, 8)}
            columns={[
              { title: t('run.dataset'), dataIndex: 'dataset' },
              {
                title: t('run.status'),
                dataIndex: 'status',
                render: (s: string) => <RunStatus status={s} />,
              },
              { title: t('run.trigger'), dataIndex: 'trigger' },
              { title: t('run.read'), dataIndex: 'read', align: 'right' },
              { title: t('run.stored'), dataIndex: 'stored', align: 'right' },
              { title: t('run.quarantined'), dataIndex: 'quarantined', align: 'right' },
              {
                title: t('run.finishedAt'),
                dataIndex: 'finishedAt',
                render: (v: string | null) => formatDateTime(v),
              },
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}
