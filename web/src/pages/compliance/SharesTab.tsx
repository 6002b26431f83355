// Shares to third parties (PIPL Art. 23): the shares made, and — for those who may share — a form
// that asks the server for one and downloads the file. The server decides (declared provision,
// vendor assessment, contract, separate consent) and says why when it refuses.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Checkbox, Empty, Form, Input, Select, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, download } from '../../api/client';
import { allows, endpoints, type NewShare, type Share } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

interface ShareForm extends Omit<NewShare, 'withoutConsent'> {
  leaveOut: boolean;
}

export default function SharesTab() {
  const { t } = useTranslation();
  const { user } = useSession();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ShareForm>();
  const [done, setDone] = useState<string | null>(null);
  const { rules, showServerErrors } = useFormRules(endpoints.createShare, {
    dataset: t('compliance.shares.dataset'),
    vendor: t('compliance.shares.vendor'),
    contract: t('compliance.shares.contract'),
    purpose: t('compliance.shares.purpose'),
    format: t('compliance.shares.format'),
  });
  const shares = useQuery({ queryKey: ['shares'], queryFn: () => call(endpoints.shares) });
  const create = useMutation({
    mutationFn: (values: ShareForm) =>
      download(endpoints.createShare, {
        body: {
          dataset: values.dataset,
          vendor: values.vendor,
          contract: values.contract,
          purpose: values.purpose,
          format: values.format,
          withoutConsent: values.leaveOut ? 'leave_out' : 'refuse',
        },
      }),
    onMutate: () => setDone(null),
    onError: (error) => showServerErrors(form, error),
    onSuccess: (headers) => {
      setDone(headers.get('x-custos-share-id'));
      void queryClient.invalidateQueries({ queryKey: ['shares'] });
    },
  });

  return (
    <>
      {allows(endpoints.createShare, user?.role) && (
        <Card title={t('compliance.shares.create')} size="small" style={{ marginBottom: 16 }}>
          <Form<ShareForm>
            form={form}
            layout="inline"
            initialValues={{ format: 'ndjson', leaveOut: false }}
            onFinish={(values) => create.mutate(values)}
          >
            {(['dataset', 'vendor', 'contract', 'purpose'] as const).map((name) => (
              <Form.Item key={name} name={name} label={t(`compliance.shares.${name}`)} rules={rules(name)}>
                <Input style={{ width: 160 }} />
              </Form.Item>
            ))}
            <Form.Item name="format" label={t('compliance.shares.format')} rules={rules('format')}>
              <Select
                style={{ width: 100 }}
                options={['ndjson', 'csv', 'xlsx'].map((f) => ({ value: f, label: f }))}
              />
            </Form.Item>
            <Form.Item name="leaveOut" valuePropName="checked">
              <Checkbox>{t('compliance.shares.leaveOut')}</Checkbox>
            </Form.Item>
            <Form.Item>
              <Button type="primary" htmlType="submit" loading={create.isPending}>
                {t('compliance.shares.submit')}
              </Button>
            </Form.Item>
          </Form>
          <p style={{ marginTop: 8, marginBottom: 0, color: 'rgba(0,0,0,0.55)' }}>
            {t('compliance.shares.rules')}
          </p>
          {create.isError && (
            <div style={{ marginTop: 12 }}>
              <ErrorState error={create.error} />
            </div>
          )}
          {done && (
            <Alert
              style={{ marginTop: 12 }}
              type="success"
              showIcon
              title={t('compliance.shares.done', { id: done })}
            />
          )}
        </Card>
      )}
      {shares.isError && <ErrorState error={shares.error} retry={() => void shares.refetch()} />}
      <Table<Share>
        rowKey="id"
        size="small"
        loading={shares.isPending}
        dataSource={shares.data?.shares ?? []}
        pagination={{ pageSize: 20 }}
        locale={{ emptyText: <Empty description={t('compliance.shares.empty')} /> }}
        columns={[
          {
            title: t('compliance.shares.at'),
            dataIndex: 'startedAt',
            render: (at: string) => formatDateTime(at),
          },
          { title: t('compliance.shares.dataset'), dataIndex: 'dataset' },
          { title: t('compliance.shares.vendor'), dataIndex: 'vendor' },
          { title: t('compliance.shares.contract'), dataIndex: 'contract' },
          { title: t('compliance.shares.purpose'), dataIndex: 'purpose' },
          { title: t('compliance.shares.consentPurpose'), dataIndex: 'consentPurpose' },
          { title: t('compliance.shares.records'), dataIndex: 'records' },
          { title: t('compliance.shares.leftOut'), dataIndex: 'leftOut' },
          {
            title: t('compliance.shares.status'),
            dataIndex: 'status',
            render: (s: Share['status']) => (
              <Tag color={s === 'completed' ? 'green' : s === 'aborted' ? 'red' : 'blue'}>
                {t(`compliance.shares.statusName.${s}`)}
              </Tag>
            ),
          },
          { title: t('compliance.shares.actor'), dataIndex: 'actor' },
        ]}
      />
    </>
  );
}
