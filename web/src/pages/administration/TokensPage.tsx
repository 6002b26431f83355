// API tokens: your own (all of them for an admin); create one — its secret is shown once — or revoke.

import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type ApiToken, endpoints } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

export default function TokensPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [form] = Form.useForm<{ name: string; expiresIn?: string }>();
  const all = user?.role === 'admin' ? 'true' : 'false';
  const tokens = useQuery({
    queryKey: ['tokens', all],
    queryFn: () => call(endpoints.tokens, { query: { all } }),
  });
  const done = () => void queryClient.invalidateQueries({ queryKey: ['tokens'] });
  const onError = (error: unknown) => void message.error(errorText(error, t));
  const create = useMutation({
    mutationFn: (body: { name: string; expiresIn?: string }) =>
      call(endpoints.createToken, { body: body.expiresIn ? body : { name: body.name } }),
    onSuccess: (result) => {
      setSecret(result.token);
      form.resetFields();
      done();
    },
    onError,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(endpoints.revokeToken, { params: { id } }),
    onSuccess: done,
    onError,
  });
  return (
    <>
      <Typography.Title level={3}>{t('nav.tokens')}</Typography.Title>
      <Card
        extra={
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('tokens.new')}
          </Button>
        }
      >
        {tokens.isError ? (
          <ErrorState error={tokens.error} retry={() => void tokens.refetch()} />
        ) : (
          <Table<ApiToken>
            rowKey="id"
            size="middle"
            loading={tokens.isPending}
            dataSource={tokens.data?.tokens ?? []}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            columns={[
              { title: t('tokens.name'), dataIndex: 'name' },
              { title: t('users.username'), dataIndex: 'username' },
              { title: t('tokens.expiresAt'), dataIndex: 'expiresAt', render: formatDateTime },
              { title: t('tokens.lastUsedAt'), dataIndex: 'lastUsedAt', render: formatDateTime },
              {
                title: '',
                key: 'state',
                render: (_, token) =>
                  token.revokedAt ? (
                    <Tag>{t('tokens.revoked')}</Tag>
                  ) : (
                    <Popconfirm title={t('tokens.confirmRevoke')} onConfirm={() => revoke.mutate(token.id)}>
                      <Button danger size="small">
                        {t('tokens.revoke')}
                      </Button>
                    </Popconfirm>
                  ),
              },
            ]}
          />
        )}
      </Card>
      <Modal
        open={creating}
        title={t('tokens.new')}
        okText={secret ? t('tokens.close') : t('tokens.create')}
        cancelButtonProps={{ style: { display: secret ? 'none' : undefined } }}
        cancelText={t('action.cancel')}
        confirmLoading={create.isPending}
        onOk={() => {
          if (secret) {
            setSecret(null);
            setCreating(false);
          } else form.submit();
        }}
        onCancel={() => {
          setSecret(null);
          setCreating(false);
        }}
        destroyOnHidden
      >
        {secret ? (
          <Alert
            type="warning"
            showIcon
            title={t('tokens.shownOnce')}
            description={
              <Typography.Text code copyable>
                {secret}
              </Typography.Text>
            }
          />
        ) : (
          <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
            <Form.Item name="name" label={t('tokens.name')} rules={[{ required: true, max: 64 }]}>
              <Input />
            </Form.Item>
            <Form.Item name="expiresIn" label={t('tokens.expiresIn')} rules={[{ max: 16 }]}>
              <Input placeholder="30d" />
            </Form.Item>
          </Form>
        )}
      </Modal>
    </>
  );
}
