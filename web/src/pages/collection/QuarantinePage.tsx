// Quarantine: held records by reference (a keyed hash, never content), with their reasons;
// filter by dataset and status, paged by the server (offset and total). The records stay sealed. Engineers reprocess the chosen dataset
// after a fix (POST /api/v1/quarantine/reprocess) and see the run's counts.

import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, endpoints, type QuarantineEntry } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useWorkspace } from '../../app/useWorkspace';

const STATUSES = ['open', 'reprocessed', 'discarded'];

export default function QuarantinePage() {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  const [dataset, setDataset] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const query = {
    limit: page.pageSize,
    offset: (page.current - 1) * page.pageSize,
    ...(dataset ? { dataset } : {}),
    ...(status ? { status } : {}),
  };
  const { user } = useSession();
  const queryClient = useQueryClient();
  const reprocess = useMutation({
    mutationFn: (name: string) => call(endpoints.reprocessQuarantine, { body: { dataset: name } }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['quarantine'] });
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
    },
  });
  const list = useQuery({
    queryKey: ['quarantine', query],
    queryFn: () => call(endpoints.quarantine, { query }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <Typography.Title level={3}>{t('nav.quarantine')}</Typography.Title>
      <Card>
        <Space wrap style={{ marginBottom: 16 }}>
          <Select
            allowClear
            aria-label={t('runs.filterDataset')}
            placeholder={t('runs.filterDataset')}
            style={{ width: 220 }}
            options={(workspace.data?.datasets ?? []).map((d) => ({ label: d.name, value: d.name }))}
            value={dataset ?? null}
            onChange={(v) => {
              setDataset(v ?? undefined);
              setPage((p) => ({ ...p, current: 1 }));
            }}
          />
          <Select
            allowClear
            aria-label={t('quarantine.status')}
            placeholder={t('quarantine.status')}
            style={{ width: 180 }}
            options={STATUSES.map((s) => ({ label: t(`quarantine.statuses.${s}`), value: s }))}
            value={status ?? null}
            onChange={(v) => {
              setStatus(v ?? undefined);
              setPage((p) => ({ ...p, current: 1 }));
            }}
          />
          {list.data && (
            <Typography.Text type="secondary">
              {t('quarantine.total', { count: list.data.total })}
            </Typography.Text>
          )}
          {allows(endpoints.reprocessQuarantine, user?.role) && (
            <Popconfirm
              title={t('quarantine.reprocessConfirm', { dataset })}
              disabled={!dataset}
              onConfirm={() => dataset && reprocess.mutate(dataset)}
            >
              <Button
                icon={<ReloadOutlined />}
                disabled={!dataset}
                loading={reprocess.isPending}
                title={dataset ? undefined : t('quarantine.reprocessHint')}
              >
                {t('quarantine.reprocess')}
              </Button>
            </Popconfirm>
          )}
        </Space>
        {reprocess.isError && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={errorText(reprocess.error, t)}
            closable
            onClose={() => reprocess.reset()}
          />
        )}
        {reprocess.data && (
          <Alert
            type={reprocess.data.status === 'succeeded' ? 'success' : 'warning'}
            showIcon
            style={{ marginBottom: 16 }}
            title={t('quarantine.reprocessDone', {
              ...reprocess.data,
              status: t(`runStatus.${reprocess.data.status}`, { defaultValue: reprocess.data.status }),
            })}
            closable
            onClose={() => reprocess.reset()}
          />
        )}
        {list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Table<QuarantineEntry>
            rowKey="id"
            size="middle"
            loading={list.isPending || list.isPlaceholderData}
            dataSource={list.data?.quarantine ?? []}
            locale={{ emptyText: <Empty description={t('quarantine.empty')} /> }}
            pagination={{
              current: page.current,
              pageSize: page.pageSize,
              total: list.data?.total ?? 0,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100],
              onChange: (current, pageSize) => setPage({ current, pageSize }),
            }}
            columns={[
              { title: t('run.dataset'), dataIndex: 'dataset' },
              {
                title: t('quarantine.reason'),
                dataIndex: 'reason',
                render: (r: string) => (
                  <Tag color="orange">{t(`quarantineReason.${r}`, { defaultValue: r })}</Tag>
                ),
              },
              { title: t('quarantine.detail'), dataIndex: 'detail', ellipsis: true },
              {
                title: t('quarantine.position'),
                dataIndex: 'position',
                render: (p: string | null) => p ?? '—',
              },
              {
                title: t('quarantine.status'),
                dataIndex: 'status',
                render: (s: string) => t(`quarantine.statuses.${s}`, { defaultValue: s }),
              },
              {
                title: t('quarantine.reference'),
                dataIndex: 'id',
                render: (id: string) => <Typography.Text code>{id.slice(0, 16)}…</Typography.Text>,
              },
              { title: t('run.createdAt'), dataIndex: 'createdAt', render: formatDateTime },
            ]}
          />
        )}
      </Card>
    </>
  );
}
