// Users (admin): who may sign in, with which role; create a user, change a role, disable or enable.

import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Select, Switch, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { endpoints, ROLES, type Role, type User } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

interface NewUser {
  username: string;
  role: Role;
  password: string;
  displayName?: string;
}

export default function UsersPage() {
  const { t } = useTranslation();
  const { user: me } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<NewUser>();
  const users = useQuery({ queryKey: ['users'], queryFn: () => call(endpoints.users) });
  const done = () => void queryClient.invalidateQueries({ queryKey: ['users'] });
  const onError = (error: unknown) => void message.error(errorText(error, t));
  const create = useMutation({
    mutationFn: (body: NewUser) => call(endpoints.createUser, { body }),
    onSuccess: () => {
      void message.success(t('users.created'));
      setCreating(false);
      form.resetFields();
      done();
    },
    onError,
  });
  const update = useMutation({
    mutationFn: ({ username, ...body }: { username: string; role?: Role; isDisabled?: boolean }) =>
      call(endpoints.updateUser, { params: { username }, body }),
    onSuccess: done,
    onError,
  });
  const roleOptions = ROLES.map((r) => ({ label: t(`role.${r}`), value: r }));
  return (
    <>
      <Typography.Title level={3}>{t('nav.users')}</Typography.Title>
      <Card
        extra={
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('users.new')}
          </Button>
        }
      >
        {users.isError ? (
          <ErrorState error={users.error} retry={() => void users.refetch()} />
        ) : (
          <Table<User>
            rowKey="id"
            size="middle"
            loading={users.isPending}
            dataSource={users.data?.users ?? []}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            columns={[
              { title: t('users.username'), dataIndex: 'username' },
              {
                title: t('users.displayName'),
                dataIndex: 'displayName',
                render: (v: string | null) => v ?? '—',
              },
              {
                title: t('users.role'),
                dataIndex: 'role',
                render: (role: Role, u) => (
                  <Select
                    aria-label={t('users.role')}
                    size="small"
                    style={{ width: 160 }}
                    value={role}
                    options={roleOptions}
                    disabled={u.username === me?.username}
                    onChange={(value) => update.mutate({ username: u.username, role: value })}
                  />
                ),
              },
              {
                title: t('users.enabled'),
                dataIndex: 'isDisabled',
                render: (disabled: boolean, u) => (
                  <Switch
                    aria-label={t('users.enabled')}
                    checked={!disabled}
                    disabled={u.username === me?.username}
                    onChange={(enabled) => update.mutate({ username: u.username, isDisabled: !enabled })}
                  />
                ),
              },
              { title: t('users.createdAt'), dataIndex: 'createdAt', render: formatDateTime },
            ]}
          />
        )}
      </Card>
      <Modal
        open={creating}
        title={t('users.new')}
        okText={t('users.create')}
        cancelText={t('action.cancel')}
        confirmLoading={create.isPending}
        onOk={() => form.submit()}
        onCancel={() => setCreating(false)}
        destroyOnHidden
      >
        <Form<NewUser> form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="username" label={t('users.username')} rules={[{ required: true, max: 64 }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="displayName" label={t('users.displayName')} rules={[{ max: 128 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t('users.role')} rules={[{ required: true }]}>
            <Select options={roleOptions} />
          </Form.Item>
          <Form.Item name="password" label={t('users.password')} rules={[{ required: true, max: 1024 }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
