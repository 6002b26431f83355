// Sources (data engineers): the declared sources; for one, check the connection, discover its
// streams and fields, and preview a few records — always masked over the API. The list is paged,
// sorted and filtered (name or description, type) by the server (GET /api/v1/sources).

import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Empty, Input, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import {
  endpoints,
  type SourceSortKey,
  type SourceSummary,
  type StreamDescription,
} from '../../api/endpoints';
import { ErrorState } from '../../app/errors';
import { useServerTable } from '../../components/useServerTable';

const SORTABLE: readonly SourceSortKey[] = ['name', 'type', 'vendor'];
const TYPES = ['api', 'crawler', 'database', 'file'] as const;

type Field = StreamDescription['fields'][number];

export default function SourcesPage() {
  const { t } = useTranslation();
  const [selected, setSelected] = useState<string | undefined>();
  const [search, setSearch] = useState('');
  const [type, setType] = useState<string | undefined>();
  const table = useServerTable<SourceSortKey>('name', SORTABLE);
  const query = { ...table.query, ...(search ? { search } : {}), ...(type ? { type } : {}) };
  const list = useQuery({
    queryKey: ['sources', query],
    queryFn: () => call(endpoints.sources, { query }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <Typography.Title level={3}>{t('nav.sources')}</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={9}>
          <Card title={t('sources.declared')}>
            <Space wrap style={{ marginBottom: 16 }}>
              <Input.Search
                allowClear
                aria-label={t('sources.search')}
                placeholder={t('sources.search')}
                style={{ width: 200 }}
                onSearch={(value) => {
                  setSearch(value.trim());
                  table.restart();
                }}
              />
              <Select
                allowClear
                aria-label={t('sources.filterType')}
                placeholder={t('sources.filterType')}
                style={{ width: 140 }}
                options={TYPES.map((x) => ({ value: x, label: x }))}
                value={type ?? null}
                onChange={(v) => {
                  setType(v ?? undefined);
                  table.restart();
                }}
              />
            </Space>
            {list.isError ? (
              <ErrorState error={list.error} retry={() => void list.refetch()} />
            ) : (
              <Table<SourceSummary>
                rowKey="name"
                size="middle"
                loading={list.isPending || list.isPlaceholderData}
                dataSource={list.data?.sources ?? []}
                pagination={table.pagination(list.data?.total ?? 0, (total) =>
                  t('sources.total', { count: total }),
                )}
                onChange={table.onChange}
                locale={{ emptyText: <Empty description={t('sources.empty')} /> }}
                rowClassName={(s) => (s.name === selected ? 'ant-table-row-selected' : '')}
                columns={[
                  {
                    title: t('sources.name'),
                    dataIndex: 'name',
                    key: 'name',
                    sorter: true,
                    sortOrder: table.sortOrder('name'),
                    render: (name: string) => (
                      <Button type="link" style={{ padding: 0 }} onClick={() => setSelected(name)}>
                        {name}
                      </Button>
                    ),
                  },
                  {
                    title: t('sources.type'),
                    dataIndex: 'type',
                    key: 'type',
                    sorter: true,
                    sortOrder: table.sortOrder('type'),
                    render: (x: string) => <Tag>{x}</Tag>,
                  },
                  {
                    title: t('sources.vendor'),
                    dataIndex: 'vendor',
                    key: 'vendor',
                    sorter: true,
                    sortOrder: table.sortOrder('vendor'),
                    render: (v: string | null) => v ?? '—',
                  },
                ]}
                expandable={{
                  rowExpandable: (s) => s.description !== null,
                  expandedRowRender: (s) => s.description,
                }}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={15}>
          {selected ? (
            <SourceDetail key={selected} name={selected} />
          ) : (
            <Card>
              <Empty description={t('sources.choose')} />
            </Card>
          )}
        </Col>
      </Row>
    </>
  );
}

function SourceDetail({ name }: { name: string }) {
  const { t } = useTranslation();
  const [stream, setStream] = useState<string | undefined>();
  const check = useMutation({ mutationFn: () => call(endpoints.checkSource, { params: { name } }) });
  // Discovery and preview reach the source: only when asked.
  const streams = useQuery({
    queryKey: ['sourceStreams', name],
    queryFn: () => call(endpoints.sourceStreams, { params: { name } }),
    enabled: false,
  });
  const preview = useQuery({
    queryKey: ['sourcePreview', name, stream],
    queryFn: () =>
      call(endpoints.sourcePreview, {
        params: { name },
        query: { limit: 10, ...(stream ? { stream } : {}) },
      }),
    enabled: false,
  });
  const records = preview.data?.records ?? [];
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={t('sources.detail', { name })}
        extra={
          <Space>
            <Button loading={check.isPending} onClick={() => check.mutate()}>
              {t('sources.check')}
            </Button>
            <Button loading={streams.isFetching} onClick={() => void streams.refetch()}>
              {t('sources.discover')}
            </Button>
          </Space>
        }
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          {check.isError && <ErrorState error={check.error} retry={() => check.mutate()} />}
          {check.data && (
            <Alert
              type={check.data.ok ? 'success' : 'error'}
              showIcon
              title={check.data.ok ? t('sources.checkOk') : t('sources.checkFailed')}
              description={[check.data.identity, check.data.message].filter(Boolean).join(' · ')}
            />
          )}
          {!check.data && !check.isError && !streams.data && !streams.isError && (
            <Typography.Text type="secondary">{t('sources.detailHint')}</Typography.Text>
          )}
          {streams.isError && <ErrorState error={streams.error} retry={() => void streams.refetch()} />}
          {streams.data &&
            (streams.data.streams.length === 0 ? (
              <Empty description={t('sources.noStreams')} />
            ) : (
              streams.data.streams.map((s) => (
                <Card key={s.name} size="small" title={t('sources.stream', { name: s.name })} type="inner">
                  <Space wrap style={{ marginBottom: 8 }}>
                    {s.primaryKey?.length ? (
                      <Typography.Text>
                        {t('sources.primaryKey', { fields: s.primaryKey.join(', ') })}
                      </Typography.Text>
                    ) : null}
                    {s.cursorFields?.length ? (
                      <Typography.Text>
                        {t('sources.cursor', { fields: s.cursorFields.join(', ') })}
                      </Typography.Text>
                    ) : null}
                  </Space>
                  <Table<Field>
                    rowKey="name"
                    size="small"
                    dataSource={s.fields}
                    pagination={{ pageSize: 15, hideOnSinglePage: true }}
                    columns={[
                      { title: t('sources.field'), dataIndex: 'name' },
                      { title: t('sources.fieldType'), dataIndex: 'type' },
                      {
                        title: t('sources.nullable'),
                        dataIndex: 'nullable',
                        render: (n: boolean | undefined) =>
                          n === undefined ? '—' : n ? t('sources.yes') : t('sources.no'),
                      },
                    ]}
                  />
                </Card>
              ))
            ))}
        </Space>
      </Card>
      <Card
        title={t('sources.preview')}
        extra={
          <Space>
            <Select
              allowClear
              aria-label={t('sources.previewStream')}
              placeholder={t('sources.previewStream')}
              style={{ width: 200 }}
              value={stream ?? null}
              onChange={(v) => setStream(v ?? undefined)}
              options={(streams.data?.streams ?? []).map((s) => ({ value: s.name, label: s.name }))}
              notFoundContent={t('sources.discoverFirst')}
            />
            <Button type="primary" loading={preview.isFetching} onClick={() => void preview.refetch()}>
              {t('sources.showPreview')}
            </Button>
          </Space>
        }
      >
        {preview.isError ? (
          <ErrorState error={preview.error} retry={() => void preview.refetch()} />
        ) : preview.data ? (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Alert type="info" showIcon title={t('sources.maskedNote', { stream: preview.data.stream })} />
            <Table<Record<string, unknown>>
              rowKey={(_, i) => String(i)}
              size="small"
              scroll={{ x: true }}
              dataSource={records}
              pagination={false}
              locale={{ emptyText: <Empty description={t('sources.previewEmpty')} /> }}
              columns={columns.map((c) => ({
                title: c,
                dataIndex: c,
                render: (v: unknown) =>
                  v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v),
              }))}
            />
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('sources.previewHint')}</Typography.Text>
        )}
      </Card>
    </Space>
  );
}
