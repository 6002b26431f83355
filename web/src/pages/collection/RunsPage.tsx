// Runs: the history with live progress (polled every 2 s while a run is queued or running), their
// counts and quarantine reasons, and — for data engineers and admins — starting a collection.

import { PlayCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Flex, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, endpoints, type Run } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime, formatNumber } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useWorkspace } from '../../app/useWorkspace';
import { RunStatus } from '../../components/RunStatus';

const ACTIVE = new Set(['queued', 'running']);

export default function RunsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const workspace = useWorkspace();
  const [dataset, setDataset] = useState<string | undefined>();
  const [toStart, setToStart] = useState<string | undefined>();
  const runs = useQuery({
    queryKey: ['runs', { dataset }],
    queryFn: () => call(endpoints.runs, { query: { limit: 200, ...(dataset ? { dataset } : {}) } }),
    refetchInterval: (query) => (query.state.data?.runs.some((r) => ACTIVE.has(r.status)) ? 2000 : 15_000),
  });
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
              onChange={(v) => setDataset(v ?? undefined)}
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
            loading={runs.isPending}
            dataSource={runs.data?.runs ?? []}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            locale={{ emptyText: <Empty description={t('runs.empty')} /> }}
            expandable={{
              expandedRowRender: (run) => <RunDetail run={run} />,
            }}
            columns={[
              { title: t('run.dataset'), dataIndex: 'dataset' },
              {
                title: t('run.status'),
                dataIndex: 'status',
                render: (status: string) => <RunStatus status={status} />,
              },
              { title: t('run.trigger'), dataIndex: 'trigger' },
              { title: t('run.read'), dataIndex: 'read', align: 'right', render: formatNumber },
              {
                title: t('run.stored'),
                key: 'stored',
                align: 'right',
                render: (_, r) => formatNumber(r.stored + r.updated),
              },
              { title: t('run.unchanged'), dataIndex: 'unchanged', align: 'right', render: formatNumber },
              { title: t('run.quarantined'), dataIndex: 'quarantined', align: 'right', render: formatNumber },
              { title: t('run.createdAt'), dataIndex: 'createdAt', render: formatDateTime },
              { title: t('run.finishedAt'), dataIndex: 'finishedAt', render: formatDateTime },
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
