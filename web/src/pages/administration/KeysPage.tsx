// Keys: the key-encryption key versions and the data keys each wraps, rotating to a new version,
// the background rewrap with its progress (polled while it runs), and retiring an unused version.
// Key material never reaches the console: versions, counts and dates only.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Empty,
  Popconfirm,
  Progress,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { endpoints, type KeyStatus } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime, formatNumber } from '../../app/i18n';

type Version = KeyStatus['versions'][number];

export default function KeysPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: ['keys'],
    queryFn: () => call(endpoints.keys),
    // While a rewrap runs, its progress is polled.
    refetchInterval: (query) => (query.state.data?.rewrap.state === 'running' ? 1000 : false),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['keys'] });
  const onError = (error: unknown) => void message.error(errorText(error, t));
  const rotate = useMutation({
    mutationFn: () => call(endpoints.rotateKey),
    onSuccess: (r) => {
      void message.success(t('keys.rotated', { version: r.version }));
      void refresh();
    },
    onError,
  });
  const rewrap = useMutation({
    mutationFn: () => call(endpoints.rewrapKeys),
    onSuccess: () => void refresh(),
    onError,
  });
  const retire = useMutation({
    mutationFn: (version: number) => call(endpoints.retireKey, { params: { version: String(version) } }),
    onSuccess: (r) => {
      void message.success(t('keys.retiredDone', { version: r.version }));
      void refresh();
    },
    onError,
  });

  const data = status.data;
  const running = data?.rewrap.state === 'running';
  const rewrapTotal = data ? data.rewrap.done + data.rewrap.remaining : 0;
  return (
    <>
      <Typography.Title level={3}>{t('nav.keys')}</Typography.Title>
      {status.isError ? (
        <ErrorState error={status.error} retry={() => void status.refetch()} />
      ) : (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <Card loading={status.isPending} title={t('keys.summary')}>
            {data && (
              <Descriptions column={{ xs: 1, md: 3 }}>
                <Descriptions.Item label={t('keys.suite')}>
                  {t(`keys.suites.${data.suite}`, { defaultValue: data.suite })}
                </Descriptions.Item>
                <Descriptions.Item label={t('keys.provider')}>{data.provider}</Descriptions.Item>
                <Descriptions.Item label={t('keys.currentVersion')}>v{data.currentVersion}</Descriptions.Item>
                <Descriptions.Item label={t('keys.dataKeys')}>
                  {formatNumber(data.dataKeys)}
                </Descriptions.Item>
                <Descriptions.Item label={t('keys.shredded')}>
                  {formatNumber(data.shredded)}
                </Descriptions.Item>
                <Descriptions.Item label={t('keys.pendingRewrap')}>
                  {formatNumber(data.pendingRewrap)}
                </Descriptions.Item>
              </Descriptions>
            )}
          </Card>

          <Card
            title={t('keys.rewrapTitle')}
            extra={
              <Space>
                <Popconfirm
                  title={t('keys.rotateConfirm')}
                  okText={t('keys.rotate')}
                  cancelText={t('action.cancel')}
                  onConfirm={() => rotate.mutate()}
                  disabled={running}
                >
                  <Button loading={rotate.isPending} disabled={!data || running}>
                    {t('keys.rotate')}
                  </Button>
                </Popconfirm>
                <Button
                  type="primary"
                  loading={rewrap.isPending}
                  disabled={!data || running || data.pendingRewrap === 0}
                  onClick={() => rewrap.mutate()}
                >
                  {t('keys.rewrap')}
                </Button>
              </Space>
            }
          >
            {data && <RewrapState status={data} total={rewrapTotal} />}
          </Card>

          <Card title={t('keys.versions')}>
            <Table<Version>
              rowKey="version"
              size="middle"
              loading={status.isPending}
              dataSource={data?.versions ?? []}
              pagination={false}
              locale={{ emptyText: <Empty description={t('keys.noVersions')} /> }}
              columns={[
                { title: t('keys.version'), dataIndex: 'version', render: (v: number) => `v${v}` },
                {
                  title: t('keys.state'),
                  key: 'state',
                  render: (_: unknown, v: Version) =>
                    v.retiredAt ? (
                      <Tag>{t('keys.retired')}</Tag>
                    ) : v.version === data?.currentVersion ? (
                      <Tag color="green">{t('keys.current')}</Tag>
                    ) : (
                      <Tag color="orange">{t('keys.previous')}</Tag>
                    ),
                },
                { title: t('keys.dataKeys'), dataIndex: 'dataKeys', align: 'right', render: formatNumber },
                { title: t('keys.createdAt'), dataIndex: 'createdAt', render: formatDateTime },
                { title: t('keys.retiredAt'), dataIndex: 'retiredAt', render: formatDateTime },
                {
                  title: t('keys.actions'),
                  key: 'actions',
                  render: (_: unknown, v: Version) =>
                    !v.retiredAt && v.version !== data?.currentVersion ? (
                      <Popconfirm
                        title={t('keys.retireConfirm', { version: v.version })}
                        okText={t('keys.retire')}
                        cancelText={t('action.cancel')}
                        onConfirm={() => retire.mutate(v.version)}
                      >
                        <Button
                          size="small"
                          danger
                          disabled={v.dataKeys > 0}
                          title={v.dataKeys > 0 ? t('keys.retireBlocked') : undefined}
                        >
                          {t('keys.retire')}
                        </Button>
                      </Popconfirm>
                    ) : null,
                },
              ]}
            />
          </Card>
        </Space>
      )}
    </>
  );
}

function RewrapState({ status, total }: { status: KeyStatus; total: number }) {
  const { t } = useTranslation();
  const { rewrap } = status;
  if (rewrap.state === 'running') {
    const percent = total === 0 ? 0 : Math.floor((rewrap.done * 100) / total);
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Progress percent={percent} status="active" aria-label={t('keys.rewrapProgress')} />
        <Typography.Text>
          {t('keys.rewrapRunning', {
            done: formatNumber(rewrap.done),
            remaining: formatNumber(rewrap.remaining),
          })}
        </Typography.Text>
      </Space>
    );
  }
  if (rewrap.state === 'failed')
    return (
      <Alert
        type="error"
        showIcon
        title={t('keys.rewrapFailed', { at: formatDateTime(rewrap.finishedAt) })}
      />
    );
  if (status.pendingRewrap > 0)
    return (
      <Alert
        type="warning"
        showIcon
        title={t('keys.rewrapPending', { count: status.pendingRewrap, current: status.currentVersion })}
      />
    );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Progress percent={100} aria-label={t('keys.rewrapProgress')} />
      <Typography.Text>
        {rewrap.state === 'succeeded'
          ? t('keys.rewrapDone', { count: rewrap.done, at: formatDateTime(rewrap.finishedAt) })
          : t('keys.allCurrent', { current: status.currentVersion })}
      </Typography.Text>
    </Space>
  );
}
