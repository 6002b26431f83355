// Runs: the history with live progress (polled every 2 s while a run on the page is queued or
// running), their counts and quarantine reasons, and — for data engineers and admins — starting a
// collection. Paged, sorted and filtered by the server (GET /api/v1/runs offset, sort, status).

import { PlayCircleOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Flex, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, endpoints, type Run, type RunSort, type RunSortKey } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime, formatNumber } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useWorkspace } from '../../app/useWorkspace';
import { RunStatus } from '../../components/RunStatus';

const ACTIVE = new Set(['queued', 'running']);
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'blocked', 'abandoned'] as const;
const SORTABLE = new Set<string>(['dataset', 'status', 'read', 'quarantined', 'createdAt', 'finishedAt']);
const DEFAULT_SORT: RunSort = '-createdAt';

export default function RunsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const workspace = useWorkspace();
  const [dataset, setDataset] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const [sort, setSort] = useState<RunSort>(DEFAULT_SORT);
  const [toStart, setToStart] = useState<string | undefined>();
  const query = {
    limit: page.pageSize,
    offset: (page.current - 1) * page.pageSize,
    sort,
    ...(dataset ? { dataset } : {}),
    ...(status ? { status } : {}),
  };
  const runs = useQuery({
    queryKey: ['runs', query],
    queryFn: () => call(endpoints.runs, { query }),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.runs.some((r) => ACTIVE.has(r.status)) ? 2000 : 15_000),
  });
  const sortOrder = (key: RunSortKey) =>
    sort === key ? ('ascend' as const) : sort === `-${key}` ? ('descend' as const) : null;
  const start = useMutation({
    mutationFn: (name: string) => call(endpoints.startRun, { params: { name } }),
    onSuccess: (_, name) => {
      void message.success(t('runs.started', { dataset: name }));
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
    },
    onError: (error) => void message.error(errorText(error, t)),
  });
  const datasetOptions = (workspace.data?.datasets ?? []).map((d) => ({ label: d.name, value: d.name }));

  return (
    <>
      <Typography.Title level={3}>{t('nav.runs')}</Typography.Title>
      <Card>
        <Flex justify="space-between" wrap gap={12} style={{ marginBottom: 16 }}>
          <Space wrap>
            <Select
              allowClear
              aria-label={t('runs.filterDataset')}
              placeholder={t('runs.filterDataset')}
              style={{ width: 220 }}
              options={datasetOptions}
              value={dataset ?? null}
              onChange={(v) => {
                setDataset(v ?? undefined);
                setPage((p) => ({ ...p, current: 1 }));
              }}
            />
            <Select
              allowClear
              aria-label={t('runs.filterStatus')}
              placeholder={t('runs.filterStatus')}
              style={{ width: 160 }}
              options={STATUSES.map((s) => ({ label: t(`runStatus.${s}`), value: s }))}
              value={status ?? null}
              onChange={(v) => {
                setStatus(v ?? undefined);
                setPage((p) => ({ ...p, current: 1 }));
              }}
            />
          </Space>
          {allows(endpoints.startRun, user?.role) && (
            <Space wrap>
              <Select
                aria-label={t('runs.datasetToCollect')}
                placeholder={t('runs.datasetToCollect')}
                style={{ width: 220 }}
                options={datasetOptions}
                value={toStart ?? null}
                onChange={(v) => setToStart(v ?? undefined)}
              />
              <Button
                type="primary"
                icon={<PlayCircleOutlined />}
                disabled={!toStart}
                loading={start.isPending}
                onClick={() => toStart && start.mutate(toStart)}
              >
                {t('runs.start')}
              </Button>
            </Space>
          )}
        </Flex>
        {runs.isError ? (
          <ErrorState error={runs.error} retry={() => void runs.refetch()} />
        ) : (
          <Table<Run>
            rowKey="id"
            size="middle"
            loading={runs.isPending || runs.isPlaceholderData}
            dataSource={runs.data?.runs ?? []}
            pagination={{
              current: page.current,
              pageSize: page.pageSize,
              total: runs.data?.total ?? 0,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100],
              showTotal: (total) => t('runs.total', { count: total }),
            }}
            onChange={(pagination, _filters, sorter) => {
              const one = Array.isArray(sorter) ? sorter[0] : sorter;
              const key =
                typeof one?.columnKey === 'string' && SORTABLE.has(one.columnKey) ? one.columnKey : null;
              const next: RunSort =
                key && one?.order
                  ? one.order === 'ascend'
                    ? (key as RunSortKey)
                    : `-${key as RunSortKey}`
                  : DEFAULT_SORT;
              if (next !== sort) {
                setSort(next);
                setPage({ current: 1, pageSize: pagination.pageSize ?? page.pageSize });
              } else {
                setPage({ current: pagination.current ?? 1, pageSize: pagination.pageSize ?? page.pageSize });
              }
            }}
            locale={{ emptyText: <Empty description={t('runs.empty')} /> }}
            expandable={{
              expandedRowRender: (run) => <RunDetail run={run} />,
            }}
            columns={[
              {
                title: t('run.dataset'),
                dataIndex: 'dataset',
                key: 'dataset',
                sorter: true,
                sortOrder: sortOrder('dataset'),
              },
              {
                title: t('run.status'),
                dataIndex: 'status',
                key: 'status',
                sorter: true,
                sortOrder: sortOrder('status'),
                render: (value: string) => <RunStatus status={value} />,
              },
              { title: t('run.trigger'), dataIndex: 'trigger' },
              {
                title: t('run.read'),
                dataIndex: 'read',
                key: 'read',
                align: 'right',
                sorter: true,
                sortOrder: sortOrder('read'),
                render: formatNumber,
              },
              {
                title: t('run.stored'),
                key: 'stored',
                align: 'right',
                render: (_, r) => formatNumber(r.stored + r.updated),
              },
              { title: t('run.unchanged'), dataIndex: 'unchanged', align: 'right', render: formatNumber },
              {
                title: t('run.quarantined'),
                dataIndex: 'quarantined',
                key: 'quarantined',
                align: 'right',
                sorter: true,
                sortOrder: sortOrder('quarantined'),
                render: formatNumber,
              },
              {
                title: t('run.createdAt'),
                dataIndex: 'createdAt',
                key: 'createdAt',
                sorter: true,
                sortOrder: sortOrder('createdAt'),
                render: formatDateTime,
              },
              {
                title: t('run.finishedAt'),
                dataIndex: 'finishedAt',
                key: 'finishedAt',
                sorter: true,
                sortOrder: sortOrder('finishedAt'),
                render: formatDateTime,
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}

function RunDetail({ run }: { run: Run }) {
  const { t } = useTranslation();
  const reasons = Object.entries(run.quarantineReasons);
  return (
    <Space direction="vertical" size={4}>
      <Typography.Text type="secondary">
        {t('runs.id')}: <Typography.Text code>{run.id}</Typography.Text> · {t('runs.worker')}:{' '}
        {run.worker ?? '—'} · {t('runs.startedAt')}: {formatDateTime(run.startedAt)}
      </Typography.Text>
      {reasons.length > 0 && (
        <div>
          {t('runs.reasons')}:{' '}
          {reasons.map(([reason, count]) => (
            <Tag key={reason} color="orange">
              {t(`quarantineReason.${reason}`, { defaultValue: reason })} × {count}
            </Tag>
          ))}
        </div>
      )}
      {run.droppedFields.length > 0 && (
        <div>
          {t('runs.dropped')}:{' '}
          {run.droppedFields.map((f) => (
            <Tag key={f}>{f}</Tag>
          ))}
        </div>
      )}
      {run.error && <Typography.Text type="danger">{run.error}</Typography.Text>}
    </Space>
  );
}
