// Consents: find a person by identifier (sent in a POST body, kept only in this page's memory —
// never in the URL, the query cache or storage), see their consent per purpose and its history,
// and — for roles that may — record a consent or a withdrawal. The API decides; the page shows.

import { useMutation, useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Empty,
  Form,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { allows, type ConsentHistoryEntry, endpoints, type PurposeConsent } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useSession } from '../../app/session';

interface GrantForm {
  purposes: string[];
  evidence: string;
  channel?: string;
  separate?: boolean;
  crossBorder?: boolean;
}

export default function ConsentsPage() {
  const { t } = useTranslation();
  const { user } = useSession();
  const [identifier, setIdentifier] = useState('');
  const [lookupForm] = Form.useForm<{ identifier: string }>();
  const [grantForm] = Form.useForm<GrantForm>();
  const mayRecord = allows(endpoints.grantConsent, user?.role);
  const workspace = useQuery({ queryKey: ['workspace'], queryFn: () => call(endpoints.workspace) });
  const purposes = [...new Set((workspace.data?.datasets ?? []).flatMap((d) => d.purposes))].sort();
  const lookupRules = useFormRules(endpoints.subjectConsents, { identifier: t('consents.identifier') });
  const grantRules = useFormRules(endpoints.grantConsent, {
    purposes: t('consents.purposes'),
    evidence: t('consents.evidence'),
    channel: t('consents.channel'),
  });

  // A mutation, not a query: the identifier must not become a cache key.
  const lookup = useMutation({
    mutationFn: (value: string) => call(endpoints.subjectConsents, { body: { identifier: value } }),
    onError: (error) => lookupRules.showServerErrors(lookupForm, error),
  });
  const grant = useMutation({
    mutationFn: (form: GrantForm) =>
      call(endpoints.grantConsent, {
        body: {
          identifier,
          purposes: form.purposes,
          evidence: form.evidence,
          separate: form.separate === true,
          crossBorder: form.crossBorder === true,
          channel: form.channel?.trim() || 'console',
        },
      }),
    onSuccess: () => {
      grantForm.resetFields();
      lookup.mutate(identifier);
    },
    onError: (error) => grantRules.showServerErrors(grantForm, error),
  });
  const withdraw = useMutation({
    mutationFn: (purpose: string) =>
      call(endpoints.withdrawConsent, { body: { identifier, purposes: [purpose], channel: 'console' } }),
    onSuccess: () => lookup.mutate(identifier),
  });

  const find = ({ identifier: value }: { identifier: string }) => {
    const trimmed = value.trim();
    setIdentifier(trimmed);
    grant.reset();
    withdraw.reset();
    lookup.mutate(trimmed);
  };

  const result = lookup.data;
  return (
    <>
      <Typography.Title level={3}>{t('consents.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('consents.intro')}</Typography.Paragraph>
      <Card>
        <Form form={lookupForm} layout="inline" onFinish={find}>
          <Form.Item
            name="identifier"
            label={t('consents.identifier')}
            rules={lookupRules.rules('identifier')}
          >
            <Input autoComplete="off" style={{ width: 280 }} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={lookup.isPending}>
              {t('consents.find')}
            </Button>
          </Form.Item>
        </Form>
      </Card>

      {lookup.isError && (
        <div style={{ marginTop: 16 }}>
          <ErrorState error={lookup.error} retry={() => lookup.mutate(identifier)} />
        </div>
      )}
      {withdraw.isError && (
        <div style={{ marginTop: 16 }}>
          <ErrorState error={withdraw.error} />
        </div>
      )}
      {withdraw.data?.erased && (
        <Alert style={{ marginTop: 16 }} type="warning" showIcon title={t('consents.erased')} />
      )}

      {result && (
        <>
          <Card
            title={t('consents.current', { subject: result.subjectId })}
            style={{ marginTop: 16 }}
            loading={lookup.isPending}
          >
            {result.consents.length === 0 ? (
              <Empty description={t('consents.none')} />
            ) : (
              <Table<PurposeConsent>
                rowKey="purpose"
                size="small"
                pagination={false}
                dataSource={result.consents}
                columns={[
                  { title: t('consents.purpose'), dataIndex: 'purpose' },
                  {
                    title: t('consents.status'),
                    dataIndex: 'status',
                    render: (status: PurposeConsent['status'], row) =>
                      status === 'withdrawn' ? (
                        <Tag color="red">{t('consents.withdrawn')}</Tag>
                      ) : row.noticeHolds ? (
                        <Tag color="green">{t('consents.granted')}</Tag>
                      ) : (
                        <Tag color="orange">
                          {t('consents.outdated', { current: row.currentNotice ?? '-' })}
                        </Tag>
                      ),
                  },
                  {
                    title: t('consents.notice'),
                    dataIndex: 'noticeVersion',
                    render: (v: string | null) => v ?? '-',
                  },
                  {
                    title: t('consents.flags'),
                    key: 'flags',
                    render: (_, row) => (
                      <Space size={4}>
                        {row.separate && <Tag>{t('consents.separate')}</Tag>}
                        {row.crossBorder && <Tag>{t('consents.crossBorder')}</Tag>}
                      </Space>
                    ),
                  },
                  {
                    title: t('consents.changedAt'),
                    key: 'at',
                    render: (_, row) => formatDateTime(row.withdrawnAt ?? row.grantedAt),
                  },
                  {
                    title: t('consents.channel'),
                    dataIndex: 'channel',
                    render: (v: string | null) => v ?? '-',
                  },
                  {
                    title: t('consents.evidence'),
                    dataIndex: 'evidence',
                    render: (v: string | null) => v ?? '-',
                  },
                  ...(mayRecord
                    ? [
                        {
                          title: t('consents.actions'),
                          key: 'actions',
                          render: (_: unknown, row: PurposeConsent) =>
                            row.status === 'granted' && (
                              <Button
                                size="small"
                                danger
                                loading={withdraw.isPending && withdraw.variables === row.purpose}
                                onClick={() => withdraw.mutate(row.purpose)}
                              >
                                {t('consents.withdraw')}
                              </Button>
                            ),
                        },
                      ]
                    : []),
                ]}
              />
            )}
          </Card>

          {mayRecord && (
            <Card title={t('consents.record')} style={{ marginTop: 16 }}>
              {grant.isError && <ErrorState error={grant.error} />}
              <Form
                form={grantForm}
                layout="vertical"
                onFinish={(form) => grant.mutate(form)}
                style={{ maxWidth: 560 }}
              >
                <Form.Item
                  name="purposes"
                  label={t('consents.purposes')}
                  rules={grantRules.rules('purposes')}
                >
                  <Select mode="multiple" options={purposes.map((p) => ({ value: p, label: p }))} />
                </Form.Item>
                <Form.Item
                  name="evidence"
                  label={t('consents.evidence')}
                  extra={t('consents.evidenceHelp')}
                  rules={grantRules.rules('evidence')}
                >
                  <Input autoComplete="off" />
                </Form.Item>
                <Form.Item name="channel" label={t('consents.channel')} rules={grantRules.rules('channel')}>
                  <Input autoComplete="off" placeholder="console" />
                </Form.Item>
                <Form.Item name="separate" valuePropName="checked">
                  <Checkbox>{t('consents.separateHelp')}</Checkbox>
                </Form.Item>
                <Form.Item name="crossBorder" valuePropName="checked">
                  <Checkbox>{t('consents.crossBorderHelp')}</Checkbox>
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={grant.isPending}>
                  {t('consents.grant')}
                </Button>
              </Form>
            </Card>
          )}

          <Card title={t('consents.history')} style={{ marginTop: 16 }}>
            <Table<ConsentHistoryEntry>
              rowKey={(row) => `${row.purpose}-${row.action}-${row.at}-${row.recordedAt}`}
              size="small"
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              dataSource={[...result.history].reverse()}
              locale={{ emptyText: <Empty description={t('consents.noHistory')} /> }}
              columns={[
                { title: t('consents.at'), dataIndex: 'at', render: (v: string) => formatDateTime(v) },
                { title: t('consents.purpose'), dataIndex: 'purpose' },
                {
                  title: t('consents.action'),
                  dataIndex: 'action',
                  render: (a: ConsentHistoryEntry['action']) =>
                    a === 'granted' ? t('consents.granted') : t('consents.withdrawn'),
                },
                {
                  title: t('consents.notice'),
                  dataIndex: 'noticeVersion',
                  render: (v: string | null) => v ?? '-',
                },
                { title: t('consents.channel'), dataIndex: 'channel' },
                {
                  title: t('consents.evidence'),
                  dataIndex: 'evidence',
                  render: (v: string | null) => v ?? '-',
                },
                { title: t('consents.recordedBy'), dataIndex: 'recordedBy' },
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}
