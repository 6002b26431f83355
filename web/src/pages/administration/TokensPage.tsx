// API tokens: everyone manages their own; an admin may list everyone's. A new token's secret is
// shown once, right after it is created (the server keeps only its hash); revoking is immediate.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
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
import { type ApiToken, endpoints } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

const LIFETIMES = ['1d', '7d', '30d', '90d', '365d'];

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
  const list = useQuery({
    queryKey: ['tokens', { all }],
    queryFn: () => call(endpoints.tokens, { query: all ? { all: 'true' } : {} }),
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
              <Switch checked={all} onChange={setAll} aria-label={t('tokens.all')} />
              <Typography.Text>{t('tokens.all')}</Typography.Text>
            </Space>
          )}
        </Space>
        {list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Table<ApiToken>
            rowKey="id"
            size="middle"
            loading={list.isPending}
            dataSource={list.data?.tokens ?? []}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            locale={{ emptyText: <Empty description={t('tokens.empty')} /> }}
            columns={[
              { title: t('tokens.name'), dataIndex: 'name' },
              ...(all ? [{ title: t('tokens.owner'), dataIndex: 'username' }] : []),
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
              { title: t('tokens.createdAt'), dataIndex: 'createdAt', render: formatDateTime },
              { title: t('tokens.expiresAt'), dataIndex: 'expiresAt', render: formatDateTime },
              { title: t('tokens.lastUsedAt'), dataIndex: 'lastUsedAt', render: formatDateTime },
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
