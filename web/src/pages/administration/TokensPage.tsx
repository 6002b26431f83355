// API tokens: everyone manages their own; an admin may list everyone's. A new token's secret is
// shown once, right after it is created (the server keeps only its hash); revoking is immediate.
// The list is paged, sorted and filtered (name, state) by the server (GET /api/v1/tokens).

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type ApiToken, endpoints, type TokenSortKey } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useServerTable } from '../../components/useServerTable';

const LIFETIMES = ['1d', '7d', '30d', '90d', '365d'];
const SORTABLE: readonly TokenSortKey[] = ['name', 'username', 'createdAt', 'expiresAt', 'lastUsedAt'];
const STATES = ['active', 'expired', 'revoked'] as const;

function tokenState(token: ApiToken, now: number): 'revoked' | 'expired' | 'active' {
  if (token.revokedAt) return 'revoked';
  return Date.parse(token.expiresAt) <= now ? 'expired' : 'active';
}

export default function TokensPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const isAdmin = session.user?.role === 'admin';
  const [all, setAll] = useState(false);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | undefined>();
  const [form] = Form.useForm<{ name: string; expiresIn: string }>();
  const { rules, showServerErrors } = useFormRules(endpoints.createToken, {
    name: t('tokens.name'),
    expiresIn: t('tokens.lifetime'),
  });
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<(typeof STATES)[number] | undefined>();
  const table = useServerTable<TokenSortKey>('createdAt', SORTABLE);
  const query = {
    ...table.query,
    ...(all ? { all: 'true' as const } : {}),
    ...(search ? { search } : {}),
    ...(status ? { status } : {}),
  };
  const list = useQuery({
    queryKey: ['tokens', query],
    queryFn: () => call(endpoints.tokens, { query }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['tokens'] });
  const create = useMutation({
    mutationFn: (v: { name: string; expiresIn: string }) => call(endpoints.createToken, { body: v }),
    onSuccess: (r) => {
      setCreating(false);
      form.resetFields();
      setSecret(r.token);
      void refresh();
    },
    onError: (error) => {
      if (!showServerErrors(form, error)) void message.error(errorText(error, t));
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(endpoints.revokeToken, { params: { id } }),
    onSuccess: (r) => {
      void message.success(t('tokens.revoked', { name: r.token.name }));
      void refresh();
    },
    onError: (error) => void message.error(errorText(error, t)),
  });
  const now = Date.now();

  return (
    <>
      <Typography.Title level={3}>{t('nav.tokens')}</Typography.Title>
      <Card>
        <Space wrap style={{ marginBottom: 16 }}>
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('tokens.create')}
          </Button>
          {isAdmin && (
            <Space>
              <Switch
                checked={all}
                onChange={(on) => {
                  setAll(on);
                  table.restart();
                }}
                aria-label={t('tokens.all')}
              />
              <Typography.Text>{t('tokens.all')}</Typography.Text>
            </Space>
          )}
          <Input.Search
            allowClear
            aria-label={t('tokens.search')}
            placeholder={t('tokens.search')}
            style={{ width: 220 }}
            onSearch={(value) => {
              setSearch(value.trim());
              table.restart();
            }}
          />
          <Select
            allowClear
            aria-label={t('tokens.filterState')}
            placeholder={t('tokens.filterState')}
            style={{ width: 160 }}
            options={STATES.map((s) => ({ value: s, label: t(`tokens.states.${s}`) }))}
            value={status ?? null}
            onChange={(v) => {
              setStatus(v ?? undefined);
              table.restart();
            }}
          />
        </Space>
        {list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Table<ApiToken>
            rowKey="id"
            size="middle"
            loading={list.isPending || list.isPlaceholderData}
            dataSource={list.data?.tokens ?? []}
            pagination={table.pagination(list.data?.total ?? 0, (total) =>
              t('tokens.total', { count: total }),
            )}
            onChange={table.onChange}
            locale={{ emptyText: <Empty description={t('tokens.empty')} /> }}
            columns={[
              {
                title: t('tokens.name'),
                dataIndex: 'name',
                key: 'name',
                sorter: true,
                sortOrder: table.sortOrder('name'),
              },
              ...(all
                ? [
                    {
                      title: t('tokens.owner'),
                      dataIndex: 'username',
                      key: 'username',
                      sorter: true,
                      sortOrder: table.sortOrder('username'),
                    },
                  ]
                : []),
              {
                title: t('tokens.state'),
                key: 'state',
                render: (_: unknown, token: ApiToken) => {
                  const state = tokenState(token, now);
                  return (
                    <Tag color={state === 'active' ? 'green' : 'default'}>{t(`tokens.states.${state}`)}</Tag>
                  );
                },
              },
              ...(['createdAt', 'expiresAt', 'lastUsedAt'] as const).map((key) => ({
                title: t(`tokens.${key}`),
                dataIndex: key,
                key,
                render: formatDateTime,
                sorter: true,
                sortOrder: table.sortOrder(key),
              })),
              {
                title: t('tokens.actions'),
                key: 'actions',
                render: (_: unknown, token: ApiToken) =>
                  tokenState(token, now) === 'active' ? (
                    <Popconfirm
                      title={t('tokens.revokeConfirm', { name: token.name })}
                      okText={t('tokens.revoke')}
                      cancelText={t('action.cancel')}
                      onConfirm={() => revoke.mutate(token.id)}
                    >
                      <Button size="small" danger>
                        {t('tokens.revoke')}
                      </Button>
                    </Popconfirm>
                  ) : null,
              },
            ]}
          />
        )}
      </Card>
      <Modal
        open={creating}
        title={t('tokens.create')}
        okText={t('tokens.createSubmit')}
        cancelText={t('action.cancel')}
        confirmLoading={create.isPending}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          initialValues={{ expiresIn: '30d' }}
          onFinish={(v) => create.mutate(v)}
        >
          <Form.Item name="name" label={t('tokens.name')} extra={t('tokens.nameHint')} rules={rules('name')}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="expiresIn" label={t('tokens.lifetime')} rules={rules('expiresIn')}>
            <Select options={LIFETIMES.map((l) => ({ value: l, label: t(`tokens.lifetimes.${l}`) }))} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={secret !== undefined}
        title={t('tokens.secretTitle')}
        okText={t('tokens.secretDone')}
        onOk={() => setSecret(undefined)}
        onCancel={() => setSecret(undefined)}
        cancelButtonProps={{ style: { display: 'none' } }}
        destroyOnHidden
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          <Alert type="warning" showIcon title={t('tokens.secretOnce')} />
          <Typography.Paragraph copyable={{ text: secret ?? '' }} code aria-label={t('tokens.secretValue')}>
            {secret}
          </Typography.Paragraph>
        </Space>
      </Modal>
    </>
  );
}
