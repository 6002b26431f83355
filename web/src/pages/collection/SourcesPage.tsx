// Sources (data engineers, admins): check a connection, discover its streams and fields, and
// preview a few records — values that look personal arrive masked from the server.

import { ApiOutlined, EyeOutlined, SearchOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Modal, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { endpoints, type SourceSummary, type StreamDescription } from '../../api/endpoints';
import { ErrorState, errorText } from '../../app/errors';

function Streams({ name }: { name: string }) {
  const { t } = useTranslation();
  const streams = useQuery({
    queryKey: ['sources', name, 'streams'],
    queryFn: () => call(endpoints.sourceStreams, { params: { name } }),
  });
  const [previewing, setPreviewing] = useState<string | null>(null);
  const preview = useQuery({
    queryKey: ['sources', name, 'preview', previewing],
    enabled: previewing !== null,
    queryFn: () =>
      call(endpoints.sourcePreview, { params: { name }, query: { stream: previewing!, limit: 10 } }),
  });
  if (streams.isError) return <ErrorState error={streams.error} retry={() => void streams.refetch()} />;
  const records = preview.data?.records ?? [];
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return (
    <>
      <Table<StreamDescription>
        rowKey="name"
        size="small"
        loading={streams.isPending}
        pagination={false}
        dataSource={streams.data?.streams ?? []}
        columns={[
          { title: t('sources.stream'), dataIndex: 'name' },
          {
            title: t('sources.fields'),
            dataIndex: 'fields',
            render: (fields: StreamDescription['fields']) =>
              fields.map((f) => (
                <Tag key={f.name}>
                  {f.name}: {f.type}
                </Tag>
              )),
          },
          {
            title: '',
            key: 'preview',
            render: (_, stream) => (
              <Button size="small" icon={<EyeOutlined />} onClick={() => setPreviewing(stream.name)}>
                {t('sources.preview')}
              </Button>
            ),
          },
        ]}
      />
      <Modal
        open={previewing !== null}
        title={t('sources.previewTitle', { stream: previewing ?? '' })}
        footer={null}
        width={960}
        onCancel={() => setPreviewing(null)}
      >
        {preview.isError ? (
          <ErrorState error={preview.error} />
        ) : (
          <>
            {preview.data?.masked && (
              <Alert type="info" showIcon title={t('sources.masked')} style={{ marginBottom: 12 }} />
            )}
            <Table
              rowKey={(_, i) => String(i)}
              size="small"
              loading={preview.isPending}
              pagination={false}
              scroll={{ x: 'max-content' }}
              dataSource={records}
              locale={{ emptyText: <Empty description={t('sources.noRecords')} /> }}
              columns={columns.map((c) => ({
                title: c,
                key: c,
                render: (_: unknown, r: Record<string, unknown>) => {
                  const v = r[c];
                  return v === null || v === undefined
                    ? '—'
                    : typeof v === 'object'
                      ? JSON.stringify(v)
                      : String(v);
                },
              }))}
            />
          </>
        )}
      </Modal>
    </>
  );
}

export default function SourcesPage() {
  const { t } = useTranslation();
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => call(endpoints.sources) });
  const [results, setResults] = useState<Record<string, { ok: boolean; message: string }>>({});
  const check = useMutation({
    mutationFn: (name: string) => call(endpoints.checkSource, { params: { name } }),
    onSuccess: (result) => setResults((r) => ({ ...r, [result.source]: result })),
    onError: (error, name) =>
      setResults((r) => ({ ...r, [name]: { ok: false, message: errorText(error, t) } })),
  });
  return (
    <>
      <Typography.Title level={3}>{t('nav.sources')}</Typography.Title>
      <Card>
        {sources.isError ? (
          <ErrorState error={sources.error} retry={() => void sources.refetch()} />
        ) : (
          <Table<SourceSummary>
            rowKey="name"
            loading={sources.isPending}
            dataSource={sources.data?.sources ?? []}
            pagination={false}
            locale={{ emptyText: <Empty description={t('sources.empty')} /> }}
            expandable={{ expandedRowRender: (s) => <Streams name={s.name} />, expandRowByClick: false }}
            columns={[
              { title: t('sources.name'), dataIndex: 'name' },
              { title: t('sources.type'), dataIndex: 'type', render: (v: string) => <Tag>{v}</Tag> },
              { title: t('sources.vendor'), dataIndex: 'vendor', render: (v: string | null) => v ?? '—' },
              { title: t('sources.description'), dataIndex: 'description', ellipsis: true },
              {
                title: t('sources.connection'),
                key: 'check',
                render: (_, s) => (
                  <Space>
                    <Button
                      size="small"
                      icon={<ApiOutlined />}
                      loading={check.isPending && check.variables === s.name}
                      onClick={() => check.mutate(s.name)}
                    >
                      {t('sources.check')}
                    </Button>
                    {results[s.name] && (
                      <Tag color={results[s.name]!.ok ? 'green' : 'red'} title={results[s.name]!.message}>
                        {results[s.name]!.ok ? t('sources.ok') : t('sources.failed')}
                      </Tag>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        )}
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          <SearchOutlined /> {t('sources.hint')}
        </Typography.Paragraph>
      </Card>
    </>
  );
}
