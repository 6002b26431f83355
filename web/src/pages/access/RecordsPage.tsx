// The governed read path: pick a dataset and the purpose of the read; the server applies policy,
// grants, masks and consent, and audits the read. Find a person by an identifier across the
// datasets you may read (the identifier is sent in the body, never kept).

import { SearchOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Form, Input, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, call } from '../../api/client';
import { endpoints, type RecordItem } from '../../api/endpoints';
import { useFormRules } from '../../api/useFormRules';
import { ErrorState, errorText } from '../../app/errors';
import { formatDateTime } from '../../app/i18n';
import { useWorkspace } from '../../app/useWorkspace';

const PAGE = 50;

function display(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function RecordTable({ items, loading }: { items: RecordItem[]; loading?: boolean }) {
  const { t } = useTranslation();
  const fields = useMemo(() => [...new Set(items.flatMap((item) => Object.keys(item.fields)))], [items]);
  return (
    <Table<RecordItem>
      rowKey="key"
      size="small"
      loading={loading ?? false}
      dataSource={items}
      pagination={false}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: <Empty description={t('records.none')} /> }}
      columns={[
        ...fields.map((field) => ({
          title: field,
          key: field,
          render: (_: unknown, item: RecordItem) => display(item.fields[field]),
        })),
        { title: t('records.collectedAt'), dataIndex: 'collectedAt', render: formatDateTime },
      ]}
    />
  );
}

/** A refusal that an access request can lift says so, with the way there. */
function Refusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (
    error instanceof ApiError &&
    ['approval_required', 'no_policy', 'grant_expired', 'purpose_not_allowed'].includes(error.code)
  ) {
    return (
      <Alert
        type="warning"
        showIcon
        title={error.message}
        description={<Link to="/access/requests">{t('records.askAccess')}</Link>}
      />
    );
  }
  return <ErrorState error={error} />;
}

export default function RecordsPage() {
  const { t } = useTranslation();
  const workspace = useWorkspace();
  const [dataset, setDataset] = useState<string | undefined>();
  const [purpose, setPurpose] = useState<string | undefined>();
  const purposes = useMemo(
    () => [
      ...new Set(
        (workspace.data?.datasets ?? []).flatMap((d) => (dataset && d.name !== dataset ? [] : d.purposes)),
      ),
    ],
    [workspace.data, dataset],
  );
  const records = useInfiniteQuery({
    queryKey: ['records', dataset, purpose],
    enabled: Boolean(dataset && purpose),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call(endpoints.records, {
        params: { name: dataset! },
        query: { purpose: purpose!, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
  const items = records.data?.pages.flatMap((p) => p.items) ?? [];
  const first = records.data?.pages[0];

  const [lookupForm] = Form.useForm<{ identifier: string; purpose: string }>();
  const lookupRules = useFormRules(endpoints.lookup, {
    identifier: t('records.identifier'),
    purpose: t('records.purpose'),
  });
  const lookup = useMutation({
    mutationFn: (values: { identifier: string; purpose: string }) => call(endpoints.lookup, { body: values }),
    // A validation problem is shown on its field; anything else below the form.
    onError: (error) => lookupRules.showServerErrors(lookupForm, error),
  });
  const allPurposes = [...new Set((workspace.data?.datasets ?? []).flatMap((d) => d.purposes))];

  return (
    <>
      <Typography.Title level={3}>{t('nav.records')}</Typography.Title>
      <Tabs
        items={[
          {
            key: 'browse',
            label: t('records.browse'),
            children: (
              <Card>
                <Space wrap style={{ marginBottom: 16 }}>
                  <Select
                    aria-label={t('records.dataset')}
                    placeholder={t('records.dataset')}
                    style={{ width: 220 }}
                    options={(workspace.data?.datasets ?? []).map((d) => ({ label: d.name, value: d.name }))}
                    value={dataset ?? null}
                    onChange={(v) => {
                      setDataset(v);
                      setPurpose(undefined);
                    }}
                  />
                  <Select
                    aria-label={t('records.purpose')}
                    placeholder={t('records.purpose')}
                    style={{ width: 220 }}
                    disabled={!dataset}
                    options={purposes.map((p) => ({ label: p, value: p }))}
                    value={purpose ?? null}
                    onChange={setPurpose}
                  />
                  {first?.grant && <Tag color="green">{t('records.viaGrant', { grant: first.grant })}</Tag>}
                </Space>
                {!dataset || !purpose ? (
                  <Empty description={t('records.choose')} />
                ) : records.isError ? (
                  <Refusal error={records.error} />
                ) : (
                  <>
                    {first && first.withheld.noConsent + first.withheld.filtered > 0 && (
                      <Alert
                        type="info"
                        showIcon
                        style={{ marginBottom: 12 }}
                        title={t('records.withheld', {
                          noConsent: first.withheld.noConsent,
                          filtered: first.withheld.filtered,
                        })}
                      />
                    )}
                    <RecordTable items={items} loading={records.isPending} />
                    {records.hasNextPage && (
                      <Button
                        style={{ marginTop: 12 }}
                        loading={records.isFetchingNextPage}
                        onClick={() => void records.fetchNextPage()}
                      >
                        {t('records.more')}
                      </Button>
                    )}
                  </>
                )}
              </Card>
            ),
          },
          {
            key: 'lookup',
            label: t('records.lookup'),
            children: (
              <Card>
                <Form
                  form={lookupForm}
                  layout="inline"
                  onFinish={(values: { identifier: string; purpose: string }) => lookup.mutate(values)}
                  style={{ marginBottom: 16 }}
                >
                  <Form.Item
                    name="identifier"
                    label={t('records.identifier')}
                    rules={lookupRules.rules('identifier')}
                  >
                    <Input.Password autoComplete="off" visibilityToggle style={{ width: 260 }} />
                  </Form.Item>
                  <Form.Item name="purpose" label={t('records.purpose')} rules={lookupRules.rules('purpose')}>
                    <Select
                      style={{ width: 200 }}
                      options={allPurposes.map((p) => ({ label: p, value: p }))}
                    />
                  </Form.Item>
                  <Button
                    type="primary"
                    htmlType="submit"
                    icon={<SearchOutlined />}
                    loading={lookup.isPending}
                  >
                    {t('records.find')}
                  </Button>
                </Form>
                {lookup.isError && <Alert type="error" showIcon title={errorText(lookup.error, t)} />}
                {lookup.data &&
                  (lookup.data.matches.length === 0 ? (
                    <Empty description={t('records.noMatch')} />
                  ) : (
                    lookup.data.matches.map((match) => (
                      <Card
                        key={match.dataset}
                        type="inner"
                        title={match.dataset}
                        style={{ marginBottom: 12 }}
                      >
                        <RecordTable items={match.items} />
                      </Card>
                    ))
                  ))}
                {lookup.data && lookup.data.skipped.length > 0 && (
                  <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                    {t('records.skipped')}:{' '}
                    {lookup.data.skipped.map((s) => `${s.dataset} (${s.code})`).join(', ')}
                  </Typography.Paragraph>
                )}
              </Card>
            ),
          },
        ]}
      />
    </>
  );
}
