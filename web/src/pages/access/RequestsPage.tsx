// Access requests (审批流程): ask for access to datasets for a purpose and a number of days; the
// compliance officer's inbox of pending requests with approve and reject (never one's own — the
// server refuses it). Everyone sees their own requests; officers, admins and auditors all.

import { CheckOutlined, CloseOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { type AccessRequest, allows, endpoints } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';
import { useWorkspace } from '../../app/useWorkspace';

const STATUS_COLOURS = { pending: 'gold', approved: 'green', rejected: 'red' } as const;

interface NewRequest {
  datasets: string[];
  purpose: string;
  durationDays: number;
  justification: string;
}

export default function RequestsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const workspace = useWorkspace();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<NewRequest>();
  const { rules, showServerErrors } = useFormRules(endpoints.requestAccess, {
    datasets: t('requests.datasets'),
    purpose: t('requests.purpose'),
    durationDays: t('requests.days'),
    justification: t('requests.justification'),
  });
  const requests = useQuery({ queryKey: ['access-requests'], queryFn: () => call(endpoints.accessRequests) });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['access-requests'] });
    void queryClient.invalidateQueries({ queryKey: ['grants'] });
  };
  const create = useMutation({
    mutationFn: (body: NewRequest) => call(endpoints.requestAccess, { body }),
    onSuccess: () => {
      void message.success(t('requests.created'));
      setCreating(false);
      form.resetFields();
      refresh();
    },
    onError: (error) => {
      if (!showServerErrors(form, error)) void message.error(errorText(error, t));
    },
  });
  const decide = useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: 'approve' | 'reject' }) =>
      call(decision === 'approve' ? endpoints.approveRequest : endpoints.rejectRequest, {
        params: { id },
        body: {},
      }),
    onSuccess: (_, { decision }) => {
      void message.success(t(decision === 'approve' ? 'requests.approved' : 'requests.rejected'));
      refresh();
    },
    onError: (error) => void message.error(errorText(error, t)),
  });
  const isOfficer = allows(endpoints.approveRequest, user?.role);
  const all = requests.data?.requests ?? [];
  const inbox = all.filter((r) => r.status === 'pending' && r.requester !== user?.username);
  const purposes = [...new Set((workspace.data?.datasets ?? []).flatMap((d) => d.purposes))];

  const columns = [
    { title: t('requests.requester'), dataIndex: 'requester' },
    {
      title: t('requests.datasets'),
      dataIndex: 'datasets',
      render: (d: string[]) => d.map((name) => <Tag key={name}>{name}</Tag>),
    },
    { title: t('requests.purpose'), dataIndex: 'purpose' },
    { title: t('requests.days'), dataIndex: 'durationDays', align: 'right' as const },
    { title: t('requests.justification'), dataIndex: 'justification', ellipsis: true },
    {
      title: t('requests.status'),
      dataIndex: 'status',
      render: (s: AccessRequest['status']) => (
        <Tag color={STATUS_COLOURS[s]}>{t(`requests.statuses.${s}`)}</Tag>
      ),
    },
    { title: t('requests.createdAt'), dataIndex: 'createdAt', render: formatDateTime },
  ];

  return (
    <>
      <Typography.Title level={3}>{t('nav.requests')}</Typography.Title>
      {requests.isError && <ErrorState error={requests.error} retry={() => void requests.refetch()} />}
      {isOfficer && (
        <Card title={t('requests.inbox')} style={{ marginBottom: 16 }}>
          <Table<AccessRequest>
            rowKey="id"
            size="middle"
            loading={requests.isPending}
            dataSource={inbox}
            pagination={false}
            locale={{ emptyText: <Empty description={t('requests.inboxEmpty')} /> }}
            columns={[
              ...columns.filter((c) => c.dataIndex !== 'status'),
              {
                title: t('requests.decide'),
                key: 'decide',
                render: (_: unknown, r: AccessRequest) => (
                  <Space>
                    <Button
                      type="primary"
                      size="small"
                      icon={<CheckOutlined />}
                      loading={decide.isPending}
                      onClick={() => decide.mutate({ id: r.id, decision: 'approve' })}
                    >
                      {t('requests.approve')}
                    </Button>
                    <Button
                      danger
                      size="small"
                      icon={<CloseOutlined />}
                      loading={decide.isPending}
                      onClick={() => decide.mutate({ id: r.id, decision: 'reject' })}
                    >
                      {t('requests.reject')}
                    </Button>
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      )}
      <Card
        title={t('requests.all')}
        extra={
          allows(endpoints.requestAccess, user?.role) && (
            <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('requests.new')}
            </Button>
          )
        }
      >
        <Table<AccessRequest>
          rowKey="id"
          size="middle"
          loading={requests.isPending}
          dataSource={all}
          pagination={{ pageSize: 20, showSizeChanger: false }}
          locale={{ emptyText: <Empty description={t('requests.empty')} /> }}
          columns={columns}
        />
      </Card>
      <Modal
        open={creating}
        title={t('requests.new')}
        okText={t('requests.submit')}
        cancelText={t('action.cancel')}
        confirmLoading={create.isPending}
        onOk={() => form.submit()}
        onCancel={() => setCreating(false)}
        destroyOnHidden
      >
        <Form<NewRequest>
          form={form}
          layout="vertical"
          initialValues={{ durationDays: 7 }}
          onFinish={(v) => create.mutate(v)}
        >
          <Form.Item name="datasets" label={t('requests.datasets')} rules={rules('datasets')}>
            <Select
              mode="multiple"
              options={(workspace.data?.datasets ?? []).map((d) => ({ label: d.name, value: d.name }))}
            />
          </Form.Item>
          <Form.Item name="purpose" label={t('requests.purpose')} rules={rules('purpose')}>
            <Select options={purposes.map((p) => ({ label: p, value: p }))} />
          </Form.Item>
          <Form.Item name="durationDays" label={t('requests.days')} rules={rules('durationDays')}>
            <InputNumber precision={0} />
          </Form.Item>
          <Form.Item name="justification" label={t('requests.justification')} rules={rules('justification')}>
            <Input.TextArea rows={3} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
