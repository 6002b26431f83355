// Users (admins): list paged, sorted and filtered by the server (GET /api/v1/users), create (the server validates), change a role,
// disable or enable. Every change is audited by the server.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
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
import { endpoints, ROLES, type Role, type User, type UserSortKey } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useServerTable } from '../../components/useServerTable';

const SORTABLE: readonly UserSortKey[] = ['username', 'createdAt'];

interface NewUser {
  username: string;
  displayName?: string;
  role: Role;
  password: string;
}

export default function UsersPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<Role | undefined>();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<NewUser>();
  // The create form's rules are the server's schema of POST /api/v1/users.
  const labels = {
    username: t('users.username'),
    displayName: t('users.displayName'),
    role: t('users.role'),
    password: t('users.password'),
  };
  const { rules, showServerErrors } = useFormRules(endpoints.createUser, labels);
  const table = useServerTable<UserSortKey>('username', SORTABLE);
  const query = { ...table.query, ...(search ? { search } : {}), ...(role ? { role } : {}) };
  const list = useQuery({
    queryKey: ['users', query],
    queryFn: () => call(endpoints.users, { query }),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });
  const update = useMutation({
    mutationFn: (v: { username: string; role?: Role; isDisabled?: boolean }) =>
      call(endpoints.updateUser, {
        params: { username: v.username },
        body: v.role !== undefined ? { role: v.role } : { isDisabled: v.isDisabled! },
      }),
    onSuccess: (r) => {
      void message.success(t('users.updated', { username: r.user.username }));
      void refresh();
    },
    onError: (error) => void message.error(errorText(error, t)),
  });
  const create = useMutation({
    mutationFn: (v: NewUser) =>
      call(endpoints.createUser, {
        body: {
          username: v.username,
          role: v.role,
          password: v.password,
          ...(v.displayName ? { displayName: v.displayName } : {}),
        },
      }),
    onSuccess: (r) => {
      void message.success(t('users.created', { username: r.user.username }));
      setCreating(false);
      form.resetFields();
      void refresh();
    },
    onError: (error) => {
      // The server's validation names the field: show it on that field.
      if (!showServerErrors(form, error)) void message.error(errorText(error, t));
    },
  });

  return (
    <>
      <Typography.Title level={3}>{t('nav.users')}</Typography.Title>
      <Card>
        <Space wrap style={{ marginBottom: 16 }}>
          <Input.Search
            allowClear
            aria-label={t('users.search')}
            placeholder={t('users.search')}
            style={{ width: 240 }}
            // Asks the server on Enter or the search button, not on every key.
            onSearch={(value) => {
              setSearch(value.trim());
              table.restart();
            }}
          />
          <Select
            allowClear
            aria-label={t('users.filterRole')}
            placeholder={t('users.filterRole')}
            style={{ width: 200 }}
            options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
            value={role ?? null}
            onChange={(v) => {
              setRole(v ?? undefined);
              table.restart();
            }}
          />
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('users.create')}
          </Button>
        </Space>
        {list.isError ? (
          <ErrorState error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Table<User>
            rowKey="id"
            size="middle"
            loading={list.isPending || list.isPlaceholderData}
            dataSource={list.data?.users ?? []}
            pagination={table.pagination(list.data?.total ?? 0, (total) =>
              t('users.total', { count: total }),
            )}
            onChange={table.onChange}
            locale={{ emptyText: <Empty description={t('users.empty')} /> }}
            columns={[
              {
                title: t('users.username'),
                dataIndex: 'username',
                key: 'username',
                sorter: true,
                sortOrder: table.sortOrder('username'),
              },
              {
                title: t('users.displayName'),
                dataIndex: 'displayName',
                render: (d: string | null) => d ?? '—',
              },
              {
                title: t('users.role'),
                dataIndex: 'role',
                render: (r: Role, u: User) => (
                  <Select<Role>
                    aria-label={t('users.roleOf', { username: u.username })}
                    size="small"
                    style={{ width: 180 }}
                    value={r}
                    // An admin cannot demote themselves out of administration here.
                    disabled={u.username === session.user?.username}
                    options={ROLES.map((x) => ({ value: x, label: t(`role.${x}`) }))}
                    onChange={(next) => update.mutate({ username: u.username, role: next })}
                  />
                ),
              },
              {
                title: t('users.status'),
                dataIndex: 'isDisabled',
                render: (d: boolean) =>
                  d ? <Tag>{t('users.disabled')}</Tag> : <Tag color="green">{t('users.active')}</Tag>,
              },
              {
                title: t('users.createdAt'),
                dataIndex: 'createdAt',
                key: 'createdAt',
                render: formatDateTime,
                sorter: true,
                sortOrder: table.sortOrder('createdAt'),
              },
              {
                title: t('users.enabled'),
                key: 'enabled',
                render: (_: unknown, u: User) => (
                  <Switch
                    aria-label={t('users.enabledOf', { username: u.username })}
                    checked={!u.isDisabled}
                    disabled={u.username === session.user?.username}
                    onChange={(on) => update.mutate({ username: u.username, isDisabled: !on })}
                  />
                ),
              },
            ]}
          />
        )}
      </Card>
      <Modal
        open={creating}
        title={t('users.create')}
        okText={t('users.createSubmit')}
        cancelText={t('action.cancel')}
        confirmLoading={create.isPending}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Form<NewUser>
          form={form}
          layout="vertical"
          initialValues={{ role: 'analyst' }}
          onFinish={(v) => create.mutate(v)}
        >
          <Form.Item name="username" label={labels.username} rules={rules('username')}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="displayName" label={labels.displayName} rules={rules('displayName')}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="role" label={labels.role} rules={rules('role')}>
            <Select options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
          </Form.Item>
          <Form.Item
            name="password"
            label={labels.password}
            extra={t('users.passwordHint')}
            rules={rules('password')}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
